//! Production sites: the plants of an SME. Officials count a purchase as local by where the goods
//! are made, not where the firm is registered, so a quote names the plant it ships from and the
//! deal's county follows that plant. An SME without sites ships from its own county.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    DomainError, OrganizationId, RegionCode,
    text::{SITE_ADDRESS, SITE_NAME},
};

/// The most production sites one SME may list.
pub const MAX_SITES: usize = 50;

/// The id of an SME's production site (a plant): a quote names the plant it ships from, and the
/// deal counts as local by that plant's county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductionSiteId(pub i64);

impl fmt::Display for ProductionSiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A plant as an SME declares it, checked: a visible name and address within their limits, and a
/// well-formed region code. Whether the region exists and is a county is the store's to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProductionSite {
    name: String,
    region_code: RegionCode,
    address: String,
}

impl NewProductionSite {
    /// Checks each part; the name and address come back without surrounding spaces.
    pub fn parse(name: &str, region_code: &str, address: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: SITE_NAME.parse(name)?,
            region_code: RegionCode::parse(region_code)?,
            address: SITE_ADDRESS.parse(address)?,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The county the plant stands in.
    pub fn region_code(&self) -> RegionCode {
        self.region_code
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

/// A stored plant of an SME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionSite {
    pub id: ProductionSiteId,
    pub organization_id: OrganizationId,
    pub name: String,
    /// The county the plant stands in.
    pub region_code: RegionCode,
    pub address: String,
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_keeps_its_parts_trimmed() {
        let site = NewProductionSite::parse(" Plant 2 ", "420606", " 12 Chunyuan Rd ").unwrap();
        assert_eq!(site.name(), "Plant 2");
        assert_eq!(site.region_code().as_str(), "420606");
        assert_eq!(site.address(), "12 Chunyuan Rd");
    }

    #[test]
    fn blank_or_overlong_parts_are_refused() {
        assert!(NewProductionSite::parse("  ", "420606", "Road").is_err());
        assert!(NewProductionSite::parse("Plant", "420606", "\u{200B}").is_err());
        assert!(NewProductionSite::parse("Plant", "42060", "Road").is_err());
        let long = "x".repeat(SITE_NAME.max_chars + 1);
        assert!(NewProductionSite::parse(&long, "420606", "Road").is_err());
    }

    #[test]
    fn site_ids_print_as_numbers() {
        assert_eq!(ProductionSiteId(7).to_string(), "7");
    }
}
