//! Cross-site request forgery: every console form carries a token bound to the session — the
//! HMAC of the session token under a server key — checked before anything changes. A page on
//! another site can make a browser send the cookie, but cannot read the token.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::tokens::hex_of;

/// The server key of CSRF tokens: derived from the JWT secret, so every process agrees, or
/// random when none is configured (development).
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    /// Derives the key from the configured secret, or makes a random one.
    pub fn from_settings(auth: &crate::settings::AuthSettings) -> Self {
        use rand::RngCore;
        use secrecy::ExposeSecret;
        use sha2::Digest;
        match &auth.jwt_secret {
            Some(secret) => {
                let mut hasher = Sha256::new();
                hasher.update(b"peitao console csrf\0");
                hasher.update(secret.expose_secret().as_bytes());
                Self(hasher.finalize().into())
            }
            None => {
                let mut key = [0_u8; 32];
                rand::rng().fill_bytes(&mut key);
                Self(key)
            }
        }
    }

    fn mac(&self, purpose: &str, bound_to: &str) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).ok()?;
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(bound_to.as_bytes());
        Some(mac)
    }

    /// The token of forms sent by the holder of `bound_to` (a session token, or the sign-in
    /// page's nonce) for `purpose`.
    pub fn token(&self, purpose: &str, bound_to: &str) -> String {
        self.mac(purpose, bound_to)
            .map(|mac| hex_of(&mac.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Whether `presented` is the token of `bound_to`, compared in constant time.
    pub fn verify(&self, purpose: &str, bound_to: &str, presented: &str) -> bool {
        let Some(bytes) = unhex(presented) else {
            return false;
        };
        self.mac(purpose, bound_to)
            .is_some_and(|mac| mac.verify_slice(&bytes).is_ok())
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_session_and_purpose() {
        let key = CsrfKey([7; 32]);
        let token = key.token("session", "abc");
        assert!(key.verify("session", "abc", &token));
        assert!(!key.verify("session", "abd", &token));
        assert!(!key.verify("login", "abc", &token));
        assert!(!key.verify("session", "abc", ""));
        assert!(!key.verify("session", "abc", &"0".repeat(64)));
    }
}
