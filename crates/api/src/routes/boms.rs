//! Bills of materials: a lead enterprise uploads what it buys today (CSV or XLSX) and sees how
//! much of it in-province suppliers could make. The latest one is its supporting-rate baseline.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use peitao_app::boms::{self, BomFormat};
use peitao_domain::{Bom, BomId, BomSummary, format_date};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Forbidden},
    export::XLSX,
    openapi::{params::IdPath, schemas},
    routes::pagination::{List, is_id_cursor, page_request},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_bom)
        .service(list_boms)
        .service(bom_coverage);
}

/// The upload's name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// What to call it, such as `2026 sourcing plan`; the upload's date when absent.
    #[param(schema_with = schemas::bom_name)]
    pub name: Option<String>,
}

/// A stored bill of materials, without its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct BomSummaryView {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub uploaded_at: String,
    pub lines: u64,
    pub annual_value_fen: i64,
    pub in_province_value_fen: i64,
    #[schema(example = "CNY")]
    pub currency: &'static str,
}

impl From<BomSummary> for BomSummaryView {
    fn from(bom: BomSummary) -> Self {
        Self {
            id: bom.id.0,
            organization_id: bom.organization.0,
            name: bom.name,
            uploaded_at: bom.uploaded_at.format(&Rfc3339).unwrap_or_default(),
            lines: bom.line_count,
            annual_value_fen: bom.annual_value_fen,
            in_province_value_fen: bom.in_province_value_fen,
            currency: "CNY",
        }
    }
}

fn summary(bom: &Bom, home: peitao_domain::ProvinceCode) -> BomSummaryView {
    let total: u64 = bom.lines.iter().map(|line| line.annual_value_fen).sum();
    let local: u64 = bom
        .lines
        .iter()
        .filter(|line| line.in_province(home))
        .map(|line| line.annual_value_fen)
        .sum();
    BomSummaryView {
        id: bom.id.0,
        organization_id: bom.organization.0,
        name: bom.name.clone(),
        uploaded_at: bom.uploaded_at.format(&Rfc3339).unwrap_or_default(),
        lines: bom.lines.len() as u64,
        annual_value_fen: i64::try_from(total).unwrap_or(i64::MAX),
        in_province_value_fen: i64::try_from(local).unwrap_or(i64::MAX),
        currency: "CNY",
    }
}

fn format_of(req: &HttpRequest) -> Result<BomFormat, ApiError> {
    let media = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match media.as_deref() {
        None | Some("text/csv" | "application/csv" | "text/plain") => Ok(BomFormat::Csv),
        Some(XLSX) => Ok(BomFormat::Xlsx),
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "a bill of materials is sent as text/csv or {XLSX}, not {other}"
        ))),
    }
}

/// Uploads a bill of materials (lead enterprises): CSV (UTF-8, with or without a byte-order
/// mark) or an XLSX workbook (the first sheet), with the header
/// `category_code,description,annual_value_fen,current_supplier_region`. All or nothing: every
/// problem comes back with its line. The latest upload is the lead's supporting-rate baseline.
/// Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(UploadParams, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses(
        (status = 201, body = BomSummaryView),
        Forbidden,
    )
)]
#[post(
    "/boms",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn upload_bom(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<UploadParams>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    let format = format_of(&req)?;
    let name = query.name.clone().unwrap_or_else(|| {
        format!(
            "Bill of materials {}",
            format_date(peitao_app::stats::today())
        )
    });
    let bom = boms::upload(&state.store, &state.matching, &actor, &name, &body, format).await?;
    tracing::info!(bom = %bom.id, lines = bom.lines.len(), "bill of materials uploaded");
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/boms/{}/coverage", bom.id),
        ))
        .json(summary(&bom, state.home_province)))
}

/// A page of bills of materials.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BomListParams {
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^(?:0|[1-9][0-9]{0,17})$")]
    pub cursor: Option<String>,
}

/// The caller's bills of materials, newest first (lead enterprises; platform administrators see
/// every lead's).
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(BomListParams),
    responses(
        (status = 200, body = List<BomSummaryView>),
        Forbidden,
    )
)]
#[get("/boms")]
async fn list_boms(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<BomListParams>,
) -> Result<web::Json<List<BomSummaryView>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), is_id_cursor)?;
    let found = boms::list(&state.store, &principal.actor(), &page).await?;
    Ok(web::Json(List::from_page(found, BomSummaryView::from)))
}

/// An in-province supplier that could supply a line.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub supplier_id: i64,
    pub name: String,
    /// The county it is registered in.
    pub region_code: String,
    #[schema(schema_with = schemas::score)]
    pub score: f64,
    pub distance_km: Option<f64>,
}

/// One line with its best in-province candidates.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineCoverageView {
    pub line: u32,
    pub category_code: String,
    pub description: String,
    pub annual_value_fen: u64,
    pub current_supplier_region: String,
    pub in_province_now: bool,
    /// Up to three, best first, as the matching engine ranks them for a public need delivered
    /// to the lead's county.
    pub candidates: Vec<CandidateView>,
}

/// A bill of materials' coverage by in-province suppliers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageView {
    pub bom: BomSummaryView,
    pub lines: Vec<LineCoverageView>,
    /// The share sourced in province today.
    #[schema(schema_with = schemas::optional_score)]
    pub current_rate: Option<f64>,
    /// The share if every out-of-province line with an in-province candidate moved to one.
    #[schema(schema_with = schemas::optional_score)]
    pub potential_rate: Option<f64>,
    /// The value of those lines.
    pub movable_value_fen: u64,
}

/// A bill of materials, line by line, with the best in-province candidates for each and the
/// supporting rate the lead would reach if it used them (its owner, its park's administrator,
/// platform administrators).
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = CoverageView),
        Forbidden,
    )
)]
#[get("/boms/{id}/coverage")]
async fn bom_coverage(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<CoverageView>, ApiError> {
    let coverage = boms::coverage(
        &state.store,
        &state.matching,
        &principal.actor(),
        BomId(id.into_inner()),
    )
    .await?;
    Ok(web::Json(coverage_view(coverage, state.home_province)))
}

/// A bill of materials' coverage as `GET /boms/{id}/coverage` answers it and the console shows it.
pub(crate) fn coverage_view(
    coverage: boms::Coverage,
    home: peitao_domain::ProvinceCode,
) -> CoverageView {
    let names = &coverage.suppliers;
    CoverageView {
        bom: summary(&coverage.bom, home),
        current_rate: coverage.current_rate(),
        potential_rate: coverage.potential_rate(),
        movable_value_fen: coverage.movable_value_fen,
        lines: coverage
            .lines
            .into_iter()
            .map(|line| LineCoverageView {
                line: line.line.line_no,
                category_code: line.line.category_code.to_string(),
                description: line.line.description,
                annual_value_fen: line.line.annual_value_fen,
                current_supplier_region: line.line.current_supplier_region.to_string(),
                in_province_now: line.in_province_now,
                candidates: line
                    .candidates
                    .into_iter()
                    .map(|found| CandidateView {
                        supplier_id: found.supplier.0,
                        name: names
                            .get(&found.supplier)
                            .map_or_else(String::new, |(name, _)| name.clone()),
                        region_code: names
                            .get(&found.supplier)
                            .map_or_else(String::new, |(_, region)| region.to_string()),
                        score: found.score,
                        distance_km: found.distance_km.map(|km| (km * 10.0).round() / 10.0),
                    })
                    .collect(),
            })
            .collect(),
    }
}
