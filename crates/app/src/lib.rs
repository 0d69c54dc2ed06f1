//! Peitao's use cases. Each is a function over the store (and, later, the matching engine) that the
//! HTTP handlers and the command line both call; a use case that changes state does it in one store
//! transaction, with its history row. Nothing here knows HTTP: failures are [`AppError`], which the
//! API turns into problem documents in one place.

pub mod accounts;
pub mod boms;
pub mod credentials;
pub mod demo;
pub mod error;
pub mod events;
mod hashing_pool;
pub mod import;
pub mod matching;
pub mod needs;
pub mod organizations;
pub mod passwords;
pub mod quotes;
pub mod sites;
pub mod stats;
pub mod suppliers;
pub mod synthetic;
pub mod webhooks;

pub use error::AppError;
