//! Quotes (an SME's answer to a need) and deals (an award). A supplier has at most one live quote
//! per need: `live_need_id` holds the need while the quote is submitted or shortlisted and is NULL
//! otherwise, and (supplier, live_need_id) is unique — NULLs never collide on either engine.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000002_create_organizations_and_users::Organizations;
use crate::m20261128_000007_create_needs::Needs;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Quotes::Table)
                    .col(big_pk_auto(Quotes::Id))
                    .col(big_integer(Quotes::NeedId))
                    .col(big_integer(Quotes::SupplierId))
                    .col(big_integer_null(Quotes::SubmittedBy))
                    .col(big_integer(Quotes::UnitPriceFen))
                    .col(big_integer(Quotes::Quantity))
                    .col(integer(Quotes::LeadTimeDays))
                    .col(text_null(Quotes::Note))
                    .col(big_integer_null(Quotes::ProductionSiteId))
                    .col(string_len(Quotes::ShipRegionCode, 6))
                    .col(string_len(Quotes::Status, 16))
                    .col(big_integer_null(Quotes::LiveNeedId))
                    .col(string_len_null(Quotes::RejectReason, 16))
                    .col(text_null(Quotes::RejectNote))
                    .col(integer(Quotes::Version).default(1))
                    .col(timestamp_with_time_zone(Quotes::CreatedAt))
                    .col(timestamp_with_time_zone(Quotes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_quotes_need")
                            .from(Quotes::Table, Quotes::NeedId)
                            .to(Needs::Table, Needs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_quotes_supplier")
                            .from(Quotes::Table, Quotes::SupplierId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_quotes_one_live_per_supplier")
                    .table(Quotes::Table)
                    .col(Quotes::SupplierId)
                    .col(Quotes::LiveNeedId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quotes_need")
                    .table(Quotes::Table)
                    .col(Quotes::NeedId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deals::Table)
                    .col(big_pk_auto(Deals::Id))
                    .col(big_integer(Deals::NeedId))
                    .col(big_integer(Deals::QuoteId))
                    .col(big_integer(Deals::LeadId))
                    .col(big_integer(Deals::SupplierId))
                    .col(big_integer_null(Deals::AwardedBy))
                    .col(big_integer(Deals::Quantity))
                    .col(big_integer(Deals::ValueFen))
                    .col(string_len(Deals::SupplierRegionCode, 6))
                    .col(boolean(Deals::InProvince))
                    .col(string_len(Deals::Status, 16))
                    .col(timestamp_with_time_zone(Deals::AwardedAt))
                    .col(date_null(Deals::DeliveredOn))
                    .col(boolean_null(Deals::OnTime))
                    .col(small_integer_null(Deals::QualityRating))
                    .col(timestamp_with_time_zone_null(Deals::FulfilledAt))
                    .col(timestamp_with_time_zone_null(Deals::CancelledAt))
                    .col(text_null(Deals::CancelReason))
                    .check(Check::named(
                        "ck_deals_positive",
                        Expr::col(Deals::Quantity)
                            .gt(0)
                            .and(Expr::col(Deals::ValueFen).gt(0)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_need")
                            .from(Deals::Table, Deals::NeedId)
                            .to(Needs::Table, Needs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_quote")
                            .from(Deals::Table, Deals::QuoteId)
                            .to(Quotes::Table, Quotes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_supplier")
                            .from(Deals::Table, Deals::SupplierId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_deals_need", Deals::NeedId),
            ("idx_deals_lead", Deals::LeadId),
            ("idx_deals_supplier", Deals::SupplierId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Deals::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Deals::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Quotes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Quotes {
    Table,
    Id,
    NeedId,
    SupplierId,
    SubmittedBy,
    UnitPriceFen,
    Quantity,
    LeadTimeDays,
    Note,
    ProductionSiteId,
    ShipRegionCode,
    Status,
    LiveNeedId,
    RejectReason,
    RejectNote,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
    NeedId,
    QuoteId,
    LeadId,
    SupplierId,
    AwardedBy,
    Quantity,
    ValueFen,
    SupplierRegionCode,
    InProvince,
    Status,
    AwardedAt,
    DeliveredOn,
    OnTime,
    QualityRating,
    FulfilledAt,
    CancelledAt,
    CancelReason,
}
