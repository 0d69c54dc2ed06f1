//! `regions.csv`: `code,name,parent_code,level,longitude,latitude`, one GB/T 2260 division a row.

use peitao_domain::{Region, RegionCode, RegionLevel};

use super::{ImportErrors, Problems, csv_reader, readable_records, require_headers};

/// The regions shipped with Peitao (derived by `scripts/regions/`).
pub const BUILT_IN: &str = include_str!("../../../../reference/regions.csv");

/// Parses the file; parents must come before their children, as the file is sorted by code.
pub fn parse(text: &str) -> Result<Vec<Region>, ImportErrors> {
    let mut reader = csv_reader(text);
    let [code, name, parent, level, longitude, latitude] = require_headers(
        &mut reader,
        [
            "code",
            "name",
            "parent_code",
            "level",
            "longitude",
            "latitude",
        ],
    )?;
    let mut problems = Problems::default();
    let mut regions = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, record) in readable_records(&mut reader, &mut problems) {
        let field = |index: usize| record.get(index).unwrap_or_default();
        let parsed = (|| -> Result<Region, String> {
            let code = RegionCode::parse(field(code)).map_err(|err| err.to_string())?;
            let parent_code = match field(parent) {
                "" => None,
                raw => Some(RegionCode::parse(raw).map_err(|err| err.to_string())?),
            };
            if let Some(parent) = parent_code
                && !seen.contains(&parent)
            {
                return Err(format!("parent {parent} does not come earlier in the file"));
            }
            Ok(Region {
                code,
                name: field(name).to_owned(),
                parent_code,
                level: RegionLevel::parse(field(level)).map_err(|err| err.to_string())?,
                longitude: coordinate(field(longitude), -180.0..=180.0)?,
                latitude: coordinate(field(latitude), -90.0..=90.0)?,
            })
        })();
        match parsed {
            Ok(region) => {
                if !seen.insert(region.code) {
                    problems.push(line, format!("region {} appears twice", region.code));
                }
                regions.push(region);
            }
            Err(message) => problems.push(line, message),
        }
    }
    problems.finish(regions)
}

fn coordinate(raw: &str, range: std::ops::RangeInclusive<f64>) -> Result<Option<f64>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    let value: f64 = raw
        .parse()
        .map_err(|_| format!("coordinate `{raw}` is not a number"))?;
    if range.contains(&value) {
        Ok(Some(value))
    } else {
        Err(format!("coordinate {value} is out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_holds_all_of_china_with_hubei_complete() {
        let regions = parse(BUILT_IN).unwrap();
        assert!(regions.len() > 3000, "{}", regions.len());
        let find = |code: &str| regions.iter().find(|r| r.code.as_str() == code).unwrap();
        assert_eq!(find("420606").name, "樊城区");
        assert_eq!(find("429004").parent_code.unwrap().as_str(), "420000");
        assert_eq!(find("420882").level, RegionLevel::County);
        assert!(
            regions
                .iter()
                .all(|r| r.longitude.is_some() && r.latitude.is_some())
        );
    }

    #[test]
    fn bad_rows_are_reported_with_their_lines() {
        let text = "code,name,parent_code,level,longitude,latitude\n\
                    420000,湖北省,,province,114.3,30.5\n\
                    420600,襄阳市,429999,prefecture,112.1,32.0\n\
                    42060X,樊城区,420000,county,112.1,32.0\n\
                    420000,湖北省,,province,114.3,30.5\n";
        let errors = parse(text).unwrap_err().0;
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)], "{errors:?}");
    }
}
