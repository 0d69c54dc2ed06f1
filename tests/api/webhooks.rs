//! Webhooks over HTTP, against a real receiver listening in the test: a lead's endpoint gets the
//! signed `quote.submitted` event and an independent verifier accepts it; a receiver that fails
//! three times then recovers gets the event; two processes deliver each event once; internal
//! targets are refused at registration and at delivery; another tenant sees nothing; an endpoint
//! that keeps failing is disabled and its owner told; a delivery can be re-sent; pending
//! deliveries and an event stream survive a restart.

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

// --- The tests -------------------------------------------------------------------------------

#[tokio::test]
async fn a_leads_webhook_receives_the_signed_quote_submitted_event() {
    let app = spawn_app_with(quick(3)).await;
    let c = cast(&app).await;
    let receiver = Receiver::start(0, 500).await;
    let created = register(
        &app,
        &c.lead,
        &receiver.url("/peitao"),
        &["quote.submitted"],
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    assert!((24..=64).contains(&key.len()), "{secret}");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["event_types"], json!(["quote.submitted"]));
    // The secret is shown once: never in a read.
    let read = endpoint(&app, &c.lead, &created).await;
    assert!(read.get("secret").is_none(), "{read}");
    let listed = json_with_status(
        app.get_as("/api/v1/webhooks", &c.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret));

    let need = publish(&app, &c.lead, 1).await;
    let quote = quote(&app, &c.sme, need).await;
    eventually(
        "the receiver has a request",
        Duration::from_secs(10),
        || {
            let received = receiver.received();
            async move { !received.is_empty() }
        },
    )
    .await;
    // need.published is not subscribed to: only the quote arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let delivery = &received[0];
    assert!(
        verifies_received(&secret, delivery),
        "the signature does not verify: {delivery:?}"
    );
    assert!(!verifies_received(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        delivery
    ));
    assert_eq!(delivery.content_type, "application/json");
    let submitted = events_of(&app, &c.lead, 0)
        .await
        .into_iter()
        .find(|(_, kind)| kind == "quote.submitted")
        .unwrap()
        .0;
    assert_eq!(delivery.id, format!("evt_{submitted}"));
    let body = delivery.json();
    assert_eq!(body["type"], "quote.submitted");
    assert_eq!(body["data"]["quote_id"], quote);
    assert_eq!(body["data"]["need_id"], need);
    assert_eq!(body["data"]["lead_id"], c.lead.organization_id.unwrap());
    OffsetDateTime::parse(body["timestamp"].as_str().unwrap(), &Rfc3339).unwrap();

    eventually("the log says delivered", Duration::from_secs(5), || async {
        newest_status(&app, &c.lead, &created).await.as_deref() == Some("delivered")
    })
    .await;
    let log = deliveries(&app, &c.lead, &created).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 204);
    assert_eq!(log[0]["event_type"], "quote.submitted");
    assert_eq!(log[0]["message_id"], delivery.id);
    assert!(log[0]["next_attempt_at"].is_null());
    // The supplier, also told of its quote, has no endpoint: nothing else went anywhere.
    receiver.stop().await;
}

#[tokio::test]
async fn a_receiver_that_fails_three_times_then_recovers_gets_the_event() {
    let app = spawn_app_with(quick(5)).await;
    let c = cast(&app).await;
    let receiver = Receiver::start(3, 503).await;
    let created = register(&app, &c.lead, &receiver.url("/flaky"), &["quote.submitted"]).await;
    let secret = created["secret"].as_str().unwrap();
    quoted(&app, &c, 1).await;
    eventually(
        "the fourth attempt is delivered",
        Duration::from_secs(10),
        || async { newest_status(&app, &c.lead, &created).await.as_deref() == Some("delivered") },
    )
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), 4, "{received:?}");
    let ids: BTreeSet<&str> = received.iter().map(|one| one.id.as_str()).collect();
    assert_eq!(ids.len(), 1, "every attempt carries the same webhook-id");
    assert!(received.iter().all(|one| verifies_received(secret, one)));
    let log = deliveries(&app, &c.lead, &created).await;
    assert_eq!(log[0]["attempts"], 4);
    assert_eq!(log[0]["last_status_code"], 204);
    let current = endpoint(&app, &c.lead, &created).await;
    assert_eq!(current["enabled"], true);
    assert_eq!(current["consecutive_failures"], 0);
    receiver.stop().await;
}

#[tokio::test]
async fn two_processes_deliver_each_event_once() {
    let first = spawn_app_with(quick(3)).await;
    let second = spawn_beside_with(&first, quick(3)).await;
    let c = cast(&first).await;
    let receiver = Receiver::start(0, 500).await;
    let created = register(
        &first,
        &c.lead,
        &receiver.url("/both"),
        &["need.published", "quote.submitted"],
    )
    .await;
    for serial in 0..6 {
        let app = if serial % 2 == 0 { &first } else { &second };
        quoted(app, &c, serial).await;
    }
    // The first process hears of the second's writes within a poll.
    eventually(
        "every event is in the outbox",
        Duration::from_secs(5),
        || async { events_of(&first, &c.lead, 0).await.len() == 12 },
    )
    .await;
    let expected: BTreeSet<String> = events_of(&first, &c.lead, 0)
        .await
        .into_iter()
        .filter(|(_, kind)| kind == "need.published" || kind == "quote.submitted")
        .map(|(id, _)| format!("evt_{id}"))
        .collect();
    assert_eq!(expected.len(), 12);
    eventually("every event arrived", Duration::from_secs(15), || {
        let seen: BTreeSet<String> = receiver.received().into_iter().map(|one| one.id).collect();
        let expected = expected.clone();
        async move { seen == expected }
    })
    .await;
    // Both processes poll on; give a duplicate the time to show.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for one in receiver.received() {
        *counts.entry(one.id).or_default() += 1;
    }
    assert!(
        counts.values().all(|count| *count == 1),
        "some event arrived twice: {counts:?}"
    );
    let log = deliveries(&second, &c.lead, &created).await;
    assert_eq!(log.len(), 12);
    assert!(log.iter().all(|one| one["attempts"] == 1), "{log:?}");
    receiver.stop().await;
}

#[tokio::test]
async fn concurrent_claims_hand_each_delivery_to_one_worker() {
    use peitao_app::{events::EventFeed, webhooks::WebhookService};
    // No process delivers on its own: the test claims as workers do, many at once, from two
    // processes.
    let idle = |settings: &mut Settings| {
        quick(1)(settings);
        settings.webhooks.deliver = false;
    };
    let first = spawn_app_with(idle).await;
    let second = spawn_beside_with(&first, idle).await;
    let c = cast(&first).await;
    register(
        &first,
        &c.lead,
        "https://203.0.113.9/hook",
        &["need.published", "quote.submitted"],
    )
    .await;
    for serial in 0..12 {
        quoted(&first, &c, serial).await;
    }
    let feed = EventFeed::start(&first.store, Duration::ZERO)
        .await
        .unwrap();
    let service = WebhookService::new(Settings::defaults().unwrap().webhooks()).unwrap();
    assert_eq!(service.fan_out(&first.store, &feed).await.unwrap(), 24);
    let now = OffsetDateTime::now_utc();
    let claimers = (0..8).map(|worker| {
        let store = if worker % 2 == 0 {
            first.store.clone()
        } else {
            second.store.clone()
        };
        tokio::spawn(async move {
            let mut mine = Vec::new();
            // Bounded, so a claim that hands out deliveries again fails instead of spinning.
            for _ in 0..50 {
                let jobs = store
                    .claim_webhook_deliveries(
                        &format!("worker-{worker}"),
                        now,
                        now + time::Duration::minutes(1),
                        3,
                    )
                    .await
                    .unwrap();
                if jobs.is_empty() {
                    return mine;
                }
                mine.extend(jobs.into_iter().map(|job| job.delivery.0));
            }
            mine
        })
    });
    let mut claimed: Vec<i64> = futures_util::future::join_all(claimers)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    claimed.sort_unstable();
    let distinct = claimed.iter().collect::<BTreeSet<_>>().len();
    assert_eq!(claimed.len(), 24, "claimed more than once: {claimed:?}");
    assert_eq!(distinct, 24);
}

#[tokio::test]
async fn internal_targets_are_refused_at_registration() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8080/hook",
        "http://0x7f.1/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://no-such-host.invalid/hook",
    ] {
        let answer = app
            .send_as(
                Method::POST,
                "/api/v1/webhooks",
                &c.lead.access_token,
                Some(&json!({"url": url, "event_types": ["quote.submitted"]})),
            )
            .await;
        problem(
            answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_target_refused",
        )
        .await;
    }
    for (url, types) in [
        ("ftp://203.0.113.9/hook", json!(["quote.submitted"])),
        (
            "https://user:pw@203.0.113.9/hook",
            json!(["quote.submitted"]),
        ),
        ("https://203.0.113.9/hook", json!([])),
        ("https://203.0.113.9/hook", json!(["quote.eaten"])),
        (
            "https://203.0.113.9/hook",
            json!(["quote.submitted", "quote.submitted"]),
        ),
    ] {
        let answer = app
            .send_as(
                Method::POST,
                "/api/v1/webhooks",
                &c.lead.access_token,
                Some(&json!({"url": url, "event_types": types})),
            )
            .await;
        problem(
            answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // A public address is fine, and a change to an internal one is refused like a registration.
    let created = register(
        &app,
        &c.lead,
        "https://203.0.113.9/hook",
        &["webhook.disabled"],
    )
    .await;
    let answer = app
        .send_as(
            Method::PATCH,
            &format!("/api/v1/webhooks/{}", created["id"]),
            &c.lead.access_token,
            Some(&json!({"version": created["version"], "url": "http://192.168.1.20/hook"})),
        )
        .await;
    problem(
        answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "webhook_target_refused",
    )
    .await;
    let answer = app
        .send_as(
            Method::PATCH,
            &format!("/api/v1/webhooks/{}", created["id"]),
            &c.lead.access_token,
            Some(&json!({"version": created["version"], "event_types": []})),
        )
        .await;
    problem(
        answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let unchanged = endpoint(&app, &c.lead, &created).await;
    assert_eq!(unchanged["url"], "https://203.0.113.9/hook");
    assert_eq!(unchanged["version"], created["version"]);
}

#[tokio::test]
async fn a_delivery_never_reaches_an_internal_address_registered_while_they_were_allowed() {
    // One process allowed internal targets and took the registrations; the one that delivers
    // does not: it refuses at the connection, by name (resolved) and by address.
    let lenient = spawn_app_with(|settings| {
        quick(1)(settings);
        settings.webhooks.deliver = false;
    })
    .await;
    let strict = spawn_beside_with(&lenient, |settings| {
        quick(1)(settings);
        settings.webhooks.allow_private_targets = false;
    })
    .await;
    let c = cast(&lenient).await;
    let receiver = Receiver::start(0, 500).await;
    let by_name = register(
        &lenient,
        &c.lead,
        &format!("http://localhost:{}/name", receiver.port),
        &["quote.submitted"],
    )
    .await;
    let by_address = register(
        &lenient,
        &c.lead,
        &receiver.url("/address"),
        &["quote.submitted"],
    )
    .await;
    quoted(&lenient, &c, 1).await;
    for webhook in [&by_name, &by_address] {
        eventually("both attempts failed", Duration::from_secs(10), || async {
            newest_status(&strict, &c.lead, webhook).await.as_deref() == Some("failed")
        })
        .await;
        let log = deliveries(&strict, &c.lead, webhook).await;
        let error = log[0]["last_error"].as_str().unwrap();
        assert!(error.contains("loopback"), "{error}");
        assert!(log[0]["last_status_code"].is_null());
    }
    assert!(receiver.received().is_empty());
    receiver.stop().await;
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_an_endpoint_or_its_deliveries() {
    let app = spawn_app_with(quick(1)).await;
    let c = cast(&app).await;
    let receiver = Receiver::start(0, 500).await;
    let created = register(&app, &c.lead, &receiver.url("/mine"), &["quote.submitted"]).await;
    quoted(&app, &c, 1).await;
    eventually(
        "the delivery is logged",
        Duration::from_secs(10),
        || async { !deliveries(&app, &c.lead, &created).await.is_empty() },
    )
    .await;
    let delivery = deliveries(&app, &c.lead, &created).await[0]["id"].clone();
    let id = created["id"].clone();
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/webhooks/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/webhooks/{id}"),
            Some(json!({"version": 1, "enabled": false})),
        ),
        (Method::DELETE, format!("/api/v1/webhooks/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{id}/deliveries/{delivery}/retry"),
            None,
        ),
    ];
    for (method, path, body) in cases {
        let missing = path.replace(&format!("/webhooks/{id}"), "/webhooks/999999");
        for stranger in [&c.rival, &c.sme] {
            let theirs = app
                .send_as(method.clone(), &path, &stranger.access_token, body.as_ref())
                .await;
            let absent = app
                .send_as(
                    method.clone(),
                    &missing,
                    &stranger.access_token,
                    body.as_ref(),
                )
                .await;
            assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(absent.status(), StatusCode::NOT_FOUND, "{method} {missing}");
            let theirs: Value = theirs.json().await.unwrap();
            let absent: Value = absent.json().await.unwrap();
            assert_eq!(
                theirs["detail"]
                    .as_str()
                    .unwrap()
                    .replace(&format!("webhook {id}"), "webhook N"),
                absent["detail"]
                    .as_str()
                    .unwrap()
                    .replace("webhook 999999", "webhook N")
            );
        }
    }
    let rivals = json_with_status(
        app.get_as("/api/v1/webhooks", &c.rival.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rivals["items"], json!([]));
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let answer = app
        .get_as(&format!("/api/v1/webhooks/{id}"), &admin.access_token)
        .await;
    problem(answer, StatusCode::FORBIDDEN, "forbidden").await;
    // Still there, untouched, for its owner.
    let mine = json_with_status(
        app.get_as(&format!("/api/v1/webhooks/{id}"), &c.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["enabled"], true);
    receiver.stop().await;
}

#[tokio::test]
async fn an_endpoint_failing_every_delivery_is_disabled_and_its_owner_told() {
    let app = spawn_app_with(|settings| {
        quick(1)(settings);
        settings.webhooks.disable_after_failures = 2;
    })
    .await;
    let c = cast(&app).await;
    let broken = Receiver::start(usize::MAX, 500).await;
    let watcher = Receiver::start(0, 500).await;
    let failing = register(&app, &c.lead, &broken.url("/down"), &["quote.submitted"]).await;
    let told = register(&app, &c.lead, &watcher.url("/ops"), &["webhook.disabled"]).await;
    for serial in 0..2 {
        quoted(&app, &c, serial).await;
    }
    eventually(
        "the endpoint is disabled",
        Duration::from_secs(10),
        || async { endpoint(&app, &c.lead, &failing).await["enabled"] == false },
    )
    .await;
    let current = endpoint(&app, &c.lead, &failing).await;
    assert_eq!(current["consecutive_failures"], 2);
    assert!(
        current["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("2 deliveries in a row failed"),
        "{current}"
    );
    let log = deliveries(&app, &c.lead, &failing).await;
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|one| one["status"] == "failed" && one["attempts"] == 2)
    );
    assert!(log[0]["last_error"].as_str().unwrap().contains("500"));
    // The owner hears of it, on its stream and at its other endpoint; the supplier does not.
    eventually("the owner hears of it", Duration::from_secs(5), || async {
        events_of(&app, &c.lead, 0)
            .await
            .iter()
            .any(|(_, kind)| kind == "webhook.disabled")
    })
    .await;
    let disabled = events_of(&app, &c.lead, 0)
        .await
        .into_iter()
        .find(|(_, kind)| kind == "webhook.disabled")
        .unwrap()
        .0;
    assert!(
        !events_of(&app, &c.sme, 0)
            .await
            .iter()
            .any(|(_, kind)| kind == "webhook.disabled")
    );
    eventually("the watcher hears of it", Duration::from_secs(10), || {
        let received = watcher.received();
        async move { !received.is_empty() }
    })
    .await;
    let heard = watcher.received()[0].clone();
    assert_eq!(heard.id, format!("evt_{disabled}"));
    assert!(verifies_received(told["secret"].as_str().unwrap(), &heard));
    assert_eq!(heard.json()["data"]["webhook_id"], failing["id"]);
    // Nothing new goes to a disabled endpoint.
    quoted(&app, &c, 9).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(deliveries(&app, &c.lead, &failing).await.len(), 2);
    // Enabled again, it starts afresh.
    let enabled = call(
        &app,
        &c.lead,
        Method::PATCH,
        &format!("/api/v1/webhooks/{}", failing["id"]),
        json!({"version": current["version"], "enabled": true}),
    )
    .await;
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["consecutive_failures"], 0);
    assert!(enabled["disabled_reason"].is_null());
    broken.stop().await;
    watcher.stop().await;
}

#[tokio::test]
async fn a_receiver_answering_gone_has_its_endpoint_disabled_at_once() {
    let app = spawn_app_with(quick(5)).await;
    let c = cast(&app).await;
    let gone = Receiver::start(usize::MAX, 410).await;
    let created = register(&app, &c.lead, &gone.url("/gone"), &["quote.submitted"]).await;
    quoted(&app, &c, 1).await;
    eventually(
        "the endpoint is disabled",
        Duration::from_secs(10),
        || async { endpoint(&app, &c.lead, &created).await["enabled"] == false },
    )
    .await;
    assert_eq!(gone.received().len(), 1);
    let log = deliveries(&app, &c.lead, &created).await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["last_status_code"], 410);
    gone.stop().await;
}

#[tokio::test]
async fn a_delivery_can_be_sent_again_with_the_same_id() {
    let app = spawn_app_with(quick(1)).await;
    let c = cast(&app).await;
    let receiver = Receiver::start(2, 500).await;
    let created = register(&app, &c.lead, &receiver.url("/again"), &["quote.submitted"]).await;
    quoted(&app, &c, 1).await;
    eventually(
        "the delivery is given up",
        Duration::from_secs(10),
        || async { newest_status(&app, &c.lead, &created).await.as_deref() == Some("failed") },
    )
    .await;
    let delivery = deliveries(&app, &c.lead, &created).await[0].clone();
    assert_eq!(delivery["attempts"], 2);
    let path = format!(
        "/api/v1/webhooks/{}/deliveries/{}/retry",
        created["id"], delivery["id"]
    );
    let answer = json_with_status(
        app.send_as(Method::POST, &path, &c.lead.access_token, None)
            .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(answer["status"], "pending");
    eventually(
        "the re-send is delivered",
        Duration::from_secs(10),
        || async { newest_status(&app, &c.lead, &created).await.as_deref() == Some("delivered") },
    )
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|one| one.id == delivery["message_id"]));
    assert_eq!(deliveries(&app, &c.lead, &created).await[0]["attempts"], 3);
    // A disabled endpoint sends nothing, re-sends included.
    let current = endpoint(&app, &c.lead, &created).await;
    call(
        &app,
        &c.lead,
        Method::PATCH,
        &format!("/api/v1/webhooks/{}", created["id"]),
        json!({"version": current["version"], "enabled": false}),
    )
    .await;
    let answer = app
        .send_as(Method::POST, &path, &c.lead.access_token, None)
        .await;
    problem(answer, StatusCode::CONFLICT, "conflict").await;
    receiver.stop().await;
}

/// Reads server-sent events until `count` have arrived or `wait` passes; their (id, type).
async fn read_events(
    response: &mut reqwest::Response,
    count: usize,
    wait: Duration,
) -> Vec<(i64, String)> {
    let mut seen = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while seen.len() < count {
        let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await else {
            break;
        };
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data: ")) {
                let event: Value = serde_json::from_str(data).unwrap();
                seen.push((
                    event["id"].as_i64().unwrap(),
                    event["type"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    seen
}

async fn stream(app: &TestApp, who: &Account, last: Option<i64>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&who.access_token)
        .header("accept", "text/event-stream");
    if let Some(last) = last {
        request = request.header("last-event-id", last.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
}

#[tokio::test]
async fn pending_deliveries_and_a_stream_survive_a_restart() {
    let settings = |deliver: bool| {
        move |settings: &mut Settings| {
            quick(30)(settings);
            settings.webhooks.retry_schedule_secs = vec![0.3; 30];
            settings.webhooks.deliver = deliver;
        }
    };
    let first = spawn_app_with(settings(true)).await;
    let c = cast(&first).await;
    // The receiver is down: its port refuses connections until it starts, after the restart.
    let reserved = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = reserved.local_addr().unwrap().port();
    drop(reserved);
    let created = register(
        &first,
        &c.lead,
        &format!("http://127.0.0.1:{port}/later"),
        &["need.published", "quote.submitted"],
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    // The supplier listens, hears of the first need, and goes away.
    let mut listening = stream(&first, &c.sme, None).await;
    let need = publish(&first, &c.lead, 1).await;
    let heard = read_events(&mut listening, 1, Duration::from_secs(5)).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    let last_heard = heard[0].0;
    drop(listening);
    quote(&first, &c.sme, need).await;
    eventually(
        "both deliveries were tried",
        Duration::from_secs(10),
        || async {
            let log = deliveries(&first, &c.lead, &created).await;
            log.len() == 2
                && log
                    .iter()
                    .all(|one| one["status"] == "pending" && one["attempts"].as_u64() >= Some(1))
        },
    )
    .await;
    first.stop().await;

    // A process that does not deliver takes writes: their events wait in the outbox, fanned out
    // by nobody, as if the process that wrote them had died before it could.
    let writer = spawn_beside_with(&first, settings(false)).await;
    quoted(&writer, &c, 2).await;
    assert_eq!(deliveries(&writer, &c.lead, &created).await.len(), 2);

    // The receiver comes up, and the service restarts.
    let receiver = Receiver::on(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0, 500).await;
    let second = spawn_beside_with(&first, settings(true)).await;
    quoted(&second, &c, 3).await;

    let expected: BTreeSet<String> = events_of(&second, &c.lead, 0)
        .await
        .into_iter()
        .filter(|(_, kind)| kind == "need.published" || kind == "quote.submitted")
        .map(|(id, _)| format!("evt_{id}"))
        .collect();
    assert_eq!(expected.len(), 6);
    eventually("every event arrived", Duration::from_secs(15), || {
        let seen: BTreeSet<String> = receiver.received().into_iter().map(|one| one.id).collect();
        let expected = expected.clone();
        async move { seen == expected }
    })
    .await;
    assert!(
        receiver
            .received()
            .iter()
            .all(|one| verifies_received(&secret, one))
    );

    // The supplier comes back with its last id and hears everything since, once, in order.
    let since: Vec<(i64, String)> = events_of(&second, &c.sme, last_heard).await;
    assert_eq!(
        since
            .iter()
            .map(|(_, kind)| kind.as_str())
            .collect::<Vec<_>>(),
        [
            "quote.submitted",
            "need.published",
            "quote.submitted",
            "need.published",
            "quote.submitted"
        ]
    );
    let mut resumed = stream(&second, &c.sme, Some(last_heard)).await;
    let heard = read_events(&mut resumed, since.len() + 1, Duration::from_secs(2)).await;
    assert_eq!(heard, since);
    drop(writer);
    receiver.stop().await;
}

#[tokio::test]
async fn the_fan_out_never_passes_an_event_still_being_committed() {
    use peitao_app::{events::EventFeed, webhooks::WebhookService};
    use sea_orm::TransactionTrait;
    let app = spawn_app_with(|settings| {
        quick(1)(settings);
        settings.webhooks.deliver = false;
    })
    .await;
    // SQLite lets one writer in at a time, so ids always commit in order there: only PostgreSQL
    // can leave a hole below a committed id.
    if app.store.backend() != peitao_store::Backend::Postgres {
        return;
    }
    let c = cast(&app).await;
    let created = register(
        &app,
        &c.lead,
        "https://203.0.113.9/hook",
        &["need.published"],
    )
    .await;
    let lead = c.lead.organization_id.unwrap();
    let db = app.store.connection();
    let feed = EventFeed::start(&app.store, Duration::from_secs(600))
        .await
        .unwrap();
    let service =
        WebhookService::new(peitao_api::Settings::defaults().unwrap().webhooks()).unwrap();
    let slow = db.begin().await.unwrap();
    let first = write_event(&slow, lead).await;
    let second = write_event(db, lead).await;
    assert!(first < second);
    feed.refresh(&app.store).await.unwrap();
    assert_eq!(service.fan_out(&app.store, &feed).await.unwrap(), 0);
    assert!(app.store.webhook_dispatch_cursor().await.unwrap() < first);
    slow.commit().await.unwrap();
    feed.refresh(&app.store).await.unwrap();
    assert_eq!(service.fan_out(&app.store, &feed).await.unwrap(), 2);
    let events: BTreeSet<i64> = deliveries(&app, &c.lead, &created)
        .await
        .iter()
        .map(|one| one["event_id"].as_i64().unwrap())
        .collect();
    assert_eq!(events, BTreeSet::from([first, second]));
}

/// Writes a `need.published` event for `organization`, as the store would, on `db`; its id.
async fn write_event<C: sea_orm::ConnectionTrait>(db: &C, organization: i64) -> i64 {
    let backend = db.get_database_backend();
    let id = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "INSERT INTO events (kind, occurred_at, payload) \
             VALUES ('need.published', now(), '{}') RETURNING id",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO event_audience (event_id, organization_id) VALUES ({id}, {organization})"
    ))
    .await
    .unwrap();
    id
}
