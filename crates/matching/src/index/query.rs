//! The queries: suppliers for a need, needs for a supplier, and why (or why not) one supplier.

use std::{cell::Cell, cmp::Ordering, ops::ControlFlow};

use peitao_domain::{CredentialTier, OrganizationId, Visibility};
use time::Date;

use super::{MatchIndex, topk::TopK};
use crate::{
    Exclusion,
    atlas::chord_km,
    facts::NeedFacts,
    records::{
        HOME_IN_PROVINCE, NeedRecord, Posting, RegionEntry, RequiredKind, SINGLE_SITE,
        SITE_IN_PROVINCE, SupplierRecord, TWO_SITES, supply_bit, within,
    },
    score::{
        CategoryRelation, Components, NeedMatch, SupplierMatch, capacity_coverage, category_fit,
        credential_score, site_proximity,
    },
};

/// What a ranking returns and keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankOptions {
    /// How many matches at most.
    pub limit: usize,
    /// Leave out matches scoring below this.
    pub min_score: Option<f64>,
    /// Keep only in-province (`Some(true)`) or only out-of-province (`Some(false)`) matches.
    pub in_province: Option<bool>,
}

impl Default for RankOptions {
    /// The first 20 matches, whatever their score and province.
    fn default() -> Self {
        Self {
            limit: 20,
            min_score: None,
            in_province: None,
        }
    }
}

impl RankOptions {
    /// The first `limit` matches, whatever their score and province.
    pub fn top(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    fn admits(&self, scored: &Scored) -> bool {
        self.min_score.is_none_or(|min| scored.score >= min)
            && self
                .in_province
                .is_none_or(|want| scored.in_province == want)
    }
}

/// Whether one supplier can answer one need, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    /// It passes every filter; here is its score with the components.
    Eligible(SupplierMatch),
    /// Every filter it fails, in a fixed order: organisation, certifications (in the order of the
    /// required kinds, sorted), visibility, capability.
    Excluded(Vec<Exclusion>),
    /// The index holds no supplier with this id.
    UnknownSupplier,
}

/// A failed filter, without allocation; [`Exclusion`] is its public form.
#[derive(Debug, Clone, Copy)]
enum Failure {
    Inactive,
    NotVerified,
    /// The position of the required kind in the need record.
    CertificationMissing(usize),
    CertificationExpires(usize, Date),
    CertificationNotYetValid(usize, Date),
    OutsideProvince,
    NotInvited,
    NoSpareCapacity,
    NoCapability,
}

/// The capability a match rests on.
#[derive(Debug, Clone, Copy)]
struct Choice {
    position: usize,
    category: u32,
    fit: f64,
    coverage: f64,
}

/// A match before its codes are turned back into text.
#[derive(Debug, Clone, Copy)]
struct Scored {
    score: f64,
    components: Components,
    in_province: bool,
    distance_km: Option<f64>,
    category: u32,
}

/// A posting waiting to be visited: its bound, its list's position in [`Scratch::lists`] and its
/// position in that list.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    bound: f64,
    list: u32,
    at: u32,
}

/// Best bound first.
fn by_bound_descending(a: &Candidate, b: &Candidate) -> Ordering {
    b.bound.total_cmp(&a.bound)
}

/// The proximity and distance of one county to the delivery county of the query stamped
/// `stamp`; stale under any other stamp.
#[derive(Debug, Clone, Copy, Default)]
struct ProximityEntry {
    stamp: u32,
    value: f64,
    distance: Option<f64>,
}

/// Buffers a query reuses from the last one on the same thread, so that a query allocates little
/// and touches warm memory.
#[derive(Debug, Default)]
struct Scratch {
    candidates: Vec<Candidate>,
    /// The posting lists a query walks, with the category fit they give.
    lists: Vec<(u32, f64)>,
    proximity: Vec<ProximityEntry>,
    stamp: u32,
}

thread_local! {
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

/// Runs `work` with this thread's scratch buffers (fresh ones if the thread is shutting down).
fn with_scratch<R>(work: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = work(&mut scratch);
    // Larger buffers than this are given back rather than kept for the thread's life.
    if scratch.candidates.capacity() > 1 << 20 {
        scratch.candidates = Vec::new();
    }
    let _ = SCRATCH.try_with(|cell| cell.set(scratch));
    result
}

/// Proximity and distance of each county to one delivery county, each computed once per query.
struct ProximityCache<'a> {
    index: &'a MatchIndex,
    delivery: RegionEntry,
    known: &'a mut [ProximityEntry],
    stamp: u32,
}

impl<'a> ProximityCache<'a> {
    fn new(
        index: &'a MatchIndex,
        delivery: RegionEntry,
        entries: &'a mut Vec<ProximityEntry>,
        stamp: &mut u32,
    ) -> Self {
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            entries.clear();
            *stamp = 1;
        }
        entries.resize(index.tables.regions.len(), ProximityEntry::default());
        Self {
            index,
            delivery,
            known: entries,
            stamp: *stamp,
        }
    }

    /// Computes every county's proximity at once, for a scan that will touch most of them.
    fn fill(&mut self) {
        for (site, entry) in self.known.iter_mut().enumerate() {
            if entry.stamp != self.stamp {
                let site = u32::try_from(site).unwrap_or(u32::MAX);
                let (value, distance) = self.index.site_proximity(site, &self.delivery);
                *entry = ProximityEntry {
                    stamp: self.stamp,
                    value,
                    distance,
                };
            }
        }
    }

    /// The proximity of a county after [`ProximityCache::fill`].
    #[inline]
    fn value(&self, site: u32) -> f64 {
        self.known
            .get(site as usize)
            .map_or(0.0, |entry| entry.value)
    }

    #[inline]
    fn get(&mut self, site: u32) -> (f64, Option<f64>) {
        match self.known.get_mut(site as usize) {
            Some(entry) if entry.stamp == self.stamp => (entry.value, entry.distance),
            Some(entry) => {
                let (value, distance) = self.index.site_proximity(site, &self.delivery);
                *entry = ProximityEntry {
                    stamp: self.stamp,
                    value,
                    distance,
                };
                (value, distance)
            }
            None => self.index.site_proximity(site, &self.delivery),
        }
    }
}

impl MatchIndex {
    /// The suppliers for a need, best first (score descending, then supplier id ascending): only
    /// those that pass every filter, and of those only the ones `options` admit.
    pub fn rank_suppliers(&self, need: &NeedFacts, options: &RankOptions) -> Vec<SupplierMatch> {
        let need = self.tables.need_record(need, &self.atlas);
        let mut top: TopK<(OrganizationId, Scored)> = TopK::new(options.limit);
        if options.limit == 0 {
            return Vec::new();
        }
        with_scratch(|scratch| {
            let mut proximity = ProximityCache::new(
                self,
                need.delivery,
                &mut scratch.proximity,
                &mut scratch.stamp,
            );
            if need.visibility == Visibility::Invited {
                for id in &need.invited {
                    if let Some((_, supplier)) = self.suppliers.find(id)
                        && let Some(scored) =
                            self.evaluate(&need, supplier, &mut |site| proximity.get(site))
                        && options.admits(&scored)
                    {
                        top.push(scored.score, supplier.id.0, (supplier.id, scored));
                    }
                }
            } else {
                self.scan_postings(
                    &need,
                    options,
                    &mut top,
                    &mut proximity,
                    &mut scratch.lists,
                    &mut scratch.candidates,
                );
            }
        });
        top.into_sorted()
            .into_iter()
            .filter_map(|(_, found)| self.supplier_match_of(found))
            .collect()
    }

    /// Whether `supplier` can answer `need`: its score and components, or every filter it fails.
    pub fn explain(&self, need: &NeedFacts, supplier: OrganizationId) -> Explanation {
        let Some((_, record)) = self.suppliers.find(&supplier) else {
            return Explanation::UnknownSupplier;
        };
        let need = self.tables.need_record(need, &self.atlas);
        let mut failures = Vec::new();
        let choice = self.check(&need, record, &mut |failure| {
            failures.push(failure);
            ControlFlow::Continue(())
        });
        match choice {
            ControlFlow::Continue(Some(choice)) if failures.is_empty() => {
                let scored = self.score(&need, record, choice, &mut |site| {
                    self.site_proximity(site, &need.delivery)
                });
                match self.supplier_match_of((record.id, scored)) {
                    Some(found) => Explanation::Eligible(found),
                    None => Explanation::Excluded(Vec::new()),
                }
            }
            _ => Explanation::Excluded(
                failures
                    .into_iter()
                    .map(|failure| self.exclusion(&need, record, failure))
                    .collect(),
            ),
        }
    }

    /// The published needs a supplier may see and can answer, best first (score descending, then
    /// need id ascending); empty for a supplier the index does not hold.
    pub fn rank_needs(&self, supplier: OrganizationId, options: &RankOptions) -> Vec<NeedMatch> {
        let Some((_, record)) = self.suppliers.find(&supplier) else {
            return Vec::new();
        };
        if options.limit == 0 || !record.active || (self.require_verified && !record.verified) {
            return Vec::new();
        }
        let mut categories = Vec::new();
        for capability in record.capabilities.iter().filter(|c| c.spare() > 0) {
            categories.push(capability.category);
            self.for_each_descendant(capability.category, &mut |category, _| {
                categories.push(category);
            });
            self.for_each_ancestor(capability.category, &mut |category, _| {
                categories.push(category);
            });
        }
        categories.sort_unstable();
        categories.dedup();
        let mut slots: Vec<u32> = categories
            .iter()
            .filter_map(|category| self.need_postings.get(*category as usize))
            .flatten()
            .copied()
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let mut top: TopK<(u32, Scored)> = TopK::new(options.limit);
        for slot in slots {
            let Some(need) = self.needs.get(slot) else {
                continue;
            };
            if let Some(scored) = self.evaluate(need, record, &mut |site| {
                self.site_proximity(site, &need.delivery)
            }) && options.admits(&scored)
            {
                top.push(scored.score, need.id.0, (slot, scored));
            }
        }
        top.into_sorted()
            .into_iter()
            .filter_map(|(_, (slot, scored))| {
                let need = self.needs.get(slot)?;
                Some(NeedMatch {
                    need: need.id,
                    lead: need.lead,
                    score: scored.score,
                    components: scored.components,
                    in_province: scored.in_province,
                    distance_km: scored.distance_km,
                    matched_category: self.tables.category_code(scored.category)?.clone(),
                })
            })
            .collect()
    }

    /// Walks the posting lists of the need's category, then those under it, then those above,
    /// bounding each posting's score from what it carries, then visits the records in the order
    /// of their bounds until no bound left can beat the matches kept.
    fn scan_postings(
        &self,
        need: &NeedRecord,
        options: &RankOptions,
        top: &mut TopK<(OrganizationId, Scored)>,
        proximity: &mut ProximityCache<'_>,
        lists: &mut Vec<(u32, f64)>,
        candidates: &mut Vec<Candidate>,
    ) {
        let Some(category) = need.category else {
            return;
        };
        lists.clear();
        lists.push((category, 1.0));
        self.for_each_descendant(category, &mut |below, levels| {
            lists.push((
                below,
                category_fit(CategoryRelation::Descendant(levels), &self.weights),
            ));
        });
        self.for_each_ancestor(category, &mut |above, levels| {
            lists.push((
                above,
                category_fit(CategoryRelation::Ancestor(levels), &self.weights),
            ));
        });
        let filter = PostingFilter::new(self, need, options);
        proximity.fill();
        candidates.clear();
        for (list, &(category, fit)) in lists.iter().enumerate() {
            let Some(postings) = self.supplier_postings.get(category as usize) else {
                continue;
            };
            let list = u32::try_from(list).unwrap_or(u32::MAX);
            for (at, posting) in postings.iter().enumerate() {
                if !filter.admits(posting) {
                    continue;
                }
                let bound = self.bound(need, &filter, posting, fit, proximity);
                if options.min_score.is_some_and(|min| bound < min) {
                    continue;
                }
                candidates.push(Candidate {
                    bound,
                    list,
                    at: u32::try_from(at).unwrap_or(u32::MAX),
                });
            }
        }
        // Visit records in the order of their bounds, and stop at the first bound that cannot
        // beat the matches kept: most candidates are never visited. The best few are picked
        // and sorted first; once the kept matches set a threshold, only the candidates above
        // it are sorted.
        let batch = options.limit.saturating_mul(4).max(64);
        let mut start = 0;
        while start < candidates.len() {
            let rest = &mut candidates[start..];
            let threshold = top.threshold();
            let take = match threshold {
                Some(threshold) => partition(rest, |candidate| candidate.bound >= threshold),
                None => batch.min(rest.len()),
            };
            if take == 0 {
                break;
            }
            if take < rest.len() && threshold.is_none() {
                rest.select_nth_unstable_by(take - 1, by_bound_descending);
            }
            let chosen = &mut rest[..take];
            chosen.sort_unstable_by(by_bound_descending);
            for candidate in chosen.iter() {
                if top
                    .threshold()
                    .is_some_and(|threshold| candidate.bound < threshold)
                {
                    return;
                }
                self.visit(need, options, top, proximity, lists, candidate);
            }
            if threshold.is_some() {
                // Every candidate left had a bound below a threshold that only rises.
                return;
            }
            start += take;
        }
    }

    /// Opens the record behind a candidate and keeps its match if this posting is the one of the
    /// capability the match rests on.
    fn visit(
        &self,
        need: &NeedRecord,
        options: &RankOptions,
        top: &mut TopK<(OrganizationId, Scored)>,
        proximity: &mut ProximityCache<'_>,
        lists: &[(u32, f64)],
        candidate: &Candidate,
    ) {
        let Some(posting) = lists
            .get(candidate.list as usize)
            .and_then(|(category, _)| self.supplier_postings.get(*category as usize))
            .and_then(|postings| postings.get(candidate.at as usize))
        else {
            return;
        };
        let Some(supplier) = self.suppliers.get(posting.slot) else {
            return;
        };
        let ControlFlow::Continue(Some(choice)) =
            self.check(need, supplier, &mut |_| ControlFlow::Break(()))
        else {
            return;
        };
        // A supplier is scored once, through the posting of its best capability.
        if choice.position != usize::from(posting.capability) {
            return;
        }
        let scored = self.score(need, supplier, choice, &mut |site| proximity.get(site));
        debug_assert!(
            scored.score <= candidate.bound,
            "{} > bound {}",
            scored.score,
            candidate.bound
        );
        if options.admits(&scored) {
            top.push(scored.score, supplier.id.0, (supplier.id, scored));
        }
    }

    /// An upper bound of the score of the supplier behind `posting` through this capability,
    /// from what the posting carries: exact fit, capacity and scorecard (rounded up), exact
    /// proximity for one or two sites, credentials from the dates of the best rank held, chain
    /// adjacency from the categories and leads supplied.
    #[inline]
    fn bound(
        &self,
        need: &NeedRecord,
        filter: &PostingFilter,
        posting: &Posting,
        fit: f64,
        proximity: &ProximityCache<'_>,
    ) -> f64 {
        let proximity_bound = if posting.flags & SINGLE_SITE != 0 {
            proximity.value(posting.home)
        } else if posting.flags & TWO_SITES != 0 {
            proximity
                .value(posting.home)
                .max(proximity.value(posting.other_site))
        } else if posting.flags & SITE_IN_PROVINCE != 0 {
            1.0
        } else {
            self.weights.beyond_province
        };
        let rank = if within(posting.best_rank_days, filter.deadline) {
            posting.best_rank
        } else {
            posting.lower_rank
        };
        let chain_adjacency = if posting.supplied_mask & filter.chain_mask == 0 {
            0.0
        } else if posting.supplied_lead_mask & filter.lead_chain_mask != 0 {
            1.0
        } else {
            self.weights.chain_other_lead
        };
        Components {
            category_fit: fit,
            proximity: proximity_bound,
            capacity: capacity_coverage(
                posting.spare,
                need.quantity,
                need.unit == Some(posting.unit),
                &self.weights,
            ),
            scorecard: f64::from(posting.scorecard_bound),
            credentials: f64::from(rank) / f64::from(CredentialTier::MAX_RANK),
            chain_adjacency,
        }
        .weighted(&self.normalised)
    }

    /// Every filter, then the score; `None` at the first failed filter.
    fn evaluate(
        &self,
        need: &NeedRecord,
        supplier: &SupplierRecord,
        proximity: &mut impl FnMut(u32) -> (f64, Option<f64>),
    ) -> Option<Scored> {
        match self.check(need, supplier, &mut |_| ControlFlow::Break(())) {
            ControlFlow::Continue(Some(choice)) => {
                Some(self.score(need, supplier, choice, proximity))
            }
            _ => None,
        }
    }

    /// Runs the hard filters in their fixed order, handing each failure to `sink` (which may
    /// stop the checks), and chooses the capability the match rests on.
    fn check(
        &self,
        need: &NeedRecord,
        supplier: &SupplierRecord,
        sink: &mut impl FnMut(Failure) -> ControlFlow<()>,
    ) -> ControlFlow<(), Option<Choice>> {
        if !supplier.active {
            sink(Failure::Inactive)?;
        }
        if self.require_verified && !supplier.verified {
            sink(Failure::NotVerified)?;
        }
        for (position, required) in need.required.iter().enumerate() {
            if let Some(failure) =
                certification_failure(position, required, supplier, need.deadline)
            {
                sink(failure)?;
            }
        }
        match need.visibility {
            Visibility::Public => {}
            Visibility::Province => {
                if !supplier.home_code.is_in(self.home_province) {
                    sink(Failure::OutsideProvince)?;
                }
            }
            Visibility::Invited => {
                if need.invited.binary_search(&supplier.id).is_err() {
                    sink(Failure::NotInvited)?;
                }
            }
        }
        self.choose_capability(need, supplier, sink)
    }

    /// The candidate capability with spare capacity that adds the most to the score through fit
    /// and coverage (the first in canonical order on a tie).
    fn choose_capability(
        &self,
        need: &NeedRecord,
        supplier: &SupplierRecord,
        sink: &mut impl FnMut(Failure) -> ControlFlow<()>,
    ) -> ControlFlow<(), Option<Choice>> {
        let mut best: Option<(f64, Choice)> = None;
        let mut any_candidate = false;
        if let Some(category) = need.category {
            for (position, capability) in supplier.capabilities.iter().enumerate() {
                let Some(relation) = self.relation(category, capability.category) else {
                    continue;
                };
                any_candidate = true;
                let spare = capability.spare();
                if spare == 0 {
                    continue;
                }
                let fit = category_fit(relation, &self.weights);
                let coverage = capacity_coverage(
                    spare,
                    need.quantity,
                    need.unit == Some(capability.unit),
                    &self.weights,
                );
                let value = self.normalised[0] * fit + self.normalised[2] * coverage;
                if best.is_none_or(|(kept, _)| value > kept) {
                    best = Some((
                        value,
                        Choice {
                            position,
                            category: capability.category,
                            fit,
                            coverage,
                        },
                    ));
                }
            }
        }
        match best {
            Some((_, choice)) => ControlFlow::Continue(Some(choice)),
            None => {
                sink(if any_candidate {
                    Failure::NoSpareCapacity
                } else {
                    Failure::NoCapability
                })?;
                ControlFlow::Continue(None)
            }
        }
    }

    /// The components and score of a supplier that passed the filters.
    fn score(
        &self,
        need: &NeedRecord,
        supplier: &SupplierRecord,
        choice: Choice,
        proximity: &mut impl FnMut(u32) -> (f64, Option<f64>),
    ) -> Scored {
        let mut nearest: Option<(u32, f64, Option<f64>)> = None;
        for site in &supplier.sites {
            let (value, distance) = proximity(*site);
            let closer = match nearest {
                None => true,
                Some((_, kept, kept_distance)) => {
                    value > kept || (value == kept && shorter(distance, kept_distance))
                }
            };
            if closer {
                nearest = Some((*site, value, distance));
            }
        }
        let (site, proximity, distance_km) = nearest.unwrap_or((supplier.home, 0.0, None));
        let in_province = self
            .tables
            .region_entry(site)
            .is_some_and(|entry| entry.code.is_in(self.home_province));
        let best_credential = supplier
            .credentials
            .iter()
            .filter(|credential| {
                credential.valid_from <= need.deadline && need.deadline <= credential.valid_until
            })
            .map(|credential| credential.tier)
            .max_by_key(|tier| tier.rank());
        let components = Components {
            category_fit: choice.fit,
            proximity,
            capacity: choice.coverage,
            scorecard: supplier.scorecard_score,
            credentials: credential_score(best_credential),
            chain_adjacency: self.chain_adjacency(need, supplier),
        };
        Scored {
            score: components.weighted(&self.normalised),
            components,
            in_province,
            distance_km,
            category: choice.category,
        }
    }

    /// 1 when the supplier already supplies the need's lead the need's category or a category
    /// directly upstream or downstream of it in the chain graph; `chain_other_lead` (0.5) when it
    /// supplies such a category to another lead only; 0 otherwise.
    fn chain_adjacency(&self, need: &NeedRecord, supplier: &SupplierRecord) -> f64 {
        let Some(category) = need.category else {
            return 0.0;
        };
        let neighbours = self.graph.chain_neighbours(category);
        let mut adjacency = 0.0;
        for link in &supplier.supplied {
            if link.category == category || neighbours.binary_search(&link.category).is_ok() {
                if link.lead == need.lead {
                    return 1.0;
                }
                adjacency = self.weights.chain_other_lead;
            }
        }
        adjacency
    }

    /// Proximity of the county `site` to the delivery county, and their distance.
    fn site_proximity(&self, site: u32, delivery: &RegionEntry) -> (f64, Option<f64>) {
        let Some(entry) = self.tables.region_entry(site) else {
            return (0.0, None);
        };
        let distance = match (entry.point, delivery.point) {
            (Some(a), Some(b)) => Some(chord_km(a, b)),
            _ => None,
        };
        let value = site_proximity(
            entry.code,
            delivery.code,
            distance,
            self.home_province,
            &self.weights,
        );
        (value, distance)
    }

    /// Where `capability` lies relative to `need` in the taxonomy, if on the same branch.
    fn relation(&self, need: u32, capability: u32) -> Option<CategoryRelation> {
        if need == capability {
            return Some(CategoryRelation::Same);
        }
        let mut found = None;
        self.for_each_ancestor(capability, &mut |above, levels| {
            if above == need && found.is_none() {
                found = Some(CategoryRelation::Descendant(levels));
            }
        });
        if found.is_none() {
            self.for_each_ancestor(need, &mut |above, levels| {
                if above == capability && found.is_none() {
                    found = Some(CategoryRelation::Ancestor(levels));
                }
            });
        }
        found
    }

    /// Calls `visit` with each category above `category` and how many levels up it is.
    fn for_each_ancestor(&self, category: u32, visit: &mut impl FnMut(u32, u32)) {
        let mut levels = 0;
        let mut at = category;
        // The taxonomy is checked acyclic; the bound only guards against a broken invariant.
        while let Some(parent) = self.graph.parent(at) {
            levels += 1;
            if levels as usize > self.graph.parent.len() {
                break;
            }
            visit(parent, levels);
            at = parent;
        }
    }

    /// Calls `visit` with each category under `category` and how many levels down it is,
    /// level by level.
    fn for_each_descendant(&self, category: u32, visit: &mut impl FnMut(u32, u32)) {
        let mut frontier = vec![category];
        let mut levels = 0;
        while !frontier.is_empty() && (levels as usize) < self.graph.parent.len() {
            levels += 1;
            let mut next = Vec::new();
            for at in frontier {
                for child in self.graph.children(at) {
                    visit(*child, levels);
                    next.push(*child);
                }
            }
            frontier = next;
        }
    }

    fn supplier_match_of(
        &self,
        (supplier, scored): (OrganizationId, Scored),
    ) -> Option<SupplierMatch> {
        Some(SupplierMatch {
            supplier,
            score: scored.score,
            components: scored.components,
            in_province: scored.in_province,
            distance_km: scored.distance_km,
            matched_category: self.tables.category_code(scored.category)?.clone(),
        })
    }

    fn exclusion(
        &self,
        need: &NeedRecord,
        supplier: &SupplierRecord,
        failure: Failure,
    ) -> Exclusion {
        let kind = |position: usize| {
            need.required
                .get(position)
                .map(|required| required.kind.clone())
        };
        let category = need.category_code.clone();
        match failure {
            Failure::Inactive => Exclusion::Inactive,
            Failure::NotVerified => Exclusion::NotVerified,
            Failure::CertificationMissing(position) => match kind(position) {
                Some(kind) => Exclusion::CertificationMissing { kind },
                None => Exclusion::NoCapability { category },
            },
            Failure::CertificationExpires(position, valid_until) => match kind(position) {
                Some(kind) => Exclusion::CertificationExpires {
                    kind,
                    valid_until,
                    deadline: need.deadline,
                },
                None => Exclusion::NoCapability { category },
            },
            Failure::CertificationNotYetValid(position, valid_from) => match kind(position) {
                Some(kind) => Exclusion::CertificationNotYetValid {
                    kind,
                    valid_from,
                    deadline: need.deadline,
                },
                None => Exclusion::NoCapability { category },
            },
            Failure::OutsideProvince => Exclusion::OutsideProvince {
                county: supplier.home_code,
                province: self.home_province,
            },
            Failure::NotInvited => Exclusion::NotInvited,
            Failure::NoSpareCapacity => Exclusion::NoSpareCapacity { category },
            Failure::NoCapability => Exclusion::NoCapability { category },
        }
    }
}

/// What a posting must show for its supplier to pass a need's filters, from the posting alone.
struct PostingFilter {
    province_only: bool,
    in_province: Option<bool>,
    required_mask: u32,
    /// The deadline as a Julian day.
    deadline: i32,
    /// The bits of the categories whose supply makes chain adjacency positive.
    chain_mask: u32,
    /// The bits of those categories supplied to the need's lead.
    lead_chain_mask: u32,
}

impl PostingFilter {
    fn new(index: &MatchIndex, need: &NeedRecord, options: &RankOptions) -> Self {
        let mut chain_mask = 0;
        let mut lead_chain_mask = 0;
        if let Some(category) = need.category {
            let neighbours = index.graph.chain_neighbours(category);
            for link in std::iter::once(&category).chain(neighbours) {
                chain_mask |= index.tables.category_bit(*link);
                if let Some(code) = index.tables.category_code(*link) {
                    lead_chain_mask |= supply_bit(need.lead, code);
                }
            }
        }
        Self {
            province_only: need.visibility == Visibility::Province,
            in_province: options.in_province,
            required_mask: need.required_mask(),
            deadline: need.deadline.to_julian_day(),
            chain_mask,
            lead_chain_mask,
        }
    }

    /// False when the posting shows its supplier fails a filter (or `options`); true when it may
    /// pass them.
    #[inline]
    fn admits(&self, posting: &Posting) -> bool {
        if self.province_only && posting.flags & HOME_IN_PROVINCE == 0 {
            return false;
        }
        if self
            .in_province
            .is_some_and(|want| (posting.flags & SITE_IN_PROVINCE != 0) != want)
        {
            return false;
        }
        if self.required_mask != 0
            && (posting.certification_mask & self.required_mask != self.required_mask
                || !within(posting.certified_days, self.deadline))
        {
            return false;
        }
        true
    }
}

/// Moves the items that satisfy `keep` to the front, returning how many there are.
fn partition<T>(items: &mut [T], keep: impl Fn(&T) -> bool) -> usize {
    let mut kept = 0;
    for at in 0..items.len() {
        if items.get(at).is_some_and(&keep) {
            items.swap(kept, at);
            kept += 1;
        }
    }
    kept
}

/// Whether distance `a` is shorter than `b`, an unknown distance being the longest.
fn shorter(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Whether `supplier` holds a certification of the required kind valid on the deadline, and if
/// not, why: none of the kind, the latest of those that started by the deadline ended before it,
/// or all start after it.
fn certification_failure(
    position: usize,
    required: &RequiredKind,
    supplier: &SupplierRecord,
    deadline: Date,
) -> Option<Failure> {
    let Some(kind) = required.id else {
        return Some(Failure::CertificationMissing(position));
    };
    let mut latest_until: Option<Date> = None;
    let mut earliest_from: Option<Date> = None;
    for certification in supplier.certifications.iter().filter(|c| c.kind == kind) {
        if certification.valid_from <= deadline {
            if deadline <= certification.valid_until {
                return None;
            }
            latest_until = latest_until.max(Some(certification.valid_until));
        } else {
            earliest_from = Some(
                earliest_from.map_or(certification.valid_from, |kept: Date| {
                    kept.min(certification.valid_from)
                }),
            );
        }
    }
    match (latest_until, earliest_from) {
        (Some(until), _) => Some(Failure::CertificationExpires(position, until)),
        (None, Some(from)) => Some(Failure::CertificationNotYetValid(position, from)),
        (None, None) => Some(Failure::CertificationMissing(position)),
    }
}
