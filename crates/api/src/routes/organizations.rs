//! Organisations: read by their members and administrators, updated by their members.

use actix_web::{get, patch, web};
use peitao_app::organizations::park_in_prefecture;
use peitao_domain::{Organization, OrganizationId, ParkId, Role, parse_organization_name};
use peitao_store::OrganizationChanges;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Conflicting, Forbidden, OrNotFound},
    openapi::schemas,
    routes::views::OrganizationView,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_organization).service(update_organization);
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

/// Whether the principal may see the organisation at all. Everyone else gets a 404.
fn can_read(principal: &Principal, org: &Organization) -> bool {
    match principal.role() {
        Role::PlatformAdmin => true,
        Role::ParkAdmin => principal.park_id().is_some() && org.park_id == principal.park_id(),
        Role::Lead | Role::Sme => principal.organization_id() == Some(org.id),
    }
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
    let what = format!("organization {id}");
    let org = state
        .store
        .organization(OrganizationId(id))
        .await
        .or_not_found(&what)?;
    if can_read(principal, &org) {
        Ok(org)
    } else {
        Err(ApiError::not_found(what))
    }
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
