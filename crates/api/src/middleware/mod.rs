//! Middleware wrapped around every request: request ids with their tracing span, metrics, and
//! the rewrite of any stray error body into a problem document.

pub mod idempotency;
pub mod metrics;
pub mod problem;
pub mod request_id;
