//! `parks.csv`: `code,name_zh,name_en,region_code,level,kind,lead_industries,source`.

use std::collections::HashSet;

use peitao_domain::{NewPark, ParkKind, ParkLevel, RegionCode};

use super::{ImportErrors, Problems, csv_reader, readable_records, require_headers};

/// Hubei's development zones, shipped with Peitao.
pub const BUILT_IN: &str = include_str!("../../../../reference/parks.csv");

/// Parses the file. `lead_industries` is a `;`-separated list of chain codes.
pub fn parse(text: &str) -> Result<Vec<NewPark>, ImportErrors> {
    let mut reader = csv_reader(text);
    let [
        code,
        name_zh,
        name_en,
        region,
        level,
        kind,
        industries,
        source,
    ] = require_headers(
        &mut reader,
        [
            "code",
            "name_zh",
            "name_en",
            "region_code",
            "level",
            "kind",
            "lead_industries",
            "source",
        ],
    )?;
    let mut problems = Problems::default();
    let mut parks = Vec::new();
    let mut seen = HashSet::new();
    for (line, record) in readable_records(&mut reader, &mut problems) {
        let field = |index: usize| record.get(index).unwrap_or_default().to_owned();
        let region_code = match RegionCode::parse(&field(region)) {
            Ok(code) => code,
            Err(err) => {
                problems.push(line, err.to_string());
                continue;
            }
        };
        let (park_level, park_kind) = match (
            ParkLevel::parse(&field(level)),
            ParkKind::parse(&field(kind)),
        ) {
            (Ok(level), Ok(kind)) => (level, kind),
            (Err(err), _) | (_, Err(err)) => {
                problems.push(line, err.to_string());
                continue;
            }
        };
        let park_code = field(code);
        if park_code.is_empty() || !seen.insert(park_code.clone()) {
            problems.push(
                line,
                format!("park code `{park_code}` is empty or repeated"),
            );
        }
        parks.push(NewPark {
            code: park_code,
            name_zh: field(name_zh),
            name_en: field(name_en),
            region_code,
            level: park_level,
            kind: park_kind,
            lead_industries: field(industries)
                .split(';')
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            source: field(source),
        });
    }
    problems.finish(parks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_parks_include_hubeis_national_high_tech_zones() {
        let parks = parse(BUILT_IN).unwrap();
        let national_high_tech = parks
            .iter()
            .filter(|park| park.level == ParkLevel::National && park.kind == ParkKind::HighTech)
            .count();
        assert_eq!(national_high_tech, 12);
        assert!(
            parks
                .iter()
                .all(|park| park.region_code.as_str().starts_with("42"))
        );
    }
}
