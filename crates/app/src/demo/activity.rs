//! Eighteen months of a province at work: each lead enterprise's needs, the SMEs' quotes, the
//! leads' decisions (shortlists, rejections with reasons, split awards), deals in and out of the
//! province, deliveries on time and late, a few cancellations.
//!
//! Each need is a story told day by day up to midnight UTC today, every change going through the
//! domain's state machine, so a need stands wherever its story reached: recent needs are open,
//! older ones awarded or fulfilled. Every moment is a whole number of minutes before that
//! midnight, so a seed makes the same province all day long.

use std::collections::BTreeMap;

use peitao_domain::{
    CategoryCode, Certification, DealStatus, NeedCommand, NeedEvent, NeedStatus, NeedTerms,
    NeedTermsInput, OrganizationId, ProvinceCode, QuoteStatus, RegionCode, RejectReason, UserId,
};
use peitao_store::{PastDeal, PastNeed, PastQuote};
use rand::{Rng, rngs::StdRng, seq::IndexedRandom};
use time::{Duration, OffsetDateTime};

use crate::AppError;

/// How far back the demo's activity reaches.
pub(super) const HISTORY: Duration = Duration::days(540);

/// A lead enterprise as the stories need it.
pub(super) struct Buyer {
    pub id: OrganizationId,
    pub user: UserId,
    pub county: RegionCode,
    /// What it sources: the upstream categories of its chain.
    pub sources: Vec<CategoryCode>,
}

/// An SME as the stories need it.
pub(super) struct Seller {
    pub id: OrganizationId,
    pub county: RegionCode,
    pub categories: Vec<CategoryCode>,
    pub certifications: Vec<Certification>,
}

/// Midnight UTC today: the end of every story.
pub(super) fn today_midnight() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT)
}

/// What a story produced.
#[derive(Debug, Default)]
pub(super) struct Stories {
    pub needs: Vec<PastNeed>,
}

/// Tells `per_lead` stories for each buyer.
pub(super) fn tell(
    buyers: &[Buyer],
    sellers: &[Seller],
    names: &BTreeMap<CategoryCode, String>,
    per_lead: usize,
    end: OffsetDateTime,
    rng: &mut StdRng,
) -> Result<Stories, AppError> {
    let mut by_category: BTreeMap<&CategoryCode, Vec<&Seller>> = BTreeMap::new();
    for seller in sellers {
        for category in &seller.categories {
            by_category.entry(category).or_default().push(seller);
        }
    }
    let mut stories = Stories::default();
    for buyer in buyers {
        // Leads mostly source what the province's SMEs make; now and then something nobody quotes.
        let supplied: Vec<&CategoryCode> = buyer
            .sources
            .iter()
            .filter(|category| by_category.contains_key(category))
            .collect();
        for n in 0..per_lead {
            let pick = if supplied.is_empty() || rng.random_bool(0.08) {
                buyer.sources.choose(rng)
            } else {
                supplied.choose(rng).copied()
            };
            let Some(category) = pick else {
                continue;
            };
            // A sixth of the needs were written in the last five weeks, so some are still open.
            let recent = n % 6 == 0;
            let candidates = by_category.get(category).map_or(&[][..], Vec::as_slice);
            let name = names
                .get(category)
                .map_or(category.as_str(), String::as_str);
            stories
                .needs
                .push(story(buyer, category, name, candidates, recent, end, rng)?);
        }
    }
    Ok(stories)
}

fn minutes(rng: &mut StdRng, low_days: i64, high_days: i64) -> Duration {
    Duration::minutes(rng.random_range(low_days * 1_440..=high_days * 1_440))
}

/// The unit, a quantity and a unit price in fen for a category, by its branch of the taxonomy.
fn order_size(category: &CategoryCode, rng: &mut StdRng) -> (&'static str, u64, u64) {
    let (unit, _, _, _) = super::vocabulary::unit_and_range(category);
    match unit {
        "t" => (
            unit,
            rng.random_range(2..=200) * 10,
            rng.random_range(30..=500) * 10_000,
        ),
        "sets" => (
            unit,
            rng.random_range(1..=40),
            rng.random_range(20..=800) * 50_000,
        ),
        _ => (
            unit,
            rng.random_range(10..=500) * 100,
            rng.random_range(5..=800) * 100,
        ),
    }
}

const TITLES: [&str; 6] = [
    "年度框架采购",
    "新车型配套",
    "二季度批量采购",
    "国产化替代",
    "扩产配套",
    "备件补充采购",
];
const QUOTE_NOTES: [&str; 5] = [
    "可按周分批交付",
    "含运费，到厂交货",
    "可派驻场工程师",
    "首批可提供样件",
    "价格含税13%",
];
const CANCELLED_NEEDS: [&str; 3] = [
    "车型项目推迟，需求取消",
    "已由集团统一采购",
    "技术方案变更，重新发布",
];
const CANCELLED_DEALS: [&str; 2] = ["供应商产线检修，无法按期交付", "首批样件检验不合格"];

/// One quote in the making, with the deal it may win.
struct Offer<'a> {
    seller: &'a Seller,
    quote: PastQuote,
}

/// A need's life so far, advanced one dated step at a time up to `end`.
struct Story {
    status: NeedStatus,
    history: Vec<NeedEvent>,
    end: OffsetDateTime,
    last: OffsetDateTime,
    /// Units awarded to deals not cancelled.
    awarded: u64,
}

impl Story {
    /// Applies `command` at `at` when `at` is not after the end; `Ok(false)` when the story ends
    /// first.
    fn step(
        &mut self,
        at: OffsetDateTime,
        command: &NeedCommand,
        actor: Option<UserId>,
        reason: Option<String>,
    ) -> Result<bool, AppError> {
        if at > self.end {
            return Ok(false);
        }
        let next = self
            .status
            .apply(command)
            .map_err(|refused| AppError::Internal(format!("demo story: {refused}")))?;
        self.history.push(NeedEvent {
            at,
            actor,
            action: command.name().to_owned(),
            from: Some(self.status),
            to: next,
            reason,
        });
        self.status = next;
        self.last = self.last.max(at);
        Ok(true)
    }
}

fn story(
    buyer: &Buyer,
    category: &CategoryCode,
    name: &str,
    candidates: &[&Seller],
    recent: bool,
    end: OffsetDateTime,
    rng: &mut StdRng,
) -> Result<PastNeed, AppError> {
    let created = if recent {
        end - minutes(rng, 1, 35)
    } else {
        end - HISTORY + minutes(rng, 0, HISTORY.whole_days() - 1)
    };
    let published = created + minutes(rng, 0, 3);
    let deadline = published + minutes(rng, 10, 30);
    let (unit, quantity, unit_price) = order_size(category, rng);
    let home = ProvinceCode::HUBEI;
    let visibility = match rng.random_range(0..100) {
        0..75 => "public",
        75..95 => "province",
        _ => "invited",
    };
    let visible: Vec<&Seller> = candidates
        .iter()
        .copied()
        .filter(|seller| visibility != "province" || seller.county.is_in(home))
        .collect();
    let quoting = if rng.random_bool(0.06) {
        0
    } else {
        rng.random_range(1..=5).min(visible.len())
    };
    let mut quoters: Vec<&Seller> = visible.choose_multiple(rng, quoting).copied().collect();
    quoters.sort_by_key(|seller| seller.id);
    let deadline_day = deadline.date();
    let mut common: Vec<String> = quoters.first().map_or_else(Vec::new, |first| {
        first
            .certifications
            .iter()
            .filter(|held| held.covers(deadline_day, deadline_day))
            .map(|held| held.kind().as_str().to_owned())
            .collect()
    });
    common.retain(|kind| {
        quoters.iter().all(|seller| {
            seller
                .certifications
                .iter()
                .any(|held| held.kind().as_str() == kind && held.covers(deadline_day, deadline_day))
        })
    });
    common.sort();
    let required: Vec<String> = if rng.random_bool(0.4) {
        common.into_iter().take(1).collect()
    } else {
        Vec::new()
    };
    let mut invited: Vec<i64> = Vec::new();
    if visibility == "invited" {
        invited = quoters.iter().map(|seller| seller.id.0).collect();
        if let Some(extra) = visible.choose(rng) {
            invited.push(extra.id.0);
        }
        invited.sort_unstable();
        invited.dedup();
    }
    // An invitation to nobody is no need: such a need goes to the province instead.
    let visibility = if visibility == "invited" && invited.is_empty() {
        "province"
    } else {
        visibility
    };
    let title = format!("{name}{}", TITLES.choose(rng).copied().unwrap_or("采购"));
    let specification = format!("{name}，{quantity} {unit}，按图纸及技术协议执行；到厂验收。");
    let terms = NeedTerms::parse(&NeedTermsInput {
        category_code: category.as_str(),
        title: &title,
        specification: Some(&specification),
        quantity,
        unit,
        estimated_value_fen: quantity.saturating_mul(unit_price),
        required_certifications: &required,
        delivery_region_code: buyer.county.as_str(),
        response_deadline: deadline,
        visibility,
        invited_supplier_ids: &invited,
    })?;

    let mut story = Story {
        status: NeedStatus::Draft,
        history: vec![NeedEvent {
            at: created,
            actor: Some(buyer.user),
            action: "created".into(),
            from: None,
            to: NeedStatus::Draft,
            reason: None,
        }],
        end,
        last: created,
        awarded: 0,
    };
    let mut offers: Vec<Offer> = Vec::new();
    let mut published_at = None;
    let lead = Some(buyer.user);
    // A few drafts are still being written.
    let drafting = created > end - Duration::days(20) && rng.random_bool(0.15);
    'story: {
        if drafting || !story.step(published, &NeedCommand::Publish, lead, None)? {
            break 'story;
        }
        published_at = Some(published);
        if rng.random_bool(0.04) {
            let at = published + minutes(rng, 1, 8);
            let reason = CANCELLED_NEEDS.choose(rng).map(|text| (*text).to_owned());
            story.step(at, &NeedCommand::Cancel, lead, reason)?;
            break 'story;
        }
        for seller in &quoters {
            let at = published
                + Duration::minutes(rng.random_range(60..(deadline - published).whole_minutes()));
            if at > end {
                continue;
            }
            let offered = if rng.random_bool(0.6) {
                quantity
            } else {
                (quantity / 2).max(1) + rng.random_range(0..=quantity / 2)
            };
            offers.push(Offer {
                seller,
                quote: PastQuote {
                    supplier: seller.id,
                    unit_price_fen: unit_price * rng.random_range(85..=120) / 100,
                    quantity: offered.min(quantity),
                    lead_time_days: rng.random_range(7..=60),
                    note: rng
                        .random_bool(0.5)
                        .then(|| QUOTE_NOTES.choose(rng).map(|note| (*note).to_owned()))
                        .flatten(),
                    ship_region_code: seller.county,
                    status: QuoteStatus::Submitted,
                    rejection: None,
                    created_at: at,
                    updated_at: at,
                    deal: None,
                },
            });
        }
        // The deadline passes: closed with quotes to decide on, expired without.
        let live_quotes = !offers.is_empty();
        if !story.step(
            deadline,
            &NeedCommand::PassDeadline { live_quotes },
            None,
            Some("the response deadline passed".into()),
        )? {
            shortlist_some(&mut offers, rng, end);
            break 'story;
        }
        if !live_quotes {
            break 'story;
        }
        let decided = deadline + minutes(rng, 1, 12);
        if decided > end {
            shortlist_some(&mut offers, rng, end);
            break 'story;
        }
        award(&mut story, &mut offers, buyer, quantity, decided, rng)?;
        deliver(&mut story, &mut offers, buyer, rng)?;
    }
    let updated_at = story.last.max(
        offers
            .iter()
            .map(|offer| offer.quote.updated_at)
            .max()
            .unwrap_or(created),
    );
    Ok(PastNeed {
        lead: buyer.id,
        created_by: buyer.user,
        terms,
        status: story.status,
        created_at: created,
        published_at,
        // Every capable seller the need's visibility admits passes the demo's filters.
        matched_at_publish: published_at.map(|_| !visible.is_empty()),
        updated_at,
        history: story.history,
        quotes: offers.into_iter().map(|offer| offer.quote).collect(),
    })
}

/// The lead marks some quotes to look at closely while it has not decided.
fn shortlist_some(offers: &mut [Offer], rng: &mut StdRng, end: OffsetDateTime) {
    for offer in offers.iter_mut() {
        if rng.random_bool(0.4) {
            offer.quote.status = QuoteStatus::Shortlisted;
            offer.quote.updated_at = (offer.quote.updated_at + Duration::days(1)).min(end);
        }
    }
}

/// The lead decides: in-province offers first most of the time, then the cheapest; it splits the
/// quantity over one or two winners and rejects the rest with a reason.
fn award(
    story: &mut Story,
    offers: &mut [Offer],
    buyer: &Buyer,
    quantity: u64,
    at: OffsetDateTime,
    rng: &mut StdRng,
) -> Result<(), AppError> {
    let prefer_local = rng.random_bool(0.7);
    let mut order: Vec<usize> = (0..offers.len()).collect();
    order.sort_by_key(|&index| {
        let offer = &offers[index];
        let outside = !offer.seller.county.is_in(ProvinceCode::HUBEI);
        (
            prefer_local && outside,
            offer.quote.unit_price_fen,
            offer.seller.id,
        )
    });
    let mut remaining = quantity;
    let mut winners = 0;
    for (rank, &index) in order.iter().enumerate() {
        let offer = &mut offers[index];
        if remaining > 0 && winners < 2 {
            let taken = offer.quote.quantity.min(remaining);
            remaining -= taken;
            winners += 1;
            let when = at + Duration::minutes(i64::try_from(rank).unwrap_or(0));
            if !story.step(
                when,
                &NeedCommand::Award { remaining },
                Some(buyer.user),
                Some(format!("{taken} to supplier {}", offer.seller.id)),
            )? {
                return Ok(());
            }
            story.awarded += taken;
            offer.quote.status = QuoteStatus::Awarded;
            offer.quote.updated_at = when;
            offer.quote.deal = Some(PastDeal {
                awarded_by: buyer.user,
                quantity: taken,
                value_fen: taken.saturating_mul(offer.quote.unit_price_fen),
                in_province: offer.quote.ship_region_code.is_in(ProvinceCode::HUBEI),
                status: DealStatus::Active,
                awarded_at: when,
                delivery: None,
                cancellation: None,
            });
        } else {
            let reason = if offer.quote.lead_time_days > 45 {
                RejectReason::LeadTime
            } else if !offer.seller.county.is_in(ProvinceCode::HUBEI) {
                RejectReason::Distance
            } else {
                *[
                    RejectReason::Price,
                    RejectReason::Capacity,
                    RejectReason::Quality,
                ]
                .choose(rng)
                .unwrap_or(&RejectReason::Price)
            };
            let note = match reason {
                RejectReason::LeadTime => "交期过长，无法满足投产节点",
                RejectReason::Distance => "运输距离远，优先省内配套",
                RejectReason::Price => "报价高于中标价",
                RejectReason::Capacity => "产能不足以覆盖批量",
                _ => "样件质量未达要求",
            };
            offer.quote.status = QuoteStatus::Rejected;
            offer.quote.rejection = Some((reason, Some(note.to_owned())));
            offer.quote.updated_at = at;
        }
    }
    // With part of the quantity left and nobody else to give it to, the lead often stops there.
    if story.status == NeedStatus::PartlyAwarded && rng.random_bool(0.5) {
        story.step(
            at + minutes(rng, 1, 5),
            &NeedCommand::Close,
            Some(buyer.user),
            Some("剩余数量暂不采购".into()),
        )?;
    }
    Ok(())
}

/// Deliveries come in after the lead time, most on time; once every deal of a fully awarded need
/// is delivered, the need is fulfilled. A few deals are cancelled on the way.
fn deliver(
    story: &mut Story,
    offers: &mut [Offer],
    buyer: &Buyer,
    rng: &mut StdRng,
) -> Result<(), AppError> {
    let end = story.end;
    let mut last_delivery = None;
    for offer in offers.iter_mut() {
        let lead_time = i64::from(offer.quote.lead_time_days);
        let Some(deal) = offer.quote.deal.as_mut() else {
            continue;
        };
        if rng.random_bool(0.04) {
            let at = deal.awarded_at + minutes(rng, 1, 10);
            if at <= end {
                let reason = CANCELLED_DEALS
                    .choose(rng)
                    .copied()
                    .unwrap_or("供应商无法交付");
                deal.status = DealStatus::Cancelled;
                deal.cancellation = Some((at, reason.to_owned()));
                story.awarded = story.awarded.saturating_sub(deal.quantity);
                let still_awarded = story.awarded;
                story.step(
                    at,
                    &NeedCommand::CancelDeal { still_awarded },
                    Some(buyer.user),
                    Some(reason.to_owned()),
                )?;
                continue;
            }
        }
        let promised = deal.awarded_at + Duration::days(lead_time);
        let late = rng.random_bool(0.2);
        let delivered = if late {
            promised + minutes(rng, 2, 20)
        } else {
            promised - minutes(rng, 0, 5).min(Duration::days(lead_time))
        };
        if delivered > end {
            continue;
        }
        let rating = if late {
            rng.random_range(2..=4)
        } else {
            rng.random_range(3..=5)
        };
        deal.status = DealStatus::Fulfilled;
        deal.delivery = Some((delivered.date(), !late, rating));
        last_delivery = last_delivery.max(Some(delivered));
    }
    let open = offers
        .iter()
        .filter_map(|offer| offer.quote.deal.as_ref())
        .any(|deal| deal.status == DealStatus::Active);
    let delivered = offers
        .iter()
        .filter_map(|offer| offer.quote.deal.as_ref())
        .any(|deal| deal.status == DealStatus::Fulfilled);
    if let Some(at) = last_delivery
        && story.status == NeedStatus::Awarded
        && !open
        && delivered
    {
        story.step(
            at,
            &NeedCommand::FulfilAll,
            Some(buyer.user),
            Some("every deal delivered".into()),
        )?;
    }
    Ok(())
}
