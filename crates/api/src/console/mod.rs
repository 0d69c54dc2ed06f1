//! The web console served at `/`: server-rendered pages for each role over the same use cases the
//! JSON API calls, signed in with a cookie session instead of a bearer token.
//!
//! Nothing here decides who may do what: every page and form asks the signed-in user's
//! [`Principal`](crate::auth::Principal) and `Actor` of the same `peitao_app` use case the API's
//! route calls, so a page never shows what the API would refuse. These routes live outside the
//! OpenAPI document: they are pages, not the API.

pub mod assets;
pub mod csrf;
pub mod i18n;
pub mod session;

mod admin;
mod boms;
mod chains;
mod deals;
mod lead;
mod live;
mod multipart;
mod organizations;
mod page;
mod park;
mod profile;
mod sign_in;
mod sme;
mod users;

use actix_web::web;

pub use page::{ConsoleError, Ctx};

/// Every console route with its methods, for the fallback's 405 answers.
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/", &["GET"]),
    ("/login", &["GET", "POST"]),
    ("/logout", &["POST"]),
    ("/lang/{code}", &["GET"]),
    ("/assets/{file}", &["GET"]),
    ("/park", &["GET"]),
    ("/park/exports/{file}", &["GET"]),
    ("/park/chains", &["GET"]),
    ("/organizations", &["GET"]),
    ("/organizations/{id}/verification", &["POST"]),
    ("/deals", &["GET"]),
    ("/deals/{id}/fulfilment", &["POST"]),
    ("/deals/{id}/cancel", &["POST"]),
    ("/lead/needs", &["GET", "POST"]),
    ("/lead/needs/new", &["GET"]),
    ("/lead/needs/{id}", &["GET"]),
    ("/lead/needs/{id}/publish", &["POST"]),
    ("/lead/needs/{id}/awards", &["POST"]),
    ("/lead/quotes/{id}/shortlist", &["POST"]),
    ("/lead/quotes/{id}/reject", &["POST"]),
    ("/lead/boms", &["GET", "POST"]),
    ("/lead/boms/{id}", &["GET"]),
    ("/sme/matches", &["GET"]),
    ("/sme/needs", &["GET"]),
    ("/sme/needs/{id}", &["GET"]),
    ("/sme/needs/{id}/quotes", &["POST"]),
    ("/sme/quotes", &["GET"]),
    ("/sme/quotes/{id}/withdraw", &["POST"]),
    ("/sme/profile", &["GET"]),
    ("/events", &["GET"]),
    ("/admin/imports", &["GET", "POST"]),
    ("/admin/users", &["GET"]),
    ("/admin/users/{id}/disable", &["POST"]),
];

/// Registers the console's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    sign_in::configure(cfg);
    assets::configure(cfg);
    park::configure(cfg);
    chains::configure(cfg);
    organizations::configure(cfg);
    deals::configure(cfg);
    lead::configure(cfg);
    boms::configure(cfg);
    sme::configure(cfg);
    profile::configure(cfg);
    live::configure(cfg);
    admin::configure(cfg);
    users::configure(cfg);
}
