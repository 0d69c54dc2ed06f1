//! Checking a parsed taxonomy against itself and what is stored.

use std::collections::{HashMap, HashSet};

use peitao_domain::{Category, CategoryCode, NewChain};
use peitao_matching::{ChainGraph, TaxonomyTree};

use super::{CheckedTaxonomy, Existing, Line, TaxonomyFile};
use crate::import::{ImportErrors, Problems};

/// Checks a parsed file against itself and what is stored; orders categories parents first.
pub fn check(file: TaxonomyFile, existing: &Existing) -> Result<CheckedTaxonomy, ImportErrors> {
    let mut problems = Problems::default();
    let stored: HashSet<&CategoryCode> = existing.categories.iter().map(|(code, _)| code).collect();

    let mut first_line: HashMap<CategoryCode, u64> = HashMap::new();
    let mut tree = TaxonomyTree::new();
    for (code, parent) in &existing.categories {
        tree.insert(code.clone(), parent.clone());
    }
    for Line { line, value } in &file.categories {
        if let Some(first) = first_line.get(&value.code) {
            problems.push(
                *line,
                format!(
                    "category `{}` is defined twice (first on line {first})",
                    value.code
                ),
            );
            continue;
        }
        if stored.contains(&value.code) {
            problems.push(*line, format!("category `{}` exists already", value.code));
            continue;
        }
        first_line.insert(value.code.clone(), *line);
        tree.insert(value.code.clone(), value.parent_code.clone());
    }
    for Line { line, value } in &file.categories {
        if let Some(parent) = &value.parent_code
            && !tree.contains(parent)
        {
            problems.push(
                *line,
                format!(
                    "parent `{parent}` of category `{}` is not defined",
                    value.code
                ),
            );
        }
    }
    if let Some(cycle) = tree.find_cycle() {
        let line = cycle
            .iter()
            .filter_map(|code| first_line.get(code))
            .min()
            .copied()
            .unwrap_or(1);
        problems.push(
            line,
            format!(
                "categories {} are each other's ancestors (a parent loop)",
                join(&cycle)
            ),
        );
    }

    let mut graph = ChainGraph::new();
    for code in stored.iter().copied().chain(first_line.keys()) {
        graph.add_category(code.clone());
    }
    for link in &existing.links {
        let _ = graph.add_link(&link.upstream, &link.downstream);
    }
    let mut chain_lines: HashMap<&str, u64> = HashMap::new();
    let mut link_lines: HashMap<(&CategoryCode, &CategoryCode), u64> = HashMap::new();
    for chain in &file.chains {
        if !is_chain_code(&chain.code) {
            problems.push(
                chain.line,
                format!(
                    "chain code `{}` must be 1 to 64 lower-case letters, digits or `_`",
                    chain.code
                ),
            );
        }
        if let Some(first) = chain_lines.insert(&chain.code, chain.line) {
            problems.push(
                chain.line,
                format!(
                    "chain `{}` is defined twice (first on line {first})",
                    chain.code
                ),
            );
        }
        if existing.chain_codes.contains(&chain.code) {
            problems.push(chain.line, format!("chain `{}` exists already", chain.code));
        }
        let mut in_chain = HashSet::new();
        for Line { line, value } in &chain.links {
            if !in_chain.insert((&value.upstream, &value.downstream)) {
                problems.push(
                    *line,
                    format!(
                        "link {} → {} appears twice in chain `{}`",
                        value.upstream, value.downstream, chain.code
                    ),
                );
                continue;
            }
            match graph.add_link(&value.upstream, &value.downstream) {
                Ok(()) => {
                    link_lines
                        .entry((&value.upstream, &value.downstream))
                        .or_insert(*line);
                }
                Err(err) => problems.push(*line, err.to_string()),
            }
        }
    }
    if let Some(cycle) = graph.find_cycle() {
        let members: HashSet<&CategoryCode> = cycle.iter().collect();
        let line = link_lines
            .iter()
            .filter(|((up, down), _)| members.contains(up) && members.contains(down))
            .map(|(_, line)| *line)
            .min()
            .unwrap_or(1);
        problems.push(
            line,
            format!(
                "chain links loop through {}: a category cannot be its own input",
                join(&cycle)
            ),
        );
    }

    let mut file_tree = TaxonomyTree::new();
    let by_code: HashMap<&CategoryCode, &Category> = file
        .categories
        .iter()
        .map(|entry| (&entry.value.code, &entry.value))
        .collect();
    for category in by_code.values() {
        file_tree.insert(category.code.clone(), category.parent_code.clone());
    }
    let ordered = file_tree.parents_first().unwrap_or_default();
    let categories = ordered
        .iter()
        .filter_map(|code| by_code.get(code).map(|category| (*category).clone()))
        .collect();
    let chains = file
        .chains
        .iter()
        .map(|chain| NewChain {
            code: chain.code.clone(),
            name_zh: chain.name_zh.clone(),
            name_en: chain.name_en.clone(),
            links: chain.links.iter().map(|link| link.value.clone()).collect(),
        })
        .collect();
    problems.finish(CheckedTaxonomy { categories, chains })
}

fn is_chain_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn join(codes: &[CategoryCode]) -> String {
    codes
        .iter()
        .map(|code| format!("`{code}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
