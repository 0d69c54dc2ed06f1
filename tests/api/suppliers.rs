//! Supplier profiles over the demo province: what leads see, what an SME sees of itself.

use peitao_app::demo::{self, DEMO_PASSWORD, Scale};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_with_status, problem, spawn_app, spawn_app_with};

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

#[tokio::test]
async fn a_process_with_a_semicolon_in_its_name_comes_back_as_one_process() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let sme = app
        .register("sales@cutters.example", "sme", "420606", None)
        .await;
    let declared = json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme.access_token,
            Some(&json!({"capabilities": [
                {"category_code": "auto.body.stamping", "annual_capacity": 5000, "unit": "pcs", "processes": ["cut;weld", "paint"]}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        declared["items"][0]["processes"],
        json!(["cut;weld", "paint"])
    );
    let read = json_with_status(
        app.get_as("/api/v1/suppliers/me/capabilities", &sme.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["items"][0]["processes"], json!(["cut;weld", "paint"]));
}

#[tokio::test]
async fn an_sme_declares_its_capabilities_and_certificates() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let sme = app
        .register("sales@bearing.example", "sme", "420606", None)
        .await;
    let token = &sme.access_token;
    let declared = json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            token,
            Some(&json!({"capabilities": [
                {"category_code": "auto.body.stamping", "annual_capacity": 120000, "unit": "pcs", "processes": ["stamping", " welding "]},
                {"category_code": "auto.chassis", "annual_capacity": 800, "unit": "sets"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = declared["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["category_name_zh"], "车身冲压件");
    assert_eq!(items[0]["processes"], json!(["stamping", "welding"]));

    // A bad list changes nothing, and names the entry at fault.
    for (body, expected) in [
        (
            json!({"capabilities": [{"category_code": "auto.roof", "annual_capacity": 1, "unit": "pcs"}]}),
            "capabilities[0]: category `auto.roof` does not exist",
        ),
        (
            json!({"capabilities": [
                {"category_code": "auto.chassis", "annual_capacity": 1, "unit": "sets"},
                {"category_code": "auto.chassis", "annual_capacity": 2, "unit": "sets"}
            ]}),
            "capabilities[1]: category `auto.chassis` is listed twice",
        ),
        (
            json!({"capabilities": [{"category_code": "auto.chassis", "annual_capacity": 0, "unit": "sets"}]}),
            "capabilities[0]: annual capacity",
        ),
    ] {
        let problem_body = problem(
            app.send_as(
                Method::PUT,
                "/api/v1/suppliers/me/capabilities",
                token,
                Some(&body),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            problem_body["detail"].as_str().unwrap().contains(expected),
            "{problem_body}"
        );
    }
    let unchanged = json_with_status(
        app.get_as("/api/v1/suppliers/me/capabilities", token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged["items"], declared["items"]);

    let certificate = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            token,
            Some(&json!({"kind": "iatf 16949", "number": "CN-IATF-0001", "valid_from": "2025-01-01", "valid_until": "2099-01-01"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(certificate["kind"], "IATF16949");
    assert_eq!(certificate["valid_today"], true);
    problem(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            token,
            Some(&json!({"kind": "ISO9001", "number": "X", "valid_from": "2027-01-01", "valid_until": "2026-01-01"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let id = certificate["id"].as_i64().unwrap();
    let path = format!("/api/v1/suppliers/me/certifications/{id}");
    assert_eq!(
        app.send_as(Method::DELETE, &path, token, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.send_as(Method::DELETE, &path, token, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn an_sme_cannot_remove_another_smes_certificate() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let owner = app
        .register("owner@example.com", "sme", "420606", None)
        .await;
    let other = app
        .register("other@example.com", "sme", "420606", None)
        .await;
    let certificate = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &owner.access_token,
            Some(&json!({"kind": "ISO9001", "number": "Q-1", "valid_from": "2025-01-01", "valid_until": "2028-01-01"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/suppliers/me/certifications/{}", certificate["id"]);
    problem(
        app.send_as(Method::DELETE, &path, &other.access_token, None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let still = json_with_status(
        app.get_as("/api/v1/suppliers/me/certifications", &owner.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(still["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_supplier_is_in_province_when_its_county_is_in_the_home_province() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let fancheng = app
        .register("local@example.com", "sme", "420606", None)
        .await;
    let haidian = app
        .register("distant@example.com", "sme", "110108", None)
        .await;
    let admin = app
        .administrator("root@example.com", peitao_domain::Role::PlatformAdmin, None)
        .await;
    for (supplier, expected) in [(&fancheng, true), (&haidian, false)] {
        let path = format!("/api/v1/suppliers/{}", supplier.organization_id.unwrap());
        for token in [&admin.access_token, &supplier.access_token] {
            let profile = json_with_status(app.get_as(&path, token).await, StatusCode::OK).await;
            assert_eq!(profile["in_province"], expected, "{profile}");
        }
    }
}
