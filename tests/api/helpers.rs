//! `spawn_app`: the application on a free port over its own database, and a client for it.

use std::sync::LazyLock;

use peitao_api::{Application, Settings};
use peitao_app::accounts::{NewAdministrator, create_administrator};
use peitao_domain::{
    Email, NewPark, ParkId, ParkKind, ParkLevel, Region, RegionCode, RegionLevel, Role,
};
use peitao_store::Store;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The PostgreSQL server to create test databases on, when the tests run against PostgreSQL.
static POSTGRES_SERVER: LazyLock<Option<String>> = LazyLock::new(|| {
    std::env::var("PEITAO_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
});

/// The signing secret of the test applications, so tests can forge tokens.
pub const TEST_JWT_SECRET: &str = "test-signing-secret-0123456789-abcdefgh";
/// The password of every account the helpers create.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    /// The application's matching engine.
    pub matching: std::sync::Arc<peitao_app::matching::MatchingEngine>,
    /// Stops the server.
    handle: actix_web::dev::ServerHandle,
    database: TestDatabase,
    /// The database URL, for a second application on the same database.
    database_url: String,
}

enum TestDatabase {
    Sqlite(#[expect(dead_code, reason = "held so the folder outlives the test")] tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
    /// Another application's database: the other one drops it.
    Shared,
}

/// Starts the application with the default settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `customise` has adjusted the settings.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, database) = fresh_database().await;
    start(url, database, customise).await
}

/// Starts a second application on `other`'s database, as a second process would run: its own
/// connections, its own matching engine. `other` must outlive it.
pub async fn spawn_beside(other: &TestApp) -> TestApp {
    spawn_beside_with(other, |_| {}).await
}

/// Like [`spawn_beside`], after `customise` has adjusted the settings. `other` may have been
/// stopped: this is how a test restarts the service on the same database.
pub async fn spawn_beside_with(other: &TestApp, customise: impl FnOnce(&mut Settings)) -> TestApp {
    start(other.database_url.clone(), TestDatabase::Shared, customise).await
}

async fn start(
    url: String,
    database: TestDatabase,
    customise: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::defaults().expect("the defaults are valid");
    settings.server.port = 0;
    settings.server.workers = 1;
    settings.server.shutdown_timeout_secs = 1;
    settings.database.url = SecretString::from(url.clone());
    settings.database.max_connections = 5;
    settings.auth.jwt_secret = Some(SecretString::from(TEST_JWT_SECRET));
    // Generous limits, so only the tests about limits ever meet them.
    settings.auth.rate_limit.per_ip = 10_000;
    settings.auth.rate_limit.per_account = 10_000;
    // Most tests seed the few rows they need; the reference tests turn this back on.
    settings.reference.load_on_start = false;
    customise(&mut settings);
    settings.validate().expect("the test settings are valid");

    let app = Application::build(&settings)
        .await
        .expect("the application starts");
    let address = app.base_url();
    let store = app.store().clone();
    let matching = app.matching().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
        matching,
        handle,
        database,
        database_url: url,
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match POSTGRES_SERVER.as_deref() {
        Some(server) => {
            let name = format!("peitao_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(server)
                .await
                .expect("the PostgreSQL server answers");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("a test database can be created");
            admin.close().await.unwrap();
            let url = with_database_name(server, &name);
            (
                url,
                TestDatabase::Postgres {
                    server: server.to_owned(),
                    name,
                },
            )
        }
        None => {
            let folder = tempfile::tempdir().unwrap();
            let url = format!(
                "sqlite://{}?mode=rwc",
                folder.path().join("peitao.db").display()
            );
            (url, TestDatabase::Sqlite(folder))
        }
    }
}

/// Replaces the database name (the last path segment) of a PostgreSQL URL.
pub fn with_database_name(server: &str, name: &str) -> String {
    let (without_query, query) = match server.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (server, None),
    };
    let scheme_end = without_query.find("://").map_or(0, |at| at + 3);
    let base = match without_query[scheme_end..].find('/') {
        Some(slash) => &without_query[..scheme_end + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server, name } = &self.database {
            let (server, name) = (server.clone(), name.clone());
            // Drop runs outside any async context we may block, so a thread of its own does it.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let admin = Database::connect(&server)
                        .await
                        .map_err(std::io::Error::other)?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .map_err(std::io::Error::other)?;
                    admin.close().await.map_err(std::io::Error::other)
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {}", self.database_name());
            }
        }
    }
}

impl TestApp {
    fn database_name(&self) -> &str {
        match &self.database {
            TestDatabase::Postgres { name, .. } => name,
            TestDatabase::Sqlite(_) => "(sqlite)",
            TestDatabase::Shared => "(shared)",
        }
    }

    /// Stops the application as an operator would: the server stops taking requests, then its
    /// connections to the database close, and with them its background tasks (the webhook worker,
    /// the event feed). The database stays for an application started beside it.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
        self.store.clone().close().await.unwrap();
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Seeds a sliver of geography and two parks: Xiangyang high-tech zone in Fancheng (420606)
    /// and Xiantao high-tech zone (429004), plus Beijing for an out-of-province county.
    pub async fn seed_geography(&self) -> Parks {
        let region = |code: &str, name: &str, parent: Option<&str>, level| Region {
            code: RegionCode::parse(code).unwrap(),
            name: name.to_owned(),
            parent_code: parent.map(|code| RegionCode::parse(code).unwrap()),
            level,
            longitude: Some(112.1),
            latitude: Some(32.0),
        };
        self.store
            .insert_regions(&[
                region("110000", "北京市", None, RegionLevel::Province),
                region("110100", "北京市", Some("110000"), RegionLevel::Prefecture),
                region("110108", "海淀区", Some("110100"), RegionLevel::County),
                region("420000", "湖北省", None, RegionLevel::Province),
                region("420600", "襄阳市", Some("420000"), RegionLevel::Prefecture),
                region("420606", "樊城区", Some("420600"), RegionLevel::County),
                region("420607", "襄州区", Some("420600"), RegionLevel::County),
                region("429004", "仙桃市", Some("420000"), RegionLevel::County),
            ])
            .await
            .unwrap();
        let park = |code: &str, region: &str| NewPark {
            code: code.to_owned(),
            name_zh: code.to_owned(),
            name_en: code.to_owned(),
            region_code: RegionCode::parse(region).unwrap(),
            level: ParkLevel::National,
            kind: ParkKind::HighTech,
            lead_industries: vec!["automotive".to_owned()],
            source: "test".to_owned(),
        };
        let xiangyang = self
            .store
            .insert_park(&park("xiangyang_hitech", "420606"))
            .await
            .unwrap();
        let xiantao = self
            .store
            .insert_park(&park("xiantao_hitech", "429004"))
            .await
            .unwrap();
        Parks {
            xiangyang: xiangyang.id,
            xiantao: xiantao.id,
        }
    }

    /// Registers an organisation of `kind` ("lead" or "sme") with its first user.
    pub async fn register(
        &self,
        email: &str,
        kind: &str,
        region: &str,
        park: Option<ParkId>,
    ) -> Account {
        let body = json!({
            "email": email,
            "password": PASSWORD,
            "display_name": "Test User",
            "organization": {
                "name": format!("{email} Co."),
                "kind": kind,
                "region_code": region,
                "park_id": park.map(|park| park.0),
            }
        });
        let response = self.post_json("/api/v1/auth/register", &body).await;
        let body = json_with_status(response, StatusCode::CREATED).await;
        Account {
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
            user_id: body["user"]["id"].as_i64().unwrap(),
            organization_id: body["organization"]["id"].as_i64(),
        }
    }

    /// Creates an administrator the way `peitao user create` does, then signs it in.
    pub async fn administrator(&self, email: &str, role: Role, park: Option<ParkId>) -> Account {
        let created = create_administrator(
            &self.store,
            NewAdministrator {
                email: Email::parse(email).unwrap(),
                display_name: "Admin".to_owned(),
                role,
                park_id: park,
                password: Some(PASSWORD.to_owned()),
            },
        )
        .await
        .unwrap();
        let tokens = self.login(email, PASSWORD).await;
        Account {
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
            user_id: created.user.id.0,
            organization_id: None,
        }
    }

    /// Signs in and returns the token response.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        json_with_status(response, StatusCode::OK).await
    }

    /// Sends a request as the holder of `token`.
    pub async fn send_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.send_as(reqwest::Method::GET, path, token, None).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// The parks `seed_geography` creates.
#[derive(Debug, Clone, Copy)]
pub struct Parks {
    pub xiangyang: ParkId,
    pub xiantao: ParkId,
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: i64,
    pub organization_id: Option<i64>,
}

/// Asserts the status, then reads the body as JSON.
pub async fn json_with_status(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

/// Asserts that the response is a problem document with this status and code, and returns it.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = json_with_status(response, status).await;
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "{body}"
    );
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem without `{field}`: {body}");
    }
    body
}
