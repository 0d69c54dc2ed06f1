//! Peitao's domain: the types and rules of supply-chain matchmaking, free of I/O.
//!
//! Values that arrive from outside are parsed once into the types here (`RegionCode::parse`,
//! `CategoryCode::parse`, …); code that holds one of these types may rely on its invariant.

pub mod bom;
pub mod category;
pub mod chain;
pub mod credential;
pub mod deal;
pub mod error;
pub mod event;
pub mod need;
pub mod organization;
pub mod park;
pub mod quote;
pub mod region;
pub mod scorecard;
pub mod site;
pub mod supplier;
pub mod supporting;
pub mod text;
pub mod user;
pub mod webhook;

pub use bom::{Bom, BomId, BomLine, BomSummary, MAX_BOM_LINES};
pub use category::{Category, CategoryCode};
pub use chain::{Chain, ChainId, ChainLink, NewChain};
pub use credential::{Credential, CredentialTier};
pub use deal::{Award, AwardLimits, Cancellation, DealCommand, DealId, DealStatus, Fulfilment};
pub use error::{DomainError, TransitionError, shown};
pub use event::EventKind;
pub use need::{
    Need, NeedCommand, NeedEvent, NeedId, NeedStatus, NeedTerms, NeedTermsInput, Visibility,
};
pub use organization::{
    Organization, OrganizationAction, OrganizationEvent, OrganizationId, OrganizationKind,
    parse_organization_name,
};
pub use park::{NewPark, Park, ParkId, ParkKind, ParkLevel};
pub use quote::{NewQuote, QuoteCommand, QuoteId, QuoteStatus, RejectReason, Rejection};
pub use region::{ProvinceCode, Region, RegionCode, RegionLevel};
pub use scorecard::Scorecard;
pub use site::{NewProductionSite, ProductionSite, ProductionSiteId};
pub use supplier::{Capability, Certification, CertificationKind};
pub use supporting::{Period, RateTotals, Sourcing, Split};
pub use text::{TextRule, format_date, parse_date};
pub use user::{Email, PasswordHash, Role, User, UserId, check_password_policy};
pub use webhook::{
    DeliveryStatus, EventTypes, WebhookDelivery, WebhookDeliveryId, WebhookEndpoint,
    WebhookEndpointId, WebhookHost, WebhookUrl,
};
