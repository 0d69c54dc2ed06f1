//! The queries: suppliers for a need, needs for a supplier, and why (or why not) one supplier.

use std::{cmp::Ordering, collections::BinaryHeap, ops::ControlFlow};

use peitao_domain::{CredentialTier, OrganizationId, Visibility};
use time::Date;

use super::{MatchIndex, topk::TopK};
use crate::{
    Exclusion,
    atlas::chord_km,
    facts::NeedFacts,
    records::{
        HOME_IN_PROVINCE, NeedRecord, Posting, RegionEntry, RequiredKind, SINGLE_SITE,
        SITE_IN_PROVINCE, SupplierRecord, TWO_SITES,
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

/// A posting waiting to be visited, ordered by its bound.
struct Candidate<'a> {
    bound: f64,
    posting: &'a Posting,
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate<'_> {}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound.total_cmp(&other.bound)
    }
}

/// Proximity and distance of each county to one delivery county, computed once per query.
struct ProximityCache<'a> {
    index: &'a MatchIndex,
    delivery: RegionEntry,
    known: Vec<Option<(f64, Option<f64>)>>,
}

impl<'a> ProximityCache<'a> {
    fn new(index: &'a MatchIndex, delivery: RegionEntry) -> Self {
        Self {
            index,
            delivery,
            known: vec![None; index.tables.regions.len()],
        }
    }

    fn get(&mut self, site: u32) -> (f64, Option<f64>) {
        if let Some(Some(known)) = self.known.get(site as usize) {
            return *known;
        }
        let value = self.index.site_proximity(site, &self.delivery);
        if let Some(place) = self.known.get_mut(site as usize) {
            *place = Some(value);
        }
        value
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
        let mut proximity = ProximityCache::new(self, need.delivery);
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
            self.scan_postings(&need, options, &mut top, &mut proximity);
        }
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
    /// pruning with upper bounds built from what each posting carries.
    fn scan_postings(
        &self,
        need: &NeedRecord,
        options: &RankOptions,
        top: &mut TopK<(OrganizationId, Scored)>,
        proximity: &mut ProximityCache<'_>,
    ) {
        let Some(category) = need.category else {
            return;
        };
        let mut lists = vec![(category, 1.0)];
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
        let required_mask = need.required_mask();
        // The bits of the categories whose supply makes chain adjacency positive.
        let chain_mask = self
            .graph
            .chain_neighbours(category)
            .iter()
            .fold(self.tables.category_bit(category), |mask, neighbour| {
                mask | self.tables.category_bit(*neighbour)
            });
        let province_only = need.visibility == Visibility::Province;
        let in_province_flag = options.in_province;
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        for (list, fit) in lists {
            let Some(postings) = self.supplier_postings.get(list as usize) else {
                continue;
            };
            for posting in postings {
                if province_only && posting.flags & HOME_IN_PROVINCE == 0 {
                    continue;
                }
                if in_province_flag
                    .is_some_and(|want| (posting.flags & SITE_IN_PROVINCE != 0) != want)
                {
                    continue;
                }
                if posting.certification_mask & required_mask != required_mask {
                    continue;
                }
                let bound = self.bound(need, posting, fit, chain_mask, proximity);
                if options.min_score.is_some_and(|min| bound < min) {
                    continue;
                }
                candidates.push(Candidate { bound, posting });
            }
        }
        // Visit records in the order of their bounds, and stop at the first bound that cannot
        // beat the matches kept: most candidates are never visited.
        let mut candidates = BinaryHeap::from(candidates);
        while let Some(Candidate { bound, posting }) = candidates.pop() {
            if top.threshold().is_some_and(|threshold| bound < threshold) {
                break;
            }
            let Some(supplier) = self.suppliers.get(posting.slot) else {
                continue;
            };
            let ControlFlow::Continue(Some(choice)) =
                self.check(need, supplier, &mut |_| ControlFlow::Break(()))
            else {
                continue;
            };
            // A supplier is scored once, through the posting of its best capability.
            if choice.position != usize::from(posting.capability) {
                continue;
            }
            let scored = self.score(need, supplier, choice, &mut |site| proximity.get(site));
            debug_assert!(scored.score <= bound, "{} > bound {bound}", scored.score);
            if options.admits(&scored) {
                top.push(scored.score, supplier.id.0, (supplier.id, scored));
            }
        }
    }

    /// An upper bound of the score of the supplier behind `posting` through this capability,
    /// from what the posting carries: exact fit, capacity and scorecard (rounded up), exact
    /// proximity for a single site, and the best the other components could be.
    fn bound(
        &self,
        need: &NeedRecord,
        posting: &Posting,
        fit: f64,
        chain_mask: u32,
        proximity: &mut ProximityCache<'_>,
    ) -> f64 {
        let proximity_bound = if posting.flags & SINGLE_SITE != 0 {
            proximity.get(posting.home).0
        } else if posting.flags & TWO_SITES != 0 {
            proximity
                .get(posting.home)
                .0
                .max(proximity.get(posting.other_site).0)
        } else if posting.flags & SITE_IN_PROVINCE != 0 {
            1.0
        } else {
            self.weights.beyond_province
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
            credentials: f64::from(posting.best_rank) / f64::from(CredentialTier::MAX_RANK),
            chain_adjacency: if posting.supplied_mask & chain_mask != 0 {
                1.0
            } else {
                0.0
            },
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
