//! The console's chain map, organisations to verify, users and deals: each page shows what the
//! API shows to the same user, refuses what the API refuses, and never another tenant's records.

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain, Role};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    console::{Session, get, market, need_form, post, post_need, session},
    helpers::{PASSWORD, TestApp, json_with_status, spawn_app},
};

async fn token(app: &TestApp, email: &str) -> String {
    app.login(email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn api(app: &TestApp, path: &str, token: &str) -> Value {
    json_with_status(app.get_as(path, token).await, StatusCode::OK).await
}

async fn html(app: &TestApp, path: &str, session: &Session) -> String {
    let page = get(app, path, session).await;
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    page.text().await.unwrap()
}

/// Publishes a need for `category` from the console's form; returns its id.
async fn publish_need(app: &TestApp, lead: &Session, category: &str) -> i64 {
    let mut form = need_form(Some(&lead.csrf));
    for field in &mut form {
        if field.0 == "category_code" {
            field.1 = category.to_owned();
        }
    }
    let created = post_need(app, lead, &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    created.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_chain_map_shows_the_apis_coverage_and_each_viewer_only_its_own_demand() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let category = |code: &str, parent: Option<&str>| Category {
        code: CategoryCode::parse(code).unwrap(),
        parent_code: parent.map(|parent| CategoryCode::parse(parent).unwrap()),
        name_zh: format!("{code} 中"),
        name_en: format!("{code} en"),
        reference: None,
    };
    app.store
        .insert_categories(&[category("auto", None)])
        .await
        .unwrap();
    app.store
        .import_taxonomy(
            &[
                category("auto.part", Some("auto")),
                category("auto.glass", Some("auto")),
            ],
            &[NewChain {
                code: "automotive".into(),
                name_zh: "汽车".into(),
                name_en: "Automotive".into(),
                links: ["auto.part", "auto.glass"]
                    .map(|upstream| ChainLink {
                        upstream: CategoryCode::parse(upstream).unwrap(),
                        downstream: CategoryCode::parse("auto").unwrap(),
                    })
                    .to_vec(),
            }],
        )
        .await
        .unwrap();
    app.register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
        .await;
    let sme = app
        .register("sme@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme.access_token,
            Some(&json!({"capabilities": [
                {"category_code": "auto.part", "annual_capacity": 1000, "unit": "pcs"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.administrator("park@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    app.administrator("far@example.com", Role::ParkAdmin, Some(parks.xiantao))
        .await;
    let lead = session(&app, "lead@example.com").await;
    publish_need(&app, &lead, "auto.part").await;

    let park = session(&app, "park@example.com").await;
    let park_token = token(&app, "park@example.com").await;
    let chains = api(&app, "/api/v1/chains", &park_token).await;
    let graph = api(
        &app,
        &format!("/api/v1/chains/{}/graph", chains["items"][0]["id"]),
        &park_token,
    )
    .await;
    let node = graph["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["category_code"] == "auto.part")
        .unwrap()
        .clone();
    assert_eq!(node["in_province_suppliers"], 1, "{node}");
    assert_eq!(node["open_demand_fen"], 9_000_000, "{node}");
    let page = html(&app, "/park/chains", &park).await;
    let row = |page: &str| {
        let at = page
            .find(r#"<tr data-category="auto.part">"#)
            .expect("the part's row");
        page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
    };
    let part = row(&page);
    assert!(part.contains(r#"data-suppliers>1<"#), "{part}");
    assert!(
        part.contains("coverage-thin"),
        "one supplier is thin cover: {part}"
    );
    assert!(part.contains(r#"data-open-demand>¥90,000.00<"#), "{part}");
    assert!(page.contains(r#"data-chart="graph""#));
    let glass = page
        .find(r#"<tr data-category="auto.glass">"#)
        .map(|at| &page[at..at + page[at..].find("</tr>").unwrap()])
        .expect("the glass row");
    assert!(
        glass.contains("coverage-gap"),
        "nobody makes glass here: {glass}"
    );
    assert!(glass.contains(r#"data-suppliers>0<"#), "{glass}");

    // Another park's administrator sees the same cover but none of this park's demand.
    let far = session(&app, "far@example.com").await;
    let far_page = html(&app, "/park/chains", &far).await;
    assert!(row(&far_page).contains(r#"data-suppliers>1<"#));
    assert!(!far_page.contains("¥90,000.00"), "another park's demand");
    // The lead sees its own demand; the SME, as in the API, no demand at all.
    assert!(row(&html(&app, "/park/chains", &lead).await).contains("¥90,000.00"));
    let sme_token = token(&app, "sme@example.com").await;
    let sme_graph = api(
        &app,
        &format!("/api/v1/chains/{}/graph", chains["items"][0]["id"]),
        &sme_token,
    )
    .await;
    assert_eq!(sme_graph["coverage"][0]["open_demand_fen"], Value::Null);
    let sme_page = html(
        &app,
        "/park/chains",
        &session(&app, "sme@example.com").await,
    )
    .await;
    assert!(row(&sme_page).contains(r#"data-suppliers>1<"#));
    assert!(!sme_page.contains("data-open-demand"), "{sme_page}");
    // A chain that does not exist is missing, as in the API.
    assert_eq!(
        get(&app, "/park/chains?chain=999999", &park).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn organisations_are_verified_by_their_parks_administrator_with_a_note_and_by_no_one_else() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    let lead = app
        .register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
        .await;
    let sme = app
        .register("sme@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    let far = app
        .register("far@example.com", "lead", "429004", Some(parks.xiantao))
        .await;
    app.administrator("park@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    app.administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let park = session(&app, "park@example.com").await;
    let (lead_org, sme_org, far_org) = (
        lead.organization_id.unwrap(),
        sme.organization_id.unwrap(),
        far.organization_id.unwrap(),
    );
    let verified = |account: &crate::helpers::Account, id: i64| {
        let token = account.access_token.clone();
        let app = &app;
        async move { api(app, &format!("/api/v1/organizations/{id}"), &token).await["verified"].clone() }
    };

    let listed = html(&app, "/organizations", &park).await;
    assert!(listed.contains(&format!(r#"data-organization="{lead_org}""#)));
    assert!(listed.contains(&format!(r#"data-organization="{sme_org}""#)));
    assert!(
        !listed.contains(&format!(r#"data-organization="{far_org}""#)),
        "another park's organisation"
    );
    // Without the form's token nothing changes.
    let path = format!("/organizations/{sme_org}/verification");
    let forged = post(&app, &path, &park, &[("verified", "true"), ("note", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(verified(&sme, sme_org).await, false);
    // Verified with what was checked: the API and the history agree.
    let done = post(
        &app,
        &path,
        &park,
        &[
            ("csrf", &park.csrf),
            ("verified", "true"),
            ("note", "Licence checked"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        done.headers()[header::LOCATION],
        format!("/organizations?show=unverified&done={sme_org}&verified=true").as_str()
    );
    assert_eq!(verified(&sme, sme_org).await, true);
    let history = api(
        &app,
        &format!("/api/v1/organizations/{sme_org}/history"),
        &sme.access_token,
    )
    .await;
    assert_eq!(history["items"][0]["note"], "Licence checked");
    assert!(
        !html(&app, "/organizations", &park)
            .await
            .contains(&format!(r#"data-organization="{sme_org}""#)),
        "no longer waiting"
    );
    assert!(
        html(&app, "/organizations?show=verified", &park)
            .await
            .contains(&format!(r#"data-organization="{sme_org}""#))
    );
    // Turned down with a reason: still unverified, the reason kept; a blank one refused.
    let lead_path = format!("/organizations/{lead_org}/verification");
    let blank = post(
        &app,
        &lead_path,
        &park,
        &[("csrf", &park.csrf), ("verified", "false"), ("note", "  ")],
    )
    .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let turned_down = post(
        &app,
        &lead_path,
        &park,
        &[
            ("csrf", &park.csrf),
            ("verified", "false"),
            ("note", "Licence missing"),
        ],
    )
    .await;
    assert_eq!(turned_down.status(), StatusCode::SEE_OTHER);
    let history = api(
        &app,
        &format!("/api/v1/organizations/{lead_org}/history"),
        &lead.access_token,
    )
    .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(history["items"][0]["action"], "unverified");
    assert_eq!(history["items"][0]["note"], "Licence missing");
    // Another park's organisation does not exist for this administrator, as in the API.
    let elsewhere = post(
        &app,
        &format!("/organizations/{far_org}/verification"),
        &park,
        &[("csrf", &park.csrf), ("verified", "true"), ("note", "ok")],
    )
    .await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(verified(&far, far_org).await, false);
    // Members do not verify, not even their own organisation.
    let member = session(&app, "lead@example.com").await;
    assert_eq!(
        get(&app, "/organizations", &member).await.status(),
        StatusCode::FORBIDDEN
    );
    let own = post(
        &app,
        &lead_path,
        &member,
        &[("csrf", &member.csrf), ("verified", "true"), ("note", "me")],
    )
    .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert_eq!(verified(&lead, lead_org).await, false);
    // The platform administrator sees every park's.
    let root = session(&app, "root@example.com").await;
    assert!(
        html(&app, "/organizations", &root)
            .await
            .contains(&format!(r#"data-organization="{far_org}""#))
    );
}

#[tokio::test]
async fn a_platform_administrator_lists_users_and_disables_one_with_a_reason() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    app.register("lead@example.com", "lead", "420606", None)
        .await;
    let sme = app.register("sme@example.com", "sme", "420607", None).await;
    let root = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    app.administrator("park@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    let admin = session(&app, "root@example.com").await;
    let listed = html(&app, "/admin/users", &admin).await;
    for email in ["lead@example.com", "sme@example.com", "park@example.com"] {
        assert!(listed.contains(email), "{email}");
    }
    assert!(
        !listed.contains(&format!("/admin/users/{}/disable", root.user_id)),
        "no button to disable oneself"
    );
    let smes = html(&app, "/admin/users?role=sme", &admin).await;
    assert!(smes.contains("sme@example.com"));
    assert!(!smes.contains("lead@example.com"));
    // Users are the platform administrator's, on the page as in the API.
    let park = session(&app, "park@example.com").await;
    assert_eq!(
        get(&app, "/admin/users", &park).await.status(),
        StatusCode::FORBIDDEN
    );
    let path = format!("/admin/users/{}/disable", sme.user_id);
    let refused = post(&app, &path, &park, &[("csrf", &park.csrf), ("reason", "x")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(app.login("sme@example.com", PASSWORD).await["access_token"].is_string());
    let disabled = post(
        &app,
        &path,
        &admin,
        &[("csrf", &admin.csrf), ("reason", "Left the company")],
    )
    .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "sme@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED, "disabled");
    let listed = html(&app, "/admin/users", &admin).await;
    assert!(listed.contains("Left the company"));
    assert!(!listed.contains(&path), "no second disable button");
}

/// An SME's quote for `quantity` on `need`, awarded by the lead through the API; the deal's id.
async fn awarded(app: &TestApp, need: i64, sme: &str, quantity: u64) -> i64 {
    let sme_token = token(app, sme).await;
    let quote = json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{need}/quotes"),
            &sme_token,
            Some(&json!({"unit_price_fen": 90_000, "quantity": quantity, "lead_time_days": 10})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let lead_token = token(app, "lead@example.com").await;
    let deal = json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/needs/{need}/awards"),
            &lead_token,
            Some(&json!({
                "quote_id": quote["id"], "quantity": quantity,
                "contract_value_fen": 90_000 * quantity
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    deal["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_lead_records_delivery_or_calls_a_deal_off_and_only_the_parties_see_it() {
    let app = spawn_app().await;
    market(&app).await;
    app.register("sme2@example.com", "sme", "420607", None)
        .await;
    app.register("other@example.com", "lead", "420606", None)
        .await;
    let lead = session(&app, "lead@example.com").await;
    let need = publish_need(&app, &lead, "auto").await;
    let first = awarded(&app, need, "sme@example.com", 50).await;
    let second = awarded(&app, need, "sme2@example.com", 50).await;
    let lead_token = token(&app, "lead@example.com").await;
    let deal = |id: i64| {
        let token = lead_token.clone();
        let app = &app;
        async move { api(app, &format!("/api/v1/deals/{id}"), &token).await }
    };

    let page = html(&app, "/deals", &lead).await;
    for id in [first, second] {
        assert!(page.contains(&format!(r#"action="/deals/{id}/fulfilment""#)));
        assert!(page.contains(&format!(r#"action="/deals/{id}/cancel""#)));
    }
    // The supplier sees its own deal, without the lead's forms, and not the other supplier's.
    let sme = session(&app, "sme@example.com").await;
    let sme_page = html(&app, "/deals", &sme).await;
    assert!(sme_page.contains(&format!(r#"data-deal="{first}""#)));
    assert!(!sme_page.contains(&format!(r#"data-deal="{second}""#)));
    assert!(!sme_page.contains("/fulfilment\""));
    let today = peitao_domain::format_date(time::OffsetDateTime::now_utc().date());
    let fulfilment = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("delivered_on", today.clone()),
            ("on_time", "true".to_owned()),
            ("quality_rating", "4".to_owned()),
        ]
    };
    let sme_form = fulfilment(&sme.csrf);
    let sme_fields: Vec<(&str, &str)> = sme_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post(
        &app,
        &format!("/deals/{first}/fulfilment"),
        &sme,
        &sme_fields,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(deal(first).await["status"], "active");
    // Another lead sees neither; administrators read deals through the figures.
    let other = session(&app, "other@example.com").await;
    let other_page = html(&app, "/deals", &other).await;
    assert!(!other_page.contains(&format!(r#"data-deal="{first}""#)));
    let parks = app.store.all_parks().await.unwrap();
    app.administrator("park@example.com", Role::ParkAdmin, Some(parks[0].id))
        .await;
    let park = session(&app, "park@example.com").await;
    assert_eq!(
        get(&app, "/deals", &park).await.status(),
        StatusCode::FORBIDDEN
    );
    // Delivery recorded: the API's deal is fulfilled with the rating typed.
    let lead_form = fulfilment(&lead.csrf);
    let lead_fields: Vec<(&str, &str)> = lead_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = post(
        &app,
        &format!("/deals/{first}/fulfilment"),
        &lead,
        &lead_fields,
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let fulfilled = deal(first).await;
    assert_eq!(fulfilled["status"], "fulfilled");
    assert_eq!(fulfilled["quality_rating"], 4);
    assert_eq!(fulfilled["on_time"], true);
    // Called off: a reason is required, then kept.
    let cancel = format!("/deals/{second}/cancel");
    let blank = post(
        &app,
        &cancel,
        &lead,
        &[("csrf", &lead.csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(deal(second).await["status"], "active");
    let called_off = post(
        &app,
        &cancel,
        &lead,
        &[("csrf", &lead.csrf), ("reason", "Plant flooded")],
    )
    .await;
    assert_eq!(called_off.status(), StatusCode::SEE_OTHER);
    assert_eq!(deal(second).await["cancel_reason"], "Plant flooded");
    let page = html(&app, "/deals", &lead).await;
    assert!(page.contains("Plant flooded"));
    assert!(!page.contains(&format!(r#"action="/deals/{first}/fulfilment""#)));
}

/// A bill of materials posted as a browser posts the upload form: `multipart/form-data`.
async fn upload_file(
    app: &TestApp,
    lead: &Session,
    csrf: &str,
    file_name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let boundary = "----peitao-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nPlan 2026\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    crate::console::browser()
        .post(app.url("/lead/boms"))
        .header(header::COOKIE, &lead.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn upload_bom(app: &TestApp, lead: &Session, csrf: &str, csv: &str) -> reqwest::Response {
    upload_file(app, lead, csrf, "plan.csv", csv.as_bytes()).await
}

#[tokio::test]
async fn a_lead_uploads_a_bill_of_materials_sees_each_refused_line_and_the_apis_coverage() {
    let app = spawn_app().await;
    market(&app).await;
    let sme_token = token(&app, "sme@example.com").await;
    json_with_status(
        app.send_as(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            &sme_token,
            Some(&json!({"capabilities": [
                {"category_code": "auto", "annual_capacity": 1000, "unit": "pcs"}
            ]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let lead = session(&app, "lead@example.com").await;
    let lead_token = token(&app, "lead@example.com").await;
    let header_row = "category_code,description,annual_value_fen,current_supplier_region";
    let refused = upload_bom(
        &app,
        &lead,
        &lead.csrf,
        &format!("{header_row}\r\nauto,Hubs,300000,110108\r\nnowhere,Bolts,5,110108\r\n"),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains(r#"<td class="num">3</td><td lang="en">"#),
        "the problem's line: {page}"
    );
    assert!(page.contains("nowhere"));
    assert!(page.contains(r#"value="Plan 2026""#), "the name kept");
    let good = format!("{header_row}\nauto,Hubs,300000,110108\nauto,Clips,100000,420606\n");
    let forged = upload_bom(&app, &lead, "forged", &good).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let stored = api(&app, "/api/v1/boms", &lead_token).await;
    assert_eq!(
        stored["items"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );

    let uploaded = upload_bom(&app, &lead, &lead.csrf, &good).await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let stored = api(&app, "/api/v1/boms", &lead_token).await;
    let id = stored["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        uploaded.headers()[header::LOCATION],
        format!("/lead/boms/{id}").as_str()
    );
    let coverage = api(&app, &format!("/api/v1/boms/{id}/coverage"), &lead_token).await;
    let shown = |rate: &Value| format!("{:.1}%", rate.as_f64().unwrap() * 100.0);
    let page = html(&app, &format!("/lead/boms/{id}"), &lead).await;
    assert!(page.contains(&format!(
        r#"id="current-rate" class="figure">{}<"#,
        shown(&coverage["current_rate"])
    )));
    assert!(page.contains(&format!(
        r#"id="potential-rate" class="figure">{}<"#,
        shown(&coverage["potential_rate"])
    )));
    assert_eq!(shown(&coverage["potential_rate"]), "100.0%", "{coverage}");
    assert!(page.contains("sme@example.com Co."), "the candidate");
    assert!(html(&app, "/lead/boms", &lead).await.contains("Plan 2026"));
    // A workbook is read as one, by its name.
    let book = crate::statistics::workbook(&[("auto", "Hubs", 250_000.0, "420606")]);
    let from_book = upload_file(&app, &lead, &lead.csrf, "Plan.XLSX", &book).await;
    assert_eq!(from_book.status(), StatusCode::SEE_OTHER);
    let stored = api(&app, "/api/v1/boms", &lead_token).await;
    assert_eq!(stored["items"][0]["annual_value_fen"], 250_000, "{stored}");
    // Bills of materials are a lead's own: not an SME's page, not another lead's.
    let sme = session(&app, "sme@example.com").await;
    assert_eq!(
        get(&app, "/lead/boms", &sme).await.status(),
        StatusCode::FORBIDDEN
    );
    app.register("other@example.com", "lead", "420606", None)
        .await;
    let other = session(&app, "other@example.com").await;
    assert_eq!(
        get(&app, &format!("/lead/boms/{id}"), &other)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(!html(&app, "/lead/boms", &other).await.contains("Plan 2026"));
}

#[tokio::test]
async fn an_smes_profile_flags_certificates_expired_or_ending_within_sixty_days_and_shows_its_scorecard()
 {
    let app = spawn_app().await;
    market(&app).await;
    let sme_token = token(&app, "sme@example.com").await;
    let today = time::OffsetDateTime::now_utc().date();
    let day = |offset: i64| peitao_domain::format_date(today + time::Duration::days(offset));
    for (number, until) in [("OLD", -10), ("SOON", 30), ("LONG", 400)] {
        json_with_status(
            app.send_as(
                Method::POST,
                "/api/v1/suppliers/me/certifications",
                &sme_token,
                Some(&json!({
                    "kind": "ISO9001", "number": number,
                    "valid_from": day(-800), "valid_until": day(until)
                })),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let lead = session(&app, "lead@example.com").await;
    let need = publish_need(&app, &lead, "auto").await;
    let deal = awarded(&app, need, "sme@example.com", 100).await;
    json_with_status(
        app.send_as(
            Method::POST,
            &format!("/api/v1/deals/{deal}/fulfilment"),
            &token(&app, "lead@example.com").await,
            Some(&json!({"delivered_on": day(0), "on_time": true, "quality_rating": 4})),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let sme = session(&app, "sme@example.com").await;
    let page = html(&app, "/sme/profile", &sme).await;
    let row = |number: &str| {
        let at = page.find(&format!("<td>{number}</td>")).expect(number);
        let start = page[..at].rfind("<tr ").unwrap();
        page[start..at].to_owned()
    };
    assert!(
        row("OLD").contains(r#"data-expiry="expired""#),
        "{}",
        row("OLD")
    );
    assert!(
        row("SOON").contains(r#"data-expiry="expiring""#),
        "{}",
        row("SOON")
    );
    assert!(
        row("LONG").contains(r#"data-expiry="valid""#),
        "{}",
        row("LONG")
    );
    assert!(page.contains(r#"id="expiry-warning""#));
    // The scorecard is the API's.
    let me = api(&app, "/api/v1/me", &sme_token).await;
    let supplier = api(
        &app,
        &format!("/api/v1/suppliers/{}", me["organization"]["id"]),
        &sme_token,
    )
    .await;
    assert_eq!(supplier["scorecard"]["fulfilled_deals"], 1, "{supplier}");
    assert!(page.contains(r#"id="fulfilled-deals" class="figure">1<"#));
    assert!(page.contains(r#"id="on-time" class="figure">100.0%<"#));
    assert!(page.contains(r#"id="mean-quality" class="figure">4.0 / 5<"#));
    // A profile page is the SME's own.
    assert_eq!(
        get(&app, "/sme/profile", &lead).await.status(),
        StatusCode::FORBIDDEN
    );
}

/// The next chunks of a stream, up to `within`, as text.
async fn read_for(response: &mut reqwest::Response, within: std::time::Duration) -> String {
    let mut text = String::new();
    let until = tokio::time::Instant::now() + within;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.contains("data: ") {
            break;
        }
    }
    text
}

#[tokio::test]
async fn a_signed_in_browser_hears_its_own_events_live_with_its_cookie_and_no_one_elses() {
    let app = spawn_app().await;
    market(&app).await;
    app.register("other@example.com", "lead", "420606", None)
        .await;
    let lead = session(&app, "lead@example.com").await;
    let other = session(&app, "other@example.com").await;
    let need = publish_need(&app, &lead, "auto").await;
    let mut lead_stream = get(&app, "/events", &lead).await;
    assert_eq!(lead_stream.status(), StatusCode::OK);
    assert_eq!(
        lead_stream.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut other_stream = get(&app, "/events", &other).await;
    let opened = read_for(&mut lead_stream, std::time::Duration::from_secs(2)).await;
    assert!(opened.contains(": connected"), "{opened}");
    assert!(
        !opened.contains("need.published"),
        "only what happens after the page opened: {opened}"
    );
    awarded(&app, need, "sme@example.com", 10).await;
    let heard = read_for(&mut lead_stream, std::time::Duration::from_secs(10)).await;
    assert!(heard.contains(r#""type":"quote.submitted""#), "{heard}");
    assert!(
        !heard.contains("event: "),
        "unnamed, for onmessage: {heard}"
    );
    let elsewhere = read_for(&mut other_stream, std::time::Duration::from_secs(1)).await;
    assert!(
        !elsewhere.contains("quote."),
        "another tenant's: {elsewhere}"
    );
    // Without a session the stream is not opened.
    let anonymous = crate::console::browser()
        .get(app.url("/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}
