//! Organisations updated by their members, with versions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_with_status, problem, spawn_app};

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
