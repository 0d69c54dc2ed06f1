//! Statistics: the in-province supporting rate, the pairing funnel, the overview and the gap list,
//! for park administrators (their park), platform administrators (everything) and lead
//! enterprises (their own figures). Each answers JSON, CSV (`?format=csv` or `Accept: text/csv`),
//! and the overview also an XLSX workbook. Money is in fen (CNY); rates are fractions from 0 to 1.

use actix_web::{HttpRequest, HttpResponse, get, web};
use peitao_app::stats::{self, GroupBy, RateGroup, RateReport};
use peitao_domain::{CategoryCode, Period, RateTotals, Split, format_date, parse_date};
use peitao_store::FunnelFigures;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Forbidden, Problem},
    export::{Cell, Format, Table, csv_response, xlsx_response},
    openapi::schemas,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(supporting_rate)
        .service(funnel)
        .service(overview)
        .service(gaps);
}

/// The most categories `exclude` may name.
const MAX_EXCLUDED: usize = 50;

/// What `group_by` may be.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupByParam {
    Lead,
    Park,
    County,
    Prefecture,
    Chain,
    Month,
}

impl From<GroupByParam> for GroupBy {
    fn from(param: GroupByParam) -> Self {
        match param {
            GroupByParam::Lead => GroupBy::Lead,
            GroupByParam::Park => GroupBy::Park,
            GroupByParam::County => GroupBy::County,
            GroupByParam::Prefecture => GroupBy::Prefecture,
            GroupByParam::Chain => GroupBy::Chain,
            GroupByParam::Month => GroupBy::Month,
        }
    }
}

/// A file format a table route answers in.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Json,
    Csv,
}

impl From<TableFormat> for Format {
    fn from(format: TableFormat) -> Self {
        match format {
            TableFormat::Json => Format::Json,
            TableFormat::Csv => Format::Csv,
        }
    }
}

/// The period and form of a statistics answer.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The first day (Beijing time), included; twelve months before `to` when absent.
    #[param(schema_with = schemas::date)]
    pub from: Option<String>,
    /// The last day (Beijing time), included; today when absent.
    #[param(schema_with = schemas::date)]
    pub to: Option<String>,
    /// `csv` for a file; JSON otherwise (also chosen by `Accept: text/csv`).
    pub format: Option<TableFormat>,
}

fn period_of(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    let date = |field, raw: &str| {
        parse_date(field, raw).map_err(|err| ApiError::BadRequest(err.to_string()))
    };
    let from = from.map(|raw| date("from", raw)).transpose()?;
    let to = to.map(|raw| date("to", raw)).transpose()?;
    Ok(stats::period(from, to)?)
}

/// The supporting rate's query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RateParams {
    /// Rows by lead enterprise, park, the lead's county or prefecture, chain (a category in
    /// several chains counts in each) or calendar month; only the total when absent.
    pub group_by: Option<GroupByParam>,
    /// The first day (Beijing time), included; twelve months before `to` when absent.
    #[param(schema_with = schemas::date)]
    pub from: Option<String>,
    /// The last day (Beijing time), included; today when absent.
    #[param(schema_with = schemas::date)]
    pub to: Option<String>,
    /// Category codes, comma-separated, left out with every category below them (at most 50).
    #[param(schema_with = schemas::category_code_list, example = "chem.battery")]
    pub exclude: Option<String>,
    /// `csv` for a file; JSON otherwise (also chosen by `Accept: text/csv`).
    pub format: Option<TableFormat>,
}

/// Value by where it is made, with the in-province share.
#[derive(Debug, Serialize, ToSchema)]
pub struct SplitView {
    pub in_province_fen: i64,
    pub total_fen: i64,
    /// `in_province_fen / total_fen`; `null` when nothing was sourced.
    #[schema(schema_with = schemas::optional_score)]
    pub rate: Option<f64>,
}

impl From<Split> for SplitView {
    fn from(split: Split) -> Self {
        Self {
            in_province_fen: split.in_province,
            total_fen: split.total(),
            rate: split.rate(),
        }
    }
}

/// The rate by count: (lead, category) pairs sourced, and those with some value in province.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    pub baseline_categories: u64,
    pub baseline_in_province: u64,
    #[schema(schema_with = schemas::optional_score)]
    pub baseline_rate: Option<f64>,
    pub current_categories: u64,
    pub current_in_province: u64,
    #[schema(schema_with = schemas::optional_score)]
    pub current_rate: Option<f64>,
}

/// A supporting rate with the values behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateFiguresView {
    /// The baseline (latest bills of materials), prorated to the period.
    pub baseline: SplitView,
    /// After the period's deals replaced baseline sourcing.
    pub current: SplitView,
    /// `current.rate - baseline.rate`, in rate points; `null` when either is.
    #[schema(schema_with = schemas::optional_signed_fraction)]
    pub uplift: Option<f64>,
    /// Deals made through Peitao in the period (cancelled ones left out), by the plant's region.
    pub deals: SplitView,
    pub by_count: CountView,
}

impl From<&RateTotals> for RateFiguresView {
    fn from(totals: &RateTotals) -> Self {
        Self {
            baseline: totals.baseline.into(),
            current: totals.current.into(),
            uplift: totals.uplift(),
            deals: totals.deals.into(),
            by_count: CountView {
                baseline_categories: totals.baseline_categories,
                baseline_in_province: totals.baseline_categories_in_province,
                baseline_rate: totals.baseline_count_rate(),
                current_categories: totals.current_categories,
                current_in_province: totals.current_categories_in_province,
                current_rate: totals.current_count_rate(),
            },
        }
    }
}

/// One group's supporting rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateGroupView {
    /// The lead, park or chain id, the region code or `YYYY-MM`; `none` for leads in no park or
    /// categories in no chain.
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub figures: RateFiguresView,
}

impl From<&RateGroup> for RateGroupView {
    fn from(group: &RateGroup) -> Self {
        Self {
            key: group.key.clone(),
            label: group.label.clone(),
            figures: (&group.totals).into(),
        }
    }
}

/// The in-province supporting rate of the caller's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateReportView {
    #[schema(value_type = String, format = Date, example = "2026-01-01")]
    pub from: String,
    #[schema(value_type = String, format = Date, example = "2026-03-31")]
    pub to: String,
    pub group_by: Option<String>,
    pub excluded: Vec<String>,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    pub total: RateFiguresView,
    pub groups: Vec<RateGroupView>,
}

impl From<&RateReport> for RateReportView {
    fn from(report: &RateReport) -> Self {
        Self {
            from: format_date(report.period.first()),
            to: format_date(report.period.last()),
            group_by: report.group_by.map(|group_by| group_by.as_str().to_owned()),
            excluded: report.excluded.iter().map(ToString::to_string).collect(),
            currency: "CNY",
            total: (&report.total).into(),
            groups: report.groups.iter().map(RateGroupView::from).collect(),
        }
    }
}

const RATE_HEADERS: [&str; 16] = [
    "key",
    "label",
    "baseline_in_province_fen",
    "baseline_total_fen",
    "baseline_rate",
    "current_in_province_fen",
    "current_total_fen",
    "current_rate",
    "uplift",
    "deals_in_province_fen",
    "deals_total_fen",
    "baseline_categories",
    "baseline_categories_in_province",
    "current_categories",
    "current_categories_in_province",
    "current_count_rate",
];

fn rate_row(key: &str, label: &str, totals: &RateTotals) -> Vec<Cell> {
    let count = |value: u64| Cell::Int(i64::try_from(value).unwrap_or(i64::MAX));
    vec![
        key.into(),
        label.into(),
        totals.baseline.in_province.into(),
        totals.baseline.total().into(),
        totals.baseline.rate().into(),
        totals.current.in_province.into(),
        totals.current.total().into(),
        totals.current.rate().into(),
        totals.uplift().into(),
        totals.deals.in_province.into(),
        totals.deals.total().into(),
        count(totals.baseline_categories),
        count(totals.baseline_categories_in_province),
        count(totals.current_categories),
        count(totals.current_categories_in_province),
        totals.current_count_rate().into(),
    ]
}

fn rate_table(name: &str, groups: &[RateGroup], total: &RateTotals) -> Table {
    let mut rows: Vec<Vec<Cell>> = groups
        .iter()
        .map(|group| rate_row(&group.key, &group.label, &group.totals))
        .collect();
    rows.push(rate_row("total", "合计 total", total));
    Table {
        name: name.to_owned(),
        headers: RATE_HEADERS.to_vec(),
        rows,
    }
}

/// The overview's tables as files hold them: the rate, the trend, the funnel.
pub(crate) fn overview_tables(report: &stats::Overview) -> [Table; 3] {
    [
        rate_table("overview", &[], &report.supporting_rate),
        rate_table("trend", &report.trend, &report.supporting_rate),
        funnel_table(&report.funnel),
    ]
}

/// The name of an exported file: what it holds and the period.
pub(crate) fn file_name(what: &str, period: Period) -> String {
    format!(
        "peitao-{what}-{}-{}",
        format_date(period.first()),
        format_date(period.last())
    )
}

/// The in-province supporting rate (省内配套率) of the caller's scope over a period: the baseline
/// (latest bills of materials, prorated), the current rate after the period's deals, the uplift,
/// and the same by count of categories; in total and per group. How it is computed:
/// `docs/supporting-rate.md`.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(RateParams),
    responses(
        (status = 200, content(
            (RateReportView = "application/json"),
            (String = "text/csv"),
        )),
        Forbidden,
        (status = 422, description = "The period ends before it starts or spans more than ten years, or `exclude` names an unknown category", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/supporting-rate")]
async fn supporting_rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<RateParams>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    stats::scope_of(&actor)?;
    let period = period_of(query.from.as_deref(), query.to.as_deref())?;
    let exclude = match query.exclude.as_deref() {
        None => Vec::new(),
        Some(list) => {
            let codes = list
                .split(',')
                .map(CategoryCode::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| ApiError::BadRequest(format!("exclude: {err}")))?;
            if codes.len() > MAX_EXCLUDED {
                return Err(ApiError::BadRequest(format!(
                    "exclude names {} categories; at most {MAX_EXCLUDED}",
                    codes.len()
                )));
            }
            codes
        }
    };
    let report = stats::supporting_rate(
        &state.store,
        &actor,
        period,
        query.group_by.map(GroupBy::from),
        &exclude,
    )
    .await?;
    match Format::chosen(&req, query.format.map(Format::from)) {
        Format::Csv => csv_response(
            &[rate_table("supporting rate", &report.groups, &report.total)],
            &file_name("supporting-rate", period),
        ),
        _ => Ok(HttpResponse::Ok().json(RateReportView::from(&report))),
    }
}

/// One stage of the funnel.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    /// `needs_published`, `needs_matched`, `quotes`, `needs_quoted`, `needs_awarded`, `deals`
    /// or `deals_fulfilled`.
    pub stage: &'static str,
    pub count: i64,
    /// Needs' estimated value; quotes' offered value; deals' value.
    pub value_fen: i64,
}

/// The pairing funnel of the needs published in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelView {
    #[schema(value_type = String, format = Date)]
    pub from: String,
    #[schema(value_type = String, format = Date)]
    pub to: String,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    pub stages: Vec<StageView>,
    /// Median hours from publishing to the first quote, over needs quoted.
    pub median_hours_to_first_quote: Option<f64>,
    /// Median hours from publishing to the first award, over needs awarded.
    pub median_hours_to_award: Option<f64>,
}

/// The funnel's stages in their order.
pub(crate) fn stages(figures: &FunnelFigures) -> Vec<StageView> {
    [
        ("needs_published", figures.needs_published),
        ("needs_matched", figures.needs_matched),
        ("quotes", figures.quotes),
        ("needs_quoted", figures.needs_quoted),
        ("needs_awarded", figures.needs_awarded),
        ("deals", figures.deals),
        ("deals_fulfilled", figures.deals_fulfilled),
    ]
    .into_iter()
    .map(|(stage, (count, value_fen))| StageView {
        stage,
        count,
        value_fen,
    })
    .collect()
}

fn hours(seconds: Option<f64>) -> Option<f64> {
    seconds.map(|seconds| (seconds / 360.0).round() / 10.0)
}

impl FunnelView {
    fn new(period: Period, figures: &FunnelFigures) -> Self {
        Self {
            from: format_date(period.first()),
            to: format_date(period.last()),
            currency: "CNY",
            stages: stages(figures),
            median_hours_to_first_quote: hours(figures.median_seconds_to_first_quote),
            median_hours_to_award: hours(figures.median_seconds_to_award),
        }
    }
}

fn funnel_table(figures: &FunnelFigures) -> Table {
    let mut rows: Vec<Vec<Cell>> = stages(figures)
        .into_iter()
        .map(|stage| {
            vec![
                stage.stage.into(),
                stage.count.into(),
                stage.value_fen.into(),
                Cell::Number(None),
            ]
        })
        .collect();
    rows.push(vec![
        "median_hours_to_first_quote".into(),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(
            hours(figures.median_seconds_to_first_quote)
                .map_or_else(String::new, |h| h.to_string()),
        ),
    ]);
    rows.push(vec![
        "median_hours_to_award".into(),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(
            hours(figures.median_seconds_to_award).map_or_else(String::new, |h| h.to_string()),
        ),
    ]);
    Table {
        name: "funnel".into(),
        headers: vec!["stage", "count", "value_fen", "hours"],
        rows,
    }
}

/// The pairing funnel of the needs the scope's leads published in the period: published, with an
/// eligible match when published, quotes, quoted, awarded, deals, fulfilled; the value at each
/// stage; median hours to a first quote and to an award.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(PeriodParams),
    responses(
        (status = 200, content(
            (FunnelView = "application/json"),
            (String = "text/csv"),
        )),
        Forbidden,
        (status = 422, description = "The period ends before it starts or spans more than ten years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/funnel")]
async fn funnel(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PeriodParams>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    stats::scope_of(&actor)?;
    let period = period_of(query.from.as_deref(), query.to.as_deref())?;
    let figures = stats::funnel(&state.store, &actor, period).await?;
    match Format::chosen(&req, query.format.map(Format::from)) {
        Format::Csv => csv_response(&[funnel_table(&figures)], &file_name("funnel", period)),
        _ => Ok(HttpResponse::Ok().json(FunnelView::new(period, &figures))),
    }
}

/// The overview's query: like every statistics route, with XLSX besides.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewParams {
    /// The first day (Beijing time), included; twelve months before `to` when absent.
    #[param(schema_with = schemas::date)]
    pub from: Option<String>,
    /// The last day (Beijing time), included; today when absent.
    #[param(schema_with = schemas::date)]
    pub to: Option<String>,
    /// `csv` or `xlsx` for a file; JSON otherwise (also chosen by `Accept`).
    pub format: Option<Format>,
}

/// A scope's headline figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewView {
    #[schema(value_type = String, format = Date)]
    pub from: String,
    #[schema(value_type = String, format = Date)]
    pub to: String,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    pub lead_enterprises: usize,
    pub supporting_rate: RateFiguresView,
    pub funnel: FunnelView,
    /// The supporting rate month by month.
    pub trend: Vec<RateGroupView>,
}

/// A scope's headline figures on one page: the supporting rate with its baseline and uplift, the
/// funnel, and the rate month by month. Also a CSV and an XLSX workbook (one sheet a table).
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(OverviewParams),
    responses(
        (status = 200, content(
            (OverviewView = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        Forbidden,
        (status = 422, description = "The period ends before it starts or spans more than ten years", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/overview")]
async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<OverviewParams>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    stats::scope_of(&actor)?;
    let period = period_of(query.from.as_deref(), query.to.as_deref())?;
    let overview = stats::overview(&state.store, &actor, period).await?;
    let tables = || overview_tables(&overview);
    match Format::chosen(&req, query.format) {
        Format::Csv => csv_response(&tables(), &file_name("overview", period)),
        Format::Xlsx => xlsx_response(&tables(), &file_name("overview", period)),
        Format::Json => Ok(HttpResponse::Ok().json(OverviewView {
            from: format_date(period.first()),
            to: format_date(period.last()),
            currency: "CNY",
            lead_enterprises: overview.lead_enterprises,
            supporting_rate: (&overview.supporting_rate).into(),
            funnel: FunnelView::new(period, &overview.funnel),
            trend: overview.trend.iter().map(RateGroupView::from).collect(),
        })),
    }
}

/// The gap list's query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GapParams {
    /// A category is a gap with fewer eligible in-province suppliers than this: 1 to 100, 3 when
    /// absent (1: only categories no in-province supplier makes).
    #[param(minimum = 1, maximum = 100)]
    pub fewer_than: Option<i64>,
    /// How many gaps: 1 to 100, 20 when absent.
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    /// `csv` for a file; JSON otherwise (also chosen by `Accept: text/csv`).
    pub format: Option<TableFormat>,
}

/// Declared annual capacity in one unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapacityView {
    pub unit: String,
    pub annual: i64,
}

/// A lead enterprise behind a gap.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapLeadView {
    pub id: i64,
    pub name: String,
    /// Its open demand plus baseline sourced outside the province.
    pub demand_fen: i64,
}

/// An out-of-province supplier that could be attracted.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutsideSupplierView {
    pub supplier_id: i64,
    pub name: String,
    pub distance_km: Option<f64>,
    #[schema(schema_with = schemas::score)]
    pub score: f64,
}

/// A category with demand and too few in-province suppliers.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapView {
    pub category_code: String,
    pub category_name: String,
    /// What the list is ranked by: open demand plus baseline sourced outside the province.
    pub demand_fen: i64,
    pub open_demand_fen: i64,
    pub baseline_demand_fen: i64,
    pub baseline_out_of_province_fen: i64,
    pub in_province_suppliers: i64,
    pub in_province_capacity: Vec<CapacityView>,
    pub leads: Vec<GapLeadView>,
    /// The best-matched out-of-province suppliers for the largest lead, nearest first.
    pub nearest_out_of_province: Vec<OutsideSupplierView>,
}

/// The gap list: categories the scope's leads need (open needs, baselines) with fewer than
/// `fewer_than` eligible in-province suppliers, largest demand first, each with the leads behind
/// it and the nearest out-of-province suppliers — investment-attraction (招商) targets.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = [])),
    params(GapParams),
    responses(
        (status = 200, content(
            (Vec<GapView> = "application/json"),
            (String = "text/csv"),
        )),
        Forbidden,
    )
)]
#[get("/stats/gaps")]
async fn gaps(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<GapParams>,
) -> Result<HttpResponse, ApiError> {
    let actor = principal.actor();
    stats::scope_of(&actor)?;
    let fewer_than = query.fewer_than.unwrap_or(3);
    if !(1..=100).contains(&fewer_than) {
        return Err(ApiError::BadRequest(format!(
            "fewer_than must be 1 to 100, not {fewer_than}"
        )));
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=peitao_store::page::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {}, not {limit}",
            peitao_store::page::MAX_LIMIT
        )));
    }
    let found = stats::gaps(
        &state.store,
        &state.matching,
        &actor,
        fewer_than,
        usize::try_from(limit).unwrap_or(20),
    )
    .await?;
    let views = gap_views(&found);
    match Format::chosen(&req, query.format.map(Format::from)) {
        Format::Csv => csv_response(&[gaps_table(&views)], "peitao-gaps"),
        _ => Ok(HttpResponse::Ok().json(views)),
    }
}

/// The gap list's views.
pub(crate) fn gap_views(found: &[stats::Gap]) -> Vec<GapView> {
    found
        .iter()
        .map(|gap| GapView {
            category_code: gap.category.to_string(),
            category_name: gap.category_name.clone(),
            demand_fen: gap.demand_fen(),
            open_demand_fen: gap.open_demand_fen,
            baseline_demand_fen: gap.baseline_demand_fen,
            baseline_out_of_province_fen: gap.baseline_out_of_province_fen,
            in_province_suppliers: gap.supply.suppliers,
            in_province_capacity: gap
                .supply
                .capacity
                .iter()
                .map(|(unit, annual)| CapacityView {
                    unit: unit.clone(),
                    annual: *annual,
                })
                .collect(),
            leads: gap
                .leads
                .iter()
                .map(|(id, name, demand)| GapLeadView {
                    id: id.0,
                    name: name.clone(),
                    demand_fen: *demand,
                })
                .collect(),
            nearest_out_of_province: gap
                .nearest_outside
                .iter()
                .map(|(found, name)| OutsideSupplierView {
                    supplier_id: found.supplier.0,
                    name: name.clone(),
                    distance_km: found.distance_km.map(|km| (km * 10.0).round() / 10.0),
                    score: found.score,
                })
                .collect(),
        })
        .collect()
}

/// The gap list as a table.
pub(crate) fn gaps_table(views: &[GapView]) -> Table {
    let rows = views
        .iter()
        .map(|gap| {
            vec![
                gap.category_code.clone().into(),
                gap.category_name.clone().into(),
                gap.demand_fen.into(),
                gap.open_demand_fen.into(),
                gap.baseline_out_of_province_fen.into(),
                gap.in_province_suppliers.into(),
                Cell::Text(
                    gap.leads
                        .iter()
                        .map(|lead| lead.name.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Cell::Text(
                    gap.nearest_out_of_province
                        .iter()
                        .map(|found| match found.distance_km {
                            Some(km) => format!("{} ({km} km)", found.name),
                            None => found.name.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        })
        .collect();
    Table {
        name: "gaps".into(),
        headers: vec![
            "category_code",
            "category_name",
            "demand_fen",
            "open_demand_fen",
            "baseline_out_of_province_fen",
            "in_province_suppliers",
            "leads",
            "nearest_out_of_province",
        ],
        rows,
    }
}
