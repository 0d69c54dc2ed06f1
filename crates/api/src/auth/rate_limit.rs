//! Limits on sign-in and registration attempts, per client IP and per account, on the in-memory
//! backend of `actix-extensible-rate-limit` (fixed windows, per process). Per IP every attempt
//! counts; per account only failures do, so a user who signs in is not held back by them.

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
    trust_forwarded_for: bool,
}

/// A counted attempt on an account; a success takes it back off the count.
pub struct AccountAttempt {
    limits: AuthRateLimits,
    key: String,
}

impl AccountAttempt {
    /// The attempt succeeded, or never got to check the password: it no longer counts against
    /// the account.
    pub async fn forgive(self) {
        if let Some(backend) = self.limits.backend.get() {
            let _ = backend.rollback(self.key).await;
        }
    }
}

impl AuthRateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            backend: Arc::new(OnceLock::new()),
            window: Duration::from_secs(settings.window_secs),
            per_ip: settings.per_ip,
            per_account: settings.per_account,
            trust_forwarded_for: settings.trust_forwarded_for,
        }
    }

    /// Counts an attempt from the client's address against `action`'s limit. The address is the
    /// TCP peer or, when `trust_forwarded_for` is set, the right-most `X-Forwarded-For` entry.
    pub async fn check_ip(&self, action: &str, req: &HttpRequest) -> Result<(), ApiError> {
        let ip = if self.trust_forwarded_for {
            // The right-most entry is the one our proxy added; entries to its left came from the
            // client and could say anything.
            req.headers()
                .get("x-forwarded-for")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .map(|entry| entry.trim().to_owned())
                .filter(|entry| !entry.is_empty())
                .or_else(|| req.peer_addr().map(|addr| addr.ip().to_string()))
        } else {
            req.peer_addr().map(|addr| addr.ip().to_string())
        }
        .unwrap_or_else(|| "unknown".to_owned());
        self.check(format!("{action}:ip:{ip}"), self.per_ip)
            .await
            .map(|_| ())
    }

    /// Counts an attempt on `account` (an e-mail address) against `action`'s limit. Call
    /// [`AccountAttempt::succeeded`] when it succeeds, so only failures count.
    pub async fn check_account(
        &self,
        action: &str,
        account: &str,
    ) -> Result<AccountAttempt, ApiError> {
        let key = self
            .check(format!("{action}:account:{account}"), self.per_account)
            .await?;
        Ok(AccountAttempt {
            limits: self.clone(),
            key,
        })
    }

    async fn check(&self, key: String, max_requests: u64) -> Result<String, ApiError> {
        let input = SimpleInput {
            interval: self.window,
            max_requests,
            key,
        };
        let backend = self
            .backend
            .get_or_init(|| InMemoryBackend::builder().build());
        let (decision, output, rollback): (_, SimpleOutput, _) = match backend.request(input).await
        {
            Ok(result) => result,
            Err(never) => match never {},
        };
        if decision.is_allowed() {
            Ok(rollback)
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
