//! Peitao's domain: the types and rules of supply-chain matchmaking, free of I/O.
//!
//! Values that arrive from outside are parsed once into the types here (`RegionCode::parse`,
//! `CategoryCode::parse`, …); code that holds one of these types may rely on its invariant.

pub mod category;
pub mod error;
pub mod organization;
pub mod park;
pub mod region;

pub use category::{Category, CategoryCode};
pub use error::DomainError;
pub use organization::{OrganizationId, OrganizationKind};
pub use park::{NewPark, Park, ParkId};
pub use region::{ProvinceCode, Region, RegionCode, RegionLevel};
