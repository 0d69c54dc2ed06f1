//! Peitao's domain: the types and rules of supply-chain matchmaking, free of I/O.
//!
//! Values that arrive from outside are parsed once into the types here (`RegionCode::parse`,
//! `CategoryCode::parse`, …); code that holds one of these types may rely on its invariant.

pub mod category;
pub mod chain;
pub mod error;
pub mod organization;
pub mod park;
pub mod region;
pub mod supplier;
pub mod text;
pub mod user;

pub use category::{Category, CategoryCode};
pub use chain::{Chain, ChainId, ChainLink, NewChain};
pub use error::{DomainError, shown};
pub use organization::{Organization, OrganizationId, OrganizationKind, parse_organization_name};
pub use park::{NewPark, Park, ParkId, ParkKind, ParkLevel};
pub use region::{ProvinceCode, Region, RegionCode, RegionLevel};
pub use supplier::{Capability, Certification, CertificationKind};
pub use text::{TextRule, format_date, parse_date};
pub use user::{Email, PasswordHash, Role, User, UserId, check_password_policy};
