//! Reference data on first start: regions, the built-in taxonomy and Hubei's parks are loaded
//! into empty tables, on SQLite and PostgreSQL alike. Tables that hold data are left alone.

use peitao_store::{Store, StoreError};

use super::{ImportErrors, parks, regions, taxonomy};
use crate::AppError;

/// A built-in file that does not parse is Peitao's own fault, not the caller's.
fn built_in_invalid(file: &'static str) -> impl FnOnce(ImportErrors) -> AppError {
    move |errors| AppError::Internal(format!("built-in {file} is invalid: {errors}"))
}

/// What was loaded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub regions: usize,
    pub categories: usize,
    pub links: usize,
    pub parks: usize,
}

/// Each kind goes in one transaction. When another process starting at the same moment loads the
/// same kind first, the unique keys refuse this copy: that is success, not an error.
fn unless_loaded_elsewhere<T: Default>(result: Result<T, StoreError>) -> Result<T, StoreError> {
    match result {
        Err(StoreError::Conflict(_)) => {
            tracing::info!("reference data was loaded by another process");
            Ok(T::default())
        }
        other => other,
    }
}

/// Loads each kind of reference data whose table is empty.
pub async fn load_reference_data(store: &Store) -> Result<Loaded, AppError> {
    let mut loaded = Loaded::default();
    if store.count_regions().await? == 0 {
        let rows =
            regions::parse(regions::BUILT_IN).map_err(built_in_invalid("reference/regions.csv"))?;
        unless_loaded_elsewhere(store.insert_regions(&rows).await.map(|()| rows.len()))
            .map(|count| loaded.regions = count)?;
    }
    if store.count_categories().await? == 0 {
        let checked = taxonomy::parse_toml(taxonomy::BUILT_IN)
            .and_then(|file| taxonomy::check(file, &taxonomy::Existing::default()))
            .map_err(built_in_invalid("reference/taxonomy.toml"))?;
        let counts = unless_loaded_elsewhere(
            store
                .import_taxonomy(&checked.categories, &checked.chains)
                .await,
        )?;
        loaded.categories = counts.categories;
        loaded.links = counts.links;
    }
    if store.count_parks().await? == 0 {
        let rows =
            parks::parse(parks::BUILT_IN).map_err(built_in_invalid("reference/parks.csv"))?;
        unless_loaded_elsewhere(store.insert_parks(&rows).await.map(|()| rows.len()))
            .map(|count| loaded.parks = count)?;
    }
    if loaded != Loaded::default() {
        tracing::info!(
            regions = loaded.regions,
            categories = loaded.categories,
            chain_links = loaded.links,
            parks = loaded.parks,
            "loaded reference data"
        );
    }
    Ok(loaded)
}
