//! What every handler can reach: the store, the metrics and the platform's settings.

use std::sync::Arc;

use peitao_domain::ProvinceCode;
use peitao_store::Store;

use crate::middleware::metrics::Metrics;

/// Shared application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub home_province: ProvinceCode,
}
