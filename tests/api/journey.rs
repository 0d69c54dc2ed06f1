//! The journey the product exists for, end to end over HTTP, on whichever database the suite runs
//! on: a lead drafts a need, edits and publishes it; two SMEs browse and quote; one is rejected with
//! a reason it reads; the need is split between them; both deals are delivered and the suppliers'
//! scorecards move; and a second need's deadline passes with nobody sending a request.

use peitao_domain::{Category, CategoryCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{Account, TestApp, json_with_status, spawn_app_with};

/// A request that answers 200.
async fn call(app: &TestApp, who: &Account, method: Method, path: &str, body: Value) -> Value {
    let body = (!body.is_null()).then_some(body);
    json_with_status(
        app.send_as(method, path, &who.access_token, body.as_ref())
            .await,
        StatusCode::OK,
    )
    .await
}

async fn created(app: &TestApp, who: &Account, path: &str, body: Value) -> Value {
    json_with_status(
        app.send_as(Method::POST, path, &who.access_token, Some(&body))
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn get(app: &TestApp, who: &Account, path: &str) -> Value {
    json_with_status(app.get_as(path, &who.access_token).await, StatusCode::OK).await
}

fn deadline_in(duration: time::Duration) -> String {
    (OffsetDateTime::now_utc() + duration)
        .format(&Rfc3339)
        .unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_need_goes_from_draft_to_fulfilled_and_a_forgotten_one_expires_by_itself() {
    let app = spawn_app_with(|settings| settings.needs.deadline_check_secs = 1).await;
    app.seed_geography().await;
    let category = |code: &str, parent: Option<&str>| Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|raw| CategoryCode::parse(raw).unwrap()),
        name_zh: code.into(),
        name_en: code.into(),
        reference: None,
    };
    app.store
        .insert_categories(&[
            category("auto", None),
            category("auto.hub", Some("auto")),
            category("textile", None),
        ])
        .await
        .unwrap();
    let lead = app
        .register("buyer@example.com", "lead", "420606", None)
        .await;
    let near = app
        .register("near@example.com", "sme", "420607", None)
        .await;
    let far = app.register("far@example.com", "sme", "110108", None).await;
    for sme in [&near, &far] {
        created(
            &app,
            sme,
            "/api/v1/suppliers/me/certifications",
            json!({"kind": "IATF16949", "number": "CN-7", "valid_from": "2024-01-01", "valid_until": "2031-01-01"}),
        )
        .await;
    }

    // Drafted, edited (with the version read), published.
    let draft = created(
        &app,
        &lead,
        "/api/v1/needs",
        json!({
            "category_code": "auto.hub", "title": "Aluminium wheel hubs", "quantity": 1000,
            "unit": "pcs", "estimated_value_fen": 50_000_000,
            "required_certifications": ["IATF16949"], "delivery_region_code": "420606",
            "response_deadline": deadline_in(time::Duration::days(20)), "visibility": "public"
        }),
    )
    .await;
    assert_eq!(draft["status"], "draft");
    let need = draft["id"].as_i64().unwrap();
    let need_path = format!("/api/v1/needs/{need}");
    // A supplier cannot see a draft.
    json_with_status(
        app.get_as(&need_path, &near.access_token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let edited = call(
        &app,
        &lead,
        Method::PATCH,
        &need_path,
        json!({"version": draft["version"], "quantity": 1200}),
    )
    .await;
    assert_eq!(edited["quantity"], 1200);
    let published = call(
        &app,
        &lead,
        Method::POST,
        &format!("{need_path}/publish"),
        Value::Null,
    )
    .await;
    assert_eq!(published["status"], "published");

    // Both suppliers find it by the parent category; the textile filter hides it.
    for sme in [&near, &far] {
        assert_eq!(
            ids(&get(&app, sme, "/api/v1/needs?category=auto").await),
            [need]
        );
        assert!(ids(&get(&app, sme, "/api/v1/needs?category=textile").await).is_empty());
    }

    // Both quote; the far one is rejected with a reason it reads.
    let quotes = format!("{need_path}/quotes");
    let near_quote = created(
        &app,
        &near,
        &quotes,
        json!({"unit_price_fen": 41_000, "quantity": 800, "lead_time_days": 14}),
    )
    .await;
    let far_quote = created(
        &app,
        &far,
        &quotes,
        json!({"unit_price_fen": 39_000, "quantity": 1200, "lead_time_days": 40}),
    )
    .await;
    assert_eq!(ids(&get(&app, &lead, &quotes).await).len(), 2);
    call(
        &app,
        &lead,
        Method::POST,
        &format!("/api/v1/quotes/{}/reject", far_quote["id"]),
        json!({"reason_code": "lead_time", "note": "40 days is too long for the launch"}),
    )
    .await;
    let seen = get(&app, &far, "/api/v1/suppliers/me/quotes").await;
    assert_eq!(seen["items"][0]["status"], "rejected");
    assert_eq!(seen["items"][0]["reject_reason"], "lead_time");
    assert_eq!(
        seen["items"][0]["reject_note"],
        "40 days is too long for the launch"
    );

    // The far supplier quotes again, faster; the need is split between the two.
    let far_again = created(
        &app,
        &far,
        &quotes,
        json!({"unit_price_fen": 40_000, "quantity": 400, "lead_time_days": 20}),
    )
    .await;
    let awards = format!("{need_path}/awards");
    let near_deal = created(
        &app,
        &lead,
        &awards,
        json!({"quote_id": near_quote["id"], "quantity": 800, "contract_value_fen": 32_800_000}),
    )
    .await;
    assert_eq!(
        get(&app, &lead, &need_path).await["status"],
        "partly_awarded"
    );
    let far_deal = created(
        &app,
        &lead,
        &awards,
        json!({"quote_id": far_again["id"], "quantity": 400, "contract_value_fen": 16_000_000}),
    )
    .await;
    assert_eq!(near_deal["in_province"], true);
    assert_eq!(far_deal["in_province"], false);
    assert_eq!(get(&app, &lead, &need_path).await["status"], "awarded");
    assert_eq!(ids(&get(&app, &lead, "/api/v1/deals").await).len(), 2);
    assert_eq!(
        ids(&get(&app, &near, "/api/v1/deals").await),
        [near_deal["id"].as_i64().unwrap()]
    );

    // Delivered: one on time and excellent, one late; the need is fulfilled.
    let today = peitao_domain::format_date(OffsetDateTime::now_utc().date());
    for (deal, on_time, rating) in [(&near_deal, true, 5), (&far_deal, false, 3)] {
        call(
            &app,
            &lead,
            Method::POST,
            &format!("/api/v1/deals/{}/fulfilment", deal["id"]),
            json!({"delivered_on": today, "on_time": on_time, "quality_rating": rating}),
        )
        .await;
    }
    assert_eq!(get(&app, &lead, &need_path).await["status"], "fulfilled");
    let near_card = get(
        &app,
        &lead,
        &format!("/api/v1/suppliers/{}", near.organization_id.unwrap()),
    )
    .await["scorecard"]
        .clone();
    assert_eq!(
        near_card,
        json!({"fulfilled_deals": 1, "on_time_rate": 1.0, "mean_quality": 5.0})
    );
    let far_card = get(
        &app,
        &lead,
        &format!("/api/v1/suppliers/{}", far.organization_id.unwrap()),
    )
    .await["scorecard"]
        .clone();
    assert_eq!(
        far_card,
        json!({"fulfilled_deals": 1, "on_time_rate": 0.0, "mean_quality": 3.0})
    );
    let steps: Vec<String> = get(&app, &lead, &format!("{need_path}/history")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        steps.first().map(String::as_str),
        Some("draft"),
        "{steps:?}"
    );
    assert_eq!(steps.last().map(String::as_str), Some("fulfilled"));
    assert!(steps.contains(&"partly_awarded".to_owned()), "{steps:?}");

    // A second need nobody quotes on expires when its deadline passes, with no request arriving.
    let forgotten = created(
        &app,
        &lead,
        "/api/v1/needs",
        json!({
            "category_code": "auto", "title": "Seat fabric", "quantity": 10, "unit": "m",
            "estimated_value_fen": 100_000, "required_certifications": [],
            "delivery_region_code": "420606",
            "response_deadline": deadline_in(time::Duration::seconds(3)), "visibility": "public"
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    call(
        &app,
        &lead,
        Method::POST,
        &format!("/api/v1/needs/{forgotten}/publish"),
        Value::Null,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let expired = get(&app, &lead, &format!("/api/v1/needs/{forgotten}")).await;
    assert_eq!(expired["status"], "expired", "{expired}");
    let history = get(&app, &lead, &format!("/api/v1/needs/{forgotten}/history")).await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor_user_id"], Value::Null, "{last}");
}
