//! How request bodies, paths and queries are read: size limits and parse failures become problem
//! documents that say what was wrong.

use actix_web::{
    FromRequest, HttpMessage, HttpRequest,
    dev::Payload,
    error::{JsonPayloadError, PathError, QueryPayloadError},
    web,
};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::{error::ApiError, middleware::body_deadline::is_body_timeout};

/// JSON bodies: at most `limit` bytes. [`Json`] checks the media type before this reads the body.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .error_handler(move |err, _req| json_error(err, limit).into())
}

/// A JSON request body, as `web::Json` reads it, but only when sent as `application/json` (UTF-8):
/// `text/json`, `+json` types and other charsets answer `415 unsupported_media_type`, as the
/// API's documentation says.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The deserialised body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let sent_as_json = matches!(req.mime_type(), Ok(Some(mime)) if is_json(&mime));
        if !sent_as_json {
            return Box::pin(std::future::ready(Err(json_error(
                JsonPayloadError::ContentType,
                0,
            )
            .into())));
        }
        let body = web::Json::<T>::from_request(req, payload);
        Box::pin(async move { Ok(Self(body.await?.into_inner())) })
    }
}

/// `application/json`, with no charset or `charset=utf-8`; not `text/json`, not `+json` types.
fn is_json(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && mime.subtype() == mime::JSON
        && mime.suffix().is_none()
        && mime
            .get_param(mime::CHARSET)
            .is_none_or(|charset| charset == mime::UTF_8)
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
            "the request body must be JSON, sent with Content-Type: application/json (UTF-8)"
                .into(),
        ),
        JsonPayloadError::Payload(payload) if is_body_timeout(&payload) => ApiError::RequestTimeout,
        JsonPayloadError::Deserialize(inner) => {
            ApiError::InvalidJson(format!("the JSON body is not valid: {inner}"))
        }
        other => ApiError::InvalidJson(format!("the JSON body could not be read: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_application_json_in_utf8_is_json() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
        ] {
            assert!(is_json(&accepted.parse().unwrap()), "{accepted}");
        }
        for refused in [
            "text/json",
            "application/json; charset=latin1",
            "application/json;charset=iso-8859-1",
            "application/problem+json",
            "application/merge-patch+json",
            "text/plain",
        ] {
            assert!(!is_json(&refused.parse().unwrap()), "{refused}");
        }
    }
}
