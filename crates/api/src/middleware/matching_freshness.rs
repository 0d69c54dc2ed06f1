//! Read-your-writes for the matching engine and the event feed: after a request that may have
//! changed data succeeds, the process's engine catches up with the change log and its event feed
//! with the outbox before the answer leaves, so the writer's next query already ranks with its
//! change and listeners hear of it at once. Other processes follow on their own
//! (see `peitao_app::matching`).

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web,
};

use crate::state::AppState;

/// The middleware function, for `actix_web::middleware::from_fn`.
pub async fn catch_up_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if writes
        && response.status().is_success()
        && let Some(state) = state
    {
        // The followers retry within a poll; the write itself stands.
        if let Err(err) = state.matching.catch_up(&state.store).await {
            tracing::warn!(error = %err, "matching engine could not catch up after a write");
        }
        if let Err(err) = state.events.refresh(&state.store).await {
            tracing::warn!(error = %err, "event feed could not catch up after a write");
        }
    }
    Ok(response)
}
