//! Signing in and out, the language switch, and `/`, which sends each role to its home page.

use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, http::StatusCode, web};

use super::{
    ConsoleError, Ctx,
    i18n::{LANG_COOKIE, Lang},
    page::{home_of, redirect},
    session::{self, ConsoleState, Posted, Session},
};
use crate::{auth::tokens, state::AppState};

/// The cookie holding the sign-in page's nonce, which its form's CSRF token is bound to.
const LOGIN_COOKIE: &str = "peitao_login";

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/lang/{code}", web::get().to(switch_language));
}

async fn home(req: HttpRequest) -> HttpResponse {
    match Session::extract(&req).await {
        Ok(session) => redirect(home_of(session.principal.role())),
        Err(_) => redirect("/login"),
    }
}

/// The sign-in form, with a fresh nonce cookie when the browser has none.
fn login_form(
    ctx: &Ctx,
    req: &HttpRequest,
    console: &ConsoleState,
    status: StatusCode,
    email: &str,
    error: Option<(String, String)>,
) -> HttpResponse {
    let existing = req
        .cookie(LOGIN_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|nonce| nonce.len() == 64);
    let nonce = existing.clone().unwrap_or_else(tokens::new_refresh_token);
    let context = minijinja::context! {
        login_csrf => console.csrf.token("login", &nonce),
        email => email,
        error_key => error.as_ref().map(|(key, _)| key.clone()),
        error_detail => error.map(|(_, detail)| detail),
    };
    let mut response = ctx.finish(None, ctx.render_with(status, None, "login.html", context));
    if existing.is_none() {
        // Only fails for a header value that cannot be one; the nonce is hex.
        let _ = response.add_cookie(&console.cookie(LOGIN_COOKIE, nonce));
    }
    response
}

async fn login_page(ctx: Ctx, req: HttpRequest, console: web::Data<ConsoleState>) -> HttpResponse {
    if let Ok(session) = Session::extract(&req).await {
        return redirect(home_of(session.principal.role()));
    }
    login_form(&ctx, &req, &console, StatusCode::OK, "", None)
}

#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    console: web::Data<ConsoleState>,
    form: Option<web::Form<LoginForm>>,
) -> HttpResponse {
    let Some(form) = form.map(web::Form::into_inner) else {
        return ConsoleError::Csrf.page(ctx.lang, None);
    };
    let nonce = req
        .cookie(LOGIN_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    if nonce.is_empty() || !console.csrf.verify("login", &nonce, &form.csrf) {
        return ConsoleError::Csrf.page(ctx.lang, None);
    }
    let signed_in = async {
        let user = crate::auth::sign_in(&state, &req, &form.email, form.password.clone()).await?;
        let cookie = session::start(&state, &console, &user).await?;
        Ok::<_, ConsoleError>((user, cookie))
    }
    .await;
    match signed_in {
        Ok((user, cookie)) => {
            tracing::info!(user_id = %user.id, "signed in to the console");
            let mut response = redirect(home_of(user.role));
            let _ = response.add_cookie(&cookie);
            let _ = response.add_removal_cookie(&console.removal(LOGIN_COOKIE));
            response
        }
        Err(err) => {
            let status = match &err {
                ConsoleError::Api(api) => api.status_code(),
                _ => StatusCode::UNAUTHORIZED,
            };
            let message = ctx.message_of(&err);
            login_form(&ctx, &req, &console, status, &form.email, Some(message))
        }
    }
}

async fn logout(
    ctx: Ctx,
    state: web::Data<AppState>,
    console: web::Data<ConsoleState>,
    posted: Posted,
) -> HttpResponse {
    match session::end(&state, &posted.session).await {
        Ok(()) => {
            let mut response = redirect("/login");
            let _ = response.add_removal_cookie(&console.removal(session::SESSION_COOKIE));
            response
        }
        Err(err) => err.page(ctx.lang, Some(&posted.session)),
    }
}

#[derive(Debug, serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the language cookie and returns to the page the switch was on (a local path only, so
/// the switch can never send anyone to another site).
async fn switch_language(
    ctx: Ctx,
    code: web::Path<String>,
    back: web::Query<Back>,
    console: web::Data<ConsoleState>,
) -> HttpResponse {
    let Some(lang) = Lang::parse(&code) else {
        return ConsoleError::Api(crate::error::ApiError::NotFound(format!(
            "no language {}",
            peitao_domain::shown(&code)
        )))
        .page(ctx.lang, None);
    };
    let back = back
        .back
        .as_deref()
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or("/");
    let mut response = redirect(back);
    let mut cookie = console.cookie(LANG_COOKIE, lang.code().to_owned());
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    let _ = response.add_cookie(&cookie);
    response
}
