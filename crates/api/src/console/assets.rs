//! The console's static files, compiled into the binary so it works offline and behind a
//! firewall: htmx and Apache ECharts (vendored from their npm packages, licences beside them in
//! `assets/`), the console's own script and style sheet. Pages link them with a content hash in
//! the query, so they may be cached for a year.

use std::{collections::HashMap, sync::LazyLock};

use actix_web::{HttpResponse, http::header, web};

use crate::auth::tokens::sha256_hex;

/// An embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

const ASSETS: &[Asset] = &[
    Asset {
        name: "htmx-2.0.11.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../../assets/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "echarts-6.1.0.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../../assets/echarts-6.1.0.min.js"),
    },
    Asset {
        name: "console.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("../../assets/console.js"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/console.css"),
    },
];

/// Each file's versioned URL.
static URLS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let hash = sha256_hex(asset.bytes);
            (
                asset.name,
                format!("/assets/{}?v={}", asset.name, &hash[..12]),
            )
        })
        .collect()
});

/// The versioned URL of the embedded file `name`.
pub fn url(name: &str) -> Option<String> {
    URLS.get(name).cloned()
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{file}", web::get().to(serve));
}

async fn serve(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|asset| asset.name == file.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.bytes),
        None => actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound(
            format!("no asset {}", peitao_domain::shown(&file)),
        )),
    }
}
