//! Signing as the Standard Webhooks specification has it, so receivers verify with the libraries
//! they already use: the secret is `whsec_` and the base64 of random bytes; the signed content is
//! `{webhook-id}.{webhook-timestamp}.{body}`; the `webhook-signature` header is `v1,` and the
//! base64 of its HMAC-SHA256 under the decoded secret.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a secret: the specification asks for 24 to 64.
const SECRET_BYTES: usize = 32;

/// A secret that does not decode: only a stored row damaged by hand can hold one.
#[derive(Debug, thiserror::Error)]
#[error("the endpoint's signing secret is not `whsec_` and base64")]
pub struct BadSecret;

/// A fresh signing secret, `whsec_…`.
pub fn new_secret() -> String {
    let mut key = [0_u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header of `body` sent as message `id` at `timestamp` (seconds since
/// the epoch).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, BadSecret> {
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or(BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of the specification's reference library (standard-webhooks, `libraries/rust`,
    /// `test_sign`).
    #[test]
    fn the_reference_vector_signs_alike() {
        assert_eq!(
            sign(
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1_649_367_553,
                br#"{"email":"test@example.com","username":"test_user"}"#,
            )
            .unwrap(),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn secrets_are_prefixed_base64_of_32_random_bytes() {
        let secret = new_secret();
        let key = STANDARD
            .decode(secret.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(key.len(), SECRET_BYTES);
        assert_ne!(new_secret(), secret);
        assert!(sign("not-a-secret", "evt_1", 1, b"{}").is_err());
    }
}
