//! Supplier profiles: what an SME can make and prove, as lead enterprises and administrators see
//! it, and as the SME reads its own.

use actix_web::{get, web};
use peitao_domain::{
    Capability, CategoryCode, Certification, Organization, OrganizationId, OrganizationKind, Role,
};
use peitao_store::StoreError;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Problem},
    routes::pagination::List,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    // `/suppliers/me/…` first, so `me` is never read as an id.
    cfg.service(my_capabilities)
        .service(my_certifications)
        .service(get_supplier);
}

/// A category the supplier can make, with annual capacity.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapabilityView {
    pub category_code: String,
    /// The category's Chinese and English names.
    pub category_name_zh: String,
    pub category_name_en: String,
    pub annual_capacity: u64,
    pub unit: String,
    pub processes: Vec<String>,
}

/// A certificate the supplier holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationView {
    #[schema(example = "IATF16949")]
    pub kind: String,
    pub number: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    #[schema(value_type = String, format = Date)]
    pub valid_until: Date,
    /// Whether it is valid today (UTC).
    pub valid_today: bool,
}

/// An SME's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierView {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub park_id: Option<i64>,
    pub verified: bool,
    /// Whether it lies in the platform's home province.
    pub in_province: bool,
    pub capabilities: Vec<CapabilityView>,
    pub certifications: Vec<CertificationView>,
}

/// Who may read an SME's profile: lead enterprises (it is the profile suppliers show to buyers),
/// the SME itself, its park's administrator and platform administrators. Other SMEs may not.
fn can_read(principal: &Principal, supplier: &Organization) -> bool {
    match principal.role() {
        Role::Lead | Role::PlatformAdmin => true,
        Role::Sme => principal.organization_id() == Some(supplier.id),
        Role::ParkAdmin => principal.park_id().is_some() && supplier.park_id == principal.park_id(),
    }
}

async fn capability_views(
    state: &AppState,
    id: OrganizationId,
) -> Result<Vec<CapabilityView>, ApiError> {
    let capabilities: Vec<Capability> = state.store.capabilities(id).await?;
    let codes: Vec<CategoryCode> = capabilities
        .iter()
        .map(|capability| capability.category_code.clone())
        .collect();
    let categories = state.store.categories_by_codes(&codes).await?;
    Ok(capabilities
        .into_iter()
        .map(|capability| {
            let category = categories
                .iter()
                .find(|category| category.code == capability.category_code);
            CapabilityView {
                category_name_zh: category.map(|c| c.name_zh.clone()).unwrap_or_default(),
                category_name_en: category.map(|c| c.name_en.clone()).unwrap_or_default(),
                category_code: capability.category_code.to_string(),
                annual_capacity: capability.annual_capacity,
                unit: capability.unit,
                processes: capability.processes,
            }
        })
        .collect())
}

async fn certification_views(
    state: &AppState,
    id: OrganizationId,
) -> Result<Vec<CertificationView>, ApiError> {
    let today = OffsetDateTime::now_utc().date();
    let certifications: Vec<Certification> = state.store.certifications(id).await?;
    Ok(certifications
        .into_iter()
        .map(|certification| CertificationView {
            valid_today: certification.covers(today, today),
            kind: certification.kind.as_str().to_owned(),
            number: certification.number,
            valid_from: certification.valid_from,
            valid_until: certification.valid_until,
        })
        .collect())
}

/// The signed-in SME's organisation.
fn own_supplier(principal: &Principal) -> Result<OrganizationId, ApiError> {
    principal.require(&[Role::Sme])?;
    principal.organization_id().ok_or(ApiError::Internal)
}

/// An SME's profile with capabilities and certifications: to lead enterprises, the SME itself,
/// its park's administrator and platform administrators.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = SupplierView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suppliers/{id}")]
async fn get_supplier(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<SupplierView>, ApiError> {
    let id = id.into_inner();
    let not_found = || ApiError::not_found(format!("supplier {id}"));
    let supplier = state
        .store
        .organization(OrganizationId(id))
        .await
        .map_err(|err| match err {
            StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
    if supplier.kind != OrganizationKind::Sme || !can_read(&principal, &supplier) {
        return Err(not_found());
    }
    Ok(web::Json(SupplierView {
        id: supplier.id.0,
        in_province: supplier.region_code.is_in(state.home_province),
        region_code: supplier.region_code.to_string(),
        park_id: supplier.park_id.map(|park| park.0),
        verified: supplier.verified,
        capabilities: capability_views(&state, supplier.id).await?,
        certifications: certification_views(&state, supplier.id).await?,
        name: supplier.name,
    }))
}

/// The signed-in SME's capabilities, by category code.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<CapabilityView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suppliers/me/capabilities")]
async fn my_capabilities(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<CapabilityView>>, ApiError> {
    let id = own_supplier(&principal)?;
    Ok(web::Json(List {
        items: capability_views(&state, id).await?,
        next_cursor: None,
    }))
}

/// The signed-in SME's certifications, by kind then expiry.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<CertificationView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/suppliers/me/certifications")]
async fn my_certifications(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<CertificationView>>, ApiError> {
    let id = own_supplier(&principal)?;
    Ok(web::Json(List {
        items: certification_views(&state, id).await?,
        next_cursor: None,
    }))
}
