//! The facts the matching engine works from: plain structs the application fills from the
//! database. They carry no behaviour; the index parses them into its compact form.

use peitao_domain::{
    CategoryCode, CertificationKind, CredentialTier, NeedId, OrganizationId, RegionCode, Scorecard,
    Visibility,
};
use time::Date;

/// What the matching engine knows of one SME supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierFacts {
    pub id: OrganizationId,
    /// Whether the organisation may take part at all (not disabled).
    pub active: bool,
    /// Whether a platform administrator has verified it.
    pub verified: bool,
    /// The county the organisation is registered in; it counts as a production site too.
    pub home_county: RegionCode,
    pub capabilities: Vec<CapabilityFacts>,
    /// The counties of its production sites, besides the home county.
    pub sites: Vec<RegionCode>,
    pub certifications: Vec<CertificationFacts>,
    pub credentials: Vec<CredentialFacts>,
    pub scorecard: Scorecard,
    /// The categories it has won deals in, per lead enterprise.
    pub supplied: Vec<SuppliedFacts>,
}

/// One category a supplier can make, with its capacity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CapabilityFacts {
    pub category: CategoryCode,
    /// The unit capacity is counted in, such as `pcs` or `t`.
    pub unit: String,
    /// How many units a year it can deliver.
    pub annual_capacity: u64,
    /// How many of those units open deals already take.
    pub committed: u64,
}

/// A certificate a supplier holds, with the days it is valid (both inclusive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CertificationFacts {
    pub kind: CertificationKind,
    pub valid_from: Date,
    pub valid_until: Date,
}

/// A credential (official title) a supplier holds, with the days it is valid (both inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CredentialFacts {
    pub tier: CredentialTier,
    pub valid_from: Date,
    pub valid_until: Date,
}

/// A category a supplier has won a deal in, for one lead enterprise.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SuppliedFacts {
    pub lead: OrganizationId,
    pub category: CategoryCode,
}

/// What the matching engine knows of one published need.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedFacts {
    pub id: NeedId,
    /// The lead enterprise that published it.
    pub lead: OrganizationId,
    pub category: CategoryCode,
    /// The quantity still to source.
    pub quantity: u64,
    pub unit: String,
    /// Kinds a supplier must hold, each valid on the deadline.
    pub required_certifications: Vec<CertificationKind>,
    pub deadline: Date,
    pub delivery_county: RegionCode,
    pub visibility: Visibility,
    /// The suppliers invited; only these see an `Invited` need.
    pub invited: Vec<OrganizationId>,
}
