//! A bounded heap keeping the `limit` best entries by score descending, then key ascending.

use std::{cmp::Ordering, collections::BinaryHeap};

/// An entry ordered so that the heap's top is the worst kept.
#[derive(Debug)]
struct Entry<T> {
    score: f64,
    key: i64,
    item: T,
}

impl<T> Entry<T> {
    /// `Greater` when `self` ranks below `other`.
    fn worse(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.key.cmp(&other.key))
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.worse(other) == Ordering::Equal
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.worse(other)
    }
}

/// The best `limit` entries seen so far.
#[derive(Debug)]
pub(super) struct TopK<T> {
    limit: usize,
    heap: BinaryHeap<Entry<T>>,
}

impl<T> TopK<T> {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            heap: BinaryHeap::with_capacity(limit.min(1024)),
        }
    }

    /// The score an entry must beat (or equal, with a smaller key) to be kept: the worst kept
    /// once full, `None` before.
    pub fn threshold(&self) -> Option<f64> {
        if self.heap.len() < self.limit {
            None
        } else {
            Some(self.heap.peek().map_or(f64::INFINITY, |worst| worst.score))
        }
    }

    pub fn push(&mut self, score: f64, key: i64, item: T) {
        if self.limit == 0 {
            return;
        }
        let entry = Entry { score, key, item };
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && entry.worse(&worst) == Ordering::Less
        {
            *worst = entry;
        }
    }

    /// The entries kept, best first.
    pub fn into_sorted(self) -> Vec<(f64, T)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|entry| (entry.score, entry.item))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_by_score_then_smallest_key() {
        let mut top = TopK::new(3);
        for (score, key) in [(0.5, 9), (0.9, 4), (0.5, 2), (0.7, 7), (0.5, 1), (0.1, 0)] {
            top.push(score, key, key);
        }
        assert_eq!(top.threshold(), Some(0.5));
        let kept: Vec<i64> = top.into_sorted().into_iter().map(|(_, key)| key).collect();
        assert_eq!(kept, [4, 7, 1]);
        let mut none = TopK::new(0);
        none.push(1.0, 1, ());
        assert!(none.into_sorted().is_empty());
    }
}
