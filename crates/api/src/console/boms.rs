//! A lead enterprise's bills of materials: its uploads, a new one sent as a CSV or XLSX file
//! (refused whole, with every problem on its line), and each one's coverage by in-province
//! suppliers, by the same use cases as `POST /api/v1/boms` and `GET /api/v1/boms/{id}/coverage`.

use actix_web::{HttpResponse, http::StatusCode, web};
use peitao_app::{
    AppError,
    boms::{self, BomFormat},
};
use peitao_domain::{BomId, Role};
use peitao_store::page::PageRequest;
use serde::Serialize;

use super::{
    ConsoleError, Ctx,
    page::{percent, redirect},
    session::{Session, Uploaded},
};
use crate::{
    error::ApiError,
    routes::boms::{BomSummaryView, coverage_view},
    state::AppState,
};

/// How many uploads the page lists, newest first.
const LISTED: u64 = 50;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lead/boms", web::get().to(list))
        .route("/lead/boms", web::post().to(upload))
        .route("/lead/boms/{id}", web::get().to(coverage));
}

/// A problem of a refused file.
#[derive(Debug, Serialize)]
struct Problem {
    line: Option<u64>,
    message: String,
}

async fn render_list(
    ctx: &Ctx,
    session: &Session,
    state: &AppState,
    status: StatusCode,
    name: &str,
    problems: Vec<Problem>,
) -> Result<HttpResponse, ConsoleError> {
    session.principal.require(&[Role::Lead])?;
    let page = boms::list(
        &state.store,
        &session.actor(),
        &PageRequest::new(Some(LISTED), None),
    )
    .await?;
    let items: Vec<BomSummaryView> = page.items.into_iter().map(BomSummaryView::from).collect();
    ctx.render_with(
        status,
        Some(session),
        "lead_boms.html",
        minijinja::context! { boms => items, name => name, problems => problems },
    )
}

async fn list(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = render_list(&ctx, &session, &state, StatusCode::OK, "", Vec::new()).await;
    ctx.finish(Some(&session), result)
}

/// The format of an uploaded file, by its name: a workbook or CSV.
fn format_of(file_name: &str) -> BomFormat {
    if file_name.to_ascii_lowercase().ends_with(".xlsx") {
        BomFormat::Xlsx
    } else {
        BomFormat::Csv
    }
}

async fn upload(ctx: Ctx, state: web::Data<AppState>, uploaded: Uploaded) -> HttpResponse {
    let Uploaded {
        session,
        fields,
        files,
    } = uploaded;
    let name = fields.get("name").unwrap_or_default().to_owned();
    let result = async {
        let file = files
            .into_iter()
            .find(|file| file.field == "file" && !file.file_name.is_empty())
            .ok_or_else(|| {
                ConsoleError::Api(ApiError::Validation("file: no file was chosen".into()))
            })?;
        let uploaded = boms::upload(
            &state.store,
            &state.matching,
            &session.actor(),
            &name,
            &file.bytes,
            format_of(&file.file_name),
        )
        .await;
        match uploaded {
            Ok(bom) => {
                tracing::info!(bom = %bom.id, lines = bom.lines.len(), "bill of materials uploaded from the console");
                Ok(redirect(&format!("/lead/boms/{}", bom.id)))
            }
            Err(AppError::Import(errors)) => {
                let problems = errors
                    .0
                    .into_iter()
                    .map(|problem| Problem {
                        line: problem.line,
                        message: problem.message,
                    })
                    .collect();
                render_list(
                    &ctx,
                    &session,
                    &state,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &name,
                    problems,
                )
                .await
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn coverage(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let result = async {
        let coverage = boms::coverage(
            &state.store,
            &state.matching,
            &session.actor(),
            BomId(id.into_inner()),
        )
        .await?;
        let view = coverage_view(coverage, state.home_province);
        ctx.render(
            Some(&session),
            "lead_bom.html",
            minijinja::context! {
                current_rate => percent(view.current_rate),
                potential_rate => percent(view.potential_rate),
                coverage => view,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}
