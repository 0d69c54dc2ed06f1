//! `peitao seed demo` and `serve --demo`.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use peitao_api::Settings;
use peitao_app::demo::{self, DEMO_DOMAIN, DEMO_PASSWORD, Scale};
use peitao_store::Store;

pub async fn demo(store: &Store, scale: Scale, seed: u64, force: bool) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} organisations ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("seeding demo");
    bar.enable_steady_tick(Duration::from_millis(200));
    let summary = demo::seed(store, scale, seed, force, |done, total| {
        bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
    })
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    eprintln!(
        "demo seeded: {} lead enterprises, {} SMEs ({} outside the province), {} capabilities, \
         {} certifications, {} users; {} needs, {} quotes and {} deals over the last 18 months; \
         {} bill-of-materials lines as the lead enterprises' baselines",
        summary.leads,
        summary.smes,
        summary.out_of_province,
        summary.capabilities,
        summary.certifications,
        summary.users,
        summary.needs,
        summary.quotes,
        summary.deals,
        summary.bom_lines
    );
    eprintln!(
        "sign in as admin@{DEMO_DOMAIN}, park.xiangyang@{DEMO_DOMAIN}, lead1@{DEMO_DOMAIN} or \
         sme1@{DEMO_DOMAIN} with the password {DEMO_PASSWORD}"
    );
    Ok(())
}

/// Seeds the small demo when the database has no organisation yet; leaves any other alone.
pub async fn demo_if_empty(settings: &Settings) -> anyhow::Result<()> {
    let store = super::open(settings).await?;
    if store.count_organizations().await? == 0 {
        demo(&store, Scale::Small, 42, false).await?;
    } else {
        eprintln!("the database already holds organisations; not seeding the demo");
    }
    store.close().await?;
    Ok(())
}

/// `peitao seed synthetic`: the benchmark province, bulk-loaded.
pub async fn synthetic(
    store: &Store,
    suppliers: usize,
    needs: usize,
    seed: u64,
    force: bool,
) -> anyhow::Result<()> {
    use peitao_app::synthetic::{self, SYNTHETIC_DOMAIN, SYNTHETIC_PASSWORD, SyntheticSpec};
    let bar = ProgressBar::new(u64::try_from(suppliers).unwrap_or(u64::MAX));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} suppliers ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("seeding synthetic province");
    bar.enable_steady_tick(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let summary = synthetic::seed(
        store,
        SyntheticSpec::new(seed, suppliers, needs),
        force,
        |done, _| bar.set_position(u64::try_from(done).unwrap_or(u64::MAX)),
    )
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    eprintln!(
        "synthetic province seeded in {:.1} s: {} regions, {} categories, {} chain links; {} lead \
         enterprises, {} SMEs, {} users, {} capabilities, {} certifications, {} credentials, {} \
         extra sites; {} open needs ({} invitations); history: {} past needs, {} quotes, {} deals",
        started.elapsed().as_secs_f64(),
        summary.regions,
        summary.categories,
        summary.chain_links,
        summary.leads,
        summary.suppliers,
        summary.users,
        summary.capabilities,
        summary.certifications,
        summary.credentials,
        summary.sites,
        summary.needs,
        summary.invitations,
        summary.past_needs,
        summary.quotes,
        summary.deals
    );
    eprintln!(
        "sign in as lead1@{SYNTHETIC_DOMAIN} (owns need 1) or sme1@{SYNTHETIC_DOMAIN} with the \
         password {SYNTHETIC_PASSWORD}"
    );
    Ok(())
}
