//! The safety net behind the error type: any error response that is not already a problem
//! document — one produced by actix itself, such as a payload over the limit on a raw body — is
//! rewritten as `application/problem+json` with the same status and headers. The web console's
//! error pages (HTML) are answers already and pass through.

use actix_web::{
    ResponseError,
    body::MessageBody,
    dev::ServiceResponse,
    error::PayloadError,
    http::header::{CONTENT_LENGTH, CONTENT_TYPE},
    middleware::ErrorHandlerResponse,
};

use crate::{error::ApiError, middleware::body_deadline::is_body_timeout};

const PROBLEM_JSON: &str = "application/problem+json";

/// The handler for `ErrorHandlers::default_handler`.
pub fn problem_fallback<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_answered = res.headers().get(CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        value.starts_with(PROBLEM_JSON.as_bytes()) || value.starts_with(b"text/html")
    });
    if already_answered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let late_body = res
        .response()
        .error()
        .and_then(|err| err.as_error::<PayloadError>())
        .is_some_and(is_body_timeout);
    let detail = match res.response().error() {
        Some(err) if status.is_client_error() => err.to_string(),
        _ => String::new(),
    };
    if status.is_server_error() {
        tracing::error!(%status, cause = ?res.response().error(), "framework error");
    }
    let problem = if late_body {
        ApiError::RequestTimeout
    } else {
        ApiError::Http { status, detail }
    };
    let mut rewritten = problem.error_response();
    for (name, value) in res.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, rewritten)
            .map_into_boxed_body()
            .map_into_right_body(),
    ))
}
