//! Credentials: an SME declares the titles officials awarded it (`/suppliers/me/credentials`);
//! lead enterprises and administrators read them on its profile. Each handler calls one use case
//! in `peitao_app::credentials`.

use actix_web::{HttpResponse, delete, get, post, web};
use peitao_app::credentials::{self, CredentialInput};
use peitao_domain::format_date;
use peitao_store::StoredCredential;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Principal, Smes},
    error::{ApiError, Forbidden},
    extract::Json,
    openapi::{params::IdPath, schemas},
    routes::pagination::List,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(my_credentials)
        .service(add_my_credential)
        .service(delete_my_credential);
}

/// A credential as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    #[schema(schema_with = schemas::credential_tier, example = "专精特新中小企业")]
    pub tier: String,
    #[schema(schema_with = schemas::issuing_body, example = "湖北省经济和信息化厅")]
    pub issuing_body: String,
    #[serde(default)]
    #[schema(schema_with = schemas::credential_batch, example = "2024年第二批")]
    pub batch: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schemas::credential_number, example = "HB-ZJTX-2024-0137")]
    pub certificate_number: Option<String>,
    #[schema(schema_with = schemas::date, example = "2024-07-01")]
    pub valid_from: String,
    /// After `valid_from`.
    #[schema(schema_with = schemas::date, example = "2027-06-30")]
    pub valid_until: String,
}

/// A credential an SME holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    pub id: i64,
    /// `innovative_sme`, `high_tech`, `specialised_sme`, `little_giant` or `single_champion`.
    #[schema(example = "specialised_sme")]
    pub tier: &'static str,
    #[schema(example = "专精特新中小企业")]
    pub tier_name_zh: &'static str,
    #[schema(example = "Specialised and sophisticated SME (provincial)")]
    pub tier_name_en: &'static str,
    pub issuing_body: String,
    pub batch: Option<String>,
    pub certificate_number: Option<String>,
    #[schema(value_type = String, format = Date, example = "2024-07-01")]
    pub valid_from: String,
    #[schema(value_type = String, format = Date, example = "2027-06-30")]
    pub valid_until: String,
    /// Whether it is valid today (UTC), its first and last days included.
    pub valid_today: bool,
}

impl CredentialView {
    pub fn new(stored: StoredCredential, today: Date) -> Self {
        let credential = stored.credential;
        let tier = credential.tier();
        Self {
            id: stored.id,
            tier: tier.as_str(),
            tier_name_zh: tier.name_zh(),
            tier_name_en: tier.name_en(),
            issuing_body: credential.issuing_body().to_owned(),
            batch: credential.batch().map(str::to_owned),
            certificate_number: credential.certificate_number().map(str::to_owned),
            valid_from: format_date(credential.valid_from()),
            valid_until: format_date(credential.valid_until()),
            valid_today: credential.covers(today),
        }
    }
}

/// Views of stored credentials, as of today (UTC).
pub fn views(stored: Vec<StoredCredential>) -> Vec<CredentialView> {
    let today = OffsetDateTime::now_utc().date();
    stored
        .into_iter()
        .map(|item| CredentialView::new(item, today))
        .collect()
}

/// The signed-in SME's credentials, highest tier first.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<CredentialView>),
        Forbidden,
    )
)]
#[get("/suppliers/me/credentials")]
async fn my_credentials(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<CredentialView>>, ApiError> {
    let stored = credentials::list_own(&state.store, &principal.actor()).await?;
    Ok(web::Json(List {
        items: views(stored),
        next_cursor: None,
    }))
}

/// Declares a credential on the signed-in SME's profile; the tier by its code or its Chinese
/// name. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = CredentialRequest,
    responses(
        (status = 201, body = CredentialView),
        Forbidden,
    )
)]
#[post(
    "/suppliers/me/credentials",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn add_my_credential(
    state: web::Data<AppState>,
    request: Admitted<Smes, Json<CredentialRequest>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    let input = CredentialInput {
        tier: body.tier,
        issuing_body: body.issuing_body,
        batch: body.batch,
        certificate_number: body.certificate_number,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
    };
    let stored = credentials::declare(&state.store, &principal.actor(), &input).await?;
    let today = OffsetDateTime::now_utc().date();
    Ok(HttpResponse::Created().json(CredentialView::new(stored, today)))
}

/// Removes one of the signed-in SME's credentials.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 204, description = "Removed"),
        Forbidden,
    )
)]
#[delete("/suppliers/me/credentials/{id}")]
async fn delete_my_credential(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    credentials::remove(&state.store, &principal.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
