use peitao_domain::{Category, CategoryCode, Region, RegionCode, RegionLevel};
use reqwest::StatusCode;

use crate::helpers::{TestApp, json_with_status, problem, spawn_app};

fn region(code: &str, name: &str, parent: Option<&str>, level: RegionLevel) -> Region {
    Region {
        code: RegionCode::parse(code).unwrap(),
        name: name.to_owned(),
        parent_code: parent.map(|code| RegionCode::parse(code).unwrap()),
        level,
        longitude: Some(112.13),
        latitude: Some(32.04),
    }
}

fn category(code: &str, parent: Option<&str>, zh: &str, en: &str) -> Category {
    Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|code| CategoryCode::parse(code).unwrap()),
        name_zh: zh.to_owned(),
        name_en: en.to_owned(),
        reference: None,
    }
}

async fn seed_regions(app: &TestApp) {
    app.store
        .insert_regions(&[
            region("110000", "北京市", None, RegionLevel::Province),
            region("420000", "湖北省", None, RegionLevel::Province),
            region("420100", "武汉市", Some("420000"), RegionLevel::Prefecture),
            region("420600", "襄阳市", Some("420000"), RegionLevel::Prefecture),
            region("420606", "樊城区", Some("420600"), RegionLevel::County),
            region("420607", "襄州区", Some("420600"), RegionLevel::County),
            region("429004", "仙桃市", Some("420000"), RegionLevel::County),
        ])
        .await
        .unwrap();
}

async fn seed_categories(app: &TestApp) {
    app.store
        .insert_categories(&[
            category("auto", None, "汽车及零部件", "Automotive and parts"),
            category("auto.body", Some("auto"), "车身", "Bodies"),
            category(
                "auto.body.stamping",
                Some("auto.body"),
                "车身冲压件",
                "Body stamping parts",
            ),
            category("auto.chassis", Some("auto"), "底盘", "Chassis"),
            category("textile", None, "纺织服装", "Textiles and garments"),
        ])
        .await
        .unwrap();
}

#[tokio::test]
async fn provinces_are_listed_without_a_parent_and_children_with_one() {
    let app = spawn_app().await;
    seed_regions(&app).await;

    let provinces = json_with_status(app.get("/api/v1/regions").await, StatusCode::OK).await;
    let codes: Vec<_> = provinces["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].clone())
        .collect();
    assert_eq!(codes, ["110000", "420000"]);

    let hubei = json_with_status(
        app.get("/api/v1/regions?parent=420000").await,
        StatusCode::OK,
    )
    .await;
    let codes: Vec<_> = hubei["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].clone())
        .collect();
    assert_eq!(
        codes,
        ["420100", "420600", "429004"],
        "province-direct cities hang under 420000"
    );
    assert_eq!(hubei["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_region_reads_with_its_level_seat_and_province_flag() {
    let app = spawn_app().await;
    seed_regions(&app).await;

    let fancheng = json_with_status(app.get("/api/v1/regions/420606").await, StatusCode::OK).await;
    assert_eq!(fancheng["name"], "樊城区");
    assert_eq!(fancheng["parent_code"], "420600");
    assert_eq!(fancheng["level"], "county");
    assert_eq!(fancheng["in_province"], true);
    assert_eq!(fancheng["latitude"], 32.04);

    let beijing = json_with_status(app.get("/api/v1/regions/110000").await, StatusCode::OK).await;
    assert_eq!(beijing["in_province"], false);
}

#[tokio::test]
async fn regions_page_with_a_cursor_in_code_order() {
    let app = spawn_app().await;
    seed_regions(&app).await;

    let first = json_with_status(
        app.get("/api/v1/regions?parent=420000&limit=2").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(cursor, "420600");

    let second = json_with_status(
        app.get(&format!(
            "/api/v1/regions?parent=420000&limit=2&cursor={cursor}"
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["code"], "429004");
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_missing_region_is_404_and_a_malformed_code_is_400() {
    let app = spawn_app().await;
    seed_regions(&app).await;
    problem(
        app.get("/api/v1/regions/429999").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let body = problem(
        app.get("/api/v1/regions/42O606").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("42O606"),
        "{body}"
    );
}

#[tokio::test]
async fn categories_list_roots_children_and_text_matches() {
    let app = spawn_app().await;
    seed_categories(&app).await;

    let roots = json_with_status(app.get("/api/v1/categories").await, StatusCode::OK).await;
    let codes: Vec<_> = roots["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].clone())
        .collect();
    assert_eq!(codes, ["auto", "textile"]);

    let children = json_with_status(
        app.get("/api/v1/categories?parent=auto").await,
        StatusCode::OK,
    )
    .await;
    let codes: Vec<_> = children["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].clone())
        .collect();
    assert_eq!(codes, ["auto.body", "auto.chassis"]);

    let english = json_with_status(
        app.get("/api/v1/categories?q=STAMPING").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(english["items"][0]["code"], "auto.body.stamping");
    assert_eq!(english["items"].as_array().unwrap().len(), 1);

    let chinese = json_with_status(
        app.get("/api/v1/categories?q=%E5%86%B2%E5%8E%8B").await, // 冲压
        StatusCode::OK,
    )
    .await;
    assert_eq!(chinese["items"][0]["code"], "auto.body.stamping");

    let wildcard =
        json_with_status(app.get("/api/v1/categories?q=%25").await, StatusCode::OK).await;
    assert_eq!(
        wildcard["items"].as_array().unwrap().len(),
        0,
        "`%` is matched literally"
    );
}

#[tokio::test]
async fn a_category_reads_by_code_and_a_missing_one_is_404() {
    let app = spawn_app().await;
    seed_categories(&app).await;
    let body = json_with_status(
        app.get("/api/v1/categories/auto.body").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["name_zh"], "车身");
    assert_eq!(body["parent_code"], "auto");
    problem(
        app.get("/api/v1/categories/auto.roof").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn parks_list_and_filter_by_region_for_signed_in_users() {
    let app = spawn_app().await;
    app.seed_geography().await;
    problem(
        app.get("/api/v1/parks").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let sme = app
        .register("sales@bearing.example", "sme", "420606", None)
        .await;

    let all = json_with_status(
        app.get_as("/api/v1/parks", &sme.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        all["items"][0]["lead_industries"],
        serde_json::json!(["automotive"])
    );

    let xiangyang = json_with_status(
        app.get_as("/api/v1/parks?region=420600", &sme.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let codes: Vec<_> = xiangyang["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].clone())
        .collect();
    assert_eq!(codes, ["xiangyang_hitech"]);

    problem(
        app.get_as("/api/v1/parks?cursor=abc", &sme.access_token)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

#[tokio::test]
async fn limits_and_cursors_outside_what_a_list_issues_are_refused() {
    let app = spawn_app().await;
    seed_regions(&app).await;
    for query in ["limit=0", "limit=101", "cursor=zzz", "parent=4200"] {
        let body = problem(
            app.get(&format!("/api/v1/regions?{query}")).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert!(!body["detail"].as_str().unwrap().is_empty(), "{query}");
    }
    json_with_status(app.get("/api/v1/regions?limit=100").await, StatusCode::OK).await;
}
