//! The statistics against a fixture whose figures are computed by hand (docs/supporting-rate.md
//! gives the rule): a baseline, deals in and out of the province, a cancelled deal, a lead
//! without a baseline, and deals either side of the Q1/Q2 boundary in Beijing time.

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain, Role};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};
use time::{OffsetDateTime, macros::datetime};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

struct Fixture {
    app: TestApp,
    lead_a: Account,
    lead_c: Account,
    sme_b: Account,
    park_x: Account,
    admin: Account,
    lead_a_id: i64,
}

fn category(code: &str, parent: Option<&str>) -> Category {
    Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|parent| CategoryCode::parse(parent).unwrap()),
        name_zh: code.into(),
        name_en: code.into(),
        reference: None,
    }
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    json_with_status(
        app.send_as(Method::POST, path, token, Some(&body)).await,
        StatusCode::CREATED,
    )
    .await
}

/// A need the lead publishes in `category`, quoted by `supplier` and awarded for `value_fen`;
/// the deal's id.
async fn deal(
    app: &TestApp,
    lead: &Account,
    supplier: &Account,
    category: &str,
    value_fen: i64,
) -> i64 {
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let need = post(
        app,
        "/api/v1/needs",
        &lead.access_token,
        json!({
            "category_code": category, "title": "Fixture need", "quantity": 10, "unit": "pcs",
            "estimated_value_fen": value_fen, "delivery_region_code": "420606",
            "response_deadline": deadline, "visibility": "public"
        }),
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
    let quote = post(
        app,
        &format!("/api/v1/needs/{need}/quotes"),
        &supplier.access_token,
        json!({"unit_price_fen": value_fen / 10, "quantity": 10, "lead_time_days": 14}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        &format!("/api/v1/needs/{need}/awards"),
        &lead.access_token,
        json!({"quote_id": quote, "quantity": 10, "contract_value_fen": value_fen}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A need of the lead's for parts, quoted by both suppliers and split between them, each getting
/// half the quantity for its value; the deals' ids.
async fn split(app: &TestApp, lead: &Account, awards: [(&Account, i64); 2]) -> Vec<i64> {
    let deadline = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let need = post(
        app,
        "/api/v1/needs",
        &lead.access_token,
        json!({
            "category_code": "auto.part", "title": "Split need", "quantity": 10, "unit": "pcs",
            "estimated_value_fen": 100_000, "delivery_region_code": "429004",
            "response_deadline": deadline, "visibility": "public"
        }),
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
    let mut quotes = Vec::new();
    for (supplier, value) in &awards {
        let quote = post(
            app,
            &format!("/api/v1/needs/{need}/quotes"),
            &supplier.access_token,
            json!({"unit_price_fen": value / 5, "quantity": 10, "lead_time_days": 14}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        quotes.push((quote, *value));
    }
    let mut deals = Vec::new();
    for (quote, value) in quotes {
        let deal = post(
            app,
            &format!("/api/v1/needs/{need}/awards"),
            &lead.access_token,
            json!({"quote_id": quote, "quantity": 5, "contract_value_fen": value}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        deals.push(deal);
    }
    deals
}

/// Moves a deal's award to `at`, as if it had been made then.
async fn awarded_at(app: &TestApp, deal: i64, at: OffsetDateTime) {
    let db = app.store.connection();
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => "UPDATE deals SET awarded_at = $1 WHERE id = $2",
        _ => "UPDATE deals SET awarded_at = ? WHERE id = ?",
    };
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [at.into(), deal.into()],
    ))
    .await
    .unwrap();
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    app.store
        .insert_categories(&[category("auto", None), category("chem", None)])
        .await
        .unwrap();
    app.store
        .import_taxonomy(
            &[
                category("auto.part", Some("auto")),
                category("chem.battery", Some("chem")),
            ],
            &[NewChain {
                code: "automotive".into(),
                name_zh: "汽车".into(),
                name_en: "Automotive".into(),
                links: vec![ChainLink {
                    upstream: CategoryCode::parse("auto.part").unwrap(),
                    downstream: CategoryCode::parse("auto").unwrap(),
                }],
            }],
        )
        .await
        .unwrap();
    let lead_a = app
        .register("a@example.com", "lead", "420606", Some(parks.xiangyang))
        .await;
    let lead_c = app
        .register("c@example.com", "lead", "429004", Some(parks.xiantao))
        .await;
    let sme_b = app
        .register("b@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    let sme_e = app.register("e@example.com", "sme", "110108", None).await;
    for sme in [&sme_b, &sme_e] {
        json_with_status(
            app.send_as(
                Method::PUT,
                "/api/v1/suppliers/me/capabilities",
                &sme.access_token,
                Some(&json!({"capabilities": [
                    {"category_code": "auto.part", "annual_capacity": 120_000, "unit": "pcs"}
                ]})),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let park_x = app
        .administrator("park-x@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;

    // An older plan A replaced: only the latest bill of materials is the baseline.
    let old = app
        .client
        .post(app.url("/api/v1/boms?name=Superseded"))
        .bearer_auth(&lead_a.access_token)
        .header("content-type", "text/csv")
        .body(
            "category_code,description,annual_value_fen,current_supplier_region\n\
             auto.part,Old plan,99900000,110108\n",
        )
        .send()
        .await
        .unwrap();
    json_with_status(old, StatusCode::CREATED).await;
    // A's baseline, a year's sourcing: parts 12,000 yuan from Beijing and 4,000 from Fancheng,
    // batteries 24,000 from Beijing.
    let bom = app
        .client
        .post(app.url("/api/v1/boms?name=Fixture"))
        .bearer_auth(&lead_a.access_token)
        .header("content-type", "text/csv")
        .body(
            "\u{feff}category_code,description,annual_value_fen,current_supplier_region\n\
             auto.part,Brackets,1200000,110108\n\
             auto.part,Clips,400000,420606\n\
             chem.battery,Cells,2400000,110108\n",
        )
        .send()
        .await
        .unwrap();
    json_with_status(bom, StatusCode::CREATED).await;

    // 23:30 on 31 March in Beijing: Q1. 00:30 on 1 April: Q2.
    let in_q1 = deal(&app, &lead_a, &sme_b, "auto.part", 300_000).await;
    awarded_at(&app, in_q1, datetime!(2026-03-31 15:30 UTC)).await;
    let in_q2 = deal(&app, &lead_a, &sme_e, "auto.part", 100_000).await;
    awarded_at(&app, in_q2, datetime!(2026-03-31 16:30 UTC)).await;
    // A cancelled deal counts nowhere.
    let cancelled = deal(&app, &lead_a, &sme_b, "chem.battery", 500_000).await;
    awarded_at(&app, cancelled, datetime!(2026-02-01 02:00 UTC)).await;
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/deals/{cancelled}/cancel"),
            &lead_a.access_token,
            Some(&json!({"reason": "the cells failed the drop test"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // C has no baseline; its one deal is in province.
    let of_c = deal(&app, &lead_c, &sme_b, "auto.part", 200_000).await;
    awarded_at(&app, of_c, datetime!(2026-02-10 04:00 UTC)).await;
    // A split award: 60,000 to B in the province, 40,000 to E outside.
    for deal in split(&app, &lead_c, [(&sme_b, 60_000), (&sme_e, 40_000)]).await {
        awarded_at(&app, deal, datetime!(2026-02-20 04:00 UTC)).await;
    }

    let lead_a_id = lead_a.organization_id.unwrap();
    Fixture {
        app,
        lead_a,
        lead_c,
        sme_b,
        park_x,
        admin,
        lead_a_id,
    }
}

async fn get(fixture: &Fixture, path: &str, token: &str) -> Value {
    json_with_status(fixture.app.get_as(path, token).await, StatusCode::OK).await
}

fn close(value: &Value, expected: f64) -> bool {
    value
        .as_f64()
        .is_some_and(|found| (found - expected).abs() < 1e-9)
}

#[tokio::test]
async fn the_supporting_rate_matches_the_hand_computed_figures() {
    let fixture = fixture().await;
    let admin = &fixture.admin.access_token;
    let q1 = "/api/v1/stats/supporting-rate?from=2026-01-01&to=2026-03-31";

    // Q1, a quarter of the annual baseline: A sourced 1,000,000 fen, 100,000 in province (10 %).
    // The 300,000 in-province deal switches 300,000 from Beijing: 400,000 of 1,000,000 (40 %).
    // C has no baseline: a 200,000 in-province deal and a split award (60,000 in province, 40,000
    // outside) are all it sourced: 260,000 of 300,000.
    let report = get(&fixture, &format!("{q1}&group_by=lead"), admin).await;
    let total = &report["total"];
    assert_eq!(total["baseline"]["in_province_fen"], 100_000);
    assert_eq!(total["baseline"]["total_fen"], 1_000_000);
    assert!(close(&total["baseline"]["rate"], 0.1), "{total}");
    assert_eq!(total["current"]["in_province_fen"], 660_000);
    assert_eq!(total["current"]["total_fen"], 1_300_000);
    assert!(close(&total["current"]["rate"], 660.0 / 1300.0), "{total}");
    assert!(close(&total["uplift"], 660.0 / 1300.0 - 0.1), "{total}");
    assert_eq!(
        total["deals"]["total_fen"], 600_000,
        "the cancelled deal and Q2's are out"
    );
    assert_eq!(total["by_count"]["baseline_categories"], 2);
    assert_eq!(total["by_count"]["baseline_in_province"], 1);
    assert_eq!(total["by_count"]["current_categories"], 3);
    assert_eq!(total["by_count"]["current_in_province"], 2);

    let groups = report["groups"].as_array().unwrap();
    let a_key = fixture.lead_a_id.to_string();
    let c_key = fixture.lead_c.organization_id.unwrap().to_string();
    let a = groups
        .iter()
        .find(|group| group["key"] == a_key.as_str())
        .unwrap();
    assert!(close(&a["current"]["rate"], 0.4), "{a}");
    assert!(close(&a["uplift"], 0.3), "{a}");
    let c = groups
        .iter()
        .find(|group| group["key"] == c_key.as_str())
        .unwrap();
    assert_eq!(c["baseline"]["rate"], Value::Null);
    assert!(close(&c["current"]["rate"], 260.0 / 300.0), "{c}");
    assert_eq!(c["uplift"], Value::Null);

    // Q2: the out-of-province deal replaces Beijing sourcing; nothing moves.
    let q2 = get(
        &fixture,
        "/api/v1/stats/supporting-rate?from=2026-04-01&to=2026-06-30",
        admin,
    )
    .await;
    assert!(close(&q2["total"]["current"]["rate"], 0.1), "{q2}");
    assert_eq!(q2["total"]["deals"]["total_fen"], 100_000);

    // Without batteries A's baseline is 100,000 of 400,000, and all 400,000 is local now.
    let parts = get(&fixture, &format!("{q1}&exclude=chem"), admin).await;
    assert!(close(&parts["total"]["baseline"]["rate"], 0.25), "{parts}");
    assert_eq!(parts["total"]["current"]["total_fen"], 700_000);
    assert!(
        close(&parts["total"]["current"]["rate"], 660.0 / 700.0),
        "{parts}"
    );

    // By month: C's deal in February, A's in March.
    let months = get(&fixture, &format!("{q1}&group_by=month"), admin).await;
    let keys: Vec<&str> = months["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2026-01", "2026-02", "2026-03"]);
    assert_eq!(months["groups"][1]["deals"]["in_province_fen"], 260_000);
    assert_eq!(months["groups"][1]["deals"]["total_fen"], 300_000);
    assert_eq!(months["groups"][2]["deals"]["in_province_fen"], 300_000);
    // March alone, a twelfth of the baseline: A's parts 33,333 in province and 100,000 outside,
    // its batteries 200,000 outside; the 300,000 deal switches all 100,000 of the parts.
    assert_eq!(months["groups"][2]["baseline"]["in_province_fen"], 33_333);
    assert_eq!(months["groups"][2]["baseline"]["total_fen"], 333_333);
    assert_eq!(months["groups"][2]["current"]["in_province_fen"], 333_333);
    assert_eq!(months["groups"][2]["current"]["total_fen"], 533_333);
    assert_eq!(months["groups"][2]["by_count"]["current_in_province"], 1);
    assert_eq!(months["groups"][2]["by_count"]["current_categories"], 2);
    // January has no deal: its baseline alone.
    assert_eq!(months["groups"][0]["current"]["total_fen"], 333_333);
    assert_eq!(months["groups"][0]["deals"]["total_fen"], 0);

    // By chain: the parts are in the automotive chain, the batteries in none.
    let chains = get(&fixture, &format!("{q1}&group_by=chain"), admin).await;
    let none = chains["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["key"] == "none")
        .unwrap();
    assert_eq!(none["current"]["total_fen"], 600_000);
}

/// One number from the database.
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = app.store.connection();
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

#[tokio::test]
async fn deals_made_before_they_carried_their_category_get_it_from_their_needs() {
    let fixture = fixture().await;
    let app = &fixture.app;
    let deals = scalar(app, "SELECT COUNT(*) FROM deals").await;
    assert_eq!(deals, 6);
    let agree = "SELECT COUNT(*) FROM deals d JOIN needs n ON n.id = d.need_id \
                 WHERE d.category_code = n.category_code";
    assert_eq!(scalar(app, agree).await, deals, "set at the award");

    // Back to before the migration that put the category on deals, and forward again over the
    // fixture's deals.
    let migrations = app.store.migration_status().await.unwrap();
    let at = migrations
        .iter()
        .position(|m| m.name == "m20261129_000018_deals_category")
        .unwrap();
    let steps = u32::try_from(migrations.len() - at).unwrap();
    app.store.migrate_down(steps).await.unwrap();
    let changes = scalar(app, "SELECT COUNT(*) FROM matching_changes").await;
    app.store.migrate_up().await.unwrap();
    assert_eq!(scalar(app, agree).await, deals, "filled from the needs");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM matching_changes").await,
        changes,
        "the fill changes nothing the matching engine reads, so it logs nothing"
    );

    // The figures stand.
    let report = get(
        &fixture,
        "/api/v1/stats/supporting-rate?from=2026-01-01&to=2026-03-31",
        &fixture.admin.access_token,
    )
    .await;
    assert_eq!(report["total"]["current"]["in_province_fen"], 660_000);
    assert_eq!(report["total"]["current"]["total_fen"], 1_300_000);
}

#[tokio::test]
async fn each_scope_sees_its_own_figures_and_smes_none() {
    let fixture = fixture().await;
    let q1 = "/api/v1/stats/supporting-rate?from=2026-01-01&to=2026-03-31&group_by=park";
    // The Xiangyang park's administrator sees A, not C.
    let park = get(&fixture, q1, &fixture.park_x.access_token).await;
    assert_eq!(park["total"]["current"]["total_fen"], 1_000_000, "{park}");
    assert_eq!(park["groups"].as_array().unwrap().len(), 1);
    // C sees only its own.
    let own = get(&fixture, q1, &fixture.lead_c.access_token).await;
    assert_eq!(own["total"]["current"]["total_fen"], 300_000, "{own}");
    // A's bill of materials is A's, its park's and the platform's.
    let boms = get(&fixture, "/api/v1/boms", &fixture.lead_a.access_token).await;
    let bom = boms["items"][0]["id"].as_i64().unwrap();
    let coverage = format!("/api/v1/boms/{bom}/coverage");
    get(&fixture, &coverage, &fixture.park_x.access_token).await;
    problem(
        fixture
            .app
            .get_as(&coverage, &fixture.lead_c.access_token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        fixture.app.get_as(q1, &fixture.sme_b.access_token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_funnel_gaps_coverage_and_exports_tell_the_same_story() {
    let fixture = fixture().await;
    let admin = &fixture.admin.access_token;
    // Every need was published today: five needs, six quotes (two on the split need), four
    // awarded (one deal cancelled), five live deals.
    let funnel = get(&fixture, "/api/v1/stats/funnel", admin).await;
    let stage = |name: &str| {
        funnel["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|stage| stage["stage"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(stage("needs_published")["count"], 5, "{funnel}");
    // The battery need had no capable supplier when it was published.
    assert_eq!(stage("needs_matched")["count"], 4, "{funnel}");
    assert_eq!(stage("quotes")["count"], 6);
    assert_eq!(stage("needs_quoted")["count"], 5);
    assert_eq!(stage("needs_awarded")["count"], 4);
    assert_eq!(stage("deals")["count"], 5);
    assert_eq!(stage("deals")["value_fen"], 700_000);
    assert_eq!(stage("deals_fulfilled")["count"], 0);
    assert!(funnel["median_hours_to_first_quote"].as_f64().is_some());

    // Batteries: demanded, made by nobody in the province.
    let gaps = get(&fixture, "/api/v1/stats/gaps?fewer_than=1", admin).await;
    let gaps = gaps.as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["category_code"], "chem.battery");
    assert_eq!(gaps[0]["baseline_out_of_province_fen"], 2_400_000);
    assert_eq!(gaps[0]["leads"][0]["id"], fixture.lead_a_id);
    // Parts have one in-province maker: a gap when three are wanted.
    let thin = get(&fixture, "/api/v1/stats/gaps", admin).await;
    let part = thin
        .as_array()
        .unwrap()
        .iter()
        .find(|gap| gap["category_code"] == "auto.part")
        .unwrap()
        .clone();
    assert_eq!(part["in_province_suppliers"], 1);
    assert_eq!(part["nearest_out_of_province"].as_array().unwrap().len(), 1);
    assert_eq!(
        part["nearest_out_of_province"][0]["name"],
        "e@example.com Co."
    );
    // The overview counts the scope's lead enterprises: A and C.
    let overview = get(&fixture, "/api/v1/stats/overview", admin).await;
    assert_eq!(overview["lead_enterprises"], 2, "{overview}");

    // Coverage: the Beijing brackets have an in-province candidate, the cells none.
    let boms = get(&fixture, "/api/v1/boms", &fixture.lead_a.access_token).await;
    let bom = boms["items"][0]["id"].as_i64().unwrap();
    let coverage = get(
        &fixture,
        &format!("/api/v1/boms/{bom}/coverage"),
        &fixture.lead_a.access_token,
    )
    .await;
    assert!(close(&coverage["current_rate"], 0.1), "{coverage}");
    assert!(close(&coverage["potential_rate"], 0.4), "{coverage}");
    assert_eq!(
        coverage["lines"][2]["candidates"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        coverage["lines"][0]["candidates"][0]["name"],
        "b@example.com Co."
    );
    assert_eq!(
        coverage["lines"][0]["candidates"][0]["region_code"],
        "420607"
    );

    // The chain map: one in-province maker of parts; the demand only for those with figures.
    let chains = get(&fixture, "/api/v1/chains", admin).await;
    let graph_path = format!("/api/v1/chains/{}/graph", chains["items"][0]["id"]);
    let node = |graph: &Value| {
        graph["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|node| node["category_code"] == "auto.part")
            .unwrap()
            .clone()
    };
    let seen_by_admin = node(&get(&fixture, &graph_path, admin).await);
    assert_eq!(seen_by_admin["in_province_suppliers"], 1, "{seen_by_admin}");
    assert_eq!(seen_by_admin["baseline_demand_fen"], 1_600_000);
    assert_eq!(seen_by_admin["in_province_capacity"][0]["annual"], 120_000);
    let seen_by_sme = node(&get(&fixture, &graph_path, &fixture.sme_b.access_token).await);
    assert_eq!(seen_by_sme["in_province_suppliers"], 1);
    assert_eq!(seen_by_sme["baseline_demand_fen"], Value::Null);

    // CSV with a byte-order mark; XLSX a zip.
    let csv = fixture
        .app
        .client
        .get(
            fixture
                .app
                .url("/api/v1/stats/supporting-rate?from=2026-01-01&to=2026-03-31&format=csv"),
        )
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}key,label,"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("total,") && line.contains("0.507692")),
        "{text}"
    );
    let xlsx = fixture
        .app
        .client
        .get(fixture.app.url("/api/v1/stats/overview"))
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn a_bad_bill_of_materials_is_refused_line_by_line_and_nothing_is_kept() {
    let fixture = fixture().await;
    let response = fixture
        .app
        .client
        .post(fixture.app.url("/api/v1/boms"))
        .bearer_auth(&fixture.lead_a.access_token)
        .header("content-type", "text/csv")
        .body(
            "category_code,description,annual_value_fen,current_supplier_region\n\
             auto.part,Good,100,420606\n\
             no.such,Bad category,100,420606\n\
             auto.part,Bad value,-5,420606\n\
             auto.part,Bad region,100,999999\n",
        )
        .send()
        .await
        .unwrap();
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    let lines: Vec<i64> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{body}");
    let boms = get(&fixture, "/api/v1/boms", &fixture.lead_a.access_token).await;
    assert_eq!(
        boms["items"].as_array().unwrap().len(),
        2,
        "only the fixture's two"
    );
}

/// A workbook as officials keep them: the values are numbers, the first sheet holds the table.
pub(crate) fn workbook(rows: &[(&str, &str, f64, &str)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (column, header) in [
        "category_code",
        "description",
        "annual_value_fen",
        "current_supplier_region",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, header).unwrap();
    }
    for (row, (category, description, value, region)) in rows.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, *category).unwrap();
        sheet.write_string(row, 1, *description).unwrap();
        sheet.write_number(row, 2, *value).unwrap();
        sheet.write_string(row, 3, *region).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_bill_of_materials_comes_as_an_xlsx_workbook_too() {
    let fixture = fixture().await;
    let upload = |bytes: Vec<u8>| {
        fixture
            .app
            .client
            .post(fixture.app.url("/api/v1/boms?name=Workbook"))
            .bearer_auth(&fixture.lead_a.access_token)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(bytes)
            .send()
    };
    let stored = json_with_status(
        upload(workbook(&[
            ("auto.part", "支架 brackets", 250_000.0, "110108"),
            ("chem.battery", "电芯 cells", 750_000.0, "420606"),
        ]))
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(stored["lines"], 2);
    assert_eq!(stored["annual_value_fen"], 1_000_000);
    assert_eq!(stored["in_province_value_fen"], 750_000);
    // A fractional value is refused on its row, and nothing is kept.
    let refused = problem(
        upload(workbook(&[
            ("auto.part", "good", 1.0, "420606"),
            ("auto.part", "half a fen", 0.5, "420606"),
        ]))
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    assert_eq!(refused["errors"][0]["line"], 3, "{refused}");
    // Not a workbook at all.
    problem(
        upload(b"PK not really".to_vec()).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
}

/// The monthly deal totals (`deal_months`) as they are, and as summed afresh from the deals.
async fn monthly_totals(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let db = app.store.connection();
    let backend = db.get_database_backend();
    let month = match backend {
        DatabaseBackend::Postgres => {
            "to_char((awarded_at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')"
        }
        _ => "strftime('%Y-%m', substr(awarded_at, 1, 19), '+8 hours')",
    };
    let rows = |sql: String| async move {
        db.query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .iter()
            .map(|row| {
                format!(
                    "{} {} {} {} {} {}",
                    row.try_get_by_index::<i64>(0).unwrap(),
                    row.try_get_by_index::<String>(1).unwrap(),
                    row.try_get_by_index::<bool>(2).unwrap(),
                    row.try_get_by_index::<String>(3).unwrap(),
                    row.try_get_by_index::<i64>(4).unwrap(),
                    row.try_get_by_index::<i64>(5).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let kept = rows(
        "SELECT lead_id, category_code, in_province, month, value_fen, deals FROM deal_months \
         WHERE deals <> 0 OR value_fen <> 0 ORDER BY 1, 2, 3, 4"
            .to_owned(),
    )
    .await;
    let fresh = rows(format!(
        "SELECT lead_id, category_code, in_province, {month}, \
                CAST(SUM(value_fen) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM deals WHERE status <> 'cancelled' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    ))
    .await;
    (kept, fresh)
}

#[tokio::test]
async fn monthly_deal_totals_follow_every_change_and_part_months_come_from_the_deals() {
    let fixture = fixture().await;
    let app = &fixture.app;
    let admin = &fixture.admin.access_token;
    // The fixture awarded, cancelled and moved deals between months: the totals kept by the
    // triggers equal the deals summed afresh.
    let (kept, fresh) = monthly_totals(app).await;
    assert_eq!(kept.len(), 4, "{kept:?}");
    assert_eq!(kept, fresh);

    // 15 February to 31 March: half of February (its part from the deals themselves) and March.
    // A year share of 1/24 + 1/12 = 1/8: A's parts 50,000 in province and 150,000 outside, its
    // batteries 300,000 outside. The split award of 20 February (60,000 in, 40,000 out) counts;
    // C's deal of 10 February does not. A's 300,000 deal switches all 150,000 of the parts.
    let report = get(
        &fixture,
        "/api/v1/stats/supporting-rate?from=2026-02-15&to=2026-03-31&group_by=month",
        admin,
    )
    .await;
    let total = &report["total"];
    assert_eq!(total["baseline"]["in_province_fen"], 50_000, "{total}");
    assert_eq!(total["baseline"]["total_fen"], 500_000);
    assert_eq!(total["deals"]["total_fen"], 400_000);
    assert_eq!(total["current"]["in_province_fen"], 410_000);
    assert_eq!(total["current"]["total_fen"], 750_000);
    let february = &report["groups"][0];
    assert_eq!(february["key"], "2026-02");
    assert_eq!(february["deals"]["in_province_fen"], 60_000, "{february}");
    assert_eq!(february["deals"]["total_fen"], 100_000);
    // Half of February, a 24th: parts 16,667 (rounded) in province and 50,000 outside.
    assert_eq!(february["baseline"]["in_province_fen"], 16_667);
    assert_eq!(february["baseline"]["total_fen"], 166_667);

    // 31 March and 1 April, two part months read from the deals: 23:30 on 31 March in Beijing
    // is March, 00:30 on 1 April is April.
    let edges = get(
        &fixture,
        "/api/v1/stats/supporting-rate?from=2026-03-31&to=2026-04-01&group_by=month",
        admin,
    )
    .await;
    assert_eq!(edges["groups"][0]["deals"]["in_province_fen"], 300_000);
    assert_eq!(edges["groups"][0]["deals"]["total_fen"], 300_000);
    assert_eq!(edges["groups"][1]["deals"]["in_province_fen"], 0);
    assert_eq!(edges["groups"][1]["deals"]["total_fen"], 100_000);

    // A cancelled deal moved to another month stays out of both.
    let cancelled = scalar(app, "SELECT MAX(id) FROM deals WHERE status = 'cancelled'").await;
    awarded_at(app, cancelled, datetime!(2026-05-05 02:00 UTC)).await;
    let (kept, fresh) = monthly_totals(app).await;
    assert_eq!(kept, fresh);

    // A deal removed from the table takes itself out of its month.
    let db = app.store.connection();
    db.execute_unprepared(
        "DELETE FROM deals WHERE id = (SELECT MAX(id) FROM deals WHERE status <> 'cancelled')",
    )
    .await
    .unwrap();
    let (kept, fresh) = monthly_totals(app).await;
    assert_eq!(kept, fresh);
}
