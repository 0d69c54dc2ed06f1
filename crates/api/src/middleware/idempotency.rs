//! `Idempotency-Key` on creating requests: a signed-in client that sends a POST with a key gets,
//! on any retry with the same key and body within 24 hours, the first answer again (marked
//! `Idempotent-Replayed: true`) instead of a second record. The same key with another body is
//! refused (422), and a retry while the first is still running waits its turn (409).
//!
//! Routes opt in one by one (`wrap = "…idempotency"` on the handler); the `/auth/` routes never do,
//! since their answers carry tokens. Keys are scoped to the user. Answers that a retry should not
//! repeat — 5xx, 401, 403, 408, 409 and 429 — are not kept. A handler whose answer holds a one-time
//! secret hands over a [`ReplayBody`] without it. Bodies are compared by an HMAC, never stored, so a
//! password in a body cannot be guessed from the table.

use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{
        Method, StatusCode,
        header::{self, HeaderName, HeaderValue},
    },
    middleware::Next,
    web::{self, Bytes, BytesMut},
};
use futures_util::StreamExt;
use peitao_store::{Claim, IdempotentRequest, StoredResponse};

use crate::{
    auth::{bearer_token, tokens::hex_of},
    error::ApiError,
    state::AppState,
};

/// What a handler wants stored for replays instead of the body it sent, when that body holds a
/// secret shown only once (a generated password).
#[derive(Debug, Clone)]
pub struct ReplayBody(pub String);

/// The request header carrying the key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// What a key may be: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// The response header marking a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The middleware function, for `actix_web::middleware::from_fn`.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let applies = req.method() == Method::POST && req.headers().contains_key(&IDEMPOTENCY_KEY);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (true, Some(state)) = (applies, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match req
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .filter(|key| is_acceptable_key(key))
    {
        Some(key) => key.to_owned(),
        None => {
            return Ok(req.error_response(ApiError::BadRequest(
                "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID".into(),
            )));
        }
    };
    // Without a valid token the handler answers 401; there is no one to scope the key to.
    let Some(user_id) =
        bearer_token(req.headers()).and_then(|token| state.tokens.verify(&token).ok())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let scope = format!("user:{user_id}");

    let body = match read_body(&mut req, state.body_limit).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err)),
    };
    let request_hash = fingerprint(&state.fingerprint_key, &body);
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let claim = state
        .store
        .claim_idempotency_key(&IdempotentRequest {
            scope: &scope,
            key: &key,
            method: &method,
            path: &path,
            request_hash: &request_hash,
        })
        .await;
    match claim {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Replay(stored)) => return Ok(replay(req, &stored)),
        Ok(Claim::InProgress) => return Ok(req.error_response(ApiError::IdempotencyInProgress)),
        Ok(Claim::Mismatch) => return Ok(req.error_response(ApiError::IdempotencyKeyReused)),
        Err(err) => return Ok(req.error_response(ApiError::from(err))),
    }
    req.set_payload(Payload::from(body));

    let release = |state: web::Data<AppState>, scope: String, key: String| async move {
        if let Err(err) = state.store.release_idempotency_key(&scope, &key).await {
            tracing::warn!(error = %err, "could not release an idempotency key");
        }
    };
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(err) => {
            release(state, scope, key).await;
            return Err(err);
        }
    };
    if !worth_keeping(response.status()) {
        release(state, scope, key).await;
        return Ok(response.map_into_boxed_body());
    }
    let (http_req, response) = response.into_parts();
    let replay_body = response.extensions().get::<ReplayBody>().cloned();
    let (response, body) = response.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(body).await else {
        release(state, scope, key).await;
        return Ok(ServiceResponse::new(
            http_req,
            ApiError::Internal.error_response(),
        ));
    };
    let stored = StoredResponse {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: replay_body.map_or_else(
            || String::from_utf8_lossy(&bytes).into_owned(),
            |replay| replay.0,
        ),
    };
    record(&state, &scope, &key, &stored).await;
    Ok(ServiceResponse::new(
        http_req,
        response.set_body(bytes).map_into_boxed_body(),
    ))
}

/// Stores the answer, trying a few times: a key left without one is treated as abandoned after
/// [`peitao_store::PENDING_LIFETIME`], when a retry runs the request again.
async fn record(state: &AppState, scope: &str, key: &str, stored: &StoredResponse) {
    for attempt in 1..=3_u64 {
        match state.store.finish_idempotency_key(scope, key, stored).await {
            Ok(()) => return,
            Err(err) if attempt == 3 => {
                tracing::error!(error = %err, "could not store an idempotent answer");
            }
            Err(err) => {
                tracing::warn!(error = %err, attempt, "storing an idempotent answer failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
            }
        }
    }
}

/// HMAC-SHA-256 of the body under the server's key, hex-encoded.
fn fingerprint(key: &[u8; 32], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    match <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(body);
            hex_of(&mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length, so this is never reached; keyed SHA-256 would do.
        Err(_) => {
            use sha2::Digest;
            hex_of(
                &sha2::Sha256::new()
                    .chain_update(key)
                    .chain_update(body)
                    .finalize(),
            )
        }
    }
}

/// Whether `key` matches [`IDEMPOTENCY_KEY_PATTERN`].
fn is_acceptable_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

fn worth_keeping(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error() && ![401, 403, 408, 409, 429].contains(&status.as_u16()))
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|err| ApiError::BadRequest(format!("the body could not be read: {err}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn replay(req: ServiceRequest, stored: &StoredResponse) -> ServiceResponse<BoxBody> {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = actix_web::HttpResponse::build(status);
    if let Some(content_type) = &stored.content_type {
        response.content_type(content_type.as_str());
    }
    response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    req.into_response(response.body(stored.body.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_a_retry_should_repeat_are_kept() {
        assert!(worth_keeping(StatusCode::CREATED));
        assert!(worth_keeping(StatusCode::UNPROCESSABLE_ENTITY));
        for status in [401, 403, 408, 409, 429, 500, 503] {
            assert!(
                !worth_keeping(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }

    #[test]
    fn bodies_are_fingerprinted_under_the_server_key_not_plainly_hashed() {
        let body = br#"{"password":"Summer2026!secret"}"#;
        let one = fingerprint(&[1; 32], body);
        assert_eq!(one, fingerprint(&[1; 32], body));
        assert_ne!(one, fingerprint(&[2; 32], body));
        assert_ne!(one, crate::auth::tokens::sha256_hex(body));
    }

    #[test]
    fn keys_are_short_visible_text() {
        assert!(is_acceptable_key("3f7c2b1e-8d4a-4c1b-9e2f-0a1b2c3d4e5f"));
        assert!(!is_acceptable_key(""));
        assert!(!is_acceptable_key("with space"));
        assert!(!is_acceptable_key(&"k".repeat(256)));
    }

    #[test]
    fn the_published_pattern_agrees_with_the_check() {
        let pattern = regex::Regex::new(IDEMPOTENCY_KEY_PATTERN).unwrap();
        let longest = "k".repeat(255);
        let longer = "k".repeat(256);
        for key in [
            "",
            "a",
            "0d7c-uuid",
            "with space",
            "tab\t",
            "é",
            "~!",
            &longest,
            &longer,
        ] {
            assert_eq!(pattern.is_match(key), is_acceptable_key(key), "{key:?}");
        }
    }
}
