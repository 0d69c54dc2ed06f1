//! Limits on sign-in and registration attempts, per client IP and per account, on the in-memory
//! backend of `actix-extensible-rate-limit` (fixed windows).

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use actix_extensible_rate_limit::backend::{
    Backend, SimpleInput, SimpleOutput, memory::InMemoryBackend,
};
use actix_web::HttpRequest;

use crate::{error::ApiError, settings::RateLimitSettings};

/// The counters behind the auth routes' limits. One per process; cheap to clone.
#[derive(Clone)]
pub struct AuthRateLimits {
    /// Made on first use: the backend's garbage collector must be spawned on an actix worker,
    /// which exists only once the server runs. All workers share the one backend.
    backend: Arc<OnceLock<InMemoryBackend>>,
    window: Duration,
    per_ip: u64,
    per_account: u64,
}

impl AuthRateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            backend: Arc::new(OnceLock::new()),
            window: Duration::from_secs(settings.window_secs),
            per_ip: settings.per_ip,
            per_account: settings.per_account,
        }
    }

    /// Counts an attempt from the request's peer address against `action`'s limit.
    pub async fn check_ip(&self, action: &str, req: &HttpRequest) -> Result<(), ApiError> {
        let ip = req
            .peer_addr()
            .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string());
        self.check(format!("{action}:ip:{ip}"), self.per_ip).await
    }

    /// Counts an attempt on `account` (an e-mail address) against `action`'s limit.
    pub async fn check_account(&self, action: &str, account: &str) -> Result<(), ApiError> {
        self.check(format!("{action}:account:{account}"), self.per_account)
            .await
    }

    async fn check(&self, key: String, max_requests: u64) -> Result<(), ApiError> {
        let input = SimpleInput {
            interval: self.window,
            max_requests,
            key,
        };
        let backend = self
            .backend
            .get_or_init(|| InMemoryBackend::builder().build());
        let (decision, output, _rollback): (_, SimpleOutput, _) = match backend.request(input).await
        {
            Ok(result) => result,
            Err(never) => match never {},
        };
        if decision.is_allowed() {
            Ok(())
        } else {
            let wait = output
                .reset
                .saturating_duration_since(tokio::time::Instant::now());
            Err(ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            })
        }
    }
}
