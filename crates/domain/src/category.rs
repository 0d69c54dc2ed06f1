//! Product categories: the nodes of the industry-chain taxonomy.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The longest category code accepted.
pub const MAX_CATEGORY_CODE_LEN: usize = 64;
/// What [`CategoryCode::parse`] accepts, as the OpenAPI document publishes it.
pub const CATEGORY_CODE_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";

/// A category code: Peitao's own (`auto.body.stamping`) or one a user brings (an HS heading such as
/// `8708`, a GB/T 4754 class such as `C3670`). Letters, digits, `.`, `_` and `-`; 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Parses a code, rejecting empty, overlong and oddly-charactered ones.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_CATEGORY_CODE_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidCategoryCode(crate::error::shown(raw)))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CategoryCode> for String {
    fn from(code: CategoryCode) -> Self {
        code.0
    }
}

/// A node of the product taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: CategoryCode,
    pub parent_code: Option<CategoryCode>,
    pub name_zh: String,
    pub name_en: String,
    /// An outside classification the category corresponds to, such as `HS 8708` or
    /// `GB/T 4754-2017 3670`.
    pub reference: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peitao_hs_and_gbt_codes_parse() {
        for raw in ["auto.body.stamping", "8708", "C3670", "textile-yarn_2"] {
            assert_eq!(CategoryCode::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn the_published_pattern_agrees_with_the_parser() {
        let pattern = regex::Regex::new(CATEGORY_CODE_PATTERN).unwrap();
        let long = "a".repeat(MAX_CATEGORY_CODE_LEN);
        let longer = "a".repeat(MAX_CATEGORY_CODE_LEN + 1);
        for raw in [
            "",
            "8708",
            "auto.body",
            "a_b-c",
            "a b",
            "汽车",
            "a/b",
            "a\n",
            &long,
            &longer,
        ] {
            assert_eq!(
                pattern.is_match(raw),
                CategoryCode::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn empty_long_and_odd_codes_are_rejected() {
        let long = "a".repeat(MAX_CATEGORY_CODE_LEN + 1);
        for raw in ["", "auto body", "汽车", "a/b", long.as_str()] {
            assert!(
                CategoryCode::parse(raw).is_err(),
                "{raw:?} should be rejected"
            );
        }
    }
}
