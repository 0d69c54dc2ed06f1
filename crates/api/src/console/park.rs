//! The park administrator's overview (also a lead enterprise's own figures and, for a platform
//! administrator, the whole province): the supporting rate now, its baseline and uplift, the
//! trend by month, the funnel, the gap list with the leads behind each gap, and the exports.

use actix_web::{HttpResponse, web};
use peitao_app::stats;

use super::{ConsoleError, Ctx, page::percent, session::Session};
use crate::{
    export::{csv_response, xlsx_response},
    routes::stats::{file_name, gap_views, gaps_table, overview_tables, stages},
    state::AppState,
};

/// How many gaps the page lists, and with fewer than how many in-province suppliers a category
/// counts as one: the API's defaults.
const GAPS_SHOWN: usize = 20;
const GAP_BELOW: i64 = 3;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/park", web::get().to(overview))
        .route("/park/exports/{file}", web::get().to(export));
}

async fn overview(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        let actor = session.actor();
        let period = stats::period(None, None)?;
        let overview = stats::overview(&state.store, &actor, period).await?;
        let gaps =
            stats::gaps(&state.store, &state.matching, &actor, GAP_BELOW, GAPS_SHOWN).await?;
        let rate = &overview.supporting_rate;
        let stages = stages(&overview.funnel);
        let trend = serde_json::json!({
            "months": overview.trend.iter().map(|group| group.key.clone()).collect::<Vec<_>>(),
            "rates": overview
                .trend
                .iter()
                .map(|group| group.totals.current.rate().map(|rate| (rate * 1000.0).round() / 10.0))
                .collect::<Vec<_>>(),
        });
        let funnel_chart = serde_json::json!({
            "stages": stages.iter().map(|stage| stage.stage).collect::<Vec<_>>(),
            "counts": stages.iter().map(|stage| stage.count).collect::<Vec<_>>(),
        });
        ctx.render(
            Some(&session),
            "park.html",
            minijinja::context! {
                from => peitao_domain::format_date(period.first()),
                to => peitao_domain::format_date(period.last()),
                rate_now => percent(rate.current.rate()),
                rate_baseline => percent(rate.baseline.rate()),
                uplift_points => rate.uplift().map(|uplift| format!("{:+.1}", uplift * 100.0)),
                in_province_fen => rate.current.in_province,
                total_fen => rate.current.total(),
                deals_fen => rate.deals.total(),
                lead_enterprises => overview.lead_enterprises,
                stages => stages,
                trend => trend,
                funnel_chart => funnel_chart,
                gaps => gap_views(&gaps),
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

/// The overview as an XLSX workbook or a CSV file, and the gap list as CSV: the same files the
/// API's `?format=` answers, for the signed-in browser.
async fn export(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let actor = session.actor();
        stats::scope_of(&actor)?;
        let period = stats::period(None, None)?;
        match file.as_str() {
            "overview.xlsx" | "overview.csv" => {
                let overview = stats::overview(&state.store, &actor, period).await?;
                let tables = overview_tables(&overview);
                let name = file_name("overview", period);
                Ok(if file.ends_with(".xlsx") {
                    xlsx_response(&tables, &name)?
                } else {
                    csv_response(&tables, &name)?
                })
            }
            "gaps.csv" => {
                let gaps =
                    stats::gaps(&state.store, &state.matching, &actor, GAP_BELOW, GAPS_SHOWN)
                        .await?;
                Ok(csv_response(
                    &[gaps_table(&gap_views(&gaps))],
                    "peitao-gaps",
                )?)
            }
            other => Err(ConsoleError::Api(crate::error::ApiError::NotFound(
                format!("no export {}", peitao_domain::shown(other)),
            ))),
        }
    }
    .await;
    ctx.finish(Some(&session), result)
}
