//! Webhook endpoints and their delivery log. Every method is scoped to one organisation, so
//! another organisation's endpoint or delivery reads exactly like a missing one. The queue the
//! workers drain is in `webhook_queue`.

use peitao_domain::{
    DeliveryStatus, EventKind, EventTypes, OrganizationId, WebhookDelivery, WebhookDeliveryId,
    WebhookEndpoint, WebhookEndpointId, WebhookUrl,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, UpdateMany,
    sea_query::{Expr, ExprTrait, LockType},
};
use time::OffsetDateTime;

use crate::{
    Backend, Page, PageRequest, Store, StoreError,
    entity::{events, organizations, webhook_deliveries, webhook_endpoints},
};

/// What a PATCH changes; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub event_types: Option<EventTypes>,
    /// `true` re-enables (and forgets past failures), `false` disables.
    pub enabled: Option<bool>,
}

/// Why an endpoint was disabled by its owner.
pub const DISABLED_BY_OWNER: &str = "disabled by its organisation";

/// What a manual re-send found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Due now.
    Scheduled(WebhookDelivery),
    /// The endpoint is disabled: nothing is sent to it until it is enabled again.
    EndpointDisabled,
}

impl Store {
    /// Registers an endpoint unless the organisation already has `max_endpoints`; `Ok(None)` when
    /// it has. The endpoint hears only of events written after it: it starts after the newest
    /// event id.
    pub async fn create_webhook(
        &self,
        organization: OrganizationId,
        url: &WebhookUrl,
        event_types: &EventTypes,
        secret: &str,
        max_endpoints: usize,
    ) -> Result<Option<WebhookEndpoint>, StoreError> {
        let txn = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Two registrations at once must not both pass the count.
            organizations::Entity::find_by_id(organization.0)
                .select_only()
                .column(organizations::Column::Id)
                .lock(LockType::Update)
                .into_tuple::<i64>()
                .one(&txn)
                .await?;
        }
        let held = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::OrganizationId.eq(organization.0))
            .count(&txn)
            .await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_endpoints {
            return Ok(None);
        }
        let newest_event = events::Entity::find()
            .select_only()
            .column_as(events::Column::Id.max(), "newest")
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await?
            .flatten()
            .unwrap_or(0);
        let now = OffsetDateTime::now_utc();
        let row = webhook_endpoints::ActiveModel {
            id: NotSet,
            organization_id: Set(organization.0),
            url: Set(url.as_str().to_owned()),
            event_types: Set(event_types_json(event_types)),
            secret: Set(secret.to_owned()),
            enabled: Set(true),
            disabled_at: Set(None),
            disabled_reason: Set(None),
            consecutive_failures: Set(0),
            since_event_id: Set(newest_event),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        endpoint_from_row(row).map(Some)
    }

    /// The organisation's endpoints, oldest first, a page at a time (the cursor is an id).
    pub async fn webhooks(
        &self,
        organization: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<WebhookEndpoint>, StoreError> {
        let mut query = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::OrganizationId.eq(organization.0));
        if let Some(after) = page
            .after
            .as_deref()
            .and_then(|raw| raw.parse::<i64>().ok())
        {
            query = query.filter(webhook_endpoints::Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(webhook_endpoints::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?
            .into_iter()
            .map(endpoint_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(rows, page.limit, |endpoint| {
            endpoint.id.0.to_string()
        }))
    }

    /// One of the organisation's endpoints; `NotFound` when it has no such endpoint.
    pub async fn webhook(
        &self,
        organization: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<WebhookEndpoint, StoreError> {
        endpoint_from_row(own_endpoint(&self.db, organization, id).await?)
    }

    /// Applies `changes` if the endpoint is still at `version`. Enabling a disabled endpoint
    /// forgets its failures; disabling one records that its organisation did it.
    pub async fn update_webhook(
        &self,
        organization: OrganizationId,
        id: WebhookEndpointId,
        version: i32,
        changes: &WebhookChanges,
    ) -> Result<WebhookEndpoint, StoreError> {
        let txn = self.begin_write().await?;
        let current = own_endpoint(&txn, organization, id).await?;
        let now = OffsetDateTime::now_utc();
        let mut update = webhook_endpoints::Entity::update_many()
            .col_expr(
                webhook_endpoints::Column::Version,
                Expr::col(webhook_endpoints::Column::Version).add(1),
            )
            .col_expr(webhook_endpoints::Column::UpdatedAt, Expr::value(now));
        if let Some(url) = &changes.url {
            update = update.col_expr(
                webhook_endpoints::Column::Url,
                Expr::value(url.as_str().to_owned()),
            );
        }
        if let Some(types) = &changes.event_types {
            update = update.col_expr(
                webhook_endpoints::Column::EventTypes,
                Expr::value(event_types_json(types)),
            );
        }
        match changes.enabled {
            Some(true) if !current.enabled => {
                update = update
                    .col_expr(webhook_endpoints::Column::Enabled, Expr::value(true))
                    .col_expr(
                        webhook_endpoints::Column::DisabledAt,
                        Expr::value(Option::<OffsetDateTime>::None),
                    )
                    .col_expr(
                        webhook_endpoints::Column::DisabledReason,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        webhook_endpoints::Column::ConsecutiveFailures,
                        Expr::value(0),
                    );
            }
            Some(false) if current.enabled => {
                update = disabling(update, now, DISABLED_BY_OWNER);
            }
            _ => {}
        }
        let result = update
            .filter(webhook_endpoints::Column::Id.eq(id.0))
            .filter(webhook_endpoints::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            return Err(StoreError::StaleVersion {
                current: current.version,
            });
        }
        let row = own_endpoint(&txn, organization, id).await?;
        txn.commit().await?;
        endpoint_from_row(row)
    }

    /// Removes one of the organisation's endpoints and its delivery log; `NotFound` when it has
    /// no such endpoint.
    pub async fn delete_webhook(
        &self,
        organization: OrganizationId,
        id: WebhookEndpointId,
    ) -> Result<(), StoreError> {
        let result = webhook_endpoints::Entity::delete_many()
            .filter(webhook_endpoints::Column::Id.eq(id.0))
            .filter(webhook_endpoints::Column::OrganizationId.eq(organization.0))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The deliveries to one of the organisation's endpoints, newest first, a page at a time
    /// (the cursor is an id).
    pub async fn webhook_deliveries(
        &self,
        organization: OrganizationId,
        endpoint: WebhookEndpointId,
        page: &PageRequest,
    ) -> Result<Page<WebhookDelivery>, StoreError> {
        own_endpoint(&self.db, organization, endpoint).await?;
        let mut query = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.0));
        if let Some(before) = page
            .after
            .as_deref()
            .and_then(|raw| raw.parse::<i64>().ok())
        {
            query = query.filter(webhook_deliveries::Column::Id.lt(before));
        }
        let rows = query
            .order_by_desc(webhook_deliveries::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        let deliveries = with_kinds(&self.db, rows).await?;
        Ok(Page::from_rows(deliveries, page.limit, |delivery| {
            delivery.id.0.to_string()
        }))
    }

    /// Makes one of the endpoint's deliveries due now, whatever it came to: a failed one gets
    /// one more attempt, a delivered one is sent again with the same `webhook-id`.
    pub async fn retry_webhook_delivery(
        &self,
        organization: OrganizationId,
        endpoint: WebhookEndpointId,
        delivery: WebhookDeliveryId,
    ) -> Result<RetryOutcome, StoreError> {
        let owner = own_endpoint(&self.db, organization, endpoint).await?;
        let existing = webhook_deliveries::Entity::find_by_id(delivery.0)
            .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.0))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !owner.enabled {
            return Ok(RetryOutcome::EndpointDisabled);
        }
        let now = OffsetDateTime::now_utc();
        webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_str()),
            )
            .col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(now))
            .col_expr(webhook_deliveries::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_deliveries::Column::Id.eq(existing.id))
            .exec(&self.db)
            .await?;
        let row = webhook_deliveries::Entity::find_by_id(existing.id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut rows = with_kinds(&self.db, vec![row]).await?;
        rows.pop()
            .map(RetryOutcome::Scheduled)
            .ok_or(StoreError::NotFound)
    }
}

async fn own_endpoint<C: ConnectionTrait>(
    db: &C,
    organization: OrganizationId,
    id: WebhookEndpointId,
) -> Result<webhook_endpoints::Model, StoreError> {
    webhook_endpoints::Entity::find_by_id(id.0)
        .filter(webhook_endpoints::Column::OrganizationId.eq(organization.0))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// `update` also disabling the endpoint at `at`, for `reason`.
pub(crate) fn disabling(
    update: UpdateMany<webhook_endpoints::Entity>,
    at: OffsetDateTime,
    reason: &str,
) -> UpdateMany<webhook_endpoints::Entity> {
    update
        .col_expr(webhook_endpoints::Column::Enabled, Expr::value(false))
        .col_expr(webhook_endpoints::Column::DisabledAt, Expr::value(at))
        .col_expr(
            webhook_endpoints::Column::DisabledReason,
            Expr::value(reason.to_owned()),
        )
}

pub(crate) fn event_types_json(types: &EventTypes) -> String {
    serde_json::Value::from(types.names()).to_string()
}

pub(crate) fn event_types_from_json(raw: &str) -> Result<EventTypes, StoreError> {
    let names: Vec<String> =
        serde_json::from_str(raw).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    Ok(EventTypes::parse(&names)?)
}

pub(crate) fn endpoint_from_row(
    row: webhook_endpoints::Model,
) -> Result<WebhookEndpoint, StoreError> {
    Ok(WebhookEndpoint {
        id: WebhookEndpointId(row.id),
        organization_id: OrganizationId(row.organization_id),
        url: row.url,
        event_types: event_types_from_json(&row.event_types)?,
        enabled: row.enabled,
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason,
        consecutive_failures: u32::try_from(row.consecutive_failures).unwrap_or(0),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The deliveries with the kind of their event, in the order given.
async fn with_kinds<C: ConnectionTrait>(
    db: &C,
    rows: Vec<webhook_deliveries::Model>,
) -> Result<Vec<WebhookDelivery>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|row| row.event_id).collect();
    let kinds: std::collections::HashMap<i64, String> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        events::Entity::find()
            .select_only()
            .column(events::Column::Id)
            .column(events::Column::Kind)
            .filter(events::Column::Id.is_in(ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    rows.into_iter()
        .map(|row| {
            let kind = kinds
                .get(&row.event_id)
                .ok_or_else(|| StoreError::Corrupt(format!("event {} is gone", row.event_id)))?;
            let status = DeliveryStatus::parse(&row.status)?;
            Ok(WebhookDelivery {
                id: WebhookDeliveryId(row.id),
                endpoint_id: WebhookEndpointId(row.endpoint_id),
                event_id: row.event_id,
                event_kind: EventKind::parse(kind)?,
                status,
                attempts: u32::try_from(row.attempts).unwrap_or(0),
                next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
                last_attempt_at: row.last_attempt_at,
                last_status_code: row
                    .last_status_code
                    .and_then(|code| u16::try_from(code).ok()),
                last_error: row.last_error,
                created_at: row.created_at,
                delivered_at: row.delivered_at,
            })
        })
        .collect()
}
