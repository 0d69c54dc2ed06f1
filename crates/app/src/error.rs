//! The one error type of the use cases: what went wrong, in words for the person who asked, and
//! classified so the API can give each kind its one status and code.

use peitao_domain::DomainError;
use peitao_store::StoreError;

use crate::import::ImportErrors;

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A value breaks a rule (422).
    #[error("{0}")]
    Invalid(String),
    /// No such record, or one the caller may not see (404).
    #[error("{0}")]
    NotFound(String),
    /// A webhook URL whose host is, or resolves to, an address deliveries may not reach, or does
    /// not resolve (422, its own code).
    #[error("{0}")]
    RefusedTarget(String),
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
    /// An imported file has problems, every one with its line; nothing was stored (422).
    #[error("the file was rejected and nothing was stored: {0}")]
    Import(ImportErrors),
    /// Every worker of a bounded pool (password hashing) stayed busy too long (503).
    #[error("the server is busy; try again shortly")]
    Busy,
    /// A fault of Peitao's own, such as a built-in file that does not parse; the cause is for the
    /// log, never for the client (500).
    #[error("internal error: {0}")]
    Internal(String),
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

/// Says what a store's `NotFound` means to the caller; every other store error maps as usual.
pub trait OrNotFound<T> {
    /// A missing `what` is [`AppError::NotFound`]: "`what` does not exist".
    fn or_not_found(self, what: impl std::fmt::Display) -> Result<T, AppError>;
    /// A missing `what` the request referred to is [`AppError::Invalid`].
    fn or_invalid(self, what: impl std::fmt::Display) -> Result<T, AppError>;
}

impl<T> OrNotFound<T> for Result<T, StoreError> {
    fn or_not_found(self, what: impl std::fmt::Display) -> Result<T, AppError> {
        self.map_err(|err| match err {
            StoreError::NotFound => AppError::not_found(what),
            other => other.into(),
        })
    }

    fn or_invalid(self, what: impl std::fmt::Display) -> Result<T, AppError> {
        self.map_err(|err| match err {
            StoreError::NotFound => AppError::Invalid(format!("{what} does not exist")),
            other => other.into(),
        })
    }
}
