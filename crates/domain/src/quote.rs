//! Quotes: an SME's answer to a need, what it offers, and the states it passes through until the
//! lead enterprise decides.
//!
//! ```text
//! submitted ──shortlist──▶ shortlisted
//!     │                        │
//!     ├──reject(reason)────────┼──▶ rejected    (final)
//!     ├──withdraw──────────────┼──▶ withdrawn   (final)
//!     └──award─────────────────┴──▶ awarded     (final)
//! ```
//!
//! The SME withdraws; the lead enterprise shortlists, rejects and awards. A split award gives each
//! of the quotes it picks a deal of its own, so a quote is awarded once, in whole or in part.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainError, OrganizationKind, ProductionSiteId, TransitionError, text::TextRule};

/// The largest amount of money, in fen, or quantity accepted: what the database stores as a signed
/// 64-bit integer.
pub const MAX_AMOUNT: u64 = i64::MAX as u64;
/// The longest lead time a quote may promise, in days: ten years.
pub const MAX_LEAD_TIME_DAYS: u32 = 3650;
/// The note an SME adds to its quote.
pub const QUOTE_NOTE: TextRule = TextRule {
    field: "quote note",
    max_chars: 2000,
    multiline: true,
};
/// The note a lead enterprise adds to a rejection.
pub const REJECTION_NOTE: TextRule = TextRule {
    field: "rejection note",
    max_chars: 500,
    multiline: true,
};

/// The id of a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuoteId(pub i64);

impl fmt::Display for QuoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a quote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum QuoteStatus {
    /// Sent by the SME, not yet looked at.
    Submitted,
    /// Kept by the lead enterprise for a closer look.
    Shortlisted,
    /// Turned down by the lead enterprise, with a reason.
    Rejected,
    /// Taken back by the SME.
    Withdrawn,
    /// Chosen by the lead enterprise, for the whole quantity or part of it: a deal exists.
    Awarded,
}

impl QuoteStatus {
    /// Every status, in the order of the lifecycle.
    pub const ALL: [Self; 5] = [
        Self::Submitted,
        Self::Shortlisted,
        Self::Rejected,
        Self::Withdrawn,
        Self::Awarded,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Shortlisted => "shortlisted",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Awarded => "awarded",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidQuoteStatus(crate::error::shown(raw)))
    }

    /// Whether the quote still awaits the lead's decision (submitted or shortlisted). A supplier
    /// has at most one live quote per need.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Submitted | Self::Shortlisted)
    }

    /// The names of the commands this status allows, as [`QuoteCommand::name`] gives them; empty
    /// when the status is final.
    pub fn allowed_commands(self) -> &'static [&'static str] {
        match self {
            Self::Submitted => &["shortlist", "reject", "withdraw", "award"],
            Self::Shortlisted => &["reject", "withdraw", "award"],
            Self::Rejected | Self::Withdrawn | Self::Awarded => &[],
        }
    }

    /// The status `command` leads to, or why this status does not allow it. The one place the
    /// quote lifecycle is decided: every route and use case that changes a quote goes through it.
    pub fn apply(self, command: QuoteCommand) -> Result<QuoteStatus, TransitionError> {
        use QuoteCommand as C;
        use QuoteStatus as S;
        match (self, &command) {
            (S::Submitted, C::Shortlist) => Ok(S::Shortlisted),
            (S::Submitted | S::Shortlisted, C::Reject(_)) => Ok(S::Rejected),
            (S::Submitted | S::Shortlisted, C::Withdraw) => Ok(S::Withdrawn),
            (S::Submitted | S::Shortlisted, C::Award) => Ok(S::Awarded),
            _ => Err(TransitionError::new(
                "quote",
                self.as_str(),
                command.name(),
                self.allowed_commands(),
            )),
        }
    }
}

impl fmt::Display for QuoteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for QuoteStatus {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<QuoteStatus> for &'static str {
    fn from(status: QuoteStatus) -> Self {
        status.as_str()
    }
}

/// What someone asks of a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteCommand {
    /// The lead enterprise keeps a submitted quote for a closer look.
    Shortlist,
    /// The lead enterprise turns the quote down, saying why.
    Reject(Rejection),
    /// The SME takes its quote back.
    Withdraw,
    /// The lead enterprise chooses the quote (the deal itself is checked by [`crate::Award`]).
    Award,
}

impl QuoteCommand {
    /// The command's name, as routes (`POST /quotes/{id}/shortlist`) and errors spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Shortlist => "shortlist",
            Self::Reject(_) => "reject",
            Self::Withdraw => "withdraw",
            Self::Award => "award",
        }
    }

    /// The kind of organisation that may issue the command: the SME for its own quote's
    /// withdrawal, the lead enterprise that owns the need for everything else.
    pub fn issued_by(&self) -> OrganizationKind {
        match self {
            Self::Withdraw => OrganizationKind::Sme,
            Self::Shortlist | Self::Reject(_) | Self::Award => OrganizationKind::Lead,
        }
    }
}

/// Why a lead enterprise turned a quote down: a fixed list, so suppliers and park administrators
/// can count the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum RejectReason {
    Price,
    Capacity,
    Certification,
    Quality,
    LeadTime,
    Distance,
    /// Any other reason; the note then says which.
    Other,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [Self; 7] = [
        Self::Price,
        Self::Capacity,
        Self::Certification,
        Self::Quality,
        Self::LeadTime,
        Self::Distance,
        Self::Other,
    ];

    /// The stored and serialised code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::Capacity => "capacity",
            Self::Certification => "certification",
            Self::Quality => "quality",
            Self::LeadTime => "lead_time",
            Self::Distance => "distance",
            Self::Other => "other",
        }
    }

    /// Parses the code.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidRejectReason(crate::error::shown(raw)))
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for RejectReason {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<RejectReason> for &'static str {
    fn from(reason: RejectReason) -> Self {
        reason.as_str()
    }
}

/// A rejection's reason and note, checked: the note is optional except for [`RejectReason::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: RejectReason,
    note: Option<String>,
}

impl Rejection {
    /// Checks the note against [`REJECTION_NOTE`] (a blank note is no note) and requires one for
    /// [`RejectReason::Other`].
    pub fn new(reason: RejectReason, note: Option<&str>) -> Result<Self, DomainError> {
        let note = optional_text(&REJECTION_NOTE, note)?;
        if reason == RejectReason::Other && note.is_none() {
            return Err(DomainError::RejectionNoteRequired);
        }
        Ok(Self { reason, note })
    }

    pub fn reason(&self) -> RejectReason {
        self.reason
    }

    /// The note, trimmed.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// A quote as the SME sends it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    unit_price_fen: u64,
    quantity: u64,
    lead_time_days: u32,
    note: Option<String>,
    production_site_id: Option<ProductionSiteId>,
}

impl NewQuote {
    /// Checks a quote: a unit price in fen and a quantity from 1 to [`MAX_AMOUNT`] whose product
    /// (the quote's total) is at most [`MAX_AMOUNT`], a lead time from 1 to
    /// [`MAX_LEAD_TIME_DAYS`] days, and a note under [`QUOTE_NOTE`] (a blank note is no note).
    /// Without a production site the quote ships from the organisation's own county.
    pub fn new(
        unit_price_fen: u64,
        quantity: u64,
        lead_time_days: u32,
        note: Option<&str>,
        production_site_id: Option<ProductionSiteId>,
    ) -> Result<Self, DomainError> {
        in_range("unit price (fen)", unit_price_fen, 1, MAX_AMOUNT)?;
        in_range("quantity", quantity, 1, MAX_AMOUNT)?;
        in_range(
            "lead time (days)",
            u64::from(lead_time_days),
            1,
            u64::from(MAX_LEAD_TIME_DAYS),
        )?;
        if unit_price_fen
            .checked_mul(quantity)
            .is_none_or(|total| total > MAX_AMOUNT)
        {
            return Err(DomainError::QuoteTotalTooLarge {
                unit_price_fen,
                quantity,
                max: MAX_AMOUNT,
            });
        }
        let note = optional_text(&QUOTE_NOTE, note)?;
        Ok(Self {
            unit_price_fen,
            quantity,
            lead_time_days,
            note,
            production_site_id,
        })
    }

    pub fn unit_price_fen(&self) -> u64 {
        self.unit_price_fen
    }

    /// How much the SME offers, in the need's unit.
    pub fn quantity(&self) -> u64 {
        self.quantity
    }

    pub fn lead_time_days(&self) -> u32 {
        self.lead_time_days
    }

    /// The note, trimmed.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    pub fn production_site_id(&self) -> Option<ProductionSiteId> {
        self.production_site_id
    }

    /// Unit price × quantity, in fen; never more than [`MAX_AMOUNT`].
    pub fn total_fen(&self) -> u64 {
        self.unit_price_fen.saturating_mul(self.quantity)
    }
}

/// Checks that `value` lies in `min..=max`; `field` names it in the error.
pub(crate) fn in_range(
    field: &'static str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<(), DomainError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(DomainError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

/// Checks optional text against `rule`. Absent and blank (only spaces) are both "none", as an
/// empty form field is; anything else must pass the rule.
pub(crate) fn optional_text(
    rule: &TextRule,
    raw: Option<&str>,
) -> Result<Option<String>, DomainError> {
    // A note sent must be one: the API's schema says so, and a blank one is refused like any
    // other text without a visible character. Leave it out to give none.
    raw.map(|text| rule.parse(text)).transpose()
}

#[cfg(test)]
mod tests {
    use serde::de::{
        IntoDeserializer,
        value::{Error as ValueError, StrDeserializer},
    };

    use super::*;

    fn deserialize<'de, T: Deserialize<'de>>(raw: &'de str) -> Result<T, ValueError> {
        let deserializer: StrDeserializer<'de, ValueError> = raw.into_deserializer();
        T::deserialize(deserializer)
    }

    fn every_command() -> Vec<QuoteCommand> {
        vec![
            QuoteCommand::Shortlist,
            QuoteCommand::Reject(Rejection::new(RejectReason::Price, None).unwrap()),
            QuoteCommand::Withdraw,
            QuoteCommand::Award,
        ]
    }

    #[test]
    fn the_lifecycle_allows_exactly_these_moves() {
        use QuoteStatus as S;
        let expected = [
            (S::Submitted, "shortlist", Some(S::Shortlisted)),
            (S::Submitted, "reject", Some(S::Rejected)),
            (S::Submitted, "withdraw", Some(S::Withdrawn)),
            (S::Submitted, "award", Some(S::Awarded)),
            (S::Shortlisted, "shortlist", None),
            (S::Shortlisted, "reject", Some(S::Rejected)),
            (S::Shortlisted, "withdraw", Some(S::Withdrawn)),
            (S::Shortlisted, "award", Some(S::Awarded)),
        ];
        for status in S::ALL {
            for command in every_command() {
                let name = command.name();
                let want = expected
                    .iter()
                    .find(|(from, cmd, _)| *from == status && *cmd == name)
                    .and_then(|(_, _, to)| *to);
                assert_eq!(status.apply(command).ok(), want, "{status} --{name}-->");
            }
        }
    }

    #[test]
    fn nothing_leaves_rejected_withdrawn_or_awarded() {
        for status in [
            QuoteStatus::Rejected,
            QuoteStatus::Withdrawn,
            QuoteStatus::Awarded,
        ] {
            assert!(status.allowed_commands().is_empty(), "{status}");
            assert!(!status.is_live(), "{status}");
            for command in every_command() {
                assert!(status.apply(command).is_err(), "{status}");
            }
        }
    }

    #[test]
    fn the_allowed_commands_are_exactly_those_apply_accepts() {
        for status in QuoteStatus::ALL {
            let accepted: Vec<&str> = every_command()
                .into_iter()
                .filter(|command| status.apply(command.clone()).is_ok())
                .map(|command| command.name())
                .collect();
            assert_eq!(accepted, status.allowed_commands(), "{status}");
            assert_eq!(
                status.is_live(),
                !accepted.is_empty(),
                "{status}: live exactly when it can still move"
            );
        }
    }

    #[test]
    fn a_refusal_names_the_state_the_command_and_the_allowed_ones() {
        let err = QuoteStatus::Shortlisted
            .apply(QuoteCommand::Shortlist)
            .unwrap_err();
        assert_eq!(err.record(), "quote");
        assert_eq!(err.current(), "shortlisted");
        assert_eq!(err.command(), "shortlist");
        assert_eq!(err.allowed(), ["reject", "withdraw", "award"]);
        let text = QuoteStatus::Withdrawn
            .apply(QuoteCommand::Award)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("withdrawn") && text.contains("award"),
            "{text}"
        );
    }

    #[test]
    fn the_sme_withdraws_and_the_lead_decides() {
        for command in every_command() {
            let want = if command == QuoteCommand::Withdraw {
                OrganizationKind::Sme
            } else {
                OrganizationKind::Lead
            };
            assert_eq!(command.issued_by(), want, "{}", command.name());
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names_and_serde() {
        let names: Vec<&str> = QuoteStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "submitted",
                "shortlisted",
                "rejected",
                "withdrawn",
                "awarded"
            ]
        );
        for status in QuoteStatus::ALL {
            assert_eq!(QuoteStatus::parse(status.as_str()).unwrap(), status);
            assert_eq!(deserialize::<QuoteStatus>(status.as_str()).unwrap(), status);
            assert_eq!(<&str>::from(status), status.as_str());
        }
        for raw in ["Submitted", "", " submitted", "accepted", "awarded\u{0}"] {
            assert!(QuoteStatus::parse(raw).is_err(), "{raw:?}");
            assert!(deserialize::<QuoteStatus>(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn reject_reasons_are_exactly_the_seven_codes() {
        let codes: Vec<&str> = RejectReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            codes,
            [
                "price",
                "capacity",
                "certification",
                "quality",
                "lead_time",
                "distance",
                "other"
            ]
        );
        for reason in RejectReason::ALL {
            assert_eq!(RejectReason::parse(reason.as_str()).unwrap(), reason);
            assert_eq!(
                deserialize::<RejectReason>(reason.as_str()).unwrap(),
                reason
            );
            assert_eq!(<&str>::from(reason), reason.as_str());
        }
        for raw in ["Price", "leadTime", "lead-time", "too_expensive", ""] {
            let err = RejectReason::parse(raw).unwrap_err().to_string();
            assert!(err.contains("lead_time"), "{err}");
            assert!(deserialize::<RejectReason>(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn only_other_requires_a_note() {
        for reason in RejectReason::ALL {
            let bare = Rejection::new(reason, None);
            let blank = Rejection::new(reason, Some("  "));
            if reason == RejectReason::Other {
                assert_eq!(bare.unwrap_err(), DomainError::RejectionNoteRequired);
            } else {
                assert_eq!(bare.unwrap().note(), None);
            }
            assert!(blank.is_err(), "a note sent must have a visible character");
        }
        let other = Rejection::new(RejectReason::Other, Some(" 交期与产线排产冲突 ")).unwrap();
        assert_eq!(other.reason(), RejectReason::Other);
        assert_eq!(other.note(), Some("交期与产线排产冲突"));
    }

    #[test]
    fn a_rejection_note_is_visible_text_of_at_most_500_characters() {
        let longest = "价".repeat(500);
        assert!(Rejection::new(RejectReason::Price, Some(&longest)).is_ok());
        assert!(Rejection::new(RejectReason::Price, Some(&format!("{longest}价"))).is_err());
        assert!(Rejection::new(RejectReason::Other, Some("\u{200B}")).is_err());
        assert!(Rejection::new(RejectReason::Price, Some("too\u{0}high")).is_err());
        assert!(Rejection::new(RejectReason::Price, Some(&" ".repeat(501))).is_err());
    }

    #[test]
    fn a_quote_is_checked_and_kept() {
        let quote = NewQuote::new(
            1250,
            4000,
            30,
            Some(" 含税，含运费 "),
            Some(ProductionSiteId(7)),
        )
        .unwrap();
        assert_eq!(quote.unit_price_fen(), 1250);
        assert_eq!(quote.quantity(), 4000);
        assert_eq!(quote.lead_time_days(), 30);
        assert_eq!(quote.note(), Some("含税，含运费"));
        assert_eq!(quote.production_site_id(), Some(ProductionSiteId(7)));
        assert_eq!(quote.total_fen(), 5_000_000);
        let plain = NewQuote::new(1, 1, 1, None, None).unwrap();
        assert_eq!((plain.note(), plain.production_site_id()), (None, None));
        assert!(NewQuote::new(1, 1, 1, Some(""), None).is_err());
    }

    #[test]
    fn price_quantity_and_lead_time_must_be_in_range() {
        for (price, quantity, days, field) in [
            (0, 1, 1, "unit price"),
            (MAX_AMOUNT + 1, 1, 1, "unit price"),
            (u64::MAX, 1, 1, "unit price"),
            (1, 0, 1, "quantity"),
            (1, MAX_AMOUNT + 1, 1, "quantity"),
            (1, 1, 0, "lead time"),
            (1, 1, MAX_LEAD_TIME_DAYS + 1, "lead time"),
        ] {
            let err = NewQuote::new(price, quantity, days, None, None)
                .unwrap_err()
                .to_string();
            assert!(err.contains(field), "{price} {quantity} {days}: {err}");
        }
        assert!(NewQuote::new(MAX_AMOUNT, 1, MAX_LEAD_TIME_DAYS, None, None).is_ok());
        assert!(NewQuote::new(1, MAX_AMOUNT, 1, None, None).is_ok());
    }

    #[test]
    fn a_total_beyond_what_can_be_stored_is_refused() {
        let err = NewQuote::new(MAX_AMOUNT / 2 + 1, 2, 1, None, None).unwrap_err();
        assert!(
            matches!(err, DomainError::QuoteTotalTooLarge { .. }),
            "{err}"
        );
        assert!(
            NewQuote::new(u64::from(u32::MAX), u64::from(u32::MAX) + 2, 1, None, None).is_err()
        );
        let largest = NewQuote::new(MAX_AMOUNT / 2, 2, 1, None, None).unwrap();
        assert_eq!(largest.total_fen(), MAX_AMOUNT - 1);
    }

    #[test]
    fn a_quote_note_is_visible_text_of_at_most_2000_characters() {
        let longest = "n".repeat(2000);
        assert!(NewQuote::new(1, 1, 1, Some(&longest), None).is_ok());
        assert!(NewQuote::new(1, 1, 1, Some(&format!("{longest}n")), None).is_err());
        let err = NewQuote::new(1, 1, 1, Some("ok\u{202E}"), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("quote note") && err.contains("U+202E"),
            "{err}"
        );
    }

    #[test]
    fn ids_display_as_their_numbers() {
        assert_eq!(QuoteId(42).to_string(), "42");
        assert_eq!(ProductionSiteId(7).to_string(), "7");
    }
}
