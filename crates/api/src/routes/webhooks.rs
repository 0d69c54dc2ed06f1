//! Webhooks: an organisation's endpoints (`/webhooks`), their delivery log and manual re-sends.
//! Lead enterprises and SMEs manage their own organisation's; administrators have none. Each
//! handler calls one use case in `peitao_app::webhooks`.

use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use peitao_app::webhooks::{self, WebhookUpdate};
use peitao_domain::{WebhookDelivery, WebhookDeliveryId, WebhookEndpoint, WebhookEndpointId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Organizations, Principal},
    error::{ApiError, Conflicting, Forbidden, Problem},
    extract::Json,
    openapi::{params::IdPath, schemas},
    routes::pagination::{List, is_id_cursor, page_request},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(retry_delivery);
}

/// A webhook endpoint as registered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    #[schema(schema_with = schemas::webhook_url, example = "https://erp.example.com/peitao/hooks")]
    pub url: String,
    #[schema(schema_with = schemas::event_types, example = json!(["quote.submitted", "deal.created"]))]
    pub event_types: Vec<String>,
}

/// Changes to an endpoint: the version read, and what changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[serde(deserialize_with = "crate::whole::i32")]
    #[schema(schema_with = schemas::version)]
    pub version: i32,
    #[schema(schema_with = schemas::webhook_url)]
    pub url: Option<String>,
    #[schema(schema_with = schemas::event_types)]
    pub event_types: Option<Vec<String>>,
    /// `false` stops deliveries; `true` resumes them and forgets past failures.
    pub enabled: Option<bool>,
}

/// A webhook endpoint. Its secret is shown only when it is created.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    #[schema(schema_with = schemas::event_types)]
    pub event_types: Vec<&'static str>,
    /// Whether deliveries are made; a disabled endpoint gets no new deliveries, and its pending
    /// ones wait until it is enabled again.
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    /// Why it was disabled: by its organisation, or after failed deliveries.
    pub disabled_reason: Option<String>,
    /// Deliveries in a row whose every attempt failed.
    pub consecutive_failures: u32,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<WebhookEndpoint> for WebhookView {
    fn from(endpoint: WebhookEndpoint) -> Self {
        Self {
            id: endpoint.id.0,
            url: endpoint.url,
            event_types: endpoint.event_types.names(),
            enabled: endpoint.enabled,
            disabled_at: endpoint.disabled_at,
            disabled_reason: endpoint.disabled_reason,
            consecutive_failures: endpoint.consecutive_failures,
            version: endpoint.version,
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
        }
    }
}

/// A new endpoint, with the secret that signs its deliveries: shown this once, keep it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_` and the base64 of the signing key, as Standard Webhooks libraries take it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// One event's delivery to the endpoint, with its latest attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    #[schema(example = "quote.submitted")]
    pub event_type: &'static str,
    /// The `webhook-id` header of every attempt: the same for retries and re-sends.
    #[schema(example = "evt_42")]
    pub message_id: String,
    #[schema(schema_with = schemas::delivery_status)]
    pub status: &'static str,
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries only).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The receiver's status code at the latest attempt, if it answered.
    pub last_status_code: Option<u16>,
    /// What went wrong at the latest attempt.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(delivery: WebhookDelivery) -> Self {
        Self {
            id: delivery.id.0,
            webhook_id: delivery.endpoint_id.0,
            event_id: delivery.event_id,
            event_type: delivery.event_kind.as_str(),
            message_id: peitao_domain::webhook::message_id(delivery.event_id),
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at,
            last_attempt_at: delivery.last_attempt_at,
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error,
            created_at: delivery.created_at,
            delivered_at: delivery.delivered_at,
        }
    }
}

/// A page of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::id_cursor)]
    pub cursor: Option<String>,
}

/// A delivery of an endpoint.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The webhook endpoint's id.
    #[param(schema_with = schemas::id)]
    pub id: i64,
    /// The delivery's id.
    #[param(schema_with = schemas::id)]
    pub delivery_id: i64,
}

/// Registers a webhook endpoint for the caller's organisation (lead enterprises and SMEs; at most
/// 20): every event of the listed types that the organisation may see is POSTed to it, signed
/// with the secret in the answer — shown this once. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = WebhookRequest,
    responses(
        (status = 201, body = CreatedWebhookView, headers(("Location" = String, description = "The endpoint's URL"))),
        Forbidden,
        (status = 409, description = "The organisation already has the most endpoints allowed (20)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A value breaks a rule (`validation_failed`), or the URL's host does not resolve within 2 seconds or is or resolves to an internal address (`webhook_target_refused`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post(
    "/webhooks",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn create_webhook(
    state: web::Data<AppState>,
    request: Admitted<Organizations, Json<WebhookRequest>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    let created = webhooks::create(
        &state.store,
        &state.webhooks,
        &principal.actor(),
        &body.url,
        &body.event_types,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/webhooks/{}", created.endpoint.id),
        ))
        .json(CreatedWebhookView {
            webhook: WebhookView::from(created.endpoint),
            secret: created.secret,
        }))
}

/// The caller's organisation's webhook endpoints, oldest first, without their secrets.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = List<WebhookView>), Forbidden)
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PageQuery>,
) -> Result<web::Json<List<WebhookView>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), is_id_cursor)?;
    let page = webhooks::list(&state.store, &principal.actor(), &page).await?;
    Ok(web::Json(List::from_page(page, WebhookView::from)))
}

/// One of the caller's organisation's webhook endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(IdPath),
    responses((status = 200, body = WebhookView), Forbidden)
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let endpoint = webhooks::get(
        &state.store,
        &principal.actor(),
        WebhookEndpointId(id.into_inner()),
    )
    .await?;
    Ok(web::Json(WebhookView::from(endpoint)))
}

/// Changes an endpoint's URL (checked as at registration), its event types, or whether it is
/// enabled; carries the version read. Enabling a disabled endpoint forgets its failures and sends
/// what was left pending.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(IdPath),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, body = WebhookView),
        Forbidden,
        Conflicting,
        (status = 422, description = "A value breaks a rule (`validation_failed`), or the new URL's host does not resolve within 2 seconds or is or resolves to an internal address (`webhook_target_refused`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    request: Admitted<Organizations, Json<UpdateWebhookRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    if body.version < 1 {
        return Err(ApiError::Validation(format!(
            "version {} is not one this webhook has had; send the version you read",
            body.version
        )));
    }
    let endpoint = webhooks::update(
        &state.store,
        &state.webhooks,
        &principal.actor(),
        WebhookEndpointId(id.into_inner()),
        body.version,
        WebhookUpdate {
            url: body.url,
            event_types: body.event_types,
            enabled: body.enabled,
        },
    )
    .await?;
    Ok(web::Json(WebhookView::from(endpoint)))
}

/// Removes an endpoint and its delivery log; nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(IdPath),
    responses((status = 204, description = "Removed"), Forbidden)
)]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(
        &state.store,
        &principal.actor(),
        WebhookEndpointId(id.into_inner()),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of an endpoint, newest first: each event sent to it, its status, attempts,
/// and the latest attempt's status code and error.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(IdPath, PageQuery),
    responses((status = 200, body = List<DeliveryView>), Forbidden)
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<List<DeliveryView>>, ApiError> {
    let page = page_request(query.limit, query.cursor.as_deref(), is_id_cursor)?;
    let page = webhooks::deliveries(
        &state.store,
        &principal.actor(),
        WebhookEndpointId(id.into_inner()),
        &page,
    )
    .await?;
    Ok(web::Json(List::from_page(page, DeliveryView::from)))
}

/// Sends a delivery again now, whatever became of it, with the same `webhook-id` (so a receiver
/// that has it already drops it). The attempt is made in the background: follow it in the log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(DeliveryPath),
    responses(
        (status = 202, body = DeliveryView),
        Forbidden,
        (status = 409, description = "The endpoint is disabled: enable it first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
async fn retry_delivery(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let delivery = webhooks::retry(
        &state.store,
        &state.webhooks,
        &principal.actor(),
        WebhookEndpointId(id),
        WebhookDeliveryId(delivery),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(delivery)))
}
