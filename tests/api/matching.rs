//! Matching over HTTP: suppliers ranked for a need with their components, why one is excluded,
//! needs ranked for an SME, a write seen by the next query in the same process, and by another
//! process on the same database within two seconds.

use std::time::{Duration, Instant};

use peitao_domain::{Category, CategoryCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app, spawn_beside};

struct Province {
    lead: Account,
    /// Xiangzhou, next to the delivery county; certified; makes hubs.
    near: Account,
    /// Beijing; certified; makes hubs.
    far: Account,
    /// Fancheng, the delivery county; its certificate ends before the deadline.
    expiring: Account,
    /// Fancheng; certified; makes automotive parts in general (a generalist).
    generalist: Account,
    /// Fancheng; certified; makes nothing the need wants.
    unrelated: Account,
    need: i64,
    deadline: OffsetDateTime,
}

async fn certify(app: &TestApp, sme: &Account, until: &str) {
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &sme.access_token,
            Some(&json!({"kind": "IATF16949", "number": "CN-9", "valid_from": "2024-01-01", "valid_until": until})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

async fn capable(app: &TestApp, sme: &Account, category: &str, capacity: u64) {
    json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme.access_token,
            Some(&json!({"capabilities": [
                {"category_code": category, "annual_capacity": capacity, "unit": "pcs"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

async fn province(app: &TestApp) -> Province {
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
        .register("lead@example.com", "lead", "420606", None)
        .await;
    let near = app
        .register("near@example.com", "sme", "420607", None)
        .await;
    let far = app.register("far@example.com", "sme", "110108", None).await;
    let expiring = app
        .register("expiring@example.com", "sme", "420606", None)
        .await;
    let generalist = app
        .register("general@example.com", "sme", "420606", None)
        .await;
    let unrelated = app
        .register("unrelated@example.com", "sme", "420606", None)
        .await;
    let deadline = OffsetDateTime::now_utc() + time::Duration::days(60);
    let cut_short = peitao_domain::format_date(deadline.date() - time::Duration::days(10));
    for (sme, until) in [
        (&near, "2031-01-01"),
        (&far, "2031-01-01"),
        (&expiring, cut_short.as_str()),
        (&generalist, "2031-01-01"),
        (&unrelated, "2031-01-01"),
    ] {
        certify(app, sme, until).await;
    }
    for sme in [&near, &far, &expiring] {
        capable(app, sme, "auto.hub", 50_000).await;
    }
    capable(app, &generalist, "auto", 50_000).await;
    capable(app, &unrelated, "textile", 50_000).await;
    let need = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            &lead.access_token,
            Some(&json!({
                "category_code": "auto.hub", "title": "Wheel hubs", "quantity": 10_000,
                "unit": "pcs", "estimated_value_fen": 90_000_000,
                "required_certifications": ["IATF16949"], "delivery_region_code": "420606",
                "response_deadline": deadline.format(&Rfc3339).unwrap(), "visibility": "public"
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
    Province {
        lead,
        near,
        far,
        expiring,
        generalist,
        unrelated,
        need,
        deadline,
    }
}

fn supplier_ids(matches: &Value) -> Vec<i64> {
    matches["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["supplier_id"].as_i64().unwrap())
        .collect()
}

fn id(account: &Account) -> i64 {
    account.organization_id.unwrap()
}

#[tokio::test]
async fn suppliers_are_ranked_for_a_need_with_reasons_and_exclusions_are_explained() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let path = format!("/api/v1/needs/{}/matches", p.need);
    let matches = json_with_status(
        app.get_as(&path, &p.lead.access_token).await,
        StatusCode::OK,
    )
    .await;
    // The exact category in the province first, the generalist next door after it, the supplier
    // from outside the province last; the expired certificate and the unrelated trade are out.
    assert_eq!(
        supplier_ids(&matches),
        [id(&p.near), id(&p.generalist), id(&p.far)],
        "{matches:#}"
    );
    let items = matches["items"].as_array().unwrap();
    let near = &items[0];
    assert_eq!(near["in_province"], true);
    assert_eq!(near["matched_category"], "auto.hub");
    assert_eq!(near["components"]["category_fit"], 1.0);
    assert_eq!(near["components"]["capacity"], 1.0);
    assert_eq!(near["name"], "near@example.com Co.");
    assert!(items[1]["components"]["category_fit"].as_f64().unwrap() < 1.0);
    assert_eq!(items[1]["matched_category"], "auto");
    assert_eq!(items[2]["in_province"], false);
    assert!(
        items[2]["components"]["proximity"].as_f64().unwrap()
            < near["components"]["proximity"].as_f64().unwrap()
    );
    for item in items {
        let score = item["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score), "{item}");
        for (_, value) in item["components"].as_object().unwrap() {
            assert!((0.0..=1.0).contains(&value.as_f64().unwrap()), "{item}");
        }
    }
    let weights: f64 = matches["weights"]
        .as_object()
        .unwrap()
        .values()
        .map(|weight| weight.as_f64().unwrap())
        .sum();
    assert!((weights - 1.0).abs() < 1e-9, "{matches}");

    // Filters: only in-province, a minimum score, a limit.
    let local = json_with_status(
        app.get_as(&format!("{path}?in_province=true"), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(supplier_ids(&local), [id(&p.near), id(&p.generalist)]);
    let best = near["score"].as_f64().unwrap();
    let top = json_with_status(
        app.get_as(&format!("{path}?min_score={best}"), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(supplier_ids(&top), [id(&p.near)]);
    for bad in ["limit=0", "limit=101", "min_score=1.5", "in_province=maybe"] {
        let answer = app
            .get_as(&format!("{path}?{bad}"), &p.lead.access_token)
            .await;
        assert!(
            answer.status().is_client_error(),
            "{bad}: {}",
            answer.status()
        );
    }

    // Why is my usual supplier not listed?
    let why = json_with_status(
        app.get_as(&format!("{path}/{}", id(&p.expiring)), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(why["eligible"], false);
    assert_eq!(why["exclusions"][0]["code"], "certification_expires");
    let message = why["exclusions"][0]["message"].as_str().unwrap();
    let cut_short = peitao_domain::format_date(p.deadline.date() - time::Duration::days(10));
    assert!(
        message.contains("IATF16949") && message.contains(&cut_short),
        "{message}"
    );
    let unrelated = json_with_status(
        app.get_as(
            &format!("{path}/{}", id(&p.unrelated)),
            &p.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unrelated["exclusions"][0]["code"], "no_capability");
    // An eligible supplier's explanation is its row of the ranking.
    let explained = json_with_status(
        app.get_as(&format!("{path}/{}", id(&p.near)), &p.lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(explained["eligible"], true);
    assert_eq!(explained["score"], near["score"]);
    assert_eq!(explained["components"], near["components"]);
    // A lead is not a supplier: 404, like any id the engine does not know.
    problem(
        app.get_as(&format!("{path}/{}", id(&p.lead)), &p.lead.access_token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn an_sme_sees_the_needs_it_could_answer_ranked_and_a_change_shows_at_once() {
    let app = spawn_app().await;
    let p = province(&app).await;
    let mine = |account: &Account| {
        let token = account.access_token.clone();
        let app = &app;
        async move {
            json_with_status(
                app.get_as("/api/v1/suppliers/me/matches", &token).await,
                StatusCode::OK,
            )
            .await
        }
    };
    let near = mine(&p.near).await;
    assert_eq!(near["items"][0]["need_id"], p.need);
    assert_eq!(near["items"][0]["title"], "Wheel hubs");
    assert_eq!(near["items"][0]["in_province"], true);
    // The far supplier sees it too (public), less well placed; the expiring one does not.
    let far = mine(&p.far).await;
    assert_eq!(far["items"][0]["need_id"], p.need);
    assert!(far["items"][0]["score"].as_f64() < near["items"][0]["score"].as_f64());
    assert!(
        mine(&p.expiring).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        mine(&p.unrelated).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The unrelated supplier takes up hubs: the very next query ranks it.
    capable(&app, &p.unrelated, "auto.hub", 80_000).await;
    assert_eq!(mine(&p.unrelated).await["items"][0]["need_id"], p.need);
    let ranked = json_with_status(
        app.get_as(
            &format!("/api/v1/needs/{}/matches", p.need),
            &p.lead.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        supplier_ids(&ranked).contains(&id(&p.unrelated)),
        "{ranked}"
    );

    // Once awarded in full, the need leaves the suppliers' lists.
    let offer = json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{}/quotes", p.need),
            &p.near.access_token,
            Some(&json!({"unit_price_fen": 100, "quantity": 10_000, "lead_time_days": 10})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{}/awards", p.need),
            &p.lead.access_token,
            Some(&json!({"quote_id": offer["id"], "quantity": 10_000, "contract_value_fen": 1_000_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(mine(&p.far).await["items"].as_array().unwrap().is_empty());
    // The generalist's matches are not a lead's to ask for, nor a lead's for an SME.
    problem(
        app.get_as("/api/v1/suppliers/me/matches", &p.lead.access_token)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.get_as(
            &format!("/api/v1/needs/{}/matches", p.need),
            &p.generalist.access_token,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn another_process_on_the_same_database_sees_a_change_within_two_seconds() {
    let first = spawn_app().await;
    let p = province(&first).await;
    let second = spawn_beside(&first).await;
    let path = format!("/api/v1/needs/{}/matches", p.need);
    let token = p.lead.access_token.clone();
    let ask = async |app: &TestApp| {
        supplier_ids(&json_with_status(app.get_as(&path, &token).await, StatusCode::OK).await)
    };
    // The second process built its index from the database at start.
    assert_eq!(ask(&second).await, ask(&first).await);
    assert!(!ask(&second).await.contains(&id(&p.unrelated)));

    // A change made through the first process...
    capable(&first, &p.unrelated, "auto.hub", 80_000).await;
    let changed = Instant::now();
    assert!(ask(&first).await.contains(&id(&p.unrelated)));
    // ...reaches the second one on its own.
    loop {
        if ask(&second).await.contains(&id(&p.unrelated)) {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "the second process did not see the change within two seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And a removal too.
    capable(&first, &p.unrelated, "textile", 80_000).await;
    let changed = Instant::now();
    loop {
        if !ask(&second).await.contains(&id(&p.unrelated)) {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "the second process did not see the removal within two seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_index_after_writes_equals_one_rebuilt_from_the_database() {
    use peitao_app::demo::{self, DEMO_PASSWORD, Scale};
    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 5, false, |_, _| {})
        .await
        .unwrap();
    let token = |tokens: Value| tokens["access_token"].as_str().unwrap().to_owned();
    // Each kind of write by another SME, so no write hides a missing change-log trigger of another.
    let sme = token(app.login("sme3@peitao.demo", DEMO_PASSWORD).await);
    let certified = token(app.login("sme4@peitao.demo", DEMO_PASSWORD).await);
    let titled = token(app.login("sme5@peitao.demo", DEMO_PASSWORD).await);
    let planted = token(app.login("sme6@peitao.demo", DEMO_PASSWORD).await);
    let lead = token(app.login("lead2@peitao.demo", DEMO_PASSWORD).await);
    let admin = token(app.login("admin@peitao.demo", DEMO_PASSWORD).await);
    let send = async |token: &str, method: Method, path: &str, body: Value| {
        let body = (!body.is_null()).then_some(body);
        let answer = app.send_as(method, path, token, body.as_ref()).await;
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json::<Value>().await.unwrap_or(Value::Null)
    };

    // An SME changes what it makes, its certificates, titles and plants.
    send(
        &sme,
        Method::PUT,
        "/api/v1/suppliers/me/capabilities",
        json!({"capabilities": [
            {"category_code": "auto.body.stamping", "annual_capacity": 90_000, "unit": "pcs"},
            {"category_code": "auto.body", "annual_capacity": 5_000, "unit": "pcs"}
        ]}),
    )
    .await;
    send(
        &certified,
        Method::POST,
        "/api/v1/suppliers/me/certifications",
        json!({"kind": "IATF16949", "number": "X-1", "valid_from": "2025-01-01", "valid_until": "2030-01-01"}),
    )
    .await;
    send(
        &titled,
        Method::POST,
        "/api/v1/suppliers/me/credentials",
        json!({"tier": "专精特新中小企业", "issuing_body": "湖北省经济和信息化厅",
               "valid_from": "2025-07-01", "valid_until": "2028-06-30"}),
    )
    .await;
    send(
        &planted,
        Method::POST,
        "/api/v1/suppliers/me/sites",
        json!({"name": "Plant 2", "region_code": "420982", "address": "8 River Road"}),
    )
    .await;
    // A lead publishes a need, cancels an open one, calls off a deal and records a delivery.
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&Rfc3339)
        .unwrap();
    let need = send(
        &lead,
        Method::POST,
        "/api/v1/needs",
        json!({
            "category_code": "auto.body.stamping", "title": "Hubs", "quantity": 500, "unit": "pcs",
            "estimated_value_fen": 1_000_000, "required_certifications": [],
            "delivery_region_code": "420607", "response_deadline": deadline, "visibility": "province"
        }),
    )
    .await;
    send(
        &lead,
        Method::POST,
        &format!("/api/v1/needs/{}/publish", need["id"]),
        Value::Null,
    )
    .await;
    let open = send(&lead, Method::GET, "/api/v1/needs?limit=100", Value::Null).await;
    if let Some(published) = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["status"] == "published" && item["id"] != need["id"])
    {
        send(
            &lead,
            Method::POST,
            &format!("/api/v1/needs/{}/cancel", published["id"]),
            json!({"reason": "Plans changed"}),
        )
        .await;
    }
    let deals = send(&lead, Method::GET, "/api/v1/deals", Value::Null).await;
    let mut active = deals["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|deal| deal["status"] == "active");
    if let Some(deal) = active.next() {
        send(
            &lead,
            Method::POST,
            &format!("/api/v1/deals/{}/cancel", deal["id"]),
            json!({"reason": "Line stopped"}),
        )
        .await;
    }
    if let Some(deal) = active.next() {
        let today = peitao_domain::format_date(OffsetDateTime::now_utc().date());
        send(
            &lead,
            Method::POST,
            &format!("/api/v1/deals/{}/fulfilment", deal["id"]),
            json!({"delivered_on": today, "on_time": false, "quality_rating": 2}),
        )
        .await;
    }
    // An administrator changes a verification.
    let me = send(&sme, Method::GET, "/api/v1/me", Value::Null).await;
    // The SME renames itself: rankings are labelled from the engine, which must follow.
    let organization = &me["organization"];
    send(
        &sme,
        Method::PATCH,
        &format!("/api/v1/organizations/{}", organization["id"]),
        json!({"name": "Renamed Stamping Co.", "version": organization["version"]}),
    )
    .await;
    send(
        &admin,
        Method::POST,
        &format!(
            "/api/v1/organizations/{}/verification",
            me["organization"]["id"]
        ),
        json!({"verified": false, "note": "Licence expired"}),
    )
    .await;

    app.matching.catch_up(&app.store).await.unwrap();
    let settings = peitao_api::settings::Settings::defaults()
        .unwrap()
        .matching();
    let rebuilt = peitao_app::matching::MatchingEngine::build(&app.store, settings)
        .await
        .unwrap();
    let (followed, fresh) = (app.matching.snapshot(), rebuilt.snapshot());
    assert_eq!(followed.suppliers.len(), 150);
    assert!(!followed.needs.is_empty());
    assert!(
        followed == fresh,
        "the followed index differs from a fresh build"
    );
    let labels = app.matching.labels_snapshot();
    assert_eq!(labels.len(), 150);
    assert_eq!(
        labels
            .get(&peitao_domain::OrganizationId(
                organization["id"].as_i64().unwrap()
            ))
            .map(|label| &*label.name),
        Some("Renamed Stamping Co.")
    );
    assert!(
        labels == rebuilt.labels_snapshot(),
        "the followed labels differ from a fresh build's"
    );
    // The build reads the suppliers by ranges of ids; however narrow, they add up to the same.
    for range in [1, 7] {
        let ranged =
            peitao_app::matching::MatchingEngine::build_in_ranges(&app.store, settings, range)
                .await
                .unwrap();
        assert!(
            ranged.snapshot() == fresh,
            "a build by ranges of {range} ids differs"
        );
        assert!(
            ranged.labels_snapshot() == labels,
            "the labels of a build by ranges of {range} ids differ"
        );
    }
}

#[tokio::test]
async fn the_bulk_read_totals_deals_as_one_pass_over_each_deal_would() {
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    use peitao_app::demo::{self, Scale};
    use peitao_domain::OrganizationId;
    use sea_orm::{ConnectionTrait, Statement};

    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 5, false, |_, _| {})
        .await
        .unwrap();
    let connection = app.store.connection();
    // Deals change after they are made: one is called off, one delivered, one removed. The
    // totals the database keeps per supplier follow each change.
    for change in [
        "UPDATE deals SET status = 'cancelled' \
         WHERE id = (SELECT MIN(id) FROM deals WHERE status = 'active')",
        "UPDATE deals SET status = 'fulfilled', on_time = TRUE, quality_rating = 4 \
         WHERE id = (SELECT MAX(id) FROM deals WHERE status = 'active')",
        "DELETE FROM deals WHERE id = (SELECT MIN(id) FROM deals WHERE status = 'fulfilled')",
    ] {
        connection.execute_unprepared(change).await.unwrap();
    }
    // Every deal on its own, as the reference: active ones commit their quantity to the need's
    // category, fulfilled ones make the scorecard, and both say what is supplied to whom.
    let deals = connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            "SELECT d.supplier_id, d.lead_id, d.status, d.quantity, d.on_time, d.quality_rating, \
             n.category_code FROM deals d JOIN needs n ON n.id = d.need_id",
        ))
        .await
        .unwrap();
    type Expected = (
        BTreeMap<CategoryCode, u64>,
        (u32, u32, u32),
        BTreeSet<(OrganizationId, CategoryCode)>,
    );
    let mut expected: HashMap<OrganizationId, Expected> = HashMap::new();
    let mut statuses = BTreeSet::new();
    for deal in &deals {
        let supplier = OrganizationId(deal.try_get_by_index(0).unwrap());
        let lead = OrganizationId(deal.try_get_by_index(1).unwrap());
        let status: String = deal.try_get_by_index(2).unwrap();
        let quantity: i64 = deal.try_get_by_index(3).unwrap();
        let on_time: Option<bool> = deal.try_get_by_index(4).unwrap();
        let rating: Option<i16> = deal.try_get_by_index(5).unwrap();
        let category = CategoryCode::parse(&deal.try_get_by_index::<String>(6).unwrap()).unwrap();
        statuses.insert(status.clone());
        let (committed, scorecard, supplied) = expected.entry(supplier).or_default();
        match status.as_str() {
            "active" => {
                *committed.entry(category.clone()).or_default() += u64::try_from(quantity).unwrap();
            }
            "fulfilled" => {
                scorecard.0 += 1;
                scorecard.1 += u32::from(on_time == Some(true));
                scorecard.2 += rating.map_or(0, |r| u32::try_from(r).unwrap());
            }
            _ => continue,
        }
        supplied.insert((lead, category));
    }
    assert!(
        ["active", "cancelled", "fulfilled"]
            .iter()
            .all(|status| statuses.contains(*status)),
        "the demo has deals in every state: {statuses:?}"
    );
    let rows = app.store.supplier_matching_rows(None).await.unwrap();
    assert_eq!(rows.len(), 150);
    let mut with_deals = 0;
    for row in &rows {
        let (committed, scorecard, supplied) = expected.remove(&row.id).unwrap_or_default();
        with_deals += usize::from(!supplied.is_empty());
        assert_eq!(row.committed, committed, "committed of {}", row.id);
        assert_eq!(row.scorecard, scorecard, "scorecard of {}", row.id);
        assert_eq!(row.supplied, supplied, "supplied of {}", row.id);
    }
    assert!(with_deals > 10, "only {with_deals} suppliers have deals");
    assert!(
        expected.is_empty(),
        "deals of unknown suppliers: {expected:?}"
    );
    // Read by ids, as the engine does for a change, they are the same rows.
    let ids: Vec<OrganizationId> = rows.iter().map(|row| row.id).collect();
    assert_eq!(
        app.store.supplier_matching_rows(Some(&ids)).await.unwrap(),
        rows
    );
}
