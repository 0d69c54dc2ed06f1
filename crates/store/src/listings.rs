//! Lists of accounts and organisations for the administrators' pages: bounded, in a stable order,
//! each filter applied in the query.

use peitao_domain::{Organization, ParkId, User};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    accounts::{organization_from_row, user_from_row},
    entity::{organizations, users},
};

/// A user as an administrator lists it: the account and, when disabled, since when and why.
#[derive(Debug, Clone)]
pub struct ListedUser {
    pub user: User,
    pub created_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
    pub disabled_reason: Option<String>,
}

impl Store {
    /// Organisations, unverified before verified and then by id, at most `limit`: those in `park`
    /// when one is given, and only those whose verification is `verified` when that is given.
    pub async fn list_organizations(
        &self,
        park: Option<ParkId>,
        verified: Option<bool>,
        limit: u64,
    ) -> Result<Vec<Organization>, StoreError> {
        let mut query = organizations::Entity::find();
        if let Some(park) = park {
            query = query.filter(organizations::Column::ParkId.eq(park.0));
        }
        if let Some(verified) = verified {
            query = query.filter(organizations::Column::Verified.eq(verified));
        }
        query
            .order_by_asc(organizations::Column::Verified)
            .order_by_asc(organizations::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(organization_from_row)
            .collect()
    }

    /// Users, newest first, at most `limit`, of `role` when one is given.
    pub async fn list_users(
        &self,
        role: Option<peitao_domain::Role>,
        limit: u64,
    ) -> Result<Vec<ListedUser>, StoreError> {
        let mut query = users::Entity::find();
        if let Some(role) = role {
            query = query.filter(users::Column::Role.eq(role.as_str()));
        }
        query
            .order_by_desc(users::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let created_at = row.created_at;
                let disabled_at = row.disabled_at;
                let disabled_reason = row.disabled_reason.clone();
                Ok(ListedUser {
                    user: user_from_row(row)?,
                    created_at,
                    disabled_at,
                    disabled_reason,
                })
            })
            .collect()
    }
}
