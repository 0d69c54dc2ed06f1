//! Access tokens (HS256 JWTs) and refresh tokens (opaque random strings stored as hashes).
//!
//! The algorithm is pinned: a token's own `alg` header is never trusted. The `kid` header picks
//! the current or the previous key, so keys rotate without signing everyone out.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use peitao_domain::{User, UserId};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::settings::AuthSettings;

const ALGORITHM: Algorithm = Algorithm::HS256;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    /// The role when the token was issued; the extractor still reads the current one.
    pub role: String,
}

/// Why a token was refused. Never shown to the client beyond "invalid token".
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has no `kid` header")]
    MissingKid,
    #[error("the token's `kid` names no known key")]
    UnknownKid,
    #[error("the token's subject is not a user id")]
    BadSubject,
    #[error(transparent)]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

struct VerifyingKey {
    kid: String,
    key: DecodingKey,
}

/// The keys and rules for issuing and checking access tokens.
pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    verifying: Vec<VerifyingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl_secs: u64,
    refresh_ttl_secs: u64,
}

impl TokenKeys {
    /// Builds the keys from validated settings. Without a configured secret a random one is made.
    pub fn from_settings(settings: &AuthSettings) -> Self {
        let current: Vec<u8> = match &settings.jwt_secret {
            Some(secret) => secret.expose_secret().as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "auth.jwt_secret is not set: using a random signing key; tokens will not \
                     survive a restart or work across processes"
                );
                let mut secret = vec![0_u8; 32];
                rand::rng().fill_bytes(&mut secret);
                secret
            }
        };
        let mut verifying = vec![VerifyingKey {
            kid: settings.jwt_kid.clone(),
            key: DecodingKey::from_secret(&current),
        }];
        if let (Some(kid), Some(secret)) =
            (&settings.jwt_previous_kid, &settings.jwt_previous_secret)
        {
            verifying.push(VerifyingKey {
                kid: kid.clone(),
                key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            });
        }
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.leeway = settings.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "iss", "aud", "sub"]);
        Self {
            kid: settings.jwt_kid.clone(),
            encoding: EncodingKey::from_secret(&current),
            verifying,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl_secs: settings.access_token_ttl_secs,
            refresh_ttl_secs: settings.refresh_token_ttl_secs,
        }
    }

    /// Seconds an access token lives.
    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl_secs
    }

    /// Seconds a refresh token lives.
    pub fn refresh_ttl_secs(&self) -> u64 {
        self.refresh_ttl_secs
    }

    /// Signs an access token for `user`.
    pub fn issue(&self, user: &User) -> Result<String, TokenError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.access_ttl_secs,
            role: user.role.as_str().to_owned(),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// Checks signature, algorithm, key id and every required claim; returns the user id.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.ok_or(TokenError::MissingKid)?;
        let key = self
            .verifying
            .iter()
            .find(|candidate| candidate.kid == kid)
            .ok_or(TokenError::UnknownKid)?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &self.validation)?;
        data.claims
            .sub
            .parse()
            .map(UserId)
            .map_err(|_| TokenError::BadSubject)
    }
}

/// A new refresh token: 256 random bits, hex-encoded. Only its hash is stored.
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex_of(&bytes)
}

/// A new family id for the refresh tokens descending from one sign-in.
pub fn new_family_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The SHA-256 of a refresh token, as stored. A fast hash suffices: the token is random.
pub fn hash_refresh_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The SHA-256 of `bytes`, hex-encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_of(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex.
pub fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

#[cfg(test)]
mod tests {
    use peitao_domain::{Email, Role};
    use secrecy::SecretString;

    use super::*;
    use crate::settings::Settings;

    fn settings(kid: &str, secret: &str) -> AuthSettings {
        let mut auth = Settings::defaults().unwrap().auth;
        auth.jwt_kid = kid.into();
        auth.jwt_secret = Some(SecretString::from(secret));
        auth
    }

    fn user() -> User {
        User {
            id: UserId(7),
            email: Email::parse("buyer@dongfeng.example").unwrap(),
            display_name: "Li Wei".into(),
            role: Role::Lead,
            organization_id: None,
            park_id: None,
        }
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let keys = TokenKeys::from_settings(&settings("k1", &"s".repeat(32)));
        let token = keys.issue(&user()).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), UserId(7));
    }

    #[test]
    fn tokens_of_the_previous_key_still_verify_after_a_rotation() {
        let old = TokenKeys::from_settings(&settings("k1", &"a".repeat(32)));
        let token = old.issue(&user()).unwrap();
        let mut rotated = settings("k2", &"b".repeat(32));
        rotated.jwt_previous_kid = Some("k1".into());
        rotated.jwt_previous_secret = Some(SecretString::from("a".repeat(32)));
        let new = TokenKeys::from_settings(&rotated);
        assert_eq!(new.verify(&token).unwrap(), UserId(7));
        let without_previous = TokenKeys::from_settings(&settings("k2", &"b".repeat(32)));
        assert!(matches!(
            without_previous.verify(&token),
            Err(TokenError::UnknownKid)
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_refresh_token(&a), a);
        assert_eq!(hash_refresh_token(&a), hash_refresh_token(&a));
    }
}
