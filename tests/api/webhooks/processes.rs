//! Several processes on one database, and one after another: each delivery made once, claims that
//! never overlap, a restart that loses nothing, a fan-out that never passes an event still being
//! committed.

use super::*;

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
