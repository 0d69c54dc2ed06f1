//! Needs: what a lead enterprise wants to source, and the one state machine every change of a
//! need's status goes through.
//!
//! ```text
//! draft ──publish──▶ published ──close / deadline with live quotes──▶ closed
//!   │                    │ └──────deadline without live quotes──────▶ expired
//!   │                    │                                              
//!   │      published, closed, partly_awarded ──award──▶ partly_awarded (quantity remains)
//!   │                                              └──▶ awarded (none remains)
//!   │      partly_awarded ──close──▶ awarded (the rest is no longer sought)
//!   │      partly_awarded, awarded ──a deal cancelled──▶ partly_awarded (some stays awarded)
//!   │                                                └──▶ closed (nothing stays awarded)
//!   │      awarded ──every deal fulfilled──▶ fulfilled
//!   └── draft, published, closed ──cancel (reason)──▶ cancelled
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    CategoryCode, CertificationKind, DomainError, OrganizationId, RegionCode, TransitionError, text,
};

/// The id of a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NeedId(pub i64);

impl fmt::Display for NeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a need is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    /// Being written; only its owner sees it.
    Draft,
    /// Open for quotes.
    Published,
    /// No more quotes; the owner may still award.
    Closed,
    /// The deadline passed without a live quote.
    Expired,
    /// Part of the quantity is awarded; the rest may be awarded still.
    PartlyAwarded,
    /// The whole quantity is awarded, or the owner stopped seeking the rest.
    Awarded,
    /// Every deal is delivered.
    Fulfilled,
    /// Withdrawn by its owner, with a reason.
    Cancelled,
}

impl NeedStatus {
    /// Every status, in the order of a need's life.
    pub const ALL: [Self; 8] = [
        Self::Draft,
        Self::Published,
        Self::Closed,
        Self::Expired,
        Self::PartlyAwarded,
        Self::Awarded,
        Self::Fulfilled,
        Self::Cancelled,
    ];

    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Expired => "expired",
            Self::PartlyAwarded => "partly_awarded",
            Self::Awarded => "awarded",
            Self::Fulfilled => "fulfilled",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidNeedStatus(crate::error::shown(raw)))
    }

    /// Whether SMEs may quote on a need in this status.
    pub fn takes_quotes(&self) -> bool {
        matches!(self, Self::Published | Self::PartlyAwarded)
    }

    /// Whether the owner may still edit the need's terms.
    pub fn editable(&self) -> bool {
        matches!(self, Self::Draft | Self::Published)
    }

    /// The commands this status admits, by name.
    pub fn allowed_commands(self) -> &'static [&'static str] {
        match self {
            Self::Draft => &["publish", "cancel"],
            Self::Published => &["close", "deadline", "award", "cancel"],
            Self::Closed => &["award", "cancel"],
            Self::PartlyAwarded => &["close", "award", "cancel_deal"],
            Self::Awarded => &["fulfil", "cancel_deal"],
            Self::Expired | Self::Fulfilled | Self::Cancelled => &[],
        }
    }

    /// The status after `command`, or why the command is not allowed now.
    pub fn apply(self, command: &NeedCommand) -> Result<Self, TransitionError> {
        use NeedCommand as C;
        use NeedStatus as S;
        let next = match (self, command) {
            (S::Draft, C::Publish) => S::Published,
            (S::Published, C::Close) => S::Closed,
            (S::PartlyAwarded, C::Close) => S::Awarded,
            (S::Published, C::PassDeadline { live_quotes: true }) => S::Closed,
            (S::Published, C::PassDeadline { live_quotes: false }) => S::Expired,
            (S::Published | S::Closed | S::PartlyAwarded, C::Award { remaining }) => {
                if *remaining == 0 {
                    S::Awarded
                } else {
                    S::PartlyAwarded
                }
            }
            (S::Awarded, C::FulfilAll) => S::Fulfilled,
            (S::PartlyAwarded | S::Awarded, C::CancelDeal { still_awarded }) => {
                if *still_awarded == 0 {
                    S::Closed
                } else {
                    S::PartlyAwarded
                }
            }
            (S::Draft | S::Published | S::Closed, C::Cancel) => S::Cancelled,
            _ => {
                return Err(TransitionError::new(
                    "need",
                    self.as_str(),
                    command.name(),
                    self.allowed_commands(),
                ));
            }
        };
        Ok(next)
    }
}

impl fmt::Display for NeedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can happen to a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedCommand {
    /// The owner opens it for quotes.
    Publish,
    /// The owner stops taking quotes.
    Close,
    /// The response deadline passed; the system moves it on.
    PassDeadline { live_quotes: bool },
    /// An award leaves `remaining` of the quantity unawarded.
    Award { remaining: u64 },
    /// Every deal of the need is fulfilled.
    FulfilAll,
    /// One of its deals is called off, its quantity sought again; `still_awarded` stays awarded
    /// to the other deals.
    CancelDeal { still_awarded: u64 },
    /// The owner withdraws it.
    Cancel,
}

impl NeedCommand {
    /// The command's name, as errors list it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Close => "close",
            Self::PassDeadline { .. } => "deadline",
            Self::Award { .. } => "award",
            Self::FulfilAll => "fulfil",
            Self::CancelDeal { .. } => "cancel_deal",
            Self::Cancel => "cancel",
        }
    }
}

/// Who may see a published need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every SME.
    Public,
    /// SMEs in the home province.
    Province,
    /// Only the invited SMEs.
    Invited,
}

impl Visibility {
    /// Every visibility.
    pub const ALL: [Self; 3] = [Self::Public, Self::Province, Self::Invited];

    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Province => "province",
            Self::Invited => "invited",
        }
    }

    /// Parses the name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|visibility| visibility.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidVisibility(crate::error::shown(raw)))
    }
}

/// The most certifications a need may require.
pub const MAX_REQUIRED_CERTIFICATIONS: usize = 10;
/// The most suppliers a need may invite.
pub const MAX_INVITED: usize = 100;
/// The largest quantity or value a need may name: what the database stores.
pub const MAX_AMOUNT: u64 = i64::MAX as u64;

/// The terms of a need, checked: what the owner writes and may edit while it is a draft or
/// published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedTerms {
    category_code: CategoryCode,
    title: String,
    specification: String,
    quantity: u64,
    unit: String,
    estimated_value_fen: u64,
    required_certifications: Vec<CertificationKind>,
    delivery_region_code: RegionCode,
    response_deadline: OffsetDateTime,
    visibility: Visibility,
    invited_supplier_ids: Vec<OrganizationId>,
}

/// The terms as sent, before checking.
#[derive(Debug, Clone)]
pub struct NeedTermsInput<'a> {
    pub category_code: &'a str,
    pub title: &'a str,
    /// `None` when the owner wrote none.
    pub specification: Option<&'a str>,
    pub quantity: u64,
    pub unit: &'a str,
    pub estimated_value_fen: u64,
    pub required_certifications: &'a [String],
    pub delivery_region_code: &'a str,
    pub response_deadline: OffsetDateTime,
    pub visibility: &'a str,
    pub invited_supplier_ids: &'a [i64],
}

impl NeedTerms {
    /// Checks every term on its own; rules that need the store (the category and county exist,
    /// the invited are SMEs) and the clock (the deadline is ahead) are the use case's.
    pub fn parse(input: &NeedTermsInput<'_>) -> Result<Self, DomainError> {
        let invalid =
            |field: &'static str, problem: String| DomainError::InvalidNeed { field, problem };
        if input.quantity == 0 || input.quantity > MAX_AMOUNT {
            return Err(invalid("quantity", format!("must be 1 to {MAX_AMOUNT}")));
        }
        if input.estimated_value_fen == 0 || input.estimated_value_fen > MAX_AMOUNT {
            return Err(invalid(
                "estimated_value_fen",
                format!("must be 1 to {MAX_AMOUNT} fen"),
            ));
        }
        if input.required_certifications.len() > MAX_REQUIRED_CERTIFICATIONS {
            return Err(invalid(
                "required_certifications",
                format!("at most {MAX_REQUIRED_CERTIFICATIONS}"),
            ));
        }
        let mut required_certifications = Vec::new();
        for raw in input.required_certifications {
            let kind = CertificationKind::parse(raw)?;
            if required_certifications.contains(&kind) {
                return Err(invalid(
                    "required_certifications",
                    format!("{} is listed twice", kind.as_str()),
                ));
            }
            required_certifications.push(kind);
        }
        let visibility = Visibility::parse(input.visibility)?;
        if input.invited_supplier_ids.len() > MAX_INVITED {
            return Err(invalid(
                "invited_supplier_ids",
                format!("at most {MAX_INVITED}"),
            ));
        }
        let mut invited_supplier_ids: Vec<OrganizationId> = Vec::new();
        for id in input.invited_supplier_ids {
            if *id < 1 {
                return Err(invalid(
                    "invited_supplier_ids",
                    format!("{id} is not an id"),
                ));
            }
            if invited_supplier_ids.contains(&OrganizationId(*id)) {
                return Err(invalid(
                    "invited_supplier_ids",
                    format!("{id} is listed twice"),
                ));
            }
            invited_supplier_ids.push(OrganizationId(*id));
        }
        match (visibility, invited_supplier_ids.is_empty()) {
            (Visibility::Invited, true) => {
                return Err(invalid(
                    "invited_supplier_ids",
                    "an invited need names at least one supplier".into(),
                ));
            }
            (Visibility::Public | Visibility::Province, false) => {
                return Err(invalid(
                    "invited_supplier_ids",
                    "only a need with visibility `invited` invites suppliers".into(),
                ));
            }
            _ => {}
        }
        Ok(Self {
            category_code: CategoryCode::parse(input.category_code)?,
            title: text::NEED_TITLE.parse(input.title)?,
            specification: match input.specification {
                Some(specification) => text::SPECIFICATION.parse(specification)?,
                None => String::new(),
            },
            quantity: input.quantity,
            unit: text::UNIT.parse(input.unit)?,
            estimated_value_fen: input.estimated_value_fen,
            required_certifications,
            delivery_region_code: RegionCode::parse(input.delivery_region_code)?,
            response_deadline: input.response_deadline,
            visibility,
            invited_supplier_ids,
        })
    }

    pub fn category_code(&self) -> &CategoryCode {
        &self.category_code
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The specification; empty when the owner wrote none.
    pub fn specification(&self) -> &str {
        &self.specification
    }
    pub fn quantity(&self) -> u64 {
        self.quantity
    }
    pub fn unit(&self) -> &str {
        &self.unit
    }
    pub fn estimated_value_fen(&self) -> u64 {
        self.estimated_value_fen
    }
    pub fn required_certifications(&self) -> &[CertificationKind] {
        &self.required_certifications
    }
    pub fn delivery_region_code(&self) -> RegionCode {
        self.delivery_region_code
    }
    pub fn response_deadline(&self) -> OffsetDateTime {
        self.response_deadline
    }
    pub fn visibility(&self) -> Visibility {
        self.visibility
    }
    pub fn invited_supplier_ids(&self) -> &[OrganizationId] {
        &self.invited_supplier_ids
    }
}

/// A stored need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub id: NeedId,
    /// The lead enterprise that sources.
    pub organization_id: OrganizationId,
    pub terms: NeedTerms,
    pub status: NeedStatus,
    /// How much of the quantity is awarded.
    pub awarded_quantity: u64,
    pub version: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
}

impl Need {
    /// Whether an SME may see this need: never a draft; otherwise by its visibility.
    pub fn visible_to_supplier(&self, supplier: OrganizationId, in_province: bool) -> bool {
        self.status != NeedStatus::Draft
            && match self.terms.visibility {
                Visibility::Public => true,
                Visibility::Province => in_province,
                Visibility::Invited => self.terms.invited_supplier_ids.contains(&supplier),
            }
    }
}

/// One change in a need's life, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedEvent {
    pub at: OffsetDateTime,
    /// Who did it; `None` when the system did (a deadline passing).
    pub actor: Option<crate::UserId>,
    /// What happened: `created`, `updated`, or the command's name.
    pub action: String,
    pub from: Option<NeedStatus>,
    pub to: NeedStatus,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in NeedStatus::ALL {
            assert_eq!(NeedStatus::parse(status.as_str()).unwrap(), status);
        }
        assert!(NeedStatus::parse("open").is_err());
    }

    #[test]
    fn the_transition_table_is_exactly_the_documented_one() {
        use NeedCommand as C;
        use NeedStatus as S;
        let commands = [
            C::Publish,
            C::Close,
            C::PassDeadline { live_quotes: true },
            C::PassDeadline { live_quotes: false },
            C::Award { remaining: 5 },
            C::Award { remaining: 0 },
            C::FulfilAll,
            C::CancelDeal { still_awarded: 3 },
            C::CancelDeal { still_awarded: 0 },
            C::Cancel,
        ];
        let expected = |from: S, command: &C| -> Option<S> {
            Some(match (from, command) {
                (S::Draft, C::Publish) => S::Published,
                (S::Published, C::Close) => S::Closed,
                (S::PartlyAwarded, C::Close) => S::Awarded,
                (S::Published, C::PassDeadline { live_quotes: true }) => S::Closed,
                (S::Published, C::PassDeadline { live_quotes: false }) => S::Expired,
                (S::Published | S::Closed | S::PartlyAwarded, C::Award { remaining: 5 }) => {
                    S::PartlyAwarded
                }
                (S::Published | S::Closed | S::PartlyAwarded, C::Award { remaining: 0 }) => {
                    S::Awarded
                }
                (S::Awarded, C::FulfilAll) => S::Fulfilled,
                (S::PartlyAwarded | S::Awarded, C::CancelDeal { still_awarded: 3 }) => {
                    S::PartlyAwarded
                }
                (S::PartlyAwarded | S::Awarded, C::CancelDeal { still_awarded: 0 }) => S::Closed,
                (S::Draft | S::Published | S::Closed, C::Cancel) => S::Cancelled,
                _ => return None,
            })
        };
        for from in NeedStatus::ALL {
            for command in &commands {
                assert_eq!(
                    from.apply(command).ok(),
                    expected(from, command),
                    "{from} + {command:?}"
                );
            }
        }
    }

    #[test]
    fn the_allowed_commands_are_exactly_those_apply_admits() {
        use NeedCommand as C;
        let examples = [
            C::Publish,
            C::Close,
            C::PassDeadline { live_quotes: true },
            C::Award { remaining: 1 },
            C::FulfilAll,
            C::CancelDeal { still_awarded: 1 },
            C::Cancel,
        ];
        for status in NeedStatus::ALL {
            let admitted: Vec<&str> = examples
                .iter()
                .filter(|command| status.apply(command).is_ok())
                .map(NeedCommand::name)
                .collect();
            let mut listed = status.allowed_commands().to_vec();
            listed.sort_unstable();
            let mut admitted_sorted = admitted.clone();
            admitted_sorted.sort_unstable();
            assert_eq!(listed, admitted_sorted, "{status}");
        }
        for status in [
            NeedStatus::Expired,
            NeedStatus::Fulfilled,
            NeedStatus::Cancelled,
        ] {
            assert!(status.allowed_commands().is_empty(), "{status}");
        }
    }

    #[test]
    fn a_refused_transition_names_the_state_and_what_is_allowed() {
        let err = NeedStatus::Draft.apply(&NeedCommand::Close).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot close a need that is draft; a draft need allows only: publish, cancel"
        );
        let err = NeedStatus::Cancelled
            .apply(&NeedCommand::Publish)
            .unwrap_err();
        assert!(err.to_string().contains("can no longer change"), "{err}");
    }

    fn input<'a>(
        visibility: &'a str,
        invited: &'a [i64],
        certifications: &'a [String],
    ) -> NeedTermsInput<'a> {
        NeedTermsInput {
            category_code: "auto.body.stamping",
            title: "Door inner panels",
            specification: Some("DC04, 0.8 mm\nE-coat"),
            quantity: 12_000,
            unit: "pcs",
            estimated_value_fen: 36_000_000,
            required_certifications: certifications,
            delivery_region_code: "420606",
            response_deadline: OffsetDateTime::UNIX_EPOCH,
            visibility,
            invited_supplier_ids: invited,
        }
    }

    #[test]
    fn terms_are_checked_one_by_one() {
        let certs = ["iatf 16949".to_owned()];
        let terms = NeedTerms::parse(&input("public", &[], &certs)).unwrap();
        assert_eq!(terms.required_certifications()[0].as_str(), "IATF16949");
        assert_eq!(terms.visibility(), Visibility::Public);
        assert!(NeedTerms::parse(&input("invited", &[], &[])).is_err());
        assert!(NeedTerms::parse(&input("public", &[7], &[])).is_err());
        assert!(NeedTerms::parse(&input("invited", &[7, 7], &[])).is_err());
        assert!(NeedTerms::parse(&input("invited", &[7, 8], &[])).is_ok());
        assert!(NeedTerms::parse(&input("secret", &[], &[])).is_err());
        let twice = ["ISO9001".to_owned(), "iso 9001".to_owned()];
        assert!(NeedTerms::parse(&input("public", &[], &twice)).is_err());
        let mut zero = input("public", &[], &[]);
        zero.quantity = 0;
        assert!(NeedTerms::parse(&zero).is_err());
    }

    #[test]
    fn suppliers_see_published_needs_by_visibility() {
        let need = |visibility: &str, invited: &[i64], status| Need {
            id: NeedId(1),
            organization_id: OrganizationId(1),
            terms: NeedTerms::parse(&input(visibility, invited, &[])).unwrap(),
            status,
            awarded_quantity: 0,
            version: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            published_at: None,
        };
        let sme = OrganizationId(7);
        assert!(need("public", &[], NeedStatus::Published).visible_to_supplier(sme, false));
        assert!(!need("public", &[], NeedStatus::Draft).visible_to_supplier(sme, true));
        assert!(!need("province", &[], NeedStatus::Published).visible_to_supplier(sme, false));
        assert!(need("province", &[], NeedStatus::Published).visible_to_supplier(sme, true));
        assert!(need("invited", &[7], NeedStatus::Published).visible_to_supplier(sme, false));
        assert!(!need("invited", &[8], NeedStatus::Published).visible_to_supplier(sme, true));
    }
}
