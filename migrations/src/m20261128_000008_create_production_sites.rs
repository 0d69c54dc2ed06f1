//! Production sites: the plants of an SME, each in a county. Quotes and deals refer to them as
//! `production_sites(id)`; a site goes with its organisation.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_reference_tables::Regions;
use crate::m20261127_000002_create_organizations_and_users::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductionSites::Table)
                    .col(big_pk_auto(ProductionSites::Id))
                    .col(big_integer(ProductionSites::OrganizationId))
                    .col(text(ProductionSites::Name))
                    .col(string_len(ProductionSites::RegionCode, 6))
                    .col(text(ProductionSites::Address))
                    .col(timestamp_with_time_zone(ProductionSites::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_production_sites_organization")
                            .from(ProductionSites::Table, ProductionSites::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_production_sites_region")
                            .from(ProductionSites::Table, ProductionSites::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_production_sites_organization",
                ProductionSites::OrganizationId,
            ),
            ("idx_production_sites_region", ProductionSites::RegionCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ProductionSites::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductionSites::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum ProductionSites {
    Table,
    Id,
    OrganizationId,
    Name,
    RegionCode,
    Address,
    CreatedAt,
}
