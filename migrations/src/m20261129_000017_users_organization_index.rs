//! An index on `users.organization_id` (there was none: only the foreign key). The matching engine
//! asks, for each range of organisations it loads, which of them have a user who may sign in, and
//! the statistics ask the same of suppliers; without the index each such question reads the whole
//! table, and a million SMEs mean a million users.

use sea_orm_migration::prelude::*;

use crate::m20261127_000002_create_organizations_and_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_users_organization";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(NAME)
                    .table(Users::Table)
                    .col(Users::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Users::Table).to_owned())
            .await
    }
}
