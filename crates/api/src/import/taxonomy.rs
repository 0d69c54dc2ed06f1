//! Taxonomy files: Peitao's curated TOML (`reference/taxonomy.toml`: chains with their links and
//! a category forest) or a plain CSV `code,name,parent[,name_en]` for users who bring their own
//! classification (HS, GB/T 4754, in-house). Checked whole before anything is stored: a
//! duplicate code, an unknown parent, a loop of parents or of chain links is reported with its
//! line number.

use std::collections::{HashMap, HashSet};

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain};
use peitao_matching::{ChainGraph, TaxonomyTree};
use serde::Deserialize;
use toml::Spanned;

use super::{
    ImportError, ImportErrors, Problems, csv_reader, line_of, optional_header, require_headers,
    strip_bom,
};

/// The taxonomy shipped with Peitao.
pub const BUILT_IN: &str = include_str!("../../../../reference/taxonomy.toml");

/// A value and the line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<T> {
    pub line: u64,
    pub value: T,
}

/// A chain as read, its links not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEntry {
    pub line: u64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub links: Vec<Line<ChainLink>>,
}

/// A parsed taxonomy file, before the checks against itself and the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxonomyFile {
    pub categories: Vec<Line<Category>>,
    pub chains: Vec<ChainEntry>,
}

/// What is already stored, for checking an import against it.
#[derive(Debug, Default)]
pub struct Existing {
    pub categories: Vec<(CategoryCode, Option<CategoryCode>)>,
    pub chain_codes: HashSet<String>,
    pub links: Vec<ChainLink>,
}

/// A checked taxonomy, categories ordered parents first, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTaxonomy {
    pub categories: Vec<Category>,
    pub chains: Vec<NewChain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    chains: Vec<TomlChain>,
    #[serde(default)]
    categories: Vec<TomlCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlChain {
    code: Spanned<String>,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    links: Vec<Spanned<(String, String)>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlCategory {
    code: Spanned<String>,
    parent: Option<String>,
    name_zh: String,
    name_en: String,
    reference: Option<String>,
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> u64 {
    let before = text.get(..offset).unwrap_or(text);
    u64::try_from(before.matches('\n').count() + 1).unwrap_or(u64::MAX)
}

/// Parses Peitao's TOML format.
pub fn parse_toml(text: &str) -> Result<TaxonomyFile, ImportErrors> {
    let text = strip_bom(text);
    let file: TomlFile = toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_at(text, span.start));
        ImportErrors(vec![ImportError::at(
            line,
            format!("not valid taxonomy TOML: {}", err.message()),
        )])
    })?;
    let mut problems = Problems::default();
    let mut categories = Vec::new();
    for entry in file.categories {
        let line = line_at(text, entry.code.span().start);
        match category(
            entry.code.get_ref(),
            entry.parent.as_deref(),
            entry.name_zh,
            entry.name_en,
            entry.reference,
        ) {
            Ok(value) => categories.push(Line { line, value }),
            Err(message) => problems.push(line, message),
        }
    }
    let mut chains = Vec::new();
    for chain in file.chains {
        let line = line_at(text, chain.code.span().start);
        let mut links = Vec::new();
        for link in chain.links {
            let link_line = line_at(text, link.span().start);
            let (upstream, downstream) = link.into_inner();
            match (
                CategoryCode::parse(&upstream),
                CategoryCode::parse(&downstream),
            ) {
                (Ok(upstream), Ok(downstream)) => links.push(Line {
                    line: link_line,
                    value: ChainLink {
                        upstream,
                        downstream,
                    },
                }),
                (Err(err), _) | (_, Err(err)) => problems.push(link_line, err.to_string()),
            }
        }
        chains.push(ChainEntry {
            line,
            code: chain.code.into_inner(),
            name_zh: chain.name_zh,
            name_en: chain.name_en,
            links,
        });
    }
    problems.finish(TaxonomyFile { categories, chains })
}

/// Parses a plain CSV: `code,name,parent` plus optional `name_en` and `reference` columns. The
/// `name` is used for both languages unless `name_en` is given.
pub fn parse_csv(text: &str) -> Result<TaxonomyFile, ImportErrors> {
    let mut reader = csv_reader(text);
    let [code, name, parent] = require_headers(&mut reader, ["code", "name", "parent"])?;
    let name_en = optional_header(&mut reader, "name_en");
    let reference = optional_header(&mut reader, "reference");
    let mut problems = Problems::default();
    let mut categories = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                problems.push(line, format!("unreadable row: {err}"));
                continue;
            }
        };
        let line = line_of(&record);
        let field = |index: usize| record.get(index).unwrap_or_default();
        let primary = field(name).to_owned();
        let english = name_en
            .map(field)
            .filter(|text| !text.is_empty())
            .map_or_else(|| primary.clone(), str::to_owned);
        let parent = Some(field(parent)).filter(|text| !text.is_empty());
        let reference = reference
            .map(field)
            .filter(|text| !text.is_empty())
            .map(str::to_owned);
        match category(field(code), parent, primary, english, reference) {
            Ok(value) => categories.push(Line { line, value }),
            Err(message) => problems.push(line, message),
        }
    }
    problems.finish(TaxonomyFile {
        categories,
        chains: Vec::new(),
    })
}

fn category(
    code: &str,
    parent: Option<&str>,
    name_zh: String,
    name_en: String,
    reference: Option<String>,
) -> Result<Category, String> {
    let code = CategoryCode::parse(code).map_err(|err| err.to_string())?;
    let parent_code = parent
        .map(CategoryCode::parse)
        .transpose()
        .map_err(|err| err.to_string())?;
    for (label, name) in [("name", &name_zh), ("name_en", &name_en)] {
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(format!(
                "category `{code}` needs a {label} of 1 to 200 characters"
            ));
        }
    }
    Ok(Category {
        code,
        parent_code,
        name_zh: name_zh.trim().to_owned(),
        name_en: name_en.trim().to_owned(),
        reference,
    })
}

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

/// The two taxonomy file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Csv,
}

impl Format {
    /// The format a file name implies: `.csv` is CSV, anything else TOML.
    pub fn of_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => Self::Csv,
            _ => Self::Toml,
        }
    }
}

/// Why a taxonomy import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyImportError {
    #[error("{0}")]
    Invalid(ImportErrors),
    #[error(transparent)]
    Store(#[from] peitao_store::StoreError),
}

/// Parses, checks against what is stored, and stores a taxonomy file, all or nothing.
pub async fn import(
    store: &peitao_store::Store,
    text: &str,
    format: Format,
) -> Result<peitao_store::TaxonomyCounts, TaxonomyImportError> {
    let file = match format {
        Format::Toml => parse_toml(text),
        Format::Csv => parse_csv(text),
    }
    .map_err(TaxonomyImportError::Invalid)?;
    let existing = Existing {
        categories: store.category_parents().await?,
        chain_codes: store
            .list_chains()
            .await?
            .into_iter()
            .map(|chain| chain.code)
            .collect(),
        links: store
            .all_chain_links()
            .await?
            .into_iter()
            .map(|(_, link)| link)
            .collect(),
    };
    if file.categories.is_empty() && file.chains.is_empty() {
        return Err(TaxonomyImportError::Invalid(ImportErrors(vec![
            ImportError::whole_file("the file holds no categories and no chains"),
        ])));
    }
    let checked = check(file, &existing).map_err(TaxonomyImportError::Invalid)?;
    Ok(store
        .import_taxonomy(&checked.categories, &checked.chains)
        .await?)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(result: Result<CheckedTaxonomy, ImportErrors>) -> Vec<(Option<u64>, String)> {
        result
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect()
    }

    #[test]
    fn the_built_in_taxonomy_is_large_and_consistent() {
        let checked = check(parse_toml(BUILT_IN).unwrap(), &Existing::default()).unwrap();
        assert!(
            checked.categories.len() >= 300,
            "{}",
            checked.categories.len()
        );
        let links: usize = checked.chains.iter().map(|chain| chain.links.len()).sum();
        assert!(links >= 400, "{links}");
        let codes: Vec<&str> = checked.chains.iter().map(|c| c.code.as_str()).collect();
        for chain in ["automotive", "optoelectronics", "textiles", "agrofood"] {
            assert!(codes.contains(&chain), "{chain} missing from {codes:?}");
        }
        let position = |code: &str| {
            checked
                .categories
                .iter()
                .position(|c| c.code.as_str() == code)
                .unwrap()
        };
        assert!(position("auto") < position("auto.body"));
    }

    #[test]
    fn a_csv_taxonomy_with_a_bom_parses() {
        let text = "\u{feff}code,name,parent,name_en\n87,车辆,,Vehicles\n8708,车辆零件,87,\n";
        let checked = check(parse_csv(text).unwrap(), &Existing::default()).unwrap();
        assert_eq!(checked.categories.len(), 2);
        assert_eq!(
            checked.categories[1].name_en, "车辆零件",
            "name_en falls back to name"
        );
    }

    #[test]
    fn duplicates_unknown_parents_and_loops_are_reported_by_line() {
        let text = "code,name,parent\na,A,\nb,B,a\na,A again,\nc,C,zz\nd,D,e\ne,E,d\n";
        let errors = lines(check(parse_csv(text).unwrap(), &Existing::default()));
        assert_eq!(errors[0].0, Some(4), "{errors:?}");
        assert!(errors[0].1.contains("defined twice (first on line 2)"));
        assert_eq!(errors[1].0, Some(5));
        assert!(errors[1].1.contains("parent `zz`"));
        assert_eq!(errors[2].0, Some(6));
        assert!(errors[2].1.contains("parent loop"));
    }

    #[test]
    fn a_link_loop_is_reported_at_a_link_of_the_loop() {
        let text = r#"
[[chains]]
code = "demo"
name_zh = "示例"
name_en = "Demo"
links = [
  ["a", "b"],
  ["b", "a"],
]

[[categories]]
code = "a"
name_zh = "甲"
name_en = "A"

[[categories]]
code = "b"
name_zh = "乙"
name_en = "B"
"#;
        let errors = lines(check(parse_toml(text).unwrap(), &Existing::default()));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, Some(7));
        assert!(errors[0].1.contains("loop"), "{errors:?}");
    }

    #[test]
    fn codes_already_stored_are_refused() {
        let existing = Existing {
            categories: vec![(CategoryCode::parse("a").unwrap(), None)],
            ..Existing::default()
        };
        let errors = lines(check(
            parse_csv("code,name,parent\na,A,\nb,B,a\n").unwrap(),
            &existing,
        ));
        assert_eq!(
            errors,
            [(Some(2), "category `a` exists already".to_owned())]
        );
    }

    #[test]
    fn malformed_toml_names_its_line() {
        let errors = parse_toml("[[categories]]\ncode = \"a\"\nname_zh = \n")
            .unwrap_err()
            .0;
        assert_eq!(errors[0].line, Some(3), "{errors:?}");
    }
}
