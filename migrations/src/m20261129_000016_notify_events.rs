//! On PostgreSQL, every transaction that writes events wakes the processes tailing the outbox
//! (`NOTIFY peitao_events`, once per statement; notifications with the same payload in one
//! transaction arrive once). SQLite has no notifications: its processes poll.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION peitao_events_notify() RETURNS trigger AS $$ \
             BEGIN PERFORM pg_notify('peitao_events', ''); RETURN NULL; END; \
             $$ LANGUAGE plpgsql",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER trg_events_notify AFTER INSERT ON events \
             FOR EACH STATEMENT EXECUTE FUNCTION peitao_events_notify()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS trg_events_notify ON events")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS peitao_events_notify()")
            .await?;
        Ok(())
    }
}
