//! Needs: what lead enterprises want to source, who is invited to quote on them, and the history
//! of every change. The database itself refuses an awarded quantity beyond the need's quantity.

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
                    .table(Needs::Table)
                    .col(big_pk_auto(Needs::Id))
                    .col(big_integer(Needs::OrganizationId))
                    .col(big_integer_null(Needs::CreatedBy))
                    .col(string_len(Needs::CategoryCode, 64))
                    .col(string(Needs::Title))
                    .col(text(Needs::Specification))
                    .col(big_integer(Needs::Quantity))
                    .col(string_len(Needs::Unit, 32))
                    .col(big_integer(Needs::EstimatedValueFen))
                    .col(text(Needs::RequiredCertifications))
                    .col(string_len(Needs::DeliveryRegionCode, 6))
                    .col(timestamp_with_time_zone(Needs::ResponseDeadline))
                    .col(string_len(Needs::Visibility, 16))
                    .col(string_len(Needs::Status, 16))
                    .col(big_integer(Needs::AwardedQuantity).default(0))
                    .col(integer(Needs::Version).default(1))
                    .col(timestamp_with_time_zone(Needs::CreatedAt))
                    .col(timestamp_with_time_zone(Needs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Needs::PublishedAt))
                    .check(Check::named(
                        "ck_needs_awarded_within_quantity",
                        Expr::col(Needs::AwardedQuantity)
                            .gte(0)
                            .and(Expr::col(Needs::AwardedQuantity).lte(Expr::col(Needs::Quantity))),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_needs_organization")
                            .from(Needs::Table, Needs::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_needs_category")
                            .from(Needs::Table, Needs::CategoryCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_needs_delivery_region")
                            .from(Needs::Table, Needs::DeliveryRegionCode)
                            .to(Regions::Table, Regions::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_needs_organization", vec![Needs::OrganizationId]),
            (
                "idx_needs_status_deadline",
                vec![Needs::Status, Needs::ResponseDeadline],
            ),
            ("idx_needs_category", vec![Needs::CategoryCode]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Needs::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(NeedInvitations::Table)
                    .col(big_integer(NeedInvitations::NeedId))
                    .col(big_integer(NeedInvitations::SupplierId))
                    .primary_key(
                        Index::create()
                            .col(NeedInvitations::NeedId)
                            .col(NeedInvitations::SupplierId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_need_invitations_need")
                            .from(NeedInvitations::Table, NeedInvitations::NeedId)
                            .to(Needs::Table, Needs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_need_invitations_supplier")
                            .from(NeedInvitations::Table, NeedInvitations::SupplierId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_need_invitations_supplier")
                    .table(NeedInvitations::Table)
                    .col(NeedInvitations::SupplierId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NeedHistory::Table)
                    .col(big_pk_auto(NeedHistory::Id))
                    .col(big_integer(NeedHistory::NeedId))
                    .col(timestamp_with_time_zone(NeedHistory::At))
                    .col(big_integer_null(NeedHistory::ActorUserId))
                    .col(string_len(NeedHistory::Action, 32))
                    .col(string_len_null(NeedHistory::FromStatus, 16))
                    .col(string_len(NeedHistory::ToStatus, 16))
                    .col(text_null(NeedHistory::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_need_history_need")
                            .from(NeedHistory::Table, NeedHistory::NeedId)
                            .to(Needs::Table, Needs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_need_history_need")
                    .table(NeedHistory::Table)
                    .col(NeedHistory::NeedId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NeedHistory::Table.into_iden(),
            NeedInvitations::Table.into_iden(),
            Needs::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Needs {
    Table,
    Id,
    OrganizationId,
    CreatedBy,
    CategoryCode,
    Title,
    Specification,
    Quantity,
    Unit,
    EstimatedValueFen,
    RequiredCertifications,
    DeliveryRegionCode,
    ResponseDeadline,
    Visibility,
    Status,
    AwardedQuantity,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum NeedInvitations {
    Table,
    NeedId,
    SupplierId,
}

#[derive(DeriveIden)]
enum NeedHistory {
    Table,
    Id,
    NeedId,
    At,
    ActorUserId,
    Action,
    FromStatus,
    ToStatus,
    Reason,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Code,
}
