//! Configuration: `config/default.toml` (compiled in, so the binary runs from any folder), then
//! `config/$PEITAO_ENV.toml`, then environment variables `PEITAO__SECTION__KEY`. Validated once at
//! start; a bad value stops the process with a message that names the key.

use std::{net::IpAddr, path::Path, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use peitao_domain::ProvinceCode;
use peitao_store::{Backend, ConnectOptions};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// The most waits a webhook retry schedule lists.
const MAX_RETRIES: usize = 30;
/// The longest wait between two attempts of a delivery: a week.
const MAX_RETRY_WAIT_SECS: f64 = 604_800.0;

/// Everything Peitao can be told at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub platform: PlatformSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub reference: ReferenceSettings,
    pub needs: NeedSettings,
    pub matching: MatchingSettings,
    pub events: EventSettings,
    pub webhooks: WebhookSettings,
    pub console: ConsoleSettings,
}

/// Webhook endpoints and their deliveries. See `docs/operations.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Let endpoints point at loopback, private and link-local addresses (tests, on-premises
    /// receivers). Off, such a URL is refused at registration and at every delivery.
    pub allow_private_targets: bool,
    /// Whether this process fans events out into deliveries and makes them.
    pub deliver: bool,
    /// How often the worker looks for due deliveries when nothing wakes it, in milliseconds.
    pub poll_millis: u64,
    /// How long one attempt may take, in milliseconds.
    pub timeout_millis: u64,
    /// How long a receiver's host name may take to resolve, in milliseconds.
    pub dns_timeout_millis: u64,
    /// The waits before the second, third… attempt, in seconds; given up after the last.
    pub retry_schedule_secs: Vec<f64>,
    /// Deliveries in a row given up before the endpoint is disabled.
    pub disable_after_failures: u32,
    /// Attempts each process makes at once.
    pub max_in_flight: usize,
}

/// The web console served at `/`: its browser session.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    /// Mark the session cookie `Secure`, so browsers send it over HTTPS only. False only where
    /// the console is reached over plain http on one's own machine.
    pub secure_cookies: bool,
    /// How long a console sign-in lasts, in seconds.
    pub session_ttl_secs: u64,
}

/// The outbox readers: server-sent events and the JSON page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// How often each process looks for new events written by others, in milliseconds.
    pub poll_millis: u64,
    /// How long a hole in the event ids may stay open before it counts as a rolled-back write.
    pub gap_patience_millis: u64,
}

/// The matching engine: the weights of the score's components and how the index follows
/// changes. See `docs/matching.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingSettings {
    /// Only organisations a platform or park administrator verified are matched.
    pub require_verified: bool,
    /// SMEs whose match score for a newly published need reaches this hear of it.
    pub notify_min_score: f64,
    /// How often each process polls the change log, in milliseconds (PostgreSQL also wakes it
    /// with NOTIFY).
    pub poll_millis: u64,
    /// How long a hole in the change log may stay open before it counts as a rolled-back write.
    pub gap_patience_millis: u64,
    pub weights: MatchingWeights,
}

/// The relative weights of the six score components, and the constants of their formulas.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingWeights {
    pub category_fit: f64,
    pub proximity: f64,
    pub capacity: f64,
    pub scorecard: f64,
    pub credentials: f64,
    pub chain_adjacency: f64,
    pub scorecard_prior_mean: f64,
    pub scorecard_prior_weight: f64,
    pub descendant_step: f64,
    pub ancestor_penalty: f64,
    pub same_prefecture: f64,
    pub home_province: f64,
    pub beyond_province: f64,
    pub beyond_province_half_km: f64,
    pub chain_other_lead: f64,
    pub unit_mismatch_coverage: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedSettings {
    /// How often the background task moves needs whose response deadline has passed.
    pub deadline_check_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSettings {
    /// Load the built-in regions, taxonomy and parks into empty tables at start.
    pub load_on_start: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: IpAddr,
    /// 0 asks the system for a free port.
    pub port: u16,
    pub workers: usize,
    pub body_limit_bytes: usize,
    /// How long a request body may take to arrive, from the start of the request.
    pub body_timeout_secs: u64,
    /// The most connections each worker holds open at once; more wait to be accepted.
    pub max_connections_per_worker: usize,
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May carry a password, so it never prints.
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSettings {
    #[serde(deserialize_with = "text_or_number")]
    pub home_province: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    /// The key id written into new tokens' `kid` header.
    pub jwt_kid: String,
    /// The HS256 secret of `jwt_kid`, at least 32 bytes.
    pub jwt_secret: Option<SecretString>,
    /// A retired key that still verifies tokens issued before a rotation.
    pub jwt_previous_kid: Option<String>,
    pub jwt_previous_secret: Option<SecretString>,
    /// Refuse to start without `jwt_secret` (production).
    pub require_jwt_secret: bool,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway_secs: u64,
    pub rate_limit: RateLimitSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub window_secs: u64,
    pub per_ip: u64,
    pub per_account: u64,
    /// Take the client address from the right-most `X-Forwarded-For` entry, the one added by the
    /// proxy in front: only behind exactly one such proxy.
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// Accepts `"42"` or `42`: an environment variable `PEITAO__PLATFORM__HOME_PROVINCE=42` arrives as
/// a number.
fn text_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(u64),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Number(number) => format!("{number:02}"),
    })
}

/// A validation failure of `key`.
fn invalid(key: &'static str, problem: &str) -> Result<(), SettingsError> {
    Err(SettingsError::Invalid {
        key,
        problem: problem.to_owned(),
    })
}

/// A configuration that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {0}")]
    Load(Box<figment::Error>),
    #[error("configuration key `{key}`: {problem}")]
    BadValue { key: String, problem: String },
    #[error("configuration file {0} (named by PEITAO_ENV) does not exist")]
    MissingEnvironmentFile(String),
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: &'static str, problem: String },
}

/// Names the offending key in lower-case dotted form (`server.port`), whatever layer set it.
fn describe_load_error(err: figment::Error) -> SettingsError {
    if err.path.is_empty() {
        return SettingsError::Load(Box::new(err));
    }
    let key = err.path.join(".").to_lowercase();
    let source = err
        .metadata
        .as_ref()
        .map(|metadata| format!(" (set in {})", metadata.name))
        .unwrap_or_default();
    SettingsError::BadValue {
        key,
        problem: format!("{}{source}", err.kind),
    }
}

impl Settings {
    /// Loads the layers from the process environment, reading `config/` under `config_dir`.
    pub fn load(config_dir: &Path) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Ok(environment) = std::env::var("PEITAO_ENV") {
            let file = config_dir.join(format!("{environment}.toml"));
            if !file.is_file() {
                return Err(SettingsError::MissingEnvironmentFile(
                    file.display().to_string(),
                ));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("PEITAO__").split("__"));
        Self::from_figment(figment)
    }

    /// The compiled-in defaults alone, for tests and tools that set every value they care about.
    pub fn defaults() -> Result<Self, SettingsError> {
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)))
    }

    fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let settings: Self = figment.extract().map_err(describe_load_error)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what the types alone cannot.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if Backend::from_url(self.database.url.expose_secret()).is_none() {
            return invalid(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            );
        }
        if self.console.session_ttl_secs == 0 {
            return invalid("console.session_ttl_secs", "must be at least 1");
        }
        if self.database.max_connections == 0 {
            return invalid("database.max_connections", "must be at least 1");
        }
        if self.database.acquire_timeout_secs == 0 {
            return invalid("database.acquire_timeout_secs", "must be at least 1");
        }
        if self.server.body_limit_bytes < 1024 {
            return invalid("server.body_limit_bytes", "must be at least 1024");
        }
        if !(1..=600).contains(&self.server.body_timeout_secs) {
            return invalid("server.body_timeout_secs", "must be 1 to 600");
        }
        if !(1..=3600).contains(&self.needs.deadline_check_secs) {
            return invalid("needs.deadline_check_secs", "must be 1 to 3600");
        }
        if !(0.0..=1.0).contains(&self.matching.notify_min_score) {
            return invalid("matching.notify_min_score", "must be from 0 to 1");
        }
        if !(10..=60_000).contains(&self.events.poll_millis) {
            return invalid("events.poll_millis", "must be 10 to 60000");
        }
        self.validate_webhooks()?;
        if !(10..=60_000).contains(&self.matching.poll_millis) {
            return invalid("matching.poll_millis", "must be 10 to 60000");
        }
        if let Err(err) = self.matching().weights.validate() {
            return invalid("matching.weights", &err.to_string());
        }
        if self.server.max_connections_per_worker == 0 {
            return invalid("server.max_connections_per_worker", "must be at least 1");
        }
        if ProvinceCode::parse(&self.platform.home_province).is_err() {
            return invalid(
                "platform.home_province",
                "must be the two-digit GB/T 2260 province prefix, such as \"42\"",
            );
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_err() {
            return invalid("log.filter", "is not a valid tracing filter");
        }
        self.validate_auth()
    }

    fn validate_webhooks(&self) -> Result<(), SettingsError> {
        let webhooks = &self.webhooks;
        if !(10..=60_000).contains(&webhooks.poll_millis) {
            return invalid("webhooks.poll_millis", "must be 10 to 60000");
        }
        if !(100..=120_000).contains(&webhooks.timeout_millis) {
            return invalid("webhooks.timeout_millis", "must be 100 to 120000");
        }
        if !(100..=30_000).contains(&webhooks.dns_timeout_millis) {
            return invalid("webhooks.dns_timeout_millis", "must be 100 to 30000");
        }
        if webhooks.retry_schedule_secs.is_empty()
            || webhooks.retry_schedule_secs.len() > MAX_RETRIES
            || !webhooks
                .retry_schedule_secs
                .iter()
                .all(|wait| wait.is_finite() && *wait > 0.0 && *wait <= MAX_RETRY_WAIT_SECS)
        {
            return invalid(
                "webhooks.retry_schedule_secs",
                "must list 1 to 30 waits, each more than 0 and at most 604800 seconds (a week)",
            );
        }
        if !(1..=1_000).contains(&webhooks.disable_after_failures) {
            return invalid("webhooks.disable_after_failures", "must be 1 to 1000");
        }
        if !(1..=1_024).contains(&webhooks.max_in_flight) {
            return invalid("webhooks.max_in_flight", "must be 1 to 1024");
        }
        Ok(())
    }

    /// The webhook settings, in the use cases' terms.
    pub fn webhooks(&self) -> peitao_app::webhooks::WebhookSettings {
        let webhooks = &self.webhooks;
        peitao_app::webhooks::WebhookSettings {
            allow_private_targets: webhooks.allow_private_targets,
            deliver: webhooks.deliver,
            poll: Duration::from_millis(webhooks.poll_millis),
            timeout: Duration::from_millis(webhooks.timeout_millis),
            dns_timeout: Duration::from_millis(webhooks.dns_timeout_millis),
            retry_schedule: webhooks
                .retry_schedule_secs
                .iter()
                .map(|wait| Duration::from_secs_f64(wait.clamp(0.0, MAX_RETRY_WAIT_SECS)))
                .collect(),
            disable_after_failures: webhooks.disable_after_failures,
            max_in_flight: webhooks.max_in_flight,
        }
    }

    fn validate_auth(&self) -> Result<(), SettingsError> {
        let auth = &self.auth;
        match &auth.jwt_secret {
            None if auth.require_jwt_secret => {
                return invalid(
                    "auth.jwt_secret",
                    "must be set (PEITAO__AUTH__JWT_SECRET) when auth.require_jwt_secret is true",
                );
            }
            Some(secret) if secret.expose_secret().len() < 32 => {
                return invalid("auth.jwt_secret", "must be at least 32 bytes");
            }
            _ => {}
        }
        match (&auth.jwt_previous_kid, &auth.jwt_previous_secret) {
            (Some(kid), Some(secret)) => {
                if secret.expose_secret().len() < 32 {
                    return invalid("auth.jwt_previous_secret", "must be at least 32 bytes");
                }
                if *kid == auth.jwt_kid {
                    return invalid("auth.jwt_previous_kid", "must differ from auth.jwt_kid");
                }
            }
            (None, None) => {}
            _ => {
                return invalid(
                    "auth.jwt_previous_kid",
                    "and auth.jwt_previous_secret must be set together",
                );
            }
        }
        if auth.jwt_kid.is_empty() {
            return invalid("auth.jwt_kid", "must not be empty");
        }
        if !(60..=86_400).contains(&auth.access_token_ttl_secs) {
            return invalid(
                "auth.access_token_ttl_secs",
                "must be 60 to 86400 (one day)",
            );
        }
        if !(auth.access_token_ttl_secs..=31_536_000).contains(&auth.refresh_token_ttl_secs) {
            return invalid(
                "auth.refresh_token_ttl_secs",
                "must be at least auth.access_token_ttl_secs and at most 31536000 (one year)",
            );
        }
        if auth.leeway_secs > 300 {
            return invalid("auth.leeway_secs", "must be at most 300");
        }
        if auth.rate_limit.window_secs > 86_400 {
            return invalid(
                "auth.rate_limit.window_secs",
                "must be at most 86400 (one day)",
            );
        }
        if auth.rate_limit.window_secs == 0
            || auth.rate_limit.per_ip == 0
            || auth.rate_limit.per_account == 0
        {
            return invalid("auth.rate_limit", "window and limits must be at least 1");
        }
        Ok(())
    }

    /// The home province, already validated.
    /// The matching engine's settings, in its own terms.
    pub fn matching(&self) -> peitao_app::matching::MatchingSettings {
        let w = &self.matching.weights;
        peitao_app::matching::MatchingSettings {
            weights: peitao_matching::Weights {
                category_fit: w.category_fit,
                proximity: w.proximity,
                capacity: w.capacity,
                scorecard: w.scorecard,
                credentials: w.credentials,
                chain_adjacency: w.chain_adjacency,
                scorecard_prior_mean: w.scorecard_prior_mean,
                scorecard_prior_weight: w.scorecard_prior_weight,
                descendant_step: w.descendant_step,
                ancestor_penalty: w.ancestor_penalty,
                same_prefecture: w.same_prefecture,
                home_province: w.home_province,
                beyond_province: w.beyond_province,
                beyond_province_half_km: w.beyond_province_half_km,
                chain_other_lead: w.chain_other_lead,
                unit_mismatch_coverage: w.unit_mismatch_coverage,
            },
            require_verified: self.matching.require_verified,
            notify_min_score: self.matching.notify_min_score,
            home_province: self.home_province(),
            poll: std::time::Duration::from_millis(self.matching.poll_millis.max(10)),
            gap_patience: std::time::Duration::from_millis(self.matching.gap_patience_millis),
        }
    }

    pub fn home_province(&self) -> ProvinceCode {
        ProvinceCode::parse(&self.platform.home_province).unwrap_or(ProvinceCode::HUBEI)
    }

    /// How the store should connect.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            url: self.database.url.expose_secret().to_owned(),
            max_connections: self.database.max_connections,
            acquire_timeout: Duration::from_secs(self.database.acquire_timeout_secs),
            sqlite_busy_timeout: Duration::from_millis(self.database.sqlite_busy_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<T: serde::Serialize>(key: &str, value: T) -> Result<Settings, SettingsError> {
        Settings::from_figment(
            Figment::from(Toml::string(DEFAULTS))
                .merge(figment::providers::Serialized::default(key, value)),
        )
    }

    #[test]
    fn the_defaults_are_valid_and_embedded_sqlite() {
        let settings = Settings::defaults().unwrap();
        assert_eq!(settings.server.port, 8080);
        assert_eq!(
            Backend::from_url(settings.database.url.expose_secret()),
            Some(Backend::Sqlite)
        );
    }

    #[test]
    fn a_bad_port_names_its_key() {
        let message = with("server.port", "eighty").unwrap_err().to_string();
        assert!(message.contains("server.port"), "{message}");
    }

    #[test]
    fn an_unknown_database_names_its_key() {
        let message = with("database.url", "mysql://root@localhost/peitao")
            .unwrap_err()
            .to_string();
        assert!(message.contains("database.url"), "{message}");
    }

    #[test]
    fn weights_that_would_rank_outsiders_first_are_refused() {
        let message = with("matching.weights.beyond_province", 0.9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("matching.weights"), "{message}");
        let message = with("matching.weights.proximity", -1.0)
            .unwrap_err()
            .to_string();
        assert!(message.contains("matching.weights"), "{message}");
        assert!(with("matching.weights.credentials", 0.0).is_ok());
    }

    #[test]
    fn a_bad_home_province_names_its_key() {
        let message = with("platform.home_province", "Hubei")
            .unwrap_err()
            .to_string();
        assert!(message.contains("platform.home_province"), "{message}");
    }

    #[test]
    fn a_missing_jwt_secret_stops_a_production_start() {
        let message = Settings::from_figment(Figment::from(Toml::string(DEFAULTS)).merge(
            Toml::string(include_str!("../../../config/production.toml")),
        ))
        .unwrap_err()
        .to_string();
        assert!(message.contains("auth.jwt_secret"), "{message}");
    }

    #[test]
    fn a_home_province_may_arrive_as_a_number() {
        let settings = Settings::from_figment(Figment::from(Toml::string(DEFAULTS)).merge(
            figment::providers::Serialized::default("platform.home_province", 43),
        ))
        .unwrap();
        assert_eq!(settings.home_province().as_str(), "43");
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        let message = with("auth.refresh_token_ttl_secs", "1000000000000")
            .unwrap_err()
            .to_string();
        assert!(message.contains("auth.refresh_token_ttl_secs"), "{message}");
        assert!(with("auth.leeway_secs", "3600").is_err());
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let message = with("auth.jwt_secret", "too-short")
            .unwrap_err()
            .to_string();
        assert!(message.contains("auth.jwt_secret"), "{message}");
    }

    #[test]
    fn the_jwt_secret_never_prints() {
        let settings = with("auth.jwt_secret", "a-very-long-signing-secret-0123456789").unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("a-very-long-signing-secret"), "{printed}");
    }

    #[test]
    fn webhook_settings_are_bounded_and_the_default_schedule_spans_a_day() {
        let settings = Settings::defaults().unwrap();
        assert!(!settings.webhooks.allow_private_targets);
        let span: std::time::Duration = settings.webhooks().retry_schedule.iter().sum();
        assert!(
            span >= std::time::Duration::from_secs(24 * 3600),
            "{span:?}"
        );
        for (key, value) in [
            ("webhooks.retry_schedule_secs", serde_json::json!([])),
            ("webhooks.retry_schedule_secs", serde_json::json!([5, -1])),
            ("webhooks.timeout_millis", serde_json::json!(0)),
            ("webhooks.disable_after_failures", serde_json::json!(0)),
        ] {
            let message = with(key, value).unwrap_err().to_string();
            assert!(message.contains(key), "{message}");
        }
        assert!(
            with(
                "webhooks.retry_schedule_secs",
                serde_json::json!([0.05, 0.1])
            )
            .is_ok()
        );
    }

    #[test]
    fn the_database_password_never_prints() {
        let settings = with("database.url", "postgres://peitao:hunter2-secret@db/peitao").unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2-secret"), "{printed}");
    }
}
