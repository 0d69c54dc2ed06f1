//! In-province supply per category, for the statistics: the chain map's coverage and the gap
//! list. Read from the supplier records, not the posting lists: a posting exists only for a
//! capability with spare capacity, and a supplier whose capacity open deals take in full still
//! makes the category.

use std::collections::HashMap;

use peitao_domain::CategoryCode;

use super::MatchIndex;

/// The in-province supply of one category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategorySupply {
    /// Eligible suppliers declaring a capability in the category or any category below it.
    pub suppliers: u64,
    /// Their declared annual capacity by unit, whatever open deals take of it; units as the index
    /// compares them (trimmed, lower-case), sorted.
    pub capacity: Vec<(String, u64)>,
}

impl MatchIndex {
    /// For each of `categories` the index knows: the eligible suppliers registered in the home
    /// province (their home county, not a production site, decides) that declare a capability in
    /// it or in any category below it, and what they declare. Eligible means what every ranking
    /// requires whatever the need: active (some enabled user) and, when the index requires it,
    /// verified. A category no such supplier makes is absent from the answer.
    pub fn in_province_supply(
        &self,
        categories: &[CategoryCode],
    ) -> HashMap<CategoryCode, CategorySupply> {
        // Position of each asked category among `tops`, by interned category number.
        let mut wanted: Vec<Option<usize>> = vec![None; self.tables.categories.len()];
        let mut tops: Vec<u32> = Vec::new();
        for code in categories {
            if let Some(id) = self.tables.category(code)
                && let Some(place) = wanted.get_mut(id as usize)
                && place.is_none()
            {
                *place = Some(tops.len());
                tops.push(id);
            }
        }
        let mut suppliers = vec![0_u64; tops.len()];
        // Per top: (unit number, capacity), a few units each.
        let mut capacity: Vec<Vec<(u32, u64)>> = vec![Vec::new(); tops.len()];
        // The last supplier slot counted under each top (slot + 1; 0 for none).
        let mut counted = vec![0_u64; tops.len()];
        let depth_limit = wanted.len();
        for (slot, record) in self.suppliers.iter() {
            if !record.active
                || (self.require_verified && !record.verified)
                || !record.home_code.is_in(self.home_province)
            {
                continue;
            }
            let stamp = u64::from(slot) + 1;
            for capability in &record.capabilities {
                let mut at = Some(capability.category);
                let mut steps = 0;
                while let Some(category) = at {
                    if let Some(top) = wanted.get(category as usize).copied().flatten() {
                        if counted[top] != stamp {
                            counted[top] = stamp;
                            suppliers[top] += 1;
                        }
                        let units = &mut capacity[top];
                        match units.iter_mut().find(|(unit, _)| *unit == capability.unit) {
                            Some((_, sum)) => *sum = sum.saturating_add(capability.annual_capacity),
                            None => units.push((capability.unit, capability.annual_capacity)),
                        }
                    }
                    steps += 1;
                    if steps > depth_limit {
                        break;
                    }
                    at = self.graph.parent(category);
                }
            }
        }
        tops.iter()
            .zip(suppliers)
            .zip(capacity)
            .filter(|((_, suppliers), _)| *suppliers > 0)
            .filter_map(|((top, suppliers), units)| {
                let code = self.tables.category_code(*top)?.clone();
                let mut capacity: Vec<(String, u64)> = units
                    .into_iter()
                    .map(|(unit, sum)| (self.tables.unit_text(unit).to_owned(), sum))
                    .collect();
                capacity.sort();
                Some((
                    code,
                    CategorySupply {
                        suppliers,
                        capacity,
                    },
                ))
            })
            .collect()
    }
}
