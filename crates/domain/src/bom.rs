//! Bills of materials: what a lead enterprise buys in a year and where from. The latest one a lead
//! uploads is its declared baseline, the start of its supporting rate.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{CategoryCode, OrganizationId, ProvinceCode, RegionCode, UserId};

/// The id of a stored bill of materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BomId(pub i64);

impl fmt::Display for BomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The most lines one bill of materials may have.
pub const MAX_BOM_LINES: usize = 10_000;

/// One line: a category bought, its annual value, and the region of the supplier it comes from
/// today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomLine {
    /// The 1-based line of the uploaded file (or row of the sheet) it came from.
    pub line_no: u32,
    pub category_code: CategoryCode,
    pub description: String,
    pub annual_value_fen: u64,
    pub current_supplier_region: RegionCode,
}

impl BomLine {
    /// Whether the line is sourced in `home` today: by the supplier's region, as deals count by
    /// the plant they ship from.
    pub fn in_province(&self, home: ProvinceCode) -> bool {
        self.current_supplier_region.is_in(home)
    }
}

/// A stored bill of materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bom {
    pub id: BomId,
    pub organization: OrganizationId,
    pub uploaded_by: Option<UserId>,
    pub name: String,
    pub uploaded_at: OffsetDateTime,
    pub lines: Vec<BomLine>,
}

/// A bill of materials without its lines, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomSummary {
    pub id: BomId,
    pub organization: OrganizationId,
    pub name: String,
    pub uploaded_at: OffsetDateTime,
    pub line_count: u64,
    pub annual_value_fen: i64,
    pub in_province_value_fen: i64,
}
