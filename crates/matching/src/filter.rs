//! The hard filters: why a supplier cannot answer a need at all, each as a value with a plain
//! sentence and a stable code.

use std::fmt;

use peitao_domain::{CategoryCode, CertificationKind, ProvinceCode, RegionCode};
use time::Date;

/// One reason a supplier is excluded from a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// The organisation is not active.
    Inactive,
    /// The organisation is not verified, and the index requires verification.
    NotVerified,
    /// The supplier holds no certification of a required kind.
    CertificationMissing { kind: CertificationKind },
    /// Every certification of a required kind ends before the deadline; the latest ends
    /// `valid_until`.
    CertificationExpires {
        kind: CertificationKind,
        valid_until: Date,
        deadline: Date,
    },
    /// Every certification of a required kind starts after the deadline; the earliest starts
    /// `valid_from`.
    CertificationNotYetValid {
        kind: CertificationKind,
        valid_from: Date,
        deadline: Date,
    },
    /// The need is open to the home province only, and the supplier's home county is outside.
    OutsideProvince {
        county: RegionCode,
        province: ProvinceCode,
    },
    /// The need is open to invited suppliers only, and this one is not invited.
    NotInvited,
    /// Every capability in the need's category, under it or above it is taken by open deals.
    NoSpareCapacity { category: CategoryCode },
    /// The supplier makes nothing in the need's category, under it or above it.
    NoCapability { category: CategoryCode },
}

impl Exclusion {
    /// A stable snake_case code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::NotVerified => "not_verified",
            Self::CertificationMissing { .. } => "certification_missing",
            Self::CertificationExpires { .. } => "certification_expires",
            Self::CertificationNotYetValid { .. } => "certification_not_yet_valid",
            Self::OutsideProvince { .. } => "outside_province",
            Self::NotInvited => "not_invited",
            Self::NoSpareCapacity { .. } => "no_spare_capacity",
            Self::NoCapability { .. } => "no_capability",
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inactive => f.write_str("the organisation is not active"),
            Self::NotVerified => f.write_str("the organisation is not verified"),
            Self::CertificationMissing { kind } => {
                write!(
                    f,
                    "certification {} is required and not held",
                    kind.as_str()
                )
            }
            Self::CertificationExpires {
                kind,
                valid_until,
                deadline,
            } => write!(
                f,
                "certification {} expires {valid_until}, before the deadline {deadline}",
                kind.as_str()
            ),
            Self::CertificationNotYetValid {
                kind,
                valid_from,
                deadline,
            } => write!(
                f,
                "certification {} is valid only from {valid_from}, after the deadline {deadline}",
                kind.as_str()
            ),
            Self::OutsideProvince { county, province } => write!(
                f,
                "the need is open to suppliers in province {province} only, and county {county} \
                 is outside it"
            ),
            Self::NotInvited => f.write_str("the need is open to invited suppliers only"),
            Self::NoSpareCapacity { category } => write!(
                f,
                "open deals take all capacity in category {category} and the categories around it"
            ),
            Self::NoCapability { category } => write!(
                f,
                "no capability in category {category}, under it or above it"
            ),
        }
    }
}
