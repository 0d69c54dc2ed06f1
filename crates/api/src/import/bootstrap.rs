//! Reference data on first start: regions, the built-in taxonomy and Hubei's parks are loaded
//! into empty tables, on SQLite and PostgreSQL alike. Tables that hold data are left alone.

use peitao_store::Store;

use super::{ImportErrors, parks, regions, taxonomy};

/// Why reference data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("built-in {file} is invalid: {errors}")]
    Invalid {
        file: &'static str,
        errors: ImportErrors,
    },
    #[error(transparent)]
    Store(#[from] peitao_store::StoreError),
}

/// What was loaded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub regions: usize,
    pub categories: usize,
    pub links: usize,
    pub parks: usize,
}

/// Loads each kind of reference data whose table is empty.
pub async fn load_reference_data(store: &Store) -> Result<Loaded, BootstrapError> {
    let mut loaded = Loaded::default();
    if store.count_regions().await? == 0 {
        let rows = regions::parse(regions::BUILT_IN).map_err(|errors| BootstrapError::Invalid {
            file: "reference/regions.csv",
            errors,
        })?;
        store.insert_regions(&rows).await?;
        loaded.regions = rows.len();
    }
    if store.count_categories().await? == 0 {
        let checked = taxonomy::parse_toml(taxonomy::BUILT_IN)
            .and_then(|file| taxonomy::check(file, &taxonomy::Existing::default()))
            .map_err(|errors| BootstrapError::Invalid {
                file: "reference/taxonomy.toml",
                errors,
            })?;
        let counts = store
            .import_taxonomy(&checked.categories, &checked.chains)
            .await?;
        loaded.categories = counts.categories;
        loaded.links = counts.links;
    }
    if store.count_parks().await? == 0 {
        let rows = parks::parse(parks::BUILT_IN).map_err(|errors| BootstrapError::Invalid {
            file: "reference/parks.csv",
            errors,
        })?;
        store.insert_parks(&rows).await?;
        loaded.parks = rows.len();
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
