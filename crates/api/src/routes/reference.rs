//! Reference reads: administrative regions, the product taxonomy and industrial parks.

use actix_web::{get, web};
use peitao_domain::{Category, CategoryCode, Park, Region, RegionCode};
use peitao_store::CategoryFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, OrNotFound},
    openapi::schemas,
    routes::pagination::{List, is_id_cursor, malformed, page_request},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(get_region)
        .service(list_categories)
        .service(get_category)
        .service(list_parks);
}

/// An administrative region (GB/T 2260).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    /// Six digits, such as `420606`.
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// `province`, `prefecture` or `county`.
    pub level: &'static str,
    /// Whether the region lies in the platform's home province.
    pub in_province: bool,
    /// The seat's longitude, in degrees.
    pub longitude: Option<f64>,
    /// The seat's latitude, in degrees.
    pub latitude: Option<f64>,
}

impl RegionView {
    fn new(region: Region, state: &AppState) -> Self {
        Self {
            in_province: region.code.is_in(state.home_province),
            code: region.code.to_string(),
            name: region.name,
            parent_code: region.parent_code.map(|code| code.to_string()),
            level: region.level.as_str(),
            longitude: region.longitude,
            latitude: region.latitude,
        }
    }
}

/// A node of the product taxonomy.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub parent_code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    /// The outside classification it corresponds to, such as `HS 8708`.
    pub reference: Option<String>,
}

impl From<Category> for CategoryView {
    fn from(category: Category) -> Self {
        Self {
            code: category.code.to_string(),
            parent_code: category.parent_code.map(|code| code.to_string()),
            name_zh: category.name_zh,
            name_en: category.name_en,
            reference: category.reference,
        }
    }
}

/// An industrial park or development zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParkView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The host county-level region.
    pub region_code: String,
    /// `national` or `provincial`.
    pub level: String,
    pub kind: String,
    /// Codes of the chains the park leads in.
    pub lead_industries: Vec<String>,
    pub source: String,
}

impl From<Park> for ParkView {
    fn from(park: Park) -> Self {
        Self {
            id: park.id.0,
            code: park.code,
            name_zh: park.name_zh,
            name_en: park.name_en,
            region_code: park.region_code.to_string(),
            level: park.level.as_str().to_owned(),
            kind: park.kind.as_str().to_owned(),
            lead_industries: park.lead_industries,
            source: park.source,
        }
    }
}

/// Filters for the region list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// List the regions directly under this one; without it, the provinces.
    #[param(schema_with = schemas::region_code)]
    pub parent: Option<String>,
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::region_cursor)]
    pub cursor: Option<String>,
}

/// Filters for the category list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    /// List the children of this category.
    #[param(schema_with = schemas::category_code)]
    pub parent: Option<String>,
    /// Only categories whose code, Chinese or English name contains this text (any case).
    #[param(schema_with = schemas::search_text)]
    pub q: Option<String>,
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::category_cursor)]
    pub cursor: Option<String>,
}

/// Filters for the park list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ParkQuery {
    /// Only parks hosted in this region or in a region under it (`420600` for Xiangyang).
    #[param(schema_with = schemas::region_code)]
    pub region: Option<String>,
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::id_cursor)]
    pub cursor: Option<String>,
}

/// Regions directly under `parent`, or the provinces, ordered by code.
#[utoipa::path(
    tag = "reference",
    params(RegionQuery),
    responses(
        (status = 200, body = List<RegionView>),
    )
)]
#[get("/regions")]
async fn list_regions(
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> Result<web::Json<List<RegionView>>, ApiError> {
    let parent = malformed(query.parent.as_deref().map(RegionCode::parse).transpose())?;
    let page = page_request(query.limit, query.cursor.as_deref(), |cursor| {
        RegionCode::parse(cursor).is_ok()
    })?;
    let page = state.store.list_regions(parent.as_ref(), &page).await?;
    Ok(web::Json(List::from_page(page, |region| {
        RegionView::new(region, &state)
    })))
}

/// One region by its six-digit code.
#[utoipa::path(
    tag = "reference",
    params(crate::openapi::params::RegionCodePath),
    responses(
        (status = 200, body = RegionView),
    )
)]
#[get("/regions/{code}")]
async fn get_region(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<RegionView>, ApiError> {
    let code = malformed(RegionCode::parse(&code))?;
    let region = state
        .store
        .region(&code)
        .await
        .or_not_found(format!("region {code}"))?;
    Ok(web::Json(RegionView::new(region, &state)))
}

/// Categories: the children of `parent`, those matching `q`, or the roots; ordered by code.
#[utoipa::path(
    tag = "reference",
    params(CategoryQuery),
    responses(
        (status = 200, body = List<CategoryView>),
    )
)]
#[get("/categories")]
async fn list_categories(
    state: web::Data<AppState>,
    query: web::Query<CategoryQuery>,
) -> Result<web::Json<List<CategoryView>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), |cursor| {
        CategoryCode::parse(cursor).is_ok()
    })?;
    let filter = CategoryFilter {
        parent: malformed(query.parent.as_deref().map(CategoryCode::parse).transpose())?,
        text: malformed(
            query
                .q
                .as_deref()
                .map(|text| peitao_domain::text::SEARCH_TEXT.parse(text))
                .transpose(),
        )?,
    };
    let page = state.store.list_categories(&filter, &page).await?;
    Ok(web::Json(List::from_page(page, CategoryView::from)))
}

/// One category by its code.
#[utoipa::path(
    tag = "reference",
    params(crate::openapi::params::CategoryCodePath),
    responses(
        (status = 200, body = CategoryView),
    )
)]
#[get("/categories/{code}")]
async fn get_category(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<CategoryView>, ApiError> {
    let code = malformed(CategoryCode::parse(&code))?;
    let category = state
        .store
        .category(&code)
        .await
        .or_not_found(format!("category {code}"))?;
    Ok(web::Json(CategoryView::from(category)))
}

/// Industrial parks and development zones, ordered by id (signed-in users).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(ParkQuery),
    responses(
        (status = 200, body = List<ParkView>),
    )
)]
#[get("/parks")]
async fn list_parks(
    state: web::Data<AppState>,
    _principal: Principal,
    query: web::Query<ParkQuery>,
) -> Result<web::Json<List<ParkView>>, ApiError> {
    let region = malformed(query.region.as_deref().map(RegionCode::parse).transpose())?;
    let page = page_request(query.limit, query.cursor.as_deref(), |cursor| {
        is_id_cursor(cursor)
    })?;
    let page = state.store.list_parks(region.as_ref(), &page).await?;
    Ok(web::Json(List::from_page(page, ParkView::from)))
}
