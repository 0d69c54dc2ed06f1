//! Supplier profiles over the demo province: what leads see, what an SME sees of itself.

use peitao_api::demo::{self, DEMO_PASSWORD, Scale};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, json_with_status, problem, spawn_app};

async fn token(app: &TestApp, email: &str) -> String {
    app.login(email, DEMO_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn organization_id(app: &TestApp, token: &str) -> i64 {
    let me: Value = json_with_status(app.get_as("/api/v1/me", token).await, StatusCode::OK).await;
    me["organization"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_lead_reads_an_smes_capabilities_and_certifications() {
    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 42, false, |_, _| {})
        .await
        .unwrap();
    let sme = token(&app, "sme1@peitao.demo").await;
    let sme_org = organization_id(&app, &sme).await;
    let lead = token(&app, "lead1@peitao.demo").await;

    let profile = json_with_status(
        app.get_as(&format!("/api/v1/suppliers/{sme_org}"), &lead)
            .await,
        StatusCode::OK,
    )
    .await;
    let capabilities = profile["capabilities"].as_array().unwrap();
    assert!(!capabilities.is_empty(), "{profile}");
    for capability in capabilities {
        assert!(
            !capability["category_name_zh"].as_str().unwrap().is_empty(),
            "{capability}"
        );
        assert!(capability["annual_capacity"].as_u64().unwrap() > 0);
    }
    assert!(profile["in_province"].is_boolean());

    let own = json_with_status(
        app.get_as("/api/v1/suppliers/me/capabilities", &sme).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"], profile["capabilities"]);
    let certificates = json_with_status(
        app.get_as("/api/v1/suppliers/me/certifications", &sme)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(certificates["items"], profile["certifications"]);
}

#[tokio::test]
async fn another_sme_cannot_read_a_competitors_profile_and_leads_are_not_suppliers() {
    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 42, false, |_, _| {})
        .await
        .unwrap();
    let first = token(&app, "sme1@peitao.demo").await;
    let first_org = organization_id(&app, &first).await;
    let second = token(&app, "sme2@peitao.demo").await;
    problem(
        app.get_as(&format!("/api/v1/suppliers/{first_org}"), &second)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let lead = token(&app, "lead1@peitao.demo").await;
    let lead_org = organization_id(&app, &lead).await;
    problem(
        app.get_as(&format!("/api/v1/suppliers/{lead_org}"), &lead)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.get_as("/api/v1/suppliers/me/capabilities", &lead).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
