//! Build time and query time of the matching index on synthetic provinces of 10k and 100k
//! suppliers (about five capabilities each) with 10k published needs; 1M suppliers when
//! `PEITAO_BENCH_1M=1`, since building it takes a while and about 1 GB.
//!
//! `cargo bench -p peitao-matching --bench rank`

#![allow(
    clippy::expect_used,
    reason = "a benchmark without its data has nothing to measure"
)]
#![allow(
    clippy::print_stdout,
    reason = "criterion reports means and medians only; the tail is printed beside them"
)]

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use peitao_domain::OrganizationId;
use peitao_matching::{
    MatchIndex, NeedFacts, RankOptions,
    synthetic::{FIRST_SUPPLIER_ID, SyntheticProvince, SyntheticSpec},
};

const NEEDS: usize = 10_000;

fn sizes() -> Vec<usize> {
    let mut sizes = vec![10_000, 100_000];
    if std::env::var("PEITAO_BENCH_1M").is_ok_and(|value| value == "1") {
        sizes.push(1_000_000);
    }
    sizes
}

fn province(suppliers: usize) -> SyntheticProvince {
    SyntheticProvince::generate(SyntheticSpec::new(2026, suppliers, NEEDS))
        .expect("the synthetic province's built-in codes parse")
}

fn build(province: &SyntheticProvince) -> MatchIndex {
    MatchIndex::build(province.config(), province.suppliers(), province.needs())
        .expect("synthetic facts build an index")
}

fn bench_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for size in sizes() {
        let province = province(size);
        group.bench_with_input(
            BenchmarkId::from_parameter(size),
            &province,
            |b, province| {
                b.iter(|| black_box(build(province)));
            },
        );
    }
    group.finish();
}

/// Median, p90, p99 and max of one timed call per need, three passes over the needs (the first
/// warms the caches and is dropped): criterion reports no tail, and the tail is part of the goal.
fn latency_percentiles(index: &MatchIndex, needs: &[NeedFacts], options: &RankOptions) -> String {
    let mut times = Vec::with_capacity(needs.len() * 2);
    for pass in 0..3 {
        for need in needs {
            let started = Instant::now();
            black_box(index.rank_suppliers(black_box(need), options));
            if pass > 0 {
                times.push(started.elapsed());
            }
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!(
        "median {:?}, p90 {:?}, p99 {:?}, max {:?} over {} calls",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        times.len()
    )
}

fn bench_queries(c: &mut Criterion) {
    let top50 = RankOptions::top(50);
    for size in sizes() {
        let province = province(size);
        let index = build(&province);
        let needs: Vec<NeedFacts> = province.needs().take(1_000).collect();
        println!(
            "rank_suppliers_top50/{size} latency: {}",
            latency_percentiles(&index, &needs, &top50)
        );
        let mut group = c.benchmark_group("rank_suppliers_top50");
        let mut next = 0;
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| {
                next = (next + 1) % needs.len();
                black_box(index.rank_suppliers(&needs[next], &top50))
            });
        });
        group.finish();
        let mut group = c.benchmark_group("rank_needs_top50");
        let mut next = 0i64;
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| {
                next = (next + 7_919) % size as i64;
                black_box(index.rank_needs(OrganizationId(FIRST_SUPPLIER_ID + next), &top50))
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_queries, bench_build);
criterion_main!(benches);
