//! How much each score component counts, and the constants of the component formulas.

/// The weights of the six score components and the tuning of their formulas.
///
/// The score is `Σ wᵢ·cᵢ / Σ wᵢ` over the six components, so only the ratios of the weights
/// matter and the score stays in [0, 1]. The defaults favour fit and proximity (a quarter each),
/// then capacity and track record, then credentials and chain adjacency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Weight of category fit. Default 0.25.
    pub category_fit: f64,
    /// Weight of proximity. Default 0.25; must be positive, since it is what favours
    /// in-province suppliers.
    pub proximity: f64,
    /// Weight of capacity coverage. Default 0.15.
    pub capacity: f64,
    /// Weight of the scorecard. Default 0.15.
    pub scorecard: f64,
    /// Weight of credentials. Default 0.10.
    pub credentials: f64,
    /// Weight of chain adjacency. Default 0.10.
    pub chain_adjacency: f64,
    /// The scorecard prior mean in [0, 1] a newcomer gets. Default 0.6.
    pub scorecard_prior_mean: f64,
    /// How many deliveries the prior is worth. Default 3.
    pub scorecard_prior_weight: f64,
    /// Category fit lost per taxonomy level a capability lies below the need's category, as a
    /// factor: fit = (1 − step)^levels. Default 0.05.
    pub descendant_step: f64,
    /// Category fit lost by a generalist whose capability lies above the need's category: fit =
    /// (1 − penalty)·(1 − step)^(levels − 1). Default 0.4.
    pub ancestor_penalty: f64,
    /// Proximity of a site in the home province and the delivery county's prefecture. Default
    /// 0.85. (A site in the delivery county itself, in the home province, scores 1.)
    pub same_prefecture: f64,
    /// Proximity of any other site in the home province. Default 0.7.
    pub home_province: f64,
    /// Proximity of a site outside the home province at distance 0; it halves every
    /// [`Weights::beyond_province_half_km`]. Must stay below `home_province`. Default 0.4.
    pub beyond_province: f64,
    /// The distance over which proximity outside the home province halves. Default 300 km.
    pub beyond_province_half_km: f64,
    /// Chain adjacency when the neighbouring link is supplied to another lead than the need's.
    /// Default 0.5.
    pub chain_other_lead: f64,
    /// Capacity coverage when the capability's unit differs from the need's, so the quantities
    /// cannot be compared: neither credited nor buried. Default 0.5.
    pub unit_mismatch_coverage: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            category_fit: 0.25,
            proximity: 0.25,
            capacity: 0.15,
            scorecard: 0.15,
            credentials: 0.10,
            chain_adjacency: 0.10,
            scorecard_prior_mean: 0.6,
            scorecard_prior_weight: 3.0,
            descendant_step: 0.05,
            ancestor_penalty: 0.4,
            same_prefecture: 0.85,
            home_province: 0.7,
            beyond_province: 0.4,
            beyond_province_half_km: 300.0,
            chain_other_lead: 0.5,
            unit_mismatch_coverage: 0.5,
        }
    }
}

/// Why a set of weights cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    #[error("weight `{name}` must be a finite number of at least 0, not {value}")]
    NotNonNegative { name: &'static str, value: f64 },
    #[error("the component weights must not all be 0")]
    AllZero,
    #[error("`{name}` must lie in [0, 1], not {value}")]
    NotAFraction { name: &'static str, value: f64 },
    #[error("the proximity weight must be positive: it is what favours in-province suppliers")]
    ProximityIgnored,
    #[error(
        "proximity must fall from county to prefecture to province and beyond: \
         1 ≥ same_prefecture ({same_prefecture}) ≥ home_province ({home_province}) > \
         beyond_province ({beyond_province})"
    )]
    ProximityOutOfOrder {
        same_prefecture: f64,
        home_province: f64,
        beyond_province: f64,
    },
    #[error("`beyond_province_half_km` must be a positive finite distance, not {0}")]
    HalfDistance(f64),
}

impl Weights {
    /// The six component weights by name, in the order of [`crate::Components`].
    pub fn components(&self) -> [(&'static str, f64); 6] {
        [
            ("category_fit", self.category_fit),
            ("proximity", self.proximity),
            ("capacity", self.capacity),
            ("scorecard", self.scorecard),
            ("credentials", self.credentials),
            ("chain_adjacency", self.chain_adjacency),
        ]
    }

    /// Checks that the weights are finite and non-negative with a positive sum, that the tuning
    /// constants are fractions, and that proximity keeps in-province sites above the others.
    pub fn validate(&self) -> Result<(), WeightsError> {
        let mut sum = 0.0;
        for (name, value) in self.components() {
            if !(value.is_finite() && value >= 0.0) {
                return Err(WeightsError::NotNonNegative { name, value });
            }
            sum += value;
        }
        if sum <= 0.0 {
            return Err(WeightsError::AllZero);
        }
        if !(self.scorecard_prior_weight.is_finite() && self.scorecard_prior_weight >= 0.0) {
            return Err(WeightsError::NotNonNegative {
                name: "scorecard_prior_weight",
                value: self.scorecard_prior_weight,
            });
        }
        for (name, value) in [
            ("scorecard_prior_mean", self.scorecard_prior_mean),
            ("descendant_step", self.descendant_step),
            ("ancestor_penalty", self.ancestor_penalty),
            ("same_prefecture", self.same_prefecture),
            ("home_province", self.home_province),
            ("beyond_province", self.beyond_province),
            ("chain_other_lead", self.chain_other_lead),
            ("unit_mismatch_coverage", self.unit_mismatch_coverage),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(WeightsError::NotAFraction { name, value });
            }
        }
        if self.proximity <= 0.0 {
            return Err(WeightsError::ProximityIgnored);
        }
        if !(self.same_prefecture >= self.home_province
            && self.home_province > self.beyond_province)
        {
            return Err(WeightsError::ProximityOutOfOrder {
                same_prefecture: self.same_prefecture,
                home_province: self.home_province,
                beyond_province: self.beyond_province,
            });
        }
        if !(self.beyond_province_half_km.is_finite() && self.beyond_province_half_km > 0.0) {
            return Err(WeightsError::HalfDistance(self.beyond_province_half_km));
        }
        Ok(())
    }

    /// The component weights divided by their sum, in the order of [`Weights::components`];
    /// only called on validated weights.
    pub(crate) fn normalised(&self) -> [f64; 6] {
        let raw = self.components().map(|(_, value)| value);
        let sum: f64 = raw.iter().sum();
        raw.map(|value| value / sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_sum_to_one() {
        let weights = Weights::default();
        assert_eq!(weights.validate(), Ok(()));
        let sum: f64 = weights.normalised().iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_weights_are_refused_with_the_reason() {
        let base = Weights::default();
        let refused = |weights: Weights| weights.validate().unwrap_err();
        assert_eq!(
            refused(Weights {
                capacity: -0.1,
                ..base
            }),
            WeightsError::NotNonNegative {
                name: "capacity",
                value: -0.1
            }
        );
        assert!(matches!(
            refused(Weights {
                scorecard: f64::NAN,
                ..base
            }),
            WeightsError::NotNonNegative {
                name: "scorecard",
                ..
            }
        ));
        let zero = Weights {
            category_fit: 0.0,
            proximity: 0.0,
            capacity: 0.0,
            scorecard: 0.0,
            credentials: 0.0,
            chain_adjacency: 0.0,
            ..base
        };
        assert_eq!(refused(zero), WeightsError::AllZero);
        assert_eq!(
            refused(Weights {
                proximity: 0.0,
                ..base
            }),
            WeightsError::ProximityIgnored
        );
        assert!(matches!(
            refused(Weights {
                beyond_province: 0.7,
                ..base
            }),
            WeightsError::ProximityOutOfOrder { .. }
        ));
        assert!(matches!(
            refused(Weights {
                ancestor_penalty: 1.5,
                ..base
            }),
            WeightsError::NotAFraction {
                name: "ancestor_penalty",
                ..
            }
        ));
        assert_eq!(
            refused(Weights {
                beyond_province_half_km: 0.0,
                ..base
            }),
            WeightsError::HalfDistance(0.0)
        );
    }
}
