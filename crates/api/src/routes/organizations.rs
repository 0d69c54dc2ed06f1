//! Organisations: read by their members and administrators, updated by their members, verified by
//! administrators with a history of who did it and why.

use actix_web::{get, patch, post, web};
use peitao_app::organizations::{self, park_in_prefecture};
use peitao_domain::{
    Organization, OrganizationEvent, OrganizationId, ParkId, Role, parse_organization_name,
};
use peitao_store::OrganizationChanges;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Conflicting, Forbidden},
    openapi::schemas,
    routes::{pagination::List, views::OrganizationView},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_organization)
        .service(update_organization)
        .service(set_verification)
        .service(organization_history);
}

/// Whether an organisation is verified, and why the administrator says so.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    /// `true` to mark it verified, `false` to withdraw that.
    pub verified: bool,
    /// What was checked, or why verification is withdrawn; kept in the organisation's history.
    #[schema(schema_with = schemas::reason, example = "Business licence checked against the registry")]
    pub note: String,
}

/// One entry of an organisation's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationEventView {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The administrator who acted; `null` once that account is deleted.
    pub actor_user_id: Option<i64>,
    /// `verified` or `unverified`.
    #[schema(example = "verified")]
    pub action: &'static str,
    pub note: Option<String>,
}

impl From<OrganizationEvent> for OrganizationEventView {
    fn from(event: OrganizationEvent) -> Self {
        Self {
            at: event.at,
            actor_user_id: event.actor.map(|user| user.0),
            action: event.action.as_str(),
            note: event.note,
        }
    }
}

/// What a member may change. Verification, kind and region are not theirs to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    /// The version read; a stale one answers 409.
    #[serde(deserialize_with = "crate::whole::i32")]
    #[schema(schema_with = schemas::version)]
    pub version: i32,
    #[schema(schema_with = schemas::organization_name)]
    pub name: Option<String>,
    /// A park id, or `null` to leave the park; omit to keep it.
    #[serde(default, deserialize_with = "crate::whole::present_option_i64")]
    #[schema(schema_with = schemas::nullable_id)]
    pub park_id: Option<Option<i64>>,
}

/// Whether the principal may change it: its own members and platform administrators.
fn can_write(principal: &Principal, org: &Organization) -> bool {
    match principal.role() {
        Role::PlatformAdmin => true,
        Role::ParkAdmin => false,
        Role::Lead | Role::Sme => principal.organization_id() == Some(org.id),
    }
}

async fn visible(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Organization, ApiError> {
    Ok(organizations::readable(&state.store, &principal.actor(), OrganizationId(id)).await?)
}

/// An organisation: to its members, its park's administrator and platform administrators.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    responses(
        (status = 200, body = OrganizationView),
    )
)]
#[get("/organizations/{id}")]
async fn get_organization(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<OrganizationView>, ApiError> {
    let org = visible(&state, &principal, id.into_inner()).await?;
    Ok(web::Json(OrganizationView::from(org)))
}

/// Renames the organisation or moves it to another park; carries the version read.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    request_body = UpdateOrganizationRequest,
    responses(
        (status = 200, body = OrganizationView),
        Forbidden,
        Conflicting,
    )
)]
#[patch("/organizations/{id}")]
async fn update_organization(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: crate::extract::Json<UpdateOrganizationRequest>,
) -> Result<web::Json<OrganizationView>, ApiError> {
    let org = visible(&state, &principal, id.into_inner()).await?;
    if !can_write(&principal, &org) {
        return Err(ApiError::Forbidden(
            "only the organisation's own users and platform administrators may change it".into(),
        ));
    }
    let body = body.into_inner();
    if body.version < 1 {
        return Err(ApiError::Validation(format!(
            "version {} is not one this organisation has had; send the version you read",
            body.version
        )));
    }
    let park_id = match body.park_id {
        Some(Some(park)) => Some(Some(
            park_in_prefecture(&state.store, ParkId(park), org.region_code).await?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let changes = OrganizationChanges {
        name: body
            .name
            .as_deref()
            .map(parse_organization_name)
            .transpose()?,
        park_id,
    };
    let updated = state
        .store
        .update_organization(org.id, body.version, &changes)
        .await?;
    Ok(web::Json(OrganizationView::from(updated)))
}

/// Marks an organisation verified or not, with a note its history keeps: platform administrators
/// for any organisation, a park administrator for those in its park.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    request_body = VerificationRequest,
    responses(
        (status = 200, body = OrganizationView),
        Forbidden,
    )
)]
#[post("/organizations/{id}/verification")]
async fn set_verification(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: crate::extract::Json<VerificationRequest>,
) -> Result<web::Json<OrganizationView>, ApiError> {
    let body = body.into_inner();
    let org = organizations::set_verification(
        &state.store,
        &principal.actor(),
        OrganizationId(id.into_inner()),
        body.verified,
        &body.note,
    )
    .await?;
    tracing::info!(organization = %org.id, verified = org.verified, by = %principal.user.id, "verification set");
    Ok(web::Json(OrganizationView::from(org)))
}

/// What administrators did to an organisation — verified it or not, who, when, why — oldest first:
/// to its members, its park's administrator and platform administrators.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    responses(
        (status = 200, body = List<OrganizationEventView>),
    )
)]
#[get("/organizations/{id}/history")]
async fn organization_history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<List<OrganizationEventView>>, ApiError> {
    let events = organizations::history(
        &state.store,
        &principal.actor(),
        OrganizationId(id.into_inner()),
    )
    .await?;
    Ok(web::Json(List {
        items: events
            .into_iter()
            .map(OrganizationEventView::from)
            .collect(),
        next_cursor: None,
    }))
}
