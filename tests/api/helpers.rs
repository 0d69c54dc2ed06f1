//! `spawn_app`: the application on a free port over its own database, and a client for it.

use std::sync::LazyLock;

use peitao_api::{Application, Settings};
use peitao_store::Store;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use serde_json::Value;

/// The PostgreSQL server to create test databases on, when the tests run against PostgreSQL.
static POSTGRES_SERVER: LazyLock<Option<String>> =
    LazyLock::new(|| std::env::var("PEITAO_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty()));

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    database: TestDatabase,
}

enum TestDatabase {
    Sqlite(#[expect(dead_code, reason = "held so the folder outlives the test")] tempfile::TempDir),
    Postgres { server: String, name: String },
}

/// Starts the application with the default settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `customise` has adjusted the settings.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, database) = fresh_database().await;
    let mut settings = Settings::defaults().expect("the defaults are valid");
    settings.server.port = 0;
    settings.server.workers = 1;
    settings.server.shutdown_timeout_secs = 1;
    settings.database.url = SecretString::from(url);
    settings.database.max_connections = 5;
    customise(&mut settings);
    settings.validate().expect("the test settings are valid");

    let app = Application::build(&settings).await.expect("the application starts");
    let address = app.base_url();
    let store = app.store().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
        database,
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match POSTGRES_SERVER.as_deref() {
        Some(server) => {
            let name = format!("peitao_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(server).await.expect("the PostgreSQL server answers");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("a test database can be created");
            admin.close().await.unwrap();
            let url = with_database_name(server, &name);
            (url, TestDatabase::Postgres {
                server: server.to_owned(),
                name,
            })
        }
        None => {
            let folder = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", folder.path().join("peitao.db").display());
            (url, TestDatabase::Sqlite(folder))
        }
    }
}

/// Replaces the database name (the last path segment) of a PostgreSQL URL.
fn with_database_name(server: &str, name: &str) -> String {
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
                    let admin = Database::connect(&server).await.map_err(std::io::Error::other)?;
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
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
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
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem without `{field}`: {body}");
    }
    body
}
