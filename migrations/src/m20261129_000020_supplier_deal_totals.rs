//! Deal totals per supplier (`supplier_deal_totals`): for each supplier, lead and category, what
//! its live deals (active or fulfilled) add up to — how many, the units active ones commit, and
//! the fulfilled ones' count, on-time count and quality ratings. The matching engine's bulk load
//! reads these rows, one per (supplier, lead, category), instead of summing 7.7 million deals
//! range by range when a province has a million suppliers.
//!
//! Triggers keep the table exact in the transaction of the change to `deals`, as those of
//! migration 000019 do: an insert adds the deal, an update of a column the totals depend on takes
//! the old row out and puts the new one in, a deletion takes the deal out. Cancelled deals count
//! for nothing. Existing deals are summed into the table here. A row whose `live` count is 0 is
//! a pair the supplier no longer supplies; readers skip it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

use crate::totals_triggers::TotalsTriggers;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY: &str = "supplier_id, lead_id, category_code";

const WATCHED: &str =
    "status, quantity, on_time, quality_rating, supplier_id, lead_id, category_code";

/// The five totals of one deal `row` (`NEW`, `OLD` or a table alias), in column order.
fn parts(row: &str) -> [String; 5] {
    [
        "1".to_owned(),
        format!(
            "CASE WHEN {row}.status = 'active' AND {row}.quantity > 0 THEN {row}.quantity ELSE 0 END"
        ),
        format!("CASE WHEN {row}.status = 'fulfilled' THEN 1 ELSE 0 END"),
        format!("CASE WHEN {row}.status = 'fulfilled' AND {row}.on_time THEN 1 ELSE 0 END"),
        format!(
            "CASE WHEN {row}.status = 'fulfilled' AND {row}.quality_rating > 0 \
             THEN {row}.quality_rating ELSE 0 END"
        ),
    ]
}

const TOTALS: [&str; 5] = ["live", "committed", "fulfilled", "on_time", "quality"];

fn live(row: &str) -> String {
    format!("{row}.status IN ('active', 'fulfilled')")
}

fn add() -> String {
    let parts = parts("NEW");
    let updates: Vec<String> = TOTALS
        .iter()
        .map(|total| format!("{total} = supplier_deal_totals.{total} + excluded.{total}"))
        .collect();
    format!(
        "INSERT INTO supplier_deal_totals ({KEY}, {totals}) \
         SELECT NEW.supplier_id, NEW.lead_id, NEW.category_code, {parts} WHERE {live} \
         ON CONFLICT ({KEY}) DO UPDATE SET {updates}",
        totals = TOTALS.join(", "),
        parts = parts.join(", "),
        live = live("NEW"),
        updates = updates.join(", "),
    )
}

fn take() -> String {
    let parts = parts("OLD");
    let updates: Vec<String> = TOTALS
        .iter()
        .zip(&parts)
        .map(|(total, part)| format!("{total} = {total} - ({part})"))
        .collect();
    format!(
        "UPDATE supplier_deal_totals SET {updates} \
         WHERE {live} AND supplier_id = OLD.supplier_id AND lead_id = OLD.lead_id \
           AND category_code = OLD.category_code",
        updates = updates.join(", "),
        live = live("OLD"),
    )
}

fn triggers() -> TotalsTriggers<'static> {
    TotalsTriggers {
        name: "supplier_deal_totals",
        source: "deals",
        watched: WATCHED,
        add: |_| add(),
        take: |_| take(),
    }
}

/// The totals summed afresh from `deals`, for the backfill and for bulk loads.
pub fn fill_sql() -> String {
    let sums: Vec<String> = parts("d")
        .iter()
        .map(|part| format!("SUM({part})"))
        .collect();
    format!(
        "INSERT INTO supplier_deal_totals ({KEY}, {totals}) \
         SELECT d.supplier_id, d.lead_id, d.category_code, {sums} FROM deals d \
         WHERE {live} GROUP BY d.supplier_id, d.lead_id, d.category_code",
        totals = TOTALS.join(", "),
        sums = sums.join(", "),
        live = live("d"),
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
                    .table(SupplierDealTotals::Table)
                    .col(big_integer(SupplierDealTotals::SupplierId))
                    .col(big_integer(SupplierDealTotals::LeadId))
                    .col(string_len(SupplierDealTotals::CategoryCode, 64))
                    .col(big_integer(SupplierDealTotals::Live))
                    .col(big_integer(SupplierDealTotals::Committed))
                    .col(big_integer(SupplierDealTotals::Fulfilled))
                    .col(big_integer(SupplierDealTotals::OnTime))
                    .col(big_integer(SupplierDealTotals::Quality))
                    .primary_key(
                        Index::create()
                            .col(SupplierDealTotals::SupplierId)
                            .col(SupplierDealTotals::LeadId)
                            .col(SupplierDealTotals::CategoryCode),
                    )
                    .to_owned(),
            )
            .await?;
        triggers().create(manager).await?;
        let db = manager.get_connection();
        db.execute_unprepared(&fill_sql()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers().drop(manager).await?;
        manager
            .drop_table(Table::drop().table(SupplierDealTotals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SupplierDealTotals {
    Table,
    SupplierId,
    LeadId,
    CategoryCode,
    Live,
    Committed,
    Fulfilled,
    OnTime,
    Quality,
}
