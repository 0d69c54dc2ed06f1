//! The supporting rate worked out in the database. Each (lead, category) is a cell: its baseline
//! (the latest bill of materials, prorated to the period) and its deals. The rule of
//! [`Sourcing::current`] is applied to every cell in SQL and the cells are summed per lead or per
//! category, so a report over a million deals returns a few hundred rows, not one per cell.
//!
//! Deals come from the monthly totals (`deal_months`, migration 000019) for the whole calendar
//! months of a period and from `deals` itself for a part month at either end.
//!
//! The arithmetic is the domain's, written out: proration is [`prorate`] (an `f64` product
//! rounded half away from zero: `floor(x)`, plus one when the fraction is at least a half, the
//! same on both databases because the product is the same IEEE double), the rule is
//! [`Sourcing::current`] and the counts are those of [`RateTotals::add`]. The statistics tests
//! compare both ways on hand-computed fixtures.
//!
//! [`Sourcing::current`]: peitao_domain::Sourcing::current
//! [`prorate`]: peitao_domain::supporting::prorate

use std::collections::BTreeSet;

use peitao_domain::{CategoryCode, OrganizationId, Period, RateTotals, Split};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Value};

use crate::{
    Store, StoreError,
    stats::{StatsScope, get, scope_condition, statement, utc},
};

/// The ten sums of a [`RateTotals`], as SQL over a cell's `bi`, `bo` (baseline in and out of the
/// province, prorated), `di`, `do_` (deals) and `ci`, `co` (current).
const TOTALS: &str = "CAST(SUM(bi) AS BIGINT), CAST(SUM(bo) AS BIGINT), \
     CAST(SUM(ci) AS BIGINT), CAST(SUM(co) AS BIGINT), \
     CAST(SUM(di) AS BIGINT), CAST(SUM(do_) AS BIGINT), \
     CAST(SUM(CASE WHEN bi + bo > 0 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN bi > 0 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN ci + co > 0 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN ci > 0 THEN 1 ELSE 0 END) AS BIGINT)";

/// `ci` and `co` from `bi`, `bo`, `di`, `do_`: an in-province deal switches baseline value away
/// from the out-of-province lines up to their value; what is left outside is replaced by the
/// out-of-province deals, or stays.
const CURRENT: &str = "bi + di AS ci, \
     CASE WHEN (CASE WHEN di < bo THEN bo - di ELSE 0 END) > do_ \
          THEN (CASE WHEN di < bo THEN bo - di ELSE 0 END) ELSE do_ END AS co";

/// `x` (a non-negative double) rounded half away from zero, still a double.
fn rounded(backend: DatabaseBackend, x: &str) -> String {
    let floor = match backend {
        DatabaseBackend::Postgres => format!("FLOOR({x})"),
        // Truncation is the floor for x >= 0; SQLite may lack FLOOR.
        _ => format!("CAST(CAST({x} AS INTEGER) AS REAL)"),
    };
    format!("({floor} + CASE WHEN {x} - {floor} >= 0.5 THEN 1 ELSE 0 END)")
}

/// The condition leaving out the excluded categories, by `column`.
fn kept(column: &str, excluded: &BTreeSet<CategoryCode>, values: &mut Vec<Value>) -> String {
    if excluded.is_empty() {
        return "1 = 1".to_owned();
    }
    let marks = vec!["?"; excluded.len()].join(", ");
    values.extend(
        excluded
            .iter()
            .map(|code| Value::from(code.as_str().to_owned())),
    );
    format!("{column} NOT IN ({marks})")
}

/// Every line of each lead's baseline as rows `lead, cat, a_in, a_out`, annual values in fen.
fn baseline_lines(
    scope: StatsScope,
    excluded: &BTreeSet<CategoryCode>,
    values: &mut Vec<Value>,
) -> String {
    let scoped = scope_condition(scope, "b.organization_id", values);
    let kept = kept("l.category_code", excluded, values);
    format!(
        "SELECT b.organization_id AS lead, l.category_code AS cat, \
                CASE WHEN l.in_province THEN {value} ELSE 0 END AS a_in, \
                CASE WHEN l.in_province THEN 0 ELSE {value} END AS a_out \
         FROM bom_lines l JOIN boms b ON b.id = l.bom_id \
         WHERE b.id IN (SELECT MAX(id) FROM boms GROUP BY organization_id) \
           AND {scoped} AND {kept}",
        value = fen("l.annual_value_fen"),
    )
}

/// Every lead's baseline summed per (lead, category): `lead, cat, a_in, a_out`.
fn baseline_cells(
    scope: StatsScope,
    excluded: &BTreeSet<CategoryCode>,
    values: &mut Vec<Value>,
) -> String {
    let lines = baseline_lines(scope, excluded, values);
    format!(
        "SELECT lead, cat, SUM(a_in) AS a_in, SUM(a_out) AS a_out FROM ({lines}) l \
         GROUP BY lead, cat"
    )
}

/// A value in fen as a double. Sums of whole numbers are exact in doubles up to 2^53 fen (about
/// 90 trillion yuan), far beyond any province's sourcing, and PostgreSQL adds doubles several
/// times faster than it adds `bigint`s, whose sums it keeps as 128-bit or `numeric` states.
fn fen(column: &str) -> String {
    format!("CAST({column} AS DOUBLE PRECISION)")
}

/// The deals of each bucket, as rows `bucket, lead, cat, d_in, d_out`, not yet summed. The
/// buckets are contiguous; whole months come from `deal_months`, part months from `deals`.
fn deal_rows(
    scope: StatsScope,
    excluded: &BTreeSet<CategoryCode>,
    buckets: &[Period],
    values: &mut Vec<Value>,
) -> String {
    let mut whole: Vec<(String, usize)> = Vec::new();
    let mut parts: Vec<(Period, usize)> = Vec::new();
    for (position, bucket) in buckets.iter().enumerate() {
        for month in bucket.months() {
            if month.is_whole_month() {
                whole.push((month.month_label(), position));
            } else {
                parts.push((month, position));
            }
        }
    }
    let split = format!(
        "CASE WHEN in_province THEN {value} ELSE 0 END AS d_in, \
         CASE WHEN in_province THEN 0 ELSE {value} END AS d_out",
        value = fen("value_fen"),
    );
    let mut selects = Vec::new();
    if let (Some((first, _)), Some((last, _))) = (whole.first(), whole.last()) {
        let (first, last) = (first.clone(), last.clone());
        // The bucket of a month, by binary search over the months' labels, which sort as text.
        fn search(months: &[(String, usize)], values: &mut Vec<Value>) -> String {
            match months {
                [] => "0".to_owned(),
                [(_, position)] => position.to_string(),
                _ if months.iter().all(|(_, position)| *position == months[0].1) => {
                    months[0].1.to_string()
                }
                _ => {
                    let middle = months.len() / 2;
                    values.push(months[middle].0.clone().into());
                    let below = search(&months[..middle], values);
                    let above = search(&months[middle..], values);
                    format!("CASE WHEN month < ? THEN {below} ELSE {above} END")
                }
            }
        }
        let bucket = search(&whole, values);
        values.push(first.into());
        values.push(last.into());
        let scoped = scope_condition(scope, "lead_id", values);
        let kept = kept("category_code", excluded, values);
        selects.push(format!(
            "SELECT {bucket} AS bucket, lead_id AS lead, category_code AS cat, {split} \
             FROM deal_months WHERE month >= ? AND month <= ? AND {scoped} AND {kept}"
        ));
    }
    for (part, position) in parts {
        values.push(utc(part.starts_at()));
        values.push(utc(part.ends_before()));
        let scoped = scope_condition(scope, "lead_id", values);
        let kept = kept("category_code", excluded, values);
        selects.push(format!(
            "SELECT {position} AS bucket, lead_id AS lead, category_code AS cat, {split} \
             FROM deals WHERE status <> 'cancelled' AND awarded_at >= ? AND awarded_at < ? \
               AND {scoped} AND {kept}"
        ));
    }
    selects.join(" UNION ALL ")
}

/// A value split by origin from the two columns at `at`.
fn split_at(row: &QueryResult, at: usize) -> Result<Split, StoreError> {
    Ok(Split {
        in_province: get(row, at)?,
        out_of_province: get(row, at + 1)?,
    })
}

/// A count of categories from the column at `at`.
fn count_at(row: &QueryResult, at: usize) -> Result<u64, StoreError> {
    u64::try_from(get::<i64>(row, at)?)
        .map_err(|_| StoreError::Corrupt("a negative count of categories".into()))
}

/// A position in a list (a share, a bucket) from the column at `at`.
fn position_at(row: &QueryResult, at: usize) -> Result<usize, StoreError> {
    usize::try_from(get::<i64>(row, at)?)
        .map_err(|_| StoreError::Corrupt("a negative position".into()))
}

/// The totals of one row from its ten sums starting at `at`.
fn totals(row: &QueryResult, at: usize) -> Result<RateTotals, StoreError> {
    Ok(RateTotals {
        baseline: split_at(row, at)?,
        current: split_at(row, at + 2)?,
        deals: split_at(row, at + 4)?,
        baseline_categories: count_at(row, at + 6)?,
        baseline_categories_in_province: count_at(row, at + 7)?,
        current_categories: count_at(row, at + 8)?,
        current_categories_in_province: count_at(row, at + 9)?,
    })
}

/// What the cells of a period are summed by.
#[derive(Debug, Clone, Copy)]
enum SumBy {
    Lead,
    Category,
}

impl Store {
    /// The supporting-rate totals of each lead in scope over `period`, leaving out `excluded`
    /// categories; a lead that sourced nothing is absent.
    pub async fn rate_totals_by_lead(
        &self,
        scope: StatsScope,
        period: Period,
        excluded: &BTreeSet<CategoryCode>,
    ) -> Result<Vec<(OrganizationId, RateTotals)>, StoreError> {
        let rows = self
            .period_totals(scope, period, excluded, SumBy::Lead)
            .await?;
        rows.iter()
            .map(|row| Ok((OrganizationId(get(row, 0)?), totals(row, 1)?)))
            .collect()
    }

    /// The supporting-rate totals of each category over `period`, summed over the leads in scope.
    pub async fn rate_totals_by_category(
        &self,
        scope: StatsScope,
        period: Period,
        excluded: &BTreeSet<CategoryCode>,
    ) -> Result<Vec<(CategoryCode, RateTotals)>, StoreError> {
        let rows = self
            .period_totals(scope, period, excluded, SumBy::Category)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    CategoryCode::parse(&get::<String>(row, 0)?)?,
                    totals(row, 1)?,
                ))
            })
            .collect()
    }

    async fn period_totals(
        &self,
        scope: StatsScope,
        period: Period,
        excluded: &BTreeSet<CategoryCode>,
        by: SumBy,
    ) -> Result<Vec<QueryResult>, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        // Placeholders are bound in the order they appear in the text: the shares, then the
        // baseline, then the deals.
        let share = period.year_share();
        let mut values: Vec<Value> = vec![share.into(), share.into()];
        let baseline = baseline_lines(scope, excluded, &mut values);
        let deals = deal_rows(scope, excluded, &[period], &mut values);
        let group = match by {
            SumBy::Lead => "lead",
            SumBy::Category => "cat",
        };
        let deals = if deals.is_empty() {
            String::new()
        } else {
            format!(" UNION ALL SELECT lead, cat, 0, 0, d_in, d_out FROM ({deals}) d")
        };
        let bi = rounded(backend, "xi");
        let bo = rounded(backend, "xo");
        // Baseline lines and deals go into one sum per (lead, category), the rule is applied to
        // each, and the cells are summed per group.
        let sql = format!(
            "SELECT g, {TOTALS} FROM ( \
               SELECT g, bi, bo, di, do_, {CURRENT} FROM ( \
                 SELECT g, {bi} AS bi, {bo} AS bo, di, do_ FROM ( \
                   SELECT {group} AS g, a_in * ? AS xi, a_out * ? AS xo, di, do_ FROM ( \
                     SELECT lead, cat, SUM(a_in) AS a_in, SUM(a_out) AS a_out, \
                            SUM(d_in) AS di, SUM(d_out) AS do_ \
                     FROM (SELECT lead, cat, a_in, a_out, {zero} AS d_in, {zero} AS d_out \
                           FROM ({baseline}) b{deals}) u \
                     GROUP BY lead, cat) c) x) p) f \
             GROUP BY g",
            zero = fen("0"),
        );
        Ok(txn.query_all_raw(statement(backend, &sql, values)).await?)
    }

    /// The supporting-rate totals of the scope in each calendar month of `period` (the first and
    /// last may be part months), the baseline prorated to each: one per [`Period::months`].
    pub async fn monthly_rate_totals(
        &self,
        scope: StatsScope,
        period: Period,
        excluded: &BTreeSet<CategoryCode>,
    ) -> Result<Vec<RateTotals>, StoreError> {
        let months = period.months();
        // Months of the same length share a year share; each distinct one is worked out once.
        let mut shares: Vec<f64> = Vec::new();
        let share_of: Vec<usize> = months
            .iter()
            .map(|month| {
                let share = month.year_share();
                match shares.iter().position(|known| *known == share) {
                    Some(found) => found,
                    None => {
                        shares.push(share);
                        shares.len() - 1
                    }
                }
            })
            .collect();
        let (baselines, changes) = futures_util::future::try_join(
            self.baseline_at_shares(scope, excluded, &shares),
            self.monthly_deal_changes(scope, excluded, &months),
        )
        .await?;
        let mut out = Vec::with_capacity(months.len());
        for (position, share) in share_of.iter().enumerate() {
            let mut month = baselines.get(*share).copied().unwrap_or_default();
            // With no deal, a month's sourcing is its baseline.
            month.current = month.baseline;
            month.current_categories = month.baseline_categories;
            month.current_categories_in_province = month.baseline_categories_in_province;
            if let Some(change) = changes.iter().find(|change| change.0 == position) {
                change.1.apply(&mut month)?;
            }
            out.push(month);
        }
        Ok(out)
    }

    /// The baseline of every cell in scope prorated by each share, summed: value and counts.
    async fn baseline_at_shares(
        &self,
        scope: StatsScope,
        excluded: &BTreeSet<CategoryCode>,
        shares: &[f64],
    ) -> Result<Vec<RateTotals>, StoreError> {
        if shares.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let mut values = Vec::new();
        let baseline = baseline_cells(scope, excluded, &mut values);
        let table = share_table("s", shares, &mut values);
        let bi = rounded(backend, "xi");
        let bo = rounded(backend, "xo");
        let sql = format!(
            "SELECT CAST(s AS BIGINT), CAST(SUM(bi) AS BIGINT), CAST(SUM(bo) AS BIGINT), \
                    CAST(SUM(CASE WHEN bi + bo > 0 THEN 1 ELSE 0 END) AS BIGINT), \
                    CAST(SUM(CASE WHEN bi > 0 THEN 1 ELSE 0 END) AS BIGINT) FROM ( \
               SELECT s, {bi} AS bi, {bo} AS bo FROM ( \
                 SELECT sh.s, b.a_in * sh.share AS xi, b.a_out * sh.share AS xo \
                 FROM ({baseline}) b CROSS JOIN ({table}) sh) x) p \
             GROUP BY s"
        );
        let rows = txn.query_all_raw(statement(backend, &sql, values)).await?;
        let mut out = vec![RateTotals::default(); shares.len()];
        for row in &rows {
            if let Some(slot) = out.get_mut(position_at(row, 0)?) {
                slot.baseline = split_at(row, 1)?;
                slot.baseline_categories = count_at(row, 3)?;
                slot.baseline_categories_in_province = count_at(row, 4)?;
            }
        }
        Ok(out)
    }

    /// For each month with deals, what its deals change against the baseline alone: the deals,
    /// and the current value and counts of the cells they touch minus those cells' baseline.
    async fn monthly_deal_changes(
        &self,
        scope: StatsScope,
        excluded: &BTreeSet<CategoryCode>,
        months: &[Period],
    ) -> Result<Vec<(usize, MonthChange)>, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.reporting().await?;
        let mut values = Vec::new();
        let deals = deal_rows(scope, excluded, months, &mut values);
        if deals.is_empty() {
            return Ok(Vec::new());
        }
        let shares: Vec<f64> = months.iter().map(Period::year_share).collect();
        let table = share_table("bucket", &shares, &mut values);
        let baseline = baseline_cells(scope, excluded, &mut values);
        let bi = rounded(backend, "xi");
        let bo = rounded(backend, "xo");
        let sql = format!(
            "SELECT CAST(bucket AS BIGINT), CAST(SUM(di) AS BIGINT), CAST(SUM(do_) AS BIGINT), \
                    CAST(SUM(co - bo) AS BIGINT), \
                    CAST(SUM((CASE WHEN ci + co > 0 THEN 1 ELSE 0 END) \
                           - (CASE WHEN bi + bo > 0 THEN 1 ELSE 0 END)) AS BIGINT), \
                    CAST(SUM((CASE WHEN ci > 0 THEN 1 ELSE 0 END) \
                           - (CASE WHEN bi > 0 THEN 1 ELSE 0 END)) AS BIGINT) FROM ( \
               SELECT bucket, bi, bo, di, do_, {CURRENT} FROM ( \
                 SELECT bucket, {bi} AS bi, {bo} AS bo, di, do_ FROM ( \
                   SELECT d.bucket, d.di, d.do_, \
                          COALESCE(b.a_in, 0) * sh.share AS xi, \
                          COALESCE(b.a_out, 0) * sh.share AS xo \
                   FROM (SELECT bucket, lead, cat, SUM(d_in) AS di, SUM(d_out) AS do_ \
                         FROM ({deals}) r GROUP BY bucket, lead, cat) d \
                   JOIN ({table}) sh ON sh.bucket = d.bucket \
                   LEFT JOIN ({baseline}) b ON b.lead = d.lead AND b.cat = d.cat) x) p) f \
             GROUP BY bucket"
        );
        let rows = txn.query_all_raw(statement(backend, &sql, values)).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    position_at(row, 0)?,
                    MonthChange {
                        deals: split_at(row, 1)?,
                        current_out_change: get(row, 3)?,
                        sourced_change: get(row, 4)?,
                        in_province_change: get(row, 5)?,
                    },
                ))
            })
            .collect()
    }
}

/// What a month's deals change against its baseline alone.
#[derive(Debug, Clone, Copy)]
struct MonthChange {
    deals: Split,
    /// Current out-of-province value minus the baseline's, over the cells with deals: negative
    /// when in-province deals switched sourcing.
    current_out_change: i64,
    /// Cells sourced now that were not at the baseline (never negative: deals only add).
    sourced_change: i64,
    /// Cells with in-province value now that had none at the baseline.
    in_province_change: i64,
}

impl MonthChange {
    /// Adds the change to a month that holds its baseline alone.
    fn apply(&self, month: &mut RateTotals) -> Result<(), StoreError> {
        let count = |base: u64, change: i64| {
            u64::try_from(i128::from(base) + i128::from(change))
                .map_err(|_| StoreError::Corrupt("a negative count of categories".into()))
        };
        month.deals = self.deals;
        // Current in-province value is the baseline's plus every in-province deal.
        month.current.in_province += self.deals.in_province;
        month.current.out_of_province += self.current_out_change;
        month.current_categories = count(month.current_categories, self.sourced_change)?;
        month.current_categories_in_province = count(
            month.current_categories_in_province,
            self.in_province_change,
        )?;
        Ok(())
    }
}

/// A table of `(name, share)` rows, position by position, as a `UNION ALL` of selects (SQLite
/// names no columns of a `VALUES` list).
fn share_table(name: &str, shares: &[f64], values: &mut Vec<Value>) -> String {
    shares
        .iter()
        .enumerate()
        .map(|(position, share)| {
            values.push((*share).into());
            format!("SELECT {position} AS {name}, CAST(? AS DOUBLE PRECISION) AS share")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use peitao_domain::supporting::prorate;
    use sea_orm::{ConnectionTrait, Database};

    use super::{rounded, statement};

    /// Annual values and shares whose products fall on, just below and just above a half, and
    /// ordinary ones.
    fn cases() -> Vec<(i64, f64)> {
        let mut cases = vec![(1, 0.5), (3, 0.5), (5, 0.5), (1, 0.25), (3, 0.25), (0, 0.5)];
        for annual in [1, 6, 7, 11, 400_000, 1_200_000, 2_400_001, 99_999_999_999] {
            for share in [
                1.0 / 12.0,
                1.0 / 24.0,
                14.0 / 28.0 / 12.0,
                0.125,
                1.0 / 3.0,
                0.75,
            ] {
                cases.push((annual, share));
            }
        }
        cases
    }

    /// The database rounds the product of an annual value and a share exactly as the domain's
    /// `prorate` does, half away from zero, on SQLite and (when the tests run on it) PostgreSQL.
    #[tokio::test]
    async fn the_database_prorates_as_the_domain_does() {
        let mut urls = vec!["sqlite::memory:".to_owned()];
        if let Ok(url) = std::env::var("PEITAO_TEST_DATABASE_URL")
            && url.starts_with("postgres")
        {
            urls.push(url);
        }
        for url in urls {
            let db = Database::connect(&url).await.unwrap();
            let backend = db.get_database_backend();
            let x = "CAST(? AS DOUBLE PRECISION) * CAST(? AS DOUBLE PRECISION)";
            // One product per query, computed once in a subquery.
            let sql = format!(
                "SELECT CAST({} AS BIGINT) FROM (SELECT {x} AS x) t",
                rounded(backend, "x")
            );
            for (annual, share) in cases() {
                let query = statement(backend, &sql, vec![annual.into(), share.into()]);
                let row = db.query_one_raw(query).await.unwrap().unwrap();
                let got: i64 = row.try_get_by_index(0).unwrap();
                assert_eq!(
                    got,
                    prorate(annual, share),
                    "{annual} × {share} on {backend:?}"
                );
            }
        }
    }
}
