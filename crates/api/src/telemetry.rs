//! Logging: `tracing` to standard error, as text for people or JSON for collectors.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

use crate::settings::{LogFormat, LogSettings};

/// actix's HTTP/1 layer logs every request it cannot parse — a 100,000-character URI, a made-up
/// protocol — at ERROR, with the client's input in the message. Those are the client's faults,
/// answered with a 400 before Peitao sees them, so they are not logged unless a filter asks for
/// this target by name.
const QUIET_CLIENT_ERRORS: &str = "actix_http::h1::dispatcher=off";

/// The filter: `RUST_LOG` when set, else the configured one; both keep actix's parse errors quiet
/// unless they name its target themselves.
fn filter_for(configured: &str) -> EnvFilter {
    let directives = std::env::var(EnvFilter::DEFAULT_ENV)
        .ok()
        .filter(|directives| EnvFilter::try_new(directives).is_ok())
        .unwrap_or_else(|| configured.to_owned());
    let directives = if directives.contains("actix_http") {
        directives
    } else {
        format!("{directives},{QUIET_CLIENT_ERRORS}")
    };
    EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber. `RUST_LOG`, when set, overrides the configured filter.
/// Calling it twice is harmless: the second call changes nothing.
pub fn init(settings: &LogSettings) {
    let filter = filter_for(&settings.filter);
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // An error here means a subscriber is already installed, which is fine.
    let _ = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
