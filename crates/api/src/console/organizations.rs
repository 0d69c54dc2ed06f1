//! Organisations to verify: a park administrator's park's, every one for a platform
//! administrator, unverified first; each verified or turned down with a note that its history
//! keeps, by the same use case as `POST /api/v1/organizations/{id}/verification`.

use actix_web::{HttpResponse, web};
use peitao_app::organizations;
use peitao_domain::OrganizationId;
use serde::Deserialize;

use super::{
    ConsoleError, Ctx,
    page::redirect,
    session::{Posted, Session},
};
use crate::{error::ApiError, routes::views::OrganizationView, state::AppState};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations", web::get().to(list)).route(
        "/organizations/{id}/verification",
        web::post().to(set_verification),
    );
}

#[derive(Debug, Deserialize)]
struct Shown {
    /// `unverified` (the default), `verified` or `all`.
    show: Option<String>,
    /// The organisation just changed, and how.
    done: Option<i64>,
    verified: Option<bool>,
}

/// The verification filter a `show` value names.
fn filter_of(show: &str) -> Result<Option<bool>, ConsoleError> {
    match show {
        "unverified" => Ok(Some(false)),
        "verified" => Ok(Some(true)),
        "all" => Ok(None),
        other => Err(ConsoleError::Api(ApiError::Validation(format!(
            "show: `{}` is none of unverified, verified, all",
            peitao_domain::shown(other)
        )))),
    }
}

async fn list(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    shown: web::Query<Shown>,
) -> HttpResponse {
    let result = async {
        let show = shown.show.as_deref().unwrap_or("unverified");
        let listed =
            organizations::to_verify(&state.store, &session.actor(), filter_of(show)?).await?;
        let items: Vec<OrganizationView> = listed.into_iter().map(OrganizationView::from).collect();
        ctx.render(
            Some(&session),
            "organizations.html",
            minijinja::context! {
                show => show,
                organizations => items,
                limit => organizations::LISTED,
                done => shown.done,
                done_verified => shown.verified,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn set_verification(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let result = async {
        let fields = &posted.fields;
        let verified = match fields.get("verified") {
            Some("true") => true,
            Some("false") => false,
            _ => {
                return Err(ConsoleError::Api(ApiError::Validation(
                    "verified: neither true nor false".into(),
                )));
            }
        };
        let org = organizations::set_verification(
            &state.store,
            &posted.session.actor(),
            OrganizationId(id.into_inner()),
            verified,
            fields.get("note").unwrap_or_default(),
        )
        .await?;
        tracing::info!(organization = %org.id, verified = org.verified, by = %posted.session.principal.user.id, "verification set from the console");
        let show = fields
            .text("show")
            .filter(|show| filter_of(show).is_ok())
            .unwrap_or_else(|| "unverified".into());
        Ok(redirect(&format!(
            "/organizations?show={show}&done={}&verified={}",
            org.id, org.verified
        )))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}
