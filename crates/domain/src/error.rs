//! The one error type of the domain crate: a value that breaks a domain rule.

/// A value from outside that does not satisfy a domain rule. The message is written for the person
/// who sent the value; values are quoted through [`shown`], so a message never repeats more than a
/// short, escaped excerpt of what was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("region code `{0}` is not a six-digit GB/T 2260 code")]
    InvalidRegionCode(String),
    #[error("province code `{0}` is not two digits")]
    InvalidProvinceCode(String),
    #[error("region level `{0}` is not one of province, prefecture, county")]
    InvalidRegionLevel(String),
    #[error("category code `{0}` must be 1 to 64 characters of letters, digits, `.`, `_` or `-`")]
    InvalidCategoryCode(String),
    #[error("park level `{0}` is not one of national, provincial")]
    InvalidParkLevel(String),
    #[error(
        "park kind `{0}` is not one of high_tech, economic_technological, comprehensive_bonded, \
         provincial_development_zone"
    )]
    InvalidParkKind(String),
    #[error("organization kind `{0}` is not one of lead, sme")]
    InvalidOrganizationKind(String),
    #[error(
        "`{0}` is not a valid e-mail address: visible ASCII before the `@`, a domain of ASCII \
         labels (IDNA `xn--` form for internationalised names), at most 254 characters"
    )]
    InvalidEmail(String),
    #[error("the password must be at least {0} characters long")]
    PasswordTooShort(usize),
    #[error("the password must be at most {0} characters long")]
    PasswordTooLong(usize),
    #[error("role `{0}` is not one of lead, sme, park_admin, platform_admin")]
    InvalidRole(String),
    #[error("the {field} {problem}")]
    InvalidText {
        field: &'static str,
        problem: String,
    },
    #[error("annual capacity `{0}` must be a positive whole number")]
    InvalidCapacity(String),
    #[error("a capability may list at most {0} processes")]
    TooManyProcesses(usize),
    #[error(
        "certification kind `{0}` must be 2 to 32 letters, digits or `-` (single spaces between \
         them allowed), such as IATF16949"
    )]
    InvalidCertificationKind(String),
    #[error("{field} `{raw}` is not a date YYYY-MM-DD between 1900-01-01 and 2199-12-31")]
    InvalidDate { field: &'static str, raw: String },
    #[error("a certificate's valid_until must come after its valid_from")]
    CertificateEndsBeforeItStarts,
}

/// The most characters of a sent value that an error message repeats.
const SHOWN_CHARS: usize = 64;

/// A sent value as an error message may quote it: at most 64 characters, with control and
/// invisible characters escaped (`\u{200b}`), and `…` when cut short.
pub fn shown(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .take(SHOWN_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if raw.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_invisible_ones_escaped() {
        let long = "x".repeat(20_000);
        let text = DomainError::InvalidRegionCode(shown(&long)).to_string();
        assert!(text.len() < 200, "{} bytes", text.len());
        assert!(text.contains('…'));
        assert_eq!(shown("a\u{200B}\u{0}"), "a\\u{200b}\\0");
    }
}
