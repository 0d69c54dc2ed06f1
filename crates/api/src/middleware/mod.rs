//! Middleware wrapped around every request: request ids with their tracing span, and metrics.

pub mod metrics;
pub mod request_id;
