//! The score components, their formulas, and what a match reports.
//!
//! Each component lies in [0, 1]; the score is their weighted mean (see [`Weights`]). The
//! formulas here are pure so that they can be read, tested and documented on their own.

use peitao_domain::{
    CategoryCode, CredentialTier, NeedId, OrganizationId, ProvinceCode, RegionCode,
};

use crate::Weights;

/// The six components of a score, each in [0, 1], by name.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Components {
    /// How close the matched capability's category is to the need's in the taxonomy.
    pub category_fit: f64,
    /// How near the supplier's nearest production site is to the delivery county, favouring the
    /// home province.
    pub proximity: f64,
    /// How much of the quantity the matched capability's spare capacity covers.
    pub capacity: f64,
    /// The supplier's delivery record, shrunk toward a prior.
    pub scorecard: f64,
    /// The best official title valid on the deadline.
    pub credentials: f64,
    /// Whether the supplier already supplies a neighbouring link of the chain.
    pub chain_adjacency: f64,
}

impl Components {
    /// The components in the order of [`Weights::components`].
    pub fn to_array(&self) -> [f64; 6] {
        [
            self.category_fit,
            self.proximity,
            self.capacity,
            self.scorecard,
            self.credentials,
            self.chain_adjacency,
        ]
    }

    /// `Σ wᵢ·cᵢ` with weights that sum to 1, kept within [0, 1] against rounding. Monotone in
    /// every component, which is what lets the index prune with upper bounds.
    pub(crate) fn weighted(&self, normalised: &[f64; 6]) -> f64 {
        let values = self.to_array();
        let mut sum = 0.0;
        for (weight, value) in normalised.iter().zip(values) {
            sum += weight * value;
        }
        sum.clamp(0.0, 1.0)
    }
}

/// Where a capability's category lies relative to the need's in the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryRelation {
    /// The need's own category.
    Same,
    /// A category this many levels under the need's: a specialist.
    Descendant(u32),
    /// A category this many levels above the need's: a generalist.
    Ancestor(u32),
}

/// Category fit: 1 for the need's category; `(1 − step)^k` for a capability `k` levels under it;
/// `(1 − penalty)·(1 − step)^(k − 1)` for a generalist `k` levels above it (with the defaults 0.95,
/// 0.9025…, and 0.6, 0.57…).
pub fn category_fit(relation: CategoryRelation, weights: &Weights) -> f64 {
    let keep = 1.0 - weights.descendant_step;
    match relation {
        CategoryRelation::Same => 1.0,
        CategoryRelation::Descendant(levels) => keep.powi(exponent(levels)),
        CategoryRelation::Ancestor(levels) => {
            (1.0 - weights.ancestor_penalty) * keep.powi(exponent(levels.saturating_sub(1)))
        }
    }
}

fn exponent(levels: u32) -> i32 {
    i32::try_from(levels).unwrap_or(i32::MAX)
}

/// Proximity of one production site in `site` to the delivery county `delivery`, `distance_km`
/// apart (when both seats are known):
///
/// - a site in the home province: 1 in the delivery county itself, `same_prefecture` (0.85) in
///   its prefecture, `home_province` (0.7) anywhere else in the home province;
/// - a site outside the home province: `beyond_province · 2^(−d / beyond_province_half_km)`
///   (0.4 halving every 300 km), and 0 when the distance is unknown.
///
/// Valid weights keep every in-province value above every out-of-province one, whatever the
/// distances: the service exists to raise the in-province supporting rate.
pub fn site_proximity(
    site: RegionCode,
    delivery: RegionCode,
    distance_km: Option<f64>,
    home_province: ProvinceCode,
    weights: &Weights,
) -> f64 {
    if site.is_in(home_province) {
        if site == delivery {
            1.0
        } else if site.same_prefecture(&delivery) {
            weights.same_prefecture
        } else {
            weights.home_province
        }
    } else {
        match distance_km {
            Some(km) => {
                weights.beyond_province * (-km.max(0.0) / weights.beyond_province_half_km).exp2()
            }
            None => 0.0,
        }
    }
}

/// Capacity coverage: `min(1, spare / quantity)` when the capability's unit is the need's (units
/// compare trimmed and lower-cased); `unit_mismatch_coverage` (0.5) when they differ, since the
/// quantities cannot be compared; 1 for a need with nothing left to source.
pub fn capacity_coverage(spare: u64, quantity: u64, same_unit: bool, weights: &Weights) -> f64 {
    if !same_unit {
        weights.unit_mismatch_coverage
    } else if quantity == 0 || spare >= quantity {
        1.0
    } else {
        spare as f64 / quantity as f64
    }
}

/// Credentials: the rank of the best credential valid on the deadline over the highest rank
/// ([`CredentialTier::MAX_RANK`]): 0.2 for an innovative SME up to 1 for a single champion; 0
/// without one.
pub fn credential_score(best: Option<CredentialTier>) -> f64 {
    best.map_or(0.0, |tier| {
        f64::from(tier.rank()) / f64::from(CredentialTier::MAX_RANK)
    })
}

/// A supplier matched to a need, with the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierMatch {
    pub supplier: OrganizationId,
    /// The weighted mean of the components, in [0, 1].
    pub score: f64,
    pub components: Components,
    /// Whether the nearest production site lies in the home province (see [`crate::MatchIndex`]).
    pub in_province: bool,
    /// Great-circle distance from the nearest site's county seat to the delivery county's; `None`
    /// when a seat is unknown.
    pub distance_km: Option<f64>,
    /// The category of the capability the match rests on.
    pub matched_category: CategoryCode,
}

/// A need matched to a supplier, with the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedMatch {
    pub need: NeedId,
    /// The lead enterprise that published the need.
    pub lead: OrganizationId,
    /// The weighted mean of the components, in [0, 1].
    pub score: f64,
    pub components: Components,
    /// Whether the supplier's nearest site to this need's delivery county lies in the home
    /// province.
    pub in_province: bool,
    /// Great-circle distance from that site's county seat to the delivery county's.
    pub distance_km: Option<f64>,
    /// The category of the supplier's capability the match rests on.
    pub matched_category: CategoryCode,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> RegionCode {
        RegionCode::parse(raw).unwrap()
    }

    #[test]
    fn fit_falls_per_level_and_generalists_pay_a_penalty() {
        let weights = Weights::default();
        assert_eq!(category_fit(CategoryRelation::Same, &weights), 1.0);
        assert!((category_fit(CategoryRelation::Descendant(1), &weights) - 0.95).abs() < 1e-12);
        assert!((category_fit(CategoryRelation::Descendant(2), &weights) - 0.9025).abs() < 1e-12);
        assert!((category_fit(CategoryRelation::Ancestor(1), &weights) - 0.6).abs() < 1e-12);
        assert!((category_fit(CategoryRelation::Ancestor(2), &weights) - 0.57).abs() < 1e-12);
    }

    #[test]
    fn proximity_tiers_favour_the_home_province() {
        let weights = Weights::default();
        let hubei = ProvinceCode::HUBEI;
        let delivery = code("420606");
        let at = |site, km| site_proximity(code(site), delivery, km, hubei, &weights);
        assert_eq!(at("420606", Some(0.0)), 1.0);
        assert_eq!(at("420607", Some(10.0)), 0.85);
        assert_eq!(at("420102", Some(270.0)), 0.7);
        assert_eq!(at("420102", None), 0.7);
        assert!((at("410102", Some(300.0)) - 0.2).abs() < 1e-12);
        assert_eq!(at("410102", Some(0.0)), 0.4);
        assert_eq!(at("410102", None), 0.0);
    }

    #[test]
    fn coverage_is_capped_and_units_must_agree() {
        let weights = Weights::default();
        assert_eq!(capacity_coverage(50, 200, true, &weights), 0.25);
        assert_eq!(capacity_coverage(500, 200, true, &weights), 1.0);
        assert_eq!(capacity_coverage(500, 200, false, &weights), 0.5);
        assert_eq!(capacity_coverage(1, 0, true, &weights), 1.0);
    }

    #[test]
    fn credentials_scale_by_rank() {
        assert_eq!(credential_score(None), 0.0);
        assert_eq!(credential_score(Some(CredentialTier::SingleChampion)), 1.0);
        assert!((credential_score(Some(CredentialTier::SpecialisedSme)) - 0.6).abs() < 1e-12);
    }
}
