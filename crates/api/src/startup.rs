//! Building and running the HTTP server: connect the store, apply migrations, bind the listener
//! (port 0 picks a free one), then serve until SIGTERM or Ctrl-C, letting requests in flight
//! finish.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use peitao_store::Store;
use utoipa_actix_web::AppExt;

use crate::{
    auth::{rate_limit::AuthRateLimits, tokens::TokenKeys},
    console, extract,
    fallback::{self, RouteTable},
    middleware::{
        body_deadline::{self, BodyTimeout},
        metrics::Metrics,
        problem::problem_fallback,
        request_id, security_headers,
    },
    openapi, routes,
    settings::Settings,
    state::AppState,
};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    // The causes print after these words (`{:#}`), so the words do not repeat them.
    #[error("could not open the database")]
    Database(#[source] peitao_store::StoreError),
    #[error("could not apply migrations")]
    Migrations(#[source] peitao_store::StoreError),
    #[error("could not load reference data")]
    Reference(#[source] peitao_app::AppError),
    #[error("{0}")]
    HomeProvince(String),
    #[error("could not build the matching engine")]
    Matching(#[source] peitao_app::AppError),
    #[error("could not read the outbox")]
    Events(#[source] peitao_app::AppError),
    #[error("could not set up webhook deliveries")]
    Webhooks(#[source] peitao_app::AppError),
    #[error("could not listen on {address}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

/// The key that fingerprints request bodies for idempotency: derived from the JWT secret, so every
/// process agrees, or random when none is configured (development).
fn fingerprint_key(auth: &crate::settings::AuthSettings) -> [u8; 32] {
    use rand::RngCore;
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    match &auth.jwt_secret {
        Some(secret) => {
            let mut hasher = Sha256::new();
            hasher.update(b"peitao idempotency fingerprint\0");
            hasher.update(secret.expose_secret().as_bytes());
            hasher.finalize().into()
        }
        None => {
            let mut key = [0_u8; 32];
            rand::rng().fill_bytes(&mut key);
            key
        }
    }
}

/// Refuses a home province that the stored regions do not know (once any are stored).
async fn check_home_province(store: &Store, settings: &Settings) -> Result<(), StartError> {
    let province = settings.home_province();
    let code = peitao_domain::RegionCode::parse(&format!("{province}0000"))
        .map_err(|err| StartError::HomeProvince(err.to_string()))?;
    if store.count_regions().await.map_err(StartError::Database)? == 0 {
        return Ok(());
    }
    match store.region(&code).await {
        Ok(_) => Ok(()),
        Err(peitao_store::StoreError::NotFound) => Err(StartError::HomeProvince(format!(
            "configuration key `platform.home_province`: no province {code} among the regions"
        ))),
        Err(other) => Err(StartError::Database(other)),
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    host: String,
    port: u16,
    server: Server,
    store: Store,
    matching: Arc<peitao_app::matching::MatchingEngine>,
}

impl Application {
    /// Opens the database, applies pending migrations and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, StartError> {
        let store = Store::connect(&settings.connect_options())
            .await
            .map_err(StartError::Database)?;
        let applied = store.migrate_up().await.map_err(StartError::Migrations)?;
        if applied > 0 {
            tracing::info!(
                applied,
                backend = store.backend().as_str(),
                "applied migrations"
            );
        }
        if settings.reference.load_on_start {
            peitao_app::import::bootstrap::load_reference_data(&store)
                .await
                .map_err(StartError::Reference)?;
        }
        check_home_province(&store, settings).await?;
        Self::build_with_store(settings, store).await
    }

    /// Binds the listener and builds the server over an open, migrated store.
    pub async fn build_with_store(settings: &Settings, store: Store) -> Result<Self, StartError> {
        let started = std::time::Instant::now();
        let matching = peitao_app::matching::MatchingEngine::build(&store, settings.matching())
            .await
            .map_err(StartError::Matching)?;
        let (suppliers, needs) =
            matching.read(|index| (index.supplier_count(), index.need_count()));
        tracing::info!(
            suppliers,
            needs,
            millis = started.elapsed().as_millis(),
            "matching index built"
        );
        matching.spawn_follower(store.clone());
        let events = peitao_app::events::EventFeed::start(
            &store,
            Duration::from_millis(settings.events.gap_patience_millis),
        )
        .await
        .map_err(StartError::Events)?;
        events.spawn(
            store.clone(),
            Duration::from_millis(settings.events.poll_millis),
        );
        let webhook_settings = settings.webhooks();
        let schedule: Duration = webhook_settings.retry_schedule.iter().sum();
        if schedule < Duration::from_secs(24 * 3600) {
            tracing::warn!(
                hours = schedule.as_secs_f64() / 3600.0,
                "webhooks.retry_schedule_secs gives up on a delivery in less than a day"
            );
        }
        let webhooks = peitao_app::webhooks::WebhookService::new(webhook_settings)
            .map_err(StartError::Webhooks)?;
        webhooks.spawn(store.clone(), events.clone());
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
        let state = web::Data::new(AppState {
            store: store.clone(),
            metrics: Arc::new(Metrics::new()),
            home_province: settings.home_province(),
            tokens: TokenKeys::from_settings(&settings.auth),
            auth_limits: AuthRateLimits::new(&settings.auth.rate_limit),
            body_limit: settings.server.body_limit_bytes,
            fingerprint_key: fingerprint_key(&settings.auth),
            matching,
            events,
            webhooks,
        });
        spawn_deadline_task(
            store.clone(),
            Duration::from_secs(settings.needs.deadline_check_secs),
        );
        let engine = state.matching.clone();
        let metrics = web::Data::new(state.metrics.clone());
        let openapi = openapi::document();
        let mut table = RouteTable::from_openapi(&openapi)
            .with_route(openapi::OPENAPI_PATH, &["GET"])
            .with_route("/docs", &["GET"])
            .with_route("/docs/", &["GET"])
            .with_route("/docs/{file}", &["GET"]);
        for (path, methods) in console::ROUTES {
            table = table.with_route(path, methods);
        }
        let route_table = web::Data::new(table);
        let console_state = web::Data::new(console::session::ConsoleState::from_settings(settings));
        let body_limit = settings.server.body_limit_bytes;
        let body_timeout = web::Data::new(BodyTimeout(Duration::from_secs(
            settings.server.body_timeout_secs,
        )));

        let mut server = HttpServer::new(move || {
            // The documentation comes first: the `/api/v1` scope would otherwise claim its path.
            App::new()
                .configure(openapi::configure_redirect)
                .service(openapi::docs_service(openapi.clone()))
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(route_table.clone())
                .app_data(body_timeout.clone())
                .app_data(extract::json_config(body_limit))
                .app_data(extract::payload_config(body_limit))
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .configure(routes::configure)
                .into_app()
                // Pages, not API: outside the OpenAPI document.
                .app_data(console_state.clone())
                .app_data(web::FormConfig::default().limit(body_limit))
                .configure(console::configure)
                .default_service(web::to(fallback::no_route))
                .wrap(middleware::ErrorHandlers::new().default_handler(problem_fallback))
                .wrap(middleware::from_fn(
                    crate::middleware::matching_freshness::catch_up_after_writes,
                ))
                .wrap(middleware::from_fn(body_deadline::body_deadline))
                .wrap(middleware::from_fn(security_headers::security_headers))
                .wrap(middleware::from_fn(
                    crate::middleware::metrics::record_metrics,
                ))
                .wrap(middleware::from_fn(request_id::request_id))
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        // Signals are ours (see `run_until_stopped`), so they are caught from the moment the
        // server says it is listening.
        .disable_signals()
        .client_request_timeout(Duration::from_secs(30))
        .max_connections(settings.server.max_connections_per_worker);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartError::Bind { address, source })?
            .run();
        Ok(Self {
            host: local.ip().to_string(),
            port: local.port(),
            server,
            store,
            matching: engine,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL clients reach the server at.
    pub fn base_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The process's matching engine, for tools and tests that inspect it.
    pub fn matching(&self) -> &Arc<peitao_app::matching::MatchingEngine> {
        &self.matching
    }

    /// The store the server uses, for tools and tests that seed data beside it.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until SIGTERM or SIGINT (Ctrl-C), then lets requests in flight complete (for up to
    /// `server.shutdown_timeout_secs`) before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop = shutdown_signal()?;
        let handle = self.server.handle();
        tokio::spawn(async move {
            let signal = stop.await;
            tracing::info!("{signal} received; finishing requests in flight, then stopping");
            handle.stop(true).await;
        });
        tracing::info!("listening on {}", self.base_url());
        self.server.await
    }
}

/// Moves needs past their response deadline every `every`, whether or not requests arrive. Each
/// move is a guarded update, so several processes on one database never move a need twice.
fn spawn_deadline_task(store: Store, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match peitao_app::needs::pass_deadlines(&store, time::OffsetDateTime::now_utc()).await {
                Ok(0) => {}
                Ok(moved) => tracing::info!(moved, "needs past their deadline moved on"),
                Err(err) => {
                    tracing::warn!(error = %err, "could not move needs past their deadline")
                }
            }
        }
    });
}

/// Registers for SIGTERM and SIGINT now, so a signal that arrives at any later moment is caught;
/// the future resolves with the name of the first one.
fn shutdown_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        })
    }
}
