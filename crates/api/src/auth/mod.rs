//! Authentication: access and refresh tokens, the `Principal` extractor that
//! hands handlers the signed-in user, and the limits on sign-in attempts.

pub mod principal;
pub mod rate_limit;
pub mod tokens;

pub use principal::{Admitted, Leads, Organizations, Parties, PlatformAdmins, Principal, Smes};

use actix_web::{
    HttpRequest,
    http::header::{AUTHORIZATION, HeaderMap},
};
use peitao_app::passwords;
use peitao_domain::{Email, User};

use crate::{error::ApiError, state::AppState};

/// Checks an e-mail address and password, within the sign-in rate limits: the one check behind
/// both the API's `/auth/login` and the web console's sign-in form.
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> Result<User, ApiError> {
    state.auth_limits.check_ip("login", req).await?;
    let email = Email::parse(email).ok();
    let attempt = match &email {
        Some(email) => Some(
            state
                .auth_limits
                .check_account("login", email.as_str())
                .await?,
        ),
        None => None,
    };
    let found = match &email {
        Some(email) => state.store.credentials(email).await?,
        None => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    // Verification runs even for unknown e-mails so timing does not reveal which accounts exist.
    let valid = match passwords::verify(password, hash).await {
        Ok(valid) => valid,
        Err(err) => {
            // A busy server never checked the password: that is no failed attempt.
            if let Some(attempt) = attempt {
                attempt.forgive().await;
            }
            return Err(err.into());
        }
    };
    match user {
        Some(user) if valid => {
            if let Some(attempt) = attempt {
                attempt.forgive().await;
            }
            Ok(user)
        }
        _ => Err(ApiError::Unauthorized(
            "the e-mail address or the password is wrong".into(),
        )),
    }
}

/// The bearer token of a request's `Authorization` header (scheme matched case-insensitively).
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}
