//! Routes, one module a resource; each registers its handlers through `configure`.

pub mod health;
pub mod pagination;
pub mod reference;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every documented route. Anything registered here appears in `openapi.json`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure)
        .service(scope("/api/v1").configure(reference::configure));
}
