//! Deliveries: the signed event, a receiver that recovers, one that keeps failing or answers
//! `410 Gone`, and a re-send.

use super::*;

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
