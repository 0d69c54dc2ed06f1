//! A canonical picture of everything the index holds, to compare two indexes in tests: the
//! index after any sequence of writes must equal one built afresh from the final facts.

use peitao_domain::{CategoryCode, NeedId, OrganizationId, RegionCode};

use super::MatchIndex;
use crate::facts::{NeedFacts, SupplierFacts};

/// The facts and posting lists of an index in canonical form: facts sorted by id with their
/// lists sorted (units trimmed and lower-cased, a supplier's home county among its sites),
/// posting lists by category code with their entries sorted, empty lists left out.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSnapshot {
    pub suppliers: Vec<SupplierFacts>,
    pub needs: Vec<NeedFacts>,
    pub supplier_postings: Vec<(CategoryCode, Vec<PostingSnapshot>)>,
    pub need_postings: Vec<(CategoryCode, Vec<NeedId>)>,
}

/// One supplier posting, with interned numbers turned back into codes.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub struct PostingSnapshot {
    pub supplier: OrganizationId,
    /// The capability's position in the supplier's canonical capability list.
    pub capability: u16,
    pub flags: u8,
    pub best_rank: u8,
    pub lower_rank: u8,
    pub certification_mask: u32,
    pub supplied_mask: u32,
    pub supplied_lead_mask: u32,
    pub home_county: Option<RegionCode>,
    pub other_site: Option<RegionCode>,
    pub unit: String,
    pub scorecard_bound: f32,
    /// Julian days spanned by the credentials of `best_rank`.
    pub best_rank_days: (i32, i32),
    /// Julian days spanned by the certifications.
    pub certified_days: (i32, i32),
    pub spare: u64,
}

impl MatchIndex {
    /// The canonical picture of the index; see [`IndexSnapshot`].
    pub fn snapshot(&self) -> IndexSnapshot {
        let mut suppliers: Vec<SupplierFacts> = self
            .suppliers
            .iter()
            .map(|(_, record)| self.tables.supplier_facts(record))
            .collect();
        suppliers.sort_by_key(|supplier| supplier.id);
        let mut needs: Vec<NeedFacts> = self
            .needs
            .iter()
            .map(|(_, record)| self.tables.need_facts(record))
            .collect();
        needs.sort_by_key(|need| need.id);
        let mut supplier_postings: Vec<(CategoryCode, Vec<PostingSnapshot>)> = self
            .supplier_postings
            .iter()
            .enumerate()
            .filter(|(_, list)| !list.is_empty())
            .filter_map(|(category, list)| {
                let code = self.tables.category_code(u32::try_from(category).ok()?)?;
                let mut entries: Vec<PostingSnapshot> = list
                    .iter()
                    .filter_map(|posting| {
                        Some(PostingSnapshot {
                            supplier: self.suppliers.get(posting.slot)?.id,
                            capability: posting.capability,
                            flags: posting.flags,
                            best_rank: posting.best_rank,
                            lower_rank: posting.lower_rank,
                            certification_mask: posting.certification_mask,
                            supplied_mask: posting.supplied_mask,
                            supplied_lead_mask: posting.supplied_lead_mask,
                            home_county: self.tables.region_entry(posting.home).map(|e| e.code),
                            other_site: self
                                .tables
                                .region_entry(posting.other_site)
                                .map(|e| e.code),
                            unit: self.tables.unit_text(posting.unit).to_owned(),
                            scorecard_bound: posting.scorecard_bound,
                            best_rank_days: posting.best_rank_days,
                            certified_days: posting.certified_days,
                            spare: posting.spare,
                        })
                    })
                    .collect();
                entries.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                Some((code.clone(), entries))
            })
            .collect();
        supplier_postings.sort_by(|a, b| a.0.cmp(&b.0));
        let mut need_postings: Vec<(CategoryCode, Vec<NeedId>)> = self
            .need_postings
            .iter()
            .enumerate()
            .filter(|(_, list)| !list.is_empty())
            .filter_map(|(category, list)| {
                let code = self.tables.category_code(u32::try_from(category).ok()?)?;
                let mut ids: Vec<NeedId> = list
                    .iter()
                    .filter_map(|slot| Some(self.needs.get(*slot)?.id))
                    .collect();
                ids.sort();
                Some((code.clone(), ids))
            })
            .collect();
        need_postings.sort_by(|a, b| a.0.cmp(&b.0));
        IndexSnapshot {
            suppliers,
            needs,
            supplier_postings,
            need_postings,
        }
    }
}
