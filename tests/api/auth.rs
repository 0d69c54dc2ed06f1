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
async fn refresh_rotates_and_a_replayed_token_revokes_the_family() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@dongfeng.example", "lead", "420606", None)
        .await;

    let first = json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second_token = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, account.refresh_token);
    json_with_status(
        app.get_as("/api/v1/me", first["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;

    // The first token again: a replay. Its successor dies with it.
    let replay = problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        replay["detail"].as_str().unwrap().contains("used before"),
        "{replay}"
    );
    problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": second_token}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    // A separate sign-in is a separate family and still works.
    let other = app.login("buyer@dongfeng.example", PASSWORD).await;
    json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    let response = app
        .post_json(
            "/api/v1/auth/logout",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
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
async fn organisations_update_with_their_version_and_refuse_stale_ones() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let sme = app
        .register("sales@bearing.example", "sme", "420606", None)
        .await;
    let path = format!("/api/v1/organizations/{}", sme.organization_id.unwrap());

    let updated = json_with_status(
        app.send_as(
            reqwest::Method::PATCH,
            &path,
            &sme.access_token,
            Some(&json!({"version": 1, "name": "Xiangyang Bearing Co.", "park_id": parks.xiangyang.0})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["name"], "Xiangyang Bearing Co.");
    assert_eq!(updated["park_id"], parks.xiangyang.0);
    assert_eq!(updated["version"], 2);

    let stale = problem(
        app.send_as(
            reqwest::Method::PATCH,
            &path,
            &sme.access_token,
            Some(&json!({"version": 1, "name": "Lost update"})),
        )
        .await,
        StatusCode::CONFLICT,
        "version_conflict",
    )
    .await;
    assert!(
        stale["detail"].as_str().unwrap().contains("version 2"),
        "{stale}"
    );

    problem(
        app.send_as(
            reqwest::Method::PATCH,
            &path,
            &sme.access_token,
            Some(&json!({"version": 2, "verified": true})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    let after = json_with_status(app.get_as(&path, &sme.access_token).await, StatusCode::OK).await;
    assert_eq!(
        after["name"], "Xiangyang Bearing Co.",
        "refused updates change nothing"
    );
    assert_eq!(after["verified"], false);
    assert_eq!(after["version"], 2);

    let left_park = json_with_status(
        app.send_as(
            reqwest::Method::PATCH,
            &path,
            &sme.access_token,
            Some(&json!({"version": 2, "park_id": null})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(left_park["park_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn racing_refreshes_with_one_token_leave_no_session_alive() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("racer@example.com", "lead", "420606", None)
        .await;
    let body = json!({"refresh_token": account.refresh_token});
    let attempts = (0..8).map(|_| app.post_json("/api/v1/auth/refresh", &body));
    let responses = futures_util::future::join_all(attempts).await;
    let mut successors = Vec::new();
    for response in responses {
        if response.status() == StatusCode::OK {
            let body: serde_json::Value = response.json().await.unwrap();
            successors.push(body["refresh_token"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        successors.len() <= 1,
        "one use of a token at most: {}",
        successors.len()
    );
    // Whoever won, the replays revoked the family: the winner's successor is dead too.
    for successor in successors {
        let response = app
            .post_json("/api/v1/auth/refresh", &json!({"refresh_token": successor}))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_successor_issued_after_a_replay_is_born_revoked() {
    // The interleaving a race produces, replayed step by step: A uses the token, B replays it
    // (revoking the family), and only then is A's successor stored.
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("late@example.com", "lead", "420606", None)
        .await;
    let user = peitao_domain::UserId(account.user_id);
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    app.store
        .insert_refresh_token(user, "family-f", "hash-t", expires)
        .await
        .unwrap();
    assert!(matches!(
        app.store.consume_refresh_token("hash-t").await.unwrap(),
        peitao_store::RefreshOutcome::Rotated { .. }
    ));
    assert_eq!(
        app.store.consume_refresh_token("hash-t").await.unwrap(),
        peitao_store::RefreshOutcome::Replayed
    );
    app.store
        .insert_refresh_token(user, "family-f", "hash-s", expires)
        .await
        .unwrap();
    assert_eq!(
        app.store.consume_refresh_token("hash-s").await.unwrap(),
        peitao_store::RefreshOutcome::Invalid
    );
}

#[tokio::test]
async fn an_absurd_version_is_a_conflict_not_a_crash() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app
        .register("sales@bearing.example", "sme", "420606", None)
        .await;
    let path = format!("/api/v1/organizations/{}", sme.organization_id.unwrap());
    for (version, status, code) in [
        (
            i64::from(i32::MAX),
            StatusCode::CONFLICT,
            "version_conflict",
        ),
        (0, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ] {
        problem(
            app.send_as(
                reqwest::Method::PATCH,
                &path,
                &sme.access_token,
                Some(&json!({"version": version, "name": "X"})),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    let after = json_with_status(app.get_as(&path, &sme.access_token).await, StatusCode::OK).await;
    assert_eq!(after["version"], 1);
}
