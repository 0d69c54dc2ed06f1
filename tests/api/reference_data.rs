//! The built-in reference data, loaded on first start: real regions, taxonomy, chains and parks.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, json_with_status, spawn_app_with};

async fn spawn_with_reference_data() -> TestApp {
    spawn_app_with(|settings| settings.reference.load_on_start = true).await
}

fn codes(list: &Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn regions_are_the_real_gb_t_2260_divisions_with_seats() {
    let app = spawn_with_reference_data().await;
    let fancheng = json_with_status(app.get("/api/v1/regions/420606").await, StatusCode::OK).await;
    assert_eq!(fancheng["name"], "樊城区");
    assert_eq!(fancheng["parent_code"], "420600");
    assert!(
        (fancheng["longitude"].as_f64().unwrap() - 112.14).abs() < 0.1,
        "{fancheng}"
    );
    assert!(
        (fancheng["latitude"].as_f64().unwrap() - 32.04).abs() < 0.1,
        "{fancheng}"
    );

    let provinces =
        json_with_status(app.get("/api/v1/regions?limit=100").await, StatusCode::OK).await;
    assert_eq!(codes(&provinces, "code").len(), 31);

    let hubei = json_with_status(
        app.get("/api/v1/regions?parent=420000&limit=100").await,
        StatusCode::OK,
    )
    .await;
    let hubei = codes(&hubei, "code");
    assert_eq!(
        hubei.len(),
        17,
        "13 prefectures and 4 province-direct units: {hubei:?}"
    );
    for direct in ["429004", "429005", "429006", "429021"] {
        assert!(
            hubei.contains(&direct.to_owned()),
            "{direct} hangs under 420000"
        );
    }
    let jingshan = json_with_status(app.get("/api/v1/regions/420882").await, StatusCode::OK).await;
    assert_eq!(jingshan["name"], "京山市");
}

#[tokio::test]
async fn the_taxonomy_and_its_chains_are_loaded() {
    let app = spawn_with_reference_data().await;
    let roots = json_with_status(
        app.get("/api/v1/categories?limit=100").await,
        StatusCode::OK,
    )
    .await;
    let roots = codes(&roots, "code");
    for root in ["auto", "opto", "tex", "food"] {
        assert!(roots.contains(&root.to_owned()), "{root} in {roots:?}");
    }
    let stamping = json_with_status(
        app.get("/api/v1/categories/auto.body.stamping").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stamping["name_zh"], "车身冲压件");
    assert!(
        stamping["reference"]
            .as_str()
            .unwrap()
            .starts_with("HS 8708"),
        "{stamping}"
    );

    let fibre = json_with_status(
        app.get("/api/v1/categories?q=optical%20fibre").await,
        StatusCode::OK,
    )
    .await;
    assert!(!fibre["items"].as_array().unwrap().is_empty());

    let viewer = app
        .register("viewer@example.com", "sme", "420606", None)
        .await;
    let chains = json_with_status(
        app.get_as("/api/v1/chains", &viewer.access_token).await,
        StatusCode::OK,
    )
    .await;
    let automotive = chains["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|chain| chain["code"] == "automotive")
        .unwrap()
        .clone();
    let graph = json_with_status(
        app.get_as(
            &format!("/api/v1/chains/{}/graph", automotive["id"]),
            &viewer.access_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let edges = graph["edges"].as_array().unwrap();
    assert!(edges.len() > 100, "{}", edges.len());
    assert!(
        edges
            .iter()
            .any(|edge| edge["upstream"] == "metal.ferrous.cold_rolled"
                && edge["downstream"] == "auto.body.stamping")
    );
    let nodes = graph["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(
        |node| node["code"] == "auto.body.stamping" && node["name_en"] == "Body stamping parts"
    ));
}

#[tokio::test]
async fn hubeis_development_zones_are_listed_with_their_host_counties() {
    let app = spawn_with_reference_data().await;
    let viewer = app
        .register("viewer@example.com", "sme", "420606", None)
        .await;
    let parks = json_with_status(
        app.get_as("/api/v1/parks?limit=100", &viewer.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let items = parks["items"].as_array().unwrap();
    assert!(items.len() >= 60, "{}", items.len());
    let east_lake = items
        .iter()
        .find(|park| park["code"] == "wuhan_east_lake_hitech")
        .unwrap();
    assert_eq!(east_lake["region_code"], "420111");
    assert_eq!(east_lake["level"], "national");
    assert!(east_lake["source"].as_str().unwrap().contains("2018"));
    let national_high_tech = items
        .iter()
        .filter(|park| park["level"] == "national" && park["kind"] == "high_tech")
        .count();
    assert_eq!(national_high_tech, 12);

    let xiangyang = json_with_status(
        app.get_as("/api/v1/parks?region=420600", &viewer.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(codes(&xiangyang, "code").contains(&"xiangyang_hitech".to_owned()));
}

#[tokio::test]
async fn a_restart_does_not_load_reference_data_twice() {
    let app = spawn_with_reference_data().await;
    let before = app.store.count_categories().await.unwrap();
    let loaded = peitao_app::import::bootstrap::load_reference_data(&app.store)
        .await
        .unwrap();
    assert_eq!(loaded, peitao_app::import::bootstrap::Loaded::default());
    assert_eq!(app.store.count_categories().await.unwrap(), before);
}
