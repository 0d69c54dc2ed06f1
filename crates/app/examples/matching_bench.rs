//! The matching engine against its SQL baseline, on a database seeded with
//! `peitao seed synthetic` (PostgreSQL):
//!
//! 1. times `MatchingEngine::build` from the database and reports the resident set after it;
//! 2. times top-`limit` `rank_suppliers` for a sample of open needs in process;
//! 3. times the same ranking as one SQL statement on PostgreSQL for a smaller sample, and
//!    compares the two rankings.
//!
//! ```text
//! cargo run --release -p peitao-app --example matching_bench -- \
//!     --database-url postgres://postgres@127.0.0.1:5432/peitao_synth_100k \
//!     [--needs 200] [--sql-needs 30] [--limit 50] [--passes 5] [--phases]
//! ```
//!
//! A benchmark, not a test: run it on a quiet machine and read the figures.

#![allow(
    clippy::print_stdout,
    reason = "a measuring tool prints what it measured"
)]

use std::time::{Duration, Instant};

use peitao_app::matching::{MatchingEngine, MatchingSettings, need_facts};
use peitao_domain::ProvinceCode;
use peitao_matching::{RankOptions, Weights};
use peitao_store::{ConnectOptions, SqlRankWeights, Store, rank_suppliers_sql_text};

struct Args {
    database_url: String,
    needs: usize,
    sql_needs: usize,
    limit: usize,
    passes: usize,
    /// Only time each loader and the in-memory build on their own, then stop.
    phases: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        database_url: String::new(),
        needs: 200,
        sql_needs: 30,
        limit: 50,
        passes: 5,
        phases: false,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        if flag == "--phases" {
            args.phases = true;
            continue;
        }
        let value = raw.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|err| format!("{flag}: {err}"))
        };
        match flag.as_str() {
            "--database-url" => args.database_url = value.clone(),
            "--needs" => args.needs = number()?,
            "--sql-needs" => args.sql_needs = number()?,
            "--limit" => args.limit = number()?,
            "--passes" => args.passes = number()?.max(1),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.database_url.is_empty() {
        return Err("--database-url is required".into());
    }
    Ok(args)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

fn vm_rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

fn mib(kib: Option<u64>) -> f64 {
    kib.unwrap_or(0) as f64 / 1024.0
}

/// The engine's `load` step by step, without its overlap of reading and indexing: the reference
/// tables, then the suppliers range by range (the time reading and the time indexing summed
/// separately), the open needs, the final trim; with the time and resident set after each. Run
/// on its own (`--phases` stops after it), so the figures are not mixed with a previous build's.
async fn phases(
    store: &Store,
    settings: &MatchingSettings,
) -> Result<(), Box<dyn std::error::Error>> {
    use peitao_app::matching::{BUILD_RANGE, supplier_facts};
    use peitao_domain::OrganizationId;
    use peitao_matching::{Atlas, ChainGraph, IndexConfig, MatchIndex, TaxonomyTree};
    let mut last = Instant::now();
    let mut step = |label: &str| {
        println!(
            "  {label}: {:.2} s; VmRSS {:.0} MiB",
            last.elapsed().as_secs_f64(),
            mib(vm_rss_kib())
        );
        last = Instant::now();
    };
    let mut taxonomy = TaxonomyTree::new();
    let mut chain = ChainGraph::new();
    for (code, parent) in store.category_parents().await? {
        taxonomy.insert(code.clone(), parent);
        chain.add_category(code);
    }
    for (_, link) in store.all_chain_links().await? {
        chain.add_link(&link.upstream, &link.downstream)?;
    }
    let atlas = Atlas::from_regions(&store.counties_with_prefix("").await?);
    let mut config = IndexConfig::new(taxonomy, chain, atlas);
    config.weights = settings.weights;
    config.home_province = settings.home_province;
    let mut index = MatchIndex::new(config)?;
    step("taxonomy, chain links, atlas");
    let (mut reading, mut indexing, mut rows, mut ranges) = (Duration::ZERO, Duration::ZERO, 0, 0);
    if let Some((first, last)) = store.supplier_id_bounds().await? {
        let mut from = first.0;
        while from <= last.0 {
            let to = from.saturating_add(BUILD_RANGE);
            let started = Instant::now();
            let batch = store
                .supplier_matching_rows_between(OrganizationId(from), OrganizationId(to))
                .await?;
            reading += started.elapsed();
            let started = Instant::now();
            for row in &batch {
                index.upsert_supplier(supplier_facts(row))?;
            }
            indexing += started.elapsed();
            rows += batch.len();
            ranges += 1;
            from = to;
        }
    }
    println!(
        "  supplier_matching_rows_between, {ranges} ranges of {BUILD_RANGE} ids ({rows} rows): \
         {:.2} s reading, {:.2} s indexing",
        reading.as_secs_f64(),
        indexing.as_secs_f64()
    );
    step("suppliers read and indexed");
    let needs = store.open_need_matching_rows(None).await?;
    let count = needs.len();
    for need in &needs {
        index.upsert_need(need_facts(need));
    }
    drop(needs);
    step(&format!("open_need_matching_rows ({count} rows), indexed"));
    index.shrink_to_fit();
    step("posting lists trimmed");
    println!("  peak VmHWM {:.0} MiB", mib(status_kib("VmHWM:")));
    drop(index);
    Ok(())
}

/// The `q`-quantile (nearest rank) of sorted durations.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn sql_weights(w: &Weights) -> SqlRankWeights {
    SqlRankWeights {
        category_fit: w.category_fit,
        proximity: w.proximity,
        capacity: w.capacity,
        scorecard: w.scorecard,
        credentials: w.credentials,
        chain_adjacency: w.chain_adjacency,
        scorecard_prior_mean: w.scorecard_prior_mean,
        scorecard_prior_weight: w.scorecard_prior_weight,
        descendant_step: w.descendant_step,
        ancestor_penalty: w.ancestor_penalty,
        same_prefecture: w.same_prefecture,
        home_province: w.home_province,
        beyond_province: w.beyond_province,
        beyond_province_half_km: w.beyond_province_half_km,
        chain_other_lead: w.chain_other_lead,
        unit_mismatch_coverage: w.unit_mismatch_coverage,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let store = Store::connect(&ConnectOptions {
        url: args.database_url.clone(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
        sqlite_busy_timeout: Duration::from_secs(5),
    })
    .await?;
    let settings = MatchingSettings {
        weights: Weights::default(),
        require_verified: false,
        notify_min_score: 0.5,
        home_province: ProvinceCode::HUBEI,
        poll: Duration::from_millis(500),
        gap_patience: Duration::from_secs(5),
    };

    if args.phases {
        println!("phases of the build:");
        phases(&store, &settings).await?;
        return Ok(());
    }
    let rss_before = vm_rss_kib().unwrap_or(0);
    let started = Instant::now();
    let engine = MatchingEngine::build(&store, settings).await?;
    let build = started.elapsed();
    let rss_after = vm_rss_kib().unwrap_or(0);
    let suppliers = store.count_organizations().await?;
    println!(
        "index build from the database: {:.2} s ({} organisations); VmRSS {:.0} MiB after the \
         build ({:.0} MiB before)",
        build.as_secs_f64(),
        suppliers,
        rss_after as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );

    let open = store.open_need_matching_rows(None).await?;
    let step = (open.len() / args.needs.max(1)).max(1);
    let sample: Vec<_> = open
        .iter()
        .step_by(step)
        .take(args.needs)
        .map(need_facts)
        .collect();
    let options = RankOptions {
        limit: args.limit,
        min_score: None,
        in_province: None,
    };
    let mut index_times = Vec::with_capacity(sample.len() * args.passes);
    let mut found = 0usize;
    for _ in 0..args.passes {
        for need in &sample {
            let started = Instant::now();
            let matches = engine.read(|index| index.rank_suppliers(need, &options));
            index_times.push(started.elapsed());
            found += matches.len();
        }
    }
    index_times.sort();
    let index_median = quantile(&index_times, 0.5);
    println!(
        "in-process top-{} over {} needs × {} passes: median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, \
         max {:.3} ms; {:.1} matches per need on average",
        args.limit,
        sample.len(),
        args.passes,
        millis(index_median),
        millis(quantile(&index_times, 0.9)),
        millis(quantile(&index_times, 0.99)),
        millis(quantile(&index_times, 1.0)),
        found as f64 / index_times.len().max(1) as f64
    );

    if store.backend() != peitao_store::Backend::Postgres {
        println!("not PostgreSQL: no SQL baseline");
        return Ok(());
    }
    let statement = rank_suppliers_sql_text(&sql_weights(&settings.weights), "42", false);
    let sql_step = (sample.len() / args.sql_needs.max(1)).max(1);
    let sql_sample: Vec<_> = sample
        .iter()
        .step_by(sql_step)
        .take(args.sql_needs)
        .collect();
    // One untimed run to warm the cache and the plan.
    if let Some(first) = sql_sample.first() {
        store
            .rank_suppliers_sql(&statement, first.id, args.limit as i64)
            .await?;
    }
    let mut sql_times = Vec::with_capacity(sql_sample.len());
    let (mut top1, mut top10_overlap, mut top50_overlap, mut score_gap, mut compared) =
        (0usize, 0.0f64, 0.0f64, 0.0f64, 0usize);
    let mut worst_gap = 0.0f64;
    let mut pairs = 0usize;
    for need in &sql_sample {
        let started = Instant::now();
        let rows = store
            .rank_suppliers_sql(&statement, need.id, args.limit as i64)
            .await?;
        sql_times.push(started.elapsed());
        let ours = engine.read(|index| index.rank_suppliers(need, &options));
        if ours.is_empty() && rows.is_empty() {
            continue;
        }
        compared += 1;
        if ours.first().map(|m| m.supplier) == rows.first().map(|(id, _)| *id) {
            top1 += 1;
        }
        let overlap = |k: usize| {
            let theirs: Vec<_> = rows.iter().take(k).map(|(id, _)| *id).collect();
            let mine = ours
                .iter()
                .take(k)
                .filter(|m| theirs.contains(&m.supplier))
                .count();
            mine as f64 / k.min(ours.len().max(rows.len())).max(1) as f64
        };
        top10_overlap += overlap(10);
        top50_overlap += overlap(args.limit);
        for m in &ours {
            if let Some((_, score)) = rows.iter().find(|(id, _)| *id == m.supplier) {
                let gap = (score - m.score).abs();
                score_gap += gap;
                pairs += 1;
                worst_gap = worst_gap.max(gap);
            }
        }
    }
    sql_times.sort();
    let sql_median = quantile(&sql_times, 0.5);
    println!(
        "SQL top-{} over {} needs: median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms",
        args.limit,
        sql_times.len(),
        millis(sql_median),
        millis(quantile(&sql_times, 0.9)),
        millis(quantile(&sql_times, 0.99)),
    );
    println!(
        "ratio SQL median / in-process median: {:.0}×",
        sql_median.as_secs_f64() / index_median.as_secs_f64().max(1e-9)
    );
    println!(
        "agreement over {compared} needs: same top 1 in {top1}; top-10 overlap {:.1} %, top-{} \
         overlap {:.1} %; score difference for suppliers in both: mean {:.2e}, max {:.2e}",
        100.0 * top10_overlap / compared.max(1) as f64,
        args.limit,
        100.0 * top50_overlap / compared.max(1) as f64,
        score_gap / pairs.max(1) as f64,
        worst_gap
    );
    Ok(())
}
