//! `Idempotency-Key` on creating POSTs.

use peitao_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_with_status, problem, spawn_app, spawn_app_with};

async fn create_user(app: &TestApp, token: &str, key: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"email": email, "display_name": "Ops", "role": "platform_admin"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing_more() {
    let app = spawn_app().await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let first = create_user(&app, &admin.access_token, "key-1", "ops@example.com").await;
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first = json_with_status(first, StatusCode::CREATED).await;

    let retry = create_user(&app, &admin.access_token, "key-1", "ops@example.com").await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry = json_with_status(retry, StatusCode::CREATED).await;
    assert_eq!(retry["user"], first["user"]);
    assert!(first["generated_password"].is_string());
    assert!(
        retry.get("generated_password").is_none(),
        "a generated password is shown once only"
    );

    // Without the key the same request is a second attempt, which the unique e-mail refuses.
    let again = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/users",
            &admin.access_token,
            Some(&json!({"email": "ops@example.com", "display_name": "Ops", "role": "platform_admin"})),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "conflict").await;
}

#[tokio::test]
async fn the_same_key_for_another_request_is_refused() {
    let app = spawn_app().await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    json_with_status(
        create_user(&app, &admin.access_token, "key-2", "a@example.com").await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        create_user(&app, &admin.access_token, "key-2", "b@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    let app = spawn_app().await;
    let first = app
        .administrator("one@example.com", Role::PlatformAdmin, None)
        .await;
    let second = app
        .administrator("two@example.com", Role::PlatformAdmin, None)
        .await;
    json_with_status(
        create_user(&app, &first.access_token, "shared", "x@example.com").await,
        StatusCode::CREATED,
    )
    .await;
    let other = create_user(&app, &second.access_token, "shared", "y@example.com").await;
    assert!(!other.headers().contains_key("idempotent-replayed"));
    json_with_status(other, StatusCode::CREATED).await;
}

#[tokio::test]
async fn a_retried_supplier_import_stores_the_organisations_once() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let send = || {
        app.client
            .post(app.url("/api/v1/imports/suppliers"))
            .bearer_auth(&admin.access_token)
            .header("content-type", "text/csv")
            .header("idempotency-key", "import-2026-11-27")
            .body("name,region_code\nOnce Co,420606\n")
            .send()
    };
    let first: Value = json_with_status(send().await.unwrap(), StatusCode::CREATED).await;
    let retry: Value = json_with_status(send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(first, retry);
    assert_eq!(app.store.count_organizations().await.unwrap(), 1);
}

#[tokio::test]
async fn a_malformed_key_is_a_problem_400() {
    let app = spawn_app().await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    problem(
        create_user(&app, &admin.access_token, &"k".repeat(300), "z@example.com").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn sign_in_answers_are_never_kept_for_replay_however_the_path_is_spelled() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@example.com", "lead", "420606", None)
        .await;
    for path in ["/api/v1/auth/login", "/api/v1/%61uth/login"] {
        for _ in 0..2 {
            let response = app
                .client
                .post(app.url(path))
                .bearer_auth(&account.access_token)
                .header("idempotency-key", "login-key")
                .json(&json!({"email": "buyer@example.com", "password": crate::helpers::PASSWORD}))
                .send()
                .await
                .unwrap();
            assert!(
                !response.headers().contains_key("idempotent-replayed"),
                "{path}"
            );
            json_with_status(response, StatusCode::OK).await;
        }
    }
}
