//! The index's compact storage: interned codes (small integers in place of strings), supplier and
//! need records in canonical order, and the posting entries that carry what a query needs to
//! prune a candidate without touching its record.

use std::collections::HashMap;

use peitao_domain::{
    CategoryCode, CertificationKind, NeedId, OrganizationId, RegionCode, Scorecard, Visibility,
};
use time::Date;

use crate::{
    atlas::Atlas,
    facts::{
        CapabilityFacts, CertificationFacts, CredentialFacts, NeedFacts, SuppliedFacts,
        SupplierFacts,
    },
};

/// A county known to the index, with its seat as a unit vector when the atlas has one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegionEntry {
    pub code: RegionCode,
    pub point: Option<[f64; 3]>,
}

/// Codes interned to dense `u32`s. Entries are only ever added, so an interned number stays
/// valid for the life of the index.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub categories: Vec<CategoryCode>,
    /// [`category_bit`] of each category.
    pub category_bits: Vec<u32>,
    category_ids: HashMap<CategoryCode, u32>,
    pub regions: Vec<RegionEntry>,
    region_ids: HashMap<RegionCode, u32>,
    pub units: Vec<String>,
    unit_ids: HashMap<String, u32>,
    pub kinds: Vec<CertificationKind>,
    kind_ids: HashMap<CertificationKind, u32>,
}

/// Units compare trimmed and lower-cased: `PCS ` is `pcs`.
pub(crate) fn normalise_unit(unit: &str) -> String {
    unit.trim().to_lowercase()
}

/// The bit a certification kind sets in a posting's certification mask: FNV-1a of its text, so
/// it does not depend on the order kinds were interned in.
pub(crate) fn kind_bit(kind: &CertificationKind) -> u32 {
    text_bit(kind.as_str())
}

/// The bit a category sets in a posting's supplied mask, like [`kind_bit`].
pub(crate) fn category_bit(code: &CategoryCode) -> u32 {
    text_bit(code.as_str())
}

/// One of 32 bits chosen by the FNV-1a hash of `text`.
fn text_bit(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    1 << (hash % 32)
}

fn next_id(len: usize) -> u32 {
    // More than four billion distinct codes cannot fit in memory anyway.
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Tables {
    pub fn category(&self, code: &CategoryCode) -> Option<u32> {
        self.category_ids.get(code).copied()
    }

    /// Interns `code`, returning its number and whether it is new.
    pub fn intern_category(&mut self, code: &CategoryCode) -> (u32, bool) {
        if let Some(id) = self.category_ids.get(code) {
            return (*id, false);
        }
        let id = next_id(self.categories.len());
        self.categories.push(code.clone());
        self.category_bits.push(category_bit(code));
        self.category_ids.insert(code.clone(), id);
        (id, true)
    }

    pub fn category_bit(&self, id: u32) -> u32 {
        self.category_bits.get(id as usize).copied().unwrap_or(0)
    }

    pub fn category_code(&self, id: u32) -> Option<&CategoryCode> {
        self.categories.get(id as usize)
    }

    pub fn intern_region(&mut self, code: RegionCode, atlas: &Atlas) -> u32 {
        if let Some(id) = self.region_ids.get(&code) {
            return *id;
        }
        let id = next_id(self.regions.len());
        self.regions.push(RegionEntry {
            code,
            point: atlas.seat(&code).map(|seat| seat.unit_vector()),
        });
        self.region_ids.insert(code, id);
        id
    }

    pub fn region_entry(&self, id: u32) -> Option<RegionEntry> {
        self.regions.get(id as usize).copied()
    }

    /// Re-reads every interned county's seat from `atlas`.
    pub fn relocate(&mut self, atlas: &Atlas) {
        for entry in &mut self.regions {
            entry.point = atlas.seat(&entry.code).map(|seat| seat.unit_vector());
        }
    }

    pub fn unit(&self, unit: &str) -> Option<u32> {
        self.unit_ids.get(&normalise_unit(unit)).copied()
    }

    pub fn intern_unit(&mut self, unit: &str) -> u32 {
        let unit = normalise_unit(unit);
        if let Some(id) = self.unit_ids.get(&unit) {
            return *id;
        }
        let id = next_id(self.units.len());
        self.units.push(unit.clone());
        self.unit_ids.insert(unit, id);
        id
    }

    pub fn unit_text(&self, id: u32) -> &str {
        self.units.get(id as usize).map_or("", String::as_str)
    }

    pub fn kind(&self, kind: &CertificationKind) -> Option<u32> {
        self.kind_ids.get(kind).copied()
    }

    pub fn intern_kind(&mut self, kind: &CertificationKind) -> u32 {
        if let Some(id) = self.kind_ids.get(kind) {
            return *id;
        }
        let id = next_id(self.kinds.len());
        self.kinds.push(kind.clone());
        self.kind_ids.insert(kind.clone(), id);
        id
    }

    pub fn kind_of(&self, id: u32) -> Option<&CertificationKind> {
        self.kinds.get(id as usize)
    }
}

/// A capability: category, unit and capacities.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CapabilityRecord {
    pub category: u32,
    pub unit: u32,
    pub annual_capacity: u64,
    pub committed: u64,
}

impl CapabilityRecord {
    /// What open deals leave of the annual capacity.
    pub fn spare(&self) -> u64 {
        self.annual_capacity.saturating_sub(self.committed)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CertificationRecord {
    pub kind: u32,
    pub valid_from: Date,
    pub valid_until: Date,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct SuppliedRecord {
    pub lead: OrganizationId,
    pub category: u32,
}

/// A supplier in canonical form: capabilities sorted by (category code, unit, capacity,
/// committed), sites sorted by code with the home county among them, certifications by (kind,
/// dates), credentials sorted, supplied links sorted and deduplicated. Canonical order makes
/// every tie-break independent of the order facts arrived in.
#[derive(Debug, Clone)]
pub(crate) struct SupplierRecord {
    pub id: OrganizationId,
    pub active: bool,
    pub verified: bool,
    pub home: u32,
    pub home_code: RegionCode,
    pub scorecard: Scorecard,
    pub scorecard_score: f64,
    pub capabilities: Box<[CapabilityRecord]>,
    pub sites: Box<[u32]>,
    pub certifications: Box<[CertificationRecord]>,
    pub credentials: Box<[CredentialFacts]>,
    pub supplied: Box<[SuppliedRecord]>,
}

/// A need in canonical form. `category` and `unit` are `None` for a query about a need whose
/// category or unit the index has never seen: then nothing matches it, or no unit agrees.
#[derive(Debug, Clone)]
pub(crate) struct NeedRecord {
    pub id: NeedId,
    pub lead: OrganizationId,
    pub category: Option<u32>,
    pub category_code: CategoryCode,
    pub quantity: u64,
    pub unit: Option<u32>,
    pub unit_text: String,
    /// Sorted and deduplicated by kind.
    pub required: Box<[RequiredKind]>,
    pub deadline: Date,
    pub delivery: RegionEntry,
    pub visibility: Visibility,
    /// Sorted and deduplicated.
    pub invited: Box<[OrganizationId]>,
}

#[derive(Debug, Clone)]
pub(crate) struct RequiredKind {
    pub kind: CertificationKind,
    pub id: Option<u32>,
}

impl NeedRecord {
    /// The union of the required kinds' mask bits.
    pub fn required_mask(&self) -> u32 {
        self.required
            .iter()
            .fold(0, |mask, required| mask | kind_bit(&required.kind))
    }
}

/// Posting flags: the supplier's home county is in the home province.
pub(crate) const HOME_IN_PROVINCE: u8 = 1;
/// Posting flags: some production site is in the home province.
pub(crate) const SITE_IN_PROVINCE: u8 = 2;
/// Posting flags: the home county is the only site.
pub(crate) const SINGLE_SITE: u8 = 4;
/// Posting flags: the supplier has two sites, `home` and `other_site`.
pub(crate) const TWO_SITES: u8 = 8;

/// One capability with spare capacity of an active (and, when required, verified) supplier, in
/// its category's posting list. Besides the supplier's slot it carries upper bounds of the
/// need-independent components, and hulls of the dates its certifications and credentials are
/// valid, so most candidates are pruned (or ruled out) without a visit to the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Posting {
    pub slot: u32,
    /// Position of the capability in the record.
    pub capability: u16,
    pub flags: u8,
    /// The highest credential rank held, whatever its dates.
    pub best_rank: u8,
    /// The highest rank below `best_rank` held, whatever its dates (0 for none): the credential
    /// bound when the deadline lies outside `best_rank_days`.
    pub lower_rank: u8,
    /// Union of [`kind_bit`] over the kinds of certification held, whatever their dates.
    pub certification_mask: u32,
    /// Union of [`category_bit`] over the categories supplied before, to any lead.
    pub supplied_mask: u32,
    /// Union of [`supply_bit`] over the (lead, category) pairs supplied before.
    pub supplied_lead_mask: u32,
    /// The home county: the only site when `SINGLE_SITE` is set.
    pub home: u32,
    /// The site besides the home county when `TWO_SITES` is set.
    pub other_site: u32,
    pub unit: u32,
    /// The scorecard score rounded up to `f32`.
    pub scorecard_bound: f32,
    /// Julian days: from the earliest start to the latest end of the credentials of `best_rank`.
    pub best_rank_days: (i32, i32),
    /// Julian days: from the earliest start to the latest end of every certification held (empty,
    /// start after end, without any). A deadline outside it fails every required kind.
    pub certified_days: (i32, i32),
    pub spare: u64,
}

/// An empty span of days: no day lies in it.
pub(crate) const NO_DAYS: (i32, i32) = (i32::MAX, i32::MIN);

/// Whether `day` lies in `days`, both ends inclusive.
pub(crate) fn within(days: (i32, i32), day: i32) -> bool {
    days.0 <= day && day <= days.1
}

/// The bit a (lead, category) supply link sets in a posting's `supplied_lead_mask`, like
/// [`kind_bit`]: FNV-1a of the lead's id and the category's text.
pub(crate) fn supply_bit(lead: OrganizationId, category: &CategoryCode) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in lead
        .0
        .to_le_bytes()
        .into_iter()
        .chain(category.as_str().bytes())
    {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    1 << (hash % 32)
}

/// The smallest `f32` not below `value`.
pub(crate) fn f32_at_least(value: f64) -> f32 {
    let rounded = value as f32;
    if f64::from(rounded) < value {
        rounded.next_up()
    } else {
        rounded
    }
}

/// What went wrong turning facts into a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("supplier {supplier} declares {count} capabilities; the index holds at most 65535")]
    TooManyCapabilities {
        supplier: OrganizationId,
        count: usize,
    },
}

impl Tables {
    /// The record of `facts` in canonical form, interning every code.
    pub fn supplier_record(
        &mut self,
        facts: &SupplierFacts,
        atlas: &Atlas,
        scorecard_score: f64,
    ) -> Result<SupplierRecord, RecordError> {
        if facts.capabilities.len() > usize::from(u16::MAX) {
            return Err(RecordError::TooManyCapabilities {
                supplier: facts.id,
                count: facts.capabilities.len(),
            });
        }
        let mut capabilities: Vec<&CapabilityFacts> = facts.capabilities.iter().collect();
        capabilities.sort_by(|a, b| {
            (
                &a.category,
                normalise_unit(&a.unit),
                a.annual_capacity,
                a.committed,
            )
                .cmp(&(
                    &b.category,
                    normalise_unit(&b.unit),
                    b.annual_capacity,
                    b.committed,
                ))
        });
        let capabilities = capabilities
            .into_iter()
            .map(|capability| CapabilityRecord {
                category: self.intern_category(&capability.category).0,
                unit: self.intern_unit(&capability.unit),
                annual_capacity: capability.annual_capacity,
                committed: capability.committed,
            })
            .collect();
        let mut site_codes: Vec<RegionCode> = facts.sites.clone();
        site_codes.push(facts.home_county);
        site_codes.sort();
        site_codes.dedup();
        let sites = site_codes
            .into_iter()
            .map(|code| self.intern_region(code, atlas))
            .collect();
        let mut certifications: Vec<&CertificationFacts> = facts.certifications.iter().collect();
        certifications.sort();
        let certifications = certifications
            .into_iter()
            .map(|certification| CertificationRecord {
                kind: self.intern_kind(&certification.kind),
                valid_from: certification.valid_from,
                valid_until: certification.valid_until,
            })
            .collect();
        let mut credentials = facts.credentials.clone();
        credentials.sort();
        let mut supplied: Vec<&SuppliedFacts> = facts.supplied.iter().collect();
        supplied.sort();
        supplied.dedup();
        let supplied = supplied
            .into_iter()
            .map(|link| SuppliedRecord {
                lead: link.lead,
                category: self.intern_category(&link.category).0,
            })
            .collect();
        Ok(SupplierRecord {
            id: facts.id,
            active: facts.active,
            verified: facts.verified,
            home: self.intern_region(facts.home_county, atlas),
            home_code: facts.home_county,
            scorecard: facts.scorecard,
            scorecard_score,
            capabilities,
            sites,
            certifications,
            credentials: credentials.into_boxed_slice(),
            supplied,
        })
    }

    /// The facts of a record, in canonical form.
    pub fn supplier_facts(&self, record: &SupplierRecord) -> SupplierFacts {
        let category = |id: u32| self.category_code(id).cloned();
        SupplierFacts {
            id: record.id,
            active: record.active,
            verified: record.verified,
            home_county: record.home_code,
            capabilities: record
                .capabilities
                .iter()
                .filter_map(|capability| {
                    Some(CapabilityFacts {
                        category: category(capability.category)?,
                        unit: self.unit_text(capability.unit).to_owned(),
                        annual_capacity: capability.annual_capacity,
                        committed: capability.committed,
                    })
                })
                .collect(),
            sites: record
                .sites
                .iter()
                .filter_map(|site| self.region_entry(*site).map(|entry| entry.code))
                .collect(),
            certifications: record
                .certifications
                .iter()
                .filter_map(|certification| {
                    Some(CertificationFacts {
                        kind: self.kind_of(certification.kind)?.clone(),
                        valid_from: certification.valid_from,
                        valid_until: certification.valid_until,
                    })
                })
                .collect(),
            credentials: record.credentials.to_vec(),
            scorecard: record.scorecard,
            supplied: record
                .supplied
                .iter()
                .filter_map(|link| {
                    Some(SuppliedFacts {
                        lead: link.lead,
                        category: category(link.category)?,
                    })
                })
                .collect(),
        }
    }

    /// The record of a need to store, interning its category, unit and kinds.
    pub fn stored_need_record(&mut self, facts: &NeedFacts, atlas: &Atlas) -> NeedRecord {
        self.intern_category(&facts.category);
        self.intern_unit(&facts.unit);
        for kind in &facts.required_certifications {
            self.intern_kind(kind);
        }
        self.need_record(facts, atlas)
    }

    /// The record of a need for a query, interning nothing.
    pub fn need_record(&self, facts: &NeedFacts, atlas: &Atlas) -> NeedRecord {
        let mut kinds: Vec<&CertificationKind> = facts.required_certifications.iter().collect();
        kinds.sort();
        kinds.dedup();
        let mut invited = facts.invited.clone();
        invited.sort();
        invited.dedup();
        NeedRecord {
            id: facts.id,
            lead: facts.lead,
            category: self.category(&facts.category),
            category_code: facts.category.clone(),
            quantity: facts.quantity,
            unit: self.unit(&facts.unit),
            unit_text: normalise_unit(&facts.unit),
            required: kinds
                .into_iter()
                .map(|kind| RequiredKind {
                    kind: kind.clone(),
                    id: self.kind(kind),
                })
                .collect(),
            deadline: facts.deadline,
            delivery: RegionEntry {
                code: facts.delivery_county,
                point: atlas
                    .seat(&facts.delivery_county)
                    .map(|seat| seat.unit_vector()),
            },
            visibility: facts.visibility,
            invited: invited.into_boxed_slice(),
        }
    }

    /// The facts of a stored need, in canonical form.
    pub fn need_facts(&self, record: &NeedRecord) -> NeedFacts {
        NeedFacts {
            id: record.id,
            lead: record.lead,
            category: record.category_code.clone(),
            quantity: record.quantity,
            unit: record.unit_text.clone(),
            required_certifications: record
                .required
                .iter()
                .map(|required| required.kind.clone())
                .collect(),
            deadline: record.deadline,
            delivery_county: record.delivery.code,
            visibility: record.visibility,
            invited: record.invited.to_vec(),
        }
    }
}
