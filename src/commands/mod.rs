//! What each subcommand does.

mod import;
mod migrate;
mod seed;
mod user;

use peitao_api::{Application, Settings};
use peitao_app::{demo, import::bootstrap::load_reference_data};
use peitao_store::Store;

use crate::{Command, DemoScale, ImportWhat, SeedWhat};

/// Runs one subcommand to completion.
pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => {
            if demo {
                refuse_demo_in_production(&settings)?;
                seed::demo_if_empty(&settings).await?;
            }
            let app = Application::build(&settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate { action } => {
            let store = Store::connect(&settings.connect_options()).await?;
            migrate::run(&store, action).await?;
            store.close().await?;
        }
        Command::User { action } => {
            let store = open(&settings).await?;
            user::run(&store, action).await?;
            store.close().await?;
        }
        Command::Import { what } => {
            let store = open(&settings).await?;
            match what {
                ImportWhat::Taxonomy { file } => import::taxonomy(&store, &file).await?,
                ImportWhat::Suppliers { file } => import::suppliers(&store, &file).await?,
            }
            store.close().await?;
        }
        Command::Seed {
            what: SeedWhat::Demo { scale, seed, force },
        } => {
            refuse_demo_in_production(&settings)?;
            let store = open(&settings).await?;
            seed::demo(&store, scale.into(), seed, force).await?;
            store.close().await?;
        }
        Command::Seed {
            what:
                SeedWhat::Synthetic {
                    suppliers,
                    needs,
                    seed,
                    force,
                },
        } => {
            refuse_demo_in_production(&settings)?;
            let store = open(&settings).await?;
            seed::synthetic(&store, suppliers, needs, seed, force).await?;
            store.close().await?;
        }
    }
    Ok(())
}

/// The demo's accounts share a published password: never in production.
fn refuse_demo_in_production(settings: &Settings) -> anyhow::Result<()> {
    if settings.auth.require_jwt_secret {
        anyhow::bail!(
            "the demo creates accounts with a published password; it is refused where \
             auth.require_jwt_secret is true (production)"
        );
    }
    Ok(())
}

/// Opens the store with the schema up to date and, unless configured otherwise, the built-in
/// reference data in its empty tables — as `serve` would on its first start.
async fn open(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.connect_options()).await?;
    store.migrate_up().await?;
    if settings.reference.load_on_start {
        load_reference_data(&store).await?;
    }
    Ok(store)
}

impl From<DemoScale> for demo::Scale {
    fn from(scale: DemoScale) -> Self {
        match scale {
            DemoScale::Small => Self::Small,
            DemoScale::Medium => Self::Medium,
            DemoScale::Large => Self::Large,
        }
    }
}
