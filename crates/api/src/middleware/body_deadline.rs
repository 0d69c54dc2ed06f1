//! A deadline on reading a request body. actix bounds how long the request head may take, but not
//! the body: a client trickling one byte every ten seconds would hold its connection, and a file
//! handle, for ever. Here every request's body must have arrived within `server.body_timeout_secs`
//! of the request starting; a handler still reading after that gets an error, the client gets
//! `408 request_timeout`, and the connection is closed.

use std::{io, time::Duration};

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    middleware::Next,
    web,
};
use futures_util::{StreamExt, stream};
use tokio::time::Instant;

/// How long a request body may take to arrive, registered as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// The message of the I/O error a late body becomes; the extractors' error handlers recognise it.
pub const BODY_TIMEOUT_MESSAGE: &str = "the request body did not arrive in time";

/// Whether a payload error is the deadline passing.
pub fn is_body_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut)
}

/// The middleware function, for `actix_web::middleware::from_fn`.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(BodyTimeout(timeout)) = req
        .app_data::<web::Data<BodyTimeout>>()
        .map(|t| *t.get_ref())
    {
        let deadline = Instant::now() + timeout;
        let payload = req.take_payload();
        let limited = stream::unfold(Some(payload), move |payload| async move {
            let mut payload = payload?;
            match tokio::time::timeout_at(deadline, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(payload))),
                Ok(None) => None,
                // The error ends the stream: nothing more is read from this client.
                Err(_) => Some((
                    Err(PayloadError::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        BODY_TIMEOUT_MESSAGE,
                    ))),
                    None,
                )),
            }
        });
        req.set_payload(Payload::Stream {
            payload: Box::pin(limited),
        });
    }
    next.call(req).await
}
