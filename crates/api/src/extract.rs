//! How request bodies, paths and queries are read: size limits and parse failures become problem
//! documents that say what was wrong.

use actix_web::{
    error::{JsonPayloadError, PathError, QueryPayloadError},
    web,
};

use crate::error::ApiError;

/// JSON bodies: at most `limit` bytes, `application/json` only.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| json_error(err, limit).into())
}

/// Raw bodies share the JSON limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Query strings: unknown or malformed parameters are a 400 naming the parameter.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match err {
            QueryPayloadError::Deserialize(inner) => format!("invalid query string: {inner}"),
            other => format!("invalid query string: {other}"),
        };
        ApiError::BadRequest(detail).into()
    })
}

/// Path segments that do not parse (a word where an id belongs) are a 400.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let detail = match err {
            PathError::Deserialize(inner) => format!("invalid path parameter: {inner}"),
            other => format!("invalid path parameter: {other}"),
        };
        ApiError::BadRequest(detail).into()
    })
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "the request body must be JSON, sent with Content-Type: application/json".into(),
        ),
        JsonPayloadError::Deserialize(inner) => {
            ApiError::InvalidJson(format!("the JSON body is not valid: {inner}"))
        }
        other => ApiError::InvalidJson(format!("the JSON body could not be read: {other}")),
    }
}
