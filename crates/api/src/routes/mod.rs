//! Routes, one module a resource; each registers its handlers through `configure`.

pub mod auth;
pub mod boms;
pub mod chains;
pub mod credentials;
pub mod directory;
pub mod events;
pub mod health;
pub mod imports;
pub mod matching;
pub mod me;
pub mod needs;
pub mod organizations;
pub mod pagination;
pub mod quotes;
pub mod reference;
pub mod sites;
pub mod stats;
pub mod suppliers;
pub mod users;
pub mod views;
pub mod webhooks;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every documented route. Anything registered here appears in `openapi.json`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure).service(
        scope("/api/v1")
            .configure(auth::configure)
            .configure(me::configure)
            .configure(organizations::configure)
            .configure(matching::configure)
            .configure(events::configure)
            .configure(webhooks::configure)
            .configure(needs::configure)
            .configure(quotes::configure)
            .configure(sites::configure)
            .configure(directory::configure)
            .configure(credentials::configure)
            .configure(suppliers::configure)
            .configure(users::configure)
            .configure(reference::configure)
            .configure(chains::configure)
            .configure(stats::configure)
            .configure(boms::configure)
            .configure(imports::configure),
    );
}
