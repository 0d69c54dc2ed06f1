use reqwest::StatusCode;

use crate::helpers::{json_with_status, spawn_app};

#[tokio::test]
async fn healthz_answers_without_the_database() {
    let app = spawn_app().await;
    let body = json_with_status(app.get("/healthz").await, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_ok_when_the_database_answers_and_names_the_engine() {
    let app = spawn_app().await;
    let body = json_with_status(app.get("/readyz").await, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
    let expected = if std::env::var("PEITAO_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn readyz_is_unavailable_once_the_database_is_gone() {
    let app = spawn_app().await;
    app.store.clone().close().await.unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_a_plain_one() {
    let app = spawn_app().await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");

    let forged = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "a b")
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "a b");
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = spawn_app().await;
    app.get("/api/v1/regions/429004").await;
    app.get("/api/v1/regions/429004").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"peitao_http_requests_total{method="GET",route="/api/v1/regions/{code}",status="404"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains("peitao_http_request_duration_seconds_bucket"),
        "{text}"
    );
}
