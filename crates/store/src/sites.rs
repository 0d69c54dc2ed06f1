//! Production sites: an SME's plants. Every method is scoped to one organisation, so another
//! organisation's site reads exactly like a missing one.

use peitao_domain::{
    NewProductionSite, OrganizationId, ProductionSite, ProductionSiteId, RegionCode,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;

use crate::{Store, StoreError, entity::production_sites};

impl Store {
    /// An organisation's sites, oldest first.
    pub async fn sites(&self, id: OrganizationId) -> Result<Vec<ProductionSite>, StoreError> {
        production_sites::Entity::find()
            .filter(production_sites::Column::OrganizationId.eq(id.0))
            .order_by_asc(production_sites::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(site_from_row)
            .collect()
    }

    /// One of the organisation's sites; `NotFound` when it has no such site, whoever else does.
    pub async fn site_of(
        &self,
        id: OrganizationId,
        site: ProductionSiteId,
    ) -> Result<ProductionSite, StoreError> {
        let row = production_sites::Entity::find_by_id(site.0)
            .filter(production_sites::Column::OrganizationId.eq(id.0))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        site_from_row(row)
    }

    /// Adds a site unless the organisation already has `max_sites`; `Ok(None)` when it has. The
    /// count and the insert share one transaction.
    pub async fn add_site(
        &self,
        id: OrganizationId,
        site: &NewProductionSite,
        max_sites: usize,
    ) -> Result<Option<ProductionSite>, StoreError> {
        let txn = self.begin_write().await?;
        let held = production_sites::Entity::find()
            .filter(production_sites::Column::OrganizationId.eq(id.0))
            .count(&txn)
            .await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_sites {
            return Ok(None);
        }
        let row = production_sites::ActiveModel {
            id: NotSet,
            organization_id: Set(id.0),
            name: Set(site.name().to_owned()),
            region_code: Set(site.region_code().as_str().to_owned()),
            address: Set(site.address().to_owned()),
            created_at: Set(OffsetDateTime::now_utc()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        site_from_row(row).map(Some)
    }

    /// Removes one of the organisation's sites; `NotFound` when it has no such site.
    pub async fn delete_site(
        &self,
        id: OrganizationId,
        site: ProductionSiteId,
    ) -> Result<(), StoreError> {
        let result = production_sites::Entity::delete_many()
            .filter(production_sites::Column::Id.eq(site.0))
            .filter(production_sites::Column::OrganizationId.eq(id.0))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

fn site_from_row(row: production_sites::Model) -> Result<ProductionSite, StoreError> {
    Ok(ProductionSite {
        id: ProductionSiteId(row.id),
        organization_id: OrganizationId(row.organization_id),
        name: row.name,
        region_code: RegionCode::parse(&row.region_code)?,
        address: row.address,
        created_at: row.created_at,
    })
}
