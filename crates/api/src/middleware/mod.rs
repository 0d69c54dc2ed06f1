//! Middleware wrapped around every request: request ids with their tracing span, metrics, a
//! deadline on request bodies, security headers, and the rewrite of any stray error body into a
//! problem document.

pub mod body_deadline;
pub mod idempotency;
pub mod matching_freshness;
pub mod metrics;
pub mod problem;
pub mod request_id;
pub mod security_headers;
