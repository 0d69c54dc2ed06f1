//! File imports for platform administrators: supplier organisations and taxonomies. The same
//! importers back `peitao import …`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use peitao_app::import::{suppliers, taxonomy};
use peitao_domain::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Forbidden},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import_suppliers).service(import_taxonomy);
}

/// What a supplier import stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierImportReport {
    pub imported: usize,
    pub organization_ids: Vec<i64>,
}

/// What a taxonomy import stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyImportReport {
    pub categories: usize,
    pub chains: usize,
    pub links: usize,
}

/// The media type without parameters, lower-cased; `None` when the header is absent.
fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

/// CSV for `text/csv` and `application/csv`; TOML for the TOML types, `text/plain` or none.
fn taxonomy_format(req: &HttpRequest) -> Result<taxonomy::Format, ApiError> {
    match media_type(req).as_deref() {
        Some("text/csv" | "application/csv") => Ok(taxonomy::Format::Csv),
        None | Some("application/toml" | "text/toml" | "text/x-toml" | "text/plain") => {
            Ok(taxonomy::Format::Toml)
        }
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "a taxonomy is sent as text/csv or application/toml, not {other}"
        ))),
    }
}

/// Supplier files are CSV: `text/csv`, `application/csv`, or `text/plain`.
fn require_csv(req: &HttpRequest) -> Result<(), ApiError> {
    match media_type(req).as_deref() {
        None | Some("text/csv" | "application/csv" | "text/plain") => Ok(()),
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "a supplier file is sent as text/csv, not {other}"
        ))),
    }
}

fn utf8(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body)
        .map_err(|err| ApiError::BadRequest(format!("the file is not UTF-8 text: {err}")))
}

/// Imports supplier organisations with capabilities and certifications from CSV (platform
/// administrators). All rows are stored or none; every bad row is reported with its line.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = String, content_type = "text/csv",
        description = "Header row, then one organisation a row: name, region_code, and optionally \
                       kind, park_code, verified, capabilities, certifications"),
    responses(
        (status = 201, body = SupplierImportReport),
        Forbidden,
    )
)]
#[post(
    "/imports/suppliers",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn import_suppliers(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::PlatformAdmin])?;
    require_csv(&req)?;
    let ids = suppliers::import(&state.store, utf8(&body)?).await?;
    tracing::info!(imported = ids.len(), by = %principal.user.id, "suppliers imported");
    Ok(HttpResponse::Created().json(SupplierImportReport {
        imported: ids.len(),
        organization_ids: ids.into_iter().map(|id| id.0).collect(),
    }))
}

/// Adds categories (and, from TOML, chains with links) to the taxonomy (platform
/// administrators). `Content-Type: text/csv` takes `code,name,parent[,name_en]`; anything else is
/// read as Peitao's TOML format. All or nothing; problems come back with their lines.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, body = TaxonomyImportReport),
        Forbidden,
    )
)]
#[post(
    "/imports/taxonomy",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn import_taxonomy(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::PlatformAdmin])?;
    let format = taxonomy_format(&req)?;
    let counts = taxonomy::import(&state.store, utf8(&body)?, format).await?;
    tracing::info!(
        categories = counts.categories,
        chains = counts.chains,
        links = counts.links,
        by = %principal.user.id,
        "taxonomy imported"
    );
    Ok(HttpResponse::Created().json(TaxonomyImportReport {
        categories: counts.categories,
        chains: counts.chains,
        links: counts.links,
    }))
}
