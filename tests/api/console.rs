//! The web console: the cookie session and its flags, CSRF on every form, the same authorisation
//! as the API, the language switch, the message files, the embedded assets, and that its routes
//! stay out of the OpenAPI document.

use peitao_domain::{Category, CategoryCode, Role};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, json_with_status, spawn_app, spawn_app_with};

/// A browser without redirects or a cookie jar: the test reads and sends cookies itself.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of the cookie `name` among a response's `Set-Cookie` headers, with its flags.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The `name=value` part of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// The value of the first `name="csrf"` hidden field of a page.
fn csrf_field(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    html[at..at + 64].to_owned()
}

/// Signs in through the console's form; returns the `Location` and the session's `Set-Cookie`.
async fn console_sign_in(app: &TestApp, email: &str) -> (String, String) {
    let client = browser();
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let nonce = pair(&set_cookie(&page, "peitao_login").expect("a sign-in nonce cookie"));
    let csrf = csrf_field(&page.text().await.unwrap());
    let response = client
        .post(app.url("/login"))
        .header(header::COOKIE, nonce)
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "signing in redirects"
    );
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let session = set_cookie(&response, "peitao_session").expect("a session cookie");
    (location, session)
}

/// A signed-in console session: its cookie header and the CSRF token of its forms.
pub(crate) struct Session {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn session(app: &TestApp, email: &str) -> Session {
    let (location, set) = console_sign_in(app, email).await;
    let cookie = pair(&set);
    let page = browser()
        .get(app.url(&location))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the home page {location}");
    let csrf = csrf_field(&page.text().await.unwrap());
    Session { cookie, csrf }
}

pub(crate) async fn get(app: &TestApp, path: &str, session: &Session) -> reqwest::Response {
    browser()
        .get(app.url(path))
        .header(header::COOKIE, &session.cookie)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    session: &Session,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser()
        .post(app.url(path))
        .header(header::COOKIE, &session.cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A lead and an SME in Xiangyang, with one category to source.
pub(crate) async fn market(app: &TestApp) {
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
    app.register("lead@example.com", "lead", "420606", None)
        .await;
    app.register("sme@example.com", "sme", "420607", None).await;
}

/// Posts the new-need form as the lead's browser.
pub(crate) async fn post_need(
    app: &TestApp,
    lead: &Session,
    form: &[(&'static str, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, "/lead/needs", lead, &fields).await
}

pub(crate) fn need_form(csrf: Option<&str>) -> Vec<(&'static str, String)> {
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    let mut form = vec![
        ("title", "Wheel hubs".to_owned()),
        ("category_code", "auto".to_owned()),
        ("quantity", "100".to_owned()),
        ("unit", "pcs".to_owned()),
        ("estimated_value_yuan", "90000".to_owned()),
        ("delivery_region_code", "420606".to_owned()),
        ("response_deadline", peitao_domain::format_date(deadline)),
        ("visibility", "public".to_owned()),
        ("then", "publish".to_owned()),
    ];
    if let Some(csrf) = csrf {
        form.push(("csrf", csrf.to_owned()));
    }
    form
}

async fn needs_of(app: &TestApp, email: &str) -> usize {
    let tokens = app.login(email, PASSWORD).await;
    let token = tokens["access_token"].as_str().unwrap();
    let body = json_with_status(app.get_as("/api/v1/needs", token).await, StatusCode::OK).await;
    body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn signing_in_sets_an_http_only_same_site_lax_session_cookie_and_goes_to_the_roles_home() {
    let app = spawn_app().await;
    market(&app).await;
    let (location, cookie) = console_sign_in(&app, "lead@example.com").await;
    assert_eq!(location, "/lead/needs");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http for local use by default: {cookie}"
    );
    let (location, _) = console_sign_in(&app, "sme@example.com").await;
    assert_eq!(location, "/sme/matches");
}

#[tokio::test]
async fn with_secure_cookies_the_session_cookie_is_secure() {
    let app = spawn_app_with(|settings| settings.console.secure_cookies = true).await;
    market(&app).await;
    let (_, cookie) = console_sign_in(&app, "lead@example.com").await;
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_apis_reason_and_no_session() {
    let app = spawn_app().await;
    market(&app).await;
    let client = browser();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let nonce = pair(&set_cookie(&page, "peitao_login").unwrap());
    let csrf = csrf_field(&page.text().await.unwrap());
    let response = client
        .post(app.url("/login"))
        .header(header::COOKIE, nonce)
        .form(&[
            ("email", "lead@example.com"),
            ("password", "wrong password!"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&response, "peitao_session").is_none());
    assert!(response.text().await.unwrap().contains("邮箱或密码错误"));
}

#[tokio::test]
async fn a_sign_in_form_without_its_token_is_refused() {
    let app = spawn_app().await;
    market(&app).await;
    let response = browser()
        .post(app.url("/login"))
        .form(&[("email", "lead@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&response, "peitao_session").is_none());
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    for form in [
        need_form(None),
        need_form(Some(&"0".repeat(64))),
        need_form(Some("not hex")),
    ] {
        let response = post_need(&app, &lead, &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.text().await.unwrap().contains("表单已失效"));
    }
    assert_eq!(
        needs_of(&app, "lead@example.com").await,
        0,
        "nothing created"
    );
    // Another session's token is no better.
    let other = session(&app, "lead@example.com").await;
    let forged = need_form(Some(&other.csrf));
    let response = post_need(&app, &lead, &forged).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(needs_of(&app, "lead@example.com").await, 0);
    // The session's own token works: the check refuses forgeries, not forms.
    let genuine = need_form(Some(&lead.csrf));
    let response = post_need(&app, &lead, &genuine).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(needs_of(&app, "lead@example.com").await, 1);
}

#[tokio::test]
async fn pages_refuse_what_the_api_refuses() {
    let app = spawn_app().await;
    market(&app).await;
    let sme = session(&app, "sme@example.com").await;
    let lead = session(&app, "lead@example.com").await;
    let sme_token = app.login("sme@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_token = app.login("lead@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Statistics are not for suppliers.
    assert_eq!(
        app.get_as("/api/v1/stats/overview", &sme_token)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let page = get(&app, "/park", &sme).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("无权"));
    assert_eq!(
        get(&app, "/park/exports/overview.xlsx", &sme)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Matching needs are for suppliers.
    assert_eq!(
        app.get_as("/api/v1/suppliers/me/matches", &lead_token)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/sme/matches", &lead).await.status(),
        StatusCode::FORBIDDEN
    );
    // The lead's own figures are open to it, on the page as in the API.
    assert_eq!(
        app.get_as("/api/v1/stats/overview", &lead_token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(get(&app, "/park", &lead).await.status(), StatusCode::OK);
    let export = get(&app, "/park/exports/overview.xlsx", &lead).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        export.headers()[header::CONTENT_TYPE],
        peitao_api::export::XLSX
    );
    // Another tenant's need is missing, as in the API.
    let other = app
        .register("other@example.com", "lead", "420606", None)
        .await;
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let need = json_with_status(
        app.send_as(
            Method::POST,
            "/api/v1/needs",
            &other.access_token,
            Some(&serde_json::json!({
                "category_code": "auto", "title": "Hubs", "quantity": 1, "unit": "pcs",
                "estimated_value_fen": 100, "delivery_region_code": "420606",
                "response_deadline": deadline, "visibility": "public"
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.get_as(&format!("/api/v1/needs/{need}"), &lead_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &format!("/lead/needs/{need}"), &lead)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_a_session_pages_send_the_browser_to_sign_in() {
    let app = spawn_app().await;
    for path in ["/", "/park", "/lead/needs", "/sme/quotes"] {
        let response = browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[header::LOCATION], "/login", "{path}");
    }
    let forged = Session {
        cookie: format!("peitao_session={}", "a".repeat(64)),
        csrf: String::new(),
    };
    let response = get(&app, "/park", &forged).await;
    assert_eq!(response.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn signing_out_ends_the_session_at_once() {
    let app = spawn_app().await;
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    let response = post(&app, "/logout", &lead, &[("csrf", &lead.csrf)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let removal = set_cookie(&response, "peitao_session").unwrap();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    let response = get(&app, "/lead/needs", &lead).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn a_session_token_is_no_refresh_token() {
    let app = spawn_app().await;
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    let token = lead.cookie.trim_start_matches("peitao_session=");
    let response = app
        .post_json(
            "/api/v1/auth/refresh",
            &serde_json::json!({ "refresh_token": token }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&app, "/lead/needs", &lead).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn chinese_is_the_default_and_english_one_click_away() {
    let app = spawn_app().await;
    let page = browser().get(app.url("/login")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("<h1>登录</h1>"));
    let switch = browser()
        .get(app.url("/lang/en?back=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()[header::LOCATION], "/login");
    let cookie = pair(&set_cookie(&switch, "peitao_lang").unwrap());
    assert_eq!(cookie, "peitao_lang=en");
    let html = browser()
        .get(app.url("/login"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<h1>Sign in</h1>"));
    // The switch returns only to a path of this site.
    for back in [
        "//elsewhere.example/",
        "https://elsewhere.example/",
        "/\\elsewhere",
    ] {
        let switch = browser()
            .get(app.url("/lang/zh"))
            .query(&[("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(switch.headers()[header::LOCATION], "/", "{back}");
    }
}

#[test]
fn both_message_files_have_the_same_keys() {
    let messages = peitao_api::console::i18n::Messages::get().unwrap();
    assert_eq!(messages.key_differences(), (Vec::new(), Vec::new()));
    assert!(messages.keys().count() > 100);
}

#[tokio::test]
async fn assets_are_embedded_with_their_types_and_a_long_cache() {
    let app = spawn_app().await;
    for (name, content_type) in [
        ("console.js", "text/javascript; charset=utf-8"),
        ("htmx-2.0.11.min.js", "text/javascript; charset=utf-8"),
        ("echarts-6.1.0.min.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
    ] {
        let response = app.get(&format!("/assets/{name}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], content_type);
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    assert_eq!(
        app.get("/assets/nothing.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn console_pages_carry_a_self_only_content_security_policy() {
    let app = spawn_app().await;
    let response = app.get("/login").await;
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("style="), "no inline style");
}

#[tokio::test]
async fn console_routes_stay_out_of_the_openapi_document_and_the_fallback_knows_them() {
    let app = spawn_app().await;
    let document: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = document["paths"].as_object().unwrap();
    for (route, _) in peitao_api::console::ROUTES {
        assert!(
            !paths.contains_key(*route),
            "{route} is a page, not an API route"
        );
    }
    assert!(paths.keys().all(|path| {
        !["/login", "/park", "/lead", "/sme", "/assets", "/lang"]
            .iter()
            .any(|page| path.starts_with(page))
    }));
    let response = app.post_json("/park", &serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET");
    let missing = app.get("/nowhere").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    // A browser gets a page it can read.
    let page = app
        .client
        .get(app.url("/nowhere"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("找不到该页面或记录"));
    let api = app
        .client
        .get(app.url("/api/v1/nowhere"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_park_page_shows_the_apis_supporting_rate() {
    let app = spawn_app().await;
    let parks = app.seed_geography().await;
    app.administrator("park@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    let park = session(&app, "park@example.com").await;
    let token = app.login("park@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let overview = json_with_status(
        app.get_as("/api/v1/stats/overview", &token).await,
        StatusCode::OK,
    )
    .await;
    let shown = match overview["supporting_rate"]["current"]["rate"].as_f64() {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "—".to_owned(),
    };
    let html = get(&app, "/park", &park).await.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"id="rate-now" class="figure">{shown}<"#)),
        "{shown}"
    );
}

#[tokio::test]
async fn the_need_directory_lists_what_the_api_lists_for_the_supplier() {
    let app = spawn_app().await;
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    let form = need_form(Some(&lead.csrf));
    assert_eq!(
        post_need(&app, &lead, &form).await.status(),
        StatusCode::SEE_OTHER
    );
    let token = app.login("sme@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = json_with_status(app.get_as("/api/v1/needs", &token).await, StatusCode::OK).await;
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let sme = session(&app, "sme@example.com").await;
    let html = get(&app, "/sme/needs?category=auto", &sme)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(r#"data-need="{id}""#)));
    let html = get(&app, "/sme/needs?q=nothing-like-it", &sme)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("data-need="));
    assert_eq!(
        get(&app, "/sme/needs?region=42", &sme).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/sme/needs", &lead).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_sme_quotes_and_sees_the_leads_rejection_with_its_reason() {
    let app = spawn_app().await;
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    let form = need_form(Some(&lead.csrf));
    let created = post_need(&app, &lead, &form).await;
    let location = created.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let need: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let sme = session(&app, "sme@example.com").await;
    let quoted = post(
        &app,
        &format!("/sme/needs/{need}/quotes"),
        &sme,
        &[
            ("csrf", &sme.csrf),
            ("unit_price_yuan", "880.5"),
            ("quantity", "100"),
            ("lead_time_days", "14"),
        ],
    )
    .await;
    assert_eq!(quoted.status(), StatusCode::SEE_OTHER);
    let token = app.login("sme@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = json_with_status(
        app.get_as("/api/v1/suppliers/me/quotes", &token).await,
        StatusCode::OK,
    )
    .await;
    let quote = &mine["items"][0];
    assert_eq!(quote["unit_price_fen"], 88_050, "yuan typed, fen stored");
    let id = quote["id"].as_i64().unwrap();
    // The SME cannot decide on its own quote: the API's rule, on the page.
    let refused = post(
        &app,
        &format!("/lead/quotes/{id}/reject"),
        &sme,
        &[("csrf", &sme.csrf), ("reason", "price")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let rejected = post(
        &app,
        &format!("/lead/quotes/{id}/reject"),
        &lead,
        &[
            ("csrf", &lead.csrf),
            ("reason", "price"),
            ("note", "too dear"),
        ],
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rejected.headers()[header::LOCATION],
        format!("/lead/needs/{need}").as_str()
    );
    let html = get(&app, "/sme/quotes", &sme).await.text().await.unwrap();
    assert!(html.contains("价格: too dear"), "the reason and the note");
    let mine = json_with_status(
        app.get_as("/api/v1/suppliers/me/quotes", &token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"][0]["status"], "rejected");
    assert_eq!(mine["items"][0]["reject_reason"], "price");
}

#[tokio::test]
async fn a_platform_administrator_imports_a_file_and_sees_a_refused_ones_lines() {
    let app = spawn_app().await;
    app.administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let admin = session(&app, "root@example.com").await;
    let refused = post(
        &app,
        "/admin/imports",
        &admin,
        &[
            ("csrf", &admin.csrf),
            ("kind", "taxonomy"),
            ("file", "code,name,parent\nx,X,\ny,Y,nowhere\n"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains(r#"<td class="num">3</td><td lang="en">"#),
        "the problem's line"
    );
    assert!(html.contains("nowhere"));
    assert_eq!(
        app.get("/api/v1/categories/x").await.status(),
        StatusCode::NOT_FOUND,
        "nothing stored"
    );
    let imported = post(
        &app,
        "/admin/imports",
        &admin,
        &[
            ("csrf", &admin.csrf),
            ("kind", "taxonomy"),
            ("file", "code,name,parent\nx,X,\ny,Y,x\n"),
        ],
    )
    .await;
    assert_eq!(imported.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        imported.headers()[header::LOCATION],
        "/admin/imports?imported=taxonomy&count=2"
    );
    assert_eq!(
        app.get("/api/v1/categories/y").await.status(),
        StatusCode::OK
    );
    // Imports are the platform administrator's, on the page as in the API.
    market(&app).await;
    let lead = session(&app, "lead@example.com").await;
    assert_eq!(
        get(&app, "/admin/imports", &lead).await.status(),
        StatusCode::FORBIDDEN
    );
    let forbidden = post(
        &app,
        "/admin/imports",
        &lead,
        &[
            ("csrf", &lead.csrf),
            ("kind", "taxonomy"),
            ("file", "code,name,parent\nz,Z,\n"),
        ],
    )
    .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/categories/z").await.status(),
        StatusCode::NOT_FOUND
    );
}
