//! Quotes, awards and deals: the journey a need exists for, and the race for its last units.

use peitao_domain::{Category, CategoryCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

struct Market {
    lead: Account,
    /// In Hubei, IATF 16949 certified.
    sme: Account,
    /// In Beijing, certified.
    outsider: Account,
    /// In Hubei, not certified.
    uncertified: Account,
}

async fn certify(app: &TestApp, sme: &Account, until: &str) {
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &sme.access_token,
            Some(&json!({"kind": "IATF16949", "number": "CN-1", "valid_from": "2024-01-01", "valid_until": until})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

async fn market(app: &TestApp) -> Market {
    app.seed_geography().await;
    app.store
        .insert_categories(&[Category {
            code: CategoryCode::parse("auto").unwrap(),
            parent_code: None,
            name_zh: "汽车".into(),
            name_en: "Automotive".into(),
            reference: None,
        }])
        .await
        .unwrap();
    let market = Market {
        lead: app
            .register("lead@example.com", "lead", "420606", None)
            .await,
        sme: app.register("sme@example.com", "sme", "420607", None).await,
        outsider: app
            .register("outsider@example.com", "sme", "110108", None)
            .await,
        uncertified: app
            .register("plain@example.com", "sme", "420606", None)
            .await,
    };
    certify(app, &market.sme, "2030-01-01").await;
    certify(app, &market.outsider, "2030-01-01").await;
    market
}

async fn published_need(app: &TestApp, lead: &Account, quantity: u64) -> i64 {
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&Rfc3339)
        .unwrap();
    let need = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            &lead.access_token,
            Some(&json!({
                "category_code": "auto", "title": "Wheel hubs", "quantity": quantity, "unit": "pcs",
                "estimated_value_fen": 90_000_000, "required_certifications": ["IATF16949"],
                "delivery_region_code": "420606", "response_deadline": deadline,
                "visibility": "public"
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{need}/publish"),
            &lead.access_token,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    need
}

async fn quote(
    app: &TestApp,
    sme: &Account,
    need: i64,
    quantity: u64,
    price: u64,
) -> reqwest::Response {
    app.send_as(
        Method::POST,
        &format!("/api/v1/needs/{need}/quotes"),
        &sme.access_token,
        Some(&json!({"unit_price_fen": price, "quantity": quantity, "lead_time_days": 21})),
    )
    .await
}

async fn post(
    app: &TestApp,
    account: &Account,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.send_as(Method::POST, path, &account.access_token, body.as_ref())
        .await
}

#[tokio::test]
async fn two_smes_quote_one_is_rejected_the_need_is_split_delivered_and_fulfilled() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 10_000).await;

    let local = json_with_status(
        quote(&app, &m.sme, need, 6000, 2950).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(local["status"], "submitted");
    assert_eq!(local["total_fen"], 17_700_000);
    assert_eq!(local["in_province"], true);
    let far = json_with_status(
        quote(&app, &m.outsider, need, 10_000, 2800).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(far["in_province"], false);

    // One live quote per supplier and need; the uncertified supplier is told what it lacks.
    problem(
        quote(&app, &m.sme, need, 1, 1).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let lacking = problem(
        quote(&app, &m.uncertified, need, 100, 3000).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        lacking["detail"].as_str().unwrap().contains("IATF16949"),
        "{lacking}"
    );

    // A supplier sees only its own quote; the owner sees both.
    let theirs = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}/quotes"), &m.sme.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    let all = json_with_status(
        app.get_as(
            &format!("/api/v1/needs/{need}/quotes"),
            &m.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    problem(
        post(
            &app,
            &m.sme,
            &format!("/api/v1/quotes/{}/withdraw", far["id"]),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The lead rejects the far one with a reason the supplier reads, and shortlists the local one.
    json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/quotes/{}/reject", far["id"]),
            Some(
                json!({"reason_code": "distance", "note": "Delivery from Beijing takes too long"}),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mine = json_with_status(
        app.get_as("/api/v1/suppliers/me/quotes", &m.outsider.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"][0]["status"], "rejected");
    assert_eq!(mine["items"][0]["reject_reason"], "distance");
    assert_eq!(
        mine["items"][0]["reject_note"],
        "Delivery from Beijing takes too long"
    );
    assert_eq!(mine["items"][0]["need_title"], "Wheel hubs");
    json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/quotes/{}/shortlist", local["id"]),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // A split award: 6,000 to the local supplier now; the rejected quote cannot be awarded.
    let deal = json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(json!({"quote_id": local["id"], "quantity": 6000, "contract_value_fen": 17_700_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(deal["in_province"], true);
    assert_eq!(deal["supplier_region_code"], "420607");
    problem(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(
                json!({"quote_id": far["id"], "quantity": 4000, "contract_value_fen": 11_200_000}),
            ),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let partly = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(partly["status"], "partly_awarded");
    assert_eq!(partly["remaining_quantity"], 4000);

    // A second supplier quotes for the rest and wins it: the need is fully awarded.
    certify(&app, &m.uncertified, "2030-01-01").await;
    let rest = json_with_status(
        quote(&app, &m.uncertified, need, 4000, 3000).await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(json!({"quote_id": rest["id"], "quantity": 4001, "contract_value_fen": 1})),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let second = json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(
                json!({"quote_id": rest["id"], "quantity": 4000, "contract_value_fen": 12_000_000}),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Deals by scope.
    let deals = |account: &Account| {
        let token = account.access_token.clone();
        let app = &app;
        async move {
            json_with_status(app.get_as("/api/v1/deals", &token).await, StatusCode::OK).await["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(deals(&m.lead).await, 2);
    assert_eq!(deals(&m.sme).await, 1);
    assert_eq!(deals(&m.outsider).await, 0);

    // Delivery of both deals fulfils the need.
    let today = OffsetDateTime::now_utc().date();
    let today = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    for (deal, on_time, rating) in [(&deal, true, 5), (&second, false, 3)] {
        let fulfilled = json_with_status(
            post(
                &app,
                &m.lead,
                &format!("/api/v1/deals/{}/fulfilment", deal["id"]),
                Some(json!({"delivered_on": today, "on_time": on_time, "quality_rating": rating})),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(fulfilled["status"], "fulfilled");
    }
    problem(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/deals/{}/fulfilment", deal["id"]),
            Some(json!({"delivered_on": today, "on_time": true, "quality_rating": 5})),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let done = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "fulfilled");
    let profile = json_with_status(
        app.get_as(
            &format!(
                "/api/v1/suppliers/{}",
                m.uncertified.organization_id.unwrap()
            ),
            &m.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        profile["scorecard"],
        json!({"fulfilled_deals": 1, "on_time_rate": 0.0, "mean_quality": 3.0}),
        "the late delivery rated 3 is on the record"
    );
    let history = json_with_status(
        app.get_as(
            &format!("/api/v1/needs/{need}/history"),
            &m.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let steps: Vec<String> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            format!(
                "{} {}→{}",
                event["action"].as_str().unwrap(),
                event["from"],
                event["to"]
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "created null→\"draft\"",
            "publish \"draft\"→\"published\"",
            "award \"published\"→\"partly_awarded\"",
            "award \"partly_awarded\"→\"awarded\"",
            "fulfil \"awarded\"→\"fulfilled\"",
        ]
    );
}

#[tokio::test]
async fn fifty_simultaneous_awards_for_the_last_units_give_exactly_one_deal() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 100).await;
    let offer = json_with_status(
        quote(&app, &m.sme, need, 100, 1000).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/needs/{need}/awards");
    let body = json!({"quote_id": offer["id"], "quantity": 100, "contract_value_fen": 100_000});
    let attempts = (0..50).map(|_| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&m.lead.access_token)
            .json(&body);
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, refused), (1, 49), "{statuses:?}");
    let stored = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["awarded_quantity"], 100);
    assert_eq!(stored["status"], "awarded");
    let deals = json_with_status(
        app.get_as("/api/v1/deals", &m.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(deals["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fifty_awards_from_different_quotes_never_exceed_the_quantity() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 10).await;
    let mut offers = Vec::new();
    for serial in 0..5 {
        let sme = app
            .register(&format!("racer{serial}@example.com"), "sme", "420606", None)
            .await;
        certify(&app, &sme, "2030-01-01").await;
        let offer =
            json_with_status(quote(&app, &sme, need, 10, 1000).await, StatusCode::CREATED).await;
        offers.push(offer["id"].clone());
    }
    let path = format!("/api/v1/needs/{need}/awards");
    let attempts = (0..50).map(|serial| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&m.lead.access_token)
            .json(
                &json!({"quote_id": offers[serial % 5], "quantity": 3, "contract_value_fen": 3000}),
            );
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 3, "three awards of 3 fit in 10: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::CREATED || *status == StatusCode::CONFLICT)
    );
    let stored = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["awarded_quantity"], 9);
    assert_eq!(stored["status"], "partly_awarded");
}

#[tokio::test]
async fn a_deadline_with_a_live_quote_closes_the_need_for_the_owner_to_decide() {
    use sea_orm::{ConnectionTrait, Statement};
    let app =
        crate::helpers::spawn_app_with(|settings| settings.needs.deadline_check_secs = 1).await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 100).await;
    let offer = json_with_status(
        quote(&app, &m.sme, need, 100, 1000).await,
        StatusCode::CREATED,
    )
    .await;
    let backend = app.store.connection().get_database_backend();
    app.store
        .connection()
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE needs SET response_deadline = '2026-01-01T00:00:00Z'",
        ))
        .await
        .unwrap();
    let mut status = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        status = json_with_status(
            app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
                .await,
            StatusCode::OK,
        )
        .await["status"]
            .clone();
        if status != "published" {
            break;
        }
    }
    assert_eq!(status, "closed");
    // Closed takes no more quotes, but the owner may still award.
    problem(
        quote(&app, &m.outsider, need, 1, 1).await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(json!({"quote_id": offer["id"], "quantity": 100, "contract_value_fen": 100_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn a_quote_ships_from_the_plant_it_names_and_the_deal_counts_by_it() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 100).await;
    // The Hubei SME has a plant in Beijing: goods made there are not local.
    let plant = json_with_status(
        post(
            &app,
            &m.sme,
            "/api/v1/suppliers/me/sites",
            Some(json!({"name": "Beijing plant", "region_code": "110108", "address": "1 Factory Road"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let theirs = json_with_status(
        post(
            &app,
            &m.outsider,
            "/api/v1/suppliers/me/sites",
            Some(json!({"name": "Their plant", "region_code": "110108", "address": "2 Factory Road"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let body = |site: &Value| json!({"unit_price_fen": 1000, "quantity": 100, "lead_time_days": 7, "production_site_id": site["id"]});
    problem(
        post(
            &app,
            &m.sme,
            &format!("/api/v1/needs/{need}/quotes"),
            Some(body(&theirs)),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let offer = json_with_status(
        post(
            &app,
            &m.sme,
            &format!("/api/v1/needs/{need}/quotes"),
            Some(body(&plant)),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(offer["ship_region_code"], "110108");
    assert_eq!(offer["in_province"], false);
    let deal = json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(json!({"quote_id": offer["id"], "quantity": 100, "contract_value_fen": 100_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        deal["in_province"], false,
        "the plant, not the registered county, decides"
    );
}

#[tokio::test]
async fn a_plant_stays_while_a_live_quote_or_an_active_deal_ships_from_it() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let sites = "/api/v1/suppliers/me/sites";
    let plant =
        |name: &str| json!({"name": name, "region_code": "420606", "address": "1 Factory Road"});
    let shipping = json_with_status(
        post(&app, &m.sme, sites, Some(plant("Fancheng plant"))).await,
        StatusCode::CREATED,
    )
    .await;
    let idle = json_with_status(
        post(&app, &m.sme, sites, Some(plant("Idle plant"))).await,
        StatusCode::CREATED,
    )
    .await;
    let remove = |site: &Value| {
        let path = format!("{sites}/{}", site["id"]);
        let (app, token) = (&app, &m.sme.access_token);
        async move { app.send_as(Method::DELETE, &path, token, None).await }
    };
    let listed = || async {
        json_with_status(app.get_as(sites, &m.sme.access_token).await, StatusCode::OK).await
            ["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|site| site["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };

    let need = published_need(&app, &m.lead, 100).await;
    let offer = json_with_status(
        post(
            &app,
            &m.sme,
            &format!("/api/v1/needs/{need}/quotes"),
            Some(json!({"unit_price_fen": 1000, "quantity": 100, "lead_time_days": 7, "production_site_id": shipping["id"]})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // A submitted quote names it: kept, and the problem says which quote.
    let refused = problem(remove(&shipping).await, StatusCode::CONFLICT, "conflict").await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains(&offer["id"].to_string()),
        "{refused}"
    );
    // A plant nobody ships from goes.
    assert_eq!(remove(&idle).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(listed().await, vec![shipping["id"].as_i64().unwrap()]);

    // Awarded, the deal is active: still kept.
    let deal = json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{need}/awards"),
            Some(json!({"quote_id": offer["id"], "quantity": 100, "contract_value_fen": 100_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    problem(remove(&shipping).await, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(listed().await, vec![shipping["id"].as_i64().unwrap()]);

    // Once the deal is over, the plant can go.
    json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/deals/{}/cancel", deal["id"]),
            Some(json!({"reason": "The order moved to another line"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(remove(&shipping).await.status(), StatusCode::NO_CONTENT);
    assert!(listed().await.is_empty());
}

#[tokio::test]
async fn a_cancelled_deal_gives_its_quantity_back_to_the_need_with_the_reason_recorded() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let need = published_need(&app, &m.lead, 100).await;
    let first = json_with_status(
        quote(&app, &m.sme, need, 60, 1000).await,
        StatusCode::CREATED,
    )
    .await;
    let second = json_with_status(
        quote(&app, &m.outsider, need, 40, 900).await,
        StatusCode::CREATED,
    )
    .await;
    let award = |quote: &Value, quantity: u64| json!({"quote_id": quote["id"], "quantity": quantity, "contract_value_fen": quantity * 1000});
    let awards = format!("/api/v1/needs/{need}/awards");
    let kept = json_with_status(
        post(&app, &m.lead, &awards, Some(award(&first, 60))).await,
        StatusCode::CREATED,
    )
    .await;
    let dropped = json_with_status(
        post(&app, &m.lead, &awards, Some(award(&second, 40))).await,
        StatusCode::CREATED,
    )
    .await;
    let cancel = |deal: &Value| format!("/api/v1/deals/{}/cancel", deal["id"]);

    // A reason is required, and the supplier cannot cancel the lead's deal.
    let blank = problem(
        post(
            &app,
            &m.lead,
            &cancel(&dropped),
            Some(json!({"reason": "  "})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        blank["detail"].as_str().unwrap().contains("reason"),
        "{blank}"
    );
    problem(
        post(
            &app,
            &m.outsider,
            &cancel(&dropped),
            Some(json!({"reason": "no"})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let cancelled = json_with_status(
        post(
            &app,
            &m.lead,
            &cancel(&dropped),
            Some(json!({"reason": "The plant was flooded"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "The plant was flooded");
    assert!(cancelled["cancelled_at"].is_string());
    let stored = json_with_status(
        app.get_as(&format!("/api/v1/needs/{need}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["status"], "partly_awarded");
    assert_eq!(stored["awarded_quantity"], 60);
    let history = json_with_status(
        app.get_as(
            &format!("/api/v1/needs/{need}/history"),
            &m.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["action"], &last["from"], &last["to"]),
        (
            &json!("cancel_deal"),
            &json!("awarded"),
            &json!("partly_awarded")
        )
    );
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("The plant was flooded"),
        "{last}"
    );
    // Cancelled once is cancelled for good.
    let again = problem(
        post(
            &app,
            &m.lead,
            &cancel(&dropped),
            Some(json!({"reason": "twice"})),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    assert!(
        again["detail"].as_str().unwrap().contains("cancelled"),
        "{again}"
    );

    // The other deal delivered and the rest no longer sought: the need is fulfilled.
    let today = peitao_domain::format_date(OffsetDateTime::now_utc().date());
    json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/deals/{}/fulfilment", kept["id"]),
            Some(json!({"delivered_on": today, "on_time": true, "quality_rating": 5})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let closed = json_with_status(
        post(&app, &m.lead, &format!("/api/v1/needs/{need}/close"), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "fulfilled", "{closed}");

    // With its only deal cancelled, a need goes back to closed and may be awarded again.
    let other = published_need(&app, &m.lead, 10).await;
    let offer = json_with_status(
        quote(&app, &m.sme, other, 10, 100).await,
        StatusCode::CREATED,
    )
    .await;
    let only = json_with_status(
        post(
            &app,
            &m.lead,
            &format!("/api/v1/needs/{other}/awards"),
            Some(award(&offer, 10)),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_with_status(
        post(
            &app,
            &m.lead,
            &cancel(&only),
            Some(json!({"reason": "Budget cut"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let reopened = json_with_status(
        app.get_as(&format!("/api/v1/needs/{other}"), &m.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&reopened["status"], &reopened["awarded_quantity"]),
        (&json!("closed"), &json!(0))
    );
}
