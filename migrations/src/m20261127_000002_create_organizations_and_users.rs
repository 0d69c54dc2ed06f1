//! Tenants and their people: organisations (lead enterprises and SMEs) and user accounts.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_reference_tables::{Parks, Regions};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(big_pk_auto(Organizations::Id))
                    .col(string(Organizations::Name))
                    .col(string_len(Organizations::Kind, 16))
                    .col(string_len(Organizations::RegionCode, 6))
                    .col(big_integer_null(Organizations::ParkId))
                    .col(boolean(Organizations::Verified).default(false))
                    .col(integer(Organizations::Version).default(1))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organizations_region")
                            .from(Organizations::Table, Organizations::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organizations_park")
                            .from(Organizations::Table, Organizations::ParkId)
                            .to(Parks::Table, Parks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organizations_park")
                    .table(Organizations::Table)
                    .col(Organizations::ParkId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::DisplayName))
                    .col(string_len(Users::Role, 32))
                    .col(big_integer_null(Users::OrganizationId))
                    .col(big_integer_null(Users::ParkId))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_organization")
                            .from(Users::Table, Users::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_park")
                            .from(Users::Table, Users::ParkId)
                            .to(Parks::Table, Parks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Organizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Name,
    Kind,
    RegionCode,
    ParkId,
    Verified,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    Role,
    OrganizationId,
    ParkId,
    CreatedAt,
    DisabledAt,
}
