//! Aggregates for the park administrators' statistics. Every figure is summed or counted in the
//! database, grouped as finely as the arithmetic needs (per lead and category, per period bucket):
//! the rows that come back are a few per lead, never one per deal.

use peitao_domain::{CategoryCode, OrganizationId, ParkId, RegionCode};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, QueryResult, Statement,
    TransactionTrait, Value,
};
use time::{OffsetDateTime, UtcOffset};

use crate::{Store, StoreError};

/// Whose figures: every lead enterprise, a park's, or one lead's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsScope {
    Everything,
    Park(ParkId),
    Lead(OrganizationId),
}

/// A lead enterprise in scope, with what statistics group it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadInfo {
    pub id: OrganizationId,
    pub name: String,
    pub region: RegionCode,
    pub park: Option<ParkId>,
}

/// A half-open time range `[start, end)`.
pub type Bucket = (OffsetDateTime, OffsetDateTime);

/// The pairing funnel of the needs published in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FunnelFigures {
    pub needs_published: (i64, i64),
    pub needs_matched: (i64, i64),
    pub quotes: (i64, i64),
    pub needs_quoted: (i64, i64),
    pub needs_awarded: (i64, i64),
    pub deals: (i64, i64),
    pub deals_fulfilled: (i64, i64),
    /// Median seconds from publishing to the first quote, over needs that got one.
    pub median_seconds_to_first_quote: Option<f64>,
    /// Median seconds from publishing to the first award, over needs awarded.
    pub median_seconds_to_award: Option<f64>,
}

/// Demand for one category from leads in scope: open needs' remaining value and the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandCell {
    pub category: CategoryCode,
    pub lead: OrganizationId,
    pub open_value_fen: i64,
    pub baseline_value_fen: i64,
    pub baseline_out_of_province_fen: i64,
}

/// A statement with `?` placeholders, numbered for PostgreSQL.
pub(crate) fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    numbered.push('$');
                    numbered.push_str(&n.to_string());
                } else {
                    numbered.push(ch);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Stored timestamps are UTC; bounds are compared in the same form on SQLite, where they are text.
pub(crate) fn utc(at: OffsetDateTime) -> Value {
    at.to_offset(UtcOffset::UTC).into()
}

/// The condition restricting `column` (an organisation id of a lead) to the scope.
pub(crate) fn scope_condition(scope: StatsScope, column: &str, values: &mut Vec<Value>) -> String {
    match scope {
        StatsScope::Everything => "1 = 1".to_owned(),
        StatsScope::Park(park) => {
            values.push(park.0.into());
            format!("{column} IN (SELECT id FROM organizations WHERE park_id = ?)")
        }
        StatsScope::Lead(lead) => {
            values.push(lead.0.into());
            format!("{column} = ?")
        }
    }
}

pub(crate) fn get<T: sea_orm::TryGetable>(
    row: &QueryResult,
    index: usize,
) -> Result<T, StoreError> {
    Ok(row.try_get_by_index::<T>(index)?)
}

/// A pair of count and value in fen from two columns.
fn pair(row: &QueryResult, index: usize) -> Result<(i64, i64), StoreError> {
    Ok((get::<i64>(row, index)?, get::<i64>(row, index + 1)?))
}

impl Store {
    /// A transaction for one report's reads. On PostgreSQL it may sort and hash in more memory
    /// than a request usually gets (so a million deals aggregate without spilling to disk), skips
    /// JIT compilation, which costs more than it saves on queries of this size, and plans every
    /// statement afresh. It is never committed: dropping it ends it.
    pub(crate) async fn reporting(&self) -> Result<DatabaseTransaction, StoreError> {
        let txn = self.db.begin().await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            txn.execute_unprepared("SET LOCAL work_mem = '64MB'")
                .await?;
            txn.execute_unprepared("SET LOCAL jit = off").await?;
            // Plan each statement for its own bounds and scope. After five runs of a prepared
            // statement PostgreSQL may switch to a generic plan, which cannot see that a period
            // covers every deal: it walked the award-date index and sorted 1M rows on disk
            // (2.4 s against 0.34 s), so every report after the fifth on a connection was slow.
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
                .await?;
        }
        Ok(txn)
    }

    /// The lead enterprises in scope, by id.
    pub async fn stats_leads(&self, scope: StatsScope) -> Result<Vec<LeadInfo>, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let mut values = Vec::new();
        let condition = scope_condition(scope, "id", &mut values);
        let sql = format!(
            "SELECT id, name, region_code, park_id FROM organizations \
             WHERE kind = 'lead' AND {condition} ORDER BY id"
        );
        let rows = txn.query_all_raw(statement(backend, &sql, values)).await?;
        rows.iter()
            .map(|row| {
                Ok(LeadInfo {
                    id: OrganizationId(get(row, 0)?),
                    name: get(row, 1)?,
                    region: RegionCode::parse(&get::<String>(row, 2)?)?,
                    park: get::<Option<i64>>(row, 3)?.map(ParkId),
                })
            })
            .collect()
    }

    /// The funnel of the needs leads in scope published in `[start, end)`: each stage's count
    /// and value, and the median times to a first quote and to an award.
    pub async fn funnel(
        &self,
        scope: StatsScope,
        (start, end): Bucket,
    ) -> Result<FunnelFigures, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let cohort = |values: &mut Vec<Value>| {
            values.push(utc(start));
            values.push(utc(end));
            let condition = scope_condition(scope, "n.organization_id", values);
            format!("n.published_at >= ? AND n.published_at < ? AND {condition}")
        };
        let live_deal = "d.status <> 'cancelled'";

        let mut values = Vec::new();
        let where_cohort = cohort(&mut values);
        let needs_sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(n.estimated_value_fen), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN n.matched_at_publish THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN n.matched_at_publish THEN n.estimated_value_fen ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM quotes q WHERE q.need_id = n.id) THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM quotes q WHERE q.need_id = n.id) THEN n.estimated_value_fen ELSE 0 END), 0) AS BIGINT) \
             FROM needs n WHERE {where_cohort}"
        );
        let needs = txn
            .query_one_raw(statement(backend, &needs_sql, values))
            .await?
            .ok_or(StoreError::NotFound)?;

        let mut values = Vec::new();
        let where_cohort = cohort(&mut values);
        let quotes_sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(q.unit_price_fen * q.quantity), 0) AS BIGINT) \
             FROM quotes q JOIN needs n ON n.id = q.need_id WHERE {where_cohort}"
        );
        let quotes = txn
            .query_one_raw(statement(backend, &quotes_sql, values))
            .await?
            .ok_or(StoreError::NotFound)?;

        let mut values = Vec::new();
        let where_cohort = cohort(&mut values);
        let deals_sql = format!(
            "SELECT COUNT(DISTINCT d.need_id), COUNT(*), CAST(COALESCE(SUM(d.value_fen), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN d.status = 'fulfilled' THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN d.status = 'fulfilled' THEN d.value_fen ELSE 0 END), 0) AS BIGINT) \
             FROM deals d JOIN needs n ON n.id = d.need_id WHERE {live_deal} AND {where_cohort}"
        );
        let deals = txn
            .query_one_raw(statement(backend, &deals_sql, values))
            .await?
            .ok_or(StoreError::NotFound)?;

        let mut values = Vec::new();
        let where_cohort = cohort(&mut values);
        let awarded_value_sql = format!(
            "SELECT CAST(COALESCE(SUM(n.estimated_value_fen), 0) AS BIGINT) FROM needs n \
             WHERE EXISTS (SELECT 1 FROM deals d WHERE d.need_id = n.id AND {live_deal}) \
               AND {where_cohort}"
        );
        let awarded_value: i64 = txn
            .query_one_raw(statement(backend, &awarded_value_sql, values))
            .await?
            .map(|row| get(&row, 0))
            .transpose()?
            .unwrap_or(0);

        let first_quote = self
            .median_delay(
                scope,
                (start, end),
                "SELECT need_id, MIN(created_at) AS at FROM quotes GROUP BY need_id",
            )
            .await?;
        let first_award = self
            .median_delay(
                scope,
                (start, end),
                "SELECT need_id, MIN(awarded_at) AS at FROM deals \
                 WHERE status <> 'cancelled' GROUP BY need_id",
            )
            .await?;

        Ok(FunnelFigures {
            needs_published: pair(&needs, 0)?,
            needs_matched: pair(&needs, 2)?,
            quotes: pair(&quotes, 0)?,
            needs_quoted: pair(&needs, 4)?,
            needs_awarded: (get(&deals, 0)?, awarded_value),
            deals: pair(&deals, 1)?,
            deals_fulfilled: pair(&deals, 3)?,
            median_seconds_to_first_quote: first_quote,
            median_seconds_to_award: first_award,
        })
    }

    /// The median of (first `at` − published_at) in seconds over the cohort's needs that have an
    /// `at`, from `firsts` (a query of `need_id, at`).
    async fn median_delay(
        &self,
        scope: StatsScope,
        (start, end): Bucket,
        firsts: &str,
    ) -> Result<Option<f64>, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let seconds = match backend {
            DatabaseBackend::Postgres => "EXTRACT(EPOCH FROM (f.at - n.published_at))::float8",
            _ => "(julianday(f.at) - julianday(n.published_at)) * 86400.0",
        };
        let mut values = vec![utc(start), utc(end)];
        let condition = scope_condition(scope, "n.organization_id", &mut values);
        let sql = format!(
            "SELECT AVG(s) FROM ( \
               SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS r, COUNT(*) OVER () AS c FROM ( \
                 SELECT {seconds} AS s FROM needs n JOIN ({firsts}) f ON f.need_id = n.id \
                 WHERE n.published_at >= ? AND n.published_at < ? AND {condition}) x) y \
             WHERE r IN ((c + 1) / 2, (c + 2) / 2)"
        );
        Ok(txn
            .query_one_raw(statement(backend, &sql, values))
            .await?
            .map(|row| get::<Option<f64>>(&row, 0))
            .transpose()?
            .flatten())
    }

    /// Demand per category and lead in scope: open needs' remaining estimated value, and the
    /// baseline (with its out-of-province part).
    pub async fn demand_cells(&self, scope: StatsScope) -> Result<Vec<DemandCell>, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let mut values = Vec::new();
        let needs_scope = scope_condition(scope, "n.organization_id", &mut values);
        let boms_scope = scope_condition(scope, "b.organization_id", &mut values);
        let sql = format!(
            "SELECT category_code, lead, CAST(SUM(open_value) AS BIGINT), \
                    CAST(SUM(baseline) AS BIGINT), CAST(SUM(baseline_out) AS BIGINT) FROM ( \
               SELECT n.category_code, n.organization_id AS lead, \
                      n.estimated_value_fen * (n.quantity - n.awarded_quantity) / n.quantity AS open_value, \
                      0 AS baseline, 0 AS baseline_out \
               FROM needs n WHERE n.status IN ('published', 'partly_awarded') AND {needs_scope} \
               UNION ALL \
               SELECT l.category_code, b.organization_id, 0, l.annual_value_fen, \
                      CASE WHEN l.in_province THEN 0 ELSE l.annual_value_fen END \
               FROM bom_lines l JOIN boms b ON b.id = l.bom_id \
               WHERE b.id IN (SELECT MAX(id) FROM boms GROUP BY organization_id) AND {boms_scope} \
             ) t GROUP BY category_code, lead"
        );
        let rows = txn.query_all_raw(statement(backend, &sql, values)).await?;
        rows.iter()
            .map(|row| {
                Ok(DemandCell {
                    category: CategoryCode::parse(&get::<String>(row, 0)?)?,
                    lead: OrganizationId(get(row, 1)?),
                    open_value_fen: get(row, 2)?,
                    baseline_value_fen: get(row, 3)?,
                    baseline_out_of_province_fen: get(row, 4)?,
                })
            })
            .collect()
    }
}
