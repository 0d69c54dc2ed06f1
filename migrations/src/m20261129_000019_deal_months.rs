//! Deal totals per month (`deal_months`): for each lead, category, origin (in the province or
//! not) and calendar month in Beijing time, the value and number of its deals that are not
//! cancelled. The statistics read whole months of a period from here, a row per (lead, category,
//! origin, month), and only the days of a part month at either end from `deals` itself, so a
//! report over a million deals sums a few hundred thousand rows at most.
//!
//! Triggers keep the table exact, in the transaction of the change to `deals`: an inserted deal
//! adds itself; an update of any column the totals depend on (status, value, lead, category,
//! origin, award time) takes the old row out and puts the new one in; a deletion takes itself out.
//! A cancelled deal counts for nothing, so cancelling one takes it out. Triggers rather than code
//! in the store: a write that forgets the totals cannot exist. Existing deals are summed into the
//! table here.
//!
//! The month is `YYYY-MM` of the award time in Beijing (UTC+8 all year). On SQLite, which stores
//! times as UTC text, the time is cut to whole seconds first: SQLite rounds fractions to the
//! millisecond, which would move 23:59:59.9999 on the last day of a month into the next one.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DatabaseBackend},
};

use crate::totals_triggers::TotalsTriggers;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY: &str = "lead_id, category_code, in_province, month";

/// The columns the totals depend on: an update of any other leaves them as they are.
const WATCHED: &str = "status, value_fen, lead_id, category_code, in_province, awarded_at";

/// `YYYY-MM` of `row`'s award time in Beijing.
fn month(backend: DatabaseBackend, row: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!(
            "to_char(({row}.awarded_at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')"
        ),
        _ => format!("strftime('%Y-%m', substr({row}.awarded_at, 1, 19), '+8 hours')"),
    }
}

/// The totals summed afresh from `deals`, for the backfill and for bulk loads.
pub fn fill_sql(backend: DatabaseBackend) -> String {
    let month = month(backend, "deals");
    format!(
        "INSERT INTO deal_months ({KEY}, value_fen, deals) \
         SELECT lead_id, category_code, in_province, {month}, SUM(value_fen), COUNT(*) \
         FROM deals WHERE status <> 'cancelled' \
         GROUP BY lead_id, category_code, in_province, {month}"
    )
}

fn triggers() -> TotalsTriggers<'static> {
    TotalsTriggers {
        name: "deal_months",
        source: "deals",
        watched: WATCHED,
        add: |backend| add(&month(backend, "NEW")),
        take: |backend| take(&month(backend, "OLD")),
    }
}

/// Adds the deal `row` (`NEW`) to its month's totals.
fn add(month: &str) -> String {
    format!(
        "INSERT INTO deal_months ({KEY}, value_fen, deals) \
         SELECT NEW.lead_id, NEW.category_code, NEW.in_province, {month}, NEW.value_fen, 1 \
         WHERE NEW.status <> 'cancelled' \
         ON CONFLICT ({KEY}) DO UPDATE SET value_fen = deal_months.value_fen + excluded.value_fen, \
                                          deals = deal_months.deals + 1"
    )
}

/// Takes the deal `OLD` out of its month's totals.
fn take(month: &str) -> String {
    format!(
        "UPDATE deal_months SET value_fen = value_fen - OLD.value_fen, deals = deals - 1 \
         WHERE OLD.status <> 'cancelled' AND lead_id = OLD.lead_id \
           AND category_code = OLD.category_code AND in_province = OLD.in_province \
           AND month = {month}"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DealMonths::Table)
                    .col(big_integer(DealMonths::LeadId))
                    .col(string_len(DealMonths::CategoryCode, 64))
                    .col(boolean(DealMonths::InProvince))
                    .col(string_len(DealMonths::Month, 7))
                    .col(big_integer(DealMonths::ValueFen))
                    .col(big_integer(DealMonths::Deals))
                    .primary_key(
                        Index::create()
                            .col(DealMonths::LeadId)
                            .col(DealMonths::CategoryCode)
                            .col(DealMonths::InProvince)
                            .col(DealMonths::Month),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deal_months_month")
                    .table(DealMonths::Table)
                    .col(DealMonths::Month)
                    .to_owned(),
            )
            .await?;
        triggers().create(manager).await?;
        manager
            .get_connection()
            .execute_unprepared(&fill_sql(manager.get_database_backend()))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers().drop(manager).await?;
        manager
            .drop_table(Table::drop().table(DealMonths::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DealMonths {
    Table,
    LeadId,
    CategoryCode,
    InProvince,
    Month,
    ValueFen,
    Deals,
}
