//! A synthetic province to test and measure the index on: a taxonomy of about 2,000 categories,
//! an acyclic chain graph over it, about 100 counties in province 42 with plausible seats plus
//! a few hundred elsewhere in China, and any number of suppliers and needs. Everything is
//! deterministic for a seed; each supplier and need comes from its own seeded stream, so they can
//! be generated one at a time without holding them all.

use peitao_domain::{
    CategoryCode, CertificationKind, CredentialTier, DomainError, NeedId, OrganizationId,
    ProvinceCode, RegionCode, Scorecard, Visibility,
};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, macros::date};

use crate::{
    Atlas, ChainGraph, IndexConfig, TaxonomyTree,
    facts::{
        CapabilityFacts, CertificationFacts, CredentialFacts, NeedFacts, SuppliedFacts,
        SupplierFacts,
    },
};

/// The sizes of a synthetic province.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub seed: u64,
    pub suppliers: usize,
    pub needs: usize,
    /// About how many categories the taxonomy holds (roots × 7 × 7 leaves and the levels above).
    pub categories: usize,
    /// How many lead enterprises publish needs; their ids are 1 to `leads`.
    pub leads: usize,
}

impl SyntheticSpec {
    /// A province of `suppliers` suppliers and `needs` needs, about 2,000 categories and 200 leads.
    pub fn new(seed: u64, suppliers: usize, needs: usize) -> Self {
        Self {
            seed,
            suppliers,
            needs,
            categories: 2_000,
            leads: 200,
        }
    }
}

/// The first id of a synthetic supplier; leads take the ids below.
pub const FIRST_SUPPLIER_ID: i64 = 1_000_000;

/// Hubei's prefectures with their seats, and how many counties each gets.
const HOME_PREFECTURES: [(&str, f64, f64, u32); 13] = [
    ("4201", 114.30, 30.59, 13),
    ("4202", 115.04, 30.20, 6),
    ("4203", 110.80, 32.63, 8),
    ("4205", 111.29, 30.69, 9),
    ("4206", 112.14, 32.04, 9),
    ("4207", 114.89, 30.39, 3),
    ("4208", 112.20, 31.04, 5),
    ("4209", 113.92, 30.93, 7),
    ("4210", 112.24, 30.33, 8),
    ("4211", 114.87, 30.45, 10),
    ("4212", 114.32, 29.84, 6),
    ("4213", 113.38, 31.69, 3),
    ("4228", 109.49, 30.27, 8),
];

/// Hubei's county-level units directly under the province.
const HOME_DIRECT: [(&str, f64, f64); 4] = [
    ("429004", 113.45, 30.36),
    ("429005", 112.90, 30.40),
    ("429006", 113.17, 30.66),
    ("429021", 110.68, 31.74),
];

/// Other provinces with a point near their centre.
const OTHER_PROVINCES: [(&str, f64, f64); 15] = [
    ("11", 116.40, 39.90),
    ("13", 114.50, 38.00),
    ("31", 121.47, 31.23),
    ("32", 118.78, 32.06),
    ("33", 120.15, 30.28),
    ("34", 117.28, 31.86),
    ("35", 119.30, 26.08),
    ("36", 115.89, 28.68),
    ("37", 117.00, 36.65),
    ("41", 113.65, 34.76),
    ("43", 112.94, 28.23),
    ("44", 113.27, 23.13),
    ("50", 106.55, 29.56),
    ("51", 104.07, 30.67),
    ("61", 108.95, 34.27),
];

const KINDS: [&str; 3] = ["ISO9001", "IATF16949", "ISO14001"];

/// A generated province: its graphs and atlas, and a recipe for its suppliers and needs.
#[derive(Debug, Clone)]
pub struct SyntheticProvince {
    spec: SyntheticSpec,
    pub taxonomy: TaxonomyTree,
    pub chain: ChainGraph,
    pub atlas: Atlas,
    roots: Vec<CategoryCode>,
    /// Per root, its middle categories, each with its leaves.
    branches: Vec<Vec<(CategoryCode, Vec<CategoryCode>)>>,
    home_counties: Vec<RegionCode>,
    other_counties: Vec<RegionCode>,
    kinds: Vec<CertificationKind>,
    /// Where a draw from an empty list lands; never used with the built-in lists.
    anchor_county: RegionCode,
    anchor_category: CategoryCode,
}

fn day(base: Date, days: i64) -> Date {
    base.checked_add(Duration::days(days)).unwrap_or(base)
}

impl SyntheticProvince {
    /// The graphs and atlas of a province of this spec. Fails only if a built-in code were
    /// malformed.
    pub fn generate(spec: SyntheticSpec) -> Result<Self, DomainError> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let root_count = (spec.categories / 57).max(1);
        let mut taxonomy = TaxonomyTree::new();
        let mut roots = Vec::with_capacity(root_count);
        let mut branches = Vec::with_capacity(root_count);
        for r in 0..root_count {
            let root = CategoryCode::parse(&format!("c{r:02}"))?;
            taxonomy.insert(root.clone(), None);
            let mut mids = Vec::new();
            for m in 0..7 {
                let mid = CategoryCode::parse(&format!("{root}.{m}"))?;
                taxonomy.insert(mid.clone(), Some(root.clone()));
                let leaves = (0..7)
                    .map(|l| CategoryCode::parse(&format!("{mid}.{l}")))
                    .collect::<Result<Vec<_>, _>>()?;
                for leaf in &leaves {
                    taxonomy.insert(leaf.clone(), Some(mid.clone()));
                }
                mids.push((mid, leaves));
            }
            roots.push(root);
            branches.push(mids);
        }
        let chain = Self::chain_over(&branches, &mut rng);
        let (atlas, home_counties, other_counties) = Self::counties(&mut rng)?;
        Ok(Self {
            spec,
            taxonomy,
            chain,
            atlas,
            roots,
            branches,
            home_counties,
            other_counties,
            kinds: KINDS
                .iter()
                .map(|raw| CertificationKind::parse(raw))
                .collect::<Result<_, _>>()?,
            anchor_county: RegionCode::parse(HOME_DIRECT[0].0)?,
            anchor_category: CategoryCode::parse("c00")?,
        })
    }

    /// Links between leaves, each from a lower to a higher rank of a random order, so the
    /// graph cannot loop; mostly within a root (a chain), some across.
    fn chain_over(
        branches: &[Vec<(CategoryCode, Vec<CategoryCode>)>],
        rng: &mut ChaCha8Rng,
    ) -> ChainGraph {
        let leaves: Vec<(usize, &CategoryCode)> = branches
            .iter()
            .enumerate()
            .flat_map(|(root, mids)| {
                mids.iter()
                    .flat_map(move |(_, leaves)| leaves.iter().map(move |leaf| (root, leaf)))
            })
            .collect();
        let mut chain = ChainGraph::new();
        for (_, leaf) in &leaves {
            chain.add_category((*leaf).clone());
        }
        let rank: Vec<u64> = leaves.iter().map(|_| rng.random()).collect();
        for (from, (root, leaf)) in leaves.iter().enumerate() {
            for _ in 0..rng.random_range(1..=2) {
                let to = if rng.random_bool(0.7) {
                    let same_root: Vec<usize> = (0..leaves.len())
                        .filter(|other| leaves[*other].0 == *root)
                        .collect();
                    same_root.choose(rng).copied().unwrap_or(from)
                } else {
                    rng.random_range(0..leaves.len())
                };
                if to == from {
                    continue;
                }
                let (up, down) = if rank[from] < rank[to] {
                    (*leaf, leaves[to].1)
                } else {
                    (leaves[to].1, *leaf)
                };
                // Both ends are in the graph and differ, so the link is always accepted.
                let _ = chain.add_link(up, down);
            }
        }
        chain
    }

    /// About 100 counties in province 42 around their prefecture seats and 300 in fifteen other
    /// provinces; one county in fifty has no seat.
    fn counties(
        rng: &mut ChaCha8Rng,
    ) -> Result<(Atlas, Vec<RegionCode>, Vec<RegionCode>), DomainError> {
        let mut atlas = Atlas::new();
        let mut home = Vec::new();
        let mut other = Vec::new();
        let place = |atlas: &mut Atlas, code: RegionCode, lon: f64, lat: f64, n: usize| {
            if n % 50 != 49 {
                atlas.insert(code, lon, lat);
            }
        };
        for (prefix, lon, lat, count) in HOME_PREFECTURES {
            for c in 0..count {
                let code = RegionCode::parse(&format!("{prefix}{:02}", c + 2))?;
                let jitter_lon = rng.random_range(-0.35..0.35);
                let jitter_lat = rng.random_range(-0.35..0.35);
                place(
                    &mut atlas,
                    code,
                    lon + jitter_lon,
                    lat + jitter_lat,
                    home.len(),
                );
                home.push(code);
            }
        }
        for (raw, lon, lat) in HOME_DIRECT {
            let code = RegionCode::parse(raw)?;
            place(&mut atlas, code, lon, lat, home.len());
            home.push(code);
        }
        for (province, lon, lat) in OTHER_PROVINCES {
            for prefecture in 1..=2 {
                for c in 0..10 {
                    let code =
                        RegionCode::parse(&format!("{province}{prefecture:02}{:02}", c + 2))?;
                    let jitter_lon = rng.random_range(-1.2..1.2);
                    let jitter_lat = rng.random_range(-1.2..1.2);
                    place(
                        &mut atlas,
                        code,
                        lon + jitter_lon,
                        lat + jitter_lat,
                        other.len(),
                    );
                    other.push(code);
                }
            }
        }
        Ok((atlas, home, other))
    }

    /// The spec the province was generated from.
    pub fn spec(&self) -> SyntheticSpec {
        self.spec
    }

    /// An index configuration over this province's graphs and atlas, with default weights and
    /// province 42 as home.
    pub fn config(&self) -> IndexConfig {
        IndexConfig::new(
            self.taxonomy.clone(),
            self.chain.clone(),
            self.atlas.clone(),
        )
    }

    /// The counties of province 42.
    pub fn home_counties(&self) -> &[RegionCode] {
        &self.home_counties
    }

    /// Every supplier, one at a time.
    pub fn suppliers(&self) -> impl Iterator<Item = SupplierFacts> + '_ {
        (0..self.spec.suppliers).map(|n| self.supplier(n))
    }

    /// Every need, one at a time.
    pub fn needs(&self) -> impl Iterator<Item = NeedFacts> + '_ {
        (0..self.spec.needs).map(|n| self.need(n))
    }

    fn stream(&self, tag: u64, n: usize) -> ChaCha8Rng {
        let mixed = (n as u64 ^ (tag << 56)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ChaCha8Rng::seed_from_u64(self.spec.seed ^ mixed)
    }

    fn lead(&self, rng: &mut ChaCha8Rng) -> OrganizationId {
        OrganizationId(rng.random_range(1..=self.spec.leads.max(1) as i64))
    }

    fn county(&self, rng: &mut ChaCha8Rng, in_province: f64) -> Option<RegionCode> {
        let pool = if rng.random_bool(in_province) {
            &self.home_counties
        } else {
            &self.other_counties
        };
        pool.choose(rng).copied()
    }

    /// A leaf (85%), middle (12%) or root (3%) category, mostly under `root`.
    fn category_near(&self, rng: &mut ChaCha8Rng, root: usize) -> Option<CategoryCode> {
        let root = if rng.random_bool(0.8) {
            root
        } else {
            rng.random_range(0..self.roots.len())
        };
        let roll: f64 = rng.random();
        if roll < 0.03 {
            return self.roots.get(root).cloned();
        }
        let (mid, leaves) = self.branches.get(root)?.choose(rng)?;
        if roll < 0.15 {
            Some(mid.clone())
        } else {
            leaves.choose(rng).cloned()
        }
    }

    fn unit(rng: &mut ChaCha8Rng) -> String {
        match rng.random_range(0..20) {
            0 => "t",
            1 => "sets",
            _ => "pcs",
        }
        .to_owned()
    }

    /// Supplier number `n` (0-based); its id is [`FIRST_SUPPLIER_ID`] + `n`.
    pub fn supplier(&self, n: usize) -> SupplierFacts {
        let mut rng = self.stream(1, n);
        let home_county = self.county(&mut rng, 0.85).unwrap_or(self.anchor_county);
        let specialty = rng.random_range(0..self.roots.len().max(1));
        let capabilities = (0..rng.random_range(3..=7))
            .filter_map(|_| {
                let annual_capacity = 10f64.powf(rng.random_range(3.0..6.0)) as u64;
                let committed = if rng.random_bool(0.1) {
                    annual_capacity
                } else {
                    (annual_capacity as f64 * rng.random_range(0.0..0.8)) as u64
                };
                Some(CapabilityFacts {
                    category: self.category_near(&mut rng, specialty)?,
                    unit: Self::unit(&mut rng),
                    annual_capacity,
                    committed,
                })
            })
            .collect::<Vec<_>>();
        let extra_sites = match rng.random_range(0..20) {
            0 => 2,
            1..=5 => 1,
            _ => 0,
        };
        let sites = (0..extra_sites)
            .filter_map(|_| {
                let pool = if home_county.is_in(ProvinceCode::HUBEI) {
                    &self.home_counties
                } else {
                    &self.other_counties
                };
                pool.choose(&mut rng).copied()
            })
            .collect();
        let mut certifications = Vec::new();
        for (kind, share) in self.kinds.iter().zip([0.6, 0.25, 0.2]) {
            if rng.random_bool(share) {
                let valid_from = day(date!(2023 - 01 - 01), rng.random_range(0..900));
                certifications.push(CertificationFacts {
                    kind: kind.clone(),
                    valid_from,
                    valid_until: day(valid_from, rng.random_range(365..1800)),
                });
            }
        }
        let credentials = if rng.random_bool(0.3) {
            let valid_from = day(date!(2022 - 01 - 01), rng.random_range(0..1000));
            CredentialTier::ALL
                .choose(&mut rng)
                .map(|tier| CredentialFacts {
                    tier: *tier,
                    valid_from,
                    valid_until: day(valid_from, 3 * 365),
                })
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        let deals: u32 = if rng.random_bool(0.3) {
            0
        } else {
            rng.random_range(1..20)
        };
        let on_time = rng.random_range(0..=deals);
        let quality_sum = rng.random_range(deals..=deals * 5);
        let scorecard =
            Scorecard::from_totals(deals, on_time, quality_sum).unwrap_or(Scorecard::EMPTY);
        let supplied = if rng.random_bool(0.4) {
            (0..rng.random_range(1..=3))
                .filter_map(|_| {
                    let category = if rng.random_bool(0.5) {
                        capabilities.choose(&mut rng).map(|c| c.category.clone())
                    } else {
                        self.category_near(&mut rng, specialty)
                    }?;
                    Some(SuppliedFacts {
                        lead: self.lead(&mut rng),
                        category,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        SupplierFacts {
            id: OrganizationId(FIRST_SUPPLIER_ID + n as i64),
            active: rng.random_bool(0.97),
            verified: rng.random_bool(0.9),
            home_county,
            capabilities,
            sites,
            certifications,
            credentials,
            scorecard,
            supplied,
        }
    }

    /// Need number `n` (0-based); its id is `n + 1`.
    pub fn need(&self, n: usize) -> NeedFacts {
        let mut rng = self.stream(2, n);
        let root = rng.random_range(0..self.roots.len().max(1));
        let category = self
            .branches
            .get(root)
            .and_then(|mids| mids.choose(&mut rng))
            .and_then(|(mid, leaves)| {
                if rng.random_bool(0.1) {
                    Some(mid.clone())
                } else {
                    leaves.choose(&mut rng).cloned()
                }
            })
            .unwrap_or_else(|| self.anchor_category.clone());
        let required_certifications = match rng.random_range(0..10) {
            0..=4 => Vec::new(),
            5..=7 => self.kinds.first().cloned().into_iter().collect(),
            _ => self.kinds.get(1).cloned().into_iter().collect(),
        };
        let visibility = match rng.random_range(0..20) {
            0..=15 => Visibility::Public,
            16..=18 => Visibility::Province,
            _ => Visibility::Invited,
        };
        let invited = if visibility == Visibility::Invited {
            (0..5)
                .map(|_| {
                    OrganizationId(
                        FIRST_SUPPLIER_ID + rng.random_range(0..self.spec.suppliers.max(1)) as i64,
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        NeedFacts {
            id: NeedId(n as i64 + 1),
            lead: self.lead(&mut rng),
            category,
            quantity: 10f64.powf(rng.random_range(2.0..5.0)) as u64,
            unit: Self::unit(&mut rng),
            required_certifications,
            deadline: day(date!(2026 - 03 - 01), rng.random_range(0..400)),
            delivery_county: self.county(&mut rng, 0.9).unwrap_or(self.anchor_county),
            visibility,
            invited,
        }
    }
}
