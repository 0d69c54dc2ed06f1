//! The platform administrator's imports: a taxonomy or a supplier file (CSV), pasted or picked,
//! imported by the same use cases as `POST /api/v1/imports/…`; a refused file is shown with every
//! problem on its line, and nothing is stored.

use actix_web::{HttpResponse, http::StatusCode, web};
use peitao_app::{
    AppError,
    import::{suppliers, taxonomy},
};
use peitao_domain::Role;
use serde::Serialize;

use super::{
    ConsoleError, Ctx,
    page::redirect,
    session::{Posted, Session},
};
use crate::state::AppState;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/imports", web::get().to(imports_page))
        .route("/admin/imports", web::post().to(import));
}

/// A problem of a refused file.
#[derive(Debug, Serialize)]
struct Problem {
    line: Option<u64>,
    message: String,
}

#[derive(Debug, serde::Deserialize)]
struct Done {
    imported: Option<String>,
    count: Option<usize>,
}

async fn imports_page(ctx: Ctx, session: Session, done: web::Query<Done>) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::PlatformAdmin])?;
        ctx.render(
            Some(&session),
            "admin_imports.html",
            minijinja::context! {
                kind => done.imported.as_deref().unwrap_or("suppliers"),
                imported => done.imported.as_deref().filter(|kind| ["suppliers", "taxonomy"].contains(kind)),
                count => done.count,
                text => "",
                problems => Vec::<Problem>::new(),
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn import(ctx: Ctx, state: web::Data<AppState>, posted: Posted) -> HttpResponse {
    let Posted { session, fields } = posted;
    let kind = fields.get("kind").unwrap_or_default().to_owned();
    let text = fields.get("file").unwrap_or_default().to_owned();
    let result = async {
        session.principal.require(&[Role::PlatformAdmin])?;
        let imported = match kind.as_str() {
            "suppliers" => suppliers::import(&state.store, &text).await.map(|ids| ids.len()),
            "taxonomy" => taxonomy::import(&state.store, &text, taxonomy::Format::Csv)
                .await
                .map(|counts| counts.categories),
            other => {
                return Err(ConsoleError::Api(crate::error::ApiError::Validation(format!(
                    "kind: `{}` is neither suppliers nor taxonomy",
                    peitao_domain::shown(other)
                ))));
            }
        };
        match imported {
            Ok(count) => {
                tracing::info!(kind, imported = count, by = %session.principal.user.id, "imported from the console");
                Ok(redirect(&format!("/admin/imports?imported={kind}&count={count}")))
            }
            Err(AppError::Import(errors)) => {
                let problems: Vec<Problem> = errors
                    .0
                    .into_iter()
                    .map(|problem| Problem {
                        line: problem.line,
                        message: problem.message,
                    })
                    .collect();
                ctx.render_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&session),
                    "admin_imports.html",
                    minijinja::context! {
                        kind => kind,
                        imported => None::<&str>,
                        count => None::<usize>,
                        text => text,
                        problems => problems,
                    },
                )
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    ctx.finish(Some(&session), result)
}
