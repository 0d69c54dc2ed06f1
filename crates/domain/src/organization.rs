//! Organisations: the tenants of Peitao.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The id of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrganizationId(pub i64);

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What an organisation is to the platform: a lead enterprise that sources, or an SME that supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Lead,
    Sme,
}

impl OrganizationKind {
    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Sme => "sme",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "lead" => Ok(Self::Lead),
            "sme" => Ok(Self::Sme),
            other => Err(DomainError::InvalidOrganizationKind(crate::error::shown(
                other,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in [OrganizationKind::Lead, OrganizationKind::Sme] {
            assert_eq!(OrganizationKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(OrganizationKind::parse("bank").is_err());
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub kind: OrganizationKind,
    /// The county-level region the organisation sits in.
    pub region_code: crate::RegionCode,
    pub park_id: Option<crate::ParkId>,
    /// Whether a platform administrator has verified it.
    pub verified: bool,
    /// Incremented on every update; a stale one is refused.
    pub version: i32,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

/// Parses an organisation's name: at most 500 characters with at least one visible one and no
/// control or invisible ones ([`crate::text::ORGANIZATION_NAME`]), trimmed.
pub fn parse_organization_name(raw: &str) -> Result<String, DomainError> {
    crate::text::ORGANIZATION_NAME.parse(raw)
}

/// What an administrator did to an organisation, as its history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganizationAction {
    /// Marked verified: an administrator checked who it is.
    Verified,
    /// Marked not verified (again).
    Unverified,
}

impl OrganizationAction {
    /// The action that sets `verified` to the value given.
    pub fn verification(verified: bool) -> Self {
        if verified {
            Self::Verified
        } else {
            Self::Unverified
        }
    }

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "verified" => Ok(Self::Verified),
            "unverified" => Ok(Self::Unverified),
            other => Err(DomainError::InvalidOrganizationAction(crate::error::shown(
                other,
            ))),
        }
    }
}

/// One entry of an organisation's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationEvent {
    pub at: time::OffsetDateTime,
    /// The administrator who acted; `None` once that account is deleted.
    pub actor: Option<crate::UserId>,
    pub action: OrganizationAction,
    pub note: Option<String>,
}

#[cfg(test)]
mod action_tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in [OrganizationAction::Verified, OrganizationAction::Unverified] {
            assert_eq!(OrganizationAction::parse(action.as_str()).unwrap(), action);
        }
        assert_eq!(
            OrganizationAction::verification(true),
            OrganizationAction::Verified
        );
        assert_eq!(
            OrganizationAction::verification(false),
            OrganizationAction::Unverified
        );
        assert!(OrganizationAction::parse("deleted").is_err());
    }
}
