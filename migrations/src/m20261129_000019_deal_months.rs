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

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY: &str = "lead_id, category_code, in_province, month";

/// The columns the totals depend on: an update of any other leaves them as they are.
const WATCHED: &str = "status, value_fen, lead_id, category_code, in_province, awarded_at";

fn pg_month(row: &str) -> String {
    format!("to_char(({row}.awarded_at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')")
}

fn sqlite_month(row: &str) -> String {
    format!("strftime('%Y-%m', substr({row}.awarded_at, 1, 19), '+8 hours')")
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
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                let new_month = pg_month("NEW");
                let old_month = pg_month("OLD");
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION peitao_deal_months() RETURNS trigger AS $$ \
                     BEGIN \
                       IF TG_OP IN ('UPDATE', 'DELETE') THEN {take}; END IF; \
                       IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF; \
                       RETURN NULL; \
                     END $$ LANGUAGE plpgsql",
                    take = take(&old_month),
                    add = add(&new_month),
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER trg_deal_months AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} \
                     ON deals FOR EACH ROW EXECUTE FUNCTION peitao_deal_months()"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "INSERT INTO deal_months ({KEY}, value_fen, deals) \
                     SELECT lead_id, category_code, in_province, {month}, SUM(value_fen), COUNT(*) \
                     FROM deals WHERE status <> 'cancelled' \
                     GROUP BY lead_id, category_code, in_province, {month}",
                    month = pg_month("deals"),
                ))
                .await?;
            }
            _ => {
                let new_month = sqlite_month("NEW");
                let old_month = sqlite_month("OLD");
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER trg_deal_months_insert AFTER INSERT ON deals \
                     BEGIN {add}; END",
                    add = add(&new_month),
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER trg_deal_months_update AFTER UPDATE OF {WATCHED} ON deals \
                     BEGIN {take}; {add}; END",
                    take = take(&old_month),
                    add = add(&new_month),
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER trg_deal_months_delete AFTER DELETE ON deals \
                     BEGIN {take}; END",
                    take = take(&old_month),
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "INSERT INTO deal_months ({KEY}, value_fen, deals) \
                     SELECT lead_id, category_code, in_province, {month}, SUM(value_fen), COUNT(*) \
                     FROM deals WHERE status <> 'cancelled' \
                     GROUP BY lead_id, category_code, in_province, {month}",
                    month = sqlite_month("deals"),
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS trg_deal_months ON deals")
                    .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS peitao_deal_months()")
                    .await?;
            }
            _ => {
                for event in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_deal_months_{event}"
                    ))
                    .await?;
                }
            }
        }
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
