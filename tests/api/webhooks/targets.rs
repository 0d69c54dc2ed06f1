//! Who and what may receive: internal addresses refused at registration and at delivery, and
//! another tenant's endpoints out of sight.

use super::*;

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
