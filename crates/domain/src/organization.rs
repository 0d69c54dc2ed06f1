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
