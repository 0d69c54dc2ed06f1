//! Needs: a lead drafts, edits, publishes, closes and cancels; SMEs see what they may; every change
//! is in the history; deadlines pass by themselves; bad input is refused and stores nothing.

use std::time::Duration;

use peitao_domain::{Category, CategoryCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app, spawn_app_with};

fn in_days(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

fn terms(title: &str, visibility: &str, invited: &[i64]) -> Value {
    json!({
        "category_code": "auto.body.stamping",
        "title": title,
        "specification": "DC04, 0.8 mm\nE-coat",
        "quantity": 12000,
        "unit": "pcs",
        "estimated_value_fen": 36_000_000,
        "required_certifications": ["IATF16949"],
        "delivery_region_code": "420606",
        "response_deadline": in_days(30),
        "visibility": visibility,
        "invited_supplier_ids": invited,
    })
}

struct Province {
    lead: Account,
    other_lead: Account,
    /// In Hubei.
    sme: Account,
    /// In Beijing.
    outsider: Account,
}

async fn province(app: &TestApp) -> Province {
    let parks = app.seed_geography().await;
    let code = |raw: &str| CategoryCode::parse(raw).unwrap();
    for (child, parent) in [
        ("auto", None),
        ("auto.body", Some("auto")),
        ("auto.body.stamping", Some("auto.body")),
        ("chem", None),
    ] {
        app.store
            .insert_categories(&[Category {
                code: code(child),
                parent_code: parent.map(code),
                name_zh: child.to_owned(),
                name_en: child.to_owned(),
                reference: None,
            }])
            .await
            .unwrap();
    }
    Province {
        lead: app
            .register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
            .await,
        other_lead: app
            .register("other@example.com", "lead", "429004", None)
            .await,
        sme: app.register("sme@example.com", "sme", "420607", None).await,
        outsider: app
            .register("outsider@example.com", "sme", "110108", None)
            .await,
    }
}

async fn create(app: &TestApp, lead: &Account, body: &Value) -> Value {
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            &lead.access_token,
            Some(body),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

async fn act(app: &TestApp, account: &Account, need: &Value, action: &str) -> reqwest::Response {
    let body = (action == "cancel").then(|| json!({"reason": "The model was discontinued"}));
    app.send_as(
        Method::POST,
        &format!("/api/v1/needs/{}/{action}", need["id"]),
        &account.access_token,
        body.as_ref(),
    )
    .await
}

async fn titles(app: &TestApp, account: &Account, query: &str) -> Vec<String> {
    let list = json_with_status(
        app.get_as(&format!("/api/v1/needs{query}"), &account.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_need_goes_from_draft_to_published_to_closed_with_its_history() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let need = create(&app, &p.lead, &terms("Door inner panels", "public", &[])).await;
    assert_eq!(need["status"], "draft");
    assert_eq!(need["version"], 1);
    assert_eq!(need["currency"], "CNY");
    assert_eq!(need["remaining_quantity"], 12000);
    assert_eq!(need["allowed_actions"], json!(["publish", "cancel"]));
    let path = format!("/api/v1/needs/{}", need["id"]);

    // A draft is its owner's alone.
    let unseen = app.get_as(&path, &p.sme.access_token).await;
    problem(unseen, StatusCode::NOT_FOUND, "not_found").await;
    assert!(titles(&app, &p.sme, "").await.is_empty());

    let published =
        json_with_status(act(&app, &p.lead, &need, "publish").await, StatusCode::OK).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["version"], 2);
    assert!(published["published_at"].is_string());
    assert_eq!(titles(&app, &p.sme, "").await, ["Door inner panels"]);
    let seen = json_with_status(app.get_as(&path, &p.sme.access_token).await, StatusCode::OK).await;
    assert!(seen.get("invited_supplier_ids").is_none(), "{seen}");
    assert_eq!(seen["allowed_actions"], json!([]));

    // Publishing twice names the state and what is allowed.
    let again = problem(
        act(&app, &p.lead, &need, "publish").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let detail = again["detail"].as_str().unwrap();
    assert!(detail.contains("published"), "{detail}");
    assert!(
        detail.contains("close, deadline, award, cancel"),
        "{detail}"
    );

    // Another lead cannot see it; an SME that sees it cannot change it.
    problem(
        act(&app, &p.other_lead, &need, "close").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        act(&app, &p.sme, &need, "close").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let closed = json_with_status(act(&app, &p.lead, &need, "close").await, StatusCode::OK).await;
    assert_eq!(closed["status"], "closed");
    assert!(
        titles(&app, &p.sme, "").await.is_empty(),
        "a closed need takes no quotes"
    );

    let history = json_with_status(
        app.get_as(&format!("{path}/history"), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let steps: Vec<(Value, Value, Value)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["action"].clone(),
                event["from"].clone(),
                event["to"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (json!("created"), Value::Null, json!("draft")),
            (json!("publish"), json!("draft"), json!("published")),
            (json!("close"), json!("published"), json!("closed")),
        ]
    );
    let user = history["items"][1]["actor_user_id"].as_i64().unwrap();
    assert_eq!(user, p.lead.user_id);
}

#[tokio::test]
async fn edits_carry_the_version_and_stop_once_the_need_is_closed() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let need = create(&app, &p.lead, &terms("Brackets", "public", &[])).await;
    let path = format!("/api/v1/needs/{}", need["id"]);
    let edited = json_with_status(
        app.send_as(
            Method::PATCH,
            &path,
            &p.lead.access_token,
            Some(&json!({"version": 1, "title": "Brackets, zinc plated", "quantity": 8000})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["title"], "Brackets, zinc plated");
    assert_eq!(edited["quantity"], 8000);
    assert_eq!(edited["unit"], "pcs", "untouched terms stay");
    assert_eq!(edited["version"], 2);

    let stale = problem(
        app.send_as(
            Method::PATCH,
            &path,
            &p.lead.access_token,
            Some(&json!({"version": 1, "title": "Lost update"})),
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

    json_with_status(act(&app, &p.lead, &need, "publish").await, StatusCode::OK).await;
    json_with_status(act(&app, &p.lead, &need, "close").await, StatusCode::OK).await;
    problem(
        app.send_as(
            Method::PATCH,
            &path,
            &p.lead.access_token,
            Some(&json!({"version": 4, "title": "Too late"})),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let stored = json_with_status(
        app.get_as(&path, &p.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["title"], "Brackets, zinc plated");
}

#[tokio::test]
async fn cancelling_needs_a_reason_that_the_history_keeps() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let need = create(&app, &p.lead, &terms("Seals", "public", &[])).await;
    let path = format!("/api/v1/needs/{}", need["id"]);
    for body in [
        json!({}),
        json!({"reason": "  "}),
        json!({"reason": "\u{200B}"}),
    ] {
        let response = app
            .send_as(
                Method::POST,
                &format!("{path}/cancel"),
                &p.lead.access_token,
                Some(&body),
            )
            .await;
        assert!(response.status().is_client_error(), "{body}");
    }
    let cancelled =
        json_with_status(act(&app, &p.lead, &need, "cancel").await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["allowed_actions"], json!([]));
    let history = json_with_status(
        app.get_as(&format!("{path}/history"), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history["items"][1]["reason"], "The model was discontinued");
    problem(
        act(&app, &p.lead, &need, "publish").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
}

#[tokio::test]
async fn suppliers_see_needs_by_visibility_and_filter_them() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let sme_id = p.sme.organization_id.unwrap();
    let mut publish = Vec::new();
    for (title, visibility, invited) in [
        ("Public stampings", "public", vec![]),
        ("Hubei-only stampings", "province", vec![]),
        ("Invitation to the Hubei SME", "invited", vec![sme_id]),
    ] {
        let need = create(&app, &p.lead, &terms(title, visibility, &invited)).await;
        publish.push(need);
    }
    let mut chem = terms("Electrolyte", "public", &[]);
    chem["category_code"] = json!("chem");
    chem["delivery_region_code"] = json!("429004");
    publish.push(create(&app, &p.lead, &chem).await);
    for need in &publish {
        json_with_status(act(&app, &p.lead, need, "publish").await, StatusCode::OK).await;
    }

    let mut seen = titles(&app, &p.sme, "").await;
    seen.sort();
    assert_eq!(
        seen,
        [
            "Electrolyte",
            "Hubei-only stampings",
            "Invitation to the Hubei SME",
            "Public stampings"
        ]
    );
    let mut outsider = titles(&app, &p.outsider, "").await;
    outsider.sort();
    assert_eq!(outsider, ["Electrolyte", "Public stampings"]);
    problem(
        app.get_as(
            &format!("/api/v1/needs/{}", publish[2]["id"]),
            &p.outsider.access_token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Filters: a category with what lies under it, a region prefix, text, the deadline.
    assert_eq!(
        titles(&app, &p.sme, "?category=chem").await,
        ["Electrolyte"]
    );
    assert_eq!(titles(&app, &p.sme, "?category=auto").await.len(), 3);
    assert_eq!(
        titles(&app, &p.sme, "?region=429004").await,
        ["Electrolyte"]
    );
    assert_eq!(titles(&app, &p.sme, "?region=420600").await.len(), 3);
    assert_eq!(titles(&app, &p.sme, "?q=HUBEI").await.len(), 2);
    let later = in_days(60).replace('+', "%2B");
    assert!(
        titles(&app, &p.sme, &format!("?deadline_after={later}"))
            .await
            .is_empty()
    );

    // The owner sees its own, another lead none of them.
    assert_eq!(titles(&app, &p.lead, "").await.len(), 4);
    assert!(titles(&app, &p.other_lead, "").await.is_empty());

    // Pages: newest first, stable, with a cursor.
    let first = json_with_status(
        app.get_as("/api/v1/needs?limit=3", &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["items"][0]["title"], "Electrolyte");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_with_status(
        app.get_as(
            &format!("/api/v1/needs?limit=3&cursor={cursor}"),
            &p.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn bad_terms_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let cases: Vec<(Value, StatusCode)> = vec![
        (
            json!({"category_code": "no.such"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"delivery_region_code": "420600"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"delivery_region_code": "999999"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"response_deadline": "2020-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"response_deadline": in_days(1000)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"response_deadline": "next friday"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"quantity": 0}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"quantity": 1.5}), StatusCode::BAD_REQUEST),
        (json!({"estimated_value_fen": -1}), StatusCode::BAD_REQUEST),
        (
            json!({"title": "\u{200B}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"title": "a\nb"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"visibility": "secret"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"visibility": "invited"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"visibility": "invited", "invited_supplier_ids": [p.lead.organization_id]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"required_certifications": ["ISO9001", "iso 9001"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"required_certifications": ["ISO/9001"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"status": "published"}), StatusCode::BAD_REQUEST),
    ];
    for (change, status) in cases {
        let mut body = terms("Bad", "public", &[]);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = app
            .send_as(
                Method::POST,
                "/api/v1/needs",
                &p.lead.access_token,
                Some(&body),
            )
            .await;
        let answer = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(answer, status, "{change}: {text}");
    }
    assert!(
        titles(&app, &p.lead, "").await.is_empty(),
        "nothing was stored"
    );
    problem(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            &p.sme.access_token,
            Some(&terms("From an SME", "public", &[])),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_deadline_passes_by_itself_without_any_request() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app_with(|settings| settings.needs.deadline_check_secs = 1).await;
    let p = province(&app).await;
    let need = create(&app, &p.lead, &terms("Hinges", "public", &[])).await;
    json_with_status(act(&app, &p.lead, &need, "publish").await, StatusCode::OK).await;
    let draft = create(&app, &p.lead, &terms("Still a draft", "public", &[])).await;
    let backend = app.store.connection().get_database_backend();
    app.store
        .connection()
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE needs SET response_deadline = '2026-01-01T00:00:00Z'",
        ))
        .await
        .unwrap();
    let path = format!("/api/v1/needs/{}", need["id"]);
    let mut status = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let current = json_with_status(
            app.get_as(&path, &p.lead.access_token).await,
            StatusCode::OK,
        )
        .await;
        status = current["status"].clone();
        if status != "published" {
            break;
        }
    }
    assert_eq!(status, "expired", "no quote, so it expires");
    let history = json_with_status(
        app.get_as(&format!("{path}/history"), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "deadline");
    assert_eq!(last["actor_user_id"], Value::Null);
    let untouched = json_with_status(
        app.get_as(
            &format!("/api/v1/needs/{}", draft["id"]),
            &p.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(untouched["status"], "draft", "only published needs move");
}
