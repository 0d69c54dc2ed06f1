//! Scores computed by hand on a small province, and every exclusion with its sentence.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

mod fixture;

use fixture::*;
use peitao_domain::{CredentialTier, OrganizationId, Scorecard, Visibility};
use peitao_matching::{
    Exclusion, Explanation, IndexConfig, MatchIndex, RankOptions, SupplierFacts, great_circle_km,
};
use time::macros::date;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A: in the delivery county, the need's own category with ample spare capacity, no deals yet,
/// a provincial specialised-SME credential, and it already supplies lead 1 steel (upstream).
fn supplier_a() -> SupplierFacts {
    SupplierFacts {
        credentials: vec![credential(
            CredentialTier::SpecialisedSme,
            date!(2025 - 01 - 01),
            date!(2028 - 01 - 01),
        )],
        supplied: vec![supplied(1, "steel")],
        ..supplier(100, "420606", capability("auto.body.door", 5_000, 1_000))
    }
}

/// B: in Wuhan, a generalist in auto.body covering 600 of the 1,000 pcs, two perfect deliveries,
/// and it supplies auto.assembly (downstream) to lead 9.
fn supplier_b() -> SupplierFacts {
    SupplierFacts {
        scorecard: Scorecard::from_totals(2, 2, 10).unwrap(),
        supplied: vec![supplied(9, "auto.assembly")],
        ..supplier(200, "420102", capability("auto.body", 600, 0))
    }
}

/// C: in Zhengzhou (outside the province), a hinge specialist, a single champion.
fn supplier_c() -> SupplierFacts {
    SupplierFacts {
        credentials: vec![credential(
            CredentialTier::SingleChampion,
            date!(2024 - 01 - 01),
            date!(2029 - 01 - 01),
        )],
        ..supplier(300, "410102", capability("auto.body.door.hinge", 2_000, 0))
    }
}

fn index(suppliers: Vec<SupplierFacts>) -> MatchIndex {
    MatchIndex::build(config(), suppliers, []).unwrap()
}

#[test]
fn scores_match_the_hand_computation() {
    let index = index(vec![supplier_a(), supplier_b(), supplier_c()]);
    let ranked = index.rank_suppliers(&door_need(), &RankOptions::top(10));
    let ids: Vec<i64> = ranked.iter().map(|m| m.supplier.0).collect();
    assert_eq!(ids, [100, 300, 200]);

    // A: fit 1, proximity 1 (same county), capacity min(1, 4000/1000) = 1, scorecard = the
    // prior 0.6, credentials rank 3 / 5 = 0.6, chain 1 (steel → door, supplied to lead 1).
    // 0.25·1 + 0.25·1 + 0.15·1 + 0.15·0.6 + 0.10·0.6 + 0.10·1 = 0.90
    let a = &ranked[0];
    assert!(close(a.score, 0.90), "{a:?}");
    assert_eq!(a.components.credentials, 0.6);
    assert_eq!(a.components.chain_adjacency, 1.0);
    assert!(a.in_province);
    assert_eq!(a.distance_km, Some(0.0));
    assert_eq!(a.matched_category, cat("auto.body.door"));

    // B: fit 0.6 (generalist one level up), proximity 0.7 (another prefecture of the home
    // province), capacity 600/1000 = 0.6, scorecard (3·0.6 + 2·1)/(3 + 2) = 0.76, credentials 0,
    // chain 0.5 (door → assembly, supplied to another lead).
    // 0.25·0.6 + 0.25·0.7 + 0.15·0.6 + 0.15·0.76 + 0 + 0.10·0.5 = 0.579
    let b = &ranked[2];
    assert!(close(b.score, 0.579), "{b:?}");
    assert!(close(b.components.scorecard, 0.76));
    assert_eq!(b.matched_category, cat("auto.body"));

    // C: fit 0.95 (one level under), proximity 0.4·2^(−d/300) with d Fancheng–Zhengzhou,
    // capacity 1, scorecard 0.6, credentials 1, chain 0.
    // 0.25·0.95 + 0.25·p + 0.15 + 0.09 + 0.10 = 0.5775 + 0.25·p
    let c = &ranked[1];
    let d = great_circle_km(
        peitao_matching::Seat::new(112.14, 32.04).unwrap(),
        peitao_matching::Seat::new(113.65, 34.76).unwrap(),
    );
    assert!((320.0..340.0).contains(&d), "{d}");
    let p = 0.4 * (-d / 300.0).exp2();
    assert!(close(c.components.proximity, p));
    assert!(close(c.score, 0.5775 + 0.25 * p), "{c:?}");
    assert!(!c.in_province);
    assert!(close(c.distance_km.unwrap(), d));
}

#[test]
fn the_nearest_site_decides_proximity_and_the_province() {
    // Home in Zhengzhou, a plant in Xiangzhou (same prefecture as the delivery county).
    let facts = SupplierFacts {
        sites: vec![county("420607")],
        ..supplier(400, "410102", capability("auto.body.door", 5_000, 0))
    };
    let index = index(vec![facts]);
    let ranked = index.rank_suppliers(&door_need(), &RankOptions::top(10));
    assert_eq!(ranked[0].components.proximity, 0.85);
    assert!(ranked[0].in_province);
    assert!(ranked[0].distance_km.unwrap() < 15.0);
    let only_out = RankOptions {
        in_province: Some(false),
        ..RankOptions::top(10)
    };
    assert!(index.rank_suppliers(&door_need(), &only_out).is_empty());
}

#[test]
fn a_county_without_a_seat_has_no_distance_but_keeps_its_tier() {
    let index = index(vec![supplier(
        500,
        "420821",
        capability("auto.body.door", 5_000, 0),
    )]);
    let ranked = index.rank_suppliers(&door_need(), &RankOptions::top(10));
    assert_eq!(ranked[0].distance_km, None);
    assert_eq!(ranked[0].components.proximity, 0.7);
}

#[test]
fn a_differing_unit_counts_as_half_coverage() {
    let mut tonnes = capability("auto.body.door", 5_000, 0);
    tonnes.unit = "t".into();
    let index = index(vec![supplier(600, "420606", tonnes)]);
    let ranked = index.rank_suppliers(&door_need(), &RankOptions::top(10));
    assert_eq!(ranked[0].components.capacity, 0.5);
}

#[test]
fn min_score_and_limit_cut_the_ranking() {
    let index = index(vec![supplier_a(), supplier_b(), supplier_c()]);
    let options = RankOptions {
        min_score: Some(0.6),
        ..RankOptions::top(10)
    };
    let ids: Vec<i64> = index
        .rank_suppliers(&door_need(), &options)
        .iter()
        .map(|m| m.supplier.0)
        .collect();
    assert_eq!(ids, [100, 300]);
    assert_eq!(
        index
            .rank_suppliers(&door_need(), &RankOptions::top(1))
            .len(),
        1
    );
    assert!(
        index
            .rank_suppliers(&door_need(), &RankOptions::top(0))
            .is_empty()
    );
}

#[test]
fn needs_are_ranked_for_a_supplier() {
    let mut index = index(vec![supplier_a(), supplier_b(), supplier_c()]);
    index.upsert_need(door_need());
    let far = peitao_matching::NeedFacts {
        id: peitao_domain::NeedId(2),
        delivery_county: county("430102"),
        ..door_need()
    };
    index.upsert_need(far);
    let chem = peitao_matching::NeedFacts {
        id: peitao_domain::NeedId(3),
        category: cat("chem"),
        ..door_need()
    };
    index.upsert_need(chem);
    let needs = index.rank_needs(OrganizationId(100), &RankOptions::top(10));
    let ids: Vec<i64> = needs.iter().map(|m| m.need.0).collect();
    assert_eq!(ids, [1, 2], "the chem need is not for a door maker");
    assert!(close(needs[0].score, 0.90));
    assert_eq!(needs[1].components.proximity, 0.7);
    assert!(
        index
            .rank_needs(OrganizationId(999), &RankOptions::top(10))
            .is_empty()
    );
}

fn excluded(index: &MatchIndex, need: &peitao_matching::NeedFacts, id: i64) -> Vec<Exclusion> {
    match index.explain(need, OrganizationId(id)) {
        Explanation::Excluded(reasons) => reasons,
        other => panic!("expected an exclusion, got {other:?}"),
    }
}

#[test]
fn every_failed_filter_is_listed_with_its_sentence() {
    let config = IndexConfig {
        require_verified: true,
        ..config()
    };
    let facts = SupplierFacts {
        active: false,
        verified: false,
        certifications: vec![certification(
            "IATF16949",
            date!(2024 - 01 - 01),
            date!(2026 - 12 - 31),
        )],
        ..supplier(700, "410102", capability("chem", 5_000, 0))
    };
    let index = MatchIndex::build(config, [facts], []).unwrap();
    let need = peitao_matching::NeedFacts {
        required_certifications: vec![kind("IATF16949")],
        visibility: Visibility::Province,
        ..door_need()
    };
    let reasons = excluded(&index, &need, 700);
    let codes: Vec<&str> = reasons.iter().map(Exclusion::code).collect();
    assert_eq!(
        codes,
        [
            "inactive",
            "not_verified",
            "certification_expires",
            "outside_province",
            "no_capability"
        ]
    );
    let sentences: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    assert_eq!(
        sentences,
        [
            "the organisation is not active",
            "the organisation is not verified",
            "certification IATF16949 expires 2026-12-31, before the deadline 2027-01-15",
            "the need is open to suppliers in province 42 only, and county 410102 is outside it",
            "no capability in category auto.body.door, under it or above it",
        ]
    );
    assert!(
        index
            .rank_suppliers(&need, &RankOptions::top(10))
            .is_empty()
    );
}

#[test]
fn missing_not_yet_valid_uninvited_and_full_suppliers_are_excluded() {
    let base = supplier(800, "420606", capability("auto.body.door", 5_000, 0));
    let late_start = SupplierFacts {
        certifications: vec![certification(
            "ISO9001",
            date!(2027 - 02 - 01),
            date!(2030 - 01 - 01),
        )],
        ..base.clone()
    };
    let full = SupplierFacts {
        id: OrganizationId(801),
        capabilities: vec![
            capability("auto.body.door", 5_000, 5_000),
            capability("auto", 100, 100),
        ],
        ..base.clone()
    };
    let index = MatchIndex::build(config(), [late_start, full], []).unwrap();
    let need = peitao_matching::NeedFacts {
        required_certifications: vec![kind("ISO9001"), kind("GMP")],
        visibility: Visibility::Invited,
        invited: vec![OrganizationId(801)],
        ..door_need()
    };
    let reasons = excluded(&index, &need, 800);
    let sentences: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    assert_eq!(
        sentences,
        [
            "certification GMP is required and not held",
            "certification ISO9001 is valid only from 2027-02-01, after the deadline 2027-01-15",
            "the need is open to invited suppliers only",
        ]
    );
    let codes: Vec<&str> = reasons.iter().map(Exclusion::code).collect();
    assert_eq!(
        codes,
        [
            "certification_missing",
            "certification_not_yet_valid",
            "not_invited"
        ]
    );
    let plain = door_need();
    let reasons = excluded(&index, &plain, 801);
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].code(), "no_spare_capacity");
    assert_eq!(
        reasons[0].to_string(),
        "open deals take all capacity in category auto.body.door and the categories around it"
    );
    assert!(
        index
            .rank_suppliers(&plain, &RankOptions::top(10))
            .iter()
            .all(|m| m.supplier.0 != 801)
    );
    assert_eq!(
        index.explain(&plain, OrganizationId(12345)),
        Explanation::UnknownSupplier
    );
}

#[test]
fn an_eligible_explanation_is_the_ranked_match() {
    let index = index(vec![supplier_a(), supplier_b()]);
    let ranked = index.rank_suppliers(&door_need(), &RankOptions::top(10));
    assert_eq!(
        index.explain(&door_need(), OrganizationId(200)),
        Explanation::Eligible(ranked[1].clone())
    );
}

#[test]
fn a_taxonomy_loop_is_refused() {
    let mut tree = taxonomy();
    tree.insert(cat("auto"), Some(cat("auto.body.door")));
    let error = MatchIndex::new(IndexConfig {
        taxonomy: tree,
        ..config()
    })
    .unwrap_err();
    assert!(
        error.to_string().starts_with("the taxonomy's parents loop"),
        "{error}"
    );
}

#[test]
fn replacing_the_taxonomy_changes_the_candidates() {
    let mut index = index(vec![supplier_b()]);
    assert_eq!(
        index
            .rank_suppliers(&door_need(), &RankOptions::top(10))
            .len(),
        1
    );
    let mut flat = peitao_matching::TaxonomyTree::new();
    for (code, _) in CATEGORIES {
        flat.insert(cat(code), None);
    }
    index.replace_taxonomy(&flat).unwrap();
    assert!(
        index
            .rank_suppliers(&door_need(), &RankOptions::top(10))
            .is_empty()
    );
}
