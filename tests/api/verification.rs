//! Verifying organisations, with their history, and disabling users.

use peitao_domain::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

struct Cast {
    /// An SME in the Xiangyang park.
    sme: Account,
    /// A lead enterprise in the Xiantao park.
    lead: Account,
    park_xiangyang: Account,
    park_xiantao: Account,
    admin: Account,
}

async fn cast(app: &TestApp) -> Cast {
    let parks = app.seed_geography().await;
    Cast {
        sme: app
            .register("sme@example.com", "sme", "420606", Some(parks.xiangyang))
            .await,
        lead: app
            .register("lead@example.com", "lead", "429004", Some(parks.xiantao))
            .await,
        park_xiangyang: app
            .administrator("park-x@example.com", Role::ParkAdmin, Some(parks.xiangyang))
            .await,
        park_xiantao: app
            .administrator("park-t@example.com", Role::ParkAdmin, Some(parks.xiantao))
            .await,
        admin: app
            .administrator("root@example.com", Role::PlatformAdmin, None)
            .await,
    }
}

fn verification(organization: i64) -> String {
    format!("/api/v1/organizations/{organization}/verification")
}

fn history(organization: i64) -> String {
    format!("/api/v1/organizations/{organization}/history")
}

async fn read(app: &TestApp, path: &str, token: &str) -> Value {
    json_with_status(app.get_as(path, token).await, StatusCode::OK).await
}

#[tokio::test]
async fn a_platform_administrator_verifies_an_organisation_and_its_history_says_who_and_why() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let sme = cast.sme.organization_id.unwrap();
    let before = read(
        &app,
        &format!("/api/v1/organizations/{sme}"),
        &cast.admin.access_token,
    )
    .await;
    assert_eq!(before["verified"], false);

    let verified = json_with_status(
        app.send_as(
            Method::POST,
            &verification(sme),
            &cast.admin.access_token,
            Some(&json!({"verified": true, "note": "Business licence checked"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["version"], before["version"].as_i64().unwrap() + 1);
    // The buyer sees it on the supplier's profile.
    let lead_view = read(
        &app,
        &format!("/api/v1/suppliers/{sme}"),
        &app.register("buyer@example.com", "lead", "420606", None)
            .await
            .access_token,
    )
    .await;
    assert_eq!(lead_view["verified"], true);

    let withdrawn = json_with_status(
        app.send_as(
            Method::POST,
            &verification(sme),
            &cast.admin.access_token,
            Some(&json!({"verified": false, "note": "Licence revoked by the market regulator"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(withdrawn["verified"], false);

    // The organisation itself reads its history: who, what, why, in order.
    let events = read(&app, &history(sme), &cast.sme.access_token).await["items"].clone();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["action"], "verified");
    assert_eq!(events[0]["note"], "Business licence checked");
    assert_eq!(events[0]["actor_user_id"], cast.admin.user_id);
    assert_eq!(events[1]["action"], "unverified");
    assert_eq!(events[1]["note"], "Licence revoked by the market regulator");
    assert!(events[0]["at"].as_str().unwrap() <= events[1]["at"].as_str().unwrap());
}

#[tokio::test]
async fn a_park_administrator_verifies_only_its_parks_organisations() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let sme = cast.sme.organization_id.unwrap();
    let lead = cast.lead.organization_id.unwrap();
    let body = json!({"verified": true, "note": "Visited the plant"});

    json_with_status(
        app.send_as(
            Method::POST,
            &verification(sme),
            &cast.park_xiangyang.access_token,
            Some(&body),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let events = read(&app, &history(sme), &cast.park_xiangyang.access_token).await;
    assert_eq!(
        events["items"][0]["actor_user_id"],
        cast.park_xiangyang.user_id
    );

    // Another park's administrator: the organisation reads exactly like a missing one.
    for path in [verification(sme), verification(999_999)] {
        let refused = problem(
            app.send_as(
                Method::POST,
                &path,
                &cast.park_xiantao.access_token,
                Some(&body),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .starts_with("organization "),
            "{refused}"
        );
    }
    problem(
        app.get_as(&history(sme), &cast.park_xiantao.access_token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // An organisation may read itself but not vouch for itself.
    problem(
        app.send_as(
            Method::POST,
            &verification(lead),
            &cast.lead.access_token,
            Some(&body),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Nor another tenant.
    problem(
        app.send_as(
            Method::POST,
            &verification(sme),
            &cast.lead.access_token,
            Some(&body),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let lead_org = read(
        &app,
        &format!("/api/v1/organizations/{lead}"),
        &cast.admin.access_token,
    )
    .await;
    assert_eq!(lead_org["verified"], false);
    assert_eq!(lead_org["version"], 1);
    assert_eq!(
        read(&app, &history(lead), &cast.lead.access_token).await["items"],
        json!([])
    );
    assert_eq!(
        read(&app, &history(sme), &cast.sme.access_token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_verification_requests_change_nothing() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let sme = cast.sme.organization_id.unwrap();
    for (body, status, code) in [
        (
            json!({"verified": true, "note": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"verified": true, "note": "x".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"verified": true}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"verified": "yes", "note": "ok"}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"verified": true, "note": "ok", "version": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
    ] {
        problem(
            app.send_as(
                Method::POST,
                &verification(sme),
                &cast.admin.access_token,
                Some(&body),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    let org = read(
        &app,
        &format!("/api/v1/organizations/{sme}"),
        &cast.admin.access_token,
    )
    .await;
    assert_eq!(
        (org["verified"].clone(), org["version"].clone()),
        (json!(false), json!(1))
    );
    assert_eq!(
        read(&app, &history(sme), &cast.admin.access_token).await["items"],
        json!([])
    );
}

fn disable(user: i64) -> String {
    format!("/api/v1/users/{user}/disable")
}

#[tokio::test]
async fn a_disabled_users_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    read(&app, "/api/v1/me", &cast.sme.access_token).await;

    let disabled = json_with_status(
        app.send_as(
            Method::POST,
            &disable(cast.sme.user_id),
            &cast.admin.access_token,
            Some(&json!({"reason": "Left the company"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["user"]["id"], cast.sme.user_id);
    assert_eq!(disabled["disabled_reason"], "Left the company");
    assert_eq!(disabled["disabled_by"], cast.admin.user_id);

    // The access token issued before is refused on the very next request.
    problem(
        app.get_as("/api/v1/me", &cast.sme.access_token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Its refresh token no longer yields new tokens, and it cannot sign in again.
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": cast.sme.refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "sme@example.com", "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    // Every refresh token it held is revoked in the store, not merely refused while disabled.
    let backend = app.store.connection().get_database_backend();
    let live = app
        .store
        .connection()
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = {} AND revoked_at IS NULL",
                cast.sme.user_id
            ),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(live, 0, "the disabled user still holds live refresh tokens");

    // Disabling again answers as the first time did, the first reason kept.
    let again = json_with_status(
        app.send_as(
            Method::POST,
            &disable(cast.sme.user_id),
            &cast.admin.access_token,
            Some(&json!({"reason": "Another reason"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["disabled_reason"], "Left the company");
    assert_eq!(again["disabled_at"], disabled["disabled_at"]);
    // Others are untouched.
    read(&app, "/api/v1/me", &cast.lead.access_token).await;
}

#[tokio::test]
async fn only_another_platform_administrator_disables_a_user_and_a_reason_is_required() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let body = json!({"reason": "Suspicious activity"});
    problem(
        app.send_as(
            Method::POST,
            &disable(cast.admin.user_id),
            &cast.admin.access_token,
            Some(&body),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    for token in [&cast.park_xiangyang.access_token, &cast.lead.access_token] {
        problem(
            app.send_as(Method::POST, &disable(cast.sme.user_id), token, Some(&body))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    for (bad, status, code) in [
        (
            json!({"reason": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (json!({}), StatusCode::BAD_REQUEST, "invalid_json"),
    ] {
        problem(
            app.send_as(
                Method::POST,
                &disable(cast.sme.user_id),
                &cast.admin.access_token,
                Some(&bad),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    problem(
        app.send_as(
            Method::POST,
            &disable(999_999),
            &cast.admin.access_token,
            Some(&body),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Nobody was disabled by any of that.
    for token in [&cast.admin.access_token, &cast.sme.access_token] {
        read(&app, "/api/v1/me", token).await;
    }
}
