//! Bills of materials: what a lead enterprise buys today (`boms`, one row per upload, and
//! `bom_lines`), the baseline its supporting rate starts from. Also what the statistics need:
//! whether a need had an eligible supplier when it was published, and indexes on the dates the
//! reporting periods cut by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Boms::Table)
                    .col(big_pk_auto(Boms::Id))
                    .col(big_integer(Boms::OrganizationId))
                    .col(big_integer_null(Boms::UploadedBy))
                    .col(string_len(Boms::Name, 200))
                    .col(timestamp_with_time_zone(Boms::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_boms_organization")
                            .from(Boms::Table, Boms::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_boms_organization")
                    .table(Boms::Table)
                    .col(Boms::OrganizationId)
                    .col(Boms::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BomLines::Table)
                    .col(big_pk_auto(BomLines::Id))
                    .col(big_integer(BomLines::BomId))
                    .col(integer(BomLines::LineNo))
                    .col(string_len(BomLines::CategoryCode, 64))
                    .col(string_len(BomLines::Description, 500))
                    .col(big_integer(BomLines::AnnualValueFen))
                    .col(string_len(BomLines::CurrentSupplierRegion, 6))
                    .col(boolean(BomLines::InProvince))
                    .check(Check::named(
                        "ck_bom_lines_value",
                        Expr::col(BomLines::AnnualValueFen).gte(0),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bom_lines_bom")
                            .from(BomLines::Table, BomLines::BomId)
                            .to(Boms::Table, Boms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bom_lines_category")
                            .from(BomLines::Table, BomLines::CategoryCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_bom_lines_bom")
                    .table(BomLines::Table)
                    .col(BomLines::BomId)
                    .col(BomLines::LineNo)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Needs::Table)
                    .add_column(boolean_null(Needs::MatchedAtPublish))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_needs_published_at")
                    .table(Needs::Table)
                    .col(Needs::PublishedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deals_awarded_at")
                    .table(Deals::Table)
                    .col(Deals::AwardedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_deals_awarded_at")
                    .table(Deals::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_needs_published_at")
                    .table(Needs::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Needs::Table)
                    .drop_column(Needs::MatchedAtPublish)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(BomLines::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Boms::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Boms {
    Table,
    Id,
    OrganizationId,
    UploadedBy,
    Name,
    UploadedAt,
}

#[derive(DeriveIden)]
enum BomLines {
    Table,
    Id,
    BomId,
    LineNo,
    CategoryCode,
    Description,
    AnnualValueFen,
    CurrentSupplierRegion,
    InProvince,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    MatchedAtPublish,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    AwardedAt,
}
