//! The one HTTP error type. Every failure a client sees is `application/problem+json` (RFC 9457)
//! with a stable snake_case `code`; each variant maps to exactly one status and code here.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use peitao_domain::DomainError;
use peitao_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` plus `code` for Peitao's own.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What exactly was wrong with this request.
    pub detail: String,
    /// A stable snake_case code a client can branch on.
    pub code: String,
    /// For a rejected file: every problem with its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<LineError>>,
}

/// One problem in an uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineError {
    pub line: Option<u64>,
    pub message: String,
}

/// The answer of an operation closed to some roles: `403 forbidden`. Operations name it in their
/// `responses(…)` instead of writing the status out each time.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "Signed in, but this role may not do this (or not to this record)",
    content_type = "application/problem+json"
)]
#[expect(
    dead_code,
    reason = "the type describes an answer in the document; none is built"
)]
pub struct Forbidden(#[to_schema] Problem);

/// The answer of an operation refused by the record's state: `409` (`invalid_transition`,
/// `version_conflict`, `conflict`).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 409,
    description = "The record's state, version or a unique value refuses the change",
    content_type = "application/problem+json"
)]
#[expect(
    dead_code,
    reason = "the type describes an answer in the document; none is built"
)]
pub struct Conflicting(#[to_schema] Problem);

/// An error as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body did not arrive in time; the connection is closed")]
    RequestTimeout,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    WebhookTargetRefused(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the record was changed by someone else; it is now at version {current}")]
    StaleVersion { current: i32 },
    #[error("{0}")]
    NotFound(String),
    #[error("{method} is not allowed here; allowed: {}", allowed.join(", "))]
    MethodNotAllowed {
        method: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("the file was rejected and nothing was stored: {0}")]
    Import(peitao_app::import::ImportErrors),
    #[error("a request with this Idempotency-Key is still being served; retry shortly")]
    IdempotencyInProgress,
    #[error(
        "this Idempotency-Key was used for a different request; use a new key for a new request"
    )]
    IdempotencyKeyReused,
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("an internal error occurred; it has been logged")]
    Internal,
    /// An error produced outside Peitao's handlers (by the framework), kept at its status.
    #[error("{}", if detail.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { detail.clone() })]
    Http { status: StatusCode, detail: String },
}

impl ApiError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::InvalidJson(_) => "invalid_json",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RequestTimeout => "request_timeout",
            Self::Validation(_) => "validation_failed",
            Self::WebhookTargetRefused(_) => "webhook_target_refused",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::StaleVersion { .. } => "version_conflict",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::InvalidTransition(_) => "invalid_transition",
            Self::Import(_) => "import_rejected",
            Self::IdempotencyInProgress => "idempotency_key_in_use",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::Unavailable => "service_unavailable",
            Self::Busy => "server_busy",
            Self::Internal => "internal_error",
            Self::Http { status, .. } => match status.as_u16() {
                400 => "bad_request",
                401 => "unauthorized",
                403 => "forbidden",
                404 => "not_found",
                405 => "method_not_allowed",
                408 => "request_timeout",
                413 => "payload_too_large",
                415 => "unsupported_media_type",
                429 => "too_many_requests",
                503 => "service_unavailable",
                500..=599 => "internal_error",
                _ => "http_error",
            },
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::InvalidJson(_) => "Malformed JSON body",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::PayloadTooLarge { .. } => "Request body too large",
            Self::RequestTimeout => "Request timeout",
            Self::Validation(_) => "Invalid value",
            Self::WebhookTargetRefused(_) => "Webhook target refused",
            Self::Unauthorized(_) => "Authentication required",
            Self::Forbidden(_) => "Forbidden",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::StaleVersion { .. } => "Version conflict",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Conflict(_) => "Conflict",
            Self::InvalidTransition(_) => "Invalid transition",
            Self::Import(_) => "File rejected",
            Self::IdempotencyInProgress => "Request in progress",
            Self::IdempotencyKeyReused => "Idempotency key reused",
            Self::Unavailable => "Service unavailable",
            Self::Busy => "Server busy",
            Self::Internal => "Internal server error",
            Self::Http { status, .. } => status.canonical_reason().unwrap_or("Error"),
        }
    }

    /// A `not_found` error naming what was looked for.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} does not exist"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::InvalidJson(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Validation(_) | Self::WebhookTargetRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::StaleVersion { .. } => StatusCode::CONFLICT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::InvalidTransition(_) => StatusCode::CONFLICT,
            Self::Import(_) | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::IdempotencyInProgress => StatusCode::CONFLICT,
            Self::Unavailable | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Http { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let problem = Problem {
            problem_type: "about:blank".to_owned(),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail: bounded(self.to_string()),
            code: self.code().to_owned(),
            errors: match self {
                Self::Import(errors) => Some(
                    errors
                        .0
                        .iter()
                        .map(|error| LineError {
                            line: error.line,
                            message: error.message.clone(),
                        })
                        .collect(),
                ),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            Self::Unavailable | Self::Busy => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::RequestTimeout => {
                response.force_close();
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.json(problem)
    }
}

/// The most characters of `detail` a problem carries: messages quote values through
/// `peitao_domain::shown`, and this cut is the safety net for those that come from elsewhere
/// (a parser's message that repeats a 20,000-character field name).
const MAX_DETAIL_CHARS: usize = 500;

fn bounded(detail: String) -> String {
    match detail.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((cut, _)) => format!("{}…", &detail[..cut]),
        None => detail,
    }
}

/// Says what a store's `NotFound` means to the caller; every other store error maps as usual.
pub trait OrNotFound<T> {
    /// A missing `what` answers 404 `not_found`: "`what` does not exist".
    fn or_not_found(self, what: impl std::fmt::Display) -> Result<T, ApiError>;
    /// A missing `what` the request referred to answers 422 `validation_failed`.
    fn or_invalid(self, what: impl std::fmt::Display) -> Result<T, ApiError>;
}

impl<T> OrNotFound<T> for Result<T, StoreError> {
    fn or_not_found(self, what: impl std::fmt::Display) -> Result<T, ApiError> {
        self.map_err(|err| match err {
            StoreError::NotFound => ApiError::not_found(what),
            other => other.into(),
        })
    }

    fn or_invalid(self, what: impl std::fmt::Display) -> Result<T, ApiError> {
        self.map_err(|err| match err {
            StoreError::NotFound => ApiError::Validation(format!("{what} does not exist")),
            other => other.into(),
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound("the requested record does not exist".into()),
            StoreError::Conflict(_) => {
                Self::Conflict("a record with the same unique value exists already".into())
            }
            StoreError::StaleVersion { current } => Self::StaleVersion { current },
            StoreError::MissingReference(_) => {
                Self::Validation("the request refers to a record that does not exist".into())
            }
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Self::Unavailable
            }
            other => {
                tracing::error!(error = %other, cause = ?std::error::Error::source(&other), "store error");
                Self::Internal
            }
        }
    }
}

impl From<peitao_app::AppError> for ApiError {
    fn from(err: peitao_app::AppError) -> Self {
        use peitao_app::AppError;
        match err {
            AppError::Invalid(detail) => Self::Validation(detail),
            AppError::RefusedTarget(detail) => Self::WebhookTargetRefused(detail),
            AppError::NotFound(detail) => Self::NotFound(detail),
            AppError::Forbidden(detail) => Self::Forbidden(detail),
            AppError::InvalidTransition(detail) => Self::InvalidTransition(detail),
            AppError::Conflict(detail) => Self::Conflict(detail),
            AppError::StaleVersion { current } => Self::StaleVersion { current },
            AppError::Import(errors) => Self::Import(errors),
            AppError::Busy => Self::Busy,
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Self::Internal
            }
            AppError::Store(err) => err.into(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        Self::Validation(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    fn body_of(err: &ApiError) -> serde_json::Value {
        let bytes = err.error_response().into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn every_error_is_a_problem_with_its_status_and_code() {
        let err = ApiError::not_found("region 429999");
        let body = body_of(&err);
        assert_eq!(body["status"], 404);
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["detail"], "region 429999 does not exist");
        assert_eq!(body["type"], "about:blank");
    }

    #[test]
    fn method_not_allowed_lists_the_allowed_methods() {
        let err = ApiError::MethodNotAllowed {
            method: "DELETE".into(),
            allowed: vec!["GET".into(), "PATCH".into()],
        };
        let response = err.error_response();
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET, PATCH");
    }

    #[test]
    fn store_causes_never_reach_the_client() {
        let err = ApiError::from(StoreError::Corrupt("row 7 has level `village`".into()));
        assert_eq!(
            body_of(&err)["detail"],
            "an internal error occurred; it has been logged"
        );
    }

    #[test]
    fn a_detail_never_repeats_more_than_a_bounded_excerpt() {
        let err = ApiError::BadRequest(format!("unknown field `{}`", "x".repeat(20_000)));
        let detail = body_of(&err)["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.chars().count() <= MAX_DETAIL_CHARS + 1,
            "{}",
            detail.len()
        );
    }

    #[test]
    fn a_unique_violation_is_a_conflict() {
        let err = ApiError::from(StoreError::Conflict("users_email_key".into()));
        assert_eq!(err.status_code(), StatusCode::CONFLICT);
        assert_eq!(err.code(), "conflict");
    }
}
