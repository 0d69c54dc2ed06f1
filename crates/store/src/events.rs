//! The outbox: every event is written in the transaction of the change it reports, with the
//! organisations allowed to see it (`event_audience`) and the park whose administrator may. A
//! change that rolls back leaves no event; a committed one is never lost. Readers page through
//! the table by id; [`Store::event_ids_after`] lets them find the highest id below which nothing
//! is still being committed.

use peitao_domain::{EventKind, OrganizationId, ParkId};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{event_audience, events, organizations},
};

/// An event to write.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub kind: EventKind,
    pub payload: Value,
    /// Organisations that may see it.
    pub audience: Vec<i64>,
    /// The park whose administrator may see it.
    pub park: Option<i64>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    /// `resource.verb`, such as `quote.submitted`.
    pub kind: String,
    pub occurred_at: OffsetDateTime,
    pub payload: Value,
}

/// Who reads events: platform administrators all, a park administrator its park's, everyone else
/// their organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventViewer {
    Everything,
    Park(ParkId),
    Organization(OrganizationId),
    Nothing,
}

/// The park of an organisation, inside a transaction.
pub(crate) async fn park_of<C: ConnectionTrait>(
    db: &C,
    organization: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(organizations::Entity::find_by_id(organization)
        .select_only()
        .column(organizations::Column::ParkId)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten())
}

/// Writes an event and its audience inside the caller's transaction.
pub(crate) async fn write_event<C: ConnectionTrait>(
    db: &C,
    event: NewEvent,
) -> Result<i64, StoreError> {
    let row = events::ActiveModel {
        id: NotSet,
        kind: Set(event.kind.as_str().to_owned()),
        occurred_at: Set(OffsetDateTime::now_utc()),
        payload: Set(event.payload.to_string()),
        park_id: Set(event.park),
    }
    .insert(db)
    .await?;
    let mut audience = event.audience;
    audience.sort_unstable();
    audience.dedup();
    if !audience.is_empty() {
        event_audience::Entity::insert_many(audience.into_iter().map(|organization| {
            event_audience::ActiveModel {
                event_id: Set(row.id),
                organization_id: Set(organization),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(row.id)
}

impl Store {
    /// Events after `after` and not after `through` that `viewer` may see, oldest first, at most
    /// `limit`.
    pub async fn events_for(
        &self,
        viewer: EventViewer,
        after: i64,
        through: i64,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let mut query = events::Entity::find()
            .filter(events::Column::Id.gt(after))
            .filter(events::Column::Id.lte(through));
        query = match viewer {
            EventViewer::Everything => query,
            EventViewer::Park(park) => query.filter(events::Column::ParkId.eq(park.0)),
            EventViewer::Organization(organization) => query.filter(
                events::Column::Id.in_subquery(
                    Query::select()
                        .column(event_audience::Column::EventId)
                        .from(event_audience::Entity)
                        .and_where(event_audience::Column::OrganizationId.eq(organization.0))
                        .and_where(event_audience::Column::EventId.gt(after))
                        .to_owned(),
                ),
            ),
            EventViewer::Nothing => return Ok(Vec::new()),
        };
        query
            .order_by_asc(events::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                Ok(Event {
                    id: row.id,
                    kind: row.kind,
                    occurred_at: row.occurred_at,
                    payload: serde_json::from_str(&row.payload)
                        .map_err(|err| StoreError::Corrupt(err.to_string()))?,
                })
            })
            .collect()
    }

    /// Ids of every event after `after`, ascending, at most `limit`: for finding holes left by
    /// transactions still committing.
    pub async fn event_ids_after(&self, after: i64, limit: u64) -> Result<Vec<i64>, StoreError> {
        Ok(events::Entity::find()
            .select_only()
            .column(events::Column::Id)
            .filter(events::Column::Id.gt(after))
            .order_by_asc(events::Column::Id)
            .limit(limit)
            .into_tuple::<i64>()
            .all(&self.db)
            .await?)
    }
}

/// The event of a need's change, to its lead enterprise, every supplier that quoted on it and
/// `also` (SMEs the matching engine found for a newly published need).
pub(crate) async fn need_event<C: ConnectionTrait>(
    db: &C,
    kind: EventKind,
    need: &crate::entity::needs::Model,
    reason: Option<&str>,
    also: &[OrganizationId],
) -> Result<(), StoreError> {
    use crate::entity::quotes;
    let mut audience: Vec<i64> = quotes::Entity::find()
        .select_only()
        .column(quotes::Column::SupplierId)
        .filter(quotes::Column::NeedId.eq(need.id))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    audience.push(need.organization_id);
    audience.extend(also.iter().map(|organization| organization.0));
    write_event(
        db,
        NewEvent {
            kind,
            payload: serde_json::json!({
                "need_id": need.id,
                "lead_id": need.organization_id,
                "title": need.title,
                "category_code": need.category_code,
                "status": need.status,
                "remaining_quantity": need.quantity - need.awarded_quantity,
                "response_deadline": need
                    .response_deadline
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok(),
                "reason": reason,
            }),
            audience,
            park: park_of(db, need.organization_id).await?,
        },
    )
    .await
    .map(|_| ())
}

/// The event of a quote's change, to the supplier and the need's lead enterprise.
pub(crate) async fn quote_event<C: ConnectionTrait>(
    db: &C,
    kind: EventKind,
    quote: &crate::entity::quotes::Model,
    lead: i64,
) -> Result<(), StoreError> {
    write_event(
        db,
        NewEvent {
            kind,
            payload: serde_json::json!({
                "quote_id": quote.id,
                "need_id": quote.need_id,
                "supplier_id": quote.supplier_id,
                "lead_id": lead,
                "status": quote.status,
                "unit_price_fen": quote.unit_price_fen,
                "quantity": quote.quantity,
                "reject_reason": quote.reject_reason,
                "reject_note": quote.reject_note,
            }),
            audience: vec![quote.supplier_id, lead],
            park: park_of(db, lead).await?,
        },
    )
    .await
    .map(|_| ())
}

/// The event of a deal's change, to both parties.
pub(crate) async fn deal_event<C: ConnectionTrait>(
    db: &C,
    kind: EventKind,
    deal: &crate::entity::deals::Model,
) -> Result<(), StoreError> {
    write_event(
        db,
        NewEvent {
            kind,
            payload: serde_json::json!({
                "deal_id": deal.id,
                "need_id": deal.need_id,
                "quote_id": deal.quote_id,
                "lead_id": deal.lead_id,
                "supplier_id": deal.supplier_id,
                "quantity": deal.quantity,
                "value_fen": deal.value_fen,
                "in_province": deal.in_province,
                "status": deal.status,
                "delivered_on": deal.delivered_on.map(peitao_domain::format_date),
                "on_time": deal.on_time,
                "quality_rating": deal.quality_rating,
                "cancel_reason": deal.cancel_reason,
            }),
            audience: vec![deal.lead_id, deal.supplier_id],
            park: park_of(db, deal.lead_id).await?,
        },
    )
    .await
    .map(|_| ())
}
