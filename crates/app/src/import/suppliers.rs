//! Supplier organisations from CSV, with their capabilities and certifications.
//!
//! Columns (a header row names them; order is free): `name` and `region_code` are required;
//! `kind` (`sme` unless `lead`), `park_code`, `verified` (`true`/`false`), `capabilities` and
//! `certifications` are optional. A capability is `category:annual_capacity:unit[:process|…]`
//! and a certification `KIND:number:valid_from:valid_until` (dates `YYYY-MM-DD`); several are
//! separated by `;`.

use std::collections::{HashMap, HashSet};

use peitao_domain::{
    Capability, CategoryCode, Certification, CertificationKind, OrganizationId, OrganizationKind,
    ParkId, RegionCode, RegionLevel, parse_organization_name,
};
use peitao_store::{NewOrganization, Store, StoreError, SupplierRecord};
use time::Date;

use super::{
    ImportErrors, Problems, csv_reader, optional_header, readable_records, require_headers,
};
use crate::{AppError, suppliers::check_capability_list};

/// What the rows are checked against: regions, parks and categories as stored.
#[derive(Debug, Default)]
pub struct Lookups {
    pub regions: HashMap<RegionCode, RegionLevel>,
    /// Park code → id and host region.
    pub parks: HashMap<String, (ParkId, RegionCode)>,
    pub categories: HashSet<CategoryCode>,
}

impl Lookups {
    /// Reads the lookups from the store.
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        Ok(Self {
            regions: store.region_levels().await?,
            parks: store
                .all_parks()
                .await?
                .into_iter()
                .map(|park| (park.code, (park.id, park.region_code)))
                .collect(),
            categories: store
                .category_parents()
                .await?
                .into_iter()
                .map(|(code, _)| code)
                .collect(),
        })
    }
}

/// Parses, checks and stores a supplier file, all or nothing.
pub async fn import(store: &Store, text: &str) -> Result<Vec<OrganizationId>, AppError> {
    let lookups = Lookups::load(store).await?;
    let records = parse(text, &lookups).map_err(AppError::Import)?;
    Ok(store.import_organizations(&records).await?)
}

/// Parses and checks every row.
pub fn parse(text: &str, lookups: &Lookups) -> Result<Vec<SupplierRecord>, ImportErrors> {
    let mut reader = csv_reader(text);
    let [name, region] = require_headers(&mut reader, ["name", "region_code"])?;
    let kind = optional_header(&mut reader, "kind");
    let park = optional_header(&mut reader, "park_code");
    let verified = optional_header(&mut reader, "verified");
    let capabilities = optional_header(&mut reader, "capabilities");
    let certifications = optional_header(&mut reader, "certifications");
    let mut problems = Problems::default();
    let mut records = Vec::new();
    for (line, record) in readable_records(&mut reader, &mut problems) {
        let field = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or_default();
        let row = (|| -> Result<SupplierRecord, String> {
            let region_code = RegionCode::parse(field(Some(region))).map_err(|e| e.to_string())?;
            match lookups.regions.get(&region_code) {
                None => return Err(format!("region {region_code} does not exist")),
                Some(level) if *level != RegionLevel::County => {
                    return Err(format!(
                        "region {region_code} is a {}; use a county-level code",
                        level.as_str()
                    ));
                }
                Some(_) => {}
            }
            let park_id = match field(park) {
                "" => None,
                code => {
                    let (id, host) = lookups
                        .parks
                        .get(code)
                        .ok_or_else(|| format!("park `{code}` does not exist"))?;
                    if !host.same_prefecture(&region_code) {
                        return Err(format!(
                            "park `{code}` lies in region {host}, not in the prefecture of region \
                             {region_code}"
                        ));
                    }
                    Some(*id)
                }
            };
            Ok(SupplierRecord {
                organization: NewOrganization {
                    name: parse_organization_name(field(Some(name))).map_err(|e| e.to_string())?,
                    kind: match field(kind) {
                        "" => OrganizationKind::Sme,
                        raw => OrganizationKind::parse(raw).map_err(|e| e.to_string())?,
                    },
                    region_code,
                    park_id,
                },
                verified: match field(verified).to_ascii_lowercase().as_str() {
                    "" | "false" | "no" | "0" => false,
                    "true" | "yes" | "1" => true,
                    other => return Err(format!("verified `{other}` is not true or false")),
                },
                capabilities: {
                    let parsed: Vec<Capability> = list(field(capabilities))
                        .map(capability)
                        .collect::<Result<_, _>>()?;
                    check_capability_list(&parsed, |code| lookups.categories.contains(code))
                        .map_err(|problem| problem.message)?;
                    parsed
                },
                certifications: list(field(certifications))
                    .map(certification)
                    .collect::<Result<_, _>>()?,
                users: Vec::new(),
            })
        })();
        match row {
            Ok(row) => records.push(row),
            Err(message) => problems.push(line, message),
        }
    }
    if records.is_empty() && problems.is_empty() {
        problems.push(1, "the file has a header but no rows");
    }
    problems.finish(records)
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// One capability, checked by the domain's constructor; the list rules come after.
fn capability(item: &str) -> Result<Capability, String> {
    let parts: Vec<&str> = item.split(':').map(str::trim).collect();
    let [code, capacity, unit, rest @ ..] = parts.as_slice() else {
        return Err(format!(
            "capability `{item}` must be category:annual_capacity:unit[:process|process]"
        ));
    };
    let code = CategoryCode::parse(code).map_err(|e| e.to_string())?;
    let capacity: u64 = capacity
        .parse()
        .map_err(|_| format!("annual capacity `{capacity}` is not a whole number"))?;
    let processes = rest
        .iter()
        .flat_map(|text| text.split('|'))
        .map(str::trim)
        .filter(|process| !process.is_empty())
        .map(str::to_owned)
        .collect();
    Capability::new(code, capacity, unit, processes).map_err(|e| e.to_string())
}

fn certification(item: &str) -> Result<Certification, String> {
    let parts: Vec<&str> = item.split(':').map(str::trim).collect();
    let [kind, number, from, until] = parts.as_slice() else {
        return Err(format!(
            "certification `{item}` must be KIND:number:valid_from:valid_until"
        ));
    };
    let kind = CertificationKind::parse(kind).map_err(|e| e.to_string())?;
    Certification::new(kind, number, date(from)?, date(until)?).map_err(|e| e.to_string())
}

fn date(text: &str) -> Result<Date, String> {
    peitao_domain::parse_date("date", text).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups() -> Lookups {
        Lookups {
            regions: [
                (RegionCode::parse("420606").unwrap(), RegionLevel::County),
                (
                    RegionCode::parse("420600").unwrap(),
                    RegionLevel::Prefecture,
                ),
            ]
            .into_iter()
            .collect(),
            parks: [(
                "xiangyang_hitech".to_owned(),
                (ParkId(1), RegionCode::parse("420606").unwrap()),
            )]
            .into_iter()
            .collect(),
            categories: [CategoryCode::parse("auto.body.stamping").unwrap()]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn a_good_file_with_a_bom_parses_with_profiles() {
        let text = "\u{feff}name,region_code,park_code,verified,capabilities,certifications\n\
                    襄阳恒达冲压,420606,xiangyang_hitech,true,auto.body.stamping:120000:pcs:stamping|welding,IATF16949:CN-1:2025-01-01:2028-01-01\n";
        let records = parse(text, &lookups()).unwrap();
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.organization.kind, OrganizationKind::Sme);
        assert_eq!(record.organization.park_id, Some(ParkId(1)));
        assert!(record.verified);
        assert_eq!(record.capabilities[0].processes(), ["stamping", "welding"]);
        assert_eq!(record.certifications[0].kind().as_str(), "IATF16949");
    }

    #[test]
    fn each_bad_row_is_reported_with_its_line() {
        let text = "name,region_code,capabilities,certifications\n\
                    Good,420606,,\n\
                    Prefecture,420600,,\n\
                    Unknown category,420606,auto.roof:10:pcs,\n\
                    Bad date,420606,,ISO9001:X:2025-13-01:2028-01-01\n\
                    ,420606,,\n";
        let errors = parse(text, &lookups()).unwrap_err().0;
        let lines: Vec<_> = errors.iter().map(|e| e.line.unwrap()).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{errors:?}");
        assert!(errors[0].message.contains("county-level"));
        assert!(errors[1].message.contains("auto.roof"));
        assert!(errors[2].message.contains("YYYY-MM-DD"));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_reported_on_its_line() {
        let errors = parse("name,region_code\nA,420606\nB,420606,surplus\n", &lookups())
            .unwrap_err()
            .0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].message.contains("unreadable row"), "{errors:?}");
    }

    #[test]
    fn a_missing_required_column_is_reported_on_the_header() {
        let errors = parse("name,county\nA,420606\n", &lookups()).unwrap_err().0;
        assert_eq!(errors[0].line, Some(1));
        assert!(errors[0].message.contains("region_code"), "{errors:?}");
    }
}
