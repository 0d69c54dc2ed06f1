//! Parameters several operations share, described once: `params(IdPath)` on an operation documents
//! its `{id}` with the range the handler accepts.

use utoipa::IntoParams;

use crate::openapi::schemas;

/// A record id in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    #[param(schema_with = schemas::id)]
    pub id: i64,
}

/// A region code in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RegionCodePath {
    /// Six-digit GB/T 2260 code, such as 420606.
    #[param(schema_with = schemas::region_code)]
    pub code: String,
}

/// A category code in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CategoryCodePath {
    /// Category code, such as auto.body.stamping.
    #[param(schema_with = schemas::category_code)]
    pub code: String,
}

/// The optional `Idempotency-Key` of a creating POST.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    #[param(rename = "Idempotency-Key", schema_with = schemas::idempotency_key)]
    pub idempotency_key: Option<String>,
}
