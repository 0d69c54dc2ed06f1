//! Webhooks over HTTP, against a real receiver listening in the test and an independent verifier
//! of the Standard Webhooks signature, both here with the cast and helpers the tests share:
//! `delivery` (signed events, retries, disabling, re-sends), `targets` (refused addresses,
//! another tenant), `processes` (two processes, concurrent claims, a restart, the watermark).

mod delivery;
mod processes;
mod targets;

use std::{
    collections::{BTreeMap, BTreeSet},
    net::TcpListener,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use peitao_api::Settings;
use peitao_domain::{Category, CategoryCode, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{
    Account, TestApp, json_with_status, problem, spawn_app, spawn_app_with, spawn_beside_with,
};

// --- A receiver --------------------------------------------------------------------------------

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    log: Mutex<Vec<Received>>,
    /// Requests still to answer with `status` before answering 204.
    failures_left: AtomicUsize,
    status: AtomicUsize,
}

/// A webhook receiver on 127.0.0.1: it records every request and answers 204, or `status` to the
/// first `fail_first`.
struct Receiver {
    port: u16,
    state: Arc<ReceiverState>,
    handle: ServerHandle,
}

impl Receiver {
    async fn start(fail_first: usize, status: u16) -> Self {
        Self::on(
            TcpListener::bind("127.0.0.1:0").unwrap(),
            fail_first,
            status,
        )
        .await
    }

    async fn on(listener: TcpListener, fail_first: usize, status: u16) -> Self {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(ReceiverState::default());
        state.failures_left.store(fail_first, Ordering::SeqCst);
        state.status.store(status.into(), Ordering::SeqCst);
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            port,
            state,
            handle,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }

    async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    state.log.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
    });
    let failing = state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        let status = u16::try_from(state.status.load(Ordering::SeqCst)).unwrap();
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .body("receiver says no")
    } else {
        HttpResponse::NoContent().finish()
    }
}

// --- An independent verifier -----------------------------------------------------------------

/// Verifies a delivery as the Standard Webhooks specification describes it, written from the
/// specification rather than from Peitao's signer: the key is the base64 after `whsec_`; the
/// signed content `{webhook-id}.{webhook-timestamp}.{body}`; the header a space-separated list of
/// `v1,<base64 HMAC-SHA256>`, any of which may match; the timestamp within five minutes.
fn verifies(secret: &str, id: &str, timestamp: &str, signature: &str, body: &[u8]) -> bool {
    verifies_at(
        secret,
        id,
        timestamp,
        signature,
        body,
        Some(OffsetDateTime::now_utc()),
    )
}

fn verifies_at(
    secret: &str,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: Option<OffsetDateTime>,
) -> bool {
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|key| STANDARD.decode(key).ok())
    else {
        return false;
    };
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return false;
    };
    if let Some(now) = now
        && (now.unix_timestamp() - seconds).abs() > 300
    {
        return false;
    }
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(&content);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signature
        .split(' ')
        .filter_map(|one| one.split_once(','))
        .any(|(version, value)| version == "v1" && value == expected)
}

fn verifies_received(secret: &str, received: &Received) -> bool {
    verifies(
        secret,
        &received.id,
        &received.timestamp,
        &received.signature,
        &received.body,
    )
}

#[test]
fn the_verifier_accepts_the_specifications_vector_and_nothing_else() {
    // From the specification's reference library (standard-webhooks, libraries/rust, test_sign).
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let good = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
    assert!(verifies_at(secret, id, "1649367553", good, body, None));
    assert!(verifies_at(
        secret,
        id,
        "1649367553",
        &format!("v1,bm90IGl0 {good}"),
        body,
        None
    ));
    assert!(!verifies_at(secret, id, "1649367554", good, body, None));
    assert!(!verifies_at(secret, id, "1649367553", good, b"{}", None));
    assert!(!verifies(secret, id, "1649367553", good, body), "too old");
}

// --- The cast --------------------------------------------------------------------------------

struct Cast {
    lead: Account,
    sme: Account,
    /// Another lead enterprise: another tenant.
    rival: Account,
}

async fn cast(app: &TestApp) -> Cast {
    let parks = app.seed_geography().await;
    let category = |code: &str, parent: Option<&str>| Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|raw| CategoryCode::parse(raw).unwrap()),
        name_zh: code.into(),
        name_en: code.into(),
        reference: None,
    };
    app.store
        .insert_categories(&[category("auto", None), category("auto.hub", Some("auto"))])
        .await
        .unwrap();
    let lead = app
        .register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
        .await;
    let rival = app
        .register("rival@example.com", "lead", "429004", Some(parks.xiantao))
        .await;
    let sme = app.register("sme@example.com", "sme", "420607", None).await;
    json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme.access_token,
            Some(&json!({"capabilities": [
                {"category_code": "auto.hub", "annual_capacity": 50_000, "unit": "pcs"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    Cast { lead, sme, rival }
}

async fn call(app: &TestApp, who: &Account, method: Method, path: &str, body: Value) -> Value {
    let body = (!body.is_null()).then_some(body);
    let answer = app
        .send_as(method.clone(), path, &who.access_token, body.as_ref())
        .await;
    let status = answer.status();
    let text = answer.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// A need of the lead's, published; its id.
async fn publish(app: &TestApp, lead: &Account, serial: u32) -> i64 {
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&Rfc3339)
        .unwrap();
    let need = call(
        app,
        lead,
        Method::POST,
        "/api/v1/needs",
        json!({
            "category_code": "auto.hub", "title": format!("Wheel hubs {serial}"), "quantity": 1000,
            "unit": "pcs", "estimated_value_fen": 1_000_000, "delivery_region_code": "420606",
            "response_deadline": deadline, "visibility": "public"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    call(
        app,
        lead,
        Method::POST,
        &format!("/api/v1/needs/{need}/publish"),
        Value::Null,
    )
    .await;
    need
}

/// The SME's quote on `need`; its id.
async fn quote(app: &TestApp, sme: &Account, need: i64) -> i64 {
    call(
        app,
        sme,
        Method::POST,
        &format!("/api/v1/needs/{need}/quotes"),
        json!({"unit_price_fen": 100, "quantity": 1000, "lead_time_days": 10}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A need of the lead's, published, and the SME's quote on it: `need.published` and
/// `quote.submitted`, both heard by the lead.
async fn quoted(app: &TestApp, c: &Cast, serial: u32) {
    let need = publish(app, &c.lead, serial).await;
    quote(app, &c.sme, need).await;
}

/// Registers an endpoint; the answer (with `id` and `secret`).
async fn register(app: &TestApp, who: &Account, url: &str, types: &[&str]) -> Value {
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/webhooks",
            &who.access_token,
            Some(&json!({"url": url, "event_types": types})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// The endpoint `webhook` as its owner reads it.
async fn endpoint(app: &TestApp, who: &Account, webhook: &Value) -> Value {
    json_with_status(
        app.get_as(
            &format!("/api/v1/webhooks/{}", webhook["id"]),
            &who.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// The status of the newest delivery to `webhook`, once there is one.
async fn newest_status(app: &TestApp, who: &Account, webhook: &Value) -> Option<String> {
    deliveries(app, who, webhook)
        .await
        .first()
        .map(|delivery| delivery["status"].as_str().unwrap().to_owned())
}

async fn deliveries(app: &TestApp, who: &Account, webhook: &Value) -> Vec<Value> {
    json_with_status(
        app.get_as(
            &format!("/api/v1/webhooks/{}/deliveries?limit=100", webhook["id"]),
            &who.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The events `who` may see, oldest first, as (id, type).
async fn events_of(app: &TestApp, who: &Account, after: i64) -> Vec<(i64, String)> {
    json_with_status(
        app.get_as(
            &format!("/api/v1/events?after={after}&limit=100"),
            &who.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["id"].as_i64().unwrap(),
                event["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Waits until `check` holds, polling; fails with `what` after `limit`.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Settings for tests: receivers on 127.0.0.1 allowed, a quick worker and a schedule of
/// `retries` waits of a tenth of a second.
fn quick(retries: usize) -> impl Fn(&mut Settings) + Clone {
    move |settings: &mut Settings| {
        settings.webhooks.allow_private_targets = true;
        settings.webhooks.poll_millis = 50;
        settings.webhooks.timeout_millis = 2_000;
        settings.webhooks.retry_schedule_secs = vec![0.1; retries];
    }
}
