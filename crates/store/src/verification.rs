//! Verifying organisations: the flag and its history row change in one transaction, so a change
//! and its record can never part.

use peitao_domain::{Organization, OrganizationAction, OrganizationEvent, OrganizationId, UserId};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{organization_history, organizations},
};

impl Store {
    /// Sets the organisation's `verified` flag (its version goes up by one) and records who did it
    /// and why; `NotFound` when there is no such organisation.
    pub async fn set_verified(
        &self,
        id: OrganizationId,
        verified: bool,
        actor: UserId,
        note: &str,
    ) -> Result<Organization, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let result = organizations::Entity::update_many()
            .col_expr(organizations::Column::Verified, Expr::value(verified))
            .col_expr(
                organizations::Column::Version,
                Expr::col(organizations::Column::Version).add(1),
            )
            .col_expr(organizations::Column::UpdatedAt, Expr::value(now))
            .filter(organizations::Column::Id.eq(id.0))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            return Err(StoreError::NotFound);
        }
        organization_history::ActiveModel {
            id: NotSet,
            organization_id: Set(id.0),
            at: Set(now),
            actor_user_id: Set(Some(actor.0)),
            action: Set(OrganizationAction::verification(verified)
                .as_str()
                .to_owned()),
            note: Set(Some(note.to_owned())),
        }
        .insert(&txn)
        .await?;
        crate::events::write_event(
            &txn,
            crate::events::NewEvent {
                kind: peitao_domain::EventKind::OrganizationVerified,
                payload: serde_json::json!({
                    "organization_id": id.0,
                    "verified": verified,
                    "note": note,
                }),
                audience: vec![id.0],
                park: crate::events::park_of(&txn, id.0).await?,
            },
        )
        .await?;
        txn.commit().await?;
        self.organization(id).await
    }

    /// An organisation's history, oldest first.
    pub async fn organization_history(
        &self,
        id: OrganizationId,
    ) -> Result<Vec<OrganizationEvent>, StoreError> {
        organization_history::Entity::find()
            .filter(organization_history::Column::OrganizationId.eq(id.0))
            .order_by_asc(organization_history::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                Ok(OrganizationEvent {
                    at: row.at,
                    actor: row.actor_user_id.map(UserId),
                    action: OrganizationAction::parse(&row.action)?,
                    note: row.note,
                })
            })
            .collect()
    }
}
