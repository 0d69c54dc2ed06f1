//! The supplier directory: the searchable list of SMEs the policy paper asks for, read by lead
//! enterprises and administrators. The handler parses the filters and calls
//! `peitao_app::suppliers::directory`.

use actix_web::{get, web};
use peitao_app::suppliers::{self, DirectoryQuery};
use peitao_domain::{CategoryCode, CertificationKind, RegionCode, text::SEARCH_TEXT};
use peitao_store::DirectoryEntry;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Forbidden},
    openapi::schemas,
    routes::{
        pagination::{List, is_id_cursor, malformed, page_request},
        suppliers::CapabilityView,
    },
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(supplier_directory);
}

/// Filters on the directory; each one narrows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// Only suppliers able to make this category or one under it.
    #[param(schema_with = schemas::category_code)]
    pub category: Option<String>,
    /// Only suppliers in this province, prefecture or county (`420000`, `420600`, `420606`).
    #[param(schema_with = schemas::region_code)]
    pub region: Option<String>,
    /// Only suppliers holding a certificate of this kind valid today.
    #[param(schema_with = schemas::certification_kind)]
    pub certification: Option<String>,
    /// Only verified (`true`) or unverified (`false`) suppliers.
    pub verified: Option<bool>,
    /// Only suppliers whose name contains this text (any case).
    #[param(schema_with = schemas::search_text)]
    pub q: Option<String>,
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::id_cursor)]
    pub cursor: Option<String>,
}

/// One supplier in the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryRow {
    pub id: i64,
    pub name: String,
    /// The county it is registered in.
    pub region_code: String,
    pub park_id: Option<i64>,
    pub verified: bool,
    /// Whether it lies in the platform's home province.
    pub in_province: bool,
    pub capabilities: Vec<CapabilityView>,
}

/// The supplier directory, by id: lead enterprises and platform administrators see every SME, a
/// park administrator its park's. SMEs may not browse it.
#[utoipa::path(
    tag = "suppliers",
    security(("bearer" = [])),
    params(DirectoryParams),
    responses(
        (status = 200, body = List<DirectoryRow>),
        Forbidden,
    )
)]
#[get("/suppliers")]
async fn supplier_directory(
    state: web::Data<AppState>,
    principal: Principal,
    params: web::Query<DirectoryParams>,
) -> Result<web::Json<List<DirectoryRow>>, ApiError> {
    let params = params.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref(), is_id_cursor)?;
    let query = DirectoryQuery {
        category: malformed(
            params
                .category
                .as_deref()
                .map(CategoryCode::parse)
                .transpose(),
        )?,
        region: malformed(params.region.as_deref().map(RegionCode::parse).transpose())?,
        certification: malformed(
            params
                .certification
                .as_deref()
                .map(CertificationKind::parse)
                .transpose(),
        )?,
        verified: params.verified,
        text: malformed(
            params
                .q
                .as_deref()
                .map(|text| SEARCH_TEXT.parse(text))
                .transpose(),
        )?,
    };
    let actor = peitao_app::needs::Actor {
        user: principal.user.id,
        role: principal.role(),
        organization: principal.organization_id(),
        park: principal.park_id(),
    };
    let today = OffsetDateTime::now_utc().date();
    let page = suppliers::directory(&state.store, &actor, &query, &page, today).await?;
    let mut codes: Vec<CategoryCode> = page
        .items
        .iter()
        .flat_map(|entry| entry.capabilities.iter())
        .map(|capability| capability.category_code().clone())
        .collect();
    codes.sort();
    codes.dedup();
    let categories = state.store.categories_by_codes(&codes).await?;
    let home = state.home_province;
    Ok(web::Json(List::from_page(page, |entry: DirectoryEntry| {
        let organization = entry.organization;
        DirectoryRow {
            id: organization.id.0,
            in_province: organization.region_code.is_in(home),
            region_code: organization.region_code.to_string(),
            park_id: organization.park_id.map(|park| park.0),
            verified: organization.verified,
            name: organization.name,
            capabilities: entry
                .capabilities
                .into_iter()
                .map(|capability| CapabilityView::new(capability, &categories))
                .collect(),
        }
    })))
}
