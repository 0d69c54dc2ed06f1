//! The list envelope every collection answers with, and the checks on its query parameters.

use std::sync::LazyLock;

use peitao_domain::{DomainError, shown};
use peitao_store::{Page, PageRequest, page::MAX_LIMIT};
use regex::Regex;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A cursor that is a record id: a whole number without sign or leading zeros, short enough to
/// fit a 64-bit id.
pub const ID_CURSOR_PATTERN: &str = "^(?:0|[1-9][0-9]{0,17})$";

static ID_CURSOR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(ID_CURSOR_PATTERN).ok());

/// Whether `cursor` is an id cursor as [`ID_CURSOR_PATTERN`] describes it.
pub fn is_id_cursor(cursor: &str) -> bool {
    ID_CURSOR.as_ref().is_some_and(|re| re.is_match(cursor))
}

/// One page of a list: `next_cursor` is `null` on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    /// Converts a store page, mapping each item to its response shape.
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The page a client asked for: `limit` within 1 to 100 (20 when absent) and a cursor that
/// `valid_cursor` recognises as one this list issues. Anything else is a 400 saying so.
pub fn page_request(
    limit: Option<u64>,
    cursor: Option<&str>,
    valid_cursor: impl Fn(&str) -> bool,
) -> Result<PageRequest, ApiError> {
    if let Some(limit) = limit
        && !(1..=MAX_LIMIT).contains(&limit)
    {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT}, not {limit}"
        )));
    }
    if let Some(cursor) = cursor
        && !valid_cursor(cursor)
    {
        return Err(ApiError::BadRequest(format!(
            "cursor `{}` is not one this list issued; use the next_cursor of the previous page",
            shown(cursor)
        )));
    }
    Ok(PageRequest::new(limit, cursor.map(str::to_owned)))
}

/// A path or query value that does not parse is a malformed request (400), unlike a body value
/// that breaks a rule (422).
pub fn malformed<T>(parsed: Result<T, DomainError>) -> Result<T, ApiError> {
    parsed.map_err(|err| ApiError::BadRequest(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cursors_are_plain_whole_numbers_that_fit_an_id() {
        for good in ["0", "7", "123456789012345678"] {
            assert!(is_id_cursor(good), "{good}");
            assert!(good.parse::<i64>().is_ok());
        }
        for bad in [
            "",
            "-1",
            "+1",
            "007",
            "1234567890123456789",
            "1 ",
            "1\n",
            "x",
        ] {
            assert!(!is_id_cursor(bad), "{bad:?}");
        }
    }
}
