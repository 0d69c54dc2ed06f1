//! Reading taxonomy files into a [`TaxonomyFile`], with the line of every entry.

use peitao_domain::{Category, CategoryCode, ChainLink};
use serde::Deserialize;
use toml::Spanned;

use super::{ChainEntry, Line, TaxonomyFile};
use crate::import::{
    ImportError, ImportErrors, Problems, csv_reader, optional_header, readable_records,
    require_headers, strip_bom,
};

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
    for (line, record) in readable_records(&mut reader, &mut problems) {
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
    let name = |label: &str, raw: &str| {
        peitao_domain::text::CATEGORY_NAME
            .parse(raw)
            .map_err(|err| format!("category `{code}`, {label}: {err}"))
    };
    Ok(Category {
        name_zh: name("name", &name_zh)?,
        name_en: name("name_en", &name_en)?,
        code,
        parent_code,
        reference,
    })
}
