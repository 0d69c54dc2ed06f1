//! The outbox: `events` (one row per thing that happened, written in the transaction of the
//! change) and `event_audience` (the organisations allowed to see each).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(string_len(Events::Kind, 64))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(text(Events::Payload))
                    .col(big_integer_null(Events::ParkId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_park")
                    .table(Events::Table)
                    .col(Events::ParkId)
                    .col(Events::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventAudience::Table)
                    .col(big_integer(EventAudience::EventId))
                    .col(big_integer(EventAudience::OrganizationId))
                    .primary_key(
                        Index::create()
                            .col(EventAudience::EventId)
                            .col(EventAudience::OrganizationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_audience_event")
                            .from(EventAudience::Table, EventAudience::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_audience_organization")
                    .table(EventAudience::Table)
                    .col(EventAudience::OrganizationId)
                    .col(EventAudience::EventId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventAudience::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Events {
    Table,
    Id,
    Kind,
    OccurredAt,
    Payload,
    ParkId,
}

#[derive(DeriveIden)]
pub enum EventAudience {
    Table,
    EventId,
    OrganizationId,
}
