//! Where an organisation may sit: the rules registration and profile changes share.

use peitao_domain::{ParkId, RegionCode, RegionLevel};
use peitao_store::Store;

use crate::{AppError, error::OrNotFound};

/// `code` if it exists and names a county-level region: organisations sit in counties.
pub async fn county(store: &Store, code: RegionCode) -> Result<RegionCode, AppError> {
    let region = store
        .region(&code)
        .await
        .or_invalid(format!("region {code}"))?;
    if region.level != RegionLevel::County {
        return Err(AppError::Invalid(format!(
            "region {code} ({}) is a {}; organisations register with a county-level code \
             (district, county or county-level city)",
            region.name,
            region.level.as_str()
        )));
    }
    Ok(code)
}

/// The park `id` if it exists and lies in the prefecture of `region`: an organisation joins a
/// park where it is.
pub async fn park_in_prefecture(
    store: &Store,
    id: ParkId,
    region: RegionCode,
) -> Result<ParkId, AppError> {
    let park = store.park(id).await.or_invalid(format!("park {}", id.0))?;
    if !park.region_code.same_prefecture(&region) {
        return Err(AppError::Invalid(format!(
            "park {} ({}) lies in region {}, not in the prefecture of region {region}",
            id.0, park.name_zh, park.region_code
        )));
    }
    Ok(park.id)
}
