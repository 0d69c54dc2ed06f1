//! Black-box tests over HTTP: each test starts the real application on port 0 with a fresh
//! database — a temporary SQLite file, or a new PostgreSQL database when
//! `PEITAO_TEST_DATABASE_URL` names a server — and talks to it as a client would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

mod auth;
mod authz;
mod cli;
mod console;
mod console_pages;
mod credentials;
mod demo;
mod directory;
mod errors;
mod events;
mod health;
mod helpers;
mod idempotency;
mod imports;
mod journey;
mod matching;
mod migrations;
mod needs;
mod openapi;
mod organizations;
mod probe;
mod quotes;
mod reference;
mod reference_data;
mod sessions;
mod sites;
mod statistics;
mod suppliers;
mod tokens;
mod unknown_fields;
mod verification;
mod webhooks;
