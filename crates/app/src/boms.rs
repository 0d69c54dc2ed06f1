//! Bills of materials: a lead enterprise uploads what it buys today (CSV or XLSX), and sees for
//! each line the best in-province candidates the matching engine finds, with the supporting rate
//! it would reach if the lines that have one were sourced from them.

use std::collections::{HashMap, HashSet};

use peitao_domain::{
    Bom, BomId, BomLine, BomSummary, CategoryCode, MAX_BOM_LINES, NeedId, OrganizationId, Role,
    Visibility, text,
};
use peitao_matching::{NeedFacts, RankOptions, SupplierMatch};
use peitao_store::{Page, PageRequest, Store};
use time::{Duration, OffsetDateTime};

use crate::{
    AppError,
    import::{ImportError, ImportErrors, Problems, csv_reader, readable_records, require_headers},
    matching::MatchingEngine,
    needs::Actor,
};

/// The columns of a bill of materials, in this order in the template.
pub const HEADERS: [&str; 4] = [
    "category_code",
    "description",
    "annual_value_fen",
    "current_supplier_region",
];

/// The largest annual value one line may state: ten trillion yuan.
pub const MAX_ANNUAL_VALUE_FEN: u64 = 1_000_000_000_000_000;

/// The file formats a bill of materials comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BomFormat {
    /// UTF-8 CSV, with or without a byte-order mark.
    Csv,
    /// An Excel workbook: the first sheet, first row the headers.
    Xlsx,
}

/// What the lines are checked against.
#[derive(Debug, Default)]
pub struct BomLookups {
    pub categories: HashSet<CategoryCode>,
    pub regions: HashSet<peitao_domain::RegionCode>,
}

impl BomLookups {
    pub async fn load(store: &Store) -> Result<Self, AppError> {
        Ok(Self {
            categories: store
                .category_parents()
                .await?
                .into_iter()
                .map(|(code, _)| code)
                .collect(),
            regions: store.region_levels().await?.into_keys().collect(),
        })
    }
}

/// The cells of a file as text rows, each with its 1-based line (the header is line 1).
fn rows(bytes: &[u8], format: BomFormat) -> Result<Vec<(u64, Vec<String>)>, ImportErrors> {
    match format {
        BomFormat::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|err| {
                ImportErrors(vec![ImportError::whole_file(format!(
                    "the file is not UTF-8 text (byte {}); save it as CSV UTF-8",
                    err.valid_up_to()
                ))])
            })?;
            let mut reader = csv_reader(text);
            let positions = require_headers(&mut reader, HEADERS)?;
            let mut problems = Problems::default();
            let records = readable_records(&mut reader, &mut problems);
            problems.finish(())?;
            Ok(records
                .into_iter()
                .map(|(line, record)| {
                    (
                        line,
                        positions
                            .iter()
                            .map(|&at| record.get(at).unwrap_or_default().to_owned())
                            .collect(),
                    )
                })
                .collect())
        }
        BomFormat::Xlsx => xlsx_rows(bytes),
    }
}

/// The most a workbook may hold once unzipped: a bill of materials of the most lines allowed
/// fits many times over, a zip bomb does not.
pub const MAX_XLSX_UNZIPPED_BYTES: u128 = 64 * 1024 * 1024;

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, ImportErrors> {
    use calamine::{Data, Reader, Xlsx};
    let whole = |message: String| ImportErrors(vec![ImportError::whole_file(message)]);
    // The sizes the zip directory declares, before anything is inflated.
    let unreadable = |err: zip::result::ZipError| {
        whole(format!("the file is not a readable XLSX workbook: {err}"))
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut unzipped: u128 = 0;
    for entry in 0..archive.len() {
        unzipped += u128::from(archive.by_index_raw(entry).map_err(unreadable)?.size());
    }
    if unzipped > MAX_XLSX_UNZIPPED_BYTES {
        return Err(whole(format!(
            "the workbook unzips to more than {} MiB; save a smaller one or send CSV",
            MAX_XLSX_UNZIPPED_BYTES / 1024 / 1024
        )));
    }
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|err| whole(format!("the file is not a readable XLSX workbook: {err}")))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| whole("the workbook has no sheet".into()))?
        .map_err(|err| whole(format!("the first sheet cannot be read: {err}")))?;
    let cell = |data: &Data| match data {
        Data::Empty => String::new(),
        Data::String(text) => text.trim().to_owned(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => {
            format!("{value:.0}")
        }
        Data::Float(value) => value.to_string(),
        Data::Bool(value) => value.to_string(),
        other => other.to_string(),
    };
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut lines = range.rows().enumerate().map(|(offset, row)| {
        (
            u64::from(first_row) + offset as u64 + 1,
            row.iter().map(cell).collect::<Vec<String>>(),
        )
    });
    let Some((header_line, headers)) = lines.next() else {
        return Err(whole("the first sheet is empty".into()));
    };
    let mut positions = Vec::new();
    let mut missing = Vec::new();
    for name in HEADERS {
        match headers
            .iter()
            .position(|header| header.eq_ignore_ascii_case(name))
        {
            Some(at) => positions.push(at),
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(ImportErrors(vec![ImportError::at(
            header_line,
            format!(
                "the header row lacks {}; it must name {}",
                missing.join(", "),
                HEADERS.join(",")
            ),
        )]));
    }
    Ok(lines
        .filter(|(_, cells)| cells.iter().any(|cell| !cell.is_empty()))
        .map(|(line, cells)| {
            (
                line,
                positions
                    .iter()
                    .map(|&at| cells.get(at).cloned().unwrap_or_default())
                    .collect(),
            )
        })
        .collect())
}

/// Reads and checks every line; all problems are reported with their lines, and nothing is kept
/// unless the whole file is good.
pub fn parse(
    bytes: &[u8],
    format: BomFormat,
    lookups: &BomLookups,
) -> Result<Vec<BomLine>, ImportErrors> {
    let rows = rows(bytes, format)?;
    let mut problems = Problems::default();
    if rows.is_empty() {
        return Err(ImportErrors(vec![ImportError::whole_file(
            "the file has a header row and no lines; list at least one category bought",
        )]));
    }
    if rows.len() > MAX_BOM_LINES {
        return Err(ImportErrors(vec![ImportError::whole_file(format!(
            "the file has {} lines; a bill of materials may have at most {MAX_BOM_LINES}",
            rows.len()
        ))]));
    }
    let mut lines = Vec::with_capacity(rows.len());
    for (line, cells) in rows {
        let [category, description, value, region] = [0, 1, 2, 3].map(|at| cells[at].as_str());
        let category_code = match CategoryCode::parse(category) {
            Ok(code) if lookups.categories.contains(&code) => Some(code),
            Ok(code) => {
                problems.push(line, format!("category_code: no category `{code}`"));
                None
            }
            Err(err) => {
                problems.push(line, format!("category_code: {err}"));
                None
            }
        };
        let description = match text::BOM_DESCRIPTION.parse(description) {
            Ok(description) => Some(description),
            Err(err) => {
                problems.push(line, err.to_string());
                None
            }
        };
        let annual_value_fen = match value.parse::<u64>() {
            Ok(value) if value <= MAX_ANNUAL_VALUE_FEN => Some(value),
            _ => {
                problems.push(
                    line,
                    format!(
                        "annual_value_fen: `{}` is not a whole number of fen from 0 to \
                         {MAX_ANNUAL_VALUE_FEN}",
                        peitao_domain::shown(value)
                    ),
                );
                None
            }
        };
        let region = match peitao_domain::RegionCode::parse(region) {
            Ok(code) if lookups.regions.contains(&code) => Some(code),
            Ok(code) => {
                problems.push(
                    line,
                    format!("current_supplier_region: no region `{code}` (a GB/T 2260 code)"),
                );
                None
            }
            Err(err) => {
                problems.push(line, format!("current_supplier_region: {err}"));
                None
            }
        };
        if let (Some(category_code), Some(description), Some(annual_value_fen), Some(region)) =
            (category_code, description, annual_value_fen, region)
        {
            lines.push(BomLine {
                line_no: u32::try_from(line).unwrap_or(u32::MAX),
                category_code,
                description,
                annual_value_fen,
                current_supplier_region: region,
            });
        }
    }
    problems.finish(lines)
}

fn own_lead(actor: &Actor) -> Result<OrganizationId, AppError> {
    match (actor.role, actor.organization) {
        (Role::Lead, Some(organization)) => Ok(organization),
        _ => Err(AppError::Forbidden(
            "bills of materials are a lead enterprise's own".into(),
        )),
    }
}

/// A lead enterprise uploads a bill of materials; it becomes its baseline.
pub async fn upload(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    format: BomFormat,
) -> Result<Bom, AppError> {
    let lead = own_lead(actor)?;
    let name = text::BOM_NAME.parse(name)?;
    let lookups = BomLookups::load(store).await?;
    let lines = parse(bytes, format, &lookups).map_err(AppError::Import)?;
    Ok(store
        .insert_bom(
            lead,
            Some(actor.user),
            &name,
            &lines,
            engine.settings().home_province,
        )
        .await?)
}

/// A bill of materials its owner, its lead's park administrator or a platform administrator may
/// read; anyone else gets 404.
pub async fn get(store: &Store, actor: &Actor, id: BomId) -> Result<Bom, AppError> {
    let missing = || AppError::not_found(format!("bill of materials {id}"));
    let bom = match store.bom(id).await {
        Ok(bom) => bom,
        Err(peitao_store::StoreError::NotFound) => return Err(missing()),
        Err(other) => return Err(other.into()),
    };
    let allowed = match actor.role {
        Role::PlatformAdmin => true,
        Role::Lead => actor.organization == Some(bom.organization),
        Role::ParkAdmin => {
            actor.park.is_some()
                && store.organization(bom.organization).await?.park_id == actor.park
        }
        Role::Sme => false,
    };
    if allowed { Ok(bom) } else { Err(missing()) }
}

/// A lead's own bills of materials, newest first; platform administrators see every lead's.
pub async fn list(
    store: &Store,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<BomSummary>, AppError> {
    let organization = match actor.role {
        Role::PlatformAdmin => None,
        _ => Some(own_lead(actor)?),
    };
    Ok(store.list_boms(organization, page).await?)
}

/// The most in-province candidates shown per line.
pub const CANDIDATES_PER_LINE: usize = 3;

/// One line with its best in-province candidates.
#[derive(Debug, Clone)]
pub struct LineCoverage {
    pub line: BomLine,
    pub in_province_now: bool,
    pub candidates: Vec<SupplierMatch>,
}

/// A bill of materials' coverage by in-province suppliers.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub bom: Bom,
    pub lines: Vec<LineCoverage>,
    pub total_value_fen: u64,
    pub in_province_value_fen: u64,
    /// Out-of-province lines' value that has at least one in-province candidate.
    pub movable_value_fen: u64,
    /// The candidates' names and counties.
    pub suppliers: HashMap<OrganizationId, (String, peitao_domain::RegionCode)>,
}

impl Coverage {
    /// The share sourced in province today.
    pub fn current_rate(&self) -> Option<f64> {
        rate(self.in_province_value_fen, self.total_value_fen)
    }

    /// The share if every line with an in-province candidate were sourced from it.
    pub fn potential_rate(&self) -> Option<f64> {
        rate(
            self.in_province_value_fen + self.movable_value_fen,
            self.total_value_fen,
        )
    }
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Each line of a bill of materials with the best in-province suppliers for its category,
/// delivered to the lead's county, as the matching engine ranks them for a public need.
pub async fn coverage(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    id: BomId,
) -> Result<Coverage, AppError> {
    let bom = get(store, actor, id).await?;
    let lead = store.organization(bom.organization).await?;
    let home = engine.settings().home_province;
    let deadline = (OffsetDateTime::now_utc() + Duration::days(30)).date();
    let mut found: HashMap<CategoryCode, Vec<SupplierMatch>> = HashMap::new();
    let options = RankOptions {
        limit: CANDIDATES_PER_LINE,
        min_score: None,
        in_province: Some(true),
    };
    engine.read(|index| {
        for line in &bom.lines {
            found.entry(line.category_code.clone()).or_insert_with(|| {
                let facts = NeedFacts {
                    id: NeedId(0),
                    lead: bom.organization,
                    category: line.category_code.clone(),
                    quantity: 0,
                    unit: String::new(),
                    required_certifications: Vec::new(),
                    deadline,
                    delivery_county: lead.region_code,
                    visibility: Visibility::Public,
                    invited: Vec::new(),
                };
                index.rank_suppliers(&facts, &options)
            });
        }
    });
    let mut total = 0;
    let mut local = 0;
    let mut movable = 0;
    let lines = bom
        .lines
        .iter()
        .map(|line| {
            let in_province_now = line.in_province(home);
            let candidates = found.get(&line.category_code).cloned().unwrap_or_default();
            total += line.annual_value_fen;
            if in_province_now {
                local += line.annual_value_fen;
            } else if !candidates.is_empty() {
                movable += line.annual_value_fen;
            }
            LineCoverage {
                line: line.clone(),
                in_province_now,
                candidates,
            }
        })
        .collect();
    let ids: Vec<OrganizationId> = found
        .values()
        .flatten()
        .map(|candidate| candidate.supplier)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let suppliers = store.organization_labels(&ids).await?;
    Ok(Coverage {
        bom,
        suppliers,
        lines,
        total_value_fen: total,
        in_province_value_fen: local,
        movable_value_fen: movable,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_workbook_that_unzips_too_large_is_refused_before_it_is_read() {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut archive = zip::ZipWriter::new(&mut buffer);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        archive
            .start_file("xl/worksheets/sheet1.xml", stored)
            .unwrap();
        let megabyte = vec![b' '; 1024 * 1024];
        for _ in 0..=(MAX_XLSX_UNZIPPED_BYTES / 1024 / 1024) {
            archive.write_all(&megabyte).unwrap();
        }
        archive.finish().unwrap();
        let errors = rows(buffer.get_ref(), BomFormat::Xlsx).unwrap_err();
        assert!(
            errors.to_string().contains("unzips to more than"),
            "{errors}"
        );
    }

    #[test]
    fn a_csv_bill_reports_every_bad_line() {
        let lookups = BomLookups {
            categories: [CategoryCode::parse("auto.part").unwrap()].into(),
            regions: [peitao_domain::RegionCode::parse("420606").unwrap()].into(),
        };
        let text = "category_code,description,annual_value_fen,current_supplier_region\n\
                    auto.part,ok,1,420606\n\
                    auto.part,,1,420606\n\
                    auto.part,ok,1.5,420606\n";
        let errors = parse(text.as_bytes(), BomFormat::Csv, &lookups).unwrap_err();
        let lines: Vec<Option<u64>> = errors.0.iter().map(|error| error.line).collect();
        assert_eq!(lines, [Some(3), Some(4)], "{errors}");
    }
}
