//! Rendering: the templates (compiled in), the filters they use, the context every page shares
//! (language, signed-in user, CSRF token, navigation), and the error page that turns any failure
//! into a message from the message files.

use std::{future::Future, pin::Pin, sync::LazyLock};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError,
    dev::Payload,
    http::{StatusCode, header},
};
use minijinja::{Environment, Error as TemplateError, ErrorKind, State, UndefinedBehavior, Value};
use peitao_domain::Role;
use serde::Serialize;

use super::{
    assets,
    i18n::{Lang, Messages},
    session::Session,
};
use crate::error::ApiError;

/// `(name, source)` of templates in `crates/api/templates/`, compiled in.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// Every template, by name.
pub(crate) const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "login.html",
    "error.html",
    "park.html",
    "lead_needs.html",
    "lead_need.html",
    "need_form.html",
    "sme_matches.html",
    "sme_directory.html",
    "sme_need.html",
    "sme_quotes.html",
    "admin_imports.html",
    "admin_users.html",
    "park_chains.html",
    "organizations.html",
    "deals.html",
    "lead_boms.html",
    "lead_bom.html",
    "sme_profile.html",
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // A misspelt variable is an error a test sees, never an empty cell a user sees.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(template = name, error = %err, "a console template does not parse");
        }
    }
    env.add_function("t", translate);
    env.add_function("asset", asset_url);
    env.add_filter("money", money);
    env.add_filter("score", score);
    env.add_filter("date", date);
    env
}

/// `t("key")`: the text of `key` in the page's language; an unknown key fails the render.
fn translate(state: &State, key: &str) -> Result<String, TemplateError> {
    let lang = state
        .lookup("lang")
        .and_then(|value| value.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::Zh);
    let messages = Messages::get()
        .map_err(|err| TemplateError::new(ErrorKind::InvalidOperation, err.to_owned()))?;
    messages.text(lang, key).map(str::to_owned).ok_or_else(|| {
        TemplateError::new(ErrorKind::InvalidOperation, format!("no message `{key}`"))
    })
}

/// `asset("console.css")`: the versioned URL of an embedded file.
fn asset_url(name: &str) -> Result<String, TemplateError> {
    assets::url(name).ok_or_else(|| {
        TemplateError::new(ErrorKind::InvalidOperation, format!("no asset `{name}`"))
    })
}

/// Fen as yuan with thousands separators: `1234567` → `12,345.67`.
pub(crate) fn money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let yuan = (fen / 100).to_string();
    let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
    for (position, digit) in yuan.chars().enumerate() {
        if position > 0 && (yuan.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

/// A fraction as a percentage with one decimal; `—` when absent.
pub(crate) fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "—".to_owned(),
    }
}

/// A score in [0, 1] with two decimals.
fn score(value: f64) -> String {
    format!("{value:.2}")
}

/// The date part of an RFC 3339 timestamp.
fn date(value: &str) -> String {
    value.get(..10).unwrap_or(value).to_owned()
}

/// A quote as the API shows it, with whether it is still live and `extra` fields of the page.
pub(crate) fn quote_context(
    quote: peitao_store::Quote,
    state: &crate::state::AppState,
    extra: Value,
) -> Value {
    let live = quote.status.is_live();
    minijinja::value::merge_maps([
        minijinja::context! { live => live },
        extra,
        Value::from_serialize(crate::routes::quotes::QuoteView::new(quote, state)),
    ])
}

/// What a failed page or form shows.
#[derive(Debug)]
pub enum ConsoleError {
    /// No valid session: go to the sign-in page.
    SignIn,
    /// A form without the session's CSRF token (403, nothing changed).
    Csrf,
    /// What the API would answer, as a page.
    Api(ApiError),
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignIn => f.write_str("sign in first"),
            Self::Csrf => f.write_str("the form's CSRF token is missing or wrong"),
            Self::Api(err) => err.fmt(f),
        }
    }
}

impl<E: Into<ApiError>> From<E> for ConsoleError {
    fn from(err: E) -> Self {
        Self::Api(err.into())
    }
}

impl ConsoleError {
    fn status(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::Api(err) => err.status_code(),
        }
    }

    /// The stable code, as the API's problem documents carry it.
    fn code(&self) -> &'static str {
        match self {
            Self::SignIn => "unauthorized",
            Self::Csrf => "csrf_failed",
            Self::Api(err) => err.code(),
        }
    }

    /// The page for this error in `lang`.
    pub fn page(&self, lang: Lang, session: Option<&Session>) -> HttpResponse {
        if matches!(self, Self::SignIn) {
            return redirect("/login");
        }
        let detail = match self {
            Self::Api(ApiError::Internal) | Self::SignIn => String::new(),
            other => other.to_string(),
        };
        let context = minijinja::context! {
            status => self.status().as_u16(),
            code => self.code(),
            detail => detail,
        };
        match render_page(lang, "/", session, "error.html", context) {
            Ok(body) => html(self.status(), body),
            Err(_) => HttpResponse::build(self.status())
                .content_type(mime::TEXT_PLAIN_UTF_8)
                .body(self.to_string()),
        }
    }
}

/// Errors raised before a handler runs (by an extractor, which has no page context) render in
/// Chinese, the default language; a missing session is a redirect in any language.
impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.page(Lang::Zh, None)
    }
}

/// A `303 See Other` to `location`: the answer to every successful form.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(mime::TEXT_HTML_UTF_8)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// A link of the navigation bar.
#[derive(Debug, Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
}

/// The pages a role's navigation offers, as message keys.
fn navigation(role: Role) -> Vec<NavItem> {
    let item = |href, label| NavItem { href, label };
    match role {
        Role::ParkAdmin => vec![
            item("/park", "nav.park"),
            item("/park/chains", "nav.chains"),
            item("/organizations", "nav.organizations"),
        ],
        Role::Lead => vec![
            item("/lead/needs", "nav.needs"),
            item("/lead/needs/new", "nav.new_need"),
            item("/deals", "nav.deals"),
            item("/lead/boms", "nav.boms"),
            item("/park", "nav.figures"),
            item("/park/chains", "nav.chains"),
        ],
        Role::Sme => vec![
            item("/sme/matches", "nav.matches"),
            item("/sme/needs", "nav.directory"),
            item("/sme/quotes", "nav.quotes"),
            item("/deals", "nav.deals"),
            item("/sme/profile", "nav.profile"),
        ],
        Role::PlatformAdmin => vec![
            item("/park", "nav.province"),
            item("/park/chains", "nav.chains"),
            item("/organizations", "nav.organizations"),
            item("/admin/users", "nav.users"),
            item("/admin/imports", "nav.imports"),
        ],
    }
}

/// The home page of a role.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::ParkAdmin | Role::PlatformAdmin => "/park",
        Role::Lead => "/lead/needs",
        Role::Sme => "/sme/matches",
    }
}

fn render_page(
    lang: Lang,
    path: &str,
    session: Option<&Session>,
    template: &str,
    context: Value,
) -> Result<String, ApiError> {
    let user = session.map(|session| {
        let user = &session.principal.user;
        minijinja::context! {
            name => user.display_name.clone(),
            email => user.email.as_str(),
            role => user.role.as_str(),
        }
    });
    let base = minijinja::context! {
        lang => lang.code(),
        other_lang => lang.other().code(),
        path => path,
        user => user,
        csrf => session.map(Session::csrf_token),
        nav => session.map(|session| navigation(session.principal.role())),
        ..context
    };
    ENVIRONMENT
        .get_template(template)
        .and_then(|template| template.render(base))
        .map_err(|err| {
            tracing::error!(template, error = %format!("{err:#}"), "rendering a console page");
            ApiError::Internal
        })
}

/// The request's language and path: what every console handler starts from.
pub struct Ctx {
    pub lang: Lang,
    /// The path and query asked for, where the language switch returns to.
    pub path: String,
}

impl FromRequest for Ctx {
    type Error = ConsoleError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let path = match req.query_string() {
            "" => req.path().to_owned(),
            query => format!("{}?{query}", req.path()),
        };
        std::future::ready(Ok(Self {
            lang: Lang::of(req),
            path,
        }))
    }
}

/// A boxed future of a console answer, for extractors.
pub(crate) type Pending<T> = Pin<Box<dyn Future<Output = Result<T, ConsoleError>>>>;

impl Ctx {
    /// A page from `template` with `context`, status 200.
    pub fn render(
        &self,
        session: Option<&Session>,
        template: &str,
        context: Value,
    ) -> Result<HttpResponse, ConsoleError> {
        self.render_with(StatusCode::OK, session, template, context)
    }

    /// A page with another status (a form shown again with its error).
    pub fn render_with(
        &self,
        status: StatusCode,
        session: Option<&Session>,
        template: &str,
        context: Value,
    ) -> Result<HttpResponse, ConsoleError> {
        Ok(html(
            status,
            render_page(self.lang, &self.path, session, template, context)?,
        ))
    }

    /// The answer: the page, or the error as a page.
    pub fn finish(
        &self,
        session: Option<&Session>,
        result: Result<HttpResponse, ConsoleError>,
    ) -> HttpResponse {
        result.unwrap_or_else(|err| err.page(self.lang, session))
    }

    /// The message of an error, for a form shown again.
    pub fn message_of(&self, err: &ConsoleError) -> (String, String) {
        (format!("error.{}", err.code()), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_fen() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(123_456_789), "1,234,567.89");
        assert_eq!(money(-100_000), "-1,000.00");
    }

    #[test]
    fn every_template_file_is_compiled_in() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(folder).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                TEMPLATES.iter().any(|(known, _)| *known == name),
                "templates/{name} is not in TEMPLATES"
            );
        }
    }

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }
}
