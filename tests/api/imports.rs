//! Taxonomy and supplier imports over HTTP: all or nothing, problems by line number.

use peitao_domain::{OrganizationId, Role};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, json_with_status, problem, spawn_app, spawn_app_with};

async fn post_csv(app: &TestApp, path: &str, token: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

fn lines(problem: &Value) -> Vec<u64> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect()
}

async fn admin(app: &TestApp) -> String {
    app.administrator("root@example.com", Role::PlatformAdmin, None)
        .await
        .access_token
}

#[tokio::test]
async fn a_csv_taxonomy_is_added_under_existing_categories() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let token = admin(&app).await;
    let csv = "\u{feff}code,name,parent,name_en\nC3670,汽车零部件及配件制造,auto,Auto parts manufacturing\nC3670.1,制动器,C3670,Brakes\n";
    let report = json_with_status(
        post_csv(&app, "/api/v1/imports/taxonomy", &token, csv).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(report["categories"], 2);
    let child = json_with_status(
        app.get("/api/v1/categories?parent=C3670").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(child["items"][0]["name_en"], "Brakes");
}

#[tokio::test]
async fn a_taxonomy_with_a_cycle_a_duplicate_or_an_unknown_parent_is_rejected_by_line() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let cases = [
        (
            "code,name,parent\nx,X,\ny,Y,x\nx,X again,\n",
            vec![4],
            "defined twice",
        ),
        (
            "code,name,parent\nx,X,\ny,Y,nowhere\n",
            vec![3],
            "parent `nowhere`",
        ),
        (
            "code,name,parent\nok,OK,\na,A,c\nb,B,a\nc,C,b\n",
            vec![3],
            "parent loop",
        ),
    ];
    for (csv, expected_lines, message) in cases {
        let body = problem(
            post_csv(&app, "/api/v1/imports/taxonomy", &token, csv).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_rejected",
        )
        .await;
        assert_eq!(lines(&body), expected_lines, "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{body}"
        );
    }
    assert_eq!(
        app.store.count_categories().await.unwrap(),
        0,
        "nothing of the rejected files was stored"
    );
}

#[tokio::test]
async fn a_toml_taxonomy_whose_links_loop_is_rejected_by_line() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let toml = "[[chains]]\ncode = \"demo\"\nname_zh = \"示例\"\nname_en = \"Demo\"\nlinks = [\n  [\"a\", \"b\"],\n  [\"b\", \"a\"],\n]\n\n\
                [[categories]]\ncode = \"a\"\nname_zh = \"甲\"\nname_en = \"A\"\n\n\
                [[categories]]\ncode = \"b\"\nname_zh = \"乙\"\nname_en = \"B\"\n";
    let response = app
        .client
        .post(app.url("/api/v1/imports/taxonomy"))
        .bearer_auth(&token)
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    assert_eq!(lines(&body), [6], "{body}");
    assert!(app.store.list_chains().await.unwrap().is_empty());
}

#[tokio::test]
async fn suppliers_import_with_their_capabilities_and_certifications() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let token = admin(&app).await;
    let csv = "\u{feff}name,region_code,park_code,verified,capabilities,certifications\n\
               襄阳恒达精密冲压有限公司,420606,xiangyang_hitech,true,auto.body.stamping:120000:pcs:stamping|welding,IATF16949:CN-IATF-1:2025-01-01:2028-01-01; ISO9001:CN-Q-1:2024-06-01:2027-06-01\n\
               \"南阳宛城汽配有限公司, 二厂\",411302,,false,auto.body.stamping:5000:pcs,\n";
    let report = json_with_status(
        post_csv(&app, "/api/v1/imports/suppliers", &token, csv).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(report["imported"], 2);
    let first = OrganizationId(report["organization_ids"][0].as_i64().unwrap());
    let org = app.store.organization(first).await.unwrap();
    assert!(org.verified);
    assert!(org.park_id.is_some());
    let capabilities = app.store.capabilities(first).await.unwrap();
    assert_eq!(capabilities[0].annual_capacity(), 120_000);
    assert_eq!(capabilities[0].processes(), ["stamping", "welding"]);
    let certifications = app.store.certifications(first).await.unwrap();
    assert_eq!(certifications.len(), 2);
    let second = app
        .store
        .organization(OrganizationId(
            report["organization_ids"][1].as_i64().unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(second.name, "南阳宛城汽配有限公司, 二厂");
}

#[tokio::test]
async fn a_supplier_file_with_bad_rows_stores_nothing_and_names_every_line() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let token = admin(&app).await;
    let csv = "name,region_code,park_code,capabilities,certifications\n\
               Good Co,420606,,,\n\
               Prefecture Co,420600,,,\n\
               No Park Co,420606,atlantis,,\n\
               Bad Category Co,420606,,auto.roof:10:pcs,\n\
               Bad Cert Co,420606,,,ISO9001:N:2027-01-01:2026-01-01\n\
               Zero Co,420606,,auto.body.stamping:0:pcs,\n\
               Twice Co,420606,,auto.body.stamping:10:pcs;auto.body.stamping:20:pcs,\n";
    let body = problem(
        post_csv(&app, "/api/v1/imports/suppliers", &token, csv).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    assert_eq!(lines(&body), [3, 4, 5, 6, 7, 8], "{body}");
    assert_eq!(
        app.store.count_organizations().await.unwrap(),
        0,
        "all or nothing"
    );

    let missing_column = problem(
        post_csv(
            &app,
            "/api/v1/imports/suppliers",
            &token,
            "name,county\nA,420606\n",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    assert_eq!(lines(&missing_column), [1]);

    let not_utf8 = app
        .client
        .post(app.url("/api/v1/imports/suppliers"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(vec![0x6e, 0x61, 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    problem(not_utf8, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[tokio::test]
async fn an_empty_taxonomy_or_an_unknown_media_type_is_refused() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let empty = problem(
        post_csv(
            &app,
            "/api/v1/imports/taxonomy",
            &token,
            "code,name,parent\n",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
    )
    .await;
    assert!(
        empty["detail"].as_str().unwrap().contains("no categories"),
        "{empty}"
    );

    let upper = app
        .client
        .post(app.url("/api/v1/imports/taxonomy"))
        .bearer_auth(&token)
        .header("content-type", "TEXT/CSV; charset=utf-8")
        .body("code,name,parent\nroot,Root,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        upper.status(),
        StatusCode::CREATED,
        "media types are case-insensitive"
    );

    let pdf = app
        .client
        .post(app.url("/api/v1/imports/suppliers"))
        .bearer_auth(&token)
        .header("content-type", "application/pdf")
        .body("%PDF")
        .send()
        .await
        .unwrap();
    problem(
        pdf,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}
