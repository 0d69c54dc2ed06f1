//! Taxonomy files: Peitao's curated TOML (`reference/taxonomy.toml`: chains with their links and
//! a category forest) or a plain CSV `code,name,parent[,name_en]` for users who bring their own
//! classification (HS, GB/T 4754, in-house). Checked whole before anything is stored: a
//! duplicate code, an unknown parent, a loop of parents or of chain links is reported with its
//! line number.

mod check;
mod parse;

use std::collections::HashSet;

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain};

pub use check::check;
pub use parse::{parse_csv, parse_toml};

use super::{ImportError, ImportErrors};
use crate::AppError;

/// The taxonomy shipped with Peitao.
pub const BUILT_IN: &str = include_str!("../../../../../reference/taxonomy.toml");

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

/// Parses, checks against what is stored, and stores a taxonomy file, all or nothing.
pub async fn import(
    store: &peitao_store::Store,
    text: &str,
    format: Format,
) -> Result<peitao_store::TaxonomyCounts, AppError> {
    let file = match format {
        Format::Toml => parse_toml(text),
        Format::Csv => parse_csv(text),
    }
    .map_err(AppError::Import)?;
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
        return Err(AppError::Import(ImportErrors(vec![
            ImportError::whole_file("the file holds no categories and no chains"),
        ])));
    }
    let checked = check(file, &existing).map_err(AppError::Import)?;
    Ok(store
        .import_taxonomy(&checked.categories, &checked.chains)
        .await?)
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
    fn lines_are_counted_alike_with_crlf_endings() {
        for ending in ["\n", "\r\n"] {
            let text = ["code,name,parent", "x,X,", "y,Y,nowhere", ""].join(ending);
            let found = lines(check(parse_csv(&text).unwrap(), &Existing::default()));
            assert_eq!(
                found.first().map(|(line, _)| *line),
                Some(Some(3)),
                "{ending:?}"
            );
        }
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
