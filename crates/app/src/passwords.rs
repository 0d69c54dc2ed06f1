//! Passwords: argon2id with the crate's default parameters, computed on a small fixed pool of
//! hashing threads (see [`crate::hashing_pool`]) so a sign-in never stalls the async executor and
//! a burst of sign-ins cannot grow memory: each thread reuses one buffer.

use std::{sync::LazyLock, time::Duration};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{self, Output, ParamsString, Salt, SaltString, rand_core::OsRng},
};
use peitao_domain::PasswordHash;

use crate::{
    AppError,
    hashing_pool::{HashingPool, Memory},
};

/// The parameters of new hashes: the crate's defaults, m=19456 (19 MiB), t=2, p=1.
const PARAMS: Params = Params::DEFAULT;

/// How long a request waits for a hashing thread before the server says it is busy.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Twice the cores, each thread keeping one buffer for [`PARAMS`]: hashing memory is bounded by
/// `2 × cores × 19 MiB` (76 MiB on two cores), and a burst of sign-ins queues instead.
static POOL: LazyLock<HashingPool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    HashingPool::new(cores * 2, PARAMS.block_count(), QUEUE_TIMEOUT)
});

/// Computes argon2 of `password` and `salt` into an output of `len` bytes, on `memory`.
fn compute(
    memory: &mut Memory,
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    len: usize,
) -> Result<Output, password_hash::Error> {
    memory.with_blocks(argon2.params().block_count(), |blocks| {
        Output::init_with(len, |out| {
            Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)?)
        })
    })
}

/// A new PHC string for `password` with a random salt: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`,
/// exactly what `Argon2::hash_password` writes.
fn hash_with(
    memory: &mut Memory,
    params: &Params,
    password: &str,
) -> Result<String, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0; Salt::MAX_LENGTH];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(memory, &argon2, password, salt_bytes, len)?;
    Ok(password_hash::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches the PHC string `phc`, computed with the algorithm, version and
/// parameters written in `phc` (as `Argon2::verify_password` does) and compared in constant time.
fn verify_with(memory: &mut Memory, password: &str, phc: &str) -> bool {
    matches(memory, password, phc).unwrap_or(false)
}

fn matches(memory: &mut Memory, password: &str, phc: &str) -> Result<bool, password_hash::Error> {
    let parsed = password_hash::PasswordHash::new(phc)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let mut salt_bytes = [0; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = compute(memory, &argon2, password, salt_bytes, expected.len())?;
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

/// Checks `password` against `stored`; with no stored hash (an unknown, malformed or disabled
/// account), hashes it anyway with the same parameters so the answer takes as long, and says no.
fn verify_in(memory: &mut Memory, password: &str, stored: Option<&PasswordHash>) -> bool {
    match stored {
        Some(hash) => verify_with(memory, password, hash.as_str()),
        None => {
            let _ = hash_with(memory, &PARAMS, password);
            false
        }
    }
}

/// Hashes a password that already passed the policy.
pub async fn hash(password: String) -> Result<PasswordHash, AppError> {
    let phc = POOL
        .run(move |memory| hash_with(memory, &PARAMS, &password))
        .await?
        .map_err(|err| AppError::Internal(format!("password hashing failed: {err}")))?;
    Ok(PasswordHash::new(phc))
}

/// Checks a password against a stored hash, or against a dummy when there is none.
pub async fn verify(password: String, stored: Option<PasswordHash>) -> Result<bool, AppError> {
    POOL.run(move |memory| verify_in(memory, &password, stored.as_ref()))
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    /// The largest `Params::new(m, …)` the small test pools keep a buffer for, in blocks.
    const SMALL_BUFFER: usize = 64;

    fn small(m_cost: u32, t_cost: u32, p_cost: u32) -> Params {
        Params::new(m_cost, t_cost, p_cost, None).unwrap()
    }

    fn phc_from_the_plain_crate(argon2: &Argon2<'_>, password: &str) -> PasswordHash {
        let salt = SaltString::generate(&mut OsRng);
        PasswordHash::new(
            argon2
                .hash_password(password.as_bytes(), &salt)
                .unwrap()
                .to_string(),
        )
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(
            stored
                .as_str()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            stored.as_str()
        );
        assert!(
            verify("correct horse battery".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horse battery!".into(), Some(stored))
                .await
                .unwrap()
        );
        // However many runs the tests above and beside this one made, the process-wide pool
        // never holds more buffers than threads.
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        assert!(POOL.buffers_allocated() <= cores * 2);
        assert_eq!(POOL.one_off_allocations(), 0);
    }

    #[tokio::test]
    async fn hashes_of_the_plain_crate_and_of_the_pool_verify_in_both_directions() {
        let from_crate = phc_from_the_plain_crate(&Argon2::default(), "tr0ub4dor&3 horse");
        assert!(
            verify("tr0ub4dor&3 horse".into(), Some(from_crate.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("tr0ub4dor&3 horsE".into(), Some(from_crate))
                .await
                .unwrap()
        );

        let from_pool = hash("tr0ub4dor&3 horse".into()).await.unwrap();
        let parsed = password_hash::PasswordHash::new(from_pool.as_str()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"tr0ub4dor&3 horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"tr0ub4dor&3 horsE", &parsed)
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_worker_reuses_its_one_buffer_run_after_run() {
        let pool = HashingPool::new(1, SMALL_BUFFER, QUEUE_TIMEOUT);
        let params = small(64, 1, 1);
        for round in 0..5 {
            let password = format!("password number {round}");
            let phc = {
                let password = password.clone();
                let params = params.clone();
                pool.run(move |memory| hash_with(memory, &params, &password))
                    .await
                    .unwrap()
                    .unwrap()
            };
            // What earlier runs left in the buffer changes nothing: the plain crate, with fresh
            // memory, agrees.
            let parsed = password_hash::PasswordHash::new(&phc).unwrap();
            let plain = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
            assert!(plain.verify_password(password.as_bytes(), &parsed).is_ok());
            assert!(
                pool.run(move |memory| verify_with(memory, &password, &phc))
                    .await
                    .unwrap()
            );
        }
        assert_eq!(pool.buffers_allocated(), 1, "ten runs, one buffer");
        assert_eq!(pool.one_off_allocations(), 0);
    }

    #[tokio::test]
    async fn stored_hashes_are_verified_with_their_own_parameters() {
        let pool = HashingPool::new(1, SMALL_BUFFER, QUEUE_TIMEOUT);
        let cases = [
            // Fits in part of the worker's buffer.
            (
                Argon2::new(Algorithm::Argon2id, Version::V0x13, small(16, 3, 1)),
                0,
            ),
            // Another algorithm and version, two lanes.
            (
                Argon2::new(Algorithm::Argon2i, Version::V0x10, small(32, 1, 2)),
                0,
            ),
            // Needs more than the worker keeps: a one-off buffer, then back to the worker's.
            (
                Argon2::new(Algorithm::Argon2id, Version::V0x13, small(256, 1, 1)),
                1,
            ),
        ];
        let mut one_offs = 0;
        for (argon2, needs_one_off) in cases {
            let stored = phc_from_the_plain_crate(&argon2, "an older hash");
            let right = pool
                .run({
                    let stored = stored.clone();
                    move |memory| verify_in(memory, "an older hash", Some(&stored))
                })
                .await
                .unwrap();
            let wrong = pool
                .run(move |memory| verify_in(memory, "an older hasH", Some(&stored)))
                .await
                .unwrap();
            assert!(right && !wrong, "{argon2:?}");
            one_offs += 2 * needs_one_off;
            assert_eq!(pool.one_off_allocations(), one_offs, "{argon2:?}");
        }
        assert_eq!(pool.buffers_allocated(), 1);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies_but_costs_a_hash() {
        assert!(!verify("anything at all".into(), None).await.unwrap());

        let pool = HashingPool::new(1, PARAMS.block_count(), QUEUE_TIMEOUT);
        assert!(
            !pool
                .run(|memory| verify_in(memory, "anything at all", None))
                .await
                .unwrap()
        );
        // The dummy ran argon2 with the default parameters in the worker's buffer.
        assert_eq!(pool.buffers_allocated(), 1);
        assert_eq!(pool.one_off_allocations(), 0);
    }

    #[tokio::test]
    async fn what_is_not_a_phc_string_never_verifies() {
        for stored in ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA"] {
            let stored = PasswordHash::new(stored.to_owned());
            assert!(!verify("anything".into(), Some(stored)).await.unwrap());
        }
    }

    #[tokio::test]
    async fn a_request_that_finds_every_worker_busy_past_the_timeout_is_told_so() {
        let pool = Arc::new(HashingPool::new(1, 8, Duration::from_millis(50)));
        let (started, running) = tokio::sync::oneshot::channel();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move {
                pool.run(move |_| {
                    started.send(()).unwrap();
                    held.recv().unwrap();
                    1
                })
                .await
            }
        });
        running.await.unwrap();

        assert!(matches!(pool.run(|_| 2).await, Err(AppError::Busy)));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(pool.run(|_| 3).await.unwrap(), 3);
    }
}
