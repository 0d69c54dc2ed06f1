//! Each deal carries the category of the need it answers (`deals.category_code`), so the
//! statistics sum deals per (lead, category) without joining a million deals to their needs. A
//! need's category never changes once it has a deal, so the copy cannot drift.
//!
//! Existing rows are filled from their needs. The column is added `NOT NULL` with an empty default
//! (SQLite cannot make a column `NOT NULL` afterwards), filled, and on PostgreSQL the default is
//! then dropped, so an insert that forgets the category fails there. The fill changes nothing the
//! matching engine reads, so it leaves no rows in its change log: on PostgreSQL the deal triggers
//! are off while it runs; on SQLite, whose triggers cannot be switched off, the rows they wrote
//! are deleted in the same transaction (SQLite has one writer at a time, so they are all ours).
//!
//! The index covers what the supporting-rate aggregate filters and groups on: scope by lead, then
//! category and origin, the award time for the period, and the status and value it sums, so the
//! aggregate reads the index alone and in group order.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DatabaseBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_deals_lead_category";

/// The triggers migration 000011 put on `deals` (PostgreSQL names).
const DEAL_TRIGGERS: [&str; 2] = [
    "trg_matching_deals_supplier_change",
    "trg_matching_deals_need_change",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deals::Table)
                    .add_column(string_len(Deals::CategoryCode, 64).default(""))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let fill = "UPDATE deals SET category_code = \
                    (SELECT n.category_code FROM needs n WHERE n.id = deals.need_id)";
        if backend == DatabaseBackend::Postgres {
            for trigger in DEAL_TRIGGERS {
                db.execute_unprepared(&format!("ALTER TABLE deals DISABLE TRIGGER {trigger}"))
                    .await?;
            }
            db.execute_unprepared(fill).await?;
            for trigger in DEAL_TRIGGERS {
                db.execute_unprepared(&format!("ALTER TABLE deals ENABLE TRIGGER {trigger}"))
                    .await?;
            }
            db.execute_unprepared("ALTER TABLE deals ALTER COLUMN category_code DROP DEFAULT")
                .await?;
        } else {
            let before: i64 = db
                .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                    backend,
                    "SELECT COALESCE(MAX(id), 0) FROM matching_changes",
                ))
                .await?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(0);
            db.execute_unprepared(fill).await?;
            db.execute_unprepared(&format!("DELETE FROM matching_changes WHERE id > {before}"))
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Deals::Table)
                    .col(Deals::LeadId)
                    .col(Deals::CategoryCode)
                    .col(Deals::InProvince)
                    .col(Deals::AwardedAt)
                    .col(Deals::Status)
                    .col(Deals::ValueFen)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Deals::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deals::Table)
                    .drop_column(Deals::CategoryCode)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    LeadId,
    CategoryCode,
    InProvince,
    AwardedAt,
    Status,
    ValueFen,
}
