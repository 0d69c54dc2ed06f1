//! Industrial parks and development zones: the administrative homes of clusters.

use serde::{Deserialize, Serialize};

use crate::{DomainError, RegionCode};

/// The id of a park.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParkId(pub i64);

/// An industrial park or development zone, hosted by one county-level region.
#[derive(Debug, Clone, PartialEq)]
pub struct Park {
    pub id: ParkId,
    /// A stable slug such as `wuhan_east_lake_hitech`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub region_code: RegionCode,
    pub level: ParkLevel,
    pub kind: ParkKind,
    /// Codes of the chains the park leads in.
    pub lead_industries: Vec<String>,
    /// Where the record comes from, with its date.
    pub source: String,
}

/// A park not yet stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPark {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub region_code: RegionCode,
    pub level: ParkLevel,
    pub kind: ParkKind,
    pub lead_industries: Vec<String>,
    pub source: String,
}

/// Who approved a park: the State Council (national) or the province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParkLevel {
    National,
    Provincial,
}

impl ParkLevel {
    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "national" => Ok(Self::National),
            "provincial" => Ok(Self::Provincial),
            other => Err(DomainError::InvalidParkLevel(crate::error::shown(other))),
        }
    }
}

/// The kind of zone, as the approving authority's list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParkKind {
    /// A national high-tech industrial development zone (国家高新区).
    HighTech,
    /// A national economic and technological development zone (国家经开区).
    EconomicTechnological,
    /// A comprehensive bonded zone (综合保税区).
    ComprehensiveBonded,
    /// A provincial development zone (省级开发区).
    ProvincialDevelopmentZone,
}

impl ParkKind {
    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::HighTech => "high_tech",
            Self::EconomicTechnological => "economic_technological",
            Self::ComprehensiveBonded => "comprehensive_bonded",
            Self::ProvincialDevelopmentZone => "provincial_development_zone",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "high_tech" => Ok(Self::HighTech),
            "economic_technological" => Ok(Self::EconomicTechnological),
            "comprehensive_bonded" => Ok(Self::ComprehensiveBonded),
            "provincial_development_zone" => Ok(Self::ProvincialDevelopmentZone),
            other => Err(DomainError::InvalidParkKind(crate::error::shown(other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_kinds_read_back_their_stored_names() {
        for level in [ParkLevel::National, ParkLevel::Provincial] {
            assert_eq!(ParkLevel::parse(level.as_str()), Ok(level));
        }
        for kind in [
            ParkKind::HighTech,
            ParkKind::EconomicTechnological,
            ParkKind::ComprehensiveBonded,
            ParkKind::ProvincialDevelopmentZone,
        ] {
            assert_eq!(ParkKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(ParkLevel::parse("municipal").is_err());
        assert!(ParkKind::parse("High_Tech").is_err());
    }
}
