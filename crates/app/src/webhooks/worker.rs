//! Delivering webhooks. Each process that delivers runs one loop: fan the outbox out into
//! deliveries up to the event feed's watermark (so an event still being committed is never
//! passed), claim due deliveries under a lease, POST each — signed, with a timeout, following no
//! redirect, connecting only to allowed addresses — and record the attempt: 2xx delivered; any
//! other answer or no answer retried after the next wait of the schedule (with jitter), given up
//! after the last. Everything lives in the database, so a process that stops (or dies) leaves
//! nothing behind that another, or its restart, does not pick up.

use std::{sync::Arc, time::Duration};

use peitao_domain::{WebhookHost, WebhookUrl, webhook::forbidden_address, webhook::message_id};
use peitao_store::{AttemptOutcome, AttemptRecord, DeliveryJob, Recorded, Store};
use rand::Rng;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::{sync::Notify, task::JoinSet};

use super::{
    WebhookSettings, signature,
    target::{GuardedResolver, TargetError},
};
use crate::{AppError, events::EventFeed};

/// Events one fan-out reads at most.
const FAN_OUT_BATCH: u64 = 500;
/// What a lease adds to twice an attempt's timeout: the attempt and its recording fit in it.
const LEASE_MARGIN: Duration = Duration::from_secs(1);
/// Each wait of the schedule is stretched or shrunk by up to this fraction, at random, so that
/// deliveries failed together do not all come back together.
const JITTER: f64 = 0.2;
/// The longest a receiver's `Retry-After` may push the next attempt.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The most bytes of a failed answer's body kept in the delivery log.
const MAX_ERROR_BODY: usize = 256;

/// This process's webhook machinery: the settings, the HTTP client, and what wakes the loop.
#[derive(Debug)]
pub struct WebhookService {
    settings: WebhookSettings,
    client: reqwest::Client,
    /// Names this process's leases.
    worker: String,
    wake: Notify,
}

/// The body of every delivery.
#[derive(Serialize)]
struct Message<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    /// When the event occurred, RFC 3339.
    timestamp: String,
    data: &'a serde_json::Value,
}

/// How one attempt went, before it is recorded.
struct Attempt {
    status_code: Option<u16>,
    /// `None` on 2xx.
    error: Option<String>,
    retry_after: Option<Duration>,
}

impl WebhookService {
    /// The service, with an HTTP client that follows no redirect, uses no proxy, times out, and
    /// resolves names through the target policy.
    pub fn new(settings: WebhookSettings) -> Result<Arc<Self>, AppError> {
        // One crypto backend for the whole process: ring. Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .dns_resolver(GuardedResolver(settings.target_policy()))
            .user_agent(concat!("Peitao-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| AppError::Internal(format!("webhook HTTP client: {err}")))?;
        Ok(Arc::new(Self {
            settings,
            client,
            worker: format!("peitao-{}", uuid::Uuid::new_v4().simple()),
            wake: Notify::new(),
        }))
    }

    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Wakes the delivery loop now (a re-send, an endpoint enabled again).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs the delivery loop until the store is closed, unless this process does not deliver.
    pub fn spawn(self: &Arc<Self>, store: Store, feed: Arc<EventFeed>) {
        if !self.settings.deliver {
            return;
        }
        let service = Arc::clone(self);
        tokio::spawn(async move { service.run(store, feed).await });
    }

    async fn run(self: Arc<Self>, store: Store, feed: Arc<EventFeed>) {
        let mut watermark = feed.subscribe();
        let mut attempts = JoinSet::new();
        loop {
            if store.is_closed() {
                attempts.abort_all();
                return;
            }
            if let Err(err) = self.fan_out(&store, &feed).await {
                tracing::warn!(error = %err, "webhooks: could not fan events out");
            }
            let free = self.settings.max_in_flight.saturating_sub(attempts.len());
            if free > 0 {
                match self.claim(&store, free).await {
                    Ok(jobs) => {
                        for job in jobs {
                            let service = Arc::clone(&self);
                            let store = store.clone();
                            attempts.spawn(async move { service.attempt(&store, job).await });
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "webhooks: could not claim deliveries")
                    }
                }
            }
            tokio::select! {
                changed = watermark.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(self.settings.poll).await;
                    }
                }
                () = self.wake.notified() => {}
                Some(_) = attempts.join_next(), if !attempts.is_empty() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// Fans out every event up to the feed's watermark; the deliveries made.
    pub async fn fan_out(&self, store: &Store, feed: &EventFeed) -> Result<usize, AppError> {
        let mut made = 0;
        loop {
            let step = store
                .fan_out_webhooks(feed.watermark(), FAN_OUT_BATCH)
                .await?;
            made += step.deliveries;
            if u64::try_from(step.events).unwrap_or(0) < FAN_OUT_BATCH {
                return Ok(made);
            }
        }
    }

    async fn claim(&self, store: &Store, free: usize) -> Result<Vec<DeliveryJob>, AppError> {
        let now = OffsetDateTime::now_utc();
        let lease = self.settings.timeout * 2 + LEASE_MARGIN;
        Ok(store
            .claim_webhook_deliveries(
                &self.worker,
                now,
                now + lease,
                u64::try_from(free).unwrap_or(1),
            )
            .await?)
    }

    /// Makes one attempt and records it.
    async fn attempt(&self, store: &Store, job: DeliveryJob) {
        let at = OffsetDateTime::now_utc();
        let attempt = self.send(&job, at).await;
        let outcome = match (attempt.error, attempt.status_code) {
            (None, _) => AttemptOutcome::Delivered,
            (Some(error), Some(410)) => AttemptOutcome::Gone { error },
            (Some(error), _) => match self.next_wait(job.attempts + 1, attempt.retry_after) {
                Some(wait) => AttemptOutcome::RetryAt {
                    at: OffsetDateTime::now_utc() + wait,
                    error,
                },
                None => AttemptOutcome::GaveUp { error },
            },
        };
        tracing::debug!(
            delivery = job.delivery.0,
            webhook = job.endpoint.0,
            event = job.event.id,
            status = ?attempt.status_code,
            outcome = ?outcome,
            "webhook attempt"
        );
        let record = AttemptRecord {
            at,
            status_code: attempt.status_code,
            outcome,
        };
        match store
            .record_webhook_attempt(
                &self.worker,
                &job,
                &record,
                self.settings.disable_after_failures,
            )
            .await
        {
            Ok(Recorded::Done) => {}
            Ok(Recorded::EndpointDisabled) => tracing::warn!(
                webhook = job.endpoint.0,
                organization = job.organization.0,
                "webhook disabled after failed deliveries"
            ),
            Ok(Recorded::LeaseLost) => tracing::warn!(
                delivery = job.delivery.0,
                "webhook attempt not recorded: it outlived its lease, or its endpoint was deleted"
            ),
            Err(err) => tracing::warn!(
                delivery = job.delivery.0,
                error = %err,
                "webhooks: could not record an attempt; it will be made again"
            ),
        }
    }

    /// The wait before attempt `made + 1`, after `made` attempts; `None` once the schedule is
    /// spent.
    fn next_wait(&self, made: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let index = usize::try_from(made).ok()?.checked_sub(1)?;
        let planned = *self.settings.retry_schedule.get(index)?;
        let jittered = planned.mul_f64(rand::rng().random_range(1.0 - JITTER..=1.0 + JITTER));
        Some(match retry_after {
            Some(asked) => jittered.max(asked.min(MAX_RETRY_AFTER)),
            None => jittered,
        })
    }

    async fn send(&self, job: &DeliveryJob, at: OffsetDateTime) -> Attempt {
        let failed = |error: String| Attempt {
            status_code: None,
            error: Some(error),
            retry_after: None,
        };
        let url = match WebhookUrl::parse(&job.url) {
            Ok(url) => url,
            Err(err) => return failed(err.to_string()),
        };
        // A name is checked by the resolver as the connection is made; an address written in the
        // URL never reaches a resolver, so it is checked here.
        if let WebhookHost::Ip(ip) = url.host()
            && !self.settings.allow_private_targets
            && let Some(kind) = forbidden_address(*ip)
        {
            return failed(
                TargetError::Forbidden {
                    host: ip.to_string(),
                    kind,
                }
                .to_string(),
            );
        }
        let body = match serde_json::to_vec(&Message {
            kind: &job.event.kind,
            timestamp: job
                .event
                .occurred_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            data: &job.event.payload,
        }) {
            Ok(body) => body,
            Err(err) => return failed(format!("the event does not serialise: {err}")),
        };
        let id = message_id(job.event.id);
        let timestamp = at.unix_timestamp();
        let signature = match signature::sign(&job.secret, &id, timestamp, &body) {
            Ok(signature) => signature,
            Err(err) => return failed(err.to_string()),
        };
        let response = self
            .client
            .post(url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) => return failed(describe(&err)),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt {
                status_code: Some(status.as_u16()),
                error: None,
                retry_after: None,
            };
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut error = if status.is_redirection() {
            format!("answered {status}; redirects are not followed: register the final URL instead")
        } else {
            format!("answered {status}")
        };
        if let Some(excerpt) = excerpt(response).await {
            error.push_str(": ");
            error.push_str(&excerpt);
        }
        Attempt {
            status_code: Some(status.as_u16()),
            error: Some(error),
            retry_after,
        }
    }
}

/// The start of a failed answer's body, if it comes within the attempt's time.
async fn excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(MAX_ERROR_BODY);
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().flat_map(char::escape_debug).collect())
}

/// A transport error with its causes: reqwest's own message rarely says what went wrong.
fn describe(err: &reqwest::Error) -> String {
    let mut message = if err.is_timeout() {
        "no answer in time".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
