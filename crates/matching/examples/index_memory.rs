//! Builds the index over a synthetic province (1M suppliers unless a count is given), then
//! prints its build time, the process's resident memory, and the latency distribution of
//! `rank_suppliers` and `rank_needs` top-50 over a thousand queries each.
//!
//! `cargo run --release -p peitao-matching --example index_memory [-- SUPPLIERS]`

#![allow(
    clippy::print_stdout,
    reason = "a measuring tool prints what it measured"
)]

use std::{
    error::Error,
    time::{Duration, Instant},
};

use peitao_domain::OrganizationId;
use peitao_matching::{
    MatchIndex, RankOptions,
    synthetic::{FIRST_SUPPLIER_ID, SyntheticProvince, SyntheticSpec},
};

/// A line of /proc/self/status such as `VmRSS:  123456 kB`.
fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with(field))
                .map(|line| {
                    line.split_whitespace()
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn percentiles(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!(
        "median {:?}, p90 {:?}, p99 {:?}, max {:?}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    )
}

fn main() -> Result<(), Box<dyn Error>> {
    let suppliers: usize = match std::env::args().nth(1) {
        Some(raw) => raw.parse()?,
        None => 1_000_000,
    };
    let province = SyntheticProvince::generate(SyntheticSpec::new(2026, suppliers, 10_000))?;
    println!("before build: VmRSS {}", status("VmRSS:"));
    let started = Instant::now();
    let index = MatchIndex::build(province.config(), province.suppliers(), province.needs())?;
    println!(
        "built {} suppliers and {} needs in {:?}",
        index.supplier_count(),
        index.need_count(),
        started.elapsed()
    );
    println!(
        "after build: VmRSS {}, VmHWM {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
    let top50 = RankOptions::top(50);
    let needs: Vec<_> = province.needs().take(1_000).collect();
    let mut times = Vec::with_capacity(needs.len());
    let mut found = 0;
    for need in &needs {
        let started = Instant::now();
        found += index.rank_suppliers(need, &top50).len();
        times.push(started.elapsed());
    }
    println!(
        "rank_suppliers top-50 over {} needs ({found} matches): {}",
        needs.len(),
        percentiles(times)
    );
    let mut times = Vec::with_capacity(1_000);
    let mut found = 0;
    for n in 0..1_000i64 {
        let supplier = OrganizationId(FIRST_SUPPLIER_ID + (n * 7_919) % suppliers as i64);
        let started = Instant::now();
        found += index.rank_needs(supplier, &top50).len();
        times.push(started.elapsed());
    }
    println!(
        "rank_needs top-50 over 1000 suppliers ({found} matches): {}",
        percentiles(times)
    );
    Ok(())
}
