use peitao_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, json_with_status, problem, spawn_app, spawn_app_with};

fn registration(email: &str) -> serde_json::Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "display_name": "Li Wei",
        "organization": {"name": "Dongfeng Test Motors", "kind": "lead", "region_code": "420606", "park_id": null}
    })
}

#[tokio::test]
async fn registering_creates_the_user_and_organisation_and_signs_in() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let mut body = registration("Buyer@Dongfeng.Example");
    body["organization"]["park_id"] = json!(parks.xiangyang.0);
    let created = json_with_status(
        app.post_json("/api/v1/auth/register", &body).await,
        StatusCode::CREATED,
    )
    .await;

    assert_eq!(created["user"]["email"], "buyer@dongfeng.example");
    assert_eq!(created["user"]["role"], "lead");
    assert_eq!(created["organization"]["kind"], "lead");
    assert_eq!(created["organization"]["verified"], false);
    assert_eq!(created["organization"]["park_id"], parks.xiangyang.0);
    assert_eq!(created["token_type"], "Bearer");
    assert_eq!(created["expires_in"], 900);
    assert!(
        created.to_string().find("argon2").is_none(),
        "no hash leaves the server"
    );

    let token = created["access_token"].as_str().unwrap();
    let me = json_with_status(app.get_as("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!(me["role"], "lead");
    assert_eq!(me["user"]["email"], "buyer@dongfeng.example");
    assert_eq!(me["organization"]["name"], "Dongfeng Test Motors");
}

#[tokio::test]
async fn registration_checks_the_county_the_park_and_the_password() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let cases = [
        (
            json!({"organization": {"region_code": "429999"}}),
            "region 429999 does not exist",
        ),
        (
            json!({"organization": {"region_code": "420600"}}),
            "county-level",
        ),
        (
            json!({"organization": {"region_code": "42060"}}),
            "six-digit",
        ),
        (json!({"organization": {"kind": "bank"}}), "lead, sme"),
        (
            json!({"organization": {"park_id": 999}}),
            "park 999 does not exist",
        ),
        (json!({"password": "short"}), "at least 10 characters"),
        (json!({"email": "not-an-email"}), "not a valid e-mail"),
        (
            json!({"organization": {"region_code": "110108", "park_id": parks.xiangyang.0}}),
            "not in the prefecture",
        ),
    ];
    for (patch, expected) in cases {
        let mut body = registration("someone@example.com");
        merge(&mut body, &patch);
        let detail = problem(
            app.post_json("/api/v1/auth/register", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(detail.contains(expected), "{patch}: {detail}");
    }
    // Nothing was stored by the refused attempts: the address is still free.
    json_with_status(
        app.post_json(
            "/api/v1/auth/register",
            &registration("someone@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

fn merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    for (key, value) in patch.as_object().unwrap() {
        if value.is_object() {
            merge(&mut target[key], value);
        } else {
            target[key] = value.clone();
        }
    }
}

#[tokio::test]
async fn an_email_registers_once() {
    let app = spawn_app().await;
    app.seed_geography().await;
    app.register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    problem(
        app.post_json(
            "/api/v1/auth/register",
            &registration("BUYER@dongfeng.example"),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn mass_assignment_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.seed_geography().await;
    for (path, extra) in [
        (vec!["role"], json!("platform_admin")),
        (vec!["organization", "verified"], json!(true)),
        (vec!["organization", "id"], json!(1)),
        (vec!["organization_id"], json!(1)),
    ] {
        let mut body = registration("sneaky@example.com");
        match path.as_slice() {
            [field] => body[*field] = extra,
            [outer, inner] => body[*outer][*inner] = extra,
            _ => unreachable!(),
        }
        let detail = problem(
            app.post_json("/api/v1/auth/register", &body).await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(detail.contains("unknown field"), "{detail}");
    }
    let account = app
        .register("sneaky@example.com", "sme", "420606", None)
        .await;
    let me = json_with_status(
        app.get_as("/api/v1/me", &account.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["role"], "sme");
    assert_eq!(me["organization"]["verified"], false);
}

#[tokio::test]
async fn login_accepts_the_right_password_only() {
    let app = spawn_app().await;
    app.seed_geography().await;
    app.register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    let tokens = app.login("BUYER@dongfeng.example", PASSWORD).await;
    assert_eq!(tokens["token_type"], "Bearer");

    for (email, password) in [
        ("buyer@dongfeng.example", "wrong password!"),
        ("nobody@dongfeng.example", PASSWORD),
        ("not-an-email", PASSWORD),
    ] {
        let body = problem(
            app.post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        assert_eq!(
            body["detail"], "the e-mail address or the password is wrong",
            "same answer for {email}"
        );
    }
}

#[tokio::test]
async fn login_is_rate_limited_per_account_with_retry_after() {
    let app = spawn_app_with(|settings| settings.auth.rate_limit.per_account = 3).await;
    app.seed_geography().await;
    app.register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    let attempt = json!({"email": "buyer@dongfeng.example", "password": "guess guess guess"});
    for _ in 0..3 {
        assert_eq!(
            app.post_json("/api/v1/auth/login", &attempt).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let response = app.post_json("/api/v1/auth/login", &attempt).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Even the right password waits: the limit is on attempts, not failures.
    let right = json!({"email": "buyer@dongfeng.example", "password": PASSWORD});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &right).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account is not affected by this one's limit.
    app.register("other@dongfeng.example", "lead", "420606", None)
        .await;
    app.login("other@dongfeng.example", PASSWORD).await;
}

#[tokio::test]
async fn successful_sign_ins_do_not_count_against_the_account() {
    let app = spawn_app_with(|settings| settings.auth.rate_limit.per_account = 2).await;
    app.seed_geography().await;
    app.register("daily@example.com", "lead", "420606", None)
        .await;
    for _ in 0..5 {
        app.login("daily@example.com", PASSWORD).await;
    }
}

#[tokio::test]
async fn registration_is_rate_limited_per_ip() {
    let app = spawn_app_with(|settings| settings.auth.rate_limit.per_ip = 2).await;
    app.seed_geography().await;
    app.register("one@example.com", "sme", "420606", None).await;
    app.register("two@example.com", "sme", "420606", None).await;
    let response = app
        .post_json("/api/v1/auth/register", &registration("three@example.com"))
        .await;
    assert!(response.headers().contains_key("retry-after"));
    problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn platform_admins_create_park_admins_with_a_generated_password() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let admin = app
        .administrator("root@peitao.example", Role::PlatformAdmin, None)
        .await;
    let created = json_with_status(
        app.send_as(
            reqwest::Method::POST,
            "/api/v1/users",
            &admin.access_token,
            Some(&json!({"email": "park@xiangyang.example", "display_name": "Park Office", "role": "park_admin", "park_id": parks.xiangyang.0})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["user"]["role"], "park_admin");
    let password = created["generated_password"].as_str().unwrap();
    assert!(password.len() >= 20);
    let tokens = app.login("park@xiangyang.example", password).await;
    let me = json_with_status(
        app.get_as("/api/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["park_id"], parks.xiangyang.0);
    assert_eq!(me["organization"], serde_json::Value::Null);

    let missing_park = problem(
        app.send_as(
            reqwest::Method::POST,
            "/api/v1/users",
            &admin.access_token,
            Some(&json!({"email": "p2@example.com", "display_name": "P", "role": "park_admin"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        missing_park["detail"].as_str().unwrap().contains("park"),
        "{missing_park}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limit_follows_the_address_the_proxy_saw() {
    let app = spawn_app_with(|settings| {
        settings.auth.rate_limit.per_ip = 2;
        settings.auth.rate_limit.trust_forwarded_for = true;
    })
    .await;
    let attempt = |forwarded: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": "nobody@example.com", "password": "wrong password"}))
            .send()
    };
    // The client controls the left of the header; the proxy appends the address it saw.
    for spoofed in ["1.1.1.1, 203.0.113.9", "2.2.2.2, 203.0.113.9"] {
        assert_eq!(
            attempt(spoofed).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let third = attempt("3.3.3.3, 203.0.113.9").await.unwrap();
    problem(third, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    let other_client = attempt("198.51.100.7").await.unwrap();
    assert_eq!(other_client.status(), StatusCode::UNAUTHORIZED);
}
