//! Matches, explained: suppliers ranked for a need (its owner, its park's administrator and
//! platform administrators), why one supplier is or is not among them, and the open needs an SME
//! could answer, ranked for it. Every score comes with its six components and the weights that
//! combine them.

use actix_web::{get, web};
use peitao_app::matching::{self, MatchQuery};
use peitao_domain::{NeedId, OrganizationId, format_date};
use peitao_matching::{Components, Explanation, Weights};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Forbidden},
    openapi::schemas,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(need_matches)
        .service(explain_match)
        .service(my_matches);
}

/// What to rank.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// How many matches: 1 to 100, 20 when absent.
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    /// Leave out matches scoring below this.
    #[param(schema_with = schemas::score)]
    pub min_score: Option<f64>,
    /// Only in-province (`true`) or only out-of-province (`false`) matches.
    pub in_province: Option<bool>,
}

impl MatchParams {
    fn query(&self) -> Result<MatchQuery, ApiError> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=peitao_store::page::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must be 1 to {}, not {limit}",
                peitao_store::page::MAX_LIMIT
            )));
        }
        if let Some(min) = self.min_score
            && !(0.0..=1.0).contains(&min)
        {
            return Err(ApiError::BadRequest(format!(
                "min_score must be from 0 to 1, not {min}"
            )));
        }
        Ok(MatchQuery {
            limit: usize::try_from(limit).unwrap_or(20),
            min_score: self.min_score,
            in_province: self.in_province,
        })
    }
}

/// The six components of a score, each from 0 to 1.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentsView {
    /// How close the supplier's capability is to the need's category in the taxonomy: 1 for the
    /// category itself, a little less for a narrower one, much less for a generalist.
    #[schema(schema_with = schemas::score)]
    pub category_fit: f64,
    /// How near its nearest plant is: 1 in the delivery county, then the prefecture, the
    /// province; outside the province, lower still and falling with distance.
    #[schema(schema_with = schemas::score)]
    pub proximity: f64,
    /// How much of the quantity its spare capacity covers.
    #[schema(schema_with = schemas::score)]
    pub capacity: f64,
    /// Its delivery record (on time, quality), weighed against a newcomer's prior.
    #[schema(schema_with = schemas::score)]
    pub scorecard: f64,
    /// Its best official title valid on the deadline.
    #[schema(schema_with = schemas::score)]
    pub credentials: f64,
    /// Whether it already supplies a neighbouring link of the chain (to this buyer: 1).
    #[schema(schema_with = schemas::score)]
    pub chain_adjacency: f64,
}

impl From<&Components> for ComponentsView {
    fn from(components: &Components) -> Self {
        Self {
            category_fit: components.category_fit,
            proximity: components.proximity,
            capacity: components.capacity,
            scorecard: components.scorecard,
            credentials: components.credentials,
            chain_adjacency: components.chain_adjacency,
        }
    }
}

/// The weight of each component in the score, as configured (they sum to 1).
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightsView {
    pub category_fit: f64,
    pub proximity: f64,
    pub capacity: f64,
    pub scorecard: f64,
    pub credentials: f64,
    pub chain_adjacency: f64,
}

impl From<&Weights> for WeightsView {
    fn from(weights: &Weights) -> Self {
        let total: f64 = weights.components().iter().map(|(_, weight)| weight).sum();
        let share = |weight: f64| if total > 0.0 { weight / total } else { 0.0 };
        Self {
            category_fit: share(weights.category_fit),
            proximity: share(weights.proximity),
            capacity: share(weights.capacity),
            scorecard: share(weights.scorecard),
            credentials: share(weights.credentials),
            chain_adjacency: share(weights.chain_adjacency),
        }
    }
}

/// A supplier ranked for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierMatchView {
    pub supplier_id: i64,
    pub name: String,
    /// The county it is registered in.
    pub region_code: String,
    /// The weighted mean of the components.
    #[schema(schema_with = schemas::score)]
    pub score: f64,
    pub components: ComponentsView,
    /// Whether its plant nearest the delivery county lies in the home province.
    pub in_province: bool,
    /// Great-circle kilometres between that plant's county seat and the delivery county's;
    /// `null` when a seat is unknown.
    pub distance_km: Option<f64>,
    /// The category of the capability the match rests on.
    pub matched_category: String,
}

/// Suppliers ranked for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedMatchesView {
    pub need_id: i64,
    pub weights: WeightsView,
    pub items: Vec<SupplierMatchView>,
}

/// Kilometres to a tenth.
fn tenth(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

fn rounded(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn components(components: &Components) -> ComponentsView {
    let mut view = ComponentsView::from(components);
    for value in [
        &mut view.category_fit,
        &mut view.proximity,
        &mut view.capacity,
        &mut view.scorecard,
        &mut view.credentials,
        &mut view.chain_adjacency,
    ] {
        *value = rounded(*value);
    }
    view
}

/// Suppliers ranked for a need, best first (ties by supplier id), each with its score, the six
/// components behind it, whether it is in the province and how far its nearest plant is. Hard
/// filters come first: an inactive organisation (or an unverified one when verification is
/// required), a required certification not valid through the deadline, the need's visibility,
/// no spare capacity. To the need's owner, its park's administrator and platform administrators.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath, MatchParams),
    responses((status = 200, body = NeedMatchesView), Forbidden)
)]
#[get("/needs/{id}/matches")]
async fn need_matches(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    params: web::Query<MatchParams>,
) -> Result<web::Json<NeedMatchesView>, ApiError> {
    let query = params.query()?;
    let (need, matches) = matching::for_need(
        &state.store,
        &state.matching,
        &principal.actor(),
        NeedId(id.into_inner()),
        query,
    )
    .await?;
    let items = supplier_match_views(&state, &matches).await?;
    Ok(web::Json(NeedMatchesView {
        need_id: need.id.0,
        weights: WeightsView::from(&state.matching.settings().weights),
        items,
    }))
}

/// The ranked suppliers with their names and counties.
pub(crate) async fn supplier_match_views(
    state: &AppState,
    matches: &[peitao_matching::SupplierMatch],
) -> Result<Vec<SupplierMatchView>, ApiError> {
    let ids: Vec<OrganizationId> = matches.iter().map(|found| found.supplier).collect();
    // From the engine, which holds every supplier it ranks: no query.
    let labels = state.matching.labels(&ids);
    Ok(matches
        .iter()
        .zip(labels)
        .map(|(found, label)| {
            let (name, region) = label
                .map(|label| (label.name.into_string(), label.region_code.to_string()))
                .unwrap_or_default();
            SupplierMatchView {
                supplier_id: found.supplier.0,
                name,
                region_code: region,
                score: rounded(found.score),
                components: components(&found.components),
                in_province: found.in_province,
                distance_km: found.distance_km.map(tenth),
                matched_category: found.matched_category.to_string(),
            }
        })
        .collect())
}

/// A filter that keeps a supplier out.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExclusionView {
    /// Stable: `inactive`, `not_verified`, `certification_missing`, `certification_expires`,
    /// `not_in_province`, `not_invited`, `no_capability`, `no_spare_capacity`, …
    pub code: &'static str,
    /// The reason in a sentence.
    pub message: String,
}

/// Why one supplier is ranked as it is for a need, or what keeps it out.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchExplanationView {
    pub need_id: i64,
    pub supplier_id: i64,
    pub name: String,
    /// Whether it passes every filter.
    pub eligible: bool,
    /// Its score, when eligible.
    #[schema(schema_with = schemas::nullable_score)]
    pub score: Option<f64>,
    pub components: Option<ComponentsView>,
    pub in_province: Option<bool>,
    pub distance_km: Option<f64>,
    pub matched_category: Option<String>,
    /// Every filter it fails, when not eligible.
    pub exclusions: Vec<ExclusionView>,
    pub weights: WeightsView,
}

/// For one supplier: its score and components, or every filter that excludes it and why ("the
/// certification IATF16949 expires on 2026-12-31, before the deadline 2027-01-15") — the answer
/// to "why is my usual supplier not listed?". To those who may see the need's matches.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The need's id.", minimum = 1),
        ("supplier_id" = i64, Path, description = "The supplier's organisation id.", minimum = 1),
    ),
    responses((status = 200, body = MatchExplanationView), Forbidden)
)]
#[get("/needs/{id}/matches/{supplier_id}")]
async fn explain_match(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<web::Json<MatchExplanationView>, ApiError> {
    let (need, supplier) = path.into_inner();
    let supplier = OrganizationId(supplier);
    let (need, explanation) = matching::explain(
        &state.store,
        &state.matching,
        &principal.actor(),
        NeedId(need),
        supplier,
    )
    .await?;
    Ok(web::Json(
        explanation_view(&state, need.id, supplier, explanation).await?,
    ))
}

/// Why a supplier is ranked as it is for a need, or what keeps it out.
pub(crate) async fn explanation_view(
    state: &AppState,
    need: NeedId,
    supplier: OrganizationId,
    explanation: Explanation,
) -> Result<MatchExplanationView, ApiError> {
    let name = state
        .matching
        .labels(&[supplier])
        .pop()
        .flatten()
        .map(|label| label.name.into_string())
        .unwrap_or_default();
    let mut view = MatchExplanationView {
        need_id: need.0,
        supplier_id: supplier.0,
        name,
        eligible: false,
        score: None,
        components: None,
        in_province: None,
        distance_km: None,
        matched_category: None,
        exclusions: Vec::new(),
        weights: WeightsView::from(&state.matching.settings().weights),
    };
    match explanation {
        Explanation::Eligible(found) => {
            view.eligible = true;
            view.score = Some(rounded(found.score));
            view.components = Some(components(&found.components));
            view.in_province = Some(found.in_province);
            view.distance_km = found.distance_km.map(tenth);
            view.matched_category = Some(found.matched_category.to_string());
        }
        Explanation::Excluded(exclusions) => {
            view.exclusions = exclusions
                .iter()
                .map(|exclusion| ExclusionView {
                    code: exclusion.code(),
                    message: exclusion.to_string(),
                })
                .collect();
        }
        Explanation::UnknownSupplier => {
            return Err(ApiError::NotFound(format!("supplier {supplier}")));
        }
    }
    Ok(view)
}

/// A need ranked for the SME asking.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedMatchView {
    pub need_id: i64,
    pub title: String,
    pub lead_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub response_deadline: String,
    #[schema(schema_with = schemas::score)]
    pub score: f64,
    pub components: ComponentsView,
    /// Whether the SME's plant nearest the delivery county lies in the home province.
    pub in_province: bool,
    pub distance_km: Option<f64>,
    /// The SME's capability the match rests on.
    pub matched_category: String,
}

/// Needs ranked for an SME.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierMatchesView {
    pub weights: WeightsView,
    pub items: Vec<NeedMatchView>,
}

/// The open needs the signed-in SME may see and could answer (every filter passed: visibility,
/// certifications valid through the deadline, spare capacity), ranked for it with the same
/// explanation leads see.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(MatchParams),
    responses((status = 200, body = SupplierMatchesView), Forbidden)
)]
#[get("/suppliers/me/matches")]
async fn my_matches(
    state: web::Data<AppState>,
    principal: Principal,
    params: web::Query<MatchParams>,
) -> Result<web::Json<SupplierMatchesView>, ApiError> {
    let query = params.query()?;
    let matches = matching::for_supplier(&state.matching, &principal.actor(), query).await?;
    let items = need_match_views(&state, &matches).await?;
    Ok(web::Json(SupplierMatchesView {
        weights: WeightsView::from(&state.matching.settings().weights),
        items,
    }))
}

/// The needs ranked for an SME, with their titles and deadlines.
pub(crate) async fn need_match_views(
    state: &AppState,
    matches: &[peitao_matching::NeedMatch],
) -> Result<Vec<NeedMatchView>, ApiError> {
    let ids: Vec<NeedId> = matches.iter().map(|found| found.need).collect();
    let labels = state.store.need_labels(&ids).await?;
    Ok(matches
        .iter()
        .filter_map(|found| {
            let (title, deadline) = labels.get(&found.need)?;
            Some(NeedMatchView {
                need_id: found.need.0,
                title: title.clone(),
                lead_id: found.lead.0,
                response_deadline: rfc3339(*deadline),
                score: rounded(found.score),
                components: components(&found.components),
                in_province: found.in_province,
                distance_km: found.distance_km.map(tenth),
                matched_category: found.matched_category.to_string(),
            })
        })
        .collect())
}

fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format_date(moment.date()))
}
