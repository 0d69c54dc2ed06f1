//! `/suppliers/me/*` between two SMEs of one park: D meets B's real records and never reaches them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Actor, World, certificates_of_b, world};
use crate::helpers::{TestApp, json_with_status, problem, spawn_app};

/// B's profile as B reads it: capabilities and certificates.
async fn profile_of_b(app: &TestApp, world: &World) -> (Value, Value) {
    let token = world.signed_in(Actor::SmeB);
    let capabilities = json_with_status(
        app.get_as("/api/v1/suppliers/me/capabilities", token).await,
        StatusCode::OK,
    )
    .await;
    let certifications = json_with_status(
        app.get_as("/api/v1/suppliers/me/certifications", token)
            .await,
        StatusCode::OK,
    )
    .await;
    (capabilities, certifications)
}

#[tokio::test]
async fn a_competing_sme_in_the_same_park_never_reaches_the_first_smes_profile() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let d = world.signed_in(Actor::SmeD);
    let before = profile_of_b(&app, &world).await;
    assert_eq!(
        before.0["items"].as_array().unwrap().len(),
        2,
        "{}",
        before.0
    );
    let held = certificates_of_b(&app, &world).await;
    assert_eq!(held.len(), 1);

    // D's own profile is D's: empty, though B's is not.
    for path in [
        "/api/v1/suppliers/me/capabilities",
        "/api/v1/suppliers/me/certifications",
    ] {
        let own = json_with_status(app.get_as(path, d).await, StatusCode::OK).await;
        assert_eq!(
            own["items"],
            json!([]),
            "{path} as D shows B's records: {own}"
        );
    }

    // B's real certificate, deleted by D: the same 404 as an id nobody has.
    let theirs = problem(
        app.send_as(
            Method::DELETE,
            &format!("/api/v1/suppliers/me/certifications/{}", held[0]),
            d,
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let missing = problem(
        app.send_as(
            Method::DELETE,
            "/api/v1/suppliers/me/certifications/999999",
            d,
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(theirs["title"], missing["title"]);

    // D declaring its own profile writes D's, not B's.
    let declared = json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            d,
            Some(&json!({"capabilities": [{"category_code": "auto.part", "annual_capacity": 7, "unit": "pcs"}]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(declared["items"].as_array().unwrap().len(), 1, "{declared}");
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            d,
            Some(&json!({"kind": "ISO9001", "number": "D-1", "valid_from": "2025-01-01", "valid_until": "2028-01-01"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        app.get_as(&format!("/api/v1/suppliers/{}", world.org_b), d)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    assert_eq!(
        profile_of_b(&app, &world).await,
        before,
        "B's profile changed"
    );
    let own = json_with_status(
        app.get_as("/api/v1/suppliers/me/certifications", d).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        own["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| !held.contains(&item["id"].as_i64().unwrap())),
        "D's list shows B's certificate: {own}"
    );
}
