//! Text that people type — names, units, certificate numbers, e-mail addresses — and the calendar
//! dates they send.
//!
//! Each rule is one regular expression plus a length. The validation here runs the expression and
//! the OpenAPI document publishes the very same string as the field's `pattern` (and the length as
//! `maxLength`), so what the contract promises and what the server accepts cannot drift apart. The
//! patterns keep to the subset that ECMA-262, Python's `re` and Rust's `regex` read alike: `^…$`,
//! character classes, `\uXXXX` escapes and non-capturing groups.

use std::sync::LazyLock;

use regex::Regex;
use time::Date;

use crate::DomainError;

/// Characters never accepted in text: C0 and C1 controls and DEL; the invisible characters that
/// disguise text — soft hyphen, zero-width spaces and joiners, word joiner, the byte-order mark,
/// Hangul fillers, the Arabic letter mark, the Mongolian vowel separator; line and paragraph
/// separators; bidirectional embeddings, overrides and isolates; interlinear annotation marks.
macro_rules! forbidden {
    () => {
        r"\u0000-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB"
    };
}

/// The forbidden characters less the line feed: text of several lines.
macro_rules! forbidden_but_newline {
    () => {
        r"\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB"
    };
}

/// The visible-width spaces: accepted inside text, but text made only of them is blank.
macro_rules! blank {
    () => {
        r"\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000"
    };
}

/// Text with at least one visible character and none of the forbidden ones.
pub const VISIBLE_TEXT_PATTERN: &str = concat!(
    "^[^",
    forbidden!(),
    "]*[^",
    forbidden!(),
    blank!(),
    "][^",
    forbidden!(),
    "]*$"
);

/// Like [`VISIBLE_TEXT_PATTERN`], but line feeds (`\n`) are allowed between lines.
pub const MULTILINE_TEXT_PATTERN: &str = concat!(
    "^[^",
    forbidden_but_newline!(),
    "]*[^",
    forbidden_but_newline!(),
    blank!(),
    "\\u000A][^",
    forbidden_but_newline!(),
    "]*$"
);

static MULTILINE_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(MULTILINE_TEXT_PATTERN).ok());
static VISIBLE_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(VISIBLE_TEXT_PATTERN).ok());
static FORBIDDEN_CHAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(concat!("[", forbidden!(), "]")).ok());

/// A kind of free text and how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// What the text is, as error messages name it.
    pub field: &'static str,
    /// The most characters (Unicode scalar values, as JSON Schema's `maxLength` counts them) the
    /// text may have as sent, surrounding spaces included.
    pub max_chars: usize,
    /// Whether line feeds may separate lines.
    pub multiline: bool,
}

impl TextRule {
    /// The pattern the text must match, as the OpenAPI document publishes it.
    pub fn pattern(&self) -> &'static str {
        if self.multiline {
            MULTILINE_TEXT_PATTERN
        } else {
            VISIBLE_TEXT_PATTERN
        }
    }
}

/// An organisation's name: official names can be long.
pub const ORGANIZATION_NAME: TextRule = TextRule {
    field: "organization name",
    max_chars: 500,
    multiline: false,
};
/// A category's Chinese or English name: official nomenclatures have long descriptions.
pub const CATEGORY_NAME: TextRule = TextRule {
    field: "category name",
    max_chars: 500,
    multiline: false,
};
/// A person's display name.
pub const DISPLAY_NAME: TextRule = TextRule {
    field: "display name",
    max_chars: 100,
    multiline: false,
};
/// A unit of capacity such as `pcs` or `t`.
pub const UNIT: TextRule = TextRule {
    field: "unit",
    max_chars: 32,
    multiline: false,
};
/// A certificate's number as its issuer printed it.
pub const CERTIFICATE_NUMBER: TextRule = TextRule {
    field: "certificate number",
    max_chars: 128,
    multiline: false,
};
/// A manufacturing process such as `stamping`.
pub const PROCESS: TextRule = TextRule {
    field: "process",
    max_chars: 64,
    multiline: false,
};

/// Text to search for.
pub const SEARCH_TEXT: TextRule = TextRule {
    field: "search text",
    max_chars: 100,
    multiline: false,
};

/// A need's title.
pub const NEED_TITLE: TextRule = TextRule {
    field: "title",
    max_chars: 200,
    multiline: false,
};
/// A need's specification: drawings referenced, tolerances, packaging — several lines.
pub const SPECIFICATION: TextRule = TextRule {
    field: "specification",
    max_chars: 5000,
    multiline: true,
};
/// A production site's name, such as `Plant 2` or `樊城二厂`.
pub const SITE_NAME: TextRule = TextRule {
    field: "site name",
    max_chars: 200,
    multiline: false,
};
/// A production site's street address, on one line.
pub const SITE_ADDRESS: TextRule = TextRule {
    field: "site address",
    max_chars: 500,
    multiline: false,
};
/// A bill of materials' line description, such as `前桥总成 front axle assembly`.
pub const BOM_DESCRIPTION: TextRule = TextRule {
    field: "description",
    max_chars: 500,
    multiline: false,
};
/// A bill of materials' name, such as `2026 sourcing plan`.
pub const BOM_NAME: TextRule = TextRule {
    field: "name",
    max_chars: 200,
    multiline: false,
};
/// Why something was done: a cancellation, a rejection, a verification.
pub const REASON: TextRule = TextRule {
    field: "reason",
    max_chars: 500,
    multiline: true,
};

impl TextRule {
    /// Checks `raw` against the rule and returns it without surrounding spaces.
    pub fn parse(&self, raw: &str) -> Result<String, DomainError> {
        let invalid = |problem: String| DomainError::InvalidText {
            field: self.field,
            problem,
        };
        let length = raw.chars().count();
        if length > self.max_chars {
            return Err(invalid(format!(
                "must be at most {} characters, not {length}",
                self.max_chars
            )));
        }
        let matcher = if self.multiline {
            &MULTILINE_TEXT
        } else {
            &VISIBLE_TEXT
        };
        let Some(visible) = matcher.as_ref() else {
            return Err(invalid("cannot be checked".into()));
        };
        if !visible.is_match(raw) {
            let forbidden = FORBIDDEN_CHAR.as_ref().and_then(|re| {
                re.find_iter(raw)
                    .find(|found| !(self.multiline && found.as_str() == "\n"))
            });
            return Err(invalid(match forbidden {
                Some(found) => {
                    let position = raw[..found.start()].chars().count() + 1;
                    let code = found.as_str().chars().next().map_or(0, u32::from);
                    format!(
                        "character {position} is U+{code:04X}, a control or invisible character, \
                         which is not accepted"
                    )
                }
                None => "must contain at least one visible character".into(),
            }));
        }
        Ok(raw.trim().to_owned())
    }
}

/// An e-mail address: a dot-atom local part of visible ASCII (RFC 5322 `atext`), `@`, and a domain
/// of ASCII labels — an internationalised domain in its IDNA form (`xn--…`). No spaces, quotes or
/// angle brackets; at most [`MAX_EMAIL_LEN`] characters.
pub const EMAIL_PATTERN: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])$";
/// The longest e-mail address accepted (RFC 5321's path limit less the brackets).
pub const MAX_EMAIL_LEN: usize = 254;

static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(EMAIL_PATTERN).ok());

/// Whether `raw` is an e-mail address as [`EMAIL_PATTERN`] describes.
pub(crate) fn is_email(raw: &str) -> bool {
    raw.len() <= MAX_EMAIL_LEN && EMAIL.as_ref().is_some_and(|re| re.is_match(raw))
}

/// A calendar date `YYYY-MM-DD` that exists, in the years [`MIN_YEAR`] to [`MAX_YEAR`]: no sign, no
/// year 0000 or 9999, no 30 February.
pub const DATE_PATTERN: &str = concat!(
    "^(?:",
    // any month, days 1 to 28
    "(?:19|2[01])[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])",
    // the 29th and 30th of every month but February
    "|(?:19|2[01])[0-9]{2}-(?:0[13-9]|1[0-2])-(?:29|30)",
    // the 31st of the long months
    "|(?:19|2[01])[0-9]{2}-(?:0[13578]|1[02])-31",
    // 29 February of the leap years (1900 and 2100 are not)
    "|(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))-02-29",
    ")$"
);
/// The earliest year a date may have.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a date may have.
pub const MAX_YEAR: i32 = 2199;

static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(DATE_PATTERN).ok());

/// Parses a strict `YYYY-MM-DD` date; `field` names it in the error.
pub fn parse_date(field: &'static str, raw: &str) -> Result<Date, DomainError> {
    let invalid = || DomainError::InvalidDate {
        field,
        raw: crate::error::shown(raw),
    };
    if !DATE.as_ref().is_some_and(|re| re.is_match(raw)) {
        return Err(invalid());
    }
    Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| invalid())
}

/// Formats a date as `YYYY-MM-DD`, the form [`parse_date`] reads.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use time::{Duration, macros::date};

    use super::*;

    #[test]
    fn the_patterns_compile() {
        assert!(VISIBLE_TEXT.is_some());
        assert!(FORBIDDEN_CHAR.is_some());
        assert!(EMAIL.is_some());
        assert!(DATE.is_some());
    }

    #[test]
    fn names_with_visible_characters_are_trimmed_and_kept() {
        for (raw, kept) in [
            ("  湖北三环锻造有限公司 ", "湖北三环锻造有限公司"),
            ("Li Wei", "Li Wei"),
            ("A\u{3000}B", "A\u{3000}B"),
            ("<script>", "<script>"),
            ("😀", "😀"),
        ] {
            assert_eq!(ORGANIZATION_NAME.parse(raw).unwrap(), kept, "{raw:?}");
        }
    }

    #[test]
    fn control_invisible_and_blank_names_are_refused() {
        for raw in [
            "",
            " ",
            "\u{3000}",
            "\u{200B}",
            "\u{200B}\u{200B}",
            "\u{FEFF}",
            "Acme\u{0000}",
            "Acme\u{001B}[31m",
            "Acme\r\nInjected: yes",
            "Acme\u{202E}gnp.exe",
            "Ac\u{200D}me",
            "Acme\u{2028}",
            "\u{3164}",
        ] {
            assert!(ORGANIZATION_NAME.parse(raw).is_err(), "{raw:?} accepted");
        }
    }

    #[test]
    fn several_lines_are_allowed_only_where_the_rule_says() {
        assert_eq!(
            SPECIFICATION.parse("Ø12 ±0.02\nzinc plated\n").unwrap(),
            "Ø12 ±0.02\nzinc plated"
        );
        assert!(SPECIFICATION.parse("\n\n").is_err());
        assert!(SPECIFICATION.parse("a\r\nb").is_err());
        assert!(SPECIFICATION.parse("a\u{200B}").is_err());
        assert!(NEED_TITLE.parse("a\nb").is_err());
    }

    #[test]
    fn the_error_names_the_offending_character() {
        let err = DISPLAY_NAME.parse("Li\u{200B}Wei").unwrap_err().to_string();
        assert!(err.contains("character 3 is U+200B"), "{err}");
    }

    #[test]
    fn names_may_be_as_long_as_the_rule_and_no_longer() {
        let longest = "名".repeat(ORGANIZATION_NAME.max_chars);
        assert!(ORGANIZATION_NAME.parse(&longest).is_ok());
        assert!(ORGANIZATION_NAME.parse(&format!("{longest}名")).is_err());
    }

    #[test]
    fn emails_take_visible_ascii_and_idna_domains() {
        for raw in [
            "buyer@dongfeng.example",
            "Li.Wei+quotes@example.com",
            "o'brien@example.co.uk",
            "sales@xn--fiqs8s.xn--fiqs8s",
        ] {
            assert!(is_email(raw), "{raw:?} refused");
        }
        for raw in [
            "lead1@peitao.demo\u{200B}",
            "lead1\u{0000}@peitao.demo",
            "lead\u{202E}1@peitao.demo",
            "<script>@peitao.demo",
            "a b@example.com",
            " buyer@example.com",
            "buyer@例子.中国",
            "buyer@example",
            "buyer@-example.com",
            ".buyer@example.com",
            "bu..yer@example.com",
            "buyer@@example.com",
        ] {
            assert!(!is_email(raw), "{raw:?} accepted");
        }
    }

    #[test]
    fn the_date_pattern_admits_exactly_the_real_dates_of_the_years_allowed() {
        let mut day = date!(1899 - 12 - 01);
        while day <= date!(2200 - 01 - 31) {
            let text = format_date(day);
            let in_range = (MIN_YEAR..=MAX_YEAR).contains(&day.year());
            assert_eq!(parse_date("d", &text).is_ok(), in_range, "{text}");
            day += Duration::days(1);
        }
    }

    #[test]
    fn impossible_and_odd_dates_are_refused() {
        for raw in [
            "2023-02-29",
            "2100-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "+2026-01-01",
            "0000-01-01",
            "-0001-01-01",
            "9999-12-31",
            "2026-1-1",
            "20260101",
            "2026-01-01T00:00:00Z",
            " 2026-01-01",
        ] {
            assert!(parse_date("d", raw).is_err(), "{raw:?} accepted");
        }
        assert_eq!(
            parse_date("d", "2024-02-29").unwrap(),
            date!(2024 - 02 - 29)
        );
    }
}
