//! In-province supply per category, as the statistics count it: eligible suppliers registered in
//! the home province, declaring the category or one below it, with what they declare.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

mod fixture;

use fixture::*;
use peitao_domain::OrganizationId;
use peitao_matching::{CapabilityFacts, CategorySupply, MatchIndex, SupplierFacts};

fn pcs(category: &str, capacity: u64, unit: &str) -> CapabilityFacts {
    CapabilityFacts {
        unit: unit.into(),
        ..capability(category, capacity, 0)
    }
}

/// Suppliers 1–4 count; 5–9 are each left out for one reason.
fn suppliers() -> Vec<SupplierFacts> {
    vec![
        // 1: a door maker in Fancheng whose whole capacity open deals take: it still makes doors.
        supplier(1, "420606", capability("auto.body.door", 1_000, 1_000)),
        // 2: doors and hinges (below doors), in `PCS `: counted once under the door, its units
        // added to the others' `pcs`.
        SupplierFacts {
            capabilities: vec![
                pcs("auto.body.door", 200, "PCS "),
                pcs("auto.body.door.hinge", 30, "pcs"),
            ],
            ..supplier(2, "420102", capability("auto.body.door", 0, 0))
        },
        // 3: panels, in tonnes.
        supplier(3, "429004", pcs("auto.body.panel", 7, "t")),
        // 4: unverified, which counts while verification is not required.
        SupplierFacts {
            verified: false,
            ..supplier(4, "420607", capability("auto.body.door.hinge", 5, 0))
        },
        // 5: no enabled user.
        SupplierFacts {
            active: false,
            ..supplier(5, "420606", capability("auto.body.door", 99_000, 0))
        },
        // 6: registered in Zhengzhou, with a plant in Fancheng: the home county decides.
        SupplierFacts {
            sites: vec![county("420606")],
            ..supplier(6, "410102", capability("auto.body.door", 99_000, 0))
        },
        // 7: makes auto.body, above the door: a generalist is no door maker here.
        supplier(7, "420606", capability("auto.body", 99_000, 0)),
        // 8: steel, in no asked category.
        supplier(8, "420606", capability("steel", 99_000, 0)),
    ]
}

fn supply(require_verified: bool) -> std::collections::HashMap<String, CategorySupply> {
    let mut config = config();
    config.require_verified = require_verified;
    let index = MatchIndex::build(config, suppliers(), []).unwrap();
    index
        .in_province_supply(&[
            cat("auto.body.door"),
            cat("auto.body.door.hinge"),
            cat("auto.body"),
            cat("auto.body.door"),
            cat("chem"),
        ])
        .into_iter()
        .map(|(code, supply)| (code.as_str().to_owned(), supply))
        .collect()
}

#[test]
fn counts_eligible_home_province_suppliers_of_a_category_and_those_below_it() {
    let supply = supply(false);
    assert_eq!(
        supply["auto.body.door"],
        CategorySupply {
            suppliers: 3,
            capacity: vec![("pcs".into(), 1_235)],
        }
    );
    assert_eq!(
        supply["auto.body.door.hinge"],
        CategorySupply {
            suppliers: 2,
            capacity: vec![("pcs".into(), 35)],
        }
    );
    // auto.body: 1–4 (panels too) and 7 itself, by unit.
    assert_eq!(
        supply["auto.body"],
        CategorySupply {
            suppliers: 5,
            capacity: vec![("pcs".into(), 100_235), ("t".into(), 7)],
        }
    );
    // Nobody makes chemicals: no entry.
    assert!(!supply.contains_key("chem"), "{supply:?}");
    assert_eq!(supply.len(), 3);
}

#[test]
fn verification_counts_when_the_index_requires_it() {
    let supply = supply(true);
    assert_eq!(supply["auto.body.door"].suppliers, 2);
    assert_eq!(
        supply["auto.body.door.hinge"],
        CategorySupply {
            suppliers: 1,
            capacity: vec![("pcs".into(), 30)],
        }
    );
}

#[test]
fn writes_change_the_supply() {
    let mut index = MatchIndex::build(config(), suppliers(), []).unwrap();
    assert!(index.remove_supplier(OrganizationId(1)));
    index
        .upsert_supplier(supplier(9, "420606", capability("chem", 4, 0)))
        .unwrap();
    let supply = index.in_province_supply(&[cat("auto.body.door"), cat("chem")]);
    assert_eq!(supply[&cat("auto.body.door")].suppliers, 2);
    assert_eq!(supply[&cat("chem")].suppliers, 1);
}
