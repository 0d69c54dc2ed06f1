//! What every handler can reach: the store, metrics, token keys, rate limits and settings.

use std::sync::Arc;

use peitao_domain::ProvinceCode;
use peitao_store::Store;

use crate::{
    auth::{rate_limit::AuthRateLimits, tokens::TokenKeys},
    middleware::metrics::Metrics,
};

/// Shared application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub home_province: ProvinceCode,
    pub tokens: TokenKeys,
    pub auth_limits: AuthRateLimits,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The HMAC key of request-body fingerprints kept for idempotency.
    pub fingerprint_key: [u8; 32],
    /// This process's matching engine.
    pub matching: Arc<peitao_app::matching::MatchingEngine>,
    /// How far this process may read the outbox.
    pub events: Arc<peitao_app::events::EventFeed>,
    /// Webhook settings, and the delivery loop to wake.
    pub webhooks: Arc<peitao_app::webhooks::WebhookService>,
}
