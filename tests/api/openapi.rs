use reqwest::StatusCode;

use crate::helpers::{json_with_status, spawn_app};

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_route() {
    let app = spawn_app().await;
    let document = json_with_status(app.get("/api/v1/openapi.json").await, StatusCode::OK).await;
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/api/v1/regions", "get"),
        ("/api/v1/regions/{code}", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories/{code}", "get"),
        ("/api/v1/parks", "get"),
        ("/api/v1/chains", "get"),
        ("/api/v1/chains/{id}/graph", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/organizations/{id}", "get"),
        ("/api/v1/organizations/{id}", "patch"),
        ("/api/v1/users", "post"),
        ("/api/v1/imports/suppliers", "post"),
        ("/api/v1/imports/taxonomy", "post"),
        ("/api/v1/suppliers/{id}", "get"),
        ("/api/v1/suppliers/me/capabilities", "get"),
        ("/api/v1/suppliers/me/certifications", "get"),
        ("/api/v1/suppliers/me/capabilities", "put"),
        ("/api/v1/suppliers/me/certifications", "post"),
        ("/api/v1/suppliers/me/certifications/{id}", "delete"),
        ("/api/v1/suppliers", "get"),
        ("/api/v1/suppliers/me/sites", "get"),
        ("/api/v1/suppliers/me/sites", "post"),
        ("/api/v1/suppliers/me/sites/{id}", "delete"),
        ("/api/v1/needs", "post"),
        ("/api/v1/needs", "get"),
        ("/api/v1/needs/{id}", "get"),
        ("/api/v1/needs/{id}", "patch"),
        ("/api/v1/needs/{id}/publish", "post"),
        ("/api/v1/needs/{id}/close", "post"),
        ("/api/v1/needs/{id}/cancel", "post"),
        ("/api/v1/needs/{id}/history", "get"),
        ("/api/v1/needs/{id}/quotes", "post"),
        ("/api/v1/needs/{id}/quotes", "get"),
        ("/api/v1/suppliers/me/quotes", "get"),
        ("/api/v1/quotes/{id}/withdraw", "post"),
        ("/api/v1/quotes/{id}/shortlist", "post"),
        ("/api/v1/quotes/{id}/reject", "post"),
        ("/api/v1/needs/{id}/awards", "post"),
        ("/api/v1/deals", "get"),
        ("/api/v1/deals/{id}", "get"),
        ("/api/v1/deals/{id}/fulfilment", "post"),
        ("/api/v1/suppliers/me/credentials", "get"),
        ("/api/v1/suppliers/me/credentials", "post"),
        ("/api/v1/suppliers/me/credentials/{id}", "delete"),
        ("/api/v1/organizations/{id}/verification", "post"),
        ("/api/v1/organizations/{id}/history", "get"),
        ("/api/v1/users/{id}/disable", "post"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks/{id}", "get"),
        ("/api/v1/webhooks/{id}", "patch"),
        ("/api/v1/webhooks/{id}", "delete"),
        ("/api/v1/webhooks/{id}/deliveries", "get"),
        (
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
            "post",
        ),
    ] {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path} is missing from openapi.json"
        );
    }
    assert!(document["components"]["schemas"]["Problem"].is_object());
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer",
        "signed-in routes name the bearer scheme"
    );
    let operations: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        operations, 73,
        "a route was added or removed: update this test and the matrix in tests/api/authz/matrix.rs"
    );
}

#[tokio::test]
async fn the_docs_page_is_served_by_the_binary() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");

    let script = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(
        script.status(),
        StatusCode::OK,
        "the assets come from the binary, not a CDN"
    );
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
}
