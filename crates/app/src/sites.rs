//! Production sites: the plants an SME ships from. A site stands in a county that exists; quotes
//! name one by id, and when they name none the organisation's own county stands for the plant.

use peitao_domain::{
    NewProductionSite, OrganizationId, ProductionSite, ProductionSiteId, RegionCode, RegionLevel,
    site::MAX_SITES,
};
use peitao_store::{SiteRemoval, Store, StoreError};

use crate::{AppError, error::OrNotFound};

fn missing(site: ProductionSiteId) -> String {
    format!("production site {site}")
}

/// The organisation's sites, oldest first.
pub async fn list(store: &Store, owner: OrganizationId) -> Result<Vec<ProductionSite>, AppError> {
    Ok(store.sites(owner).await?)
}

/// Adds a plant in a county that exists. An organisation already at [`MAX_SITES`] is refused as
/// a conflict with what it has stored (409): removing a plant makes room.
pub async fn add(
    store: &Store,
    owner: OrganizationId,
    site: &NewProductionSite,
) -> Result<ProductionSite, AppError> {
    let code = site.region_code();
    match store.region(&code).await {
        Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(format!(
                "region_code: region {code} does not exist"
            )));
        }
        Ok(region) if region.level != RegionLevel::County => {
            return Err(AppError::Invalid(format!(
                "region_code: region {code} ({}) is a {}; a plant stands in a county",
                region.name,
                region.level.as_str()
            )));
        }
        other => {
            other?;
        }
    }
    store
        .add_site(owner, site, MAX_SITES)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "an organisation lists at most {MAX_SITES} production sites; remove one first"
            ))
        })
}

/// Removes one of the organisation's sites; another organisation's reads as missing. A site that
/// live quotes or active deals ship from is kept (`Conflict`, naming the quotes): the buyer was
/// told the goods come from there.
pub async fn remove(
    store: &Store,
    owner: OrganizationId,
    site: ProductionSiteId,
) -> Result<(), AppError> {
    match store
        .delete_site(owner, site)
        .await
        .or_not_found(missing(site))?
    {
        SiteRemoval::Removed => Ok(()),
        SiteRemoval::InUse { quotes } => {
            let named = quotes
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Err(AppError::Conflict(format!(
                "production site {site} ships the goods of live quotes or active deals (quotes {named}); withdraw those quotes or finish the deals first"
            )))
        }
    }
}

/// One of the organisation's sites, as a quote names it; another organisation's site reads as
/// missing (`NotFound`).
pub async fn site_of(
    store: &Store,
    owner: OrganizationId,
    site: ProductionSiteId,
) -> Result<ProductionSite, AppError> {
    store.site_of(owner, site).await.or_not_found(missing(site))
}

/// The county goods ship from when a quote names no plant: the organisation's own.
pub async fn default_county(store: &Store, owner: OrganizationId) -> Result<RegionCode, AppError> {
    Ok(store
        .organization(owner)
        .await
        .or_not_found(format!("organization {owner}"))?
        .region_code)
}

/// The county goods ship from: the named plant's, or the organisation's own when none is named.
pub async fn shipping_county(
    store: &Store,
    owner: OrganizationId,
    site: Option<ProductionSiteId>,
) -> Result<RegionCode, AppError> {
    match site {
        Some(site) => Ok(site_of(store, owner, site).await?.region_code),
        None => default_county(store, owner).await,
    }
}
