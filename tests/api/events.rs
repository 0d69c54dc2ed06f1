//! The outbox over HTTP: a journey's events reach the right listeners, in order, and nobody else;
//! an SME listening on the stream hears of a matching need the moment it is published; a stream
//! resumes after its last id; a lost race leaves no event.

use std::time::Duration;

use peitao_domain::{Category, CategoryCode, ParkId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{Account, TestApp, json_with_status, spawn_app};

struct Cast {
    lead: Account,
    /// In Hubei; makes hubs; certified.
    near: Account,
    /// In Hubei; makes textiles only.
    unrelated: Account,
    /// Another lead enterprise.
    rival: Account,
    park: Account,
    other_park: Account,
}

async fn cast(app: &TestApp) -> Cast {
    app.seed_geography().await;
    let category = |code: &str, parent: Option<&str>| Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|raw| CategoryCode::parse(raw).unwrap()),
        name_zh: code.into(),
        name_en: code.into(),
        reference: None,
    };
    app.store
        .insert_categories(&[
            category("auto", None),
            category("auto.hub", Some("auto")),
            category("textile", None),
        ])
        .await
        .unwrap();
    let parks = app.store.all_parks().await.unwrap();
    let park_of =
        |code: &str| -> ParkId { parks.iter().find(|park| park.code == code).unwrap().id };
    let lead = app
        .register(
            "lead@example.com",
            "lead",
            "420606",
            Some(park_of("xiangyang_hitech")),
        )
        .await;
    let rival = app
        .register(
            "rival@example.com",
            "lead",
            "429004",
            Some(park_of("xiantao_hitech")),
        )
        .await;
    let near = app
        .register("near@example.com", "sme", "420607", None)
        .await;
    let unrelated = app
        .register("textile@example.com", "sme", "420607", None)
        .await;
    for (sme, category) in [(&near, "auto.hub"), (&unrelated, "textile")] {
        json_with_status(
            app.send_as(
                Method::PUT,
                "/api/v1/suppliers/me/capabilities",
                &sme.access_token,
                Some(&json!({"capabilities": [
                    {"category_code": category, "annual_capacity": 50_000, "unit": "pcs"}
                ]})),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let park = app
        .administrator(
            "park@example.com",
            peitao_domain::Role::ParkAdmin,
            Some(park_of("xiangyang_hitech")),
        )
        .await;
    let other_park = app
        .administrator(
            "xiantao@example.com",
            peitao_domain::Role::ParkAdmin,
            Some(park_of("xiantao_hitech")),
        )
        .await;
    Cast {
        lead,
        near,
        unrelated,
        rival,
        park,
        other_park,
    }
}

async fn post(app: &TestApp, who: &Account, path: &str, body: Value) -> Value {
    let body = (!body.is_null()).then_some(body);
    let answer = app
        .send_as(Method::POST, path, &who.access_token, body.as_ref())
        .await;
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.unwrap()
}

async fn publish(app: &TestApp, lead: &Account, quantity: u64) -> i64 {
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&Rfc3339)
        .unwrap();
    let need = post(
        app,
        lead,
        "/api/v1/needs",
        json!({
            "category_code": "auto.hub", "title": "Wheel hubs", "quantity": quantity, "unit": "pcs",
            "estimated_value_fen": 1_000_000, "required_certifications": [],
            "delivery_region_code": "420606", "response_deadline": deadline, "visibility": "public"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        lead,
        &format!("/api/v1/needs/{need}/publish"),
        Value::Null,
    )
    .await;
    need
}

/// The (type, subject id) of every event `who` may see, after checking the ids rise.
async fn heard(app: &TestApp, who: &Account) -> Vec<(String, i64)> {
    let page = json_with_status(
        app.get_as("/api/v1/events?limit=100", &who.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    let ids: Vec<i64> = items
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    assert_eq!(page["next_after"], ids.last().copied().unwrap_or(0));
    items
        .iter()
        .map(|item| {
            let payload = &item["payload"];
            let subject = ["deal_id", "quote_id", "need_id", "organization_id"]
                .iter()
                .find_map(|key| payload[*key].as_i64())
                .unwrap();
            (item["type"].as_str().unwrap().to_owned(), subject)
        })
        .collect()
}

fn kinds(events: &[(String, i64)]) -> Vec<&str> {
    events.iter().map(|(kind, _)| kind.as_str()).collect()
}

#[tokio::test]
async fn a_journeys_events_reach_the_right_listeners_in_order_and_nobody_else() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let need = publish(&app, &c.lead, 1_000).await;
    let quote = post(
        &app,
        &c.near,
        &format!("/api/v1/needs/{need}/quotes"),
        json!({"unit_price_fen": 100, "quantity": 1_000, "lead_time_days": 10}),
    )
    .await;
    post(
        &app,
        &c.lead,
        &format!("/api/v1/quotes/{}/shortlist", quote["id"]),
        Value::Null,
    )
    .await;
    let deal = post(
        &app,
        &c.lead,
        &format!("/api/v1/needs/{need}/awards"),
        json!({"quote_id": quote["id"], "quantity": 400, "contract_value_fen": 40_000}),
    )
    .await;
    post(
        &app,
        &c.lead,
        &format!("/api/v1/deals/{}/cancel", deal["id"]),
        json!({"reason": "Budget cut"}),
    )
    .await;

    let lead = heard(&app, &c.lead).await;
    assert_eq!(
        kinds(&lead),
        [
            "need.published",
            "quote.submitted",
            "quote.shortlisted",
            "deal.created",
            "deal.cancelled"
        ]
    );
    assert_eq!(lead[0].1, need);
    // The SME that matches heard of the need, then of its own quote and deal.
    assert_eq!(heard(&app, &c.near).await, lead);
    // The park of the lead hears it all; the other park, the rival lead and the SME that makes
    // textiles hear nothing.
    assert_eq!(heard(&app, &c.park).await, lead);
    for outsider in [&c.other_park, &c.rival, &c.unrelated] {
        assert!(heard(&app, outsider).await.is_empty());
    }
    // Payloads say what happened.
    let page = json_with_status(
        app.get_as("/api/v1/events", &c.near.access_token).await,
        StatusCode::OK,
    )
    .await;
    let cancelled = page["items"].as_array().unwrap().last().unwrap();
    assert_eq!(cancelled["payload"]["cancel_reason"], "Budget cut");
    assert_eq!(
        cancelled["payload"]["supplier_id"],
        c.near.organization_id.unwrap()
    );
    // `after` pages on.
    let first = page["items"][0]["id"].as_i64().unwrap();
    let rest = json_with_status(
        app.get_as(
            &format!("/api/v1/events?after={first}"),
            &c.near.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), lead.len() - 1);
    for bad in ["after=-1", "limit=0", "limit=101"] {
        let answer = app
            .get_as(&format!("/api/v1/events?{bad}"), &c.near.access_token)
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Reads server-sent events from `response` until one of type `kind` arrives or `wait` passes.
async fn read_until(response: &mut reqwest::Response, kind: &str, wait: Duration) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < deadline {
        let chunk = tokio::time::timeout_at(deadline, response.chunk()).await;
        let Ok(Ok(Some(chunk))) = chunk else { break };
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data: ")) {
                let event: Value = serde_json::from_str(data).unwrap();
                let id = frame
                    .lines()
                    .find_map(|line| line.strip_prefix("id: "))
                    .unwrap();
                assert_eq!(event["id"].to_string(), id);
                let done = event["type"] == kind;
                seen.push(event);
                if done {
                    return seen;
                }
            }
        }
    }
    seen
}

#[tokio::test]
async fn an_sme_on_the_stream_hears_a_matching_need_at_once_and_resumes_after_its_last_id() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let open = |after: Option<i64>| {
        let mut request = app
            .client
            .get(app.url("/api/v1/events"))
            .bearer_auth(&c.near.access_token)
            .header("accept", "text/event-stream");
        if let Some(after) = after {
            request = request.header("last-event-id", after.to_string());
        }
        request.send()
    };
    let mut stream = open(None).await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let need = publish(&app, &c.lead, 1_000).await;
    let heard = read_until(&mut stream, "need.published", Duration::from_secs(3)).await;
    let published = heard
        .last()
        .expect("the published need arrives on the stream");
    assert_eq!(published["type"], "need.published");
    assert_eq!(published["payload"]["need_id"], need);
    let last = published["id"].as_i64().unwrap();
    drop(stream);

    // While it is away, two more needs are published; on its return it gets exactly those.
    let second = publish(&app, &c.lead, 10).await;
    let third = publish(&app, &c.lead, 20).await;
    let mut stream = open(Some(last)).await.unwrap();
    let heard = read_until(&mut stream, "never", Duration::from_millis(1_500)).await;
    let needs: Vec<i64> = heard
        .iter()
        .map(|event| event["payload"]["need_id"].as_i64().unwrap())
        .collect();
    assert_eq!(needs, [second, third]);
    // The SME that makes textiles hears none of it.
    let mut other = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&c.unrelated.access_token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert!(
        read_until(&mut other, "never", Duration::from_millis(500))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn fifty_racing_awards_leave_exactly_one_deal_created_event() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let need = publish(&app, &c.lead, 100).await;
    let quote = post(
        &app,
        &c.near,
        &format!("/api/v1/needs/{need}/quotes"),
        json!({"unit_price_fen": 100, "quantity": 100, "lead_time_days": 10}),
    )
    .await;
    let path = format!("/api/v1/needs/{need}/awards");
    let body = json!({"quote_id": quote["id"], "quantity": 100, "contract_value_fen": 10_000});
    let attempts = (0..50).map(|_| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&c.lead.access_token)
            .json(&body);
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == StatusCode::CREATED)
            .count(),
        1
    );
    let created = heard(&app, &c.lead)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "deal.created")
        .count();
    assert_eq!(created, 1);
}

#[tokio::test]
async fn the_feed_never_reads_past_an_event_still_being_committed() {
    use peitao_app::events::EventFeed;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_app().await;
    // SQLite lets one writer in at a time, so ids always commit in order there: only PostgreSQL
    // can leave a hole below a committed id.
    if app.store.backend() != peitao_store::Backend::Postgres {
        return;
    }
    let insert = "INSERT INTO events (kind, occurred_at, payload) VALUES ('test.event', now(), '{}') \
                  RETURNING id";
    let id_of =
        |row: Option<sea_orm::QueryResult>| row.unwrap().try_get_by_index::<i64>(0).unwrap();
    let patient = EventFeed::start(&app.store, Duration::from_secs(600))
        .await
        .unwrap();
    let hasty = EventFeed::start(&app.store, Duration::ZERO).await.unwrap();
    let start = patient.watermark();
    let db = app.store.connection();
    let slow = db.begin().await.unwrap();
    let first = id_of(
        slow.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            insert,
        ))
        .await
        .unwrap(),
    );
    let second = id_of(
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            insert,
        ))
        .await
        .unwrap(),
    );
    assert!(first < second);
    // The second is committed, the first not yet: the watermark waits below the first.
    assert_eq!(patient.refresh(&app.store).await.unwrap(), start);
    slow.commit().await.unwrap();
    assert_eq!(patient.refresh(&app.store).await.unwrap(), second);
    // A hole that never fills (a rollback) is passed once the patience runs out.
    let rolled = db.begin().await.unwrap();
    id_of(
        rolled
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                insert,
            ))
            .await
            .unwrap(),
    );
    let third = id_of(
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            insert,
        ))
        .await
        .unwrap(),
    );
    rolled.rollback().await.unwrap();
    hasty.refresh(&app.store).await.unwrap();
    assert_eq!(hasty.refresh(&app.store).await.unwrap(), third);
}

/// On PostgreSQL a process hears another's events through `NOTIFY peitao_events`, not by waiting
/// for its next poll: here the second process polls once a minute.
#[tokio::test]
async fn another_process_hears_an_event_at_once_without_waiting_for_its_poll() {
    let app = spawn_app().await;
    if app.store.backend() != peitao_store::Backend::Postgres {
        return;
    }
    let other = crate::helpers::spawn_beside_with(&app, |settings| {
        settings.events.poll_millis = 60_000;
    })
    .await;
    let cast = cast(&app).await;
    // Let the second process's listener settle before the write it must hear.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let need = publish(&app, &cast.lead, 10).await;
    let started = std::time::Instant::now();
    loop {
        if heard(&other, &cast.lead)
            .await
            .contains(&("need.published".to_owned(), need))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the second process did not hear need.published within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
