//! Supplier profiles: what an SME can make and prove — declared by the SME itself, read by lead
//! enterprises and administrators.

use actix_web::{HttpResponse, delete, get, post, put, web};
use peitao_app::{credentials, sites, suppliers};
use peitao_domain::{
    Capability, Category, CategoryCode, Certification, CertificationKind, Organization,
    OrganizationId, OrganizationKind, Role, format_date, parse_date,
};
use peitao_store::StoredCertification;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Principal, Smes},
    error::{ApiError, Forbidden, OrNotFound},
    openapi::schemas,
    routes::{
        credentials::{CredentialView, views as credential_views},
        pagination::List,
        sites::SiteView,
    },
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    // `/suppliers/me/…` first, so `me` is never read as an id.
    cfg.service(my_capabilities)
        .service(replace_my_capabilities)
        .service(my_certifications)
        .service(add_my_certification)
        .service(delete_my_certification)
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
    pub id: i64,
    #[schema(example = "IATF16949")]
    pub kind: String,
    pub number: String,
    #[serde(serialize_with = "serialize_date")]
    #[schema(value_type = String, format = Date, example = "2025-01-01")]
    pub valid_from: Date,
    #[serde(serialize_with = "serialize_date")]
    #[schema(value_type = String, format = Date, example = "2028-01-01")]
    pub valid_until: Date,
    /// Whether it is valid today (UTC).
    pub valid_today: bool,
}

/// Writes a date as `YYYY-MM-DD`.
fn serialize_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_date(*date))
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
    /// Its plants, oldest first.
    pub sites: Vec<SiteView>,
    /// The titles officials awarded it, highest tier first.
    pub credentials: Vec<CredentialView>,
    /// Its record from fulfilled deals.
    pub scorecard: ScorecardView,
}

/// A supplier's record: fulfilled deals, the share delivered on time, the mean quality rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardView {
    pub fulfilled_deals: u32,
    /// From 0 to 1; `null` before the first fulfilled deal.
    pub on_time_rate: Option<f64>,
    /// From 1 to 5; `null` before the first fulfilled deal.
    pub mean_quality: Option<f64>,
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
        .map(|capability| capability.category_code().clone())
        .collect();
    let categories = state.store.categories_by_codes(&codes).await?;
    Ok(capabilities
        .into_iter()
        .map(|capability| CapabilityView::new(capability, &categories))
        .collect())
}

impl CapabilityView {
    /// The capability with its category's names, looked up in `categories`.
    pub fn new(capability: Capability, categories: &[Category]) -> Self {
        let category = categories
            .iter()
            .find(|category| &category.code == capability.category_code());
        Self {
            category_name_zh: category.map(|c| c.name_zh.clone()).unwrap_or_default(),
            category_name_en: category.map(|c| c.name_en.clone()).unwrap_or_default(),
            category_code: capability.category_code().to_string(),
            annual_capacity: capability.annual_capacity(),
            unit: capability.unit().to_owned(),
            processes: capability.processes().to_vec(),
        }
    }
}

async fn certification_views(
    state: &AppState,
    id: OrganizationId,
) -> Result<Vec<CertificationView>, ApiError> {
    let today = OffsetDateTime::now_utc().date();
    Ok(state
        .store
        .certifications(id)
        .await?
        .into_iter()
        .map(|stored| certification_view(stored, today))
        .collect())
}

fn certification_view(stored: StoredCertification, today: Date) -> CertificationView {
    let certification = stored.certification;
    CertificationView {
        id: stored.id,
        valid_today: certification.covers(today, today),
        kind: certification.kind().as_str().to_owned(),
        number: certification.number().to_owned(),
        valid_from: certification.valid_from(),
        valid_until: certification.valid_until(),
    }
}

/// The signed-in SME's organisation.
pub(crate) fn own_supplier(principal: &Principal) -> Result<OrganizationId, ApiError> {
    principal.require(&[Role::Sme])?;
    principal.organization_id().ok_or(ApiError::Internal)
}

/// An SME's profile with capabilities, certifications and credentials: to lead enterprises, the SME itself,
/// its park's administrator and platform administrators.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    responses(
        (status = 200, body = SupplierView),
    )
)]
#[get("/suppliers/{id}")]
async fn get_supplier(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<SupplierView>, ApiError> {
    Ok(web::Json(
        supplier_view(&state, &principal, OrganizationId(id.into_inner())).await?,
    ))
}

/// An SME's profile as `principal` may read it (else the same 404 as a missing one): what
/// `GET /suppliers/{id}` answers and the console's profile page shows.
pub(crate) async fn supplier_view(
    state: &AppState,
    principal: &Principal,
    id: OrganizationId,
) -> Result<SupplierView, ApiError> {
    let what = format!("supplier {}", id.0);
    let supplier = state.store.organization(id).await.or_not_found(&what)?;
    if supplier.kind != OrganizationKind::Sme || !can_read(principal, &supplier) {
        return Err(ApiError::not_found(what));
    }
    Ok(SupplierView {
        id: supplier.id.0,
        in_province: supplier.region_code.is_in(state.home_province),
        region_code: supplier.region_code.to_string(),
        park_id: supplier.park_id.map(|park| park.0),
        verified: supplier.verified,
        capabilities: capability_views(state, supplier.id).await?,
        certifications: certification_views(state, supplier.id).await?,
        sites: sites::list(&state.store, supplier.id)
            .await?
            .into_iter()
            .map(|site| SiteView::new(site, state.home_province))
            .collect(),
        credentials: credential_views(credentials::of_supplier(&state.store, supplier.id).await?),
        scorecard: {
            let card = peitao_app::quotes::scorecard(&state.store, supplier.id).await?;
            ScorecardView {
                fulfilled_deals: card.fulfilled_deals(),
                on_time_rate: card.on_time_rate(),
                mean_quality: card.mean_quality(),
            }
        },
        name: supplier.name,
    })
}

/// The signed-in SME's capabilities, by category code.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<CapabilityView>),
        Forbidden,
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
        Forbidden,
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

/// A supplier's whole list of capabilities; it replaces the one stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilitiesRequest {
    #[schema(schema_with = schemas::capability_list)]
    pub capabilities: Vec<CapabilityInput>,
}

/// One capability as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilityInput {
    #[schema(schema_with = schemas::category_code, example = "auto.body.stamping")]
    pub category_code: String,
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::annual_capacity, example = 120000)]
    pub annual_capacity: u64,
    #[schema(schema_with = schemas::unit, example = "pcs")]
    pub unit: String,
    #[serde(default)]
    #[schema(schema_with = schemas::processes, example = json!(["stamping", "welding"]))]
    pub processes: Vec<String>,
}

/// A certificate as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationInput {
    #[schema(schema_with = schemas::certification_kind, example = "IATF16949")]
    pub kind: String,
    #[schema(schema_with = schemas::certificate_number, example = "CN-IATF-0001")]
    pub number: String,
    #[schema(schema_with = schemas::date, example = "2025-01-01")]
    pub valid_from: String,
    /// After `valid_from`.
    #[schema(schema_with = schemas::date, example = "2028-01-01")]
    pub valid_until: String,
}

/// Builds each capability sent with the domain's constructor; names the first bad one. The rules
/// about the whole list (how many, each category once and known) are the use case's.
fn capabilities_from(inputs: Vec<CapabilityInput>) -> Result<Vec<Capability>, ApiError> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            let code = CategoryCode::parse(&input.category_code).map_err(|err| {
                ApiError::Validation(format!("capabilities[{index}].category_code: {err}"))
            })?;
            Capability::new(code, input.annual_capacity, &input.unit, input.processes)
                .map_err(|err| ApiError::Validation(format!("capabilities[{index}]: {err}")))
        })
        .collect()
}

/// Replaces the signed-in SME's capabilities with the list sent (an empty list clears them).
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    request_body = CapabilitiesRequest,
    responses(
        (status = 200, body = List<CapabilityView>),
        Forbidden,
    )
)]
#[put("/suppliers/me/capabilities")]
async fn replace_my_capabilities(
    state: web::Data<AppState>,
    request: Admitted<Smes, crate::extract::Json<CapabilitiesRequest>>,
) -> Result<web::Json<List<CapabilityView>>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let id = own_supplier(&principal)?;
    let capabilities = capabilities_from(body.into_inner().capabilities)?;
    suppliers::replace_capabilities(&state.store, id, &capabilities).await?;
    Ok(web::Json(List {
        items: capability_views(&state, id).await?,
        next_cursor: None,
    }))
}

/// Adds a certificate to the signed-in SME's profile. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = CertificationInput,
    responses(
        (status = 201, body = CertificationView),
        Forbidden,
    )
)]
#[post(
    "/suppliers/me/certifications",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn add_my_certification(
    state: web::Data<AppState>,
    request: Admitted<Smes, crate::extract::Json<CertificationInput>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let id = own_supplier(&principal)?;
    let input = body.into_inner();
    let certification = Certification::new(
        CertificationKind::parse(&input.kind)?,
        &input.number,
        parse_date("valid_from", &input.valid_from)?,
        parse_date("valid_until", &input.valid_until)?,
    )?;
    let stored = state.store.add_certification(id, &certification).await?;
    let today = OffsetDateTime::now_utc().date();
    Ok(HttpResponse::Created().json(certification_view(stored, today)))
}

/// Removes one of the signed-in SME's certificates.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    responses(
        (status = 204, description = "Removed"),
        Forbidden,
    )
)]
#[delete("/suppliers/me/certifications/{id}")]
async fn delete_my_certification(
    state: web::Data<AppState>,
    principal: Principal,
    certification: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = own_supplier(&principal)?;
    let certification = certification.into_inner();
    state
        .store
        .delete_certification(id, certification)
        .await
        .or_not_found(format!("certification {certification}"))?;
    Ok(HttpResponse::NoContent().finish())
}
