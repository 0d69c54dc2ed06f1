//! Idempotency keys: the first request with a key claims it; its outcome is stored; a retry with
//! the same key and body gets that outcome back.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use time::{Duration, OffsetDateTime};

use crate::{Store, StoreError, entity::idempotency_keys};

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);
/// How long a claimed key may wait for its answer before it counts as abandoned (the process died
/// or could not store the answer) and a retry runs the request again.
pub const PENDING_LIFETIME: Duration = Duration::minutes(10);

/// A request that claims an idempotency key.
#[derive(Debug, Clone)]
pub struct IdempotentRequest<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub request_hash: &'a str,
}

/// A stored outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: serve the request, then `finish` or `release` it.
    Claimed,
    /// The key has an outcome: send it again.
    Replay(StoredResponse),
    /// The first request with the key is still being served.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

impl Store {
    /// Claims `request.key` in `request.scope`, or reports what holds it.
    pub async fn claim_idempotency_key(
        &self,
        request: &IdempotentRequest<'_>,
    ) -> Result<Claim, StoreError> {
        let now = OffsetDateTime::now_utc();
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreatedAt.lt(now - KEY_LIFETIME))
            .exec(&self.db)
            .await?;
        for _ in 0..2 {
            let inserted = idempotency_keys::ActiveModel {
                id: NotSet,
                scope: Set(request.scope.to_owned()),
                key: Set(request.key.to_owned()),
                method: Set(request.method.to_owned()),
                path: Set(request.path.to_owned()),
                request_hash: Set(request.request_hash.to_owned()),
                status: Set(None),
                content_type: Set(None),
                body: Set(None),
                created_at: Set(now),
            }
            .insert(&self.db)
            .await;
            match inserted.map_err(StoreError::from) {
                Ok(_) => return Ok(Claim::Claimed),
                Err(StoreError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
            let Some(existing) = self.find_key(request.scope, request.key).await? else {
                continue;
            };
            let abandoned =
                existing.status.is_none() && existing.created_at + PENDING_LIFETIME <= now;
            if abandoned || existing.created_at + KEY_LIFETIME <= now {
                // Forgotten or abandoned: remove it and claim afresh.
                idempotency_keys::Entity::delete_by_id(existing.id)
                    .exec(&self.db)
                    .await?;
                continue;
            }
            let same_request = existing.request_hash == request.request_hash
                && existing.method == request.method
                && existing.path == request.path;
            if !same_request {
                return Ok(Claim::Mismatch);
            }
            return Ok(match (existing.status, existing.body) {
                (Some(status), Some(body)) => Claim::Replay(StoredResponse {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type: existing.content_type,
                    body,
                }),
                _ => Claim::InProgress,
            });
        }
        Ok(Claim::InProgress)
    }

    /// Records the outcome of a claimed key.
    pub async fn finish_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        idempotency_keys::Entity::update_many()
            .col_expr(
                idempotency_keys::Column::Status,
                Expr::value(i32::from(response.status)),
            )
            .col_expr(
                idempotency_keys::Column::ContentType,
                Expr::value(response.content_type.clone()),
            )
            .col_expr(
                idempotency_keys::Column::Body,
                Expr::value(response.body.clone()),
            )
            .filter(idempotency_keys::Column::Scope.eq(scope))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Frees a claimed key whose request failed in a way worth retrying.
    pub async fn release_idempotency_key(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::Scope.eq(scope))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn find_key(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<idempotency_keys::Model>, StoreError> {
        Ok(idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::Scope.eq(scope))
            .filter(idempotency_keys::Column::Key.eq(key))
            .one(&self.db)
            .await?)
    }
}
