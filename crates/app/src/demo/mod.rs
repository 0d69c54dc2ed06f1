//! `peitao seed demo`: a realistic demo province, deterministic for a given seed.
//!
//! Lead enterprises sit in their clusters (automotive in Shiyan, Xiangyang and Wuhan;
//! optoelectronics in Wuhan East Lake; textiles in Xiantao and Jingzhou; agro-food in Qianjiang;
//! chemicals in Yichang; biomedicine in Huanggang); SMEs spread over the parks that lead in their
//! chain and over other Hubei counties, with a share outside the province; each has capabilities
//! drawn from its chain's upstream categories, certifications (some expired) and one user. Every
//! demo user signs in with [`DEMO_PASSWORD`]. Then eighteen months of activity ([`activity`]):
//! needs in every state, quotes, shortlists, rejections with reasons, split awards, deals in and
//! out of the province, deliveries on time and late.

use std::collections::{BTreeMap, BTreeSet};

use peitao_domain::{
    Capability, CategoryCode, Certification, CertificationKind, Credential, CredentialTier, Email,
    OrganizationKind, Park, ParkId, PasswordHash, ProvinceCode, Region, RegionCode, Role,
};
use peitao_store::{NewOrganization, NewUser, Store, SupplierRecord};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use time::{Date, Duration, Month};

use crate::{AppError, import::bootstrap, passwords};

mod activity;
mod baseline;
mod vocabulary;

pub use vocabulary::DEMO_PARK_ADMINS;
use vocabulary::{
    GIVEN, LEADS, OUTSIDE, SURNAMES, WORDS, certification_kinds, processes, trade, unit_and_range,
};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "peitao-demo-2026";
/// The e-mail domain of demo accounts.
pub const DEMO_DOMAIN: &str = "peitao.demo";

/// How big a province to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 12 lead enterprises, 150 SMEs: a county or a demo.
    Small,
    /// 40 lead enterprises, 1,500 SMEs.
    Medium,
    /// 150 lead enterprises, 15,000 SMEs: a province.
    Large,
}

impl Scale {
    /// How many needs each lead enterprise has written over the demo's eighteen months.
    fn needs_per_lead(self) -> usize {
        match self {
            Self::Small => 12,
            Self::Medium => 15,
            Self::Large => 20,
        }
    }

    fn counts(self) -> (usize, usize) {
        match self {
            Self::Small => (12, 150),
            Self::Medium => (40, 1_500),
            Self::Large => (150, 15_000),
        }
    }
}

/// What the seed made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub leads: usize,
    pub smes: usize,
    pub out_of_province: usize,
    pub capabilities: usize,
    pub certifications: usize,
    pub users: usize,
    pub credentials: usize,
    pub needs: usize,
    pub quotes: usize,
    pub deals: usize,
    /// Lines of the lead enterprises' bills of materials.
    pub bom_lines: usize,
}

/// The database holds organisations already: seeding would mix the demo with them.
fn not_empty(existing: u64) -> AppError {
    AppError::Conflict(format!(
        "the database already holds {existing} organisation(s); seeding the demo would mix with \
         them. Use an empty database, or pass --force to delete every organisation with its users \
         (and the demo administrators) first"
    ))
}

/// Reference data the demo draws from is not loaded.
fn missing_reference(what: impl std::fmt::Display) -> AppError {
    AppError::Conflict(format!("reference data is missing: {what}"))
}

/// Everything the generator draws from, read from the reference data.
struct Palette {
    /// Chain code → upstream categories of its links (what suppliers sell into it).
    supplies: BTreeMap<String, Vec<CategoryCode>>,
    parks: Vec<Park>,
    hubei: Vec<Region>,
    outside: Vec<Region>,
}

impl Palette {
    async fn load(store: &Store) -> Result<Self, AppError> {
        let mut supplies = BTreeMap::new();
        for chain in store.list_chains().await? {
            let upstream: BTreeSet<CategoryCode> = store
                .chain_links(chain.id)
                .await?
                .into_iter()
                .map(|link| link.upstream)
                .collect();
            supplies.insert(chain.code, upstream.into_iter().collect());
        }
        if !supplies.contains_key("automotive") {
            return Err(missing_reference(
                "the built-in taxonomy (chain `automotive`) is not loaded",
            ));
        }
        let hubei = store.counties_with_prefix("42").await?;
        let mut outside = Vec::new();
        for code in OUTSIDE {
            outside.extend(store.counties_with_prefix(code).await?);
        }
        let parks = store.all_parks().await?;
        if hubei.is_empty() || parks.is_empty() {
            return Err(missing_reference("regions or parks are not loaded"));
        }
        Ok(Self {
            supplies,
            parks,
            hubei,
            outside,
        })
    }

    fn park(&self, code: &str) -> Result<&Park, AppError> {
        self.parks
            .iter()
            .find(|park| park.code == code)
            .ok_or_else(|| missing_reference(format!("park `{code}`")))
    }

    fn place_name(&self, code: RegionCode) -> String {
        let name = self
            .hubei
            .iter()
            .chain(&self.outside)
            .find(|region| region.code == code)
            .map_or("楚", |region| region.name.as_str());
        let trimmed = name.trim_end_matches(['区', '县', '市']);
        if trimmed.chars().count() >= 2 {
            trimmed
        } else {
            name
        }
        .to_owned()
    }
}

/// Seeds the demo. `progress(done, total)` is called as organisations are stored.
pub async fn seed(
    store: &Store,
    scale: Scale,
    seed: u64,
    force: bool,
    progress: impl Fn(usize, usize),
) -> Result<DemoSummary, AppError> {
    let existing = store.count_organizations().await?;
    if existing > 0 {
        if !force {
            return Err(not_empty(existing));
        }
        store.delete_all_tenants(&format!("@{DEMO_DOMAIN}")).await?;
    }
    bootstrap::load_reference_data(store).await?;
    let palette = Palette::load(store).await?;
    let hash = passwords::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (lead_count, sme_count) = scale.counts();
    let mut summary = DemoSummary::default();

    create_admins(store, &palette, &hash).await?;
    summary.users += 1 + DEMO_PARK_ADMINS.len();

    let mut names = BTreeSet::new();
    let chains: Vec<&String> = palette.supplies.keys().collect();
    let mut leads = Vec::with_capacity(lead_count);
    let mut lead_chains = Vec::with_capacity(lead_count);
    for n in 0..lead_count {
        let (name, park, chain) = match LEADS.get(n) {
            Some((name, chain, park_code)) => (
                (*name).to_owned(),
                palette.park(park_code)?.clone(),
                (*chain).to_owned(),
            ),
            None => {
                let chain = (*chains.choose(&mut rng).unwrap_or(&chains[0])).clone();
                let park = lead_park(&palette, &chain, &mut rng)?.clone();
                let name = unique_name(
                    &mut names,
                    &mut rng,
                    &palette.place_name(park.region_code),
                    trade(&chain),
                    "集团有限公司",
                );
                (name, park, chain)
            }
        };
        lead_chains.push(chain);
        names.insert(name.clone());
        leads.push(record(
            OrganizationKind::Lead,
            name,
            park.region_code,
            Some(park.id),
            true,
            Vec::new(),
            Vec::new(),
            user(&format!("lead{}", n + 1), &hash, &mut rng, Role::Lead)?,
        ));
    }
    let lead_ids = store.import_organizations(&leads).await?;
    let mut buyers = Vec::with_capacity(lead_count);
    for ((id, record), chain) in lead_ids.iter().zip(&leads).zip(&lead_chains) {
        let email = record
            .users
            .first()
            .map(|user| user.email.clone())
            .ok_or_else(|| AppError::Internal("a demo lead without a user".into()))?;
        let (user, _) = store
            .credentials(&email)
            .await?
            .ok_or_else(|| AppError::Internal("a demo lead's user was not stored".into()))?;
        buyers.push(activity::Buyer {
            id: *id,
            user: user.id,
            county: record.organization.region_code,
            sources: palette.supplies.get(chain).cloned().unwrap_or_default(),
        });
    }
    summary.leads = leads.len();
    summary.users += leads.len();
    progress(leads.len(), lead_count + sme_count);

    let batch_size = 250;
    let mut done = 0;
    let mut sellers = Vec::with_capacity(sme_count);
    while done < sme_count {
        let mut batch = Vec::with_capacity(batch_size);
        for n in done..(done + batch_size).min(sme_count) {
            let chain = (*chains.choose(&mut rng).unwrap_or(&chains[0])).clone();
            let outside = rng.random_bool(0.15) && !palette.outside.is_empty();
            let (region, park) = if outside {
                (palette.outside.choose(&mut rng).map(|r| r.code), None)
            } else if rng.random_bool(0.7) {
                let park = lead_park(&palette, &chain, &mut rng)?;
                (Some(park.region_code), Some(park.id))
            } else {
                (palette.hubei.choose(&mut rng).map(|r| r.code), None)
            };
            let region = region.ok_or_else(|| missing_reference("counties"))?;
            let capabilities = capabilities(&palette, &chain, &mut rng);
            let certifications = certifications(&chain, &mut rng)?;
            summary.out_of_province += usize::from(outside);
            summary.capabilities += capabilities.len();
            summary.certifications += certifications.len();
            let name = unique_name(
                &mut names,
                &mut rng,
                &palette.place_name(region),
                trade(&chain),
                "有限公司",
            );
            batch.push(record(
                OrganizationKind::Sme,
                name,
                region,
                park,
                rng.random_bool(0.85),
                capabilities,
                certifications,
                user(&format!("sme{}", n + 1), &hash, &mut rng, Role::Sme)?,
            ));
        }
        let ids = store.import_organizations(&batch).await?;
        sellers.extend(ids.into_iter().zip(batch.iter()).map(|(id, record)| {
            activity::Seller {
                id,
                county: record.organization.region_code,
                categories: record
                    .capabilities
                    .iter()
                    .map(|capability| capability.category_code().clone())
                    .collect(),
                certifications: record.certifications.clone(),
            }
        }));
        done += batch.len();
        summary.smes += batch.len();
        summary.users += batch.len();
        progress(lead_count + done, lead_count + sme_count);
    }

    // Official titles for a share of the province's SMEs, the higher the rarer.
    for seller in &sellers {
        if !seller.county.is_in(ProvinceCode::HUBEI) || !rng.random_bool(0.3) {
            continue;
        }
        let credential = demo_credential(&mut rng)?;
        store.add_credential(seller.id, &credential).await?;
        summary.credentials += 1;
    }

    let sourced: Vec<CategoryCode> = palette.supplies.values().flatten().cloned().collect();
    let names: BTreeMap<CategoryCode, String> = store
        .categories_by_codes(&sourced)
        .await?
        .into_iter()
        .map(|category| (category.code, category.name_zh))
        .collect();
    let stories = activity::tell(
        &buyers,
        &sellers,
        &names,
        scale.needs_per_lead(),
        activity::today_midnight(),
        &mut rng,
    )?;
    summary.needs = stories.needs.len();
    summary.quotes = stories.needs.iter().map(|need| need.quotes.len()).sum();
    summary.deals = stories
        .needs
        .iter()
        .flat_map(|need| &need.quotes)
        .filter(|quote| quote.deal.is_some())
        .count();
    for chunk in stories.needs.chunks(200) {
        store.import_past_needs(chunk).await?;
    }
    summary.bom_lines = baseline::declare(store, &buyers, &mut rng).await?;
    Ok(summary)
}

async fn create_admins(
    store: &Store,
    palette: &Palette,
    hash: &PasswordHash,
) -> Result<(), AppError> {
    let admin =
        |local: &str, role, park_id: Option<ParkId>, name: &str| -> Result<NewUser, AppError> {
            Ok(NewUser {
                email: demo_email(local)?,
                password_hash: hash.clone(),
                display_name: name.to_owned(),
                role,
                organization_id: None,
                park_id,
            })
        };
    store
        .create_user(admin("admin", Role::PlatformAdmin, None, "平台管理员")?)
        .await?;
    for (local, park_code) in DEMO_PARK_ADMINS {
        let park = palette.park(park_code)?;
        store
            .create_user(admin(
                local,
                Role::ParkAdmin,
                Some(park.id),
                &format!("{}管委会", park.name_zh),
            )?)
            .await?;
    }
    Ok(())
}

fn demo_email(local: &str) -> Result<Email, AppError> {
    Ok(Email::parse(&format!("{local}@{DEMO_DOMAIN}"))?)
}

fn user(
    local: &str,
    hash: &PasswordHash,
    rng: &mut StdRng,
    role: Role,
) -> Result<NewUser, AppError> {
    let surname = SURNAMES.choose(rng).copied().unwrap_or("王");
    let given = GIVEN.choose(rng).copied().unwrap_or("伟");
    Ok(NewUser {
        email: demo_email(local)?,
        password_hash: hash.clone(),
        display_name: format!("{surname}{given}"),
        role,
        organization_id: None,
        park_id: None,
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "a plain constructor of one record"
)]
fn record(
    kind: OrganizationKind,
    name: String,
    region_code: RegionCode,
    park_id: Option<ParkId>,
    verified: bool,
    capabilities: Vec<Capability>,
    certifications: Vec<Certification>,
    user: NewUser,
) -> SupplierRecord {
    SupplierRecord {
        organization: NewOrganization {
            name,
            kind,
            region_code,
            park_id,
        },
        verified,
        capabilities,
        certifications,
        users: vec![user],
    }
}

/// A park that leads in `chain`, or any park when none does.
fn lead_park<'a>(
    palette: &'a Palette,
    chain: &str,
    rng: &mut StdRng,
) -> Result<&'a Park, AppError> {
    let leading: Vec<&Park> = palette
        .parks
        .iter()
        .filter(|park| park.lead_industries.iter().any(|code| code == chain))
        .collect();
    leading
        .choose(rng)
        .copied()
        .or_else(|| palette.parks.choose(rng))
        .ok_or_else(|| missing_reference("parks"))
}

fn unique_name(
    taken: &mut BTreeSet<String>,
    rng: &mut StdRng,
    place: &str,
    trade: &str,
    suffix: &str,
) -> String {
    let word = WORDS.choose(rng).copied().unwrap_or("恒达");
    let base = format!("{place}{word}{trade}");
    let mut name = format!("{base}{suffix}");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}{suffix}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

fn capabilities(palette: &Palette, chain: &str, rng: &mut StdRng) -> Vec<Capability> {
    let Some(pool) = palette.supplies.get(chain) else {
        return Vec::new();
    };
    let count = rng.random_range(1..=4).min(pool.len());
    let mut picked: Vec<&CategoryCode> = pool.choose_multiple(rng, count).collect();
    picked.sort();
    let process_pool = processes(chain);
    picked
        .into_iter()
        .filter_map(|code| {
            let (unit, low, high, step) = unit_and_range(code);
            let capacity = rng.random_range(low..=high) / step * step;
            let process_count = rng.random_range(1..=3).min(process_pool.len());
            let chosen = process_pool
                .choose_multiple(rng, process_count)
                .map(|process| (*process).to_owned())
                .collect();
            Capability::new(code.clone(), capacity.max(step), unit, chosen).ok()
        })
        .collect()
}

fn demo_credential(rng: &mut StdRng) -> Result<Credential, AppError> {
    let (tier, body) = match rng.random_range(0..100) {
        0..40 => (CredentialTier::InnovativeSme, "湖北省经济和信息化厅"),
        40..70 => (CredentialTier::SpecialisedSme, "湖北省经济和信息化厅"),
        70..90 => (CredentialTier::HighTech, "湖北省科学技术厅"),
        90..98 => (CredentialTier::LittleGiant, "工业和信息化部"),
        _ => (CredentialTier::SingleChampion, "工业和信息化部"),
    };
    let year = rng.random_range(2023..=2025);
    let batch = format!(
        "{year}年第{}批",
        if rng.random_bool(0.5) { "一" } else { "二" }
    );
    let start = Date::from_calendar_date(year, Month::July, 1)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    let end = Date::from_calendar_date(year + 3, Month::June, 30)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    Ok(Credential::new(tier, body, Some(&batch), None, start, end)?)
}

fn certifications(chain: &str, rng: &mut StdRng) -> Result<Vec<Certification>, AppError> {
    let start = Date::from_calendar_date(2022, Month::January, 1)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    let mut held = Vec::new();
    for (kind, share) in certification_kinds(chain) {
        if !rng.random_bool(*share) {
            continue;
        }
        let valid_from = start + Duration::days(rng.random_range(0..1_400));
        let valid_until = valid_from + Duration::days(3 * 365);
        let kind = CertificationKind::parse(kind)?;
        let number = format!(
            "{}-{}-{:06}",
            kind.as_str(),
            valid_from.year(),
            rng.random_range(0..1_000_000)
        );
        held.push(Certification::new(kind, &number, valid_from, valid_until)?);
    }
    Ok(held)
}
