//! Production sites: an SME lists its plants, each in a real county; they show on its profile;
//! another SME's plant reads exactly like a missing one; bad input stores nothing.

use peitao_app::sites;
use peitao_domain::{OrganizationId, ProductionSiteId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

const SITES: &str = "/api/v1/suppliers/me/sites";

fn plant(name: &str, county: &str) -> Value {
    json!({"name": name, "region_code": county, "address": "18 Chunyuan Road"})
}

async fn add(app: &TestApp, sme: &Account, body: &Value) -> Value {
    json_with_status(
        app.send_as(Method::POST, SITES, &sme.access_token, Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn names(app: &TestApp, sme: &Account) -> Vec<String> {
    json_with_status(app.get_as(SITES, &sme.access_token).await, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|site| site["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_sme_lists_its_plants_and_leads_see_them_on_its_profile() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let sme = app
        .register("sme@example.com", "sme", "420606", Some(parks.xiangyang))
        .await;
    let lead = app
        .register("lead@example.com", "lead", "420606", None)
        .await;

    let fancheng = add(&app, &sme, &plant("  Fancheng plant  ", "420606")).await;
    assert_eq!(fancheng["name"], "Fancheng plant", "names are trimmed");
    assert_eq!(fancheng["region_code"], "420606");
    assert_eq!(fancheng["in_province"], true);
    let beijing = add(&app, &sme, &plant("Haidian works", "110108")).await;
    assert_eq!(beijing["in_province"], false);
    assert_eq!(names(&app, &sme).await, ["Fancheng plant", "Haidian works"]);

    let org = sme.organization_id.unwrap();
    let profile = json_with_status(
        app.get_as(&format!("/api/v1/suppliers/{org}"), &lead.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let shown: Vec<&Value> = profile["sites"].as_array().unwrap().iter().collect();
    assert_eq!(shown.len(), 2, "{profile}");
    assert_eq!(shown[1]["address"], "18 Chunyuan Road");

    let response = app
        .send_as(
            Method::DELETE,
            &format!("{SITES}/{}", fancheng["id"]),
            &sme.access_token,
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(names(&app, &sme).await, ["Haidian works"]);
    let again = app
        .send_as(
            Method::DELETE,
            &format!("{SITES}/{}", fancheng["id"]),
            &sme.access_token,
            None,
        )
        .await;
    problem(again, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn another_smes_plant_reads_like_a_missing_one_and_stays() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let owner = app
        .register("owner@example.com", "sme", "420606", None)
        .await;
    let rival = app
        .register("rival@example.com", "sme", "420607", None)
        .await;
    let site = add(&app, &owner, &plant("Owner plant", "420606")).await;

    let theirs = app
        .send_as(
            Method::DELETE,
            &format!("{SITES}/{}", site["id"]),
            &rival.access_token,
            None,
        )
        .await;
    let theirs = problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let missing = app
        .send_as(
            Method::DELETE,
            &format!("{SITES}/987654"),
            &rival.access_token,
            None,
        )
        .await;
    let missing = problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(theirs["title"], missing["title"]);
    assert!(names(&app, &rival).await.is_empty(), "the rival lists none");
    assert_eq!(
        names(&app, &owner).await,
        ["Owner plant"],
        "nothing removed"
    );

    // The quoting use case asks the same way and gets the same answer.
    let id = ProductionSiteId(site["id"].as_i64().unwrap());
    let owner_org = OrganizationId(owner.organization_id.unwrap());
    let rival_org = OrganizationId(rival.organization_id.unwrap());
    assert_eq!(
        sites::site_of(&app.store, owner_org, id)
            .await
            .unwrap()
            .name,
        "Owner plant"
    );
    assert!(matches!(
        sites::site_of(&app.store, rival_org, id).await,
        Err(peitao_app::AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn goods_ship_from_the_named_plant_or_else_from_the_organisations_county() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420607", None).await;
    let site = add(&app, &sme, &plant("Beijing works", "110108")).await;
    let org = OrganizationId(sme.organization_id.unwrap());
    let named = ProductionSiteId(site["id"].as_i64().unwrap());
    assert_eq!(
        sites::shipping_county(&app.store, org, Some(named))
            .await
            .unwrap()
            .as_str(),
        "110108"
    );
    assert_eq!(
        sites::shipping_county(&app.store, org, None)
            .await
            .unwrap()
            .as_str(),
        "420607"
    );
    assert_eq!(
        sites::default_county(&app.store, org)
            .await
            .unwrap()
            .as_str(),
        "420607"
    );
}

#[tokio::test]
async fn bad_plants_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    let cases = [
        (
            plant("Plant", "420600"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a prefecture",
        ),
        (
            plant("Plant", "420000"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a province",
        ),
        (
            plant("Plant", "421999"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no such county",
        ),
        (
            plant("Plant", "4206"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a short code",
        ),
        (
            plant("   ", "420606"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a blank name",
        ),
        (
            plant(&"长".repeat(201), "420606"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a name too long",
        ),
        (
            json!({"name": "Plant", "region_code": "420606", "address": "Road\u{202E}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a bidirectional override in the address",
        ),
        (
            json!({"name": "Plant", "region_code": "420606"}),
            StatusCode::BAD_REQUEST,
            "no address",
        ),
        (
            json!({"name": "Plant", "region_code": "420606", "address": "Road", "owner": 1}),
            StatusCode::BAD_REQUEST,
            "an unknown field",
        ),
    ];
    for (body, status, what) in cases {
        let response = app
            .send_as(Method::POST, SITES, &sme.access_token, Some(&body))
            .await;
        assert_eq!(
            response.status(),
            status,
            "{what}: {}",
            response.text().await.unwrap()
        );
    }
    assert!(names(&app, &sme).await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn only_smes_keep_plants() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let lead = app
        .register("lead@example.com", "lead", "420606", None)
        .await;
    let response = app
        .send_as(
            Method::POST,
            SITES,
            &lead.access_token,
            Some(&plant("Plant", "420606")),
        )
        .await;
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        app.get_as(SITES, &lead.access_token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_retried_post_with_the_same_key_adds_one_plant() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(SITES))
            .bearer_auth(&sme.access_token)
            .header("Idempotency-Key", "plant-1")
            .json(&plant("Plant", "420606"))
            .send()
            .await
            .unwrap();
        ids.push(json_with_status(response, StatusCode::CREATED).await["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(names(&app, &sme).await, ["Plant"]);
}

#[tokio::test]
async fn a_fifty_first_plant_conflicts_until_one_is_removed() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    let mut first = Value::Null;
    for n in 0..peitao_domain::site::MAX_SITES {
        let site = add(&app, &sme, &plant(&format!("Plant {n}"), "420606")).await;
        if n == 0 {
            first = site["id"].clone();
        }
    }
    let one_too_many = plant("One too many", "420606");
    let response = app
        .send_as(Method::POST, SITES, &sme.access_token, Some(&one_too_many))
        .await;
    problem(response, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        names(&app, &sme).await.len(),
        peitao_domain::site::MAX_SITES
    );

    let removed = app
        .send_as(
            Method::DELETE,
            &format!("{SITES}/{first}"),
            &sme.access_token,
            None,
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    add(&app, &sme, &one_too_many).await;
}

#[tokio::test]
async fn simultaneous_adds_never_pass_the_limit() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let sme = app.register("sme@example.com", "sme", "420606", None).await;
    let max = peitao_domain::site::MAX_SITES;
    for n in 0..max - 2 {
        add(&app, &sme, &plant(&format!("Plant {n}"), "420606")).await;
    }
    let bodies: Vec<Value> = (0..12)
        .map(|n| plant(&format!("Rush {n}"), "420606"))
        .collect();
    let answers = futures_util::future::join_all(
        bodies
            .iter()
            .map(|body| app.send_as(Method::POST, SITES, &sme.access_token, Some(body))),
    )
    .await;
    let created = answers
        .iter()
        .filter(|answer| answer.status() == StatusCode::CREATED)
        .count();
    assert!(
        answers
            .iter()
            .all(|answer| matches!(answer.status(), StatusCode::CREATED | StatusCode::CONFLICT)),
        "{:?}",
        answers.iter().map(|a| a.status()).collect::<Vec<_>>()
    );
    assert_eq!(created, 2);
    assert_eq!(names(&app, &sme).await.len(), max);
}
