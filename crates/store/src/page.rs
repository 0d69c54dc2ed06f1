//! Keyset pagination: a page holds at most `limit` items sorted by their key, and the key of the
//! last one is the cursor for the next page.

/// The largest page a client may ask for.
pub const MAX_LIMIT: u64 = 100;
/// The page size when a client does not say.
pub const DEFAULT_LIMIT: u64 = 20;

/// Which page to read: items whose key sorts after `after`, at most `limit` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<String>,
}

impl PageRequest {
    /// A request with the limit clamped into `1..=MAX_LIMIT`.
    pub fn new(limit: Option<u64>, after: Option<String>) -> Self {
        Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            after,
        }
    }
}

/// One page of items and the cursor of the next, `None` on the last page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page with nothing on it, and no next.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
        }
    }

    /// Builds a page from up to `limit + 1` rows read in key order: the extra row, when present,
    /// only proves that a next page exists.
    pub(crate) fn from_rows(mut rows: Vec<T>, limit: u64, key: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&key)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    /// Converts every item, keeping the cursor.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped() {
        assert_eq!(PageRequest::new(None, None).limit, DEFAULT_LIMIT);
        assert_eq!(PageRequest::new(Some(0), None).limit, 1);
        assert_eq!(PageRequest::new(Some(1000), None).limit, MAX_LIMIT);
    }

    #[test]
    fn an_extra_row_yields_a_cursor_and_is_dropped() {
        let page = Page::from_rows(vec![1, 2, 3], 2, i32::to_string);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last = Page::from_rows(vec![1, 2], 2, i32::to_string);
        assert_eq!(last.next_cursor, None);
    }
}
