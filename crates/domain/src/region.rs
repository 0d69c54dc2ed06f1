//! Administrative regions (GB/T 2260) and the home province.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What [`RegionCode::parse`] accepts, as the OpenAPI document publishes it.
pub const REGION_CODE_PATTERN: &str = "^[0-9]{6}$";

/// A six-digit GB/T 2260 administrative division code such as `420606` (Fancheng district,
/// Xiangyang). The first two digits name the province, the next two the prefecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode([u8; 6]);

impl RegionCode {
    /// Parses a code of exactly six ASCII digits.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bytes: [u8; 6] = raw
            .as_bytes()
            .try_into()
            .map_err(|_| DomainError::InvalidRegionCode(crate::error::shown(raw)))?;
        if bytes.iter().all(u8::is_ascii_digit) {
            Ok(Self(bytes))
        } else {
            Err(DomainError::InvalidRegionCode(crate::error::shown(raw)))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The constructor admits ASCII digits only, so the bytes are always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The province this region lies in.
    pub fn province(&self) -> ProvinceCode {
        ProvinceCode([self.0[0], self.0[1]])
    }

    /// Whether two regions lie in the same prefecture-level unit. County-level units directly
    /// under a province (`xx90xx`, such as Xiantao 429004) are their own prefecture.
    pub fn same_prefecture(&self, other: &Self) -> bool {
        let direct = |code: &Self| code.0[2] == b'9' && code.0[3] == b'0';
        if direct(self) || direct(other) {
            self == other
        } else {
            self.0[..4] == other.0[..4]
        }
    }

    /// Whether the region lies in `province`.
    pub fn is_in(&self, province: ProvinceCode) -> bool {
        self.province() == province
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for RegionCode {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.as_str().to_owned()
    }
}

/// The two-digit province prefix of region codes: `42` is Hubei.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProvinceCode([u8; 2]);

impl ProvinceCode {
    /// Hubei, the province Peitao was first built for.
    pub const HUBEI: Self = Self(*b"42");

    /// Parses exactly two ASCII digits.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bytes: [u8; 2] = raw
            .as_bytes()
            .try_into()
            .map_err(|_| DomainError::InvalidProvinceCode(crate::error::shown(raw)))?;
        if bytes.iter().all(u8::is_ascii_digit) {
            Ok(Self(bytes))
        } else {
            Err(DomainError::InvalidProvinceCode(crate::error::shown(raw)))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for ProvinceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a region sits in the administrative hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    Prefecture,
    County,
}

impl RegionLevel {
    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Prefecture => "prefecture",
            Self::County => "county",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "province" => Ok(Self::Province),
            "prefecture" => Ok(Self::Prefecture),
            "county" => Ok(Self::County),
            other => Err(DomainError::InvalidRegionLevel(crate::error::shown(other))),
        }
    }
}

/// An administrative region with the point of its seat, used for proximity.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub parent_code: Option<RegionCode>,
    pub level: RegionLevel,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digit_codes_parse_and_know_their_province() {
        let fancheng = RegionCode::parse("420606").unwrap();
        assert_eq!(fancheng.as_str(), "420606");
        assert_eq!(fancheng.province(), ProvinceCode::HUBEI);
        assert!(fancheng.is_in(ProvinceCode::HUBEI));
        let beijing = RegionCode::parse("110101").unwrap();
        assert!(!beijing.is_in(ProvinceCode::HUBEI));
    }

    #[test]
    fn prefectures_compare_by_their_four_digits_and_direct_units_alone() {
        let code = |raw| RegionCode::parse(raw).unwrap();
        assert!(code("420606").same_prefecture(&code("420607")));
        assert!(!code("420606").same_prefecture(&code("420111")));
        assert!(code("429004").same_prefecture(&code("429004")));
        assert!(!code("429004").same_prefecture(&code("429005")));
    }

    #[test]
    fn the_published_pattern_agrees_with_the_parser() {
        let pattern = regex::Regex::new(REGION_CODE_PATTERN).unwrap();
        for raw in [
            "420606",
            "",
            "42060",
            "4206066",
            "42O606",
            "４２０６０６",
            "42060\n",
            "-42060",
        ] {
            assert_eq!(
                pattern.is_match(raw),
                RegionCode::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn malformed_region_codes_are_rejected() {
        for raw in ["", "42060", "4206066", "42O606", "４２０６０６", "-42060"] {
            assert_eq!(
                RegionCode::parse(raw),
                Err(DomainError::InvalidRegionCode(crate::error::shown(raw))),
                "{raw:?} should be rejected"
            );
        }
    }

    #[test]
    fn province_codes_are_two_digits() {
        assert_eq!(ProvinceCode::parse("42").unwrap(), ProvinceCode::HUBEI);
        assert!(ProvinceCode::parse("4").is_err());
        assert!(ProvinceCode::parse("4a").is_err());
    }

    #[test]
    fn region_levels_round_trip() {
        for level in [
            RegionLevel::Province,
            RegionLevel::Prefecture,
            RegionLevel::County,
        ] {
            assert_eq!(RegionLevel::parse(level.as_str()).unwrap(), level);
        }
        assert!(RegionLevel::parse("village").is_err());
    }
}
