//! The platform administrator's users: every account, newest first, with its role, organisation
//! or park and whether it is disabled (and why); an account disabled with a reason by the same use
//! case as `POST /api/v1/users/{id}/disable`.

use actix_web::{HttpResponse, web};
use peitao_app::accounts;
use peitao_domain::{Role, UserId};
use serde::{Deserialize, Serialize};

use super::{
    ConsoleError, Ctx,
    page::redirect,
    session::{Posted, Session},
};
use crate::{error::ApiError, routes::views::UserView, state::AppState};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(list))
        .route("/admin/users/{id}/disable", web::post().to(disable));
}

#[derive(Debug, Deserialize)]
struct Shown {
    role: Option<String>,
    disabled: Option<i64>,
}

/// A user row: the API's view with when it was created and its disabling.
#[derive(Debug, Serialize)]
struct UserRow {
    #[serde(flatten)]
    user: UserView,
    created_at: String,
    disabled_at: Option<String>,
    disabled_reason: Option<String>,
}

async fn list(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    shown: web::Query<Shown>,
) -> HttpResponse {
    let result = async {
        let role = match shown.role.as_deref().filter(|role| !role.is_empty()) {
            Some(role) => Some(Role::parse(role).map_err(|_| {
                ConsoleError::Api(ApiError::Validation(format!(
                    "role: `{}` is no role",
                    peitao_domain::shown(role)
                )))
            })?),
            None => None,
        };
        let listed = accounts::list_users(&state.store, &session.actor(), role).await?;
        let rows: Vec<UserRow> = listed
            .into_iter()
            .map(|listed| UserRow {
                user: UserView::from(&listed.user),
                created_at: peitao_domain::format_date(listed.created_at.date()),
                disabled_at: listed
                    .disabled_at
                    .map(|at| peitao_domain::format_date(at.date())),
                disabled_reason: listed.disabled_reason,
            })
            .collect();
        ctx.render(
            Some(&session),
            "admin_users.html",
            minijinja::context! {
                users => rows,
                role => role.map(|role| role.as_str()),
                roles => [Role::Lead, Role::Sme, Role::ParkAdmin, Role::PlatformAdmin].map(|role| role.as_str()),
                limit => accounts::USERS_LISTED,
                me => session.principal.user.id.0,
                disabled => shown.disabled,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn disable(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let result = async {
        let disabled = accounts::disable_user(
            &state.store,
            &posted.session.actor(),
            UserId(id.into_inner()),
            posted.fields.get("reason").unwrap_or_default(),
        )
        .await?;
        tracing::info!(user = %disabled.user.id, by = %posted.session.principal.user.id, "user disabled from the console");
        Ok(redirect(&format!("/admin/users?disabled={}", disabled.user.id)))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}
