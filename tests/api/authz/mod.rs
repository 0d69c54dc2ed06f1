//! The authorisation matrix: every route, called by every role as the owner and as another
//! tenant, answers the status written in `matrix.rs`. Every operation of the OpenAPI document is a
//! row there or is exempt in `coverage.rs` with its reason, so a new route cannot escape the matrix
//! silently. This module builds the world the rows are tried in.

mod competing_smes;
mod coverage;
mod matrix;

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Account, TestApp, json_with_status};

/// Who calls. `LeadA`, `SmeB` and `SmeD` sit in the Xiangyang park; `LeadC` in Xiantao.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// The owner of organisation A, the object under test.
    LeadA,
    /// An SME with a declared profile: capabilities and a certification.
    SmeB,
    /// B's competitor in the same park: the tenant `/suppliers/me/*` must keep away from B's
    /// records.
    SmeD,
    /// Another tenant's lead.
    LeadC,
    /// Administrator of Xiangyang park, where A, B and D sit.
    ParkXiangyang,
    /// Administrator of Xiantao park.
    ParkXiantao,
    PlatformAdmin,
}

const ACTORS: [Actor; 8] = [
    Actor::Anonymous,
    Actor::LeadA,
    Actor::SmeB,
    Actor::SmeD,
    Actor::LeadC,
    Actor::ParkXiangyang,
    Actor::ParkXiantao,
    Actor::PlatformAdmin,
];

/// The organisations, accounts and records the matrix is tried against.
struct World {
    accounts: Vec<(Actor, Account)>,
    org_a: i64,
    org_b: i64,
    chain_id: i64,
    /// A public need of A's, published.
    published_need: i64,
    /// A draft need of A's.
    draft_need: i64,
    /// A deal of A's with B.
    deal: i64,
    /// A bill of materials of A's.
    bom_a: i64,
    /// A webhook endpoint of A's, subscribed to `need.published`.
    webhook: i64,
    /// The delivery of A's published need to that endpoint.
    delivery: i64,
}

impl World {
    fn token(&self, actor: Actor) -> Option<&str> {
        self.accounts
            .iter()
            .find(|(who, _)| *who == actor)
            .map(|(_, account)| account.access_token.as_str())
    }

    fn signed_in(&self, actor: Actor) -> &str {
        self.token(actor)
            .expect("every actor but Anonymous has an account")
    }
}

/// The terms of a need A drafts; `serial` keeps the titles apart.
fn need_terms(serial: usize) -> Value {
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    json!({
        "category_code": "auto.part", "title": format!("Brackets {serial}"), "quantity": 1000,
        "unit": "pcs", "estimated_value_fen": 5_000_000, "delivery_region_code": "420606",
        "response_deadline": deadline, "visibility": "public"
    })
}

/// A need drafted by A, published when `publish` says so; its id.
async fn need_of_a(app: &TestApp, world: &World, serial: usize, publish: bool) -> i64 {
    let lead = world.signed_in(Actor::LeadA);
    let need = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            lead,
            Some(&need_terms(serial)),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    if publish {
        json_with_status(
            app.send_as(
                Method::POST,
                &format!("/api/v1/needs/{need}/publish"),
                lead,
                None,
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    need
}

/// A quote of B's on `need`; its id.
async fn quote_of_b(app: &TestApp, world: &World, need: i64) -> i64 {
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{need}/quotes"),
            world.signed_in(Actor::SmeB),
            Some(&json!({"unit_price_fen": 1000, "quantity": 10, "lead_time_days": 14})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A deal A awards to B on a fresh need; its id.
async fn deal_of_a(app: &TestApp, world: &World, serial: usize) -> i64 {
    let need = need_of_a(app, world, serial, true).await;
    let quote = quote_of_b(app, world, need).await;
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{need}/awards"),
            world.signed_in(Actor::LeadA),
            Some(&json!({"quote_id": quote, "quantity": 10, "contract_value_fen": 10_000})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// A certificate for SME B; `serial` keeps the numbers apart.
fn certificate_of_b(serial: usize) -> Value {
    json!({"kind": "IATF16949", "number": format!("B-{serial}"), "valid_from": "2025-01-01", "valid_until": "2028-01-01"})
}

async fn world(app: &TestApp) -> World {
    let parks = app.seed_geography().await;
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
    let counts = app
        .store
        .import_taxonomy(
            &[Category {
                code: CategoryCode::parse("auto.part").unwrap(),
                parent_code: Some(CategoryCode::parse("auto").unwrap()),
                name_zh: "零件".into(),
                name_en: "Parts".into(),
                reference: None,
            }],
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
    assert_eq!(counts.chains, 1);
    let chain_id = app.store.list_chains().await.unwrap()[0].id.0;
    let lead_a = app
        .register(
            "lead-a@example.com",
            "lead",
            "420606",
            Some(parks.xiangyang),
        )
        .await;
    let sme_b = app
        .register("sme-b@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    let sme_d = app
        .register("sme-d@example.com", "sme", "420606", Some(parks.xiangyang))
        .await;
    let lead_c = app
        .register("lead-c@example.com", "lead", "429004", Some(parks.xiantao))
        .await;
    let park_x = app
        .administrator("park-x@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    let park_t = app
        .administrator("park-t@example.com", Role::ParkAdmin, Some(parks.xiantao))
        .await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;

    json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme_b.access_token,
            Some(&json!({"capabilities": [
                {"category_code": "auto", "annual_capacity": 5000, "unit": "sets", "processes": ["assembly"]},
                {"category_code": "auto.part", "annual_capacity": 120_000, "unit": "pcs"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            &sme_b.access_token,
            Some(&certificate_of_b(0)),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let mut world = World {
        published_need: 0,
        draft_need: 0,
        deal: 0,
        bom_a: 0,
        webhook: 0,
        delivery: 0,
        org_a: lead_a.organization_id.unwrap(),
        org_b: sme_b.organization_id.unwrap(),
        chain_id,
        accounts: vec![
            (Actor::LeadA, lead_a),
            (Actor::SmeB, sme_b),
            (Actor::SmeD, sme_d),
            (Actor::LeadC, lead_c),
            (Actor::ParkXiangyang, park_x),
            (Actor::ParkXiantao, park_t),
            (Actor::PlatformAdmin, admin),
        ],
    };
    world.webhook = webhook_of_a(app, &world, 0, &["need.published"]).await;
    world.published_need = need_of_a(app, &world, 0, true).await;
    world.delivery = delivery_of(app, &world, world.webhook).await;
    world.draft_need = need_of_a(app, &world, 1, false).await;
    world.deal = deal_of_a(app, &world, 2).await;
    let bom = app
        .client
        .post(app.url("/api/v1/boms?name=Matrix"))
        .bearer_auth(world.signed_in(Actor::LeadA))
        .header("content-type", "text/csv")
        .body(BOM_OF_A)
        .send()
        .await
        .unwrap();
    world.bom_a = json_with_status(bom, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    world
}

/// A bill of materials a lead uploads: one part bought in Beijing, one in Fancheng.
const BOM_OF_A: &str = "category_code,description,annual_value_fen,current_supplier_region\n\
                        auto.part,Brackets,9000000,110108\n\
                        auto.part,Clips,1000000,420606\n";

/// A webhook endpoint A registers at a public address nothing listens on; its id.
async fn webhook_of_a(app: &TestApp, world: &World, serial: usize, types: &[&str]) -> i64 {
    json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/webhooks",
            world.signed_in(Actor::LeadA),
            Some(&json!({"url": format!("https://203.0.113.9/matrix/{serial}"), "event_types": types})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// The ids of the webhook endpoints A holds now.
async fn webhooks_of_a(app: &TestApp, world: &World) -> Vec<i64> {
    json_with_status(
        app.get_as("/api/v1/webhooks", world.signed_in(Actor::LeadA))
            .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// The first delivery to A's endpoint `webhook`, once the worker has made it.
async fn delivery_of(app: &TestApp, world: &World, webhook: i64) -> i64 {
    for _ in 0..200 {
        let log = json_with_status(
            app.get_as(
                &format!("/api/v1/webhooks/{webhook}/deliveries"),
                world.signed_in(Actor::LeadA),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        if let Some(id) = log["items"][0]["id"].as_i64() {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no delivery to webhook {webhook} was made");
}

/// The ids of the production sites B lists now.
async fn sites_of_b(app: &TestApp, world: &World) -> Vec<i64> {
    let list = json_with_status(
        app.get_as("/api/v1/suppliers/me/sites", world.signed_in(Actor::SmeB))
            .await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// The ids of the certificates SME B holds now.
async fn certificates_of_b(app: &TestApp, world: &World) -> Vec<i64> {
    let list = json_with_status(
        app.get_as(
            "/api/v1/suppliers/me/certifications",
            world.signed_in(Actor::SmeB),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// A credential for SME B; `serial` keeps the numbers apart.
fn credential_of_b(serial: usize) -> Value {
    json!({"tier": "专精特新中小企业", "issuing_body": "湖北省经济和信息化厅", "batch": "2024年第二批",
           "certificate_number": format!("HB-{serial}"), "valid_from": "2024-07-01", "valid_until": "2027-06-30"})
}

/// The ids of the credentials SME B holds now.
async fn credentials_of_b(app: &TestApp, world: &World) -> Vec<i64> {
    let list = json_with_status(
        app.get_as(
            "/api/v1/suppliers/me/credentials",
            world.signed_in(Actor::SmeB),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// A platform administrator nobody else uses, made for one call that may disable it; its id.
async fn disposable_user(app: &TestApp, serial: usize) -> i64 {
    peitao_app::accounts::create_administrator(
        &app.store,
        peitao_app::accounts::NewAdministrator {
            email: peitao_domain::Email::parse(&format!("disposable-{serial}@example.com"))
                .unwrap(),
            display_name: "Disposable".to_owned(),
            role: Role::PlatformAdmin,
            park_id: None,
            password: Some("disposable-password".to_owned()),
        },
    )
    .await
    .unwrap()
    .user
    .id
    .0
}
