//! `peitao migrate up|down|status`.

use peitao_store::{MigrationState, Store};

use crate::MigrateAction;

pub async fn run(store: &Store, action: MigrateAction) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => {
            let applied = store.migrate_up().await?;
            eprintln!("applied {applied} migration(s)");
        }
        MigrateAction::Down { steps } => {
            store.migrate_down(steps).await?;
            eprintln!("reverted {steps} migration(s)");
        }
        MigrateAction::Status => {
            for migration in store.migration_status().await? {
                let state = match migration.state {
                    MigrationState::Applied => "applied",
                    MigrationState::Pending => "pending",
                };
                eprintln!("{state:8} {}", migration.name);
            }
        }
    }
    Ok(())
}
