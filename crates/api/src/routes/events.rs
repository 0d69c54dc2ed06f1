//! `GET /api/v1/events`: what happened that the caller may see — as a stream of server-sent
//! events (`Accept: text/event-stream`) that resumes from `Last-Event-ID`, or as a JSON page after
//! an id for clients that poll.

use std::time::Duration;

use actix_web::{
    HttpRequest, HttpResponse, get,
    http::header::{self, HeaderValue},
    web::{self, Bytes},
};
use futures_util::stream;
use peitao_app::events;
use peitao_domain::UserId;
use peitao_store::Event;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{auth::Principal, error::ApiError, openapi::schemas, state::AppState};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

/// Where to start.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Only events after this id (the `id` of the last one seen); 0 or absent for all kept.
    /// A stream also takes the `Last-Event-ID` header, which wins.
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub after: Option<i64>,
    /// For a page: how many events, 1 to 100 (100 when absent).
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
}

/// One event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Increasing; resume after it.
    pub id: i64,
    /// `resource.verb`: `need.published`, `quote.submitted`, `deal.created`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: OffsetDateTime,
    /// What happened; its fields depend on the type (see the API guide).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<Event> for EventView {
    fn from(event: Event) -> Self {
        Self {
            id: event.id,
            kind: event.kind,
            occurred_at: event.occurred_at,
            payload: event.payload,
        }
    }
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// Ask again with `after` set to this.
    pub next_after: i64,
}

const HEARTBEAT: Duration = Duration::from_secs(15);
const BATCH: u64 = 100;

/// The events the caller may see, oldest first: a lead its needs' changes and the quotes and
/// deals on them; an SME the decisions on its quotes, its deals, and each newly published need
/// it matches well; a park administrator its park's activity; platform administrators all.
/// With `Accept: text/event-stream` the answer is a stream of server-sent events — each with
/// `id:`, `event:` (the type) and `data:` (the event as JSON), a `: heartbeat` comment every 15
/// seconds — resuming after `Last-Event-ID` or `after`. Otherwise a JSON page after `after`.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(EventParams),
    responses((status = 200, content(
        (EventPage = "application/json"),
        (String = "text/event-stream")
    )))
)]
#[get("/events")]
async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    request: HttpRequest,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let after = match params.after {
        Some(after) if after < 0 => {
            return Err(ApiError::BadRequest(format!(
                "after must be 0 or more, not {after}"
            )));
        }
        Some(after) => after,
        None => 0,
    };
    let limit = params.limit.unwrap_or(100);
    if !(1..=peitao_store::page::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {}, not {limit}",
            peitao_store::page::MAX_LIMIT
        )));
    }
    let wants_stream = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"));
    if !wants_stream {
        let items = events::page(
            &state.store,
            &state.events,
            &principal.actor(),
            after,
            limit,
        )
        .await?;
        let next_after = items.last().map_or(after, |event| event.id);
        return Ok(HttpResponse::Ok().json(EventPage {
            items: items.into_iter().map(EventView::from).collect(),
            next_after,
        }));
    }
    let resume = request
        .headers()
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .unwrap_or(after);
    let stream = event_stream(state.into_inner(), principal, resume, true);
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header(("x-accel-buffering", HeaderValue::from_static("no")))
        .streaming(stream))
}

struct Tail {
    state: std::sync::Arc<AppState>,
    principal: Principal,
    last: i64,
    pending: std::collections::VecDeque<Bytes>,
    watermark: tokio::sync::watch::Receiver<i64>,
    open: bool,
    named: bool,
}

/// An event as a server-sent event; `named` gives it an `event:` line with its type (a browser's
/// `onmessage` hears only unnamed ones; the type is in the data either way).
fn frame(event: Event, named: bool) -> Bytes {
    let id = event.id;
    let name = if named {
        format!("event: {}\n", event.kind)
    } else {
        String::new()
    };
    let data = serde_json::to_string(&EventView::from(event)).unwrap_or_default();
    Bytes::from(format!("id: {id}\n{name}data: {data}\n\n"))
}

/// The events `principal` may see after `after`, as server-sent events, until the client leaves or
/// the user is disabled: the API's stream and the console's live updates.
pub(crate) fn event_stream(
    state: std::sync::Arc<AppState>,
    principal: Principal,
    after: i64,
    named: bool,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let watermark = state.events.subscribe();
    let tail = Tail {
        state,
        principal,
        last: after,
        pending: std::collections::VecDeque::from([Bytes::from_static(b": connected\n\n")]),
        watermark,
        open: true,
        named,
    };
    stream::unfold(tail, |mut tail| async move {
        loop {
            if let Some(bytes) = tail.pending.pop_front() {
                return Some((Ok(bytes), tail));
            }
            if !tail.open {
                return None;
            }
            let actor = tail.principal.actor();
            match events::page(
                &tail.state.store,
                &tail.state.events,
                &actor,
                tail.last,
                BATCH,
            )
            .await
            {
                Ok(batch) if !batch.is_empty() => {
                    for event in batch {
                        tail.last = event.id;
                        tail.pending.push_back(frame(event, tail.named));
                    }
                    continue;
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "event stream: could not read the outbox");
                    tail.open = false;
                    continue;
                }
            }
            tokio::select! {
                changed = tail.watermark.changed() => {
                    if changed.is_err() {
                        tail.open = false;
                    }
                }
                () = tokio::time::sleep(HEARTBEAT) => {
                    // A disabled or deleted user stops hearing at once.
                    let still = tail.state.store.active_user(UserId(actor.user.0)).await;
                    if still.is_err() {
                        tail.open = false;
                        continue;
                    }
                    tail.pending.push_back(Bytes::from_static(b": heartbeat\n\n"));
                }
            }
        }
    })
}
