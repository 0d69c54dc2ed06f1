//! Industrial chains and their graphs: which categories feed which.

use std::collections::BTreeSet;

use actix_web::{get, web};
use peitao_domain::{CategoryCode, ChainId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, OrNotFound},
    routes::{pagination::List, reference::CategoryView, stats::CapacityView},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_chains).service(chain_graph);
}

/// A named industrial chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainView {
    pub id: i64,
    #[schema(example = "automotive")]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// An edge of the chain graph: `upstream` is an input to `downstream`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub upstream: String,
    pub downstream: String,
}

/// How well the province covers one category of the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeCoverageView {
    pub category_code: String,
    /// Eligible in-province SMEs (an enabled user; verified when matching requires it) declaring
    /// a capability in the category or one below it.
    pub in_province_suppliers: i64,
    /// Their declared annual capacity, by unit.
    pub in_province_capacity: Vec<CapacityView>,
    /// Open needs' remaining estimated value in the category, of the caller's scope (a lead its
    /// own, a park administrator its park's, platform administrators all); `null` for SMEs.
    pub open_demand_fen: Option<i64>,
    /// The baselines' annual value of the category, same scope; `null` for SMEs.
    pub baseline_demand_fen: Option<i64>,
}

/// A chain with its categories (the nodes), links (the edges) and each node's coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainGraphView {
    pub chain: ChainView,
    pub nodes: Vec<CategoryView>,
    pub edges: Vec<LinkView>,
    /// One entry per node, in the order of `nodes`.
    pub coverage: Vec<NodeCoverageView>,
}

/// Every chain, by code (signed-in users). Chains are few: one page holds them all.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<ChainView>),
    )
)]
#[get("/chains")]
async fn list_chains(
    state: web::Data<AppState>,
    _principal: Principal,
) -> Result<web::Json<List<ChainView>>, ApiError> {
    Ok(web::Json(List {
        items: chain_views(&state).await?,
        next_cursor: None,
    }))
}

/// Every chain, by code: what `GET /chains` lists and the console's chain map offers.
pub(crate) async fn chain_views(state: &AppState) -> Result<Vec<ChainView>, ApiError> {
    let chains = state.store.list_chains().await?;
    Ok(chains
        .into_iter()
        .map(|chain| ChainView {
            id: chain.id.0,
            code: chain.code,
            name_zh: chain.name_zh,
            name_en: chain.name_en,
        })
        .collect())
}

/// One chain's graph: its categories and upstream → downstream links, with each category's
/// in-province suppliers and capacity, and the demand the caller may see (signed-in users).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    responses(
        (status = 200, body = ChainGraphView),
    )
)]
#[get("/chains/{id}/graph")]
async fn chain_graph(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<ChainGraphView>, ApiError> {
    Ok(web::Json(
        graph_view(&state, &principal, ChainId(id.into_inner())).await?,
    ))
}

/// One chain's graph with each node's coverage as `principal` may see it: what
/// `GET /chains/{id}/graph` answers and the console's chain map draws.
pub(crate) async fn graph_view(
    state: &AppState,
    principal: &Principal,
    id: ChainId,
) -> Result<ChainGraphView, ApiError> {
    let chain = state
        .store
        .chain(id)
        .await
        .or_not_found(format!("chain {}", id.0))?;
    let links = state.store.chain_links(id).await?;
    let codes: Vec<CategoryCode> = links
        .iter()
        .flat_map(|link| [link.upstream.clone(), link.downstream.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let nodes: Vec<CategoryView> = state
        .store
        .categories_by_codes(&codes)
        .await?
        .into_iter()
        .map(CategoryView::from)
        .collect();
    let mut coverage = peitao_app::stats::chain_coverage(
        &state.store,
        &state.matching,
        &principal.actor(),
        &codes,
    )
    .await?;
    let coverage = nodes
        .iter()
        .map(|node| {
            let found = CategoryCode::parse(&node.code)
                .ok()
                .and_then(|code| coverage.remove(&code))
                .unwrap_or_default();
            NodeCoverageView {
                category_code: node.code.clone(),
                in_province_suppliers: found.supply.suppliers,
                in_province_capacity: found
                    .supply
                    .capacity
                    .into_iter()
                    .map(|(unit, annual)| CapacityView { unit, annual })
                    .collect(),
                open_demand_fen: found.open_demand_fen,
                baseline_demand_fen: found.baseline_demand_fen,
            }
        })
        .collect();
    Ok(ChainGraphView {
        chain: ChainView {
            id: chain.id.0,
            code: chain.code,
            name_zh: chain.name_zh,
            name_en: chain.name_en,
        },
        nodes,
        edges: links
            .into_iter()
            .map(|link| LinkView {
                upstream: link.upstream.to_string(),
                downstream: link.downstream.to_string(),
            })
            .collect(),
        coverage,
    })
}
