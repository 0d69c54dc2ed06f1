//! Registration, sign-in, token refresh and sign-out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use peitao_app::accounts::{self, Registration};
use peitao_domain::{
    Email, OrganizationKind, ParkId, RegionCode, User, parse_organization_name, text,
};
use peitao_store::{RefreshOutcome, StoreError};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::tokens,
    error::{ApiError, Conflicting, Problem},
    openapi::schemas,
    routes::views::{OrganizationView, UserView},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh)
        .service(logout);
}

/// A new account and the organisation it belongs to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(schema_with = schemas::email, example = "buyer@dongfeng.example")]
    pub email: String,
    #[schema(schema_with = schemas::password)]
    pub password: String,
    #[schema(schema_with = schemas::display_name, example = "Li Wei")]
    pub display_name: String,
    pub organization: NewOrganizationRequest,
}

/// The organisation registered with the first account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationRequest {
    #[schema(schema_with = schemas::organization_name)]
    pub name: String,
    /// `lead` (a lead enterprise that sources) or `sme` (a supplier).
    #[schema(schema_with = schemas::organization_kind, example = "sme")]
    pub kind: String,
    /// The six-digit code of the county-level region it sits in.
    #[schema(schema_with = schemas::region_code, example = "420606")]
    pub region_code: String,
    /// A park in the same prefecture, or `null`.
    #[serde(default, deserialize_with = "crate::whole::option_i64")]
    #[schema(schema_with = schemas::nullable_id)]
    pub park_id: Option<i64>,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A refresh token, to rotate or to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A fresh pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; use once at `/auth/refresh`, which returns its successor.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// The registered account, its organisation and its first tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    pub user: UserView,
    pub organization: OrganizationView,
    #[serde(flatten)]
    pub tokens: TokenResponse,
}

/// Registers a lead enterprise or an SME with its first user, and signs that user in.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse),
        Conflicting,
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::extract::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state.auth_limits.check_ip("register", &req).await?;
    let body = body.into_inner();
    let (user, organization) = accounts::register(
        &state.store,
        Registration {
            email: Email::parse(&body.email)?,
            password: body.password,
            display_name: text::DISPLAY_NAME.parse(&body.display_name)?,
            organization_name: parse_organization_name(&body.organization.name)?,
            kind: OrganizationKind::parse(&body.organization.kind)?,
            region_code: RegionCode::parse(&body.organization.region_code)?,
            park_id: body.organization.park_id.map(ParkId),
        },
    )
    .await?;
    tracing::info!(user_id = %user.id, organization_id = %organization.id, "registered");
    let tokens = issue_tokens(&state, &user, tokens::new_family_id()).await?;
    Ok(HttpResponse::Created().json(RegisterResponse {
        user: UserView::from(&user),
        organization: OrganizationView::from(organization),
        tokens,
    }))
}

/// Signs in with e-mail and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::extract::Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let body = body.into_inner();
    let user = crate::auth::sign_in(&state, &req, &body.email, body.password).await?;
    let tokens = issue_tokens(&state, &user, tokens::new_family_id()).await?;
    Ok(web::Json(tokens))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used one
/// signs out every session descending from the same sign-in.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    body: crate::extract::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let hash = tokens::hash_refresh_token(&body.refresh_token);
    match state.store.consume_refresh_token(&hash).await? {
        RefreshOutcome::Rotated { user_id, family_id } => {
            let user = state
                .store
                .active_user(user_id)
                .await
                .map_err(|err| match err {
                    StoreError::NotFound => invalid_refresh_token(),
                    other => other.into(),
                })?;
            Ok(web::Json(issue_tokens(&state, &user, family_id).await?))
        }
        RefreshOutcome::Replayed => {
            tracing::warn!(token_hash_prefix = %&hash[..8], "refresh token replayed; family revoked");
            Err(ApiError::Unauthorized(
                "this refresh token was used before; every session from the same sign-in is now \
                 signed out"
                    .into(),
            ))
        }
        RefreshOutcome::Invalid => Err(invalid_refresh_token()),
    }
}

/// Signs out: revokes the refresh token and every token rotated from the same sign-in.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    body: crate::extract::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = tokens::hash_refresh_token(&body.refresh_token);
    state.store.revoke_refresh_token_family(&hash).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn invalid_refresh_token() -> ApiError {
    ApiError::Unauthorized("the refresh token is unknown, expired or revoked".into())
}

async fn issue_tokens(
    state: &AppState,
    user: &User,
    family_id: String,
) -> Result<TokenResponse, ApiError> {
    let access_token = state.tokens.issue(user).map_err(|err| {
        tracing::error!(error = %err, "could not sign an access token");
        ApiError::Internal
    })?;
    let refresh_token = tokens::new_refresh_token();
    let ttl = i64::try_from(state.tokens.refresh_ttl_secs()).unwrap_or(i64::MAX);
    state
        .store
        .insert_refresh_token(
            user.id,
            &family_id,
            &tokens::hash_refresh_token(&refresh_token),
            OffsetDateTime::now_utc() + Duration::seconds(ttl),
        )
        .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs(),
    })
}
