//! Peitao's HTTP API: actix-web routes, the error type every failure becomes, request ids,
//! metrics, configuration and the OpenAPI document; and the web console served at `/`.

pub mod auth;
pub mod console;
pub mod error;
pub mod export;
pub mod extract;
pub mod fallback;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod whole;

pub use settings::Settings;
pub use startup::Application;
