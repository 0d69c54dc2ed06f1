//! Properties of the index over random small provinces, and the pruned ranking checked against
//! brute force on a synthetic one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

mod fixture;

use std::collections::BTreeMap;

use fixture::*;
use peitao_domain::{CredentialTier, NeedId, OrganizationId, ProvinceCode, Scorecard, Visibility};
use peitao_matching::{
    CapabilityFacts, CertificationFacts, CredentialFacts, Explanation, MatchIndex, NeedFacts,
    RankOptions, SupplierFacts,
    synthetic::{SyntheticProvince, SyntheticSpec},
};
use proptest::prelude::*;
use time::{Date, Duration, macros::date};

const KINDS: [&str; 3] = ["ISO9001", "IATF16949", "GMP"];
const UNITS: [&str; 3] = ["pcs", "PCS ", "t"];

fn a_date() -> impl Strategy<Value = Date> {
    (0i64..1_200).prop_map(|days| date!(2025 - 06 - 01) + Duration::days(days))
}

fn a_category() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(CATEGORIES.map(|(code, _)| code).to_vec())
}

fn a_county() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(COUNTIES.map(|(code, _)| code).to_vec())
}

fn a_capability() -> impl Strategy<Value = CapabilityFacts> {
    (
        a_category(),
        proptest::sample::select(UNITS.to_vec()),
        1u64..5_000,
        0u64..5_000,
    )
        .prop_map(|(category, unit, capacity, committed)| CapabilityFacts {
            category: cat(category),
            unit: unit.into(),
            annual_capacity: capacity,
            committed: committed.min(capacity + 10),
        })
}

fn a_certification() -> impl Strategy<Value = CertificationFacts> {
    (
        proptest::sample::select(KINDS.to_vec()),
        a_date(),
        0i64..900,
    )
        .prop_map(|(raw, from, length)| certification(raw, from, from + Duration::days(length)))
}

fn a_credential() -> impl Strategy<Value = CredentialFacts> {
    (
        proptest::sample::select(CredentialTier::ALL.to_vec()),
        a_date(),
        0i64..900,
    )
        .prop_map(|(tier, from, length)| credential(tier, from, from + Duration::days(length)))
}

fn a_scorecard() -> impl Strategy<Value = Scorecard> {
    (0u32..10)
        .prop_flat_map(|deals| (Just(deals), 0..=deals, deals..=deals * 5))
        .prop_map(|(deals, on_time, quality)| {
            Scorecard::from_totals(deals, on_time, quality).unwrap()
        })
}

fn a_supplier(id: i64) -> impl Strategy<Value = SupplierFacts> {
    (
        (any::<bool>(), any::<bool>(), a_county()),
        proptest::collection::vec(a_capability(), 0..4),
        proptest::collection::vec(a_county(), 0..3),
        proptest::collection::vec(a_certification(), 0..3),
        proptest::collection::vec(a_credential(), 0..2),
        a_scorecard(),
        proptest::collection::vec((1i64..4, a_category()), 0..3),
    )
        .prop_map(
            move |(
                (inactive, unverified, home),
                capabilities,
                sites,
                certifications,
                credentials,
                scorecard,
                supplied_links,
            )| {
                SupplierFacts {
                    id: OrganizationId(id),
                    // Mostly active and verified, so that rankings are not empty.
                    active: !(inactive && unverified),
                    verified: !unverified || inactive,
                    home_county: county(home),
                    capabilities,
                    sites: sites.into_iter().map(county).collect(),
                    certifications,
                    credentials,
                    scorecard,
                    supplied: supplied_links
                        .into_iter()
                        .map(|(lead, category)| supplied(lead, category))
                        .collect(),
                }
            },
        )
}

fn a_need(id: i64) -> impl Strategy<Value = NeedFacts> {
    (
        (
            1i64..4,
            a_category(),
            0u64..6_000,
            proptest::sample::select(UNITS.to_vec()),
        ),
        proptest::collection::vec(proptest::sample::select(KINDS.to_vec()), 0..2),
        (a_date(), a_county()),
        (0u8..6, proptest::collection::vec(1i64..30, 0..6)),
    )
        .prop_map(
            move |(
                (lead, category, quantity, unit),
                kinds,
                (deadline, delivery),
                (visibility, invited),
            )| {
                NeedFacts {
                    id: NeedId(id),
                    lead: OrganizationId(lead),
                    category: cat(category),
                    quantity,
                    unit: unit.into(),
                    required_certifications: kinds.into_iter().map(kind).collect(),
                    deadline,
                    delivery_county: county(delivery),
                    visibility: match visibility {
                        0 => Visibility::Province,
                        1 => Visibility::Invited,
                        _ => Visibility::Public,
                    },
                    invited: invited.into_iter().map(OrganizationId).collect(),
                }
            },
        )
}

fn suppliers(count: usize) -> impl Strategy<Value = Vec<SupplierFacts>> {
    (0..count)
        .map(|n| a_supplier(n as i64 + 1).boxed())
        .collect::<Vec<_>>()
}

fn needs(count: usize) -> impl Strategy<Value = Vec<NeedFacts>> {
    (0..count)
        .map(|n| a_need(n as i64 + 1).boxed())
        .collect::<Vec<_>>()
}

fn all() -> RankOptions {
    RankOptions::top(usize::MAX)
}

fn in_unit(value: f64) -> bool {
    (0.0..=1.0).contains(&value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn rankings_agree_with_explain_are_sorted_bounded_and_deterministic(
        suppliers in suppliers(24),
        needs in needs(6),
        limit in 1usize..8,
    ) {
        let index = MatchIndex::build(config(), suppliers.clone(), needs.clone()).unwrap();
        let reversed = MatchIndex::build(
            config(),
            suppliers.iter().rev().cloned(),
            needs.iter().rev().cloned(),
        )
        .unwrap();
        for need in &needs {
            let ranked = index.rank_suppliers(need, &all());
            for pair in ranked.windows(2) {
                prop_assert!(
                    pair[0].score > pair[1].score
                        || (pair[0].score == pair[1].score && pair[0].supplier < pair[1].supplier),
                    "out of order: {pair:?}"
                );
            }
            for found in &ranked {
                prop_assert!(in_unit(found.score));
                prop_assert!(found.components.to_array().into_iter().all(in_unit), "{found:?}");
                prop_assert_eq!(
                    index.explain(need, found.supplier),
                    Explanation::Eligible(found.clone())
                );
            }
            // Every eligible supplier is ranked, and no excluded one.
            for supplier in &suppliers {
                let eligible = matches!(index.explain(need, supplier.id), Explanation::Eligible(_));
                prop_assert_eq!(eligible, ranked.iter().any(|m| m.supplier == supplier.id));
            }
            let top = index.rank_suppliers(need, &RankOptions::top(limit));
            prop_assert_eq!(&top[..], &ranked[..limit.min(ranked.len())]);
            prop_assert_eq!(&top, &index.rank_suppliers(need, &RankOptions::top(limit)));
            prop_assert_eq!(&top, &reversed.rank_suppliers(need, &RankOptions::top(limit)));
            for want in [true, false] {
                let options = RankOptions { in_province: Some(want), ..all() };
                let filtered: Vec<_> =
                    ranked.iter().filter(|m| m.in_province == want).cloned().collect();
                prop_assert_eq!(index.rank_suppliers(need, &options), filtered);
            }
            let options = RankOptions { min_score: Some(0.5), ..RankOptions::top(limit) };
            let above: Vec<_> = ranked.iter().filter(|m| m.score >= 0.5).take(limit).cloned().collect();
            prop_assert_eq!(index.rank_suppliers(need, &options), above);
        }
        for supplier in &suppliers {
            let ranked = index.rank_needs(supplier.id, &all());
            for pair in ranked.windows(2) {
                prop_assert!(
                    pair[0].score > pair[1].score
                        || (pair[0].score == pair[1].score && pair[0].need < pair[1].need)
                );
            }
            for need in &needs {
                let found = ranked.iter().find(|m| m.need == need.id);
                match index.explain(need, supplier.id) {
                    Explanation::Eligible(expected) => {
                        let found = found.unwrap();
                        prop_assert_eq!(found.score, expected.score);
                        prop_assert_eq!(found.components, expected.components);
                        prop_assert!(in_unit(found.score));
                    }
                    _ => prop_assert!(found.is_none(), "{:?} ranked for {:?}", need.id, supplier.id),
                }
            }
            prop_assert_eq!(
                &ranked[..limit.min(ranked.len())],
                &index.rank_needs(supplier.id, &RankOptions::top(limit))[..]
            );
        }
    }

    #[test]
    fn an_in_province_supplier_beats_the_same_supplier_outside(
        facts in a_supplier(1),
        need in a_need(1),
        home in proptest::sample::select(vec!["420606", "420607", "420102", "429004", "420821"]),
        away in proptest::sample::select(vec!["410102", "430102"]),
    ) {
        let inside = SupplierFacts {
            home_county: county(home),
            sites: vec![],
            active: true,
            verified: true,
            ..facts.clone()
        };
        let outside = SupplierFacts {
            id: OrganizationId(2),
            home_county: county(away),
            ..inside.clone()
        };
        let need = NeedFacts { visibility: Visibility::Public, ..need };
        let index = MatchIndex::build(config(), [inside, outside], []).unwrap();
        let score = |id| match index.explain(&need, OrganizationId(id)) {
            Explanation::Eligible(found) => Some((found.score, found.in_province)),
            _ => None,
        };
        match (score(1), score(2)) {
            (Some((inside, true)), Some((outside, false))) => prop_assert!(inside > outside),
            (None, None) => {}
            other => prop_assert!(false, "eligibility differs: {other:?}"),
        }
    }

    #[test]
    fn any_sequence_of_writes_equals_a_fresh_build_of_the_final_facts(
        operations in proptest::collection::vec(
            prop_oneof![
                (1i64..12).prop_flat_map(a_supplier).prop_map(Write::Supplier),
                (1i64..12).prop_map(|id| Write::RemoveSupplier(OrganizationId(id))),
                (1i64..6).prop_flat_map(a_need).prop_map(Write::Need),
                (1i64..6).prop_map(|id| Write::RemoveNeed(NeedId(id))),
            ],
            0..40,
        ),
        probe in a_need(99),
    ) {
        let mut index = MatchIndex::new(config()).unwrap();
        let mut suppliers = BTreeMap::new();
        let mut needs = BTreeMap::new();
        for operation in operations {
            match operation {
                Write::Supplier(facts) => {
                    suppliers.insert(facts.id, facts.clone());
                    index.upsert_supplier(facts).unwrap();
                }
                Write::RemoveSupplier(id) => {
                    prop_assert_eq!(index.remove_supplier(id), suppliers.remove(&id).is_some());
                }
                Write::Need(facts) => {
                    needs.insert(facts.id, facts.clone());
                    index.upsert_need(facts);
                }
                Write::RemoveNeed(id) => {
                    prop_assert_eq!(index.remove_need(id), needs.remove(&id).is_some());
                }
            }
        }
        let fresh = MatchIndex::build(
            config(),
            suppliers.values().cloned(),
            needs.values().cloned(),
        )
        .unwrap();
        prop_assert_eq!(index.supplier_count(), suppliers.len());
        prop_assert_eq!(index.need_count(), needs.len());
        prop_assert_eq!(index.snapshot(), fresh.snapshot());
        prop_assert_eq!(index.rank_suppliers(&probe, &all()), fresh.rank_suppliers(&probe, &all()));
        for id in suppliers.keys() {
            prop_assert_eq!(index.rank_needs(*id, &all()), fresh.rank_needs(*id, &all()));
        }
    }
}

#[derive(Debug, Clone)]
enum Write {
    Supplier(SupplierFacts),
    RemoveSupplier(OrganizationId),
    Need(NeedFacts),
    RemoveNeed(NeedId),
}

#[test]
fn pruned_rankings_equal_brute_force_on_a_synthetic_province() {
    let province = SyntheticProvince::generate(SyntheticSpec::new(7, 3_000, 60)).unwrap();
    let index =
        MatchIndex::build(province.config(), province.suppliers(), province.needs()).unwrap();
    assert_eq!(index.supplier_count(), 3_000);
    let mut nonempty = 0;
    for need in province.needs() {
        let mut brute: Vec<_> = province
            .suppliers()
            .filter_map(|supplier| match index.explain(&need, supplier.id) {
                Explanation::Eligible(found) => Some(found),
                _ => None,
            })
            .collect();
        brute.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.supplier.cmp(&b.supplier))
        });
        brute.truncate(10);
        let ranked = index.rank_suppliers(&need, &RankOptions::top(10));
        assert_eq!(ranked, brute, "need {:?}", need.id);
        nonempty += usize::from(!ranked.is_empty());
    }
    assert!(nonempty > 30, "only {nonempty} needs found suppliers");
}

#[test]
fn the_synthetic_province_is_deterministic_and_shaped_as_specified() {
    let spec = SyntheticSpec::new(42, 500, 50);
    let one = SyntheticProvince::generate(spec).unwrap();
    let two = SyntheticProvince::generate(spec).unwrap();
    assert_eq!(
        one.suppliers().collect::<Vec<_>>(),
        two.suppliers().collect::<Vec<_>>()
    );
    assert_eq!(
        one.needs().collect::<Vec<_>>(),
        two.needs().collect::<Vec<_>>()
    );
    assert!(
        (1_900..=2_100).contains(&one.taxonomy.len()),
        "{}",
        one.taxonomy.len()
    );
    assert_eq!(one.chain.find_cycle(), None);
    assert!((90..=110).contains(&one.home_counties().len()));
    let in_province = one
        .suppliers()
        .filter(|s| s.home_county.is_in(ProvinceCode::HUBEI))
        .count();
    assert!((380..=470).contains(&in_province), "{in_province}");
    let capabilities: usize = one.suppliers().map(|s| s.capabilities.len()).sum();
    assert!((2_200..=2_800).contains(&capabilities), "{capabilities}");
    let other = SyntheticProvince::generate(SyntheticSpec::new(43, 500, 50)).unwrap();
    assert_ne!(one.supplier(0), other.supplier(0));
}
