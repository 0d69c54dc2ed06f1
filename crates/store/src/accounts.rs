//! Organisations and user accounts. Password hashes go in through `NewUser` and come out only
//! through `credentials`, for verification.

use peitao_domain::{
    Email, Organization, OrganizationId, OrganizationKind, ParkId, PasswordHash, RegionCode, Role,
    User, UserId,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{organizations, refresh_tokens, users},
};

/// An organisation not yet stored.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrganizationKind,
    pub region_code: RegionCode,
    pub park_id: Option<ParkId>,
}

/// A user not yet stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub password_hash: PasswordHash,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    pub park_id: Option<ParkId>,
}

/// A disabled account: when, why and by whom.
#[derive(Debug, Clone)]
pub struct DisabledUser {
    pub user: User,
    pub at: OffsetDateTime,
    pub reason: String,
    /// The administrator who disabled it.
    pub by: Option<UserId>,
}

/// The changes an owner may make to its organisation; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    /// `Some(None)` takes the organisation out of its park.
    pub park_id: Option<Option<ParkId>>,
}

impl Store {
    /// Creates an organisation and its first user together, or neither.
    pub async fn register(
        &self,
        organization: &NewOrganization,
        user: NewUser,
    ) -> Result<(User, Organization), StoreError> {
        let txn = self.begin_write().await?;
        let now = OffsetDateTime::now_utc();
        let org_row = organizations::ActiveModel {
            id: NotSet,
            name: Set(organization.name.clone()),
            kind: Set(organization.kind.as_str().to_owned()),
            region_code: Set(organization.region_code.as_str().to_owned()),
            park_id: Set(organization.park_id.map(|park| park.0)),
            verified: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let user_row = user_model(NewUser {
            organization_id: Some(OrganizationId(org_row.id)),
            ..user
        })
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((user_from_row(user_row)?, organization_from_row(org_row)?))
    }

    /// Creates a user without an organisation of its own (administrators).
    pub async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let row = user_model(user).insert(&self.db).await?;
        user_from_row(row)
    }

    /// The active user with this e-mail and its password hash, for signing in.
    pub async fn credentials(
        &self,
        email: &Email,
    ) -> Result<Option<(User, PasswordHash)>, StoreError> {
        let row = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .filter(users::Column::DisabledAt.is_null())
            .one(&self.db)
            .await?;
        row.map(|row| {
            let hash = PasswordHash::new(row.password_hash.clone());
            Ok((user_from_row(row)?, hash))
        })
        .transpose()
    }

    /// An active user by id: `NotFound` when deleted or disabled.
    pub async fn active_user(&self, id: UserId) -> Result<User, StoreError> {
        let row = users::Entity::find_by_id(id.0)
            .filter(users::Column::DisabledAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(row)
    }

    /// Deletes a user and, through the foreign key, its refresh tokens.
    pub async fn delete_user(&self, id: UserId) -> Result<(), StoreError> {
        let result = users::Entity::delete_by_id(id.0).exec(&self.db).await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Disables a user and revokes every refresh token it holds, in one transaction: its access
    /// tokens stop working at once, since every request re-reads the user. Disabling a disabled
    /// user changes nothing and answers as the first time did. `NotFound` when there is no such
    /// user.
    pub async fn disable_user(
        &self,
        id: UserId,
        by: UserId,
        reason: &str,
    ) -> Result<DisabledUser, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        users::Entity::update_many()
            .col_expr(users::Column::DisabledAt, Expr::value(now))
            .col_expr(users::Column::DisabledReason, Expr::value(reason))
            .col_expr(users::Column::DisabledBy, Expr::value(by.0))
            .filter(users::Column::Id.eq(id.0))
            .filter(users::Column::DisabledAt.is_null())
            .exec(&txn)
            .await?;
        refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
            .filter(refresh_tokens::Column::UserId.eq(id.0))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let row = users::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        txn.commit().await?;
        let (Some(at), Some(reason)) = (row.disabled_at, row.disabled_reason.clone()) else {
            return Err(StoreError::Corrupt(format!(
                "user {} was disabled without a time or a reason",
                row.id
            )));
        };
        let by = row.disabled_by.map(UserId);
        Ok(DisabledUser {
            user: user_from_row(row)?,
            at,
            reason,
            by,
        })
    }

    /// One organisation by id.
    pub async fn organization(&self, id: OrganizationId) -> Result<Organization, StoreError> {
        let row = organizations::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        organization_from_row(row)
    }

    /// The organisations in a park.
    pub async fn organizations_in_park(
        &self,
        park: ParkId,
    ) -> Result<Vec<OrganizationId>, StoreError> {
        Ok(organizations::Entity::find()
            .filter(organizations::Column::ParkId.eq(park.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| OrganizationId(row.id))
            .collect())
    }

    /// Applies `changes` if the organisation is still at `version`; the version then goes up by one.
    pub async fn update_organization(
        &self,
        id: OrganizationId,
        version: i32,
        changes: &OrganizationChanges,
    ) -> Result<Organization, StoreError> {
        let mut update = organizations::Entity::update_many()
            .col_expr(
                organizations::Column::Version,
                sea_orm::sea_query::ExprTrait::add(
                    sea_orm::sea_query::Expr::col(organizations::Column::Version),
                    1,
                ),
            )
            .col_expr(
                organizations::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc()),
            );
        if let Some(name) = &changes.name {
            update = update.col_expr(
                organizations::Column::Name,
                sea_orm::sea_query::Expr::value(name.clone()),
            );
        }
        if let Some(park) = &changes.park_id {
            update = update.col_expr(
                organizations::Column::ParkId,
                sea_orm::sea_query::Expr::value(park.map(|park| park.0)),
            );
        }
        let result = update
            .filter(organizations::Column::Id.eq(id.0))
            .filter(organizations::Column::Version.eq(version))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            // Either it does not exist or someone else updated it first.
            let current = self.organization(id).await?;
            return Err(StoreError::StaleVersion {
                current: current.version,
            });
        }
        self.organization(id).await
    }
}

pub(crate) fn user_model(user: NewUser) -> users::ActiveModel {
    users::ActiveModel {
        id: NotSet,
        email: Set(user.email.as_str().to_owned()),
        password_hash: Set(user.password_hash.as_str().to_owned()),
        display_name: Set(user.display_name),
        role: Set(user.role.as_str().to_owned()),
        organization_id: Set(user.organization_id.map(|org| org.0)),
        park_id: Set(user.park_id.map(|park| park.0)),
        created_at: Set(OffsetDateTime::now_utc()),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        disabled_by: Set(None),
    }
}

pub(crate) fn user_from_row(row: users::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.id),
        email: Email::stored(row.email),
        display_name: row.display_name,
        role: Role::parse(&row.role)?,
        organization_id: row.organization_id.map(OrganizationId),
        park_id: row.park_id.map(ParkId),
    })
}

pub(crate) fn organization_from_row(row: organizations::Model) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: OrganizationId(row.id),
        name: row.name,
        kind: OrganizationKind::parse(&row.kind)?,
        region_code: RegionCode::parse(&row.region_code)?,
        park_id: row.park_id.map(ParkId),
        verified: row.verified,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
