//! Industrial parks and development zones: the administrative homes of clusters.

use serde::{Deserialize, Serialize};

use crate::RegionCode;

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
    /// `national` or `provincial`.
    pub level: String,
    /// The zone's kind, such as `high_tech` or `economic_technological`.
    pub kind: String,
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
    pub level: String,
    pub kind: String,
    pub lead_industries: Vec<String>,
    pub source: String,
}
