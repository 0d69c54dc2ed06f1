//! Live updates: the signed-in browser's own stream of the events it may see, from the moment
//! the page opened — the API's event stream (`GET /api/v1/events`), authenticated by the session
//! cookie, since a browser's `EventSource` cannot send a bearer token. The page's script shows a
//! notice when one arrives.

use actix_web::{
    HttpResponse,
    http::header::{self, HeaderValue},
    web,
};

use super::session::Session;
use crate::{routes::events::event_stream, state::AppState};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(live));
}

#[derive(Debug, serde::Deserialize)]
struct After {
    /// The last event the page knows of; the present moment when absent.
    after: Option<i64>,
}

async fn live(
    session: Session,
    state: web::Data<AppState>,
    after: web::Query<After>,
) -> HttpResponse {
    let after = match after.after.filter(|after| *after >= 0) {
        Some(after) => after,
        // Now: everything committed so far is old news to a page already rendered.
        None => match state.events.refresh(&state.store).await {
            Ok(watermark) => watermark,
            Err(_) => state.events.watermark(),
        },
    };
    let stream = event_stream(state.into_inner(), session.principal, after, false);
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header(("x-accel-buffering", HeaderValue::from_static("no")))
        .streaming(stream)
}
