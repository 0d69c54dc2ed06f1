//! Applying and reverting schema migrations.

use peitao_migrations::{Migrator, MigratorTrait};

use crate::{Store, StoreError};

/// Whether a migration has been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationState {
    Applied,
    Pending,
}

/// One migration and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub name: String,
    pub state: MigrationState,
}

impl Store {
    /// Applies every pending migration; returns how many were applied.
    pub async fn migrate_up(&self) -> Result<usize, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db).await?.len();
        Migrator::up(&self.db, None).await?;
        Ok(pending)
    }

    /// Reverts the last `steps` applied migrations.
    pub async fn migrate_down(&self, steps: u32) -> Result<(), StoreError> {
        Migrator::down(&self.db, Some(steps)).await?;
        Ok(())
    }

    /// Every known migration, oldest first, with its state.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        let migrations = Migrator::get_migration_with_status(&self.db).await?;
        Ok(migrations
            .iter()
            .map(|migration| MigrationStatus {
                name: migration.name().to_owned(),
                state: match migration.status() {
                    peitao_migrations::MigrationStatus::Applied => MigrationState::Applied,
                    _ => MigrationState::Pending,
                },
            })
            .collect())
    }
}
