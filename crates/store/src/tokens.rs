//! Refresh-token rotation. Tokens are stored as hashes; each use marks the token used, and a
//! second use of the same token — a sign that it was stolen — revokes its whole family.

use peitao_domain::UserId;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use time::OffsetDateTime;

use crate::{Store, StoreError, entity::refresh_tokens};

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The token was valid and is now used: issue its successor in `family_id`.
    Rotated { user_id: UserId, family_id: String },
    /// The token had been used before: its family is now revoked.
    Replayed,
    /// Unknown, expired or revoked.
    Invalid,
}

impl Store {
    /// Records a newly issued refresh token by its hash, and deletes the expired ones.
    pub async fn insert_refresh_token(
        &self,
        user_id: UserId,
        family_id: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // Expired tokens can never be used again: each new one clears them out, so the table holds
        // only live sessions however many sign-ins there have been.
        refresh_tokens::Entity::delete_many()
            .filter(refresh_tokens::Column::ExpiresAt.lt(OffsetDateTime::now_utc()))
            .exec(&self.db)
            .await?;
        refresh_tokens::ActiveModel {
            id: NotSet,
            user_id: Set(user_id.0),
            family_id: Set(family_id.to_owned()),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(OffsetDateTime::now_utc()),
            expires_at: Set(expires_at),
            used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Uses the token with this hash once.
    pub async fn consume_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<RefreshOutcome, StoreError> {
        let now = OffsetDateTime::now_utc();
        let Some(token) = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        if token.revoked_at.is_some() || self.family_is_revoked(&token.family_id).await? {
            // A token issued to the winner of a race with a replay is born into a revoked family:
            // revoke it too, and refuse.
            self.revoke_family(&token.family_id).await?;
            return Ok(RefreshOutcome::Invalid);
        }
        if token.used_at.is_some() {
            self.revoke_family(&token.family_id).await?;
            return Ok(RefreshOutcome::Replayed);
        }
        if token.expires_at <= now {
            return Ok(RefreshOutcome::Invalid);
        }
        // Only one of two concurrent uses can flip `used_at`; the loser is treated as a replay.
        let claimed = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
            .filter(refresh_tokens::Column::Id.eq(token.id))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        if claimed.rows_affected == 0 {
            self.revoke_family(&token.family_id).await?;
            return Ok(RefreshOutcome::Replayed);
        }
        Ok(RefreshOutcome::Rotated {
            user_id: UserId(token.user_id),
            family_id: token.family_id,
        })
    }

    /// Revokes the family of the token with this hash (signing out); false when no such token.
    pub async fn revoke_refresh_token_family(&self, token_hash: &str) -> Result<bool, StoreError> {
        let token = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?;
        match token {
            Some(token) => {
                self.revoke_family(&token.family_id).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The user a live, unused and unrevoked token with this hash belongs to, without using it:
    /// the web console's sessions are such tokens, read on every request.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let token = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .filter(refresh_tokens::Column::ExpiresAt.gt(OffsetDateTime::now_utc()))
            .one(&self.db)
            .await?;
        Ok(token.map(|token| UserId(token.user_id)))
    }

    async fn family_is_revoked(&self, family_id: &str) -> Result<bool, StoreError> {
        use sea_orm::PaginatorTrait;
        let revoked = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_not_null())
            .count(&self.db)
            .await?;
        Ok(revoked > 0)
    }

    async fn revoke_family(&self, family_id: &str) -> Result<(), StoreError> {
        refresh_tokens::Entity::update_many()
            .col_expr(
                refresh_tokens::Column::RevokedAt,
                Expr::value(OffsetDateTime::now_utc()),
            )
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
