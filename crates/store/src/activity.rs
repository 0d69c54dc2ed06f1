//! Past activity written in one go: needs with their history, quotes and deals as they stood on a
//! day in the past. The demo generator uses it to lay down eighteen months of a province at work;
//! the rules the live use cases enforce (the state machine, awards within the quantity, one live
//! quote per supplier and need) are the caller's to keep, and the database's constraints refuse
//! the rest.

use peitao_domain::{
    DealStatus, NeedEvent, NeedStatus, NeedTerms, OrganizationId, QuoteStatus, RegionCode,
    RejectReason, UserId,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    DatabaseTransaction,
};
use time::{Date, OffsetDateTime};

use crate::{
    Store, StoreError,
    entity::{deals, needs, quotes},
    needs::{terms_columns, write_history, write_invitations},
};

/// A need as it stands today, with everything that happened to it.
#[derive(Debug, Clone)]
pub struct PastNeed {
    pub lead: OrganizationId,
    pub created_by: UserId,
    pub terms: NeedTerms,
    pub status: NeedStatus,
    pub created_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
    /// Whether an eligible supplier existed when it was published.
    pub matched_at_publish: Option<bool>,
    pub updated_at: OffsetDateTime,
    /// Every change, oldest first.
    pub history: Vec<NeedEvent>,
    pub quotes: Vec<PastQuote>,
}

/// A quote on a past need, with the deal it won, if any.
#[derive(Debug, Clone)]
pub struct PastQuote {
    pub supplier: OrganizationId,
    pub unit_price_fen: u64,
    pub quantity: u64,
    pub lead_time_days: u32,
    pub note: Option<String>,
    pub ship_region_code: RegionCode,
    pub status: QuoteStatus,
    pub rejection: Option<(RejectReason, Option<String>)>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deal: Option<PastDeal>,
}

/// A deal made from a past quote.
#[derive(Debug, Clone)]
pub struct PastDeal {
    pub awarded_by: UserId,
    pub quantity: u64,
    pub value_fen: u64,
    pub in_province: bool,
    pub status: DealStatus,
    pub awarded_at: OffsetDateTime,
    /// Delivery day, on time, quality: set when the deal is fulfilled.
    pub delivery: Option<(Date, bool, u8)>,
    /// When and why it was called off: set when the deal is cancelled.
    pub cancellation: Option<(OffsetDateTime, String)>,
}

fn amount(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} is too large to store")))
}

impl Store {
    /// Stores past needs with their history, quotes and deals, all or nothing. The awarded
    /// quantity of each need is the sum of its deals that were not cancelled.
    pub async fn import_past_needs(&self, past: &[PastNeed]) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        for need in past {
            insert_past_need(&txn, need).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

async fn insert_past_need(txn: &DatabaseTransaction, past: &PastNeed) -> Result<(), StoreError> {
    let awarded: u64 = past
        .quotes
        .iter()
        .filter_map(|quote| quote.deal.as_ref())
        .filter(|deal| deal.status != DealStatus::Cancelled)
        .map(|deal| deal.quantity)
        .sum();
    let mut row = terms_columns(&past.terms)?;
    row.organization_id = Set(past.lead.0);
    row.created_by = Set(Some(past.created_by.0));
    row.status = Set(past.status.as_str().to_owned());
    row.awarded_quantity = Set(amount(awarded)?);
    row.version = Set(i32::try_from(past.history.len()).unwrap_or(i32::MAX));
    row.created_at = Set(past.created_at);
    row.updated_at = Set(past.updated_at);
    row.published_at = Set(past.published_at);
    row.matched_at_publish = Set(past.matched_at_publish);
    let need: needs::Model = row.insert(txn).await?;
    write_invitations(txn, need.id, &past.terms).await?;
    for event in &past.history {
        write_history(txn, need.id, event).await?;
    }
    for quote in &past.quotes {
        let live = matches!(
            quote.status,
            QuoteStatus::Submitted | QuoteStatus::Shortlisted
        );
        let stored = quotes::ActiveModel {
            id: NotSet,
            need_id: Set(need.id),
            supplier_id: Set(quote.supplier.0),
            submitted_by: Set(None),
            unit_price_fen: Set(amount(quote.unit_price_fen)?),
            quantity: Set(amount(quote.quantity)?),
            lead_time_days: Set(i32::try_from(quote.lead_time_days).unwrap_or(i32::MAX)),
            note: Set(quote.note.clone()),
            production_site_id: Set(None),
            ship_region_code: Set(quote.ship_region_code.as_str().to_owned()),
            status: Set(quote.status.as_str().to_owned()),
            live_need_id: Set(live.then_some(need.id)),
            reject_reason: Set(quote
                .rejection
                .as_ref()
                .map(|(reason, _)| reason.as_str().to_owned())),
            reject_note: Set(quote.rejection.as_ref().and_then(|(_, note)| note.clone())),
            version: Set(1),
            created_at: Set(quote.created_at),
            updated_at: Set(quote.updated_at),
        }
        .insert(txn)
        .await?;
        let Some(deal) = &quote.deal else {
            continue;
        };
        deals::ActiveModel {
            id: NotSet,
            need_id: Set(need.id),
            quote_id: Set(stored.id),
            lead_id: Set(past.lead.0),
            category_code: Set(need.category_code.clone()),
            supplier_id: Set(quote.supplier.0),
            awarded_by: Set(Some(deal.awarded_by.0)),
            quantity: Set(amount(deal.quantity)?),
            value_fen: Set(amount(deal.value_fen)?),
            supplier_region_code: Set(quote.ship_region_code.as_str().to_owned()),
            in_province: Set(deal.in_province),
            status: Set(deal.status.as_str().to_owned()),
            awarded_at: Set(deal.awarded_at),
            delivered_on: Set(deal.delivery.map(|(day, _, _)| day)),
            on_time: Set(deal.delivery.map(|(_, on_time, _)| on_time)),
            quality_rating: Set(deal.delivery.map(|(_, _, rating)| i16::from(rating))),
            fulfilled_at: Set(deal
                .delivery
                .and_then(|(day, _, _)| day.with_hms(17, 0, 0).ok())
                .map(|moment| moment.assume_utc())),
            cancelled_at: Set(deal.cancellation.as_ref().map(|(at, _)| *at)),
            cancel_reason: Set(deal.cancellation.as_ref().map(|(_, why)| why.clone())),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
