//! The in-province supporting rate (省内配套率): in-province sourced value ÷ total sourced value,
//! of a lead enterprise over a period. Pure arithmetic over figures the store aggregates; the
//! definition, for officials, is `docs/supporting-rate.md`.
//!
//! A lead's sourcing starts from its baseline (its latest bill of materials, annual values
//! prorated to the period). A deal made through Peitao, counted by the plant it ships from,
//! replaces baseline sourcing of its category: an in-province deal switches that much value away
//! from the baseline's out-of-province lines (up to their value) and adds whatever goes beyond
//! them; an out-of-province deal replaces what is left of those lines and adds the rest.

use std::fmt;

use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

use crate::DomainError;

/// Beijing time, in which reporting periods are calendar days and months. China has kept UTC+8
/// all year since 1991.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The longest period a report covers.
pub const MAX_PERIOD_DAYS: i64 = 366 * 10;

/// A reporting period: whole calendar days in Beijing time, first and last included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    first: Date,
    last: Date,
}

impl Period {
    /// A period from `first` to `last`, both included; refused when it ends before it starts or
    /// spans more than [`MAX_PERIOD_DAYS`].
    pub fn new(first: Date, last: Date) -> Result<Self, DomainError> {
        if last < first {
            return Err(DomainError::InvalidPeriod(format!(
                "the period ends ({last}) before it starts ({first})"
            )));
        }
        if (last - first).whole_days() >= MAX_PERIOD_DAYS {
            return Err(DomainError::InvalidPeriod(format!(
                "a period spans at most {MAX_PERIOD_DAYS} days; {first} to {last} is longer"
            )));
        }
        Ok(Self { first, last })
    }

    /// The twelve months up to and including `today`: from the day after the same date a year
    /// before.
    pub fn last_twelve_months(today: Date) -> Self {
        let year_before = today
            .replace_year(today.year() - 1)
            .unwrap_or_else(|_| today - Duration::days(365));
        Self {
            first: year_before.next_day().unwrap_or(year_before),
            last: today,
        }
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: Date) -> Self {
        let first = day.replace_day(1).unwrap_or(day);
        Self {
            first,
            last: last_of_month(first),
        }
    }

    pub fn first(&self) -> Date {
        self.first
    }

    pub fn last(&self) -> Date {
        self.last
    }

    /// The first instant of the period.
    pub fn starts_at(&self) -> OffsetDateTime {
        self.first.with_time(Time::MIDNIGHT).assume_offset(BEIJING)
    }

    /// The first instant after the period.
    pub fn ends_before(&self) -> OffsetDateTime {
        self.last.with_time(Time::MIDNIGHT).assume_offset(BEIJING) + Duration::days(1)
    }

    /// Whether `at` falls in the period, in Beijing time.
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        at >= self.starts_at() && at < self.ends_before()
    }

    /// The period cut at calendar month boundaries, in order; the first and last may be part
    /// months.
    pub fn months(&self) -> Vec<Period> {
        let mut months = Vec::new();
        let mut first = self.first;
        loop {
            let last = last_of_month(first).min(self.last);
            months.push(Period { first, last });
            match last.next_day() {
                Some(next) if next <= self.last => first = next,
                _ => return months,
            }
        }
    }

    /// Whether the period is exactly one calendar month.
    pub fn is_whole_month(&self) -> bool {
        self.first.day() == 1 && self.last == last_of_month(self.first)
    }

    /// How much of a year the period is, counting each calendar month as a twelfth and a part
    /// month as its share of the month's days: annual baseline values are prorated by it.
    pub fn year_share(&self) -> f64 {
        self.months()
            .iter()
            .map(|part| {
                let days = (part.last - part.first).whole_days() + 1;
                let in_month = i64::from(part.first.month().length(part.first.year()));
                days as f64 / in_month as f64 / 12.0
            })
            .sum()
    }

    /// `YYYY-MM` of the month the period starts in.
    pub fn month_label(&self) -> String {
        format!(
            "{:04}-{:02}",
            self.first.year(),
            u8::from(self.first.month())
        )
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to {}",
            crate::format_date(self.first),
            crate::format_date(self.last)
        )
    }
}

fn last_of_month(day: Date) -> Date {
    let length = day.month().length(day.year());
    day.replace_day(length).unwrap_or(day)
}

/// The calendar quarter holding `day` (Q1 is January to March).
pub fn quarter_of(day: Date) -> Period {
    let first_month = (u8::from(day.month()) - 1) / 3 * 3 + 1;
    let first = Date::from_calendar_date(
        day.year(),
        Month::try_from(first_month).unwrap_or(Month::January),
        1,
    )
    .unwrap_or(day);
    let last_month = Month::try_from(first_month + 2).unwrap_or(Month::December);
    let last = last_of_month(Date::from_calendar_date(day.year(), last_month, 1).unwrap_or(day));
    Period { first, last }
}

/// An annual value prorated to a share of a year, to the nearest fen.
pub fn prorate(annual_fen: i64, year_share: f64) -> i64 {
    (annual_fen as f64 * year_share).round() as i64
}

/// Value split by where it is made, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub in_province: i64,
    pub out_of_province: i64,
}

impl Split {
    pub fn total(&self) -> i64 {
        self.in_province + self.out_of_province
    }

    /// In-province value ÷ total; `None` when nothing was sourced.
    pub fn rate(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.in_province as f64 / total as f64)
    }
}

/// One lead's sourcing of one category over one period, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sourcing {
    /// The baseline, prorated to the period.
    pub baseline: Split,
    /// Deals made through Peitao in the period, cancelled ones left out, by the plant's region.
    pub deals: Split,
}

impl Sourcing {
    /// The sourcing after the period's deals replace the baseline.
    pub fn current(&self) -> Split {
        let switched = self.deals.in_province.min(self.baseline.out_of_province);
        let baseline_out_left = self.baseline.out_of_province - switched;
        Split {
            in_province: self.baseline.in_province + self.deals.in_province,
            out_of_province: baseline_out_left.max(self.deals.out_of_province),
        }
    }
}

/// A group's figures: the sum of its leads' categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateTotals {
    pub baseline: Split,
    pub current: Split,
    pub deals: Split,
    /// (lead, category) pairs sourced at all, and with some value in province: the rate by count.
    pub baseline_categories: u64,
    pub baseline_categories_in_province: u64,
    pub current_categories: u64,
    pub current_categories_in_province: u64,
}

impl RateTotals {
    /// Adds one lead's category.
    pub fn add(&mut self, sourcing: &Sourcing) {
        let current = sourcing.current();
        add_split(&mut self.baseline, sourcing.baseline);
        add_split(&mut self.current, current);
        add_split(&mut self.deals, sourcing.deals);
        count(
            sourcing.baseline,
            &mut self.baseline_categories,
            &mut self.baseline_categories_in_province,
        );
        count(
            current,
            &mut self.current_categories,
            &mut self.current_categories_in_province,
        );
    }

    /// Adds another group's figures.
    pub fn merge(&mut self, other: &RateTotals) {
        add_split(&mut self.baseline, other.baseline);
        add_split(&mut self.current, other.current);
        add_split(&mut self.deals, other.deals);
        self.baseline_categories += other.baseline_categories;
        self.baseline_categories_in_province += other.baseline_categories_in_province;
        self.current_categories += other.current_categories;
        self.current_categories_in_province += other.current_categories_in_province;
    }

    /// Current rate minus baseline rate, when both exist.
    pub fn uplift(&self) -> Option<f64> {
        Some(self.current.rate()? - self.baseline.rate()?)
    }

    /// Categories sourced in province ÷ categories sourced, at the baseline.
    pub fn baseline_count_rate(&self) -> Option<f64> {
        ratio(
            self.baseline_categories_in_province,
            self.baseline_categories,
        )
    }

    /// Categories sourced in province ÷ categories sourced, now.
    pub fn current_count_rate(&self) -> Option<f64> {
        ratio(self.current_categories_in_province, self.current_categories)
    }
}

fn add_split(sum: &mut Split, part: Split) {
    sum.in_province += part.in_province;
    sum.out_of_province += part.out_of_province;
}

fn count(split: Split, sourced: &mut u64, in_province: &mut u64) {
    if split.total() > 0 {
        *sourced += 1;
        if split.in_province > 0 {
            *in_province += 1;
        }
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    fn sourcing(base_in: i64, base_out: i64, deals_in: i64, deals_out: i64) -> Sourcing {
        Sourcing {
            baseline: Split {
                in_province: base_in,
                out_of_province: base_out,
            },
            deals: Split {
                in_province: deals_in,
                out_of_province: deals_out,
            },
        }
    }

    #[test]
    fn an_in_province_deal_switches_baseline_value_then_adds_the_rest() {
        // 100 bought outside, 20 inside; a 30 in-province deal moves 30 of the 100.
        let moved = sourcing(20, 100, 30, 0).current();
        assert_eq!((moved.in_province, moved.out_of_province), (50, 70));
        // A deal larger than the out-of-province lines switches them all and adds the excess.
        let beyond = sourcing(20, 100, 130, 0).current();
        assert_eq!((beyond.in_province, beyond.out_of_province), (150, 0));
    }

    #[test]
    fn an_out_of_province_deal_replaces_what_is_left_outside() {
        // 100 outside; a 40 in-province and a 50 out-of-province deal: 60 left, the 50 replaces 50.
        let both = sourcing(0, 100, 40, 50).current();
        assert_eq!((both.in_province, both.out_of_province), (40, 60));
        // Without a baseline, deals are all there is.
        let fresh = sourcing(0, 0, 40, 50).current();
        assert_eq!((fresh.in_province, fresh.out_of_province), (40, 50));
    }

    #[test]
    fn totals_give_rates_by_value_and_by_count() {
        let mut totals = RateTotals::default();
        totals.add(&sourcing(0, 100, 30, 0));
        totals.add(&sourcing(50, 50, 0, 0));
        assert_eq!(totals.baseline.rate(), Some(50.0 / 200.0));
        assert_eq!(totals.current.rate(), Some(80.0 / 200.0));
        assert!((totals.uplift().unwrap() - 0.15).abs() < 1e-12);
        assert_eq!(totals.baseline_count_rate(), Some(0.5));
        assert_eq!(totals.current_count_rate(), Some(1.0));
        assert_eq!(RateTotals::default().current.rate(), None);
    }

    #[test]
    fn a_quarter_is_a_quarter_of_a_year_and_months_cut_at_their_ends() {
        let q1 = Period::new(date!(2026 - 01 - 01), date!(2026 - 03 - 31)).unwrap();
        assert!((q1.year_share() - 0.25).abs() < 1e-12);
        assert_eq!(q1.months().len(), 3);
        assert_eq!(quarter_of(date!(2026 - 02 - 14)), q1);
        let part = Period::new(date!(2026 - 01 - 16), date!(2026 - 02 - 14)).unwrap();
        let months = part.months();
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].last(), date!(2026 - 01 - 31));
        assert!(!months[0].is_whole_month() && !months[1].is_whole_month());
        assert!(q1.months().iter().all(Period::is_whole_month) && !q1.is_whole_month());
        assert!((part.year_share() - (16.0 / 31.0 + 14.0 / 28.0) / 12.0).abs() < 1e-12);
        let year = Period::last_twelve_months(date!(2026 - 11 - 28));
        assert_eq!(year.first(), date!(2025 - 11 - 29));
        assert!((year.year_share() - 1.0).abs() < 0.01);
    }

    #[test]
    fn periods_are_beijing_days() {
        let q1 = Period::new(date!(2026 - 01 - 01), date!(2026 - 03 - 31)).unwrap();
        // 23:30 on 31 March in Beijing is 15:30 UTC: still Q1.
        assert!(q1.contains(datetime!(2026 - 03 - 31 15:30 UTC)));
        // 16:30 UTC on 31 March is 00:30 on 1 April in Beijing: Q2.
        assert!(!q1.contains(datetime!(2026 - 03 - 31 16:30 UTC)));
        assert!(q1.contains(datetime!(2025 - 12 - 31 16:00 UTC)));
        assert!(!q1.contains(datetime!(2025 - 12 - 31 15:59 UTC)));
    }

    #[test]
    fn backwards_and_overlong_periods_are_refused() {
        assert!(Period::new(date!(2026 - 02 - 01), date!(2026 - 01 - 31)).is_err());
        assert!(Period::new(date!(2000 - 01 - 01), date!(2026 - 01 - 31)).is_err());
    }

    proptest! {
        #[test]
        fn deals_never_lower_the_in_province_value_nor_lose_value(
            base_in in 0i64..1_000_000, base_out in 0i64..1_000_000,
            deals_in in 0i64..1_000_000, deals_out in 0i64..1_000_000,
        ) {
            let before = sourcing(base_in, base_out, 0, 0);
            let after = sourcing(base_in, base_out, deals_in, deals_out);
            let current = after.current();
            prop_assert_eq!(before.current(), before.baseline);
            prop_assert!(current.in_province >= base_in);
            // Value is never destroyed: at least the baseline and at least the deals remain.
            prop_assert!(current.total() >= base_in + base_out);
            prop_assert!(current.total() >= deals_in + deals_out);
            // Nor invented: no more than baseline plus deals.
            prop_assert!(current.total() <= base_in + base_out + deals_in + deals_out);
            // More in-province dealing never lowers the rate.
            let more = sourcing(base_in, base_out, deals_in + 1, deals_out).current();
            if let (Some(a), Some(b)) = (current.rate(), more.rate()) {
                prop_assert!(b >= a - 1e-12);
            }
        }

        #[test]
        fn the_months_of_a_period_tile_it(first in 0i64..3000, length in 0i64..800) {
            let first = date!(2020 - 01 - 01) + Duration::days(first);
            let period = Period::new(first, first + Duration::days(length)).unwrap();
            let months = period.months();
            prop_assert_eq!(months[0].first(), period.first());
            prop_assert_eq!(months[months.len() - 1].last(), period.last());
            for pair in months.windows(2) {
                prop_assert_eq!(pair[0].last().next_day(), Some(pair[1].first()));
            }
            let share: f64 = months.iter().map(Period::year_share).sum();
            prop_assert!((share - period.year_share()).abs() < 1e-9);
        }
    }
}
