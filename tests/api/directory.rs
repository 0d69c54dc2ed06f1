//! The supplier directory: leads and administrators search SMEs by category (with descendants),
//! region prefix, a certificate valid today, verification and name, a page at a time; a park
//! administrator sees its park's SMEs only; SMEs may not browse their competitors.

use peitao_domain::{
    Capability, Category, CategoryCode, Certification, CertificationKind, OrganizationKind, ParkId,
    RegionCode, Role,
};
use peitao_store::{NewOrganization, SupplierRecord};
use reqwest::StatusCode;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::helpers::{Account, TestApp, json_with_status, problem, spawn_app};

struct Directory {
    lead: Account,
    park_admin: Account,
    platform_admin: Account,
    sme: Account,
}

fn code(raw: &str) -> CategoryCode {
    CategoryCode::parse(raw).unwrap()
}

struct Supplier {
    name: &'static str,
    county: &'static str,
    park: Option<ParkId>,
    verified: bool,
    makes: &'static [&'static str],
    /// Certificates: kind, and how many days from today each validity ends (negative: expired).
    holds: &'static [(&'static str, i64)],
}

fn record(supplier: &Supplier) -> SupplierRecord {
    let today = OffsetDateTime::now_utc().date();
    SupplierRecord {
        organization: NewOrganization {
            name: supplier.name.to_owned(),
            kind: OrganizationKind::Sme,
            region_code: RegionCode::parse(supplier.county).unwrap(),
            park_id: supplier.park,
        },
        verified: supplier.verified,
        capabilities: supplier
            .makes
            .iter()
            .map(|category| Capability::new(code(category), 1000, "pcs", Vec::new()).unwrap())
            .collect(),
        certifications: supplier
            .holds
            .iter()
            .map(|(kind, ends_in)| {
                Certification::new(
                    CertificationKind::parse(kind).unwrap(),
                    "N-1",
                    today - Duration::days(400),
                    today + Duration::days(*ends_in),
                )
                .unwrap()
            })
            .collect(),
        users: Vec::new(),
    }
}

async fn directory(app: &TestApp) -> Directory {
    let parks = app.seed_geography().await;
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
                name_zh: format!("{child} 中文"),
                name_en: child.to_owned(),
                reference: None,
            }])
            .await
            .unwrap();
    }
    let suppliers = [
        Supplier {
            name: "Fancheng Stamping",
            county: "420606",
            park: Some(parks.xiangyang),
            verified: true,
            makes: &["auto.body.stamping"],
            holds: &[("IATF16949", 300)],
        },
        Supplier {
            name: "Xiangzhou Bodyworks",
            county: "420607",
            park: Some(parks.xiangyang),
            verified: false,
            makes: &["auto.body"],
            holds: &[("IATF16949", -1)],
        },
        Supplier {
            name: "Xiantao Chemicals",
            county: "429004",
            park: Some(parks.xiantao),
            verified: true,
            makes: &["chem"],
            holds: &[("ISO9001", 300)],
        },
        Supplier {
            name: "Haidian Auto",
            county: "110108",
            park: None,
            verified: true,
            makes: &["auto", "chem"],
            holds: &[],
        },
    ];
    let records: Vec<SupplierRecord> = suppliers.iter().map(record).collect();
    app.store.import_organizations(&records).await.unwrap();
    Directory {
        lead: app
            .register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
            .await,
        park_admin: app
            .administrator("park@example.com", Role::ParkAdmin, Some(parks.xiangyang))
            .await,
        platform_admin: app
            .administrator("root@example.com", Role::PlatformAdmin, None)
            .await,
        sme: app.register("sme@example.com", "sme", "420606", None).await,
    }
}

async fn page(app: &TestApp, account: &Account, query: &str) -> Value {
    json_with_status(
        app.get_as(&format!("/api/v1/suppliers{query}"), &account.access_token)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn names(app: &TestApp, account: &Account, query: &str) -> Vec<String> {
    page(app, account, query).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_lead_finds_suppliers_by_category_region_certificate_and_verification() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    let lead = &world.lead;
    let everyone = [
        "Fancheng Stamping",
        "Xiangzhou Bodyworks",
        "Xiantao Chemicals",
        "Haidian Auto",
        "sme@example.com Co.",
    ];
    assert_eq!(names(&app, lead, "").await, everyone, "every SME, by id");
    assert_eq!(
        names(&app, lead, "?category=auto.body").await,
        ["Fancheng Stamping", "Xiangzhou Bodyworks"],
        "a category includes the ones under it, not the one above"
    );
    assert_eq!(
        names(&app, lead, "?category=auto").await,
        ["Fancheng Stamping", "Xiangzhou Bodyworks", "Haidian Auto"]
    );
    assert_eq!(
        names(&app, lead, "?region=420600").await,
        [
            "Fancheng Stamping",
            "Xiangzhou Bodyworks",
            "sme@example.com Co."
        ],
        "a prefecture"
    );
    assert_eq!(
        names(&app, lead, "?region=420606").await,
        ["Fancheng Stamping", "sme@example.com Co."],
        "a county"
    );
    assert_eq!(
        names(&app, lead, "?region=420000&category=chem").await,
        ["Xiantao Chemicals"],
        "the province, with a category"
    );
    assert_eq!(
        names(&app, lead, "?certification=iatf%2016949").await,
        ["Fancheng Stamping"],
        "an expired certificate does not count; kinds are read as the profile stores them"
    );
    assert_eq!(
        names(&app, lead, "?verified=false").await,
        ["Xiangzhou Bodyworks", "sme@example.com Co."]
    );
    assert_eq!(
        names(&app, lead, "?verified=true&category=chem").await,
        ["Xiantao Chemicals", "Haidian Auto"]
    );
    assert_eq!(names(&app, lead, "?q=STAMP").await, ["Fancheng Stamping"]);
    assert!(names(&app, lead, "?q=%25").await.is_empty(), "% is literal");
    assert!(
        names(&app, lead, "?category=nothing.here").await.is_empty(),
        "an unknown category matches nobody"
    );
}

#[tokio::test]
async fn each_row_says_where_the_supplier_is_and_what_it_makes() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    let rows = page(&app, &world.lead, "?category=auto").await;
    let haidian = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "Haidian Auto")
        .unwrap()
        .clone();
    assert_eq!(haidian["region_code"], "110108");
    assert_eq!(haidian["in_province"], false);
    assert_eq!(haidian["verified"], true);
    assert_eq!(haidian["park_id"], Value::Null);
    let capabilities = haidian["capabilities"].as_array().unwrap();
    let codes: Vec<&str> = capabilities
        .iter()
        .map(|capability| capability["category_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["auto", "chem"], "all it makes, not just the match");
    assert_eq!(capabilities[0]["category_name_zh"], "auto 中文");
    assert_eq!(capabilities[0]["annual_capacity"], 1000);
    assert_eq!(capabilities[0]["unit"], "pcs");
    let fancheng = &rows["items"][0];
    assert_eq!(fancheng["in_province"], true);
    assert!(fancheng["park_id"].is_i64());
}

#[tokio::test]
async fn pages_follow_the_cursor_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    let admin = &world.platform_admin;
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let body = page(&app, admin, &query).await;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|row| row["id"].as_i64().unwrap()));
        match body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
    assert_eq!(
        page(&app, admin, "").await["next_cursor"],
        Value::Null,
        "20 by default: one page"
    );
}

#[tokio::test]
async fn a_park_administrator_sees_its_parks_suppliers_only() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    assert_eq!(
        names(&app, &world.park_admin, "").await,
        ["Fancheng Stamping", "Xiangzhou Bodyworks"]
    );
    assert_eq!(
        names(&app, &world.park_admin, "?region=429004").await,
        Vec::<String>::new(),
        "a filter never widens the scope"
    );
}

#[tokio::test]
async fn smes_may_not_browse_their_competitors() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    problem(
        app.get_as("/api/v1/suppliers", &world.sme.access_token)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let anonymous = app.get("/api/v1/suppliers").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_filters_are_bad_requests() {
    let app = spawn_app().await;
    let world = directory(&app).await;
    for query in [
        "?region=4206",
        "?category=no%20spaces",
        "?certification=%21",
        "?verified=maybe",
        "?limit=0",
        "?limit=101",
        "?cursor=abc",
        "?q=%E2%80%8B",
        "?colour=red",
    ] {
        let response = app
            .get_as(
                &format!("/api/v1/suppliers{query}"),
                &world.lead.access_token,
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}
