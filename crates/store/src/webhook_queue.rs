//! The webhook queue that `webhook_fan_out` fills. Workers claim due deliveries under a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a guarded update on SQLite), so one attempt is made by
//! one of them, and record each attempt; an endpoint whose deliveries keep failing is disabled, and
//! its organisation told by an event written in the same transaction.

use std::collections::HashMap;

use peitao_domain::{
    DeliveryStatus, EventKind, OrganizationId, WebhookDeliveryId, WebhookEndpointId,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query},
};
use serde_json::json;
use time::OffsetDateTime;

use crate::{
    Backend, Event, Store, StoreError,
    entity::{events, webhook_deliveries, webhook_endpoints},
    events::{NewEvent, write_event},
    webhooks::disabling,
};

/// A claimed delivery: everything needed to make the attempt.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub delivery: WebhookDeliveryId,
    pub endpoint: WebhookEndpointId,
    pub organization: OrganizationId,
    pub url: String,
    /// `whsec_…`.
    pub secret: String,
    pub event: Event,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// How an attempt ended, and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed; the next attempt is due then.
    RetryAt { at: OffsetDateTime, error: String },
    /// It failed, and the schedule is spent.
    GaveUp { error: String },
    /// The receiver answered `410 Gone`: it wants no more, so the endpoint is disabled now.
    Gone { error: String },
}

/// One attempt, as the worker saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub at: OffsetDateTime,
    /// The receiver's status, when it answered.
    pub status_code: Option<u16>,
    pub outcome: AttemptOutcome,
}

/// What recording an attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Done,
    /// The endpoint was disabled by this attempt, and `webhook.disabled` written.
    EndpointDisabled,
    /// The delivery is no longer the worker's — its lease passed and another took it, or its
    /// endpoint was deleted: nothing was recorded.
    LeaseLost,
}

impl Store {
    /// Claims up to `limit` due deliveries of enabled endpoints for `worker` until `lease_until`:
    /// no other worker takes them before then. A worker that dies mid-attempt leaves its lease
    /// to run out, and the delivery is claimed again.
    pub async fn claim_webhook_deliveries(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        let due = Condition::all()
            .add(webhook_deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .add(webhook_deliveries::Column::NextAttemptAt.lte(now))
            .add(
                Condition::any()
                    .add(webhook_deliveries::Column::ClaimedUntil.is_null())
                    .add(webhook_deliveries::Column::ClaimedUntil.lt(now)),
            )
            .add(
                webhook_deliveries::Column::EndpointId.in_subquery(
                    Query::select()
                        .column(webhook_endpoints::Column::Id)
                        .from(webhook_endpoints::Entity)
                        .and_where(webhook_endpoints::Column::Enabled.eq(true))
                        .to_owned(),
                ),
            );
        let candidates = webhook_deliveries::Entity::find()
            .select_only()
            .column(webhook_deliveries::Column::Id)
            .filter(due.clone())
            .order_by_asc(webhook_deliveries::Column::NextAttemptAt)
            .order_by_asc(webhook_deliveries::Column::Id)
            .limit(limit);
        let lease = |query: sea_orm::UpdateMany<webhook_deliveries::Entity>| {
            query
                .col_expr(
                    webhook_deliveries::Column::ClaimedUntil,
                    Expr::value(lease_until),
                )
                .col_expr(
                    webhook_deliveries::Column::ClaimedBy,
                    Expr::value(worker.to_owned()),
                )
        };
        let claimed: Vec<i64> = match self.backend {
            Backend::Postgres => {
                let txn = self.begin_write().await?;
                let ids: Vec<i64> = candidates
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                    .into_tuple()
                    .all(&txn)
                    .await?;
                if !ids.is_empty() {
                    lease(webhook_deliveries::Entity::update_many())
                        .filter(webhook_deliveries::Column::Id.is_in(ids.clone()))
                        .exec(&txn)
                        .await?;
                }
                txn.commit().await?;
                ids
            }
            Backend::Sqlite => {
                let ids: Vec<i64> = candidates.into_tuple().all(&self.db).await?;
                let mut won = Vec::with_capacity(ids.len());
                for id in ids {
                    // Whoever updates first holds it; the loser's update matches no row.
                    let taken = lease(webhook_deliveries::Entity::update_many())
                        .filter(webhook_deliveries::Column::Id.eq(id))
                        .filter(due.clone())
                        .exec(&self.db)
                        .await?;
                    if taken.rows_affected == 1 {
                        won.push(id);
                    }
                }
                won
            }
        };
        self.delivery_jobs(&claimed).await
    }

    async fn delivery_jobs(&self, ids: &[i64]) -> Result<Vec<DeliveryJob>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let deliveries = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(webhook_deliveries::Column::Id)
            .all(&self.db)
            .await?;
        let endpoints: HashMap<i64, webhook_endpoints::Model> = webhook_endpoints::Entity::find()
            .filter(
                webhook_endpoints::Column::Id
                    .is_in(deliveries.iter().map(|delivery| delivery.endpoint_id)),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|endpoint| (endpoint.id, endpoint))
            .collect();
        let events: HashMap<i64, events::Model> = events::Entity::find()
            .filter(events::Column::Id.is_in(deliveries.iter().map(|delivery| delivery.event_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|event| (event.id, event))
            .collect();
        deliveries
            .into_iter()
            .filter_map(|delivery| {
                // An endpoint deleted since the claim took its deliveries with it.
                let endpoint = endpoints.get(&delivery.endpoint_id)?;
                let event = events.get(&delivery.event_id)?;
                Some((delivery, endpoint, event))
            })
            .map(|(delivery, endpoint, event)| {
                Ok(DeliveryJob {
                    delivery: WebhookDeliveryId(delivery.id),
                    endpoint: WebhookEndpointId(endpoint.id),
                    organization: OrganizationId(endpoint.organization_id),
                    url: endpoint.url.clone(),
                    secret: endpoint.secret.clone(),
                    event: Event {
                        id: event.id,
                        kind: event.kind.clone(),
                        occurred_at: event.occurred_at,
                        payload: serde_json::from_str(&event.payload)
                            .map_err(|err| StoreError::Corrupt(err.to_string()))?,
                    },
                    attempts: u32::try_from(delivery.attempts).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Records an attempt of `worker`'s, if it still holds the delivery. A success clears the
    /// endpoint's run of failures; a delivery given up adds to it, and the run reaching
    /// `disable_after` disables the endpoint — as does `410 Gone` at once — with a
    /// `webhook.disabled` event to its organisation, all in one transaction.
    pub async fn record_webhook_attempt(
        &self,
        worker: &str,
        job: &DeliveryJob,
        record: &AttemptRecord,
        disable_after: u32,
    ) -> Result<Recorded, StoreError> {
        let (status, next, error) = match &record.outcome {
            AttemptOutcome::Delivered => (DeliveryStatus::Delivered, None, None),
            AttemptOutcome::RetryAt { at, error } => {
                (DeliveryStatus::Pending, Some(*at), Some(error.clone()))
            }
            AttemptOutcome::GaveUp { error } | AttemptOutcome::Gone { error } => {
                (DeliveryStatus::Failed, None, Some(error.clone()))
            }
        };
        let txn = self.begin_write().await?;
        let mut update = webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(
                webhook_deliveries::Column::Attempts,
                Expr::col(webhook_deliveries::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_deliveries::Column::LastAttemptAt,
                Expr::value(record.at),
            )
            .col_expr(
                webhook_deliveries::Column::LastStatusCode,
                Expr::value(record.status_code.map(i32::from)),
            )
            .col_expr(
                webhook_deliveries::Column::LastError,
                Expr::value(error.map(|error| bounded(&error))),
            )
            .col_expr(
                webhook_deliveries::Column::ClaimedUntil,
                Expr::value(Option::<OffsetDateTime>::None),
            )
            .col_expr(
                webhook_deliveries::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_deliveries::Column::UpdatedAt,
                Expr::value(record.at),
            );
        if let Some(next) = next {
            update = update.col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(next));
        }
        if status == DeliveryStatus::Delivered {
            update = update.col_expr(
                webhook_deliveries::Column::DeliveredAt,
                Expr::value(record.at),
            );
        }
        let recorded = update
            .filter(webhook_deliveries::Column::Id.eq(job.delivery.0))
            .filter(webhook_deliveries::Column::ClaimedBy.eq(worker))
            .exec(&txn)
            .await?;
        if recorded.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(Recorded::LeaseLost);
        }
        let endpoint = webhook_endpoints::Column::Id.eq(job.endpoint.0);
        let disable = match &record.outcome {
            AttemptOutcome::Delivered => {
                webhook_endpoints::Entity::update_many()
                    .col_expr(
                        webhook_endpoints::Column::ConsecutiveFailures,
                        Expr::value(0),
                    )
                    .filter(endpoint)
                    .filter(webhook_endpoints::Column::ConsecutiveFailures.ne(0))
                    .exec(&txn)
                    .await?;
                None
            }
            AttemptOutcome::RetryAt { .. } => None,
            AttemptOutcome::GaveUp { .. } | AttemptOutcome::Gone { .. } => {
                webhook_endpoints::Entity::update_many()
                    .col_expr(
                        webhook_endpoints::Column::ConsecutiveFailures,
                        Expr::col(webhook_endpoints::Column::ConsecutiveFailures).add(1),
                    )
                    .filter(endpoint.clone())
                    .exec(&txn)
                    .await?;
                let failures = webhook_endpoints::Entity::find()
                    .select_only()
                    .column(webhook_endpoints::Column::ConsecutiveFailures)
                    .filter(endpoint)
                    .into_tuple::<i32>()
                    .one(&txn)
                    .await?
                    .unwrap_or(0);
                let failures = u32::try_from(failures).unwrap_or(0);
                match &record.outcome {
                    AttemptOutcome::Gone { .. } => Some((
                        failures,
                        format!(
                            "the receiver answered 410 Gone to delivery {}",
                            job.delivery
                        ),
                    )),
                    _ if failures >= disable_after => Some((
                        failures,
                        format!("{failures} deliveries in a row failed every attempt"),
                    )),
                    _ => None,
                }
            }
        };
        let mut outcome = Recorded::Done;
        if let Some((failures, reason)) = disable {
            let disabled = disabling(webhook_endpoints::Entity::update_many(), record.at, &reason)
                .col_expr(
                    webhook_endpoints::Column::Version,
                    Expr::col(webhook_endpoints::Column::Version).add(1),
                )
                .col_expr(webhook_endpoints::Column::UpdatedAt, Expr::value(record.at))
                .filter(webhook_endpoints::Column::Id.eq(job.endpoint.0))
                .filter(webhook_endpoints::Column::Enabled.eq(true))
                .exec(&txn)
                .await?;
            if disabled.rows_affected == 1 {
                write_event(
                    &txn,
                    NewEvent {
                        kind: EventKind::WebhookDisabled,
                        payload: json!({
                            "webhook_id": job.endpoint.0,
                            "url": job.url,
                            "reason": reason,
                            "consecutive_failures": failures,
                            "last_delivery_id": job.delivery.0,
                            "disabled_at": record
                                .at
                                .format(&time::format_description::well_known::Rfc3339)
                                .ok(),
                        }),
                        audience: vec![job.organization.0],
                        park: None,
                    },
                )
                .await?;
                outcome = Recorded::EndpointDisabled;
            }
        }
        txn.commit().await?;
        Ok(outcome)
    }
}

/// The most characters of an error a delivery keeps (the column holds 500).
const MAX_ERROR_CHARS: usize = 480;

fn bounded(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}
