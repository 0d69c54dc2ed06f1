//! Logging: `tracing` to standard error, as text for people or JSON for collectors.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

use crate::settings::{LogFormat, LogSettings};

/// Targets of other crates that log someone else's fault at ERROR, silenced unless a filter names
/// their crate:
/// - actix's HTTP/1 layer logs every request it cannot parse — a 100,000-character URI, a made-up
///   protocol — with the client's input in the message. Those are answered with a 400 before
///   Peitao sees them.
/// - rustls's platform verifier logs every webhook receiver whose certificate does not verify. The
///   failure is the receiver's, and its delivery log already says what it was.
const QUIET_TARGETS: [(&str, &str); 2] = [
    ("actix_http", "actix_http::h1::dispatcher=off"),
    ("rustls_platform_verifier", "rustls_platform_verifier=off"),
];

/// The filter: `RUST_LOG` when set, else the configured one; both keep the targets above quiet
/// unless they name their crate themselves.
fn filter_for(configured: &str) -> EnvFilter {
    let mut directives = std::env::var(EnvFilter::DEFAULT_ENV)
        .ok()
        .filter(|directives| EnvFilter::try_new(directives).is_ok())
        .unwrap_or_else(|| configured.to_owned());
    for (krate, quiet) in QUIET_TARGETS {
        if !directives.contains(krate) {
            directives = format!("{directives},{quiet}");
        }
    }
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
