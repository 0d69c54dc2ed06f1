//! Webhooks: an organisation registers endpoints and the event types each wants; every event of
//! those types that the organisation may see is delivered to them, signed as the Standard
//! Webhooks specification has it, retried on failure, and logged. The use cases here manage the
//! endpoints; [`worker`] fans the outbox out into deliveries and makes them.
//!
//! Only lead enterprises and SMEs hold endpoints, for their own organisation: administrators have
//! none, and another organisation's endpoint reads as missing.

pub mod signature;
pub mod target;
pub mod worker;

use std::time::Duration;

use peitao_domain::{
    EventTypes, OrganizationId, Role, WebhookDelivery, WebhookDeliveryId, WebhookEndpoint,
    WebhookEndpointId, WebhookUrl, webhook::MAX_ENDPOINTS,
};
use peitao_store::{Page, PageRequest, RetryOutcome, Store, WebhookChanges};
pub use target::{TargetError, TargetPolicy};
pub use worker::WebhookService;

use crate::{AppError, error::OrNotFound, needs::Actor};

/// How webhooks are checked and delivered; `[webhooks]` in the configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Loopback, private and link-local targets allowed (tests, on-premises receivers).
    pub allow_private_targets: bool,
    /// Whether this process fans events out and makes deliveries.
    pub deliver: bool,
    /// How often the worker looks for due deliveries when nothing wakes it.
    pub poll: Duration,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// How long a host name may take to resolve.
    pub dns_timeout: Duration,
    /// The waits before the second, third… attempt; a delivery is given up after the last.
    pub retry_schedule: Vec<Duration>,
    /// Deliveries in a row given up before the endpoint is disabled.
    pub disable_after_failures: u32,
    /// Attempts one process makes at once.
    pub max_in_flight: usize,
}

impl WebhookSettings {
    /// The target policy of registrations and deliveries.
    pub fn target_policy(&self) -> TargetPolicy {
        TargetPolicy {
            allow_private: self.allow_private_targets,
            dns_timeout: self.dns_timeout,
        }
    }
}

/// A new endpoint and its secret, which is shown this once.
#[derive(Debug, Clone)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// The changes a PATCH asks for, as sent.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

fn owner(actor: &Actor) -> Result<OrganizationId, AppError> {
    match (actor.role, actor.organization) {
        (Role::Lead | Role::Sme, Some(organization)) => Ok(organization),
        _ => Err(AppError::Forbidden(
            "webhooks belong to a lead enterprise or an SME; administrators have none".into(),
        )),
    }
}

fn missing(id: WebhookEndpointId) -> String {
    format!("webhook {id}")
}

fn parse_url(raw: &str) -> Result<WebhookUrl, AppError> {
    Ok(WebhookUrl::parse(raw)?)
}

async fn check_target(url: &WebhookUrl, policy: TargetPolicy) -> Result<(), AppError> {
    target::check(url, policy)
        .await
        .map_err(|err| AppError::RefusedTarget(format!("url: {err}")))
}

/// Registers an endpoint for the actor's organisation: a URL whose host is public (or allowed)
/// and resolves, at least one event type, at most [`MAX_ENDPOINTS`] endpoints.
pub async fn create(
    store: &Store,
    service: &WebhookService,
    actor: &Actor,
    url: &str,
    event_types: &[String],
) -> Result<CreatedWebhook, AppError> {
    let organization = owner(actor)?;
    let url = parse_url(url)?;
    let event_types = EventTypes::parse(event_types)?;
    check_target(&url, service.settings().target_policy()).await?;
    let secret = signature::new_secret();
    let endpoint = store
        .create_webhook(organization, &url, &event_types, &secret, MAX_ENDPOINTS)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "an organisation registers at most {MAX_ENDPOINTS} webhooks; delete one first"
            ))
        })?;
    Ok(CreatedWebhook { endpoint, secret })
}

/// The actor's organisation's endpoints, oldest first.
pub async fn list(
    store: &Store,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<WebhookEndpoint>, AppError> {
    Ok(store.webhooks(owner(actor)?, page).await?)
}

/// One of the actor's organisation's endpoints.
pub async fn get(
    store: &Store,
    actor: &Actor,
    id: WebhookEndpointId,
) -> Result<WebhookEndpoint, AppError> {
    store
        .webhook(owner(actor)?, id)
        .await
        .or_not_found(missing(id))
}

/// Changes an endpoint read at `version`: its URL (checked as at registration), its event types,
/// or whether it is enabled — enabling it again forgets its failures.
pub async fn update(
    store: &Store,
    service: &WebhookService,
    actor: &Actor,
    id: WebhookEndpointId,
    version: i32,
    update: WebhookUpdate,
) -> Result<WebhookEndpoint, AppError> {
    let organization = owner(actor)?;
    store
        .webhook(organization, id)
        .await
        .or_not_found(missing(id))?;
    let changes = WebhookChanges {
        url: update.url.as_deref().map(parse_url).transpose()?,
        event_types: update
            .event_types
            .as_deref()
            .map(EventTypes::parse)
            .transpose()?,
        enabled: update.enabled,
    };
    if let Some(url) = &changes.url {
        check_target(url, service.settings().target_policy()).await?;
    }
    let updated = store
        .update_webhook(organization, id, version, &changes)
        .await
        .or_not_found(missing(id))?;
    if changes.enabled == Some(true) {
        // Deliveries left pending while it was disabled go now.
        service.wake();
    }
    Ok(updated)
}

/// Removes an endpoint and its delivery log.
pub async fn delete(store: &Store, actor: &Actor, id: WebhookEndpointId) -> Result<(), AppError> {
    store
        .delete_webhook(owner(actor)?, id)
        .await
        .or_not_found(missing(id))
}

/// The delivery log of an endpoint, newest first.
pub async fn deliveries(
    store: &Store,
    actor: &Actor,
    id: WebhookEndpointId,
    page: &PageRequest,
) -> Result<Page<WebhookDelivery>, AppError> {
    store
        .webhook_deliveries(owner(actor)?, id, page)
        .await
        .or_not_found(missing(id))
}

/// Sends a delivery again now, whatever became of it, with the same `webhook-id`. A disabled
/// endpoint is refused: enable it first.
pub async fn retry(
    store: &Store,
    service: &WebhookService,
    actor: &Actor,
    id: WebhookEndpointId,
    delivery: WebhookDeliveryId,
) -> Result<WebhookDelivery, AppError> {
    match store
        .retry_webhook_delivery(owner(actor)?, id, delivery)
        .await
        .or_not_found(format!("delivery {delivery} of webhook {id}"))?
    {
        RetryOutcome::Scheduled(delivery) => {
            service.wake();
            Ok(delivery)
        }
        RetryOutcome::EndpointDisabled => Err(AppError::Conflict(format!(
            "webhook {id} is disabled; enable it (PATCH with \"enabled\": true) before re-sending"
        ))),
    }
}
