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
    #[error("organization history action `{0}` is not one of verified, unverified")]
    InvalidOrganizationAction(String),
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
    #[error(
        "need status `{0}` is not one of draft, published, closed, expired, partly_awarded, awarded, fulfilled, cancelled"
    )]
    InvalidNeedStatus(String),
    #[error("visibility `{0}` is not one of public, province, invited")]
    InvalidVisibility(String),
    #[error("{field}: {problem}")]
    InvalidNeed {
        field: &'static str,
        problem: String,
    },
    #[error("{0}")]
    InvalidPeriod(String),
    #[error("a certificate's valid_until must come after its valid_from")]
    CertificateEndsBeforeItStarts,
    #[error("the {field} must be a whole number from {min} to {max}, not {value}")]
    OutOfRange {
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    #[error(
        "quote status `{0}` is not one of submitted, shortlisted, rejected, withdrawn, awarded"
    )]
    InvalidQuoteStatus(String),
    #[error(
        "rejection reason `{0}` is not one of price, capacity, certification, quality, lead_time, \
         distance, other"
    )]
    InvalidRejectReason(String),
    #[error("a rejection for the reason `other` needs a note that says what the reason is")]
    RejectionNoteRequired,
    #[error(
        "the quote's total, unit price {unit_price_fen} fen × quantity {quantity}, is more than \
         the {max} fen that can be stored"
    )]
    QuoteTotalTooLarge {
        unit_price_fen: u64,
        quantity: u64,
        max: u64,
    },
    #[error("deal status `{0}` is not one of active, fulfilled, cancelled")]
    InvalidDealStatus(String),
    #[error(
        "cannot award a quantity of {requested}: only {remaining} of the need remain to be awarded"
    )]
    AwardExceedsRemaining { requested: u64, remaining: u64 },
    #[error("cannot award a quantity of {requested}: the supplier's quote offers only {offered}")]
    AwardExceedsOffer { requested: u64, offered: u64 },
    #[error("the delivery date {delivered_on} is before the deal was awarded on {awarded_on}")]
    DeliveredBeforeAward {
        delivered_on: String,
        awarded_on: String,
    },
    #[error("the delivery date {delivered_on} is in the future (today is {today})")]
    DeliveredInTheFuture { delivered_on: String, today: String },
    #[error(
        "scorecard totals are inconsistent: {fulfilled_deals} fulfilled deals, {on_time} on \
         time, quality ratings summing to {quality_sum} (each rating is 1 to 5)"
    )]
    InconsistentScorecard {
        fulfilled_deals: u32,
        on_time: u32,
        quality_sum: u32,
    },
    #[error(
        "credential tier `{0}` is not one of innovative_sme, specialised_sme, little_giant, \
         single_champion, high_tech, nor one of their Chinese names"
    )]
    InvalidCredentialTier(String),
    #[error("a credential's valid_until must come after its valid_from")]
    CredentialEndsBeforeItStarts,
    #[error("event type `{0}` is not one Peitao sends")]
    InvalidEventKind(String),
    #[error("{field}: {problem}")]
    InvalidWebhook {
        field: &'static str,
        problem: String,
    },
}

/// A command that a record's current state does not allow, such as shortlisting a withdrawn quote.
///
/// It names the record, its current state, the command refused and the commands the state does
/// allow, so the API can answer `409 invalid_transition` with all of them. Every state machine of
/// the domain (quotes, deals, …) reports its refusals with this one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    record: &'static str,
    current: &'static str,
    command: &'static str,
    allowed: &'static [&'static str],
}

impl TransitionError {
    /// A refusal of `command` on a `record` (such as `"quote"`) in state `current`, which allows
    /// only the commands in `allowed` (empty for a final state).
    pub const fn new(
        record: &'static str,
        current: &'static str,
        command: &'static str,
        allowed: &'static [&'static str],
    ) -> Self {
        Self {
            record,
            current,
            command,
            allowed,
        }
    }

    /// What kind of record refused, such as `quote` or `deal`.
    pub fn record(&self) -> &'static str {
        self.record
    }

    /// The record's current state, as stored (`withdrawn`).
    pub fn current(&self) -> &'static str {
        self.current
    }

    /// The command refused (`shortlist`).
    pub fn command(&self) -> &'static str {
        self.command
    }

    /// The commands the current state allows; empty when the state is final.
    pub fn allowed(&self) -> &'static [&'static str] {
        self.allowed
    }
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            record,
            current,
            command,
            allowed,
        } = self;
        write!(f, "cannot {command} a {record} that is {current}; ")?;
        if allowed.is_empty() {
            write!(f, "a {current} {record} can no longer change")
        } else {
            write!(
                f,
                "a {current} {record} allows only: {}",
                allowed.join(", ")
            )
        }
    }
}

impl std::error::Error for TransitionError {}

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

    #[test]
    fn a_refused_transition_names_the_state_the_command_and_what_is_allowed() {
        let open = TransitionError::new("quote", "shortlisted", "shortlist", &["reject", "award"]);
        assert_eq!(
            open.to_string(),
            "cannot shortlist a quote that is shortlisted; a shortlisted quote allows only: \
             reject, award"
        );
        let fin = TransitionError::new("deal", "cancelled", "fulfil", &[]);
        assert_eq!(
            fin.to_string(),
            "cannot fulfil a deal that is cancelled; a cancelled deal can no longer change"
        );
        assert_eq!(
            (fin.record(), fin.current(), fin.command(), fin.allowed()),
            ("deal", "cancelled", "fulfil", &[][..])
        );
    }
}
