//! Reference data every other table points at: regions (GB/T 2260), the product taxonomy, the
//! industry chains and the links between categories, and industrial parks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(string_len(Regions::Code, 6).primary_key())
                    .col(string(Regions::Name))
                    .col(string_len_null(Regions::ParentCode, 6))
                    .col(string_len(Regions::Level, 16))
                    .col(double_null(Regions::Longitude))
                    .col(double_null(Regions::Latitude))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_regions_parent")
                            .from(Regions::Table, Regions::ParentCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_regions_parent")
                    .table(Regions::Table)
                    .col(Regions::ParentCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(string_len(Categories::Code, 64).primary_key())
                    .col(string_len_null(Categories::ParentCode, 64))
                    .col(string(Categories::NameZh))
                    .col(string(Categories::NameEn))
                    .col(string_null(Categories::Reference))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_categories_parent")
                            .from(Categories::Table, Categories::ParentCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_categories_parent")
                    .table(Categories::Table)
                    .col(Categories::ParentCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Chains::Table)
                    .col(big_pk_auto(Chains::Id))
                    .col(string_len_uniq(Chains::Code, 64))
                    .col(string(Chains::NameZh))
                    .col(string(Chains::NameEn))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CategoryLinks::Table)
                    .col(big_pk_auto(CategoryLinks::Id))
                    .col(big_integer(CategoryLinks::ChainId))
                    .col(string_len(CategoryLinks::UpstreamCode, 64))
                    .col(string_len(CategoryLinks::DownstreamCode, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_links_chain")
                            .from(CategoryLinks::Table, CategoryLinks::ChainId)
                            .to(Chains::Table, Chains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_links_upstream")
                            .from(CategoryLinks::Table, CategoryLinks::UpstreamCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_links_downstream")
                            .from(CategoryLinks::Table, CategoryLinks::DownstreamCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_category_links_edge")
                    .table(CategoryLinks::Table)
                    .col(CategoryLinks::ChainId)
                    .col(CategoryLinks::UpstreamCode)
                    .col(CategoryLinks::DownstreamCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Parks::Table)
                    .col(big_pk_auto(Parks::Id))
                    .col(string_len_uniq(Parks::Code, 64))
                    .col(string(Parks::NameZh))
                    .col(string(Parks::NameEn))
                    .col(string_len(Parks::RegionCode, 6))
                    .col(string_len(Parks::Level, 32))
                    .col(string_len(Parks::Kind, 64))
                    .col(string(Parks::LeadIndustries))
                    .col(string(Parks::Source))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parks_region")
                            .from(Parks::Table, Parks::RegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Parks::Table.into_iden(),
            CategoryLinks::Table.into_iden(),
            Chains::Table.into_iden(),
            Categories::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Regions {
    Table,
    Code,
    Name,
    ParentCode,
    Level,
    Longitude,
    Latitude,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Code,
    ParentCode,
    NameZh,
    NameEn,
    Reference,
}

#[derive(DeriveIden)]
enum Chains {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
}

#[derive(DeriveIden)]
enum CategoryLinks {
    Table,
    Id,
    ChainId,
    UpstreamCode,
    DownstreamCode,
}

#[derive(DeriveIden)]
pub(crate) enum Parks {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    RegionCode,
    Level,
    Kind,
    LeadIndustries,
    Source,
}
