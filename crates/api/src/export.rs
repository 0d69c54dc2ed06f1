//! Tables as files: CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) and
//! XLSX workbooks with one sheet a table, the format officials file their reports in.

use actix_web::{HttpRequest, HttpResponse, http::header};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The form of a statistics answer: JSON unless `format` or `Accept` asks for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    /// `format` when given; otherwise the first of CSV or XLSX that `Accept` names; else JSON.
    pub fn chosen(req: &HttpRequest, format: Option<Format>) -> Format {
        if let Some(format) = format {
            return format;
        }
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if accept.contains("text/csv") {
            Format::Csv
        } else if accept.contains(XLSX) {
            Format::Xlsx
        } else {
            Format::Json
        }
    }
}

/// A table: a name (the sheet's, the file's), headers, and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub name: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell: text, a whole number, or a decimal (rates, which may be absent).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Number(Option<f64>),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}
impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}
impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}
impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Self {
        Cell::Number(value)
    }
}

/// Text a spreadsheet would read as a formula is quoted with a leading apostrophe (CSV injection).
fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The tables as one CSV file: each table's headers then rows, tables apart by an empty line.
pub fn csv_response(tables: &[Table], file: &str) -> Result<HttpResponse, ApiError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    let internal = |err: csv::Error| {
        tracing::error!(%err, "writing CSV");
        ApiError::Internal
    };
    for (position, table) in tables.iter().enumerate() {
        if position > 0 {
            writer.write_record([""; 0]).map_err(internal)?;
        }
        writer.write_record(&table.headers).map_err(internal)?;
        for row in &table.rows {
            writer
                .write_record(row.iter().map(|cell| match cell {
                    Cell::Text(text) => csv_text(text),
                    Cell::Int(value) => value.to_string(),
                    Cell::Number(Some(value)) => format!("{value:.6}"),
                    Cell::Number(None) => String::new(),
                }))
                .map_err(internal)?;
        }
    }
    let bytes = writer.into_inner().map_err(|err| {
        tracing::error!(%err, "writing CSV");
        ApiError::Internal
    })?;
    Ok(HttpResponse::Ok()
        .content_type(CSV)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}.csv\""),
        ))
        .body(bytes))
}

/// The tables as an XLSX workbook, one sheet each.
pub fn xlsx_response(tables: &[Table], file: &str) -> Result<HttpResponse, ApiError> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let internal = |err: rust_xlsxwriter::XlsxError| {
        tracing::error!(%err, "writing XLSX");
        ApiError::Internal
    };
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let percent = CellFormat::new().set_num_format("0.00%");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.name).map_err(internal)?;
        for (column, title) in table.headers.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            sheet
                .write_string_with_format(0, column, *title, &bold)
                .map_err(internal)?;
            sheet.set_column_width(column, 16).map_err(internal)?;
        }
        for (row_index, row) in table.rows.iter().enumerate() {
            let at = u32::try_from(row_index + 1).unwrap_or(u32::MAX);
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string(at, column, text).map_err(internal)?;
                    }
                    Cell::Int(value) => {
                        sheet
                            .write_number(at, column, *value as f64)
                            .map_err(internal)?;
                    }
                    Cell::Number(Some(value)) => {
                        sheet
                            .write_number_with_format(at, column, *value, &percent)
                            .map_err(internal)?;
                    }
                    Cell::Number(None) => {}
                }
            }
        }
    }
    let bytes = workbook.save_to_buffer().map_err(internal)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}.xlsx\""),
        ))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_quoted_and_numbers_are_not() {
        let table = Table {
            name: "t".into(),
            headers: vec!["name", "value"],
            rows: vec![
                vec!["=HYPERLINK(\"x\")".into(), Cell::Int(-5)],
                vec!["襄阳".into(), Cell::Number(Some(0.25))],
            ],
        };
        let response = csv_response(&[table], "t").unwrap();
        let body = response.into_body().try_into_bytes().unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        assert_eq!(
            text,
            "\u{feff}name,value\n\"'=HYPERLINK(\"\"x\"\")\",-5\n襄阳,0.250000\n"
        );
    }
}
