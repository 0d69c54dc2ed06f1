//! Production sites: the plants an SME ships from, declared by the SME itself and shown on its
//! profile. Each handler calls one use case in `peitao_app::sites`.

use actix_web::{HttpResponse, delete, get, post, web};
use peitao_app::sites;
use peitao_domain::{NewProductionSite, ProductionSite, ProductionSiteId, ProvinceCode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Principal, Smes},
    error::{ApiError, Forbidden, Problem},
    extract::Json,
    openapi::{params::IdPath, schemas},
    routes::{pagination::List, suppliers::own_supplier},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(my_sites)
        .service(add_my_site)
        .service(delete_my_site);
}

/// A plant of an SME.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: i64,
    pub name: String,
    /// The county the plant stands in.
    #[schema(example = "420606")]
    pub region_code: String,
    /// Whether the plant lies in the platform's home province: what makes a purchase local.
    pub in_province: bool,
    pub address: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl SiteView {
    pub fn new(site: ProductionSite, home: ProvinceCode) -> Self {
        Self {
            id: site.id.0,
            in_province: site.region_code.is_in(home),
            region_code: site.region_code.to_string(),
            name: site.name,
            address: site.address,
            created_at: site.created_at,
        }
    }
}

/// A plant as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    #[schema(schema_with = schemas::site_name, example = "Fancheng plant 2")]
    pub name: String,
    /// The county the plant stands in; it must exist.
    #[schema(schema_with = schemas::region_code, example = "420606")]
    pub region_code: String,
    #[schema(schema_with = schemas::site_address, example = "18 Chunyuan Road, Fancheng")]
    pub address: String,
}

/// The signed-in SME's production sites, oldest first.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<SiteView>),
        Forbidden,
    )
)]
#[get("/suppliers/me/sites")]
async fn my_sites(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<SiteView>>, ApiError> {
    let owner = own_supplier(&principal)?;
    let home = state.home_province;
    Ok(web::Json(List {
        items: sites::list(&state.store, owner)
            .await?
            .into_iter()
            .map(|site| SiteView::new(site, home))
            .collect(),
        next_cursor: None,
    }))
}

/// Adds a production site to the signed-in SME's profile: a county that exists, a name and an
/// address. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = SiteRequest,
    responses(
        (status = 201, body = SiteView),
        Forbidden,
        (status = 409, description = "The SME already lists the most plants allowed (50)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post(
    "/suppliers/me/sites",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn add_my_site(
    state: web::Data<AppState>,
    request: Admitted<Smes, Json<SiteRequest>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let owner = own_supplier(&principal)?;
    let input = body.into_inner();
    let site = NewProductionSite::parse(&input.name, &input.region_code, &input.address)?;
    let stored = sites::add(&state.store, owner, &site).await?;
    Ok(HttpResponse::Created().json(SiteView::new(stored, state.home_province)))
}

/// Removes one of the signed-in SME's production sites.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 204, description = "Removed"),
        Forbidden,
        (status = 404, description = "The SME has no such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Live quotes or active deals ship from the site; the problem names the quotes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/suppliers/me/sites/{id}")]
async fn delete_my_site(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let owner = own_supplier(&principal)?;
    sites::remove(&state.store, owner, ProductionSiteId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}
