//! What suppliers can make and prove: capabilities (category, annual capacity, processes) and
//! certifications (kind, number, validity).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000002_create_organizations_and_users::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Capabilities::Table)
                    .col(big_pk_auto(Capabilities::Id))
                    .col(big_integer(Capabilities::OrganizationId))
                    .col(string_len(Capabilities::CategoryCode, 64))
                    .col(big_integer(Capabilities::AnnualCapacity))
                    .col(string_len(Capabilities::Unit, 32))
                    .col(string(Capabilities::Processes))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_capabilities_organization")
                            .from(Capabilities::Table, Capabilities::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_capabilities_category")
                            .from(Capabilities::Table, Capabilities::CategoryCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_capabilities_organization_category")
                    .table(Capabilities::Table)
                    .col(Capabilities::OrganizationId)
                    .col(Capabilities::CategoryCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_capabilities_category")
                    .table(Capabilities::Table)
                    .col(Capabilities::CategoryCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .col(big_pk_auto(Certifications::Id))
                    .col(big_integer(Certifications::OrganizationId))
                    .col(string_len(Certifications::Kind, 64))
                    .col(string_len(Certifications::Number, 128))
                    .col(date(Certifications::ValidFrom))
                    .col(date(Certifications::ValidUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certifications_organization")
                            .from(Certifications::Table, Certifications::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certifications_organization")
                    .table(Certifications::Table)
                    .col(Certifications::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certifications::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Capabilities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Capabilities {
    Table,
    Id,
    OrganizationId,
    CategoryCode,
    AnnualCapacity,
    Unit,
    Processes,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
    OrganizationId,
    Kind,
    Number,
    ValidFrom,
    ValidUntil,
}
