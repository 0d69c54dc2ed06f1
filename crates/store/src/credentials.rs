//! Credentials an SME declares, and the reader the matching engine uses: an organisation's
//! credentials valid on a day.

use peitao_domain::{Credential, CredentialTier, OrganizationId};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use time::{Date, OffsetDateTime};

use crate::{Store, StoreError, entity::credentials};

/// A stored credential and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    pub id: i64,
    pub credential: Credential,
}

impl Store {
    /// An organisation's credentials, highest tier first, then by expiry.
    pub async fn organization_credentials(
        &self,
        organization: OrganizationId,
    ) -> Result<Vec<StoredCredential>, StoreError> {
        let rows = credentials::Entity::find()
            .filter(credentials::Column::OrganizationId.eq(organization.0))
            .order_by_asc(credentials::Column::ValidUntil)
            .order_by_asc(credentials::Column::Id)
            .all(&self.db)
            .await?;
        let mut stored = rows
            .into_iter()
            .map(credential_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        // Stable: within a tier the expiry order of the query stays.
        stored.sort_by_key(|item| std::cmp::Reverse(item.credential.tier().rank()));
        Ok(stored)
    }

    /// The organisation's credentials valid on `day` (first and last days included), highest
    /// tier first: what the matching engine weighs.
    pub async fn credentials_valid_on(
        &self,
        organization: OrganizationId,
        day: Date,
    ) -> Result<Vec<Credential>, StoreError> {
        let rows = credentials::Entity::find()
            .filter(credentials::Column::OrganizationId.eq(organization.0))
            .filter(credentials::Column::ValidFrom.lte(day))
            .filter(credentials::Column::ValidUntil.gte(day))
            .order_by_asc(credentials::Column::Id)
            .all(&self.db)
            .await?;
        let mut valid = rows
            .into_iter()
            .map(|row| credential_from_row(row).map(|stored| stored.credential))
            .collect::<Result<Vec<_>, _>>()?;
        valid.sort_by_key(|credential| std::cmp::Reverse(credential.tier().rank()));
        Ok(valid)
    }

    /// Adds a credential to an organisation.
    pub async fn add_credential(
        &self,
        organization: OrganizationId,
        credential: &Credential,
    ) -> Result<StoredCredential, StoreError> {
        let row = credentials::ActiveModel {
            id: NotSet,
            organization_id: Set(organization.0),
            tier: Set(credential.tier().as_str().to_owned()),
            issuing_body: Set(credential.issuing_body().to_owned()),
            batch: Set(credential.batch().map(str::to_owned)),
            certificate_number: Set(credential.certificate_number().map(str::to_owned)),
            valid_from: Set(credential.valid_from()),
            valid_until: Set(credential.valid_until()),
            created_at: Set(OffsetDateTime::now_utc()),
        }
        .insert(&self.db)
        .await?;
        credential_from_row(row)
    }

    /// Removes one of the organisation's credentials; `NotFound` when it has no such one.
    pub async fn delete_credential(
        &self,
        organization: OrganizationId,
        credential_id: i64,
    ) -> Result<(), StoreError> {
        let result = credentials::Entity::delete_many()
            .filter(credentials::Column::Id.eq(credential_id))
            .filter(credentials::Column::OrganizationId.eq(organization.0))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

fn credential_from_row(row: credentials::Model) -> Result<StoredCredential, StoreError> {
    Ok(StoredCredential {
        id: row.id,
        credential: Credential::new(
            CredentialTier::parse(&row.tier)?,
            &row.issuing_body,
            row.batch.as_deref(),
            row.certificate_number.as_deref(),
            row.valid_from,
            row.valid_until,
        )?,
    })
}
