//! Importing reference data and suppliers from files: regions, the taxonomy (Peitao's TOML or a
//! plain CSV), parks and supplier organisations. Every importer reports problems with their line
//! numbers and stores nothing unless the whole file is good.

pub mod bootstrap;
pub mod parks;
pub mod regions;
pub mod suppliers;
pub mod taxonomy;

use std::fmt;

/// One problem in an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The 1-based line the problem is on, when it has one.
    pub line: Option<u64>,
    pub message: String,
}

impl ImportError {
    pub fn at(line: u64, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn whole_file(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a file; nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportErrors(pub Vec<ImportError>);

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().take(20).map(ToString::to_string).collect();
        write!(f, "{}", shown.join("; "))?;
        if self.0.len() > 20 {
            write!(f, "; and {} more", self.0.len() - 20)?;
        }
        Ok(())
    }
}

/// Collects problems while reading a file, so a user sees all of them at once.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<ImportError>);

impl Problems {
    pub(crate) fn push(&mut self, line: u64, message: impl Into<String>) {
        self.0.push(ImportError::at(line, message));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no problem was recorded.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, ImportErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort_by_key(|error| error.line);
            Err(ImportErrors(self.0))
        }
    }
}

/// Text without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A CSV reader over `text` that trims fields and accepts a BOM.
pub(crate) fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        // Records end at `\n` alone: the reader's line count is then right for CRLF files too
        // (saved on Windows, or sent by a browser form), and trimming drops the `\r`.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(strip_bom(text).as_bytes())
}

/// The headers of a CSV file, checked against the required names; returns their positions.
pub(crate) fn require_headers<const N: usize>(
    reader: &mut csv::Reader<&[u8]>,
    required: [&str; N],
) -> Result<[usize; N], ImportErrors> {
    let headers = reader.headers().map_err(|err| {
        ImportErrors(vec![ImportError::at(
            1,
            format!("the header row cannot be read: {err}"),
        )])
    })?;
    let mut positions = [0; N];
    let mut missing = Vec::new();
    for (slot, name) in positions.iter_mut().zip(required) {
        match headers
            .iter()
            .position(|header| header.eq_ignore_ascii_case(name))
        {
            Some(position) => *slot = position,
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(ImportErrors(vec![ImportError::at(
            1,
            format!(
                "the header row lacks {}; it must name {}",
                missing.join(", "),
                required.join(",")
            ),
        )]))
    }
}

/// The position of an optional header.
pub(crate) fn optional_header(reader: &mut csv::Reader<&[u8]>, name: &str) -> Option<usize> {
    reader.headers().ok().and_then(|headers| {
        headers
            .iter()
            .position(|header| header.eq_ignore_ascii_case(name))
    })
}

/// Every readable record of a CSV file with the line it starts on; an unreadable row (a wrong
/// number of fields, bad quoting, invalid UTF-8) becomes a problem on its line instead.
pub(crate) fn readable_records(
    reader: &mut csv::Reader<&[u8]>,
    problems: &mut Problems,
) -> Vec<(u64, csv::StringRecord)> {
    let mut records = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                records.push((line, record));
            }
            Err(err) => problems.push(
                err.position().map_or(0, csv::Position::line),
                format!("unreadable row: {err}"),
            ),
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_with_their_lines() {
        let errors = ImportErrors(vec![
            ImportError::at(3, "duplicate code `a`"),
            ImportError::whole_file("empty file"),
        ]);
        assert_eq!(errors.to_string(), "line 3: duplicate code `a`; empty file");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert_eq!(strip_bom("\u{feff}code,name"), "code,name");
        assert_eq!(strip_bom("code,name"), "code,name");
    }
}
