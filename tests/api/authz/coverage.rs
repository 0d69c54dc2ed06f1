//! The matrix is tied to the OpenAPI document: an operation the document lists must be a matrix
//! row or be exempt here with its reason, and a row or an exemption must name a real operation.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use super::matrix::matrix;
use crate::helpers::{TestApp, json_with_status, spawn_app};

/// An operation the matrix leaves out, the reason, and the tests that cover it instead.
struct Exempt {
    method: &'static str,
    path: &'static str,
    reason: &'static str,
    /// The test file, relative to the workspace root, that covers the operation.
    covered_by: &'static str,
}

/// The sign-in routes identify the caller by what the body carries — credentials or a refresh
/// token — never by a bearer token, so there is no role to vary: every caller may try them.
const EXEMPT: [Exempt; 4] = [
    Exempt {
        method: "POST",
        path: "/api/v1/auth/register",
        reason: "open to anyone: it creates the account it is called for",
        covered_by: "tests/api/auth.rs",
    },
    Exempt {
        method: "POST",
        path: "/api/v1/auth/login",
        reason: "open to anyone: the e-mail and password in the body are the authorisation",
        covered_by: "tests/api/auth.rs",
    },
    Exempt {
        method: "POST",
        path: "/api/v1/auth/refresh",
        reason: "open to anyone: the refresh token in the body is the authorisation",
        covered_by: "tests/api/sessions.rs",
    },
    Exempt {
        method: "POST",
        path: "/api/v1/auth/logout",
        reason: "open to anyone: holding the refresh token is enough to revoke its family",
        covered_by: "tests/api/sessions.rs",
    },
];

/// The operations of the served OpenAPI document, as `METHOD path`.
async fn documented_operations(app: &TestApp) -> BTreeSet<String> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let document = json_with_status(app.get("/api/v1/openapi.json").await, StatusCode::OK).await;
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_documented_operation_is_a_matrix_row_or_exempt() {
    let app = spawn_app().await;
    let documented = documented_operations(&app).await;
    let rows: BTreeSet<String> = matrix()
        .iter()
        .map(|case| format!("{} {}", case.method, case.template))
        .collect();
    let exempt: BTreeSet<String> = EXEMPT
        .iter()
        .map(|exempt| format!("{} {}", exempt.method, exempt.path))
        .collect();

    let mut failures = Vec::new();
    for operation in &documented {
        if !rows.contains(operation) && !exempt.contains(operation) {
            failures.push(format!(
                "{operation} is in openapi.json but neither a matrix row nor exempt: add a row \
                 saying what every actor gets"
            ));
        }
    }
    for operation in rows.union(&exempt) {
        if !documented.contains(operation) {
            failures.push(format!(
                "{operation} is in the matrix or exempt but not in openapi.json"
            ));
        }
    }
    for operation in rows.intersection(&exempt) {
        failures.push(format!("{operation} is both a matrix row and exempt"));
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for exempt in &EXEMPT {
        assert!(!exempt.reason.is_empty());
        if !root.join(exempt.covered_by).is_file() {
            failures.push(format!(
                "{} {} is said to be covered by {}, which does not exist",
                exempt.method, exempt.path, exempt.covered_by
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the matrix and the OpenAPI document disagree:\n{}",
        failures.join("\n")
    );
}
