//! Every input type refuses a field it does not know: each JSON body type (nested ones too) and
//! each query type answers 400 problem+json naming the field and stores nothing, and the taxonomy
//! TOML format refuses an unknown key in each of its tables. A mass-assignment attempt or a typo
//! never passes silently. Each row sends a request that succeeds without the unknown field, so a
//! row fails on its own when its type stops refusing unknown fields.

use peitao_domain::{Category, CategoryCode, Email, Role};
use reqwest::{Method, Response, StatusCode, header::HeaderValue};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, json_with_status, spawn_app};

/// One input type, and an unknown field placed in it.
struct Row {
    /// The type under test, for the failure message.
    input: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    via: Via,
    /// The unknown field.
    unknown: &'static str,
    /// The problem code the refusal carries.
    code: &'static str,
    unchanged: Unchanged,
}

/// How the unknown field travels.
enum Via {
    /// Inside a JSON body that is acceptable without it, in the object at `at` (a JSON pointer).
    Json { body: Value, at: &'static str },
    /// Beside an acceptable query string.
    Query(&'static str),
}

/// What shows that the refused request stored nothing.
enum Unchanged {
    /// This read answers the same before and after.
    Read { path: String, token: String },
    /// The refresh token still works: the refused request neither used nor revoked it.
    Refreshes(String),
    /// No account has this e-mail address.
    NoAccount(String),
    /// The request stores nothing visible when it succeeds either; for `/auth/refresh`, the
    /// request without the field, sent afterwards, shows that the token was not used.
    Nothing,
}

impl Row {
    async fn send(&self, app: &TestApp, with_unknown: bool) -> Response {
        let mut path = self.path.clone();
        let mut body = None;
        match &self.via {
            Via::Json { body: clean, at } => {
                let mut json = clean.clone();
                if with_unknown {
                    json.pointer_mut(at)
                        .and_then(Value::as_object_mut)
                        .unwrap_or_else(|| panic!("{}: no object at `{at}`", self.input))
                        .insert(self.unknown.to_owned(), json!(true));
                }
                body = Some(json);
            }
            Via::Query(clean) => {
                path = if with_unknown {
                    format!("{path}?{clean}&{}=1", self.unknown)
                } else {
                    format!("{path}?{clean}")
                };
            }
        }
        let mut request = app.client.request(self.method.clone(), app.url(&path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }
}

/// The status and body of a read, to compare before and after.
async fn read(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let response = app.get_as(path, token).await;
    (response.status(), response.text().await.unwrap())
}

async fn refreshes(app: &TestApp, refresh_token: &str) -> bool {
    app.post_json(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": refresh_token}),
    )
    .await
    .status()
        == StatusCode::OK
}

/// Tries one row; returns what went wrong.
async fn try_row(app: &TestApp, row: &Row) -> Vec<String> {
    let mut failures = Vec::new();
    let before = match &row.unchanged {
        Unchanged::Read { path, token } => Some(read(app, path, token).await),
        _ => None,
    };

    let refused = row.send(app, true).await;
    let status = refused.status();
    let content_type = refused
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let text = refused.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status != StatusCode::BAD_REQUEST
        || content_type.as_deref() != Some("application/problem+json")
        || body["code"] != row.code
    {
        failures.push(format!(
            "{} with unknown `{}`: expected 400 problem+json `{}`, got {status} {content_type:?}: \
             {text}",
            row.input, row.unknown, row.code
        ));
    } else if !body["detail"]
        .as_str()
        .is_some_and(|detail| detail.contains(row.unknown))
    {
        failures.push(format!(
            "{}: the refusal does not name `{}`: {text}",
            row.input, row.unknown
        ));
    }

    let stored = match &row.unchanged {
        Unchanged::Read { path, token } => before != Some(read(app, path, token).await),
        Unchanged::Refreshes(token) => !refreshes(app, token).await,
        Unchanged::NoAccount(email) => app
            .store
            .credentials(&Email::parse(email).unwrap())
            .await
            .unwrap()
            .is_some(),
        Unchanged::Nothing => false,
    };
    if stored {
        failures.push(format!(
            "{} with unknown `{}` changed what is stored",
            row.input, row.unknown
        ));
    }

    let accepted = row.send(app, false).await;
    if !accepted.status().is_success() {
        let status = accepted.status();
        failures.push(format!(
            "{}: the same request without `{}` should succeed, got {status}: {}",
            row.input,
            row.unknown,
            accepted.text().await.unwrap()
        ));
    }
    failures
}

fn registration(email: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "display_name": "New User",
        "organization": {"name": "New Components Co.", "kind": "sme", "region_code": "420606"}
    })
}

#[tokio::test]
async fn every_body_and_query_type_refuses_an_unknown_field_by_name_and_stores_nothing() {
    let app = spawn_app().await;
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
    let lead = app
        .register("lead@example.com", "lead", "420606", Some(parks.xiangyang))
        .await;
    let second_session = app.login("lead@example.com", PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let sme = app
        .register("sme@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    let lead_org = format!("/api/v1/organizations/{}", lead.organization_id.unwrap());
    let version = json_with_status(
        app.get_as(&lead_org, &lead.access_token).await,
        StatusCode::OK,
    )
    .await["version"]
        .clone();
    let capabilities = json!({"capabilities": [
        {"category_code": "auto", "annual_capacity": 500, "unit": "sets", "processes": ["assembly"]}
    ]});
    let read_as_sme = |path: &str| Unchanged::Read {
        path: path.to_owned(),
        token: sme.access_token.clone(),
    };

    let rows = [
        Row {
            input: "RegisterRequest",
            method: Method::POST,
            path: "/api/v1/auth/register".into(),
            token: None,
            via: Via::Json {
                body: registration("first@example.com"),
                at: "",
            },
            unknown: "role",
            code: "invalid_json",
            unchanged: Unchanged::NoAccount("first@example.com".into()),
        },
        Row {
            input: "NewOrganizationRequest (register's `organization`)",
            method: Method::POST,
            path: "/api/v1/auth/register".into(),
            token: None,
            via: Via::Json {
                body: registration("second@example.com"),
                at: "/organization",
            },
            unknown: "verified",
            code: "invalid_json",
            unchanged: Unchanged::NoAccount("second@example.com".into()),
        },
        Row {
            input: "LoginRequest",
            method: Method::POST,
            path: "/api/v1/auth/login".into(),
            token: None,
            via: Via::Json {
                body: json!({"email": "lead@example.com", "password": PASSWORD}),
                at: "",
            },
            unknown: "role",
            code: "invalid_json",
            unchanged: Unchanged::Nothing,
        },
        Row {
            input: "RefreshRequest (refresh)",
            method: Method::POST,
            path: "/api/v1/auth/refresh".into(),
            token: None,
            via: Via::Json {
                body: json!({"refresh_token": lead.refresh_token}),
                at: "",
            },
            unknown: "user_id",
            code: "invalid_json",
            unchanged: Unchanged::Nothing,
        },
        Row {
            input: "RefreshRequest (logout)",
            method: Method::POST,
            path: "/api/v1/auth/logout".into(),
            token: None,
            via: Via::Json {
                body: json!({"refresh_token": second_session}),
                at: "",
            },
            unknown: "everywhere",
            code: "invalid_json",
            unchanged: Unchanged::Refreshes(second_session.clone()),
        },
        Row {
            input: "CreateUserRequest",
            method: Method::POST,
            path: "/api/v1/users".into(),
            token: Some(admin.access_token.clone()),
            via: Via::Json {
                body: json!({"email": "park@example.com", "display_name": "Park Admin", "role": "park_admin", "park_id": parks.xiangyang.0}),
                at: "",
            },
            unknown: "organization_id",
            code: "invalid_json",
            unchanged: Unchanged::NoAccount("park@example.com".into()),
        },
        Row {
            input: "UpdateOrganizationRequest",
            method: Method::PATCH,
            path: lead_org.clone(),
            token: Some(lead.access_token.clone()),
            via: Via::Json {
                body: json!({"version": version, "name": "Renamed Lead Co."}),
                at: "",
            },
            unknown: "verified",
            code: "invalid_json",
            unchanged: Unchanged::Read {
                path: lead_org.clone(),
                token: lead.access_token.clone(),
            },
        },
        Row {
            input: "CapabilitiesRequest",
            method: Method::PUT,
            path: "/api/v1/suppliers/me/capabilities".into(),
            token: Some(sme.access_token.clone()),
            via: Via::Json {
                body: capabilities.clone(),
                at: "",
            },
            unknown: "organization_id",
            code: "invalid_json",
            unchanged: read_as_sme("/api/v1/suppliers/me/capabilities"),
        },
        Row {
            input: "CapabilityInput (capabilities[0])",
            method: Method::PUT,
            path: "/api/v1/suppliers/me/capabilities".into(),
            token: Some(sme.access_token.clone()),
            via: Via::Json {
                body: json!({"capabilities": [
                    {"category_code": "auto", "annual_capacity": 900, "unit": "sets"}
                ]}),
                at: "/capabilities/0",
            },
            unknown: "verified",
            code: "invalid_json",
            unchanged: read_as_sme("/api/v1/suppliers/me/capabilities"),
        },
        Row {
            input: "CertificationInput",
            method: Method::POST,
            path: "/api/v1/suppliers/me/certifications".into(),
            token: Some(sme.access_token.clone()),
            via: Via::Json {
                body: json!({"kind": "ISO9001", "number": "Q-1", "valid_from": "2025-01-01", "valid_until": "2028-01-01"}),
                at: "",
            },
            unknown: "organization_id",
            code: "invalid_json",
            unchanged: read_as_sme("/api/v1/suppliers/me/certifications"),
        },
        Row {
            input: "RegionQuery",
            method: Method::GET,
            path: "/api/v1/regions".into(),
            token: None,
            via: Via::Query("parent=420000"),
            unknown: "parnet",
            code: "bad_request",
            unchanged: Unchanged::Nothing,
        },
        Row {
            input: "CategoryQuery",
            method: Method::GET,
            path: "/api/v1/categories".into(),
            token: None,
            via: Via::Query("q=auto"),
            unknown: "sort",
            code: "bad_request",
            unchanged: Unchanged::Nothing,
        },
        Row {
            input: "ParkQuery",
            method: Method::GET,
            path: "/api/v1/parks".into(),
            token: Some(lead.access_token.clone()),
            via: Via::Query("region=420600"),
            unknown: "owner",
            code: "bad_request",
            unchanged: Unchanged::Nothing,
        },
    ];

    let mut failures = Vec::new();
    for row in &rows {
        failures.extend(try_row(&app, row).await);
    }
    assert!(
        failures.is_empty(),
        "unknown fields that got through:\n{}",
        failures.join("\n")
    );
}

/// A taxonomy file that imports as it is: a chain of two categories.
const TAXONOMY: &str = "\
[[chains]]
code = \"demo\"
name_zh = \"示例\"
name_en = \"Demo\"
links = [[\"a\", \"b\"]]

[[categories]]
code = \"a\"
name_zh = \"甲\"
name_en = \"A\"

[[categories]]
code = \"b\"
parent = \"a\"
name_zh = \"乙\"
name_en = \"B\"
";

async fn post_toml(app: &TestApp, token: &str, toml: String) -> Response {
    app.client
        .post(app.url("/api/v1/imports/taxonomy"))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_taxonomy_toml_table_refuses_an_unknown_key_and_nothing_is_imported() {
    let app = spawn_app().await;
    let token = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await
        .access_token;
    // The key, and the file with it: at the top, in a chain, in a category.
    let cases = [
        (
            "taxonomy_version",
            format!("taxonomy_version = 2\n{TAXONOMY}"),
        ),
        (
            "sponsor",
            TAXONOMY.replacen("code = \"demo\"\n", "code = \"demo\"\nsponsor = \"x\"\n", 1),
        ),
        (
            "hs_code",
            TAXONOMY.replacen("code = \"b\"\n", "code = \"b\"\nhs_code = \"8482\"\n", 1),
        ),
    ];
    let mut failures = Vec::new();
    for (key, toml) in cases {
        let refused = post_toml(&app, &token, toml).await;
        let status = refused.status();
        let problem_json = refused.headers().get("content-type")
            == Some(&HeaderValue::from_static("application/problem+json"));
        let body: Value = refused.json().await.unwrap_or(Value::Null);
        if status != StatusCode::UNPROCESSABLE_ENTITY
            || !problem_json
            || body["code"] != "import_rejected"
        {
            failures.push(format!(
                "unknown key `{key}`: expected 422 problem+json `import_rejected`, got {status}: \
                 {body}"
            ));
        } else if !body.to_string().contains(key) {
            failures.push(format!("unknown key `{key}` is not named: {body}"));
        }
        let categories = app.store.count_categories().await.unwrap();
        let chains = app.store.list_chains().await.unwrap().len();
        if (categories, chains) != (0, 0) {
            failures.push(format!(
                "a file with unknown key `{key}` stored {categories} categories and {chains} chains"
            ));
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "unknown taxonomy keys that got through:\n{}",
        failures.join("\n")
    );
    let imported = json_with_status(
        post_toml(&app, &token, TAXONOMY.to_owned()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (imported["categories"].as_u64(), imported["chains"].as_u64()),
        (Some(2), Some(1))
    );
}
