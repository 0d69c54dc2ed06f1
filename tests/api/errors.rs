use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_unknown_route_is_a_problem_404() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/nowhere").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("/api/v1/nowhere"),
        "{body}"
    );
}

#[tokio::test]
async fn a_wrong_method_is_a_problem_405_with_allow() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/regions/420606"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn malformed_json_is_a_problem_400_that_says_what_is_wrong() {
    let app = spawn_app().await;
    let response = app
        .post_raw(
            "/api/v1/auth/login",
            "application/json",
            b"{\"email\": ".to_vec(),
        )
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST, "invalid_json").await;
    assert!(body["detail"].as_str().unwrap().contains("EOF"), "{body}");
}

#[tokio::test]
async fn unknown_fields_are_rejected_by_name() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "a@b.example", "password": "0123456789", "role": "platform_admin"}),
        )
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST, "invalid_json").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `role`"),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_problem_413() {
    let app = spawn_app_with(|settings| settings.server.body_limit_bytes = 2048).await;
    let big = json!({"email": "a@b.example", "password": "x".repeat(4096)});
    let body = problem(
        app.post_json("/api/v1/auth/login", &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("2048"), "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_problem_415() {
    let app = spawn_app().await;
    let response = app
        .post_raw(
            "/api/v1/auth/login",
            "text/plain",
            b"email=a@b.example".to_vec(),
        )
        .await;
    problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_query_parameter_is_a_problem_400_naming_it() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/regions?parnet=420000").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("parnet"),
        "{body}"
    );
}

#[tokio::test]
async fn a_raw_body_over_the_limit_is_a_problem_413_too() {
    let app = spawn_app_with(|settings| settings.server.body_limit_bytes = 2048).await;
    let admin = app
        .administrator("root@example.com", peitao_domain::Role::PlatformAdmin, None)
        .await;
    let response = app
        .client
        .post(app.url("/api/v1/imports/suppliers"))
        .bearer_auth(&admin.access_token)
        .header("content-type", "text/csv")
        .body(format!("name,region_code\n{}", "x,420606\n".repeat(1000)))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn a_path_id_that_is_not_a_number_is_a_problem_400() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("someone@example.com", "sme", "420606", None)
        .await;
    let body = problem(
        app.get_as("/api/v1/organizations/abc", &account.access_token)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("path"), "{body}");
}

#[tokio::test]
async fn a_trailing_slash_is_a_404_that_suggests_the_path() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/regions/").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean /api/v1/regions?"),
        "{body}"
    );
}
