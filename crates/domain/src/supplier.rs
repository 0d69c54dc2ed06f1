//! What a supplier can make (capabilities) and prove (certifications).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{CategoryCode, DomainError};

/// The most capabilities one supplier may declare.
pub const MAX_CAPABILITIES: usize = 200;
/// The most processes one capability may list.
pub const MAX_PROCESSES: usize = 20;
/// The largest annual capacity accepted: what the database stores as a signed 64-bit integer.
pub const MAX_CAPACITY: u64 = i64::MAX as u64;

/// A category the supplier can make, with its annual capacity. Built only by [`Capability::new`],
/// so every one holds a positive capacity that fits the database, a unit and at most
/// [`MAX_PROCESSES`] processes, each under the text rules. A process is one name: it may contain
/// any visible character, `;` included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    category_code: CategoryCode,
    annual_capacity: u64,
    unit: String,
    processes: Vec<String>,
}

impl Capability {
    /// The one way to a capability: checks capacity, unit and processes (trimming the texts).
    pub fn new(
        category_code: CategoryCode,
        annual_capacity: u64,
        unit: &str,
        processes: Vec<String>,
    ) -> Result<Self, DomainError> {
        if annual_capacity == 0 || i64::try_from(annual_capacity).is_err() {
            return Err(DomainError::InvalidCapacity(annual_capacity.to_string()));
        }
        let unit = crate::text::UNIT.parse(unit)?;
        let processes = processes
            .iter()
            .map(|process| crate::text::PROCESS.parse(process))
            .collect::<Result<Vec<_>, _>>()?;
        if processes.len() > MAX_PROCESSES {
            return Err(DomainError::TooManyProcesses(MAX_PROCESSES));
        }
        Ok(Self {
            category_code,
            annual_capacity,
            unit,
            processes,
        })
    }

    /// The category it makes.
    pub fn category_code(&self) -> &CategoryCode {
        &self.category_code
    }

    /// How many [`unit`](Self::unit)s a year the supplier can deliver.
    pub fn annual_capacity(&self) -> u64 {
        self.annual_capacity
    }

    /// The unit of capacity, such as `pcs`, `sets` or `t`.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// Processes it runs for this category, such as `stamping` or `welding`.
    pub fn processes(&self) -> &[String] {
        &self.processes
    }
}

/// A certification kind such as `IATF16949`, `ISO9001` or `GMP`: upper-case letters, digits and
/// `-`, 2 to 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificationKind(String);

/// What [`CertificationKind::parse`] accepts: 2 to 32 letters, digits or `-`, single spaces
/// allowed between them.
pub const CERTIFICATION_KIND_PATTERN: &str = "^(?:[A-Za-z0-9-] ?){1,31}[A-Za-z0-9-]$";

static CERTIFICATION_KIND: std::sync::LazyLock<Option<regex::Regex>> =
    std::sync::LazyLock::new(|| regex::Regex::new(CERTIFICATION_KIND_PATTERN).ok());

impl CertificationKind {
    /// Parses a kind, upper-casing it and dropping spaces (`iso 9001` is `ISO9001`).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if CERTIFICATION_KIND
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(raw))
        {
            Ok(Self(raw.replace(' ', "").to_ascii_uppercase()))
        } else {
            Err(DomainError::InvalidCertificationKind(crate::error::shown(
                raw,
            )))
        }
    }

    /// The kind as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CertificationKind {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CertificationKind> for String {
    fn from(kind: CertificationKind) -> Self {
        kind.0
    }
}

/// A certificate the supplier holds. Built only by [`Certification::new`], so every one has a
/// number and ends after it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certification {
    kind: CertificationKind,
    number: String,
    valid_from: Date,
    valid_until: Date,
}

impl Certification {
    /// The one way to a certification: checks the number and that it ends after it starts.
    pub fn new(
        kind: CertificationKind,
        number: &str,
        valid_from: Date,
        valid_until: Date,
    ) -> Result<Self, DomainError> {
        let number = crate::text::CERTIFICATE_NUMBER.parse(number)?;
        if valid_until <= valid_from {
            return Err(DomainError::CertificateEndsBeforeItStarts);
        }
        Ok(Self {
            kind,
            number,
            valid_from,
            valid_until,
        })
    }

    /// What it certifies, such as `IATF16949`.
    pub fn kind(&self) -> &CertificationKind {
        &self.kind
    }

    /// The certificate's number.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The first day it is valid.
    pub fn valid_from(&self) -> Date {
        self.valid_from
    }

    /// The last day it is valid.
    pub fn valid_until(&self) -> Date {
        self.valid_until
    }

    /// Whether the certificate is valid on every day from `from` through `through`.
    pub fn covers(&self, from: Date, through: Date) -> bool {
        self.valid_from <= from && through <= self.valid_until
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn certification_kinds_are_normalised() {
        assert_eq!(
            CertificationKind::parse("iso 9001").unwrap().as_str(),
            "ISO9001"
        );
        assert_eq!(
            CertificationKind::parse("IATF16949").unwrap().as_str(),
            "IATF16949"
        );
        assert_eq!(
            CertificationKind::parse("ISO 9001").unwrap().as_str(),
            "ISO9001"
        );
        for raw in [
            "I",
            "ISO/9001",
            " ISO9001",
            "ISO9001 ",
            "ISO  9001",
            "\u{131}SO9001",
            "ISO\t9001",
            &"A".repeat(33),
        ] {
            assert!(CertificationKind::parse(raw).is_err(), "{raw:?}");
        }
        assert!(CertificationKind::parse(&("A ".repeat(31) + "A")).is_ok());
    }

    #[test]
    fn a_certificate_must_end_after_it_starts_and_covers_its_span() {
        let kind = CertificationKind::parse("ISO9001").unwrap();
        assert!(
            Certification::new(
                kind.clone(),
                "CN-1",
                date!(2026 - 01 - 01),
                date!(2025 - 01 - 01)
            )
            .is_err()
        );
        let cert =
            Certification::new(kind, "CN-1", date!(2025 - 01 - 01), date!(2028 - 01 - 01)).unwrap();
        assert!(cert.covers(date!(2026 - 06 - 01), date!(2027 - 12 - 31)));
        assert!(!cert.covers(date!(2026 - 06 - 01), date!(2028 - 01 - 02)));
    }

    #[test]
    fn capacity_must_be_positive_with_a_unit() {
        let code = CategoryCode::parse("auto.body.stamping").unwrap();
        assert!(Capability::new(code.clone(), 0, "pcs", vec![]).is_err());
        assert!(Capability::new(code.clone(), 10, " ", vec![]).is_err());
        assert_eq!(
            Capability::new(code.clone(), 10, " pcs ", vec![])
                .unwrap()
                .unit(),
            "pcs"
        );
        let welded = Capability::new(code, 10, "pcs", vec!["cut;weld".into()]).unwrap();
        assert_eq!(
            welded.processes(),
            ["cut;weld"],
            "a `;` is part of the name"
        );
    }
}
