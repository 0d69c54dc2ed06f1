//! The holes a black-box probe found, each tried again the way the probe tried it: made-up methods
//! against the metrics, a body trickled byte by byte, invisible characters in e-mails and names,
//! odd dates, missing security headers, loose media types, and errors that repeat huge values.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{PASSWORD, json_with_status, problem, spawn_app, spawn_app_with};

fn registration(email: &str, name: &str, display_name: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "display_name": display_name,
        "organization": {"name": name, "kind": "sme", "region_code": "420606", "park_id": null}
    })
}

#[tokio::test]
async fn made_up_methods_add_no_metric_series() {
    let app = spawn_app().await;
    for serial in 0..200 {
        let method =
            Method::from_bytes(format!("X{serial:05}{}", "Y".repeat(200)).as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(!text.contains("X00001"), "a made-up method became a label");
    assert!(
        text.contains(r#"method="other",route="/healthz",status="405"} 200"#),
        "{text}"
    );
    assert!(text.len() < 20_000, "metrics grew to {} bytes", text.len());
}

#[tokio::test]
async fn raw_paths_never_become_metric_labels() {
    let app = spawn_app().await;
    for serial in 0..50 {
        app.get(&format!("/no/such/path/{serial}")).await;
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(text.contains(r#"route="unmatched""#), "{text}");
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_deadline_is_cut_off_with_408() {
    let app = spawn_app_with(|settings| settings.server.body_timeout_secs = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let body = br#"{"email":"slow@example.com","password":"0123456789"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // One byte every 300 ms: the whole body would need 15 seconds.
    for byte in body.iter().take(8) {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn an_email_with_an_invisible_character_is_not_a_second_account() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let first = app
        .post_json(
            "/api/v1/auth/register",
            &registration("lead1@peitao.demo", "First Co.", "First"),
        )
        .await;
    json_with_status(first, StatusCode::CREATED).await;
    for email in [
        "lead1@peitao.demo\u{200B}",
        "\u{FEFF}lead1@peitao.demo",
        "lead1\u{0}@peitao.demo",
        "lead\u{202E}1@peitao.demo",
        "<script>@peitao.demo",
        " lead1@peitao.demo",
    ] {
        let response = app
            .post_json(
                "/api/v1/auth/register",
                &registration(email, "Second Co.", "Second"),
            )
            .await;
        problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let upper = app
        .post_json(
            "/api/v1/auth/register",
            &registration("LEAD1@peitao.demo", "Second Co.", "Second"),
        )
        .await;
    problem(upper, StatusCode::CONFLICT, "conflict").await;
}

#[tokio::test]
async fn names_need_a_visible_character_and_no_control_or_invisible_ones() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let bad = [
        "\u{200B}",
        "\u{FEFF}",
        "   ",
        "Acme\u{0}",
        "Acme\u{1B}[31m",
        "Acme\r\nX-Injected: 1",
        "Acme\u{202E}",
    ];
    for (serial, name) in bad.iter().enumerate() {
        let as_organisation = app
            .post_json(
                "/api/v1/auth/register",
                &registration(&format!("org{serial}@example.com"), name, "Person"),
            )
            .await;
        problem(
            as_organisation,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let as_person = app
            .post_json(
                "/api/v1/auth/register",
                &registration(&format!("person{serial}@example.com"), "Acme", name),
            )
            .await;
        problem(
            as_person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let long_name = "湖".repeat(500);
    let accepted = app
        .post_json(
            "/api/v1/auth/register",
            &registration("long@example.com", &long_name, "Person"),
        )
        .await;
    let body = json_with_status(accepted, StatusCode::CREATED).await;
    assert_eq!(body["organization"]["name"], long_name.as_str());
    let too_long = app
        .post_json(
            "/api/v1/auth/register",
            &registration("longer@example.com", &format!("{long_name}湖"), "Person"),
        )
        .await;
    problem(
        too_long,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn units_processes_and_certificate_numbers_refuse_control_characters() {
    let app = spawn_app().await;
    app.seed_geography().await;
    app.store
        .insert_categories(&[peitao_domain::Category {
            code: peitao_domain::CategoryCode::parse("auto").unwrap(),
            parent_code: None,
            name_zh: "汽车".into(),
            name_en: "Automotive".into(),
            reference: None,
        }])
        .await
        .unwrap();
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    for capability in [
        json!({"category_code": "auto", "annual_capacity": 10, "unit": "pcs\u{0}"}),
        json!({"category_code": "auto", "annual_capacity": 10, "unit": "pcs", "processes": ["cut\r\nweld"]}),
        json!({"category_code": "auto", "annual_capacity": 10, "unit": "\u{200B}"}),
    ] {
        let response = app
            .send_as(
                Method::PUT,
                "/api/v1/suppliers/me/capabilities",
                &sme.access_token,
                Some(&json!({"capabilities": [capability]})),
            )
            .await;
        problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let response = app
        .send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &sme.access_token,
            Some(&json!({"kind": "ISO9001", "number": "Q\u{1B}1", "valid_from": "2025-01-01", "valid_until": "2028-01-01"})),
        )
        .await;
    problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn certificate_dates_are_strict_and_answered_as_plain_dates() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    let certify = |from: &str, until: &str| json!({"kind": "IATF16949", "number": "CN-1", "valid_from": from, "valid_until": until});
    for (from, until) in [
        ("+2026-01-01", "2028-01-01"),
        ("0000-01-01", "2028-01-01"),
        ("-0001-01-01", "2028-01-01"),
        ("2025-01-01", "9999-12-31"),
        ("2025-02-30", "2028-01-01"),
        ("2025-1-1", "2028-01-01"),
    ] {
        let response = app
            .send_as(
                Method::POST,
                "/api/v1/suppliers/me/certifications",
                &sme.access_token,
                Some(&certify(from, until)),
            )
            .await;
        problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let listed = app
        .get_as("/api/v1/suppliers/me/certifications", &sme.access_token)
        .await;
    assert_eq!(
        json_with_status(listed, StatusCode::OK).await["items"],
        json!([])
    );
    let created = app
        .send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &sme.access_token,
            Some(&certify("2024-02-29", "2028-01-01")),
        )
        .await;
    let created = json_with_status(created, StatusCode::CREATED).await;
    assert_eq!(created["valid_from"], "2024-02-29");
    assert_eq!(created["valid_until"], "2028-01-01");
}

#[tokio::test]
async fn answers_carrying_tokens_are_never_cached_and_nothing_is_sniffed() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &registration("cache@example.com", "Cache Co.", "Person"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "cache@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let error = app.get("/api/v1/regions/nope").await;
    assert_eq!(error.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_documentation_page_forbids_framing_and_foreign_scripts() {
    let app = spawn_app().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn json_bodies_must_be_sent_as_application_json() {
    let app = spawn_app().await;
    let body = br#"{"email":"a@example.com","password":"0123456789"}"#.to_vec();
    for content_type in [
        "text/json",
        "application/json;charset=latin1",
        "application/x-www-form-urlencoded",
        "text/plain",
    ] {
        let response = app
            .post_raw("/api/v1/auth/login", content_type, body.clone())
            .await;
        problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    let response = app
        .post_raw(
            "/api/v1/auth/login",
            "application/json; charset=utf-8",
            body,
        )
        .await;
    problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn errors_repeat_only_a_short_excerpt_of_what_was_sent() {
    let app = spawn_app().await;
    let cursor = "c".repeat(20_000);
    let response = app.get(&format!("/api/v1/regions?cursor={cursor}")).await;
    let body = problem(response, StatusCode::BAD_REQUEST, "bad_request").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.len() < 300, "{} bytes of detail", detail.len());
    let field = "f".repeat(20_000);
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "a@example.com", "password": "x", field: 1}),
        )
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST, "invalid_json").await;
    assert!(body["detail"].as_str().unwrap().len() < 1_000);
}

#[tokio::test]
async fn a_search_for_a_nul_character_is_refused_not_a_match_for_everything() {
    let app = spawn_app().await;
    for query in ["q=%00", "q=%E2%80%8B", "q="] {
        let response = app.get(&format!("/api/v1/categories?{query}")).await;
        problem(response, StatusCode::BAD_REQUEST, "bad_request").await;
    }
}

#[tokio::test]
async fn expired_refresh_tokens_are_purged_when_new_ones_are_issued() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    app.seed_geography().await;
    app.register("purge@example.com", "lead", "420606", None)
        .await;
    let backend = app.store.connection().get_database_backend();
    app.store
        .connection()
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE refresh_tokens SET expires_at = '2020-01-01T00:00:00Z'",
        ))
        .await
        .unwrap();
    app.login("purge@example.com", PASSWORD).await;
    let remaining = app
        .store
        .connection()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM refresh_tokens",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(remaining, 1, "only the token just issued is left");
}

#[tokio::test]
async fn a_missing_postgres_database_is_created_on_first_start() {
    use sea_orm::{ConnectionTrait, Database};
    let Some(server) = std::env::var("PEITAO_TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
    else {
        return;
    };
    let name = format!("peitao_fresh_{}", uuid::Uuid::new_v4().simple());
    let store = peitao_store::Store::connect(&peitao_store::ConnectOptions {
        url: crate::helpers::with_database_name(&server, &name),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(5),
        sqlite_busy_timeout: Duration::from_secs(1),
    })
    .await
    .expect("the database is created and opened");
    store
        .connection()
        .execute_unprepared("SELECT 1")
        .await
        .unwrap();
    store.connection().clone().close().await.unwrap();
    let admin = Database::connect(&server).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("the created database existed");
    admin.close().await.unwrap();
}
