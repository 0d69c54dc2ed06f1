//! Authentication: access and refresh tokens, the `Principal` extractor that
//! hands handlers the signed-in user, and the limits on sign-in attempts.

pub mod principal;
pub mod rate_limit;
pub mod tokens;

pub use principal::Principal;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};

/// The bearer token of a request's `Authorization` header (scheme matched case-insensitively).
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}
