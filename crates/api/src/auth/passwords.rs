//! Passwords: argon2id with the crate's default parameters, always computed on the blocking pool
//! so a sign-in never stalls the async executor, and a few at a time so a burst cannot exhaust
//! memory.

use std::{sync::LazyLock, time::Duration};

use argon2::{
    Argon2, PasswordHasher, PasswordVerifier,
    password_hash::{self, SaltString, rand_core::OsRng},
};
use peitao_domain::PasswordHash;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// A hash of a random password, verified against when the e-mail is unknown so that the answer
/// takes as long as for a real account.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let password = uuid::Uuid::new_v4().to_string();
    hash_now(&password).ok()
});

fn hash_now(password: &str) -> Result<String, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    password_hash::PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Argon2 with the default parameters takes 19 MiB a run: at most this many run at once, twice
/// the cores, so a burst of sign-ins queues instead of exhausting memory.
static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Semaphore::new(cores * 2)
});

/// How long a request waits for a hashing slot before the server says it is busy.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn with_permit<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = tokio::time::timeout(QUEUE_TIMEOUT, PERMITS.acquire())
        .await
        .map_err(|_| {
            tracing::warn!("password hashing queue is full");
            ApiError::Busy
        })?
        .map_err(|_| ApiError::Internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::Internal)
}

/// Hashes a password that already passed the policy.
pub async fn hash(password: String) -> Result<PasswordHash, ApiError> {
    let phc = with_permit(move || hash_now(&password))
        .await?
        .map_err(|err| {
            tracing::error!(error = %err, "password hashing failed");
            ApiError::Internal
        })?;
    Ok(PasswordHash::new(phc))
}

/// Checks a password against a stored hash, or against a dummy when there is none.
pub async fn verify(password: String, stored: Option<PasswordHash>) -> Result<bool, ApiError> {
    with_permit(move || match stored {
        Some(hash) => verify_now(&password, hash.as_str()),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                verify_now(&password, dummy);
            }
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash_now("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_now("correct horse battery", &phc));
        assert!(!verify_now("correct horse battery!", &phc));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }
}
