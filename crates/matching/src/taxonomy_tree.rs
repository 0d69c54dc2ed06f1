//! The category forest: each category under at most one parent. Used to check a taxonomy before
//! it is stored and to order it parents-first; later, to measure category fit by tree distance.

use std::collections::{HashMap, HashSet};

use peitao_domain::CategoryCode;

/// Parent links of a set of categories.
#[derive(Debug, Default, Clone)]
pub struct TaxonomyTree {
    parents: HashMap<CategoryCode, Option<CategoryCode>>,
}

impl TaxonomyTree {
    /// An empty forest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `code` under `parent`; a second call for the same code replaces the first.
    pub fn insert(&mut self, code: CategoryCode, parent: Option<CategoryCode>) {
        self.parents.insert(code, parent);
    }

    /// Whether `code` is in the forest.
    pub fn contains(&self, code: &CategoryCode) -> bool {
        self.parents.contains_key(code)
    }

    /// How many categories the forest holds.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether the forest holds no category.
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Every category with its parent, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&CategoryCode, Option<&CategoryCode>)> {
        self.parents
            .iter()
            .map(|(code, parent)| (code, parent.as_ref()))
    }

    /// The parent of `code`, if it has one.
    pub fn parent(&self, code: &CategoryCode) -> Option<&CategoryCode> {
        self.parents.get(code).and_then(Option::as_ref)
    }

    /// `code` and every category under it, sorted; empty when `code` is not in the forest.
    pub fn with_descendants(&self, code: &CategoryCode) -> Vec<CategoryCode> {
        if !self.contains(code) {
            return Vec::new();
        }
        let mut found: Vec<CategoryCode> = self
            .parents
            .keys()
            .filter(|candidate| {
                let mut current = Some(*candidate);
                // A chain longer than the forest has a loop; stop there.
                for _ in 0..=self.parents.len() {
                    match current {
                        Some(at) if at == code => return true,
                        Some(at) => current = self.parent(at),
                        None => return false,
                    }
                }
                false
            })
            .cloned()
            .collect();
        found.sort();
        found
    }

    /// The categories whose parent chain loops back on itself, one loop, sorted; `None` when the
    /// parents form a forest. Parents outside the tree end a chain.
    pub fn find_cycle(&self) -> Option<Vec<CategoryCode>> {
        let mut settled: HashSet<&CategoryCode> = HashSet::new();
        let mut codes: Vec<&CategoryCode> = self.parents.keys().collect();
        codes.sort();
        for start in codes {
            let mut path: Vec<&CategoryCode> = Vec::new();
            let mut on_path: HashSet<&CategoryCode> = HashSet::new();
            let mut current = Some(start);
            while let Some(code) = current {
                if settled.contains(code) {
                    break;
                }
                if !on_path.insert(code) {
                    let from = path.iter().position(|member| *member == code).unwrap_or(0);
                    let mut cycle: Vec<CategoryCode> = path[from..]
                        .iter()
                        .map(|member| (*member).clone())
                        .collect();
                    cycle.sort();
                    return Some(cycle);
                }
                path.push(code);
                current = self.parent(code).filter(|parent| self.contains(parent));
            }
            settled.extend(path);
        }
        None
    }

    /// Every category with each parent before its children (parents outside the tree are taken
    /// as already present), ties broken by code. `None` when the parents loop.
    pub fn parents_first(&self) -> Option<Vec<CategoryCode>> {
        if self.find_cycle().is_some() {
            return None;
        }
        let mut ordered: Vec<(usize, &CategoryCode)> = self
            .parents
            .keys()
            .map(|code| (self.depth(code), code))
            .collect();
        ordered.sort();
        Some(ordered.into_iter().map(|(_, code)| code.clone()).collect())
    }

    /// Distance to the root within the tree; only called on an acyclic tree.
    fn depth(&self, code: &CategoryCode) -> usize {
        let mut depth = 0;
        let mut current = self.parent(code).filter(|parent| self.contains(parent));
        while let Some(parent) = current {
            depth += 1;
            current = self.parent(parent).filter(|next| self.contains(next));
        }
        depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> CategoryCode {
        CategoryCode::parse(raw).unwrap()
    }

    fn tree(entries: &[(&str, Option<&str>)]) -> TaxonomyTree {
        let mut tree = TaxonomyTree::new();
        for (child, parent) in entries {
            tree.insert(code(child), parent.map(code));
        }
        tree
    }

    #[test]
    fn a_category_comes_with_everything_under_it() {
        let tree = tree(&[
            ("auto", None),
            ("auto.body", Some("auto")),
            ("auto.body.door", Some("auto.body")),
            ("auto.chassis", Some("auto")),
            ("chem", None),
        ]);
        let codes = |found: Vec<CategoryCode>| -> Vec<String> {
            found.into_iter().map(|c| c.as_str().to_owned()).collect()
        };
        assert_eq!(
            codes(tree.with_descendants(&code("auto.body"))),
            ["auto.body", "auto.body.door"]
        );
        assert_eq!(codes(tree.with_descendants(&code("auto"))).len(), 4);
        assert!(tree.with_descendants(&code("none")).is_empty());
    }

    #[test]
    fn parents_come_before_children() {
        let tree = tree(&[
            ("a.b.c", Some("a.b")),
            ("a", None),
            ("a.b", Some("a")),
            ("x", Some("external")),
        ]);
        assert_eq!(tree.find_cycle(), None);
        let order = tree.parents_first().unwrap();
        let position = |raw| order.iter().position(|c| *c == code(raw)).unwrap();
        assert!(position("a") < position("a.b"));
        assert!(position("a.b") < position("a.b.c"));
    }

    #[test]
    fn a_parent_loop_is_reported() {
        let tree = tree(&[
            ("a", Some("c")),
            ("b", Some("a")),
            ("c", Some("b")),
            ("d", Some("a")),
        ]);
        assert_eq!(
            tree.find_cycle(),
            Some(vec![code("a"), code("b"), code("c")])
        );
        assert_eq!(tree.parents_first(), None);
    }

    #[test]
    fn a_category_that_is_its_own_parent_is_a_loop() {
        assert_eq!(
            tree(&[("a", Some("a"))]).find_cycle(),
            Some(vec![code("a")])
        );
    }
}
