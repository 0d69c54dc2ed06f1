//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the offline docs page.

mod bounds;
pub mod params;
mod responses;
pub mod schemas;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Peitao (配套) API",
        description = "Supply-chain matchmaking between lead enterprises and SME suppliers in a \
                       province: needs, ranked and explained matches, quotes, deals, and the \
                       in-province supporting rate. Errors are application/problem+json with a \
                       stable `code`; money is integer fen; lists return `items` and `next_cursor`.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::LineError)),
    tags(
        (name = "auth", description = "Registration, sign-in, tokens and the signed-in user"),
        (name = "organizations", description = "Lead enterprises and SME suppliers"),
        (name = "needs", description = "What lead enterprises want to source, from draft to fulfilled"),
        (name = "events", description = "What happened that the caller may see: server-sent events or a JSON page"),
        (name = "webhooks", description = "An organisation's endpoints that receive its events, signed as Standard Webhooks; their delivery log and re-sends"),
        (name = "matching", description = "Suppliers ranked for a need and needs ranked for a supplier, each score with its components; why a supplier is excluded"),
        (name = "quotes", description = "SMEs' answers to needs, and the owner's decisions on them"),
        (name = "deals", description = "Awards, and what was delivered"),
        (name = "suppliers", description = "SME profiles: capabilities and certifications"),
        (name = "users", description = "Administrator accounts"),
        (name = "imports", description = "Supplier and taxonomy files (platform administrators)"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "reference", description = "Regions, categories, chains and parks"),
        (name = "statistics", description = "Bills of materials, the in-province supporting rate, the pairing funnel, the overview and the gap list; JSON, CSV and XLSX"),
    )
)]
struct ApiDoc;

/// Declares the bearer scheme that `security(("bearer" = []))` on the routes refers to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The full document: the base above plus every path registered by [`crate::routes::configure`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut openapi) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    responses::add_standard_responses(&mut openapi);
    bounds::bound_integers(&mut openapi);
    openapi
}

/// The interactive page at `/docs/`, its assets compiled into the binary, and the document itself.
pub fn docs_service(openapi: utoipa::openapi::OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, openapi)
}

/// `/docs` without the slash sends the browser to the page.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// Registers the redirect.
pub fn configure_redirect(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs", web::get().to(docs_redirect));
}
