//! The demo lead enterprises' declared baselines: a bill of materials each, one line per
//! category its chain buys, sourced mostly from the coastal provinces that supply Hubei's
//! industries today (Guangdong, Jiangsu, Zhejiang, Shanghai) and partly within Hubei.

use peitao_domain::{BomLine, ProvinceCode, RegionCode};
use peitao_store::Store;
use rand::{Rng, rngs::StdRng, seq::IndexedRandom};

use super::activity::Buyer;
use crate::AppError;

/// Where out-of-province sourcing comes from, with weights: counties of the main industrial
/// districts of each province.
const OUTSIDE: [(&str, u32); 10] = [
    ("440306", 12), // 深圳宝安
    ("440112", 9),  // 广州黄埔
    ("440606", 9),  // 佛山顺德
    ("320583", 10), // 苏州昆山
    ("320214", 8),  // 无锡新吴
    ("320412", 7),  // 常州武进
    ("330206", 8),  // 宁波北仑
    ("330109", 7),  // 杭州萧山
    ("310114", 6),  // 上海嘉定
    ("310115", 4),  // 上海浦东
];

/// The share of a line sourced in Hubei today.
const IN_HUBEI: f64 = 0.22;

/// Stores one bill of materials per buyer; returns how many lines were stored.
pub(super) async fn declare(
    store: &Store,
    buyers: &[Buyer],
    rng: &mut StdRng,
) -> Result<usize, AppError> {
    let outside: Vec<(RegionCode, u32)> = OUTSIDE
        .iter()
        .map(|(code, weight)| Ok((RegionCode::parse(code)?, *weight)))
        .collect::<Result<_, AppError>>()?;
    let mut stored = 0;
    for buyer in buyers {
        let lines: Vec<BomLine> = buyer
            .sources
            .iter()
            .enumerate()
            .map(|(position, category)| {
                let region = if rng.random_bool(IN_HUBEI) {
                    buyer.county
                } else {
                    outside
                        .choose_weighted(rng, |(_, weight)| *weight)
                        .map_or(buyer.county, |(code, _)| *code)
                };
                // ¥0.5 million to ¥30 million a year per category, in fen.
                let yuan: u64 = rng.random_range(500_000..30_000_000);
                BomLine {
                    line_no: u32::try_from(position + 2).unwrap_or(u32::MAX),
                    category_code: category.clone(),
                    description: format!("年度采购 annual purchases of {category}"),
                    annual_value_fen: yuan / 1_000 * 1_000 * 100,
                    current_supplier_region: region,
                }
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        store
            .insert_bom(
                buyer.id,
                Some(buyer.user),
                "2026年度采购清单 2026 sourcing plan",
                &lines,
                ProvinceCode::HUBEI,
            )
            .await?;
        stored += lines.len();
    }
    Ok(stored)
}
