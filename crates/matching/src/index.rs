//! The in-memory matching index: suppliers and published needs in compact records, posting lists
//! per category in both directions, and the queries over them.
//!
//! Candidates for a need come from the posting lists of the need's category, the categories under
//! it and those above it (generalists), so a query never scans every supplier. Hard filters
//! ([`Exclusion`]) come next, then the score ([`Components`]).
//!
//! **Nearest site and `in_province`.** A supplier's sites are its home county and its production
//! sites' counties. The *nearest site* is the one with the highest proximity to the delivery
//! county, then the shorter great-circle distance (an unknown distance counts as longer), then
//! the smaller county code. `in_province` says whether that site lies in the home province.
//! Valid weights put every in-province site above every other, so `in_province` is true exactly
//! when some site of the supplier lies in the home province.
//!
//! The index takes `&self` for queries and `&mut self` for writes; it is `Send + Sync`, meant to
//! sit behind an `RwLock`.

mod query;
mod snapshot;
mod supply;
mod topk;

use std::collections::HashMap;

use peitao_domain::{CategoryCode, CredentialTier, NeedId, OrganizationId, ProvinceCode};

pub use query::{Explanation, RankOptions};
pub use snapshot::{IndexSnapshot, PostingSnapshot};
pub use supply::CategorySupply;

use crate::{
    Atlas, ChainGraph, TaxonomyTree, Weights, WeightsError,
    facts::{NeedFacts, SupplierFacts},
    records::{
        HOME_IN_PROVINCE, NO_DAYS, NeedRecord, Posting, RecordError, SINGLE_SITE, SITE_IN_PROVINCE,
        SupplierRecord, TWO_SITES, Tables, f32_at_least, kind_bit, supply_bit,
    },
};

/// What an index is built with, besides its facts.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The category forest, for category fit and candidate categories.
    pub taxonomy: TaxonomyTree,
    /// The chain links, for chain adjacency.
    pub chain: ChainGraph,
    /// County seats, for distances.
    pub atlas: Atlas,
    pub weights: Weights,
    /// The province whose supporting rate the service raises.
    pub home_province: ProvinceCode,
    /// Whether unverified organisations are excluded.
    pub require_verified: bool,
}

impl IndexConfig {
    /// A configuration with these graphs and atlas, the default weights, Hubei as the home
    /// province, and verification not required.
    pub fn new(taxonomy: TaxonomyTree, chain: ChainGraph, atlas: Atlas) -> Self {
        Self {
            taxonomy,
            chain,
            atlas,
            weights: Weights::default(),
            home_province: ProvinceCode::HUBEI,
            require_verified: false,
        }
    }
}

/// Why an index cannot be built or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error("the taxonomy's parents loop: {}", .0.iter().map(CategoryCode::as_str).collect::<Vec<_>>().join(" → "))]
    TaxonomyCycle(Vec<CategoryCode>),
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// The taxonomy and chain links over interned categories, indexed by category number.
#[derive(Debug, Default)]
struct CategoryGraph {
    parent: Vec<Option<u32>>,
    children: Vec<Vec<u32>>,
    /// Direct upstream and downstream neighbours, sorted.
    chain: Vec<Box<[u32]>>,
}

impl CategoryGraph {
    /// Makes room for categories interned since the graph was built; they have no links.
    fn cover(&mut self, categories: usize) {
        self.parent.resize(categories, None);
        self.children.resize_with(categories, Vec::new);
        self.chain.resize_with(categories, Box::default);
    }

    fn parent(&self, category: u32) -> Option<u32> {
        self.parent.get(category as usize).copied().flatten()
    }

    fn children(&self, category: u32) -> &[u32] {
        self.children
            .get(category as usize)
            .map_or(&[], Vec::as_slice)
    }

    fn chain_neighbours(&self, category: u32) -> &[u32] {
        self.chain.get(category as usize).map_or(&[], |links| links)
    }
}

/// Slots of records that may be reused once freed.
#[derive(Debug)]
struct Slots<K, R> {
    records: Vec<Option<R>>,
    by_key: HashMap<K, u32>,
    free: Vec<u32>,
}

impl<K, R> Default for Slots<K, R> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            by_key: HashMap::new(),
            free: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy, R> Slots<K, R> {
    fn get(&self, slot: u32) -> Option<&R> {
        self.records.get(slot as usize).and_then(Option::as_ref)
    }

    fn find(&self, key: &K) -> Option<(u32, &R)> {
        let slot = *self.by_key.get(key)?;
        Some((slot, self.get(slot)?))
    }

    /// Stores `record` under `key`, returning its slot and the record it replaced.
    fn put(&mut self, key: K, record: R) -> (u32, Option<R>) {
        if let Some(slot) = self.by_key.get(&key).copied()
            && let Some(place) = self.records.get_mut(slot as usize)
        {
            return (slot, place.replace(record));
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.records.push(None);
                u32::try_from(self.records.len() - 1).unwrap_or(u32::MAX)
            }
        };
        if let Some(place) = self.records.get_mut(slot as usize) {
            *place = Some(record);
        }
        self.by_key.insert(key, slot);
        (slot, None)
    }

    fn take(&mut self, key: &K) -> Option<(u32, R)> {
        let slot = self.by_key.remove(key)?;
        let record = self.records.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some((slot, record))
    }

    fn len(&self) -> usize {
        self.by_key.len()
    }

    fn iter(&self) -> impl Iterator<Item = (u32, &R)> {
        self.records
            .iter()
            .enumerate()
            .filter_map(|(slot, record)| Some((u32::try_from(slot).ok()?, record.as_ref()?)))
    }
}

/// The matching index. See the module documentation for what it holds and how it answers.
#[derive(Debug)]
pub struct MatchIndex {
    weights: Weights,
    normalised: [f64; 6],
    home_province: ProvinceCode,
    require_verified: bool,
    atlas: Atlas,
    tables: Tables,
    graph: CategoryGraph,
    suppliers: Slots<OrganizationId, SupplierRecord>,
    /// Per category, the capabilities with spare capacity of suppliers that pass the
    /// need-independent filters (active, and verified when required).
    supplier_postings: Vec<Vec<Posting>>,
    needs: Slots<NeedId, NeedRecord>,
    /// Per category, the slots of the needs in it.
    need_postings: Vec<Vec<u32>>,
}

impl MatchIndex {
    /// An empty index; fails on invalid weights or a taxonomy whose parents loop.
    pub fn new(config: IndexConfig) -> Result<Self, IndexError> {
        config.weights.validate()?;
        let mut index = Self {
            weights: config.weights,
            normalised: config.weights.normalised(),
            home_province: config.home_province,
            require_verified: config.require_verified,
            atlas: config.atlas,
            tables: Tables::default(),
            graph: CategoryGraph::default(),
            suppliers: Slots::default(),
            supplier_postings: Vec::new(),
            needs: Slots::default(),
            need_postings: Vec::new(),
        };
        index.replace_taxonomy(&config.taxonomy)?;
        index.replace_chain_graph(&config.chain);
        Ok(index)
    }

    /// An index holding these suppliers and needs (a later fact for the same id replaces an
    /// earlier one), with its posting lists trimmed to size.
    pub fn build(
        config: IndexConfig,
        suppliers: impl IntoIterator<Item = SupplierFacts>,
        needs: impl IntoIterator<Item = NeedFacts>,
    ) -> Result<Self, IndexError> {
        let mut index = Self::new(config)?;
        for supplier in suppliers {
            index.upsert_supplier(supplier)?;
        }
        for need in needs {
            index.upsert_need(need);
        }
        index.shrink_to_fit();
        Ok(index)
    }

    /// How many suppliers the index holds, whatever their state.
    pub fn supplier_count(&self) -> usize {
        self.suppliers.len()
    }

    /// How many published needs the index holds.
    pub fn need_count(&self) -> usize {
        self.needs.len()
    }

    /// The weights the index scores with.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The home province.
    pub fn home_province(&self) -> ProvinceCode {
        self.home_province
    }

    /// Adds a supplier or replaces what the index knows of it. Fails, leaving the index as it
    /// was, only for a supplier with more than 65,535 capabilities.
    pub fn upsert_supplier(&mut self, facts: SupplierFacts) -> Result<(), IndexError> {
        let score = facts.scorecard.shrunk_score(
            self.weights.scorecard_prior_mean,
            self.weights.scorecard_prior_weight,
        );
        let record = self.tables.supplier_record(&facts, &self.atlas, score)?;
        self.cover_categories();
        let (slot, previous) = self.suppliers.put(facts.id, record);
        if let Some(previous) = previous {
            self.unpost_supplier(slot, &previous);
        }
        if let Some(record) = self.suppliers.get(slot) {
            let postings = self.postings_of(slot, record);
            for (category, posting) in postings {
                if let Some(list) = self.supplier_postings.get_mut(category as usize) {
                    list.push(posting);
                }
            }
        }
        Ok(())
    }

    /// Forgets a supplier; false when the index did not hold it.
    pub fn remove_supplier(&mut self, id: OrganizationId) -> bool {
        match self.suppliers.take(&id) {
            Some((slot, record)) => {
                self.unpost_supplier(slot, &record);
                true
            }
            None => false,
        }
    }

    /// Adds a published need or replaces what the index knows of it.
    pub fn upsert_need(&mut self, facts: NeedFacts) {
        let record = self.tables.stored_need_record(&facts, &self.atlas);
        self.cover_categories();
        let category = record.category;
        let (slot, previous) = self.needs.put(facts.id, record);
        if let Some(previous) = previous {
            self.unpost_need(slot, previous.category);
        }
        if let Some(list) = category.and_then(|c| self.need_postings.get_mut(c as usize)) {
            list.push(slot);
        }
    }

    /// Forgets a need (closed, cancelled, awarded…); false when the index did not hold it.
    pub fn remove_need(&mut self, id: NeedId) -> bool {
        match self.needs.take(&id) {
            Some((slot, record)) => {
                self.unpost_need(slot, record.category);
                true
            }
            None => false,
        }
    }

    /// Replaces the category forest; fails, leaving the index as it was, when its parents loop.
    pub fn replace_taxonomy(&mut self, taxonomy: &TaxonomyTree) -> Result<(), IndexError> {
        if let Some(cycle) = taxonomy.find_cycle() {
            return Err(IndexError::TaxonomyCycle(cycle));
        }
        let mut links = Vec::with_capacity(taxonomy.len());
        for (code, parent) in taxonomy.iter() {
            let child = self.tables.intern_category(code).0;
            let parent = parent.map(|parent| self.tables.intern_category(parent).0);
            links.push((child, parent));
        }
        self.cover_categories();
        self.graph.parent.fill(None);
        self.graph.children.iter_mut().for_each(Vec::clear);
        for (child, parent) in links {
            if let Some(place) = self.graph.parent.get_mut(child as usize) {
                *place = parent;
            }
            if let Some(children) = parent.and_then(|p| self.graph.children.get_mut(p as usize)) {
                children.push(child);
            }
        }
        for children in &mut self.graph.children {
            children.sort_unstable();
        }
        Ok(())
    }

    /// Replaces the chain links.
    pub fn replace_chain_graph(&mut self, chain: &ChainGraph) {
        for code in chain.categories() {
            self.tables.intern_category(code);
        }
        self.cover_categories();
        let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); self.tables.categories.len()];
        for (upstream, downstream) in chain.links() {
            if let (Some(up), Some(down)) = (
                self.tables.category(upstream),
                self.tables.category(downstream),
            ) {
                if let Some(list) = neighbours.get_mut(up as usize) {
                    list.push(down);
                }
                if let Some(list) = neighbours.get_mut(down as usize) {
                    list.push(up);
                }
            }
        }
        self.graph.chain = neighbours
            .into_iter()
            .map(|mut list| {
                list.sort_unstable();
                list.dedup();
                list.into_boxed_slice()
            })
            .collect();
    }

    /// Replaces the county seats, for every supplier site and need held.
    pub fn replace_atlas(&mut self, atlas: Atlas) {
        self.tables.relocate(&atlas);
        for need in self.needs.records.iter_mut().flatten() {
            need.delivery.point = atlas
                .seat(&need.delivery.code)
                .map(|seat| seat.unit_vector());
        }
        self.atlas = atlas;
    }

    /// Releases the spare room of the posting lists, after a bulk load.
    pub fn shrink_to_fit(&mut self) {
        self.supplier_postings
            .iter_mut()
            .for_each(Vec::shrink_to_fit);
        self.need_postings.iter_mut().for_each(Vec::shrink_to_fit);
    }

    /// Grows the per-category tables to every category interned so far.
    fn cover_categories(&mut self) {
        let categories = self.tables.categories.len();
        self.graph.cover(categories);
        self.supplier_postings.resize_with(categories, Vec::new);
        self.need_postings.resize_with(categories, Vec::new);
    }

    /// The postings of a supplier, by category: none when a need-independent filter excludes it,
    /// and one per capability with spare capacity otherwise.
    fn postings_of(&self, slot: u32, record: &SupplierRecord) -> Vec<(u32, Posting)> {
        if !record.active || (self.require_verified && !record.verified) {
            return Vec::new();
        }
        let in_province = |site: &u32| {
            self.tables
                .region_entry(*site)
                .is_some_and(|entry| entry.code.is_in(self.home_province))
        };
        let mut flags = 0;
        if record.home_code.is_in(self.home_province) {
            flags |= HOME_IN_PROVINCE;
        }
        if record.sites.iter().any(in_province) {
            flags |= SITE_IN_PROVINCE;
        }
        let mut other_site = record.home;
        match record.sites[..] {
            [_] => flags |= SINGLE_SITE,
            [first, second] => {
                flags |= TWO_SITES;
                other_site = if first == record.home { second } else { first };
            }
            _ => {}
        }
        let supplied_mask = record.supplied.iter().fold(0, |mask, link| {
            mask | self.tables.category_bit(link.category)
        });
        let supplied_lead_mask = record.supplied.iter().fold(0, |mask, link| {
            mask | self
                .tables
                .category_code(link.category)
                .map_or(0, |code| supply_bit(link.lead, code))
        });
        let best_rank = record
            .credentials
            .iter()
            .map(|credential| credential.tier.rank())
            .max()
            .unwrap_or(0)
            .min(CredentialTier::MAX_RANK);
        let mut lower_rank = 0;
        let mut best_rank_days = NO_DAYS;
        for credential in &record.credentials {
            let rank = credential.tier.rank().min(CredentialTier::MAX_RANK);
            if rank == best_rank {
                best_rank_days = hull(
                    best_rank_days,
                    credential.valid_from,
                    credential.valid_until,
                );
            } else {
                lower_rank = lower_rank.max(rank);
            }
        }
        let certification_mask = record
            .certifications
            .iter()
            .filter_map(|certification| self.tables.kind_of(certification.kind))
            .fold(0, |mask, kind| mask | kind_bit(kind));
        let certified_days = record
            .certifications
            .iter()
            .fold(NO_DAYS, |days, certification| {
                hull(days, certification.valid_from, certification.valid_until)
            });
        record
            .capabilities
            .iter()
            .enumerate()
            .filter(|(_, capability)| capability.spare() > 0)
            .filter_map(|(position, capability)| {
                Some((
                    capability.category,
                    Posting {
                        slot,
                        capability: u16::try_from(position).ok()?,
                        flags,
                        best_rank,
                        lower_rank,
                        certification_mask,
                        supplied_mask,
                        supplied_lead_mask,
                        home: record.home,
                        other_site,
                        unit: capability.unit,
                        scorecard_bound: f32_at_least(record.scorecard_score),
                        best_rank_days,
                        certified_days,
                        spare: capability.spare(),
                    },
                ))
            })
            .collect()
    }

    fn unpost_supplier(&mut self, slot: u32, record: &SupplierRecord) {
        for (position, capability) in record.capabilities.iter().enumerate() {
            if let Some(list) = self.supplier_postings.get_mut(capability.category as usize)
                && let Some(at) = list.iter().position(|posting| {
                    posting.slot == slot && usize::from(posting.capability) == position
                })
            {
                list.swap_remove(at);
            }
        }
    }

    fn unpost_need(&mut self, slot: u32, category: Option<u32>) {
        if let Some(list) = category.and_then(|c| self.need_postings.get_mut(c as usize))
            && let Some(at) = list.iter().position(|posted| *posted == slot)
        {
            list.swap_remove(at);
        }
    }
}

/// `days` widened to cover `from` to `until` (Julian days).
fn hull(days: (i32, i32), from: time::Date, until: time::Date) -> (i32, i32) {
    (
        days.0.min(from.to_julian_day()),
        days.1.max(until.to_julian_day()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_index_can_sit_behind_a_lock_shared_across_threads() {
        assert_send_sync::<MatchIndex>();
    }
}
