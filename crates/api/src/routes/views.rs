//! Response shapes of users and organisations, shared by several routes.

use peitao_domain::{Organization, User};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A user as clients see one: never with a password or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// `lead`, `sme`, `park_admin` or `platform_admin`.
    pub role: &'static str,
    pub organization_id: Option<i64>,
    /// The park a park administrator administers.
    pub park_id: Option<i64>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.to_string(),
            display_name: user.display_name.clone(),
            role: user.role.as_str(),
            organization_id: user.organization_id.map(|org| org.0),
            park_id: user.park_id.map(|park| park.0),
        }
    }
}

/// An organisation: a lead enterprise or an SME supplier.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: i64,
    pub name: String,
    /// `lead` or `sme`.
    pub kind: &'static str,
    /// The county-level region it sits in.
    pub region_code: String,
    pub park_id: Option<i64>,
    /// Set by a platform administrator after checking the organisation.
    pub verified: bool,
    /// Send it back with an update; a stale one answers 409.
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<Organization> for OrganizationView {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id.0,
            name: org.name,
            kind: org.kind.as_str(),
            region_code: org.region_code.to_string(),
            park_id: org.park_id.map(|park| park.0),
            verified: org.verified,
            version: org.version,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}
