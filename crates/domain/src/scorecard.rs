//! A supplier's scorecard: what its fulfilled deals say about it — how many, how often on time,
//! how good — and one score in [0, 1] for matching that does not bury newcomers.

use crate::{DomainError, Fulfilment, deal::MAX_QUALITY_RATING, deal::MIN_QUALITY_RATING};

/// How much being on time weighs in a delivery's performance; quality weighs the rest.
pub const ON_TIME_WEIGHT: f64 = 0.5;

/// The record of a supplier's fulfilled deals. Cancelled deals do not count: they were never
/// delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scorecard {
    fulfilled_deals: u32,
    on_time: u32,
    quality_sum: u32,
}

impl Scorecard {
    /// The scorecard of a supplier with no fulfilled deal.
    pub const EMPTY: Self = Self {
        fulfilled_deals: 0,
        on_time: 0,
        quality_sum: 0,
    };

    /// The scorecard of these fulfilments.
    pub fn from_fulfilments<'a>(fulfilments: impl IntoIterator<Item = &'a Fulfilment>) -> Self {
        fulfilments
            .into_iter()
            .fold(Self::EMPTY, |card, fulfilment| card.with(fulfilment))
    }

    /// A scorecard from totals the store has summed (number of fulfilled deals, how many of them
    /// on time, the sum of their quality ratings), checked for consistency: no more on time than
    /// delivered, and a quality sum each deal's 1-to-5 rating could make.
    pub fn from_totals(
        fulfilled_deals: u32,
        on_time: u32,
        quality_sum: u32,
    ) -> Result<Self, DomainError> {
        let deals = u64::from(fulfilled_deals);
        let quality = u64::from(quality_sum);
        let possible =
            deals * u64::from(MIN_QUALITY_RATING)..=deals * u64::from(MAX_QUALITY_RATING);
        if on_time > fulfilled_deals || !possible.contains(&quality) {
            return Err(DomainError::InconsistentScorecard {
                fulfilled_deals,
                on_time,
                quality_sum,
            });
        }
        Ok(Self {
            fulfilled_deals,
            on_time,
            quality_sum,
        })
    }

    /// This scorecard with one more fulfilled deal. Counts stop at `u32::MAX`, far beyond any
    /// supplier's record.
    #[must_use]
    pub fn with(self, fulfilment: &Fulfilment) -> Self {
        if self.fulfilled_deals == u32::MAX
            || self.quality_sum > u32::MAX - u32::from(MAX_QUALITY_RATING)
        {
            return self;
        }
        Self {
            fulfilled_deals: self.fulfilled_deals + 1,
            on_time: self.on_time + u32::from(fulfilment.on_time()),
            quality_sum: self.quality_sum + u32::from(fulfilment.quality_rating()),
        }
    }

    pub fn fulfilled_deals(&self) -> u32 {
        self.fulfilled_deals
    }

    /// How many fulfilled deals were delivered on time.
    pub fn on_time(&self) -> u32 {
        self.on_time
    }

    /// The sum of the fulfilled deals' quality ratings.
    pub fn quality_sum(&self) -> u32 {
        self.quality_sum
    }

    /// The share of fulfilled deals delivered on time, in [0, 1]; `None` without any.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.fulfilled_deals > 0)
            .then(|| f64::from(self.on_time) / f64::from(self.fulfilled_deals))
    }

    /// The mean quality rating, in [1, 5]; `None` without any fulfilled deal.
    pub fn mean_quality(&self) -> Option<f64> {
        (self.fulfilled_deals > 0)
            .then(|| f64::from(self.quality_sum) / f64::from(self.fulfilled_deals))
    }

    /// The sum over fulfilled deals of each delivery's performance in [0, 1] (see
    /// [`Scorecard::shrunk_score`]).
    fn performance_sum(&self) -> f64 {
        let min = f64::from(MIN_QUALITY_RATING);
        let span = f64::from(MAX_QUALITY_RATING) - min;
        let deals = f64::from(self.fulfilled_deals);
        ON_TIME_WEIGHT * f64::from(self.on_time)
            + (1.0 - ON_TIME_WEIGHT) * (f64::from(self.quality_sum) - min * deals) / span
    }

    /// The scorecard as one number in [0, 1] for matching, shrunk toward a prior so that a
    /// newcomer is neither buried nor raised by its first delivery (a Bayesian average).
    ///
    /// Each fulfilled deal `i` performs `pᵢ = w·onᵢ + (1 − w)·(qᵢ − 1)/4`, where `onᵢ` is 1 when it
    /// arrived on time and 0 otherwise, `qᵢ` its quality rating 1 to 5, and `w` is
    /// [`ON_TIME_WEIGHT`] (0.5): 1 for an on-time five-star delivery, 0 for a late one-star one.
    /// With `n` fulfilled deals, a prior mean `m` and a prior weight `k` (how many deliveries the
    /// prior is worth),
    ///
    /// ```text
    /// score = (k·m + Σ pᵢ) / (k + n)
    /// ```
    ///
    /// which is `m` for a supplier without deals and tends to the plain mean of the `pᵢ` as
    /// deliveries accumulate. Being a weighted mean of numbers in [0, 1] it stays in [0, 1], and a
    /// further on-time five-star delivery never lowers it. `prior_mean` is clamped to [0, 1] (0.5
    /// when it is not a number); a `prior_weight` that is not a finite number of at least 0 counts
    /// as 0; with no deals and no weight the score is the prior mean.
    pub fn shrunk_score(&self, prior_mean: f64, prior_weight: f64) -> f64 {
        let mean = if prior_mean.is_nan() {
            0.5
        } else {
            prior_mean.clamp(0.0, 1.0)
        };
        let weight = if prior_weight.is_finite() && prior_weight > 0.0 {
            prior_weight
        } else {
            0.0
        };
        let denominator = weight + f64::from(self.fulfilled_deals);
        if denominator <= 0.0 {
            return mean;
        }
        (weight * mean + self.performance_sum()) / denominator
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn delivery(on_time: bool, quality: u8) -> Fulfilment {
        Fulfilment::new(date!(2026 - 02 - 01), on_time, quality).unwrap()
    }

    /// Every (on time, rating) a delivery can have.
    fn every_delivery() -> Vec<Fulfilment> {
        [false, true]
            .into_iter()
            .flat_map(|on_time| (1..=5).map(move |q| delivery(on_time, q)))
            .collect()
    }

    const PRIORS: [(f64, f64); 7] = [
        (0.5, 3.0),
        (0.0, 1.0),
        (1.0, 1.0),
        (0.7, 0.0),
        (0.6, 0.5),
        (0.3, 20.0),
        (0.99, 1000.0),
    ];

    #[test]
    fn without_deals_there_are_no_rates_and_the_score_is_the_prior() {
        let card = Scorecard::from_fulfilments(&[]);
        assert_eq!(card, Scorecard::EMPTY);
        assert_eq!(card.on_time_rate(), None);
        assert_eq!(card.mean_quality(), None);
        for (mean, weight) in PRIORS {
            assert_eq!(card.shrunk_score(mean, weight), mean, "{mean} {weight}");
        }
    }

    #[test]
    fn rates_come_from_the_fulfilments() {
        let card = Scorecard::from_fulfilments(&[
            delivery(true, 5),
            delivery(false, 3),
            delivery(true, 4),
            delivery(true, 4),
        ]);
        assert_eq!(
            (card.fulfilled_deals(), card.on_time(), card.quality_sum()),
            (4, 3, 16)
        );
        assert_eq!(card.on_time_rate(), Some(0.75));
        assert_eq!(card.mean_quality(), Some(4.0));
    }

    #[test]
    fn the_score_follows_the_documented_formula() {
        // p = 0.5·1 + 0.5·(5−1)/4 = 1 and p = 0.5·0 + 0.5·(3−1)/4 = 0.25.
        let card = Scorecard::from_fulfilments(&[delivery(true, 5), delivery(false, 3)]);
        let expected = (2.0 * 0.5 + 1.0 + 0.25) / (2.0 + 2.0);
        assert!((card.shrunk_score(0.5, 2.0) - expected).abs() < 1e-12);
        let perfect = Scorecard::from_fulfilments(&[delivery(true, 5)]);
        let worst = Scorecard::from_fulfilments(&[delivery(false, 1)]);
        assert_eq!(perfect.shrunk_score(0.5, 0.0), 1.0);
        assert_eq!(worst.shrunk_score(0.5, 0.0), 0.0);
    }

    #[test]
    fn a_newcomer_is_shrunk_toward_the_prior_and_a_veteran_is_not() {
        let one_bad = Scorecard::from_fulfilments(&[delivery(false, 1)]);
        let many_bad = Scorecard::from_fulfilments(&vec![delivery(false, 1); 200]);
        let one = one_bad.shrunk_score(0.6, 5.0);
        let many = many_bad.shrunk_score(0.6, 5.0);
        assert!(one > 0.45, "one bad delivery buried a newcomer: {one}");
        assert!(
            many < 0.05,
            "two hundred bad deliveries barely count: {many}"
        );
    }

    #[test]
    fn every_score_lies_in_zero_to_one() {
        let deliveries = every_delivery();
        let priors = PRIORS.into_iter().chain([
            (f64::NAN, 2.0),
            (-3.0, 2.0),
            (7.0, 2.0),
            (0.5, -1.0),
            (0.5, f64::NAN),
            (0.5, f64::INFINITY),
            (f64::INFINITY, 1.0),
        ]);
        // Histories of one kind of delivery repeated (the extremes) and of all kinds in turn.
        let histories: Vec<Vec<Fulfilment>> = deliveries
            .iter()
            .map(|d| vec![*d])
            .chain([deliveries.clone()])
            .collect();
        for (mean, weight) in priors {
            for history in &histories {
                let mut card = Scorecard::EMPTY;
                for round in 0..300 {
                    let score = card.shrunk_score(mean, weight);
                    assert!(
                        (0.0..=1.0).contains(&score),
                        "{score} for {card:?}, prior {mean} × {weight}"
                    );
                    card = card.with(&history[round % history.len()]);
                }
            }
        }
    }

    #[test]
    fn another_perfect_delivery_never_lowers_the_score() {
        let deliveries = every_delivery();
        for (mean, weight) in PRIORS {
            for start in 0..deliveries.len() {
                let mut card = Scorecard::EMPTY;
                for round in 0..60 {
                    let before = card.shrunk_score(mean, weight);
                    let after = card.with(&delivery(true, 5)).shrunk_score(mean, weight);
                    assert!(after >= before, "{before} → {after} for {card:?}");
                    card = card.with(&deliveries[(start + round * 3) % deliveries.len()]);
                }
            }
        }
    }

    #[test]
    fn a_better_delivery_never_scores_lower_than_a_worse_one() {
        let history = [delivery(true, 4), delivery(false, 2), delivery(true, 3)];
        let base = Scorecard::from_fulfilments(&history);
        for (mean, weight) in PRIORS {
            for worse in every_delivery() {
                for better in every_delivery() {
                    let dominates = better.on_time() >= worse.on_time()
                        && better.quality_rating() >= worse.quality_rating();
                    if dominates {
                        let low = base.with(&worse).shrunk_score(mean, weight);
                        let high = base.with(&better).shrunk_score(mean, weight);
                        assert!(high >= low, "{better:?} scored {high} < {worse:?} at {low}");
                    }
                }
            }
        }
    }

    #[test]
    fn totals_from_the_store_must_be_consistent() {
        let card = Scorecard::from_totals(4, 3, 16).unwrap();
        assert_eq!(
            card,
            Scorecard::from_fulfilments(&[
                delivery(true, 5),
                delivery(false, 3),
                delivery(true, 4),
                delivery(true, 4),
            ])
        );
        assert_eq!(Scorecard::from_totals(0, 0, 0).unwrap(), Scorecard::EMPTY);
        assert!(Scorecard::from_totals(2, 2, 10).is_ok());
        for (deals, on_time, quality) in [(2, 3, 6), (2, 0, 1), (2, 0, 11), (0, 0, 1), (0, 1, 0)] {
            assert!(
                Scorecard::from_totals(deals, on_time, quality).is_err(),
                "{deals} {on_time} {quality}"
            );
        }
        assert!(Scorecard::from_totals(u32::MAX, u32::MAX, u32::MAX).is_ok());
    }

    #[test]
    fn counts_stop_at_their_limit_instead_of_wrapping() {
        let full = Scorecard::from_totals(u32::MAX / 5, 0, u32::MAX / 5 * 5).unwrap();
        assert_eq!(full.with(&delivery(true, 5)), full);
        let score = full.shrunk_score(0.5, 3.0);
        assert!((0.0..=1.0).contains(&score), "{score}");
    }
}
