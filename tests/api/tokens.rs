//! Forged, altered and stale access tokens: every one answers 401 problem+json.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use peitao_domain::UserId;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, problem, spawn_app};

fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

fn claims(user_id: i64) -> Value {
    json!({
        "sub": user_id.to_string(),
        "iss": "peitao",
        "aud": "peitao-api",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
        "role": "lead",
    })
}

fn sign(algorithm: Algorithm, kid: Option<&str>, claims: &Value, secret: &str) -> String {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn good(claims: &Value) -> String {
    sign(Algorithm::HS256, Some("k1"), claims, TEST_JWT_SECRET)
}

async fn signed_in_lead(app: &TestApp) -> i64 {
    app.seed_geography().await;
    app.register("buyer@dongfeng.example", "lead", "420606", None)
        .await
        .user_id
}

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let response = app.get_as("/api/v1/me", token).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "{case} was accepted"
    );
    assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
    problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_well_formed_forgery_with_the_right_key_is_accepted_so_the_refusals_below_mean_something()
{
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    let response = app.get_as("/api/v1/me", &good(&claims(user))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(user).to_string());
    assert_refused(&app, &format!("{header}.{payload}."), "alg none").await;
}

#[tokio::test]
async fn another_algorithm_with_the_same_secret_is_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    let token = sign(Algorithm::HS512, Some("k1"), &claims(user), TEST_JWT_SECRET);
    assert_refused(&app, &token, "HS512").await;
}

#[tokio::test]
async fn altered_tokens_are_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    let token = good(&claims(user));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();

    let mut signature = parts[2].clone().into_bytes();
    let middle = signature.len() / 2;
    signature[middle] = if signature[middle] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered_signature = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).unwrap()
    );
    assert_refused(&app, &tampered_signature, "tampered signature").await;

    let mut elevated = claims(user);
    elevated["sub"] = json!((user + 1).to_string());
    parts[1] = URL_SAFE_NO_PAD.encode(elevated.to_string());
    assert_refused(&app, &parts.join("."), "tampered payload").await;

    assert_refused(
        &app,
        &sign(
            Algorithm::HS256,
            Some("k1"),
            &claims(user),
            "another-secret-of-enough-length-000",
        ),
        "wrong key",
    )
    .await;
    assert_refused(&app, "not.a.jwt", "garbage").await;
}

#[tokio::test]
async fn stale_and_early_tokens_are_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    let mut expired = claims(user);
    expired["iat"] = json!(now() - 7200);
    expired["nbf"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    assert_refused(&app, &good(&expired), "expired").await;

    let mut early = claims(user);
    early["nbf"] = json!(now() + 3600);
    assert_refused(&app, &good(&early), "not yet valid").await;
}

#[tokio::test]
async fn missing_or_wrong_claims_are_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    for claim in ["aud", "iss", "exp", "iat", "nbf", "sub"] {
        let mut without = claims(user);
        without.as_object_mut().unwrap().remove(claim);
        assert_refused(&app, &good(&without), &format!("missing {claim}")).await;
    }
    for (claim, value) in [("aud", "someone-else"), ("iss", "evil"), ("sub", "admin")] {
        let mut wrong = claims(user);
        wrong[claim] = json!(value);
        assert_refused(&app, &good(&wrong), &format!("wrong {claim}")).await;
    }
}

#[tokio::test]
async fn unknown_or_missing_key_ids_are_refused() {
    let app = spawn_app().await;
    let user = signed_in_lead(&app).await;
    assert_refused(
        &app,
        &sign(Algorithm::HS256, Some("k9"), &claims(user), TEST_JWT_SECRET),
        "unknown kid",
    )
    .await;
    assert_refused(
        &app,
        &sign(Algorithm::HS256, None, &claims(user), TEST_JWT_SECRET),
        "no kid",
    )
    .await;
}

#[tokio::test]
async fn the_token_of_a_deleted_user_is_refused() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("leaver@example.com", "sme", "420606", None)
        .await;
    assert_eq!(
        app.get_as("/api/v1/me", &account.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    app.store
        .delete_user(UserId(account.user_id))
        .await
        .unwrap();
    assert_refused(&app, &account.access_token, "deleted user").await;
}

#[tokio::test]
async fn a_request_without_a_token_is_told_how_to_sign_in() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{body}"
    );
}
