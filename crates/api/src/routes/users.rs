//! User accounts as platform administrators manage them: administrators created, users disabled.

use actix_web::{HttpResponse, post, web};
use peitao_app::accounts::{NewAdministrator, create_administrator, disable_user};
use peitao_domain::{Email, ParkId, Role, UserId, text};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, PlatformAdmins},
    error::{ApiError, Conflicting, Forbidden},
    middleware::idempotency::ReplayBody,
    openapi::schemas,
    routes::views::UserView,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_user).service(disable);
}

/// Why a user is disabled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableUserRequest {
    #[schema(schema_with = schemas::reason, example = "Left the company")]
    pub reason: String,
}

/// A disabled user: when, why and by whom.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisabledUserView {
    pub user: UserView,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub disabled_at: OffsetDateTime,
    pub disabled_reason: String,
    /// The platform administrator who disabled it.
    pub disabled_by: Option<i64>,
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
    request: Admitted<PlatformAdmins, crate::extract::Json<CreateUserRequest>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
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

/// Disables a user (platform administrators): its access tokens stop working at once and its
/// refresh tokens are revoked. Disabling a disabled user answers as the first time did; an
/// administrator cannot disable itself (409).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(crate::openapi::params::IdPath),
    request_body = DisableUserRequest,
    responses(
        (status = 200, body = DisabledUserView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/users/{id}/disable")]
async fn disable(
    state: web::Data<AppState>,
    request: Admitted<PlatformAdmins, crate::extract::Json<DisableUserRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<DisabledUserView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let disabled = disable_user(
        &state.store,
        &principal.actor(),
        UserId(id.into_inner()),
        &body.into_inner().reason,
    )
    .await?;
    tracing::info!(disabled = %disabled.user.id, by = %principal.user.id, "user disabled");
    Ok(web::Json(DisabledUserView {
        user: UserView::from(&disabled.user),
        disabled_at: disabled.at,
        disabled_reason: disabled.reason,
        disabled_by: disabled.by.map(|user| user.0),
    }))
}
