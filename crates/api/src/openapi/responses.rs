//! The error answers every operation documents without writing them out by hand: derived from
//! what the operation takes, so a route added later lists them too.
//!
//! - a request body: 400 (malformed JSON, an unknown field, a missing body), 413 (over the size
//!   limit), 415 (not `application/json`, or the media type the operation names), 422 (a value
//!   that breaks a rule);
//! - path or query parameters: 400 (a value that does not parse, an unknown parameter); a path
//!   parameter also 404 (no such record, or another tenant's);
//! - a bearer token: 401;
//! - an `Idempotency-Key` header: 400 (a malformed key), 409 (the first request with the key is
//!   still running), 422 (the key was used for another request);
//! - every API operation: 500 and 503 (the database unavailable).
//!
//! Answers that depend on who calls (403), on stored state (409) or on limits (429) are written on
//! the operation itself.

use utoipa::openapi::{
    OpenApi, Ref, RefOr, ResponseBuilder,
    path::{Operation, ParameterIn},
};

use crate::middleware::idempotency::IDEMPOTENCY_KEY;

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

fn add(operation: &mut Operation, status: u16, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem(description));
}

fn has_parameter(
    operation: &Operation,
    test: impl Fn(&utoipa::openapi::path::Parameter) -> bool,
) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| match parameter {
            RefOr::T(parameter) => test(parameter),
            RefOr::Ref(_) => false,
        })
}

/// Adds the derived error answers to every operation of `openapi`.
pub fn add_standard_responses(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.request_body.is_some() {
                add(
                    operation,
                    400,
                    "The body is malformed JSON, has an unknown field or lacks a required one",
                );
                add(operation, 413, "The body is larger than the limit");
                add(
                    operation,
                    415,
                    "The body is not of the media type this operation takes",
                );
                add(
                    operation,
                    422,
                    "A value breaks a rule; `detail` says which and why",
                );
            }
            let path_parameter = has_parameter(operation, |p| p.parameter_in == ParameterIn::Path);
            let query_parameter =
                has_parameter(operation, |p| p.parameter_in == ParameterIn::Query);
            if path_parameter || query_parameter {
                add(operation, 400, "A parameter does not parse, or is unknown");
            }
            if path_parameter {
                add(
                    operation,
                    404,
                    "No such record, or one that is not yours to see",
                );
            }
            if operation
                .security
                .as_ref()
                .is_some_and(|security| !security.is_empty())
            {
                add(
                    operation,
                    401,
                    "The access token is missing, malformed, expired or revoked",
                );
            }
            if has_parameter(operation, |p| {
                p.parameter_in == ParameterIn::Header
                    && p.name.eq_ignore_ascii_case(IDEMPOTENCY_KEY.as_str())
            }) {
                add(operation, 400, "The Idempotency-Key is malformed");
                add(
                    operation,
                    409,
                    "The first request with this Idempotency-Key is still being served",
                );
                add(
                    operation,
                    422,
                    "This Idempotency-Key was used for a different request",
                );
            }
            if api {
                add(operation, 500, "An internal error; it has been logged");
                add(
                    operation,
                    503,
                    "The database is unavailable; retry after `Retry-After` seconds",
                );
            }
        }
    }
}
