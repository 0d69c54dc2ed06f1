//! Credentials an SME declares (tier, issuing body, batch, certificate number, validity); the
//! history of an organisation's verification (who marked it verified or not, when, and why); and,
//! on users, why and by whom an account was disabled.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000002_create_organizations_and_users::{Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .col(big_pk_auto(Credentials::Id))
                    .col(big_integer(Credentials::OrganizationId))
                    .col(string_len(Credentials::Tier, 32))
                    .col(string_len(Credentials::IssuingBody, 200))
                    .col(string_len_null(Credentials::Batch, 64))
                    .col(string_len_null(Credentials::CertificateNumber, 128))
                    .col(date(Credentials::ValidFrom))
                    .col(date(Credentials::ValidUntil))
                    .col(timestamp_with_time_zone(Credentials::CreatedAt))
                    .check(Check::named(
                        "ck_credentials_ends_after_it_starts",
                        Expr::col(Credentials::ValidUntil).gt(Expr::col(Credentials::ValidFrom)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_credentials_organization")
                            .from(Credentials::Table, Credentials::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credentials_organization")
                    .table(Credentials::Table)
                    .col(Credentials::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganizationHistory::Table)
                    .col(big_pk_auto(OrganizationHistory::Id))
                    .col(big_integer(OrganizationHistory::OrganizationId))
                    .col(timestamp_with_time_zone(OrganizationHistory::At))
                    .col(big_integer_null(OrganizationHistory::ActorUserId))
                    .col(string_len(OrganizationHistory::Action, 32))
                    .col(text_null(OrganizationHistory::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_history_organization")
                            .from(
                                OrganizationHistory::Table,
                                OrganizationHistory::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        // The record outlives the administrator's account.
                        ForeignKey::create()
                            .name("fk_organization_history_actor")
                            .from(OrganizationHistory::Table, OrganizationHistory::ActorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organization_history_organization")
                    .table(OrganizationHistory::Table)
                    .col(OrganizationHistory::OrganizationId)
                    .to_owned(),
            )
            .await?;

        // SQLite alters one column a statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text_null(DisabledUsers::DisabledReason))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(big_integer_null(DisabledUsers::DisabledBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [DisabledUsers::DisabledBy, DisabledUsers::DisabledReason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            OrganizationHistory::Table.into_iden(),
            Credentials::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    OrganizationId,
    Tier,
    IssuingBody,
    Batch,
    CertificateNumber,
    ValidFrom,
    ValidUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationHistory {
    Table,
    Id,
    OrganizationId,
    At,
    ActorUserId,
    Action,
    Note,
}

/// The columns added to `users`.
#[derive(DeriveIden)]
enum DisabledUsers {
    DisabledReason,
    DisabledBy,
}
