//! The browser's session: signing in stores a random token's hash (in the refresh-token table, in
//! its own family and under its own hash domain, so it can never be used at `/auth/refresh`) and
//! sets it in an HttpOnly, SameSite=Lax cookie. Every request reads the token back, checks it is
//! live, and reads the user afresh — the same `Principal` the bearer-token extractor builds, so
//! every rule the API applies applies here. Signing out revokes the token.

use actix_web::{
    FromRequest, HttpRequest,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    dev::Payload,
    web,
};
use peitao_domain::User;
use peitao_store::StoreError;
use time::{Duration, OffsetDateTime};

use super::{ConsoleError, csrf::CsrfKey, page::Pending};
use crate::{
    auth::{Principal, tokens},
    state::AppState,
};

/// The session cookie.
pub const SESSION_COOKIE: &str = "peitao_session";

/// What the console needs beside the API's state.
#[derive(Clone)]
pub struct ConsoleState {
    pub csrf: CsrfKey,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
    pub session_ttl_secs: u64,
}

impl ConsoleState {
    /// From validated settings.
    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        Self {
            csrf: CsrfKey::from_settings(&settings.auth),
            secure_cookies: settings.console.secure_cookies,
            session_ttl_secs: settings.console.session_ttl_secs,
        }
    }

    /// A cookie with the console's flags: HttpOnly, SameSite=Lax, path `/`, `Secure` when set.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
            .finish()
    }

    /// A cookie that deletes `name`.
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut cookie = self.cookie(name, String::new());
        cookie.make_removal();
        cookie
    }
}

/// The stored hash of a session token: a separate domain from refresh tokens' hashes.
fn session_hash(token: &str) -> String {
    tokens::sha256_hex(format!("peitao console session\0{token}").as_bytes())
}

/// A signed-in browser. Not `Debug`: its token must never reach a log line.
#[derive(Clone)]
pub struct Session {
    pub principal: Principal,
    token: String,
    csrf: String,
}

impl Session {
    /// The CSRF token every form of this session carries.
    pub fn csrf_token(&self) -> String {
        self.csrf.clone()
    }

    /// The signed-in user as the use cases know who is asking.
    pub fn actor(&self) -> peitao_app::needs::Actor {
        self.principal.actor()
    }
}

/// Starts a session for `user`: stores the token's hash and returns the cookie to set.
pub async fn start(
    state: &AppState,
    console: &ConsoleState,
    user: &User,
) -> Result<Cookie<'static>, ConsoleError> {
    let token = tokens::new_refresh_token();
    let ttl = i64::try_from(console.session_ttl_secs).unwrap_or(i64::MAX);
    state
        .store
        .insert_refresh_token(
            user.id,
            &tokens::new_family_id(),
            &session_hash(&token),
            OffsetDateTime::now_utc() + Duration::seconds(ttl),
        )
        .await?;
    let mut cookie = console.cookie(SESSION_COOKIE, token);
    cookie.set_max_age(CookieDuration::seconds(ttl));
    Ok(cookie)
}

/// Ends a session: its token stops working at once, in every process.
pub async fn end(state: &AppState, session: &Session) -> Result<(), ConsoleError> {
    state
        .store
        .revoke_refresh_token_family(&session_hash(&session.token))
        .await?;
    Ok(())
}

async fn read(req: HttpRequest) -> Result<Session, ConsoleError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(ConsoleError::Api(crate::error::ApiError::Internal))?;
    let console = req
        .app_data::<web::Data<ConsoleState>>()
        .cloned()
        .ok_or(ConsoleError::Api(crate::error::ApiError::Internal))?;
    let token = req
        .cookie(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
        .ok_or(ConsoleError::SignIn)?;
    let user_id = state
        .store
        .session_user(&session_hash(&token))
        .await?
        .ok_or(ConsoleError::SignIn)?;
    let user = match state.store.active_user(user_id).await {
        Ok(user) => user,
        Err(StoreError::NotFound) => return Err(ConsoleError::SignIn),
        Err(other) => return Err(other.into()),
    };
    let csrf = console.csrf.token("session", &token);
    Ok(Session {
        principal: Principal { user },
        token,
        csrf,
    })
}

impl FromRequest for Session {
    type Error = ConsoleError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        Box::pin(read(req.clone()))
    }
}

/// A submitted form of a signed-in browser whose CSRF token was checked: a handler that takes
/// one cannot run on a forged request.
pub struct Posted {
    pub session: Session,
    pub fields: Fields,
}

impl FromRequest for Posted {
    type Error = ConsoleError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let session = read(req.clone()).await?;
            let fields = Fields(form.await.map(web::Form::into_inner).unwrap_or_default());
            check_csrf(&req, &session, &fields)?;
            Ok(Self { session, fields })
        })
    }
}

/// Refuses a form whose `csrf` field is not the session's token.
fn check_csrf(req: &HttpRequest, session: &Session, fields: &Fields) -> Result<(), ConsoleError> {
    let console = req
        .app_data::<web::Data<ConsoleState>>()
        .ok_or(ConsoleError::Api(crate::error::ApiError::Internal))?;
    let presented = fields.get("csrf").unwrap_or_default();
    if !console.csrf.verify("session", &session.token, presented) {
        tracing::warn!(user_id = %session.principal.user.id, "console form without a valid CSRF token");
        return Err(ConsoleError::Csrf);
    }
    Ok(())
}

/// A submitted `multipart/form-data` form (one with a file) of a signed-in browser whose CSRF
/// token was checked, like [`Posted`].
pub struct Uploaded {
    pub session: Session,
    pub fields: Fields,
    pub files: Vec<super::multipart::FilePart>,
}

impl FromRequest for Uploaded {
    type Error = ConsoleError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let session = read(req.clone()).await?;
            let boundary = req
                .headers()
                .get(actix_web::http::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .and_then(super::multipart::boundary);
            // Without a readable form there is no token: refused as a forged form is.
            let parts = match (boundary, body.await) {
                (Some(boundary), Ok(body)) => {
                    super::multipart::parse(&body, &boundary).unwrap_or_default()
                }
                (None, _) => super::multipart::Parts::default(),
                (_, Err(_)) => {
                    let limit = req
                        .app_data::<web::Data<AppState>>()
                        .map_or(0, |state| state.body_limit);
                    return Err(ConsoleError::Api(crate::error::ApiError::PayloadTooLarge {
                        limit,
                    }));
                }
            };
            let fields = Fields(parts.fields);
            check_csrf(&req, &session, &fields)?;
            Ok(Self {
                session,
                fields,
                files: parts.files,
            })
        })
    }
}

/// A form's fields as sent.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of `name`, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    }

    /// A whole number, refused with the field's name when it is not one.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, ConsoleError> {
        let raw = self.get(name).map(str::trim).unwrap_or_default();
        raw.parse().map_err(|_| {
            ConsoleError::Api(crate::error::ApiError::Validation(format!(
                "{name}: `{}` is not a whole number",
                peitao_domain::shown(raw)
            )))
        })
    }

    /// The form as a map, to fill a form shown again.
    pub fn values(&self) -> std::collections::BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}
