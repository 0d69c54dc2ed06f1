//! Production sites: an SME's plants. Every method is scoped to one organisation, so another
//! organisation's site reads exactly like a missing one.

use peitao_domain::{
    DealStatus, NewProductionSite, OrganizationId, ProductionSite, ProductionSiteId, QuoteStatus,
    RegionCode,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{deals, organizations, production_sites, quotes},
};

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
    /// count and the insert share one transaction, holding the organisation's row.
    pub async fn add_site(
        &self,
        id: OrganizationId,
        site: &NewProductionSite,
        max_sites: usize,
    ) -> Result<Option<ProductionSite>, StoreError> {
        let txn = self.begin_write().await?;
        // Concurrent adds for one organisation queue on its row (PostgreSQL), so the count below
        // is never stale; SQLite's write transaction already runs alone.
        organizations::Entity::find_by_id(id.0)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
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

    /// Removes one of the organisation's sites; `NotFound` when it has no such site. A site that a
    /// live quote (submitted or shortlisted) or an active deal's quote ships from stays: the answer
    /// is `SiteRemoval::InUse` with those quotes' ids, and nothing is removed. The check and the
    /// delete share one write transaction, so a quote naming the site cannot slip in between.
    pub async fn delete_site(
        &self,
        id: OrganizationId,
        site: ProductionSiteId,
    ) -> Result<SiteRemoval, StoreError> {
        let txn = self.begin_write().await?;
        let exists = production_sites::Entity::find_by_id(site.0)
            .filter(production_sites::Column::OrganizationId.eq(id.0))
            .count(&txn)
            .await?;
        if exists == 0 {
            return Err(StoreError::NotFound);
        }
        let live = [QuoteStatus::Submitted, QuoteStatus::Shortlisted].map(QuoteStatus::as_str);
        let awarded_and_active = Condition::all()
            .add(quotes::Column::Status.eq(QuoteStatus::Awarded.as_str()))
            .add(
                quotes::Column::Id.in_subquery(
                    Query::select()
                        .column(deals::Column::QuoteId)
                        .from(deals::Entity)
                        .and_where(deals::Column::Status.eq(DealStatus::Active.as_str()))
                        .to_owned(),
                ),
            );
        let holding: Vec<i64> = quotes::Entity::find()
            .select_only()
            .column(quotes::Column::Id)
            .filter(quotes::Column::ProductionSiteId.eq(site.0))
            .filter(quotes::Column::SupplierId.eq(id.0))
            .filter(
                Condition::any()
                    .add(quotes::Column::Status.is_in(live))
                    .add(awarded_and_active),
            )
            .order_by_asc(quotes::Column::Id)
            .limit(20)
            .into_tuple()
            .all(&txn)
            .await?;
        if !holding.is_empty() {
            return Ok(SiteRemoval::InUse { quotes: holding });
        }
        production_sites::Entity::delete_by_id(site.0)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(SiteRemoval::Removed)
    }
}

/// What `Store::delete_site` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteRemoval {
    Removed,
    /// Kept: these quotes (at most 20, oldest first) ship from it and are still live, or their
    /// deal is still active.
    InUse {
        quotes: Vec<i64>,
    },
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
