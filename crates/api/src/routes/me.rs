//! Who am I: the signed-in user, their organisation and role.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::ApiError,
    routes::views::{OrganizationView, UserView},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me);
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    /// The user's organisation; `null` for administrators.
    pub organization: Option<OrganizationView>,
    pub role: &'static str,
}

/// The signed-in user, their organisation and their role.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeResponse),
    )
)]
#[get("/me")]
async fn me(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<MeResponse>, ApiError> {
    let organization = match principal.organization_id() {
        Some(id) => Some(OrganizationView::from(state.store.organization(id).await?)),
        None => None,
    };
    Ok(web::Json(MeResponse {
        user: UserView::from(&principal.user),
        organization,
        role: principal.role().as_str(),
    }))
}
