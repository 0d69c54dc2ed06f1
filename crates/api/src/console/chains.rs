//! The chain map: a chain's categories drawn as a graph (upstream → downstream), each node
//! coloured by how well the province covers it and sized by the open demand the viewer may see,
//! from the same graph as `GET /api/v1/chains/{id}/graph`; a table under it holds the same figures.

use actix_web::{HttpResponse, web};
use peitao_domain::ChainId;
use serde::{Deserialize, Serialize};

use super::{Ctx, i18n::Lang, session::Session};
use crate::{
    routes::chains::{ChainGraphView, chain_views, graph_view},
    state::AppState,
};

/// With fewer in-province suppliers than this a category is thin; with none it is a gap. The
/// gap list's default threshold.
const COVERED_FROM: i64 = 3;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/park/chains", web::get().to(chain_map));
}

#[derive(Debug, Deserialize)]
struct Chosen {
    chain: Option<i64>,
}

/// A node as the page shows it.
#[derive(Debug, Serialize)]
struct NodeRow {
    code: String,
    name: String,
    /// `gap`, `thin` or `covered`.
    coverage: &'static str,
    suppliers: i64,
    open_demand_fen: Option<i64>,
    baseline_demand_fen: Option<i64>,
}

/// How well `suppliers` in-province suppliers cover a category.
fn coverage_class(suppliers: i64) -> &'static str {
    match suppliers {
        0 => "gap",
        n if n < COVERED_FROM => "thin",
        _ => "covered",
    }
}

fn rows(graph: &ChainGraphView, lang: Lang) -> Vec<NodeRow> {
    graph
        .nodes
        .iter()
        .zip(&graph.coverage)
        .map(|(node, coverage)| NodeRow {
            code: node.code.clone(),
            name: match lang {
                Lang::Zh => node.name_zh.clone(),
                Lang::En => node.name_en.clone(),
            },
            coverage: coverage_class(coverage.in_province_suppliers),
            suppliers: coverage.in_province_suppliers,
            open_demand_fen: coverage.open_demand_fen,
            baseline_demand_fen: coverage.baseline_demand_fen,
        })
        .collect()
}

/// What the chart script draws: nodes with their class and figures, and the links.
fn chart_data(graph: &ChainGraphView, rows: &[NodeRow]) -> serde_json::Value {
    serde_json::json!({
        "nodes": rows.iter().map(|row| serde_json::json!({
            "id": row.code,
            "name": row.name,
            "coverage": row.coverage,
            "suppliers": row.suppliers,
            "open_demand_yuan": row.open_demand_fen.map(|fen| fen / 100),
        })).collect::<Vec<_>>(),
        "links": graph.edges.iter().map(|edge| serde_json::json!({
            "source": edge.upstream,
            "target": edge.downstream,
        })).collect::<Vec<_>>(),
    })
}

async fn chain_map(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    chosen: web::Query<Chosen>,
) -> HttpResponse {
    let result = async {
        let chains = chain_views(&state).await?;
        let chosen = chosen
            .chain
            .or_else(|| chains.first().map(|chain| chain.id));
        let graph = match chosen {
            Some(id) => Some(graph_view(&state, &session.principal, ChainId(id)).await?),
            None => None,
        };
        let rows = graph
            .as_ref()
            .map(|graph| rows(graph, ctx.lang))
            .unwrap_or_default();
        let demand_shown = rows.iter().any(|row| row.open_demand_fen.is_some());
        ctx.render(
            Some(&session),
            "park_chains.html",
            minijinja::context! {
                chains => chains,
                chosen => chosen,
                chart => graph.as_ref().map(|graph| chart_data(graph, &rows)),
                edges => graph.as_ref().map(|graph| graph.edges.len()).unwrap_or_default(),
                rows => rows,
                demand_shown => demand_shown,
                covered_from => COVERED_FROM,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_a_gap_fewer_than_three_thin_three_covered() {
        assert_eq!(coverage_class(0), "gap");
        assert_eq!(coverage_class(2), "thin");
        assert_eq!(coverage_class(3), "covered");
    }
}
