//! The one error type of the use cases: what went wrong, in words for the person who asked, and
//! classified so the API can give each kind its one status and code.

use peitao_domain::DomainError;
use peitao_store::StoreError;

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A value breaks a rule (422).
    #[error("{0}")]
    Invalid(String),
    /// No such record, or one the caller may not see (404).
    #[error("{0}")]
    NotFound(String),
    /// The caller's role may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The record's state forbids the change: `detail` names the state and the allowed moves (409).
    #[error("{0}")]
    InvalidTransition(String),
    /// The request conflicts with what is stored, such as a second live quote (409).
    #[error("{0}")]
    Conflict(String),
    /// The version sent is not the current one (409).
    #[error("the record was changed by someone else; it is now at version {current}")]
    StaleVersion { current: i32 },
    /// The store failed; the API classifies it.
    #[error(transparent)]
    Store(StoreError),
}

impl AppError {
    /// A `NotFound` naming what was looked for.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} does not exist"))
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::StaleVersion { current } => Self::StaleVersion { current },
            other => Self::Store(other),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        Self::Invalid(err.to_string())
    }
}
