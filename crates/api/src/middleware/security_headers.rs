//! Headers every answer carries so browsers and caches treat it safely: `nosniff` everywhere,
//! `Cache-Control: no-store` on the API (its answers carry tokens, generated passwords and tenants'
//! data), and on the documentation page and the console's pages a content-security policy that
//! also forbids framing.

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};

/// The policy of the documentation page: its own scripts and styles only (Swagger UI styles some
/// elements inline), images from itself or data URIs, never inside another site's frame.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                           img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                           base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of the web console: nothing but its own files — no inline script or style, no
/// other origin, forms posted only to itself.
const CONSOLE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                              img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                              base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The middleware function, for `actix_web::middleware::from_fn`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let policy = if path == "/docs" || path.starts_with("/docs/") {
        Some(DOCS_POLICY)
    } else if !path.starts_with("/api/") {
        Some(CONSOLE_POLICY)
    } else {
        None
    };
    if let Some(policy) = policy {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(response)
}
