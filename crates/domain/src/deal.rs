//! Deals: what an award makes of a quote — a quantity at a contract value — and how it ends,
//! delivered (with its fulfilment: on time or not, how good) or cancelled (with a reason).
//!
//! ```text
//! active ──fulfil(fulfilment)──▶ fulfilled  (final)
//!    └────cancel(reason)───────▶ cancelled  (final)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{
    DomainError, TransitionError,
    quote::{MAX_AMOUNT, in_range},
    text::format_date,
};

/// The lowest quality rating.
pub const MIN_QUALITY_RATING: u8 = 1;
/// The highest quality rating.
pub const MAX_QUALITY_RATING: u8 = 5;

/// The id of a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DealId(pub i64);

impl fmt::Display for DealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum DealStatus {
    /// Awarded, not yet delivered.
    Active,
    /// Delivered, with its fulfilment recorded.
    Fulfilled,
    /// Called off, with a reason.
    Cancelled,
}

impl DealStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Active, Self::Fulfilled, Self::Cancelled];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Fulfilled => "fulfilled",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidDealStatus(crate::error::shown(raw)))
    }

    /// The names of the commands this status allows, as [`DealCommand::name`] gives them; empty
    /// when the status is final.
    pub fn allowed_commands(self) -> &'static [&'static str] {
        match self {
            Self::Active => &["fulfil", "cancel"],
            Self::Fulfilled | Self::Cancelled => &[],
        }
    }

    /// The status `command` leads to, or why this status does not allow it.
    pub fn apply(self, command: DealCommand) -> Result<DealStatus, TransitionError> {
        match (self, &command) {
            (Self::Active, DealCommand::Fulfil(_)) => Ok(Self::Fulfilled),
            (Self::Active, DealCommand::Cancel(_)) => Ok(Self::Cancelled),
            _ => Err(TransitionError::new(
                "deal",
                self.as_str(),
                command.name(),
                self.allowed_commands(),
            )),
        }
    }
}

impl fmt::Display for DealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for DealStatus {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<DealStatus> for &'static str {
    fn from(status: DealStatus) -> Self {
        status.as_str()
    }
}

/// What the lead enterprise asks of a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealCommand {
    /// The goods arrived: record how the delivery went.
    Fulfil(Fulfilment),
    /// Call the deal off, saying why.
    Cancel(Cancellation),
}

impl DealCommand {
    /// The command's name, as routes and errors spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Fulfil(_) => "fulfil",
            Self::Cancel(_) => "cancel",
        }
    }
}

/// Why a deal was cancelled: visible text under [`crate::text::REASON`], required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    reason: String,
}

impl Cancellation {
    /// Checks the reason: at least one visible character, trimmed.
    pub fn new(reason: &str) -> Result<Self, DomainError> {
        Ok(Self {
            reason: crate::text::REASON.parse(reason)?,
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// How a delivery went, as the lead enterprise records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fulfilment {
    delivered_on: Date,
    on_time: bool,
    quality_rating: u8,
}

impl Fulfilment {
    /// Checks the quality rating, [`MIN_QUALITY_RATING`] to [`MAX_QUALITY_RATING`]. The use case
    /// that records a new fulfilment also calls [`Fulfilment::within`] with the deal's dates.
    pub fn new(delivered_on: Date, on_time: bool, quality_rating: u8) -> Result<Self, DomainError> {
        in_range(
            "quality rating",
            u64::from(quality_rating),
            u64::from(MIN_QUALITY_RATING),
            u64::from(MAX_QUALITY_RATING),
        )?;
        Ok(Self {
            delivered_on,
            on_time,
            quality_rating,
        })
    }

    /// Checks that the delivery falls between the award and today: goods are not delivered
    /// before the deal exists, nor in the future.
    pub fn within(self, awarded_on: Date, today: Date) -> Result<Self, DomainError> {
        if self.delivered_on < awarded_on {
            return Err(DomainError::DeliveredBeforeAward {
                delivered_on: format_date(self.delivered_on),
                awarded_on: format_date(awarded_on),
            });
        }
        if self.delivered_on > today {
            return Err(DomainError::DeliveredInTheFuture {
                delivered_on: format_date(self.delivered_on),
                today: format_date(today),
            });
        }
        Ok(self)
    }

    pub fn delivered_on(&self) -> Date {
        self.delivered_on
    }

    pub fn on_time(&self) -> bool {
        self.on_time
    }

    /// 1 (poor) to 5 (excellent).
    pub fn quality_rating(&self) -> u8 {
        self.quality_rating
    }
}

/// The most an award may take, as stored when it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardLimits {
    /// The need's quantity not yet awarded to any deal.
    pub remaining: u64,
    /// The quantity the quote offers.
    pub offered: u64,
}

/// An award, checked: the quantity a deal takes from a need and its contract value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Award {
    quantity: u64,
    contract_value_fen: u64,
}

impl Award {
    /// Checks an award: a quantity from 1 up to what remains of the need and what the quote
    /// offers, and a contract value from 1 to [`MAX_AMOUNT`] fen. A need may be split across
    /// quotes but never awarded beyond its quantity; the store must read `limits.remaining` in
    /// the same transaction that writes the deal, so that competing awards cannot both pass.
    pub fn new(
        quantity: u64,
        contract_value_fen: u64,
        limits: AwardLimits,
    ) -> Result<Self, DomainError> {
        in_range("quantity", quantity, 1, MAX_AMOUNT)?;
        in_range("contract value (fen)", contract_value_fen, 1, MAX_AMOUNT)?;
        if quantity > limits.remaining {
            return Err(DomainError::AwardExceedsRemaining {
                requested: quantity,
                remaining: limits.remaining,
            });
        }
        if quantity > limits.offered {
            return Err(DomainError::AwardExceedsOffer {
                requested: quantity,
                offered: limits.offered,
            });
        }
        Ok(Self {
            quantity,
            contract_value_fen,
        })
    }

    pub fn quantity(&self) -> u64 {
        self.quantity
    }

    pub fn contract_value_fen(&self) -> u64 {
        self.contract_value_fen
    }

    /// Whether the award takes everything that remained, which leaves the need fully awarded.
    pub fn exhausts(&self, limits: AwardLimits) -> bool {
        self.quantity == limits.remaining
    }
}

#[cfg(test)]
mod tests {
    use serde::de::{
        IntoDeserializer,
        value::{Error as ValueError, StrDeserializer},
    };
    use time::macros::date;

    use super::*;

    fn every_command() -> Vec<DealCommand> {
        vec![
            DealCommand::Fulfil(Fulfilment::new(date!(2026 - 03 - 02), true, 5).unwrap()),
            DealCommand::Cancel(Cancellation::new("产线停产").unwrap()),
        ]
    }

    const ROOM: AwardLimits = AwardLimits {
        remaining: 100,
        offered: 80,
    };

    #[test]
    fn an_active_deal_is_fulfilled_or_cancelled_and_then_never_changes() {
        use DealStatus as S;
        for status in S::ALL {
            for command in every_command() {
                let name = command.name();
                let want = match (status, name) {
                    (S::Active, "fulfil") => Some(S::Fulfilled),
                    (S::Active, "cancel") => Some(S::Cancelled),
                    _ => None,
                };
                assert_eq!(status.apply(command).ok(), want, "{status} --{name}-->");
            }
        }
    }

    #[test]
    fn the_allowed_commands_are_exactly_those_apply_accepts() {
        for status in DealStatus::ALL {
            let accepted: Vec<&str> = every_command()
                .into_iter()
                .filter(|command| status.apply(command.clone()).is_ok())
                .map(|command| command.name())
                .collect();
            assert_eq!(accepted, status.allowed_commands(), "{status}");
        }
    }

    #[test]
    fn a_refusal_names_the_state_and_says_it_is_final() {
        let err = DealStatus::Cancelled
            .apply(every_command().remove(0))
            .unwrap_err();
        assert_eq!(
            (err.record(), err.current(), err.command()),
            ("deal", "cancelled", "fulfil")
        );
        assert!(err.allowed().is_empty());
        assert!(err.to_string().contains("can no longer change"), "{err}");
    }

    #[test]
    fn statuses_round_trip_through_their_names_and_serde() {
        for status in DealStatus::ALL {
            assert_eq!(DealStatus::parse(status.as_str()).unwrap(), status);
            let deserializer: StrDeserializer<'_, ValueError> = status.as_str().into_deserializer();
            assert_eq!(DealStatus::deserialize(deserializer).unwrap(), status);
            assert_eq!(<&str>::from(status), status.as_str());
        }
        for raw in ["Active", "canceled", "open", ""] {
            assert!(DealStatus::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_cancellation_needs_a_visible_reason() {
        assert_eq!(
            Cancellation::new("  供应商无法交付 ").unwrap().reason(),
            "供应商无法交付"
        );
        for raw in ["", "   ", "\u{200B}", "late\u{0}"] {
            assert!(Cancellation::new(raw).is_err(), "{raw:?}");
        }
        assert!(Cancellation::new(&"r".repeat(500)).is_ok());
        let err = Cancellation::new(&"r".repeat(501)).unwrap_err().to_string();
        assert!(err.contains("the reason must be at most 500"), "{err}");
    }

    #[test]
    fn quality_is_rated_one_to_five() {
        let day = date!(2026 - 03 - 02);
        for rating in 0..=u8::MAX {
            let result = Fulfilment::new(day, false, rating);
            assert_eq!(result.is_ok(), (1..=5).contains(&rating), "{rating}");
        }
        let kept = Fulfilment::new(day, true, 4).unwrap();
        assert_eq!(
            (kept.delivered_on(), kept.on_time(), kept.quality_rating()),
            (day, true, 4)
        );
        let err = Fulfilment::new(day, true, 6).unwrap_err().to_string();
        assert!(
            err.contains("quality rating") && err.contains("1 to 5"),
            "{err}"
        );
    }

    #[test]
    fn a_delivery_falls_between_the_award_and_today() {
        let awarded = date!(2026 - 01 - 10);
        let today = date!(2026 - 03 - 02);
        let on = |day| {
            Fulfilment::new(day, true, 5)
                .unwrap()
                .within(awarded, today)
        };
        assert!(on(awarded).is_ok());
        assert!(on(today).is_ok());
        let early = on(date!(2026 - 01 - 09)).unwrap_err().to_string();
        assert!(
            early.contains("2026-01-09") && early.contains("2026-01-10"),
            "{early}"
        );
        let future = on(date!(2026 - 03 - 03)).unwrap_err().to_string();
        assert!(future.contains("future"), "{future}");
    }

    #[test]
    fn an_award_takes_no_more_than_remains_and_names_what_remains() {
        let award = Award::new(80, 960_000, ROOM).unwrap();
        assert_eq!(
            (award.quantity(), award.contract_value_fen()),
            (80, 960_000)
        );
        let err = Award::new(
            30,
            1,
            AwardLimits {
                remaining: 20,
                offered: 50,
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            DomainError::AwardExceedsRemaining {
                requested: 30,
                remaining: 20
            }
        );
        assert!(err.to_string().contains("only 20"), "{err}");
        let none_left = AwardLimits {
            remaining: 0,
            offered: 50,
        };
        assert!(Award::new(1, 1, none_left).is_err());
    }

    #[test]
    fn an_award_takes_no_more_than_the_quote_offers() {
        let err = Award::new(81, 1, ROOM).unwrap_err();
        assert_eq!(
            err,
            DomainError::AwardExceedsOffer {
                requested: 81,
                offered: 80
            }
        );
    }

    #[test]
    fn an_award_needs_a_positive_quantity_and_value() {
        for (quantity, value, field) in [
            (0, 1, "quantity"),
            (1, 0, "contract value"),
            (1, MAX_AMOUNT + 1, "contract value"),
        ] {
            let err = Award::new(quantity, value, ROOM).unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
        }
        assert!(Award::new(1, MAX_AMOUNT, ROOM).is_ok());
    }

    #[test]
    fn an_award_of_all_that_remains_exhausts_the_need() {
        let limits = AwardLimits {
            remaining: 40,
            offered: 100,
        };
        assert!(Award::new(40, 1, limits).unwrap().exhausts(limits));
        assert!(!Award::new(39, 1, limits).unwrap().exhausts(limits));
    }

    #[test]
    fn deal_ids_display_as_their_numbers() {
        assert_eq!(DealId(9).to_string(), "9");
    }
}
