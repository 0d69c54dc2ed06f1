//! Credentials: an SME declares the titles officials awarded it; lead enterprises read them on its
//! profile; the matching engine reads those valid on a day.

use peitao_domain::{CredentialTier, OrganizationId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::date;

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

const MINE: &str = "/api/v1/suppliers/me/credentials";

fn credential(tier: &str, from: &str, until: &str) -> Value {
    json!({"tier": tier, "issuing_body": "湖北省经济和信息化厅", "batch": "2024年第二批",
           "certificate_number": "HB-ZJTX-2024-0137", "valid_from": from, "valid_until": until})
}

async fn declare(app: &TestApp, sme: &Account, body: &Value) -> Value {
    json_with_status(
        app.send_as(Method::POST, MINE, &sme.access_token, Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn mine(app: &TestApp, sme: &Account) -> Vec<Value> {
    json_with_status(app.get_as(MINE, &sme.access_token).await, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

struct Cast {
    sme: Account,
    other_sme: Account,
    lead: Account,
}

async fn cast(app: &TestApp) -> Cast {
    let parks = app.seed_geography().await;
    Cast {
        sme: app
            .register("sme@example.com", "sme", "420606", Some(parks.xiangyang))
            .await,
        other_sme: app
            .register("rival@example.com", "sme", "420606", Some(parks.xiangyang))
            .await,
        lead: app
            .register("lead@example.com", "lead", "420606", None)
            .await,
    }
}

#[tokio::test]
async fn an_sme_declares_credentials_and_lead_enterprises_read_them_on_its_profile() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let innovative = declare(
        &app,
        &cast.sme,
        &credential("innovative_sme", "2023-01-01", "2099-12-31"),
    )
    .await;
    assert_eq!(innovative["tier"], "innovative_sme");
    assert_eq!(innovative["tier_name_zh"], "创新型中小企业");
    assert_eq!(innovative["valid_today"], true);
    let giant = declare(
        &app,
        &cast.sme,
        &credential("专精特新“小巨人”企业", "2024-07-01", "2099-06-30"),
    )
    .await;
    assert_eq!(giant["tier"], "little_giant");
    assert_eq!(
        giant["tier_name_en"],
        "Specialised and sophisticated \"little giant\" (national)"
    );
    let lapsed = declare(
        &app,
        &cast.sme,
        &json!({"tier": "high_tech", "issuing_body": "湖北省科学技术厅",
                "valid_from": "2019-12-01", "valid_until": "2022-11-30"}),
    )
    .await;
    assert_eq!(lapsed["valid_today"], false, "{lapsed}");
    assert_eq!(lapsed["batch"], Value::Null);
    assert_eq!(lapsed["certificate_number"], Value::Null);

    let tiers: Vec<Value> = mine(&app, &cast.sme)
        .await
        .iter()
        .map(|item| item["tier"].clone())
        .collect();
    assert_eq!(
        tiers,
        [
            json!("little_giant"),
            json!("high_tech"),
            json!("innovative_sme")
        ]
    );

    let profile = format!("/api/v1/suppliers/{}", cast.sme.organization_id.unwrap());
    let seen = json_with_status(
        app.get_as(&profile, &cast.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    let shown = seen["credentials"].as_array().unwrap();
    assert_eq!(shown.len(), 3, "{seen}");
    assert_eq!(shown[0]["tier"], "little_giant");
    assert_eq!(shown[0]["tier_name_zh"], "专精特新“小巨人”");
    assert_eq!(shown[0]["issuing_body"], "湖北省经济和信息化厅");
    assert_eq!(shown[0]["valid_from"], "2024-07-01");
    assert_eq!(shown[0]["valid_today"], true);
    assert_eq!(shown[1]["valid_today"], false);

    let removed = app
        .send_as(
            Method::DELETE,
            &format!("{MINE}/{}", giant["id"]),
            &cast.sme.access_token,
            None,
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let seen = json_with_status(
        app.get_as(&profile, &cast.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    let tiers: Vec<&Value> = seen["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| &item["tier"])
        .collect();
    assert_eq!(tiers, [&json!("high_tech"), &json!("innovative_sme")]);
}

#[tokio::test]
async fn hubeis_pre_2023_little_giant_is_stored_as_the_provincial_tier() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    for alias in ["湖北省专精特新“小巨人”", "湖北省专精特新\"小巨人\"企业"]
    {
        let stored = declare(
            &app,
            &cast.sme,
            &credential(alias, "2021-09-01", "2024-08-31"),
        )
        .await;
        assert_eq!(stored["tier"], "specialised_sme", "{alias}: {stored}");
        assert_eq!(stored["tier_name_zh"], "专精特新中小企业");
    }
    let national = declare(
        &app,
        &cast.sme,
        &credential("专精特新“小巨人”", "2021-09-01", "2024-08-31"),
    )
    .await;
    assert_eq!(national["tier"], "little_giant");
    let stored: Vec<Value> = mine(&app, &cast.sme)
        .await
        .iter()
        .map(|item| item["tier"].clone())
        .collect();
    assert_eq!(
        stored,
        [
            json!("little_giant"),
            json!("specialised_sme"),
            json!("specialised_sme")
        ]
    );
}

#[tokio::test]
async fn bad_credentials_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let good = credential("innovative_sme", "2024-01-01", "2027-01-01");
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let mut missing_body = good.clone();
    missing_body.as_object_mut().unwrap().remove("issuing_body");
    for (body, status, code, mentions) in [
        (
            with("tier", json!("小巨人")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tier",
        ),
        (
            with("tier", json!("北京市专精特新“小巨人”")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tier",
        ),
        (
            with("valid_until", json!("2024-01-01")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "valid_until",
        ),
        (
            with("valid_until", json!("2023-12-31")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "valid_until",
        ),
        (
            with("valid_from", json!("2024-02-30")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "valid_from",
        ),
        (
            with("issuing_body", json!("  ")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "issuing body",
        ),
        (
            with("issuing_body", json!("厅".repeat(201))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "issuing body",
        ),
        (
            with("batch", json!("")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "batch",
        ),
        (
            with("certificate_number", json!("N\u{200B}")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "certificate number",
        ),
        (
            with("tier", json!(3)),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "expected a string",
        ),
        (
            with("rank", json!(5)),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "rank",
        ),
        (
            missing_body,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "issuing_body",
        ),
    ] {
        let refused = problem(
            app.send_as(Method::POST, MINE, &cast.sme.access_token, Some(&body))
                .await,
            status,
            code,
        )
        .await;
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains(mentions), "{body}: {detail}");
    }
    assert!(mine(&app, &cast.sme).await.is_empty());
    let id = OrganizationId(cast.sme.organization_id.unwrap());
    assert!(
        app.store
            .organization_credentials(id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn credentials_are_an_smes_own() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let held = declare(
        &app,
        &cast.sme,
        &credential("single_champion", "2024-01-01", "2027-01-01"),
    )
    .await;

    problem(
        app.send_as(
            Method::POST,
            MINE,
            &cast.lead.access_token,
            Some(&credential("high_tech", "2024-01-01", "2027-01-01")),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The rival sees an empty list of its own, and B's real credential reads as a missing one.
    assert!(mine(&app, &cast.other_sme).await.is_empty());
    let theirs = problem(
        app.send_as(
            Method::DELETE,
            &format!("{MINE}/{}", held["id"]),
            &cast.other_sme.access_token,
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
            &format!("{MINE}/999999"),
            &cast.other_sme.access_token,
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(theirs["title"], missing["title"]);
    assert_eq!(
        theirs["detail"]
            .as_str()
            .unwrap()
            .replace(&held["id"].to_string(), "N"),
        missing["detail"].as_str().unwrap().replace("999999", "N")
    );
    problem(
        app.get_as(
            &format!("/api/v1/suppliers/{}", cast.sme.organization_id.unwrap()),
            &cast.other_sme.access_token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        mine(&app, &cast.sme).await.len(),
        1,
        "B's credential survived"
    );
}

#[tokio::test]
async fn a_retried_declaration_with_the_same_idempotency_key_is_stored_once() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let body = credential("high_tech", "2024-01-01", "2027-01-01");
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(MINE))
            .bearer_auth(&cast.sme.access_token)
            .header("Idempotency-Key", "credential-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        answers.push(json_with_status(response, StatusCode::CREATED).await);
    }
    assert_eq!(answers[0]["id"], answers[1]["id"]);
    assert_eq!(mine(&app, &cast.sme).await.len(), 1);
}

#[tokio::test]
async fn the_matching_reader_returns_the_credentials_valid_on_a_day() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    declare(
        &app,
        &cast.sme,
        &credential("high_tech", "2023-12-08", "2026-12-07"),
    )
    .await;
    declare(
        &app,
        &cast.sme,
        &credential("little_giant", "2024-07-01", "2027-06-30"),
    )
    .await;
    declare(
        &app,
        &cast.other_sme,
        &credential("single_champion", "2020-01-01", "2030-01-01"),
    )
    .await;
    let sme = OrganizationId(cast.sme.organization_id.unwrap());
    let tiers_on = |day| {
        let store = app.store.clone();
        async move {
            peitao_app::credentials::valid_on(&store, sme, day)
                .await
                .unwrap()
                .iter()
                .map(|credential| credential.tier())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(tiers_on(date!(2023 - 12 - 07)).await, []);
    assert_eq!(
        tiers_on(date!(2023 - 12 - 08)).await,
        [CredentialTier::HighTech]
    );
    assert_eq!(
        tiers_on(date!(2024 - 07 - 01)).await,
        [CredentialTier::LittleGiant, CredentialTier::HighTech]
    );
    assert_eq!(
        tiers_on(date!(2026 - 12 - 08)).await,
        [CredentialTier::LittleGiant]
    );
    assert_eq!(
        tiers_on(date!(2027 - 06 - 30)).await,
        [CredentialTier::LittleGiant]
    );
    assert_eq!(tiers_on(date!(2027 - 07 - 01)).await, []);
}
