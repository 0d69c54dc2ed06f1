//! Bulk loading for benchmarks: rows written table by table in large batches inside one
//! transaction — `COPY … FROM STDIN` on PostgreSQL, multi-row `INSERT`s on SQLite — with the
//! matching change log left empty, so a million synthetic suppliers load in minutes.
//!
//! On PostgreSQL the loading session runs with `session_replication_role = replica`, which
//! switches off user triggers (the change log of migration 000011) and foreign-key checks for
//! that session only: the loader is trusted to write consistent rows. Where that is not allowed
//! (not a superuser), triggers stay on and the change log is emptied before the commit, as on
//! SQLite. Either way the matching index must then be built from the database.

use std::fmt::Write as _;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, Statement,
    sqlx::{self, Executor, pool::PoolConnection, postgres::Postgres},
};
use time::{Date, OffsetDateTime, format_description::well_known::Rfc3339};

use peitao_domain::{NeedId, OrganizationId};

use crate::{Store, StoreError};

/// One value of a bulk row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Date(Date),
    Time(OffsetDateTime),
}

/// Every table the synthetic province touches, children before parents: the order to empty them.
const DATA_TABLES: [&str; 22] = [
    "matching_changes",
    "deal_months",
    "supplier_deal_totals",
    "idempotency_keys",
    "refresh_tokens",
    "need_history",
    "organization_history",
    "deals",
    "quotes",
    "need_invitations",
    "needs",
    "production_sites",
    "credentials",
    "certifications",
    "capabilities",
    "users",
    "organizations",
    "parks",
    "category_links",
    "chains",
    "categories",
    "regions",
];

/// Tables with a `bigint` id sequence that a bulk load writes explicit ids into.
const SEQUENCED: [&str; 12] = [
    "organizations",
    "users",
    "capabilities",
    "certifications",
    "credentials",
    "production_sites",
    "needs",
    "quotes",
    "deals",
    "chains",
    "category_links",
    "matching_changes",
];

/// How many rows one SQLite `INSERT` carries.
const SQLITE_ROWS_PER_INSERT: usize = 500;

fn sqlx_error(err: sqlx::Error) -> StoreError {
    StoreError::Database(DbErr::Custom(err.to_string()))
}

enum Target {
    Postgres {
        conn: PoolConnection<Postgres>,
        /// Triggers stayed on: empty the change log before committing.
        clear_changes: bool,
    },
    Sqlite(DatabaseTransaction),
}

/// An open bulk load: one transaction, committed by [`BulkLoad::finish`]; dropped unfinished,
/// it rolls back.
pub struct BulkLoad {
    target: Target,
    buffer: String,
}

impl std::fmt::Debug for BulkLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoad").finish_non_exhaustive()
    }
}

impl Store {
    /// How many rows the reference and organisation tables hold: a synthetic province goes only
    /// into a database where all are zero, or with `force`.
    pub async fn synthetic_blockers(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut found = Vec::new();
        for table in ["organizations", "categories", "regions", "needs"] {
            let row = self
                .db
                .query_one_raw(Statement::from_string(
                    self.db.get_database_backend(),
                    format!("SELECT COUNT(*) FROM {table}"),
                ))
                .await?;
            let count: i64 = row
                .map(|row| row.try_get_by_index(0))
                .transpose()?
                .unwrap_or(0);
            if count > 0 {
                found.push((table, count));
            }
        }
        Ok(found)
    }

    /// Opens a bulk load; with `wipe`, every data table (reference data included) is emptied in
    /// the same transaction first.
    pub async fn begin_bulk_load(&self, wipe: bool) -> Result<BulkLoad, StoreError> {
        let target = match self.db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let mut conn = self
                    .db
                    .get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_error)?;
                conn.execute("BEGIN").await.map_err(sqlx_error)?;
                conn.execute("SAVEPOINT replica")
                    .await
                    .map_err(sqlx_error)?;
                let clear_changes = match conn
                    .execute("SET LOCAL session_replication_role = replica")
                    .await
                {
                    Ok(_) => false,
                    Err(err) => {
                        tracing::warn!(error = %err, "bulk load: triggers stay on");
                        conn.execute("ROLLBACK TO SAVEPOINT replica")
                            .await
                            .map_err(sqlx_error)?;
                        true
                    }
                };
                if wipe {
                    let truncate = format!(
                        "TRUNCATE {} RESTART IDENTITY CASCADE",
                        DATA_TABLES.join(", ")
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(truncate))
                        .execute(&mut *conn)
                        .await
                        .map_err(sqlx_error)?;
                }
                Target::Postgres {
                    conn,
                    clear_changes,
                }
            }
            _ => {
                let txn = self.begin_write().await?;
                if wipe {
                    for table in DATA_TABLES {
                        txn.execute_unprepared(&format!("DELETE FROM {table}"))
                            .await?;
                    }
                }
                Target::Sqlite(txn)
            }
        };
        Ok(BulkLoad {
            target,
            buffer: String::with_capacity(1 << 20),
        })
    }
}

fn copy_escape(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// One cell in PostgreSQL's `COPY` text format.
fn copy_cell(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Null => out.push_str("\\N"),
        Cell::Int(value) => {
            let _ = write!(out, "{value}");
        }
        Cell::Float(value) => {
            let _ = write!(out, "{value}");
        }
        Cell::Bool(value) => out.push(if *value { 't' } else { 'f' }),
        Cell::Text(text) => copy_escape(out, text),
        Cell::Date(date) => {
            let _ = write!(out, "{date}");
        }
        Cell::Time(at) => out.push_str(&timestamp(*at)),
    }
}

/// One cell as an SQLite literal, stored as sea-orm's SQLite driver stores it.
fn sqlite_cell(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Null => out.push_str("NULL"),
        Cell::Int(value) => {
            let _ = write!(out, "{value}");
        }
        Cell::Float(value) => {
            let _ = write!(out, "{value:?}");
        }
        Cell::Bool(value) => out.push(if *value { '1' } else { '0' }),
        Cell::Text(text) => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        Cell::Date(date) => {
            let _ = write!(out, "'{date}'");
        }
        Cell::Time(at) => {
            let _ = write!(out, "'{}'", timestamp(*at));
        }
    }
}

impl BulkLoad {
    /// Writes `rows` into `table`; each row has one cell per column, in the order given.
    pub async fn write(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Cell>],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let columns = columns.join(", ");
        match &mut self.target {
            Target::Postgres { conn, .. } => {
                let statement = format!("COPY {table} ({columns}) FROM STDIN");
                for chunk in rows.chunks(20_000) {
                    self.buffer.clear();
                    for row in chunk {
                        for (n, cell) in row.iter().enumerate() {
                            if n > 0 {
                                self.buffer.push('\t');
                            }
                            copy_cell(&mut self.buffer, cell);
                        }
                        self.buffer.push('\n');
                    }
                    let mut copy = conn.copy_in_raw(&statement).await.map_err(sqlx_error)?;
                    copy.send(self.buffer.as_bytes())
                        .await
                        .map_err(sqlx_error)?;
                    copy.finish().await.map_err(sqlx_error)?;
                }
            }
            Target::Sqlite(txn) => {
                for chunk in rows.chunks(SQLITE_ROWS_PER_INSERT) {
                    self.buffer.clear();
                    let _ = write!(self.buffer, "INSERT INTO {table} ({columns}) VALUES ");
                    for (r, row) in chunk.iter().enumerate() {
                        if r > 0 {
                            self.buffer.push(',');
                        }
                        self.buffer.push('(');
                        for (n, cell) in row.iter().enumerate() {
                            if n > 0 {
                                self.buffer.push(',');
                            }
                            sqlite_cell(&mut self.buffer, cell);
                        }
                        self.buffer.push(')');
                    }
                    txn.execute_unprepared(&self.buffer).await?;
                }
            }
        }
        Ok(())
    }

    /// Empties the change log, moves every id sequence past the ids written, commits, and
    /// refreshes the planner's statistics.
    pub async fn finish(self) -> Result<(), StoreError> {
        match self.target {
            Target::Postgres {
                mut conn,
                clear_changes,
            } => {
                if clear_changes {
                    conn.execute("DELETE FROM matching_changes")
                        .await
                        .map_err(sqlx_error)?;
                }
                // With triggers off, the deal totals (migrations 000019 and 000020) were not
                // kept: sum them from the deals written. With triggers on, this gives the same
                // rows.
                conn.execute("DELETE FROM deal_months")
                    .await
                    .map_err(sqlx_error)?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(peitao_migrations::fill_deal_months(
                    DatabaseBackend::Postgres,
                )))
                .execute(&mut *conn)
                .await
                .map_err(sqlx_error)?;
                conn.execute("DELETE FROM supplier_deal_totals")
                    .await
                    .map_err(sqlx_error)?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(
                    peitao_migrations::fill_supplier_deal_totals(),
                ))
                .execute(&mut *conn)
                .await
                .map_err(sqlx_error)?;
                for table in SEQUENCED {
                    let setval = format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(setval))
                        .execute(&mut *conn)
                        .await
                        .map_err(sqlx_error)?;
                }
                conn.execute("COMMIT").await.map_err(sqlx_error)?;
                conn.execute("ANALYZE").await.map_err(sqlx_error)?;
            }
            Target::Sqlite(txn) => {
                txn.execute_unprepared("DELETE FROM matching_changes")
                    .await?;
                txn.commit().await?;
            }
        }
        Ok(())
    }
}

/// The constants of the matching score, for [`Store::rank_suppliers_sql`]; the same meaning as
/// the matching engine's weights (`[matching.weights]`). The six component weights need not sum
/// to 1: the score divides by their sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SqlRankWeights {
    pub category_fit: f64,
    pub proximity: f64,
    pub capacity: f64,
    pub scorecard: f64,
    pub credentials: f64,
    pub chain_adjacency: f64,
    pub scorecard_prior_mean: f64,
    pub scorecard_prior_weight: f64,
    pub descendant_step: f64,
    pub ancestor_penalty: f64,
    pub same_prefecture: f64,
    pub home_province: f64,
    pub beyond_province: f64,
    pub beyond_province_half_km: f64,
    pub chain_other_lead: f64,
    pub unit_mismatch_coverage: f64,
}

/// The ranking of suppliers for one need as a single SQL statement, the way a platform without
/// an in-memory index would answer `GET /needs/{id}/matches`: every filter and component of the
/// matching model computed by PostgreSQL from the tables, with the indexes the schema has. Lists
/// computed once (related categories, candidate ids) are handed on as `= ANY (ARRAY(…))` so that
/// the planner uses those indexes instead of misjudging the recursive CTE and scanning whole
/// tables. `$1` is the need id, `$2` the limit.
const RANK_SQL: &str = r#"
WITH RECURSIVE
need AS (
    SELECT n.id, n.organization_id AS lead, n.category_code AS category,
           GREATEST(n.quantity - n.awarded_quantity, 0) AS qty,
           lower(btrim(n.unit)) AS unit,
           n.required_certifications::jsonb AS required,
           (n.response_deadline AT TIME ZONE 'UTC')::date AS deadline,
           n.delivery_region_code AS delivery, n.visibility,
           r.longitude AS lon, r.latitude AS lat
    FROM needs n JOIN regions r ON r.code = n.delivery_region_code
    WHERE n.id = $1
),
below (code, depth) AS (
    SELECT category, 0 FROM need
    UNION ALL
    SELECT c.code, b.depth + 1 FROM categories c JOIN below b ON c.parent_code = b.code
),
above (code, depth) AS (
    SELECT c.parent_code, 1 FROM categories c JOIN need ON c.code = need.category
    WHERE c.parent_code IS NOT NULL
    UNION ALL
    SELECT c.parent_code, a.depth + 1 FROM categories c JOIN above a ON c.code = a.code
    WHERE c.parent_code IS NOT NULL
),
related (code, fit) AS (
    SELECT code, power(1 - {descendant_step}, depth) FROM below
    UNION ALL
    SELECT code, (1 - {ancestor_penalty}) * power(1 - {descendant_step}, depth - 1) FROM above
),
committed AS (
    SELECT d.supplier_id, dn.category_code, SUM(d.quantity) AS qty
    FROM deals d JOIN needs dn ON dn.id = d.need_id
    WHERE d.status = 'active' AND dn.category_code = ANY (ARRAY(SELECT code FROM related))
    GROUP BY d.supplier_id, dn.category_code
),
capability AS (
    SELECT DISTINCT ON (c.organization_id)
           c.organization_id AS supplier_id, c.category_code, rel.fit,
           CASE WHEN lower(btrim(c.unit)) <> need.unit THEN {unit_mismatch_coverage}
                WHEN need.qty = 0 OR c.annual_capacity - COALESCE(cm.qty, 0) >= need.qty THEN 1.0
                ELSE (c.annual_capacity - COALESCE(cm.qty, 0))::float8 / need.qty
           END AS coverage
    FROM capabilities c
    JOIN related rel ON rel.code = c.category_code
    CROSS JOIN need
    LEFT JOIN committed cm
           ON cm.supplier_id = c.organization_id AND cm.category_code = c.category_code
    WHERE c.category_code = ANY (ARRAY(SELECT code FROM related))
      AND c.annual_capacity - COALESCE(cm.qty, 0) > 0
    ORDER BY c.organization_id,
             {w_fit} * rel.fit + {w_capacity} * (CASE
                 WHEN lower(btrim(c.unit)) <> need.unit THEN {unit_mismatch_coverage}
                 WHEN need.qty = 0 OR c.annual_capacity - COALESCE(cm.qty, 0) >= need.qty THEN 1.0
                 ELSE (c.annual_capacity - COALESCE(cm.qty, 0))::float8 / need.qty END) DESC,
             c.category_code
),
candidate AS (
    SELECT cap.supplier_id, cap.fit, cap.coverage, o.region_code AS home
    FROM capability cap
    JOIN organizations o ON o.id = cap.supplier_id
    CROSS JOIN need
    WHERE o.kind = 'sme'
      {verified}
      AND EXISTS (SELECT 1 FROM users u WHERE u.organization_id = o.id AND u.disabled_at IS NULL)
      AND NOT EXISTS (
          SELECT 1 FROM jsonb_array_elements_text(need.required) AS k (kind)
          WHERE NOT EXISTS (
              SELECT 1 FROM certifications ce
              WHERE ce.organization_id = o.id AND ce.kind = k.kind
                AND ce.valid_from <= need.deadline AND need.deadline <= ce.valid_until))
      AND (need.visibility = 'public'
           OR (need.visibility = 'province' AND left(o.region_code, 2) = '{home}')
           OR (need.visibility = 'invited' AND EXISTS (
                  SELECT 1 FROM need_invitations i
                  WHERE i.need_id = need.id AND i.supplier_id = o.id)))
),
site AS (
    SELECT supplier_id, home AS region FROM candidate
    UNION
    SELECT ps.organization_id, ps.region_code
    FROM production_sites ps
    WHERE ps.organization_id = ANY (ARRAY(SELECT supplier_id FROM candidate))
),
proximity AS (
    SELECT s.supplier_id, MAX(CASE
        WHEN left(s.region, 2) = '{home}' THEN CASE
            WHEN s.region = need.delivery THEN 1.0
            -- County-level units directly under the province (xx90xx) are their own prefecture.
            WHEN left(s.region, 4) = left(need.delivery, 4) AND substr(s.region, 3, 2) <> '90'
                THEN {same_prefecture}
            ELSE {home_province} END
        WHEN r.longitude IS NULL OR need.lon IS NULL THEN 0.0
        ELSE {beyond_province} * power(2.0, -(2 * 6371.0088 * asin(least(1.0, sqrt(
                 power(sin(radians(r.latitude - need.lat) / 2), 2)
                 + cos(radians(r.latitude)) * cos(radians(need.lat))
                   * power(sin(radians(r.longitude - need.lon) / 2), 2)))))
             / {beyond_province_half_km})
        END) AS proximity
    FROM site s LEFT JOIN regions r ON r.code = s.region CROSS JOIN need
    GROUP BY s.supplier_id
),
scorecard AS (
    SELECT d.supplier_id, COUNT(*) AS deals,
           SUM(CASE WHEN d.on_time THEN 1 ELSE 0 END) AS on_time,
           SUM(COALESCE(d.quality_rating, 0)) AS quality
    FROM deals d
    WHERE d.supplier_id = ANY (ARRAY(SELECT supplier_id FROM candidate))
      AND d.status = 'fulfilled'
    GROUP BY d.supplier_id
),
credential AS (
    SELECT cr.organization_id AS supplier_id, MAX(CASE cr.tier
               WHEN 'innovative_sme' THEN 1 WHEN 'high_tech' THEN 2
               WHEN 'specialised_sme' THEN 3 WHEN 'little_giant' THEN 4
               WHEN 'single_champion' THEN 5 ELSE 0 END) / 5.0 AS value
    FROM credentials cr CROSS JOIN need
    WHERE cr.organization_id = ANY (ARRAY(SELECT supplier_id FROM candidate))
      AND cr.valid_from <= need.deadline AND need.deadline <= cr.valid_until
    GROUP BY cr.organization_id
),
neighbour AS (
    SELECT category AS code FROM need
    UNION SELECT l.downstream_code FROM category_links l JOIN need ON l.upstream_code = need.category
    UNION SELECT l.upstream_code FROM category_links l JOIN need ON l.downstream_code = need.category
),
chain AS (
    SELECT d.supplier_id,
           MAX(CASE WHEN d.lead_id = need.lead THEN 1.0 ELSE {chain_other_lead} END) AS value
    FROM deals d
    JOIN needs dn ON dn.id = d.need_id
    CROSS JOIN need
    WHERE d.supplier_id = ANY (ARRAY(SELECT supplier_id FROM candidate))
      AND d.status IN ('active', 'fulfilled')
      AND dn.category_code = ANY (ARRAY(SELECT code FROM neighbour))
    GROUP BY d.supplier_id
)
SELECT c.supplier_id,
       LEAST(1.0, GREATEST(0.0,
           {w_fit} * c.fit
         + {w_proximity} * COALESCE(p.proximity, 0.0)
         + {w_capacity} * c.coverage
         + {w_scorecard} * ({prior_weight} * {prior_mean}
               + COALESCE(0.5 * sc.on_time + 0.5 * (sc.quality - sc.deals) / 4.0, 0.0))
               / ({prior_weight} + COALESCE(sc.deals, 0))
         + {w_credentials} * COALESCE(cr.value, 0.0)
         + {w_chain} * COALESCE(ch.value, 0.0)))::float8 AS score
FROM candidate c
LEFT JOIN proximity p ON p.supplier_id = c.supplier_id
LEFT JOIN scorecard sc ON sc.supplier_id = c.supplier_id
LEFT JOIN credential cr ON cr.supplier_id = c.supplier_id
LEFT JOIN chain ch ON ch.supplier_id = c.supplier_id
ORDER BY score DESC, c.supplier_id
LIMIT $2
"#;

/// The statement of [`RANK_SQL`] with the weights written in.
pub fn rank_suppliers_sql_text(
    weights: &SqlRankWeights,
    home_province: &str,
    require_verified: bool,
) -> String {
    let total = weights.category_fit
        + weights.proximity
        + weights.capacity
        + weights.scorecard
        + weights.credentials
        + weights.chain_adjacency;
    let total = if total > 0.0 { total } else { 1.0 };
    let float = |value: f64| format!("{value:?}::float8");
    let home: String = home_province
        .chars()
        .filter(char::is_ascii_digit)
        .take(2)
        .collect();
    RANK_SQL
        .replace("{descendant_step}", &float(weights.descendant_step))
        .replace("{ancestor_penalty}", &float(weights.ancestor_penalty))
        .replace(
            "{unit_mismatch_coverage}",
            &float(weights.unit_mismatch_coverage),
        )
        .replace("{same_prefecture}", &float(weights.same_prefecture))
        .replace("{home_province}", &float(weights.home_province))
        .replace("{beyond_province}", &float(weights.beyond_province))
        .replace(
            "{beyond_province_half_km}",
            &float(weights.beyond_province_half_km),
        )
        .replace("{chain_other_lead}", &float(weights.chain_other_lead))
        .replace(
            "{prior_weight}",
            &float(weights.scorecard_prior_weight.max(0.0)),
        )
        .replace(
            "{prior_mean}",
            &float(weights.scorecard_prior_mean.clamp(0.0, 1.0)),
        )
        .replace("{w_fit}", &float(weights.category_fit / total))
        .replace("{w_proximity}", &float(weights.proximity / total))
        .replace("{w_capacity}", &float(weights.capacity / total))
        .replace("{w_scorecard}", &float(weights.scorecard / total))
        .replace("{w_credentials}", &float(weights.credentials / total))
        .replace("{w_chain}", &float(weights.chain_adjacency / total))
        .replace(
            "{verified}",
            if require_verified {
                "AND o.verified"
            } else {
                ""
            },
        )
        .replace("{home}", &home)
}

impl Store {
    /// Ranks suppliers for a need with one SQL statement (see [`rank_suppliers_sql_text`]), on
    /// PostgreSQL only: the baseline the in-memory index is measured against. `statement` is the
    /// text that function returned.
    pub async fn rank_suppliers_sql(
        &self,
        statement: &str,
        need: NeedId,
        limit: i64,
    ) -> Result<Vec<(OrganizationId, f64)>, StoreError> {
        if self.db.get_database_backend() != DatabaseBackend::Postgres {
            return Err(StoreError::Database(DbErr::Custom(
                "the SQL ranking baseline runs on PostgreSQL only".into(),
            )));
        }
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                statement,
                [need.0.into(), limit.into()],
            ))
            .await?;
        rows.into_iter()
            .map(|row| {
                let id: i64 = row.try_get_by_index(0)?;
                let score: f64 = row.try_get_by_index(1)?;
                Ok((OrganizationId(id), score))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators() {
        let mut out = String::new();
        copy_cell(&mut out, &Cell::Text("a\tb\\c\nd".into()));
        assert_eq!(out, "a\\tb\\\\c\\nd");
        out.clear();
        copy_cell(&mut out, &Cell::Null);
        assert_eq!(out, "\\N");
    }

    #[test]
    fn sqlite_literals_quote_text() {
        let mut out = String::new();
        sqlite_cell(&mut out, &Cell::Text("O'Brien".into()));
        assert_eq!(out, "'O''Brien'");
        out.clear();
        sqlite_cell(&mut out, &Cell::Bool(true));
        assert_eq!(out, "1");
    }
}
