//! Fanning the outbox out into webhook deliveries, past a cursor kept in `webhook_dispatch`: the
//! cursor's advance and the deliveries it makes share one transaction, so an event is fanned out
//! exactly once, whichever process does it and whenever a process dies.

use std::collections::HashMap;

use peitao_domain::{DeliveryStatus, EventKind};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{event_audience, events, webhook_deliveries, webhook_dispatch, webhook_endpoints},
    webhooks::event_types_from_json,
};

/// The row of `webhook_dispatch`.
const DISPATCH_ROW: i32 = 1;

/// What one fan-out did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FanOut {
    /// Events read past the cursor.
    pub events: usize,
    /// Deliveries made of them.
    pub deliveries: usize,
    /// The cursor afterwards.
    pub cursor: i64,
}

impl Store {
    /// The id of the last event fanned out.
    pub async fn webhook_dispatch_cursor(&self) -> Result<i64, StoreError> {
        Ok(webhook_dispatch::Entity::find_by_id(DISPATCH_ROW)
            .one(&self.db)
            .await?
            .map_or(0, |row| row.last_event_id))
    }

    /// Fans out the events after the cursor and not after `through` (at most `max_events` of
    /// them): one pending delivery per enabled endpoint of an organisation in the event's
    /// audience that subscribes to its kind and existed before it. `through` must be a point
    /// below which no event is still being committed (the reader's watermark). Another process
    /// that moved the cursor first wins; this one then does nothing.
    pub async fn fan_out_webhooks(
        &self,
        through: i64,
        max_events: u64,
    ) -> Result<FanOut, StoreError> {
        let cursor = self.webhook_dispatch_cursor().await?;
        if cursor >= through {
            return Ok(FanOut {
                cursor,
                ..FanOut::default()
            });
        }
        let batch: Vec<(i64, String)> = events::Entity::find()
            .select_only()
            .column(events::Column::Id)
            .column(events::Column::Kind)
            .filter(events::Column::Id.gt(cursor))
            .filter(events::Column::Id.lte(through))
            .order_by_asc(events::Column::Id)
            .limit(max_events)
            .into_tuple()
            .all(&self.db)
            .await?;
        // Ids missing below `through` are transactions that rolled back: pass them too.
        let until = match batch.last() {
            Some((last, _)) if u64::try_from(batch.len()).unwrap_or(u64::MAX) >= max_events => {
                *last
            }
            _ => through,
        };
        let kinds: HashMap<i64, EventKind> = batch
            .iter()
            .map(|(id, kind)| Ok((*id, EventKind::parse(kind)?)))
            .collect::<Result<_, StoreError>>()?;

        let txn = self.begin_write().await?;
        // First, so that on SQLite this transaction takes the write lock before it reads.
        let moved = webhook_dispatch::Entity::update_many()
            .col_expr(webhook_dispatch::Column::LastEventId, Expr::value(until))
            .filter(webhook_dispatch::Column::Id.eq(DISPATCH_ROW))
            .filter(webhook_dispatch::Column::LastEventId.eq(cursor))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(FanOut {
                cursor: self.webhook_dispatch_cursor().await?,
                ..FanOut::default()
            });
        }
        let audience = Query::select()
            .column((event_audience::Entity, event_audience::Column::EventId))
            .column((webhook_endpoints::Entity, webhook_endpoints::Column::Id))
            .column((
                webhook_endpoints::Entity,
                webhook_endpoints::Column::EventTypes,
            ))
            .from(event_audience::Entity)
            .inner_join(
                webhook_endpoints::Entity,
                Expr::col((
                    webhook_endpoints::Entity,
                    webhook_endpoints::Column::OrganizationId,
                ))
                .equals((
                    event_audience::Entity,
                    event_audience::Column::OrganizationId,
                )),
            )
            .and_where(
                Expr::col((event_audience::Entity, event_audience::Column::EventId)).gt(cursor),
            )
            .and_where(
                Expr::col((event_audience::Entity, event_audience::Column::EventId)).lte(until),
            )
            .and_where(
                Expr::col((
                    webhook_endpoints::Entity,
                    webhook_endpoints::Column::Enabled,
                ))
                .eq(true),
            )
            .and_where(
                Expr::col((
                    webhook_endpoints::Entity,
                    webhook_endpoints::Column::SinceEventId,
                ))
                .lt(Expr::col((
                    event_audience::Entity,
                    event_audience::Column::EventId,
                ))),
            )
            .order_by(
                (event_audience::Entity, event_audience::Column::EventId),
                sea_orm::Order::Asc,
            )
            .to_owned();
        let now = OffsetDateTime::now_utc();
        let mut deliveries = Vec::new();
        for row in txn.query_all(&audience).await? {
            let event: i64 = row.try_get_by_index(0)?;
            let endpoint: i64 = row.try_get_by_index(1)?;
            let types: String = row.try_get_by_index(2)?;
            let Some(kind) = kinds.get(&event) else {
                continue;
            };
            if event_types_from_json(&types)?.contains(*kind) {
                deliveries.push(webhook_deliveries::ActiveModel {
                    id: NotSet,
                    endpoint_id: Set(endpoint),
                    event_id: Set(event),
                    status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    claimed_until: Set(None),
                    claimed_by: Set(None),
                    last_attempt_at: Set(None),
                    last_status_code: Set(None),
                    last_error: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    delivered_at: Set(None),
                });
            }
        }
        let made = deliveries.len();
        let mut rows = deliveries.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(500).collect();
            webhook_deliveries::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(FanOut {
            events: batch.len(),
            deliveries: made,
            cursor: until,
        })
    }
}
