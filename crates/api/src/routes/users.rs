//! Administrator accounts, created by platform administrators.

use actix_web::{HttpResponse, post, web};
use peitao_app::accounts::{NewAdministrator, create_administrator};
use peitao_domain::{Email, ParkId, Role, text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::Principal,
    error::{ApiError, Conflicting, Forbidden},
    middleware::idempotency::ReplayBody,
    openapi::schemas,
    routes::views::UserView,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_user);
}

/// A park or platform administrator to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(schema_with = schemas::email)]
    pub email: String,
    #[schema(schema_with = schemas::display_name)]
    pub display_name: String,
    #[schema(schema_with = schemas::administrator_role, example = "park_admin")]
    pub role: String,
    /// Required for a park administrator.
    #[serde(default, deserialize_with = "crate::whole::option_i64")]
    #[schema(schema_with = schemas::nullable_id)]
    pub park_id: Option<i64>,
    /// Omit to have one generated and returned once.
    #[schema(schema_with = schemas::password)]
    pub password: Option<String>,
}

/// The created administrator.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreateUserResponse {
    pub user: UserView,
    /// Present only when the password was generated: shown this once, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Creates a park or platform administrator (platform administrators only).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = CreateUserResponse),
        Forbidden,
        Conflicting,
    )
)]
#[post(
    "/users",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::extract::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::PlatformAdmin])?;
    let body = body.into_inner();
    let created = create_administrator(
        &state.store,
        NewAdministrator {
            email: Email::parse(&body.email)?,
            display_name: text::DISPLAY_NAME.parse(&body.display_name)?,
            role: Role::parse(&body.role)?,
            park_id: body.park_id.map(ParkId),
            password: body.password,
        },
    )
    .await?;
    tracing::info!(created = %created.user.id, by = %principal.user.id, "administrator created");
    // A retry with the same Idempotency-Key gets the user again, but not the password: it is
    // shown once and never stored.
    let replay = serde_json::to_string(&CreateUserResponse {
        user: UserView::from(&created.user),
        generated_password: None,
    })
    .map_err(|_| ApiError::Internal)?;
    let mut response = HttpResponse::Created().json(CreateUserResponse {
        user: UserView::from(&created.user),
        generated_password: created.generated_password,
    });
    response.extensions_mut().insert(ReplayBody(replay));
    Ok(response)
}
