//! `peitao seed synthetic`: the matching crate's synthetic province ([`SyntheticProvince`]) written
//! into the real schema, fast enough for a million suppliers — for benchmarks, not for a demo.
//!
//! What is written, all in one transaction through the store's bulk loader:
//!
//! - reference data: the province's counties (with their seats), prefectures and provinces; its
//!   taxonomy (codes `c00`, `c00.3`, `c00.3.5` …) and one chain `synthetic` holding every chain
//!   link. The county codes are real GB/T 2260 codes, so this goes into a database without the
//!   built-in reference data (`PEITAO__REFERENCE__LOAD_ON_START=false`).
//! - `spec.leads` lead enterprises (ids 1 …), each with one user `lead{n}@`[`SYNTHETIC_DOMAIN`];
//!   every SME (ids from [`FIRST_SUPPLIER_ID`]) with one user `sme{n}@…`, disabled when the
//!   synthetic supplier is inactive; all share one argon2 hash of [`SYNTHETIC_PASSWORD`].
//! - capabilities (one per category: a repeated category keeps its first capacity),
//!   certifications, credentials and extra production sites as generated.
//! - the scorecard and supply history as deals: each fulfilled deal of the scorecard is a quote
//!   and a deal on a past (awarded) need of one of the supplier's (lead, category) pairs; a
//!   supplied pair beyond the fulfilled deals, and a capability generated as fully committed, is
//!   an active deal. Only fully committed capabilities carry commitments; the others' partial
//!   commitments are not written.
//! - the generated needs, published, with their response deadlines moved into the future by the
//!   days between 2026-03-01 and 30 days from now; need 1 always belongs to lead 1, so
//!   `lead1@…` owns at least one open need.

use std::collections::{BTreeSet, HashMap};

use peitao_domain::{CategoryCode, ProvinceCode, RegionCode, Visibility};
pub use peitao_matching::synthetic::{FIRST_SUPPLIER_ID, SyntheticProvince, SyntheticSpec};
use peitao_matching::{NeedFacts, SupplierFacts};
use peitao_store::{BulkLoad, Cell, Store};
use time::{Date, Duration, OffsetDateTime, Time, macros::date};

use crate::{AppError, passwords};

/// Where every synthetic account's email lives.
pub const SYNTHETIC_DOMAIN: &str = "synthetic.peitao.example";
/// Every synthetic account's password.
pub const SYNTHETIC_PASSWORD: &str = "peitao-synthetic-2026";

/// Provinces outside the home one that the generator places counties in (two prefectures of ten
/// counties each); mirrors `peitao_matching::synthetic`.
const OTHER_PROVINCES: [&str; 15] = [
    "11", "13", "31", "32", "33", "34", "35", "36", "37", "41", "43", "44", "50", "51", "61",
];

/// How many suppliers go to the database per round.
const CHUNK: usize = 10_000;

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub regions: usize,
    pub categories: usize,
    pub chain_links: usize,
    pub leads: usize,
    pub suppliers: usize,
    pub users: usize,
    pub capabilities: usize,
    pub certifications: usize,
    pub credentials: usize,
    pub sites: usize,
    pub needs: usize,
    pub invitations: usize,
    pub past_needs: usize,
    pub quotes: usize,
    pub deals: usize,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn at(day: Date, hour: u8) -> OffsetDateTime {
    day.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

fn int(value: impl TryInto<i64>) -> Cell {
    Cell::Int(value.try_into().unwrap_or(i64::MAX))
}

/// The lead a supplier's unattributed history goes to.
fn lead_for(supplier: i64, leads: usize) -> i64 {
    let leads = i64::try_from(leads.max(1)).unwrap_or(1);
    (supplier.wrapping_mul(2_654_435_761)).rem_euclid(leads) + 1
}

/// Rows waiting to go to the database, table by table.
#[derive(Default)]
struct Batch {
    organizations: Vec<Vec<Cell>>,
    users: Vec<Vec<Cell>>,
    capabilities: Vec<Vec<Cell>>,
    certifications: Vec<Vec<Cell>>,
    credentials: Vec<Vec<Cell>>,
    sites: Vec<Vec<Cell>>,
    past_needs: Vec<Vec<Cell>>,
    quotes: Vec<Vec<Cell>>,
    deals: Vec<Vec<Cell>>,
}

const ORGANIZATION_COLUMNS: [&str; 8] = [
    "id",
    "name",
    "kind",
    "region_code",
    "verified",
    "version",
    "created_at",
    "updated_at",
];
const USER_COLUMNS: [&str; 9] = [
    "id",
    "email",
    "password_hash",
    "display_name",
    "role",
    "organization_id",
    "created_at",
    "disabled_at",
    "disabled_reason",
];
const NEED_COLUMNS: [&str; 18] = [
    "id",
    "organization_id",
    "created_by",
    "category_code",
    "title",
    "specification",
    "quantity",
    "unit",
    "estimated_value_fen",
    "required_certifications",
    "delivery_region_code",
    "response_deadline",
    "visibility",
    "status",
    "awarded_quantity",
    "version",
    "created_at",
    "updated_at",
];

impl Batch {
    async fn flush(&mut self, load: &mut BulkLoad) -> Result<(), AppError> {
        load.write("organizations", &ORGANIZATION_COLUMNS, &self.organizations)
            .await?;
        load.write("users", &USER_COLUMNS, &self.users).await?;
        load.write(
            "capabilities",
            &[
                "id",
                "organization_id",
                "category_code",
                "annual_capacity",
                "unit",
            ],
            &self.capabilities,
        )
        .await?;
        load.write(
            "certifications",
            &[
                "id",
                "organization_id",
                "kind",
                "number",
                "valid_from",
                "valid_until",
            ],
            &self.certifications,
        )
        .await?;
        load.write(
            "credentials",
            &[
                "id",
                "organization_id",
                "tier",
                "issuing_body",
                "valid_from",
                "valid_until",
                "created_at",
            ],
            &self.credentials,
        )
        .await?;
        load.write(
            "production_sites",
            &[
                "id",
                "organization_id",
                "name",
                "region_code",
                "address",
                "created_at",
            ],
            &self.sites,
        )
        .await?;
        load.write("needs", &NEED_COLUMNS, &self.past_needs).await?;
        load.write(
            "quotes",
            &[
                "id",
                "need_id",
                "supplier_id",
                "submitted_by",
                "unit_price_fen",
                "quantity",
                "lead_time_days",
                "ship_region_code",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
            &self.quotes,
        )
        .await?;
        load.write(
            "deals",
            &[
                "id",
                "need_id",
                "quote_id",
                "lead_id",
                "category_code",
                "supplier_id",
                "quantity",
                "value_fen",
                "supplier_region_code",
                "in_province",
                "status",
                "awarded_at",
                "delivered_on",
                "on_time",
                "quality_rating",
                "fulfilled_at",
            ],
            &self.deals,
        )
        .await?;
        *self = Self::default();
        Ok(())
    }
}

/// The writer's running state: id counters and the past needs made so far.
struct Writer {
    leads: usize,
    /// Never empty.
    lead_counties: Vec<RegionCode>,
    now: OffsetDateTime,
    hash: String,
    capability_id: i64,
    certification_id: i64,
    credential_id: i64,
    site_id: i64,
    quote_id: i64,
    deal_id: i64,
    next_need_id: i64,
    past_needs: HashMap<(i64, CategoryCode), i64>,
    summary: SyntheticSummary,
}

impl Writer {
    fn organization(
        &self,
        id: i64,
        name: String,
        kind: &str,
        region: RegionCode,
        verified: bool,
    ) -> Vec<Cell> {
        vec![
            int(id),
            text(name),
            text(kind),
            text(region.as_str()),
            Cell::Bool(verified),
            int(1),
            Cell::Time(self.now),
            Cell::Time(self.now),
        ]
    }

    fn user(&self, id: i64, local: &str, role: &str, organization: i64, active: bool) -> Vec<Cell> {
        vec![
            int(id),
            text(format!("{local}@{SYNTHETIC_DOMAIN}")),
            text(self.hash.clone()),
            text(format!("Synthetic {local}")),
            text(role),
            int(organization),
            Cell::Time(self.now),
            if active {
                Cell::Null
            } else {
                Cell::Time(self.now)
            },
            if active {
                Cell::Null
            } else {
                text("synthetic: inactive")
            },
        ]
    }

    /// The past need of (lead, category) that history deals hang on, made on first use.
    fn past_need(&mut self, batch: &mut Batch, lead: i64, category: &CategoryCode) -> i64 {
        if let Some(id) = self.past_needs.get(&(lead, category.clone())) {
            return *id;
        }
        let id = self.next_need_id;
        self.next_need_id += 1;
        self.past_needs.insert((lead, category.clone()), id);
        let created = at(date!(2025 - 10 - 01), 9);
        batch.past_needs.push(vec![
            int(id),
            int(lead),
            int(lead),
            text(category.as_str()),
            text(format!("Past need {id}")),
            text("Synthetic history"),
            int(1_000_000_000_i64),
            text("pcs"),
            int(1_000_000_000_i64),
            text("[]"),
            // Delivered to the lead's own county: leads sit in home counties.
            text(self.lead_county(lead).as_str()),
            Cell::Time(at(date!(2025 - 11 - 01), 9)),
            text(Visibility::Public.as_str()),
            text("awarded"),
            int(0),
            int(1),
            Cell::Time(created),
            Cell::Time(created),
        ]);
        self.summary.past_needs += 1;
        id
    }

    fn lead_county(&self, lead: i64) -> RegionCode {
        let n = usize::try_from(lead - 1).unwrap_or(0);
        self.lead_counties[n % self.lead_counties.len()]
    }

    fn deal(
        &mut self,
        batch: &mut Batch,
        supplier: &SupplierFacts,
        lead: i64,
        category: &CategoryCode,
        quantity: u64,
        fulfilled: Option<(bool, u32)>,
    ) {
        let need = self.past_need(batch, lead, category);
        self.quote_id += 1;
        self.deal_id += 1;
        let awarded = at(date!(2025 - 11 - 15), 10);
        let region = supplier.home_county;
        batch.quotes.push(vec![
            int(self.quote_id),
            int(need),
            int(supplier.id.0),
            int(supplier.id.0),
            int(500),
            int(quantity),
            int(30),
            text(region.as_str()),
            text("awarded"),
            int(1),
            Cell::Time(awarded),
            Cell::Time(awarded),
        ]);
        let (status, delivered, on_time, rating, fulfilled_at) = match fulfilled {
            Some((on_time, rating)) => (
                "fulfilled",
                Cell::Date(date!(2026 - 01 - 20)),
                Cell::Bool(on_time),
                int(rating),
                Cell::Time(at(date!(2026 - 01 - 21), 10)),
            ),
            None => ("active", Cell::Null, Cell::Null, Cell::Null, Cell::Null),
        };
        batch.deals.push(vec![
            int(self.deal_id),
            int(need),
            int(self.quote_id),
            int(lead),
            text(category.as_str()),
            int(supplier.id.0),
            int(quantity),
            int(quantity.saturating_mul(500)),
            text(region.as_str()),
            Cell::Bool(region.is_in(ProvinceCode::HUBEI)),
            text(status),
            Cell::Time(awarded),
            delivered,
            on_time,
            rating,
            fulfilled_at,
        ]);
        self.summary.quotes += 1;
        self.summary.deals += 1;
    }

    fn supplier(&mut self, batch: &mut Batch, facts: &SupplierFacts) {
        let id = facts.id.0;
        let n = id - FIRST_SUPPLIER_ID + 1;
        batch.organizations.push(self.organization(
            id,
            format!("Synthetic supplier {n}"),
            "sme",
            facts.home_county,
            facts.verified,
        ));
        batch
            .users
            .push(self.user(id, &format!("sme{n}"), "sme", id, facts.active));
        self.summary.suppliers += 1;
        self.summary.users += 1;

        let mut seen = BTreeSet::new();
        let mut kept = Vec::new();
        for capability in &facts.capabilities {
            if !seen.insert(capability.category.clone()) {
                continue;
            }
            self.capability_id += 1;
            batch.capabilities.push(vec![
                int(self.capability_id),
                int(id),
                text(capability.category.as_str()),
                int(capability.annual_capacity),
                text(capability.unit.clone()),
            ]);
            kept.push(capability);
            self.summary.capabilities += 1;
        }
        for certification in &facts.certifications {
            self.certification_id += 1;
            batch.certifications.push(vec![
                int(self.certification_id),
                int(id),
                text(certification.kind.as_str()),
                text(format!("SYN-{id}-{}", certification.kind.as_str())),
                Cell::Date(certification.valid_from),
                Cell::Date(certification.valid_until),
            ]);
            self.summary.certifications += 1;
        }
        for credential in &facts.credentials {
            self.credential_id += 1;
            batch.credentials.push(vec![
                int(self.credential_id),
                int(id),
                text(credential.tier.as_str()),
                text("Synthetic issuing body"),
                Cell::Date(credential.valid_from),
                Cell::Date(credential.valid_until),
                Cell::Time(self.now),
            ]);
            self.summary.credentials += 1;
        }
        for (s, county) in facts.sites.iter().enumerate() {
            self.site_id += 1;
            batch.sites.push(vec![
                int(self.site_id),
                int(id),
                text(format!("Plant {}", s + 1)),
                text(county.as_str()),
                text("Synthetic address"),
                Cell::Time(self.now),
            ]);
            self.summary.sites += 1;
        }

        // History: fulfilled deals for the scorecard over the supplied pairs, then active deals
        // for supplied pairs left over and for fully committed capabilities.
        let mut pairs: Vec<(i64, CategoryCode)> = facts
            .supplied
            .iter()
            .map(|supplied| (supplied.lead.0, supplied.category.clone()))
            .collect();
        pairs.sort();
        pairs.dedup();
        let fulfilled = facts.scorecard.fulfilled_deals();
        if pairs.is_empty()
            && fulfilled > 0
            && let Some(first) = kept.first()
        {
            pairs.push((lead_for(id, self.leads), first.category.clone()));
        }
        if !pairs.is_empty() {
            let on_time = facts.scorecard.on_time();
            let quality = facts.scorecard.quality_sum();
            let base = quality.checked_div(fulfilled).unwrap_or(0);
            let extra = quality.checked_rem(fulfilled).unwrap_or(0);
            for j in 0..fulfilled {
                let (lead, category) = &pairs[j as usize % pairs.len()];
                let rating = (base + u32::from(j < extra)).clamp(1, 5);
                self.deal(
                    batch,
                    facts,
                    *lead,
                    &category.clone(),
                    100,
                    Some((j < on_time, rating)),
                );
            }
            for (lead, category) in pairs.iter().skip(fulfilled as usize) {
                self.deal(batch, facts, *lead, &category.clone(), 1, None);
            }
        }
        for capability in kept {
            if capability.committed > 0 && capability.committed >= capability.annual_capacity {
                let lead = lead_for(id, self.leads);
                self.deal(
                    batch,
                    facts,
                    lead,
                    &capability.category,
                    capability.committed,
                    None,
                );
            }
        }
    }

    /// The row of an open need, with its deadline moved `shift` into the future.
    fn need(&self, facts: &NeedFacts, lead: i64, shift: Duration) -> Vec<Cell> {
        let kinds: Vec<&str> = facts
            .required_certifications
            .iter()
            .map(|kind| kind.as_str())
            .collect();
        let deadline = at(facts.deadline, 10) + shift;
        vec![
            int(facts.id.0),
            int(lead),
            int(lead),
            text(facts.category.as_str()),
            text(format!("Synthetic need {}", facts.id.0)),
            text("Synthetic specification"),
            int(facts.quantity),
            text(facts.unit.clone()),
            int(facts.quantity.saturating_mul(1_000)),
            text(serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".into())),
            text(facts.delivery_county.as_str()),
            Cell::Time(deadline),
            text(facts.visibility.as_str()),
            text("published"),
            int(0),
            int(1),
            Cell::Time(self.now),
            Cell::Time(self.now),
        ]
    }
}

fn region_row(
    code: &str,
    name: String,
    parent: Option<String>,
    level: &str,
    seat: Option<(f64, f64)>,
) -> Vec<Cell> {
    vec![
        text(code),
        text(name),
        parent.map_or(Cell::Null, Cell::Text),
        text(level),
        seat.map_or(Cell::Null, |(lon, _)| Cell::Float(lon)),
        seat.map_or(Cell::Null, |(_, lat)| Cell::Float(lat)),
    ]
}

/// Every county the generator may place anything in: the home ones, then the others.
fn all_counties(province: &SyntheticProvince) -> Result<Vec<RegionCode>, AppError> {
    let mut counties = province.home_counties().to_vec();
    for other in OTHER_PROVINCES {
        for prefecture in 1..=2 {
            for c in 0..10 {
                let raw = format!("{other}{prefecture:02}{:02}", c + 2);
                counties.push(
                    RegionCode::parse(&raw).map_err(|err| AppError::Internal(err.to_string()))?,
                );
            }
        }
    }
    Ok(counties)
}

/// Writes the synthetic province of `spec`. Refuses a database that holds organisations, needs,
/// categories or regions already, unless `force`, which first empties every data table —
/// reference data included. `progress` hears (suppliers written, suppliers in all).
pub async fn seed(
    store: &Store,
    spec: SyntheticSpec,
    force: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<SyntheticSummary, AppError> {
    let blockers = store.synthetic_blockers().await?;
    if !blockers.is_empty() && !force {
        let found: Vec<String> = blockers
            .iter()
            .map(|(table, count)| format!("{count} {table}"))
            .collect();
        return Err(AppError::Conflict(format!(
            "the database is not empty ({}); start from an empty one with \
             PEITAO__REFERENCE__LOAD_ON_START=false, or pass --force to empty it",
            found.join(", ")
        )));
    }
    let province = SyntheticProvince::generate(spec)
        .map_err(|err| AppError::Internal(format!("synthetic province: {err}")))?;
    let hash = passwords::hash(SYNTHETIC_PASSWORD.to_owned()).await?;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let mut load = store.begin_bulk_load(force).await?;
    let mut lead_counties = province.home_counties().to_vec();
    if lead_counties.is_empty() {
        lead_counties
            .push(RegionCode::parse("420102").map_err(|err| AppError::Internal(err.to_string()))?);
    }
    let mut writer = Writer {
        leads: spec.leads.max(1),
        lead_counties,
        now,
        hash: hash.as_str().to_owned(),
        capability_id: 0,
        certification_id: 0,
        credential_id: 0,
        site_id: 0,
        quote_id: 0,
        deal_id: 0,
        next_need_id: i64::try_from(spec.needs).unwrap_or(0) + 1,
        past_needs: HashMap::new(),
        summary: SyntheticSummary::default(),
    };

    // Regions: provinces, prefectures, counties.
    let counties = all_counties(&province)?;
    let mut provinces = BTreeSet::new();
    let mut prefectures = BTreeSet::new();
    for county in &counties {
        let code = county.as_str();
        provinces.insert(format!("{}0000", &code[..2]));
        prefectures.insert(format!("{}00", &code[..4]));
    }
    let mut regions = Vec::new();
    for code in &provinces {
        regions.push(region_row(
            code,
            format!("Synthetic province {}", &code[..2]),
            None,
            "province",
            None,
        ));
    }
    for code in &prefectures {
        regions.push(region_row(
            code,
            format!("Synthetic prefecture {}", &code[..4]),
            Some(format!("{}0000", &code[..2])),
            "prefecture",
            None,
        ));
    }
    for county in &counties {
        let code = county.as_str();
        let seat = province
            .atlas
            .seat(county)
            .map(|seat| (seat.longitude, seat.latitude));
        regions.push(region_row(
            code,
            format!("Synthetic county {code}"),
            Some(format!("{}00", &code[..4])),
            "county",
            seat,
        ));
    }
    writer.summary.regions = regions.len();
    load.write(
        "regions",
        &[
            "code",
            "name",
            "parent_code",
            "level",
            "longitude",
            "latitude",
        ],
        &regions,
    )
    .await?;

    // Taxonomy, parents first, and one chain with every link.
    let order = province
        .taxonomy
        .parents_first()
        .ok_or_else(|| AppError::Internal("the synthetic taxonomy loops".into()))?;
    let categories: Vec<Vec<Cell>> = order
        .iter()
        .map(|code| {
            vec![
                text(code.as_str()),
                province
                    .taxonomy
                    .parent(code)
                    .map_or(Cell::Null, |parent| text(parent.as_str())),
                text(format!("合成类目 {code}")),
                text(format!("Synthetic category {code}")),
            ]
        })
        .collect();
    writer.summary.categories = categories.len();
    load.write(
        "categories",
        &["code", "parent_code", "name_zh", "name_en"],
        &categories,
    )
    .await?;
    load.write(
        "chains",
        &["id", "code", "name_zh", "name_en"],
        &[vec![
            int(1),
            text("synthetic"),
            text("合成产业链"),
            text("Synthetic chain"),
        ]],
    )
    .await?;
    let links: BTreeSet<(String, String)> = province
        .chain
        .links()
        .map(|(up, down)| (up.as_str().to_owned(), down.as_str().to_owned()))
        .collect();
    let links: Vec<Vec<Cell>> = links
        .into_iter()
        .enumerate()
        .map(|(n, (up, down))| vec![int(n + 1), int(1), Cell::Text(up), Cell::Text(down)])
        .collect();
    writer.summary.chain_links = links.len();
    load.write(
        "category_links",
        &["id", "chain_id", "upstream_code", "downstream_code"],
        &links,
    )
    .await?;

    // Lead enterprises in the home counties, each with one user.
    let mut batch = Batch::default();
    for n in 1..=spec.leads.max(1) {
        let id = i64::try_from(n).unwrap_or(0);
        let county = writer.lead_county(id);
        batch.organizations.push(writer.organization(
            id,
            format!("Synthetic lead {n}"),
            "lead",
            county,
            true,
        ));
        batch
            .users
            .push(writer.user(id, &format!("lead{n}"), "lead", id, true));
        writer.summary.leads += 1;
        writer.summary.users += 1;
    }
    batch.flush(&mut load).await?;

    // Open needs; need 1 goes to lead 1 whoever the generator gave it to.
    let shift = (now.date() - date!(2026 - 03 - 01)) + Duration::days(30);
    let mut needs = Vec::new();
    let mut invitations = Vec::new();
    for facts in province.needs() {
        let lead = if facts.id.0 == 1 { 1 } else { facts.lead.0 };
        needs.push(writer.need(&facts, lead, shift));
        let invited: BTreeSet<i64> = facts.invited.iter().map(|id| id.0).collect();
        for supplier in invited {
            invitations.push(vec![int(facts.id.0), int(supplier)]);
        }
        if needs.len() >= CHUNK {
            load.write("needs", &NEED_COLUMNS, &needs).await?;
            writer.summary.needs += needs.len();
            needs.clear();
        }
    }
    load.write("needs", &NEED_COLUMNS, &needs).await?;
    writer.summary.needs += needs.len();

    // Suppliers, a chunk at a time.
    let total = spec.suppliers;
    for (n, facts) in province.suppliers().enumerate() {
        writer.supplier(&mut batch, &facts);
        if (n + 1) % CHUNK == 0 {
            batch.flush(&mut load).await?;
            progress(n + 1, total);
        }
    }
    batch.flush(&mut load).await?;
    progress(total, total);

    writer.summary.invitations = invitations.len();
    load.write(
        "need_invitations",
        &["need_id", "supplier_id"],
        &invitations,
    )
    .await?;
    load.finish().await?;
    Ok(writer.summary)
}
