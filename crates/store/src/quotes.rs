//! Quotes and deals. An award is one transaction whose first statement is the guarded update of
//! the need's awarded quantity (`… WHERE awarded_quantity + ? <= quantity AND status IN (…)`): on
//! PostgreSQL the row lock makes competing awards re-check the condition; on SQLite that first write
//! takes the database's write lock before anything is read, which is what `BEGIN IMMEDIATE` would
//! do. A check constraint on the table refuses an over-award whatever the code does.

use peitao_domain::{
    Cancellation, DealId, DealStatus, EventKind, Fulfilment, NeedCommand, NeedEvent, NeedId,
    NeedStatus, NewQuote, OrganizationId, ProductionSiteId, QuoteId, QuoteStatus, RegionCode,
    RejectReason, UserId,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{CaseStatement, Expr, ExprTrait},
};
use time::OffsetDateTime;

use crate::{
    Store, StoreError,
    entity::{deals, needs, quotes},
    needs::write_history,
};

/// A stored quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub id: QuoteId,
    pub need_id: NeedId,
    pub supplier_id: OrganizationId,
    pub unit_price_fen: u64,
    pub quantity: u64,
    pub lead_time_days: u32,
    pub note: Option<String>,
    pub production_site_id: Option<ProductionSiteId>,
    /// The county of the plant it ships from.
    pub ship_region_code: RegionCode,
    pub status: QuoteStatus,
    pub reject_reason: Option<RejectReason>,
    pub reject_note: Option<String>,
    pub version: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A stored deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    pub id: DealId,
    pub need_id: NeedId,
    pub quote_id: QuoteId,
    pub lead_id: OrganizationId,
    pub supplier_id: OrganizationId,
    pub quantity: u64,
    pub value_fen: u64,
    pub supplier_region_code: RegionCode,
    pub in_province: bool,
    pub status: DealStatus,
    pub awarded_at: OffsetDateTime,
    pub delivered_on: Option<time::Date>,
    pub on_time: Option<bool>,
    pub quality_rating: Option<u8>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
}

/// What an award needs to know.
#[derive(Debug, Clone)]
pub struct NewAward {
    pub need: NeedId,
    pub quote: QuoteId,
    pub lead: OrganizationId,
    pub supplier: OrganizationId,
    pub quantity: u64,
    pub value_fen: u64,
    pub supplier_region_code: RegionCode,
    pub in_province: bool,
    pub actor: UserId,
    /// The need's status as the caller read it, for the history row.
    pub need_was: NeedStatus,
}

/// How an award ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwardOutcome {
    Awarded(Deal),
    /// Another award took the quantity first; this much is left.
    NotEnoughLeft {
        remaining: u64,
    },
    /// The need no longer takes awards.
    NeedNotOpen(NeedStatus),
    /// The quote was withdrawn, rejected or awarded meanwhile.
    QuoteNotLive(QuoteStatus),
}

fn amount(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unsigned(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

const AWARDABLE: [&str; 3] = ["published", "closed", "partly_awarded"];

impl Store {
    /// Stores a submitted quote; `Conflict` when the supplier has a live quote on the need.
    pub async fn insert_quote(
        &self,
        need: NeedId,
        supplier: OrganizationId,
        author: UserId,
        quote: &NewQuote,
        ship_region: RegionCode,
    ) -> Result<Quote, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let row = quotes::ActiveModel {
            id: NotSet,
            need_id: Set(need.0),
            supplier_id: Set(supplier.0),
            submitted_by: Set(Some(author.0)),
            unit_price_fen: Set(amount(quote.unit_price_fen())),
            quantity: Set(amount(quote.quantity())),
            lead_time_days: Set(i32::try_from(quote.lead_time_days()).unwrap_or(i32::MAX)),
            note: Set(quote.note().map(str::to_owned)),
            production_site_id: Set(quote.production_site_id().map(|site| site.0)),
            ship_region_code: Set(ship_region.as_str().to_owned()),
            status: Set(QuoteStatus::Submitted.as_str().to_owned()),
            live_need_id: Set(Some(need.0)),
            reject_reason: Set(None),
            reject_note: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let lead = needs::Entity::find_by_id(need.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .organization_id;
        crate::events::quote_event(&txn, EventKind::QuoteSubmitted, &row, lead).await?;
        txn.commit().await?;
        quote_from_row(row)
    }

    /// One quote.
    pub async fn quote(&self, id: QuoteId) -> Result<Quote, StoreError> {
        quote_from_row(
            quotes::Entity::find_by_id(id.0)
                .one(&self.db)
                .await?
                .ok_or(StoreError::NotFound)?,
        )
    }

    /// A need's quotes, oldest first.
    pub async fn quotes_for_need(&self, need: NeedId) -> Result<Vec<Quote>, StoreError> {
        quotes::Entity::find()
            .filter(quotes::Column::NeedId.eq(need.0))
            .order_by_asc(quotes::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(quote_from_row)
            .collect()
    }

    /// A supplier's quotes, newest first.
    pub async fn quotes_of_supplier(
        &self,
        supplier: OrganizationId,
    ) -> Result<Vec<Quote>, StoreError> {
        quotes::Entity::find()
            .filter(quotes::Column::SupplierId.eq(supplier.0))
            .order_by_desc(quotes::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(quote_from_row)
            .collect()
    }

    /// How many submitted or shortlisted quotes a need has.
    pub async fn live_quote_count(&self, need: NeedId) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(quotes::Entity::find()
            .filter(quotes::Column::LiveNeedId.eq(need.0))
            .count(&self.db)
            .await?)
    }

    /// Moves a quote from `from` to `to` if it is still there; a rejection keeps its reason.
    pub async fn transition_quote(
        &self,
        id: QuoteId,
        from: QuoteStatus,
        to: QuoteStatus,
        rejection: Option<(RejectReason, Option<&str>)>,
    ) -> Result<Quote, StoreError> {
        let mut update = quotes::Entity::update_many()
            .col_expr(quotes::Column::Status, Expr::value(to.as_str()))
            .col_expr(
                quotes::Column::Version,
                Expr::col(quotes::Column::Version).add(1),
            )
            .col_expr(
                quotes::Column::UpdatedAt,
                Expr::value(OffsetDateTime::now_utc()),
            );
        if !to.is_live() {
            update = update.col_expr(quotes::Column::LiveNeedId, Expr::value(Option::<i64>::None));
        }
        if let Some((reason, note)) = rejection {
            update = update
                .col_expr(quotes::Column::RejectReason, Expr::value(reason.as_str()))
                .col_expr(
                    quotes::Column::RejectNote,
                    Expr::value(note.map(str::to_owned)),
                );
        }
        let txn = self.begin_write().await?;
        let result = update
            .filter(quotes::Column::Id.eq(id.0))
            .filter(quotes::Column::Status.eq(from.as_str()))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            let current = self.quote(id).await?;
            return Err(StoreError::StaleVersion {
                current: current.version,
            });
        }
        let row = quotes::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let lead = needs::Entity::find_by_id(row.need_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .organization_id;
        if let Some(kind) = EventKind::of_quote_decision(to) {
            crate::events::quote_event(&txn, kind, &row, lead).await?;
        }
        txn.commit().await?;
        quote_from_row(row)
    }

    /// Awards part or all of a need to a live quote: the need's awarded quantity, the quote's
    /// status, the deal and the need's history row, in one transaction.
    pub async fn award(&self, award: &NewAward) -> Result<AwardOutcome, StoreError> {
        let now = OffsetDateTime::now_utc();
        let quantity = amount(award.quantity);
        let txn = self.begin_write().await?;
        let taken = needs::Entity::update_many()
            .col_expr(
                needs::Column::AwardedQuantity,
                Expr::col(needs::Column::AwardedQuantity).add(quantity),
            )
            .col_expr(
                needs::Column::Status,
                CaseStatement::new()
                    .case(
                        Expr::col(needs::Column::AwardedQuantity)
                            .add(quantity)
                            .eq(Expr::col(needs::Column::Quantity)),
                        Expr::value(NeedStatus::Awarded.as_str()),
                    )
                    .finally(Expr::value(NeedStatus::PartlyAwarded.as_str()))
                    .into(),
            )
            .col_expr(
                needs::Column::Version,
                Expr::col(needs::Column::Version).add(1),
            )
            .col_expr(needs::Column::UpdatedAt, Expr::value(now))
            .filter(needs::Column::Id.eq(award.need.0))
            .filter(needs::Column::Status.is_in(AWARDABLE))
            .filter(
                Expr::col(needs::Column::AwardedQuantity)
                    .add(quantity)
                    .lte(Expr::col(needs::Column::Quantity)),
            )
            .exec(&txn)
            .await?;
        if taken.rows_affected == 0 {
            txn.rollback().await?;
            let need = self.need(award.need).await?;
            return Ok(if AWARDABLE.contains(&need.status.as_str()) {
                AwardOutcome::NotEnoughLeft {
                    remaining: need.terms.quantity().saturating_sub(need.awarded_quantity),
                }
            } else {
                AwardOutcome::NeedNotOpen(need.status)
            });
        }
        let quote_taken = quotes::Entity::update_many()
            .col_expr(
                quotes::Column::Status,
                Expr::value(QuoteStatus::Awarded.as_str()),
            )
            .col_expr(quotes::Column::LiveNeedId, Expr::value(Option::<i64>::None))
            .col_expr(
                quotes::Column::Version,
                Expr::col(quotes::Column::Version).add(1),
            )
            .col_expr(quotes::Column::UpdatedAt, Expr::value(now))
            .filter(quotes::Column::Id.eq(award.quote.0))
            .filter(quotes::Column::NeedId.eq(award.need.0))
            .filter(quotes::Column::Status.is_in(["submitted", "shortlisted"]))
            .exec(&txn)
            .await?;
        if quote_taken.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(AwardOutcome::QuoteNotLive(
                self.quote(award.quote).await?.status,
            ));
        }
        let need_after = needs::Entity::find_by_id(award.need.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let deal = deals::ActiveModel {
            id: NotSet,
            need_id: Set(award.need.0),
            quote_id: Set(award.quote.0),
            lead_id: Set(award.lead.0),
            category_code: Set(need_after.category_code.clone()),
            supplier_id: Set(award.supplier.0),
            awarded_by: Set(Some(award.actor.0)),
            quantity: Set(quantity),
            value_fen: Set(amount(award.value_fen)),
            supplier_region_code: Set(award.supplier_region_code.as_str().to_owned()),
            in_province: Set(award.in_province),
            status: Set(DealStatus::Active.as_str().to_owned()),
            awarded_at: Set(now),
            delivered_on: Set(None),
            on_time: Set(None),
            quality_rating: Set(None),
            fulfilled_at: Set(None),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        write_history(
            &txn,
            award.need.0,
            &NeedEvent {
                at: now,
                actor: Some(award.actor),
                action: "award".into(),
                from: Some(award.need_was),
                to: NeedStatus::parse(&need_after.status)?,
                reason: Some(format!(
                    "deal {}: {} to supplier {} for {} fen",
                    deal.id, award.quantity, award.supplier, award.value_fen
                )),
            },
        )
        .await?;
        crate::events::deal_event(&txn, EventKind::DealCreated, &deal).await?;
        txn.commit().await?;
        Ok(AwardOutcome::Awarded(deal_from_row(deal)?))
    }

    /// One deal.
    pub async fn deal(&self, id: DealId) -> Result<Deal, StoreError> {
        deal_from_row(
            deals::Entity::find_by_id(id.0)
                .one(&self.db)
                .await?
                .ok_or(StoreError::NotFound)?,
        )
    }

    /// Deals of a lead (`lead`), of a supplier (`supplier`), or all; newest first.
    pub async fn list_deals(
        &self,
        lead: Option<OrganizationId>,
        supplier: Option<OrganizationId>,
        leads_in_park: Option<Vec<OrganizationId>>,
    ) -> Result<Vec<Deal>, StoreError> {
        let mut query = deals::Entity::find();
        if let Some(lead) = lead {
            query = query.filter(deals::Column::LeadId.eq(lead.0));
        }
        if let Some(supplier) = supplier {
            query = query.filter(deals::Column::SupplierId.eq(supplier.0));
        }
        if let Some(leads) = leads_in_park {
            query = query.filter(deals::Column::LeadId.is_in(leads.iter().map(|lead| lead.0)));
        }
        query
            .order_by_desc(deals::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(deal_from_row)
            .collect()
    }

    /// Records delivery of an active deal; when it was the need's last open deal and the need is
    /// fully awarded, the need is fulfilled too — all in one transaction.
    pub async fn fulfil_deal(
        &self,
        id: DealId,
        fulfilment: &Fulfilment,
        actor: UserId,
    ) -> Result<Deal, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let result = deals::Entity::update_many()
            .col_expr(
                deals::Column::Status,
                Expr::value(DealStatus::Fulfilled.as_str()),
            )
            .col_expr(
                deals::Column::DeliveredOn,
                Expr::value(fulfilment.delivered_on()),
            )
            .col_expr(deals::Column::OnTime, Expr::value(fulfilment.on_time()))
            .col_expr(
                deals::Column::QualityRating,
                Expr::value(i16::from(fulfilment.quality_rating())),
            )
            .col_expr(deals::Column::FulfilledAt, Expr::value(now))
            .filter(deals::Column::Id.eq(id.0))
            .filter(deals::Column::Status.eq(DealStatus::Active.as_str()))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            return Err(StoreError::StaleVersion { current: 0 });
        }
        let deal = deals::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::events::deal_event(&txn, EventKind::DealFulfilled, &deal).await?;
        settle_if_delivered(&txn, deal.need_id, actor, now).await?;
        txn.commit().await?;
        deal_from_row(deal)
    }

    /// Calls off an active deal: the deal is cancelled with its reason, its quantity goes back to
    /// the need (partly awarded while other deals keep some, closed when none do, so the lead may
    /// award it again), and the need's history says why — all in one transaction.
    /// `StaleVersion` when the deal is no longer active.
    pub async fn cancel_deal(
        &self,
        id: DealId,
        cancellation: &Cancellation,
        actor: UserId,
    ) -> Result<Deal, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        // The guarded update comes first: it takes SQLite's write lock before anything is read.
        let result = deals::Entity::update_many()
            .col_expr(
                deals::Column::Status,
                Expr::value(DealStatus::Cancelled.as_str()),
            )
            .col_expr(deals::Column::CancelledAt, Expr::value(now))
            .col_expr(
                deals::Column::CancelReason,
                Expr::value(cancellation.reason()),
            )
            .filter(deals::Column::Id.eq(id.0))
            .filter(deals::Column::Status.eq(DealStatus::Active.as_str()))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            return Err(StoreError::StaleVersion { current: 0 });
        }
        let deal = deals::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let need = needs::Entity::find_by_id(deal.need_id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let still_awarded = need
            .awarded_quantity
            .checked_sub(deal.quantity)
            .filter(|left| *left >= 0)
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "need {} has less awarded than its deal {}",
                    need.id, deal.id
                ))
            })?;
        let was = NeedStatus::parse(&need.status)?;
        let next = was
            .apply(&NeedCommand::CancelDeal {
                still_awarded: unsigned(still_awarded, "an awarded quantity")?,
            })
            .map_err(|refused| {
                StoreError::Corrupt(format!(
                    "an active deal on a need that refuses it: {refused}"
                ))
            })?;
        needs::Entity::update_many()
            .col_expr(needs::Column::AwardedQuantity, Expr::value(still_awarded))
            .col_expr(needs::Column::Status, Expr::value(next.as_str()))
            .col_expr(
                needs::Column::Version,
                Expr::col(needs::Column::Version).add(1),
            )
            .col_expr(needs::Column::UpdatedAt, Expr::value(now))
            .filter(needs::Column::Id.eq(need.id))
            .exec(&txn)
            .await?;
        write_history(
            &txn,
            need.id,
            &NeedEvent {
                at: now,
                actor: Some(actor),
                action: "cancel_deal".into(),
                from: Some(was),
                to: next,
                reason: Some(format!(
                    "deal {} cancelled, {} back to seek: {}",
                    deal.id,
                    deal.quantity,
                    cancellation.reason()
                )),
            },
        )
        .await?;
        crate::events::deal_event(&txn, EventKind::DealCancelled, &deal).await?;
        txn.commit().await?;
        deal_from_row(deal)
    }

    /// A supplier's record: fulfilled deals, how many on time, the sum of quality ratings —
    /// summed by the database, so a supplier with thousands of deals costs one row.
    pub async fn scorecard_totals(
        &self,
        supplier: OrganizationId,
    ) -> Result<(u32, u32, u32), StoreError> {
        let totals: Option<(i64, i64, i64)> = deals::Entity::find()
            .select_only()
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "fulfilled")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(CASE WHEN on_time THEN 1 ELSE 0 END), 0) AS BIGINT)"),
                "on_time",
            )
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(quality_rating), 0) AS BIGINT)"),
                "quality",
            )
            .filter(deals::Column::SupplierId.eq(supplier.0))
            .filter(deals::Column::Status.eq(DealStatus::Fulfilled.as_str()))
            .into_tuple()
            .one(&self.db)
            .await?;
        let (count, on_time, quality) = totals.unwrap_or_default();
        let clamp =
            |value: i64| u32::try_from(value).unwrap_or(if value < 0 { 0 } else { u32::MAX });
        Ok((clamp(count), clamp(on_time), clamp(quality)))
    }
}

/// Moves a fully awarded need to fulfilled when none of its deals is active any more and at least
/// one was delivered, writing the history row; inside the caller's transaction.
pub(crate) async fn settle_if_delivered(
    txn: &DatabaseTransaction,
    need: i64,
    actor: UserId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let deals_of_need = || deals::Entity::find().filter(deals::Column::NeedId.eq(need));
    let open = deals_of_need()
        .filter(deals::Column::Status.eq(DealStatus::Active.as_str()))
        .one(txn)
        .await?;
    let delivered = deals_of_need()
        .filter(deals::Column::Status.eq(DealStatus::Fulfilled.as_str()))
        .one(txn)
        .await?;
    if open.is_some() || delivered.is_none() {
        return Ok(());
    }
    let moved = needs::Entity::update_many()
        .col_expr(
            needs::Column::Status,
            Expr::value(NeedStatus::Fulfilled.as_str()),
        )
        .col_expr(
            needs::Column::Version,
            Expr::col(needs::Column::Version).add(1),
        )
        .col_expr(needs::Column::UpdatedAt, Expr::value(now))
        .filter(needs::Column::Id.eq(need))
        .filter(needs::Column::Status.eq(NeedStatus::Awarded.as_str()))
        .exec(txn)
        .await?;
    if moved.rows_affected == 1 {
        let row = needs::Entity::find_by_id(need)
            .one(txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::events::need_event(txn, EventKind::NeedFulfilled, &row, None, &[]).await?;
        write_history(
            txn,
            need,
            &NeedEvent {
                at: now,
                actor: Some(actor),
                action: "fulfil".into(),
                from: Some(NeedStatus::Awarded),
                to: NeedStatus::Fulfilled,
                reason: Some("every deal delivered".into()),
            },
        )
        .await?;
    }
    Ok(())
}

fn quote_from_row(row: quotes::Model) -> Result<Quote, StoreError> {
    Ok(Quote {
        id: QuoteId(row.id),
        need_id: NeedId(row.need_id),
        supplier_id: OrganizationId(row.supplier_id),
        unit_price_fen: unsigned(row.unit_price_fen, "a unit price")?,
        quantity: unsigned(row.quantity, "a quantity")?,
        lead_time_days: u32::try_from(row.lead_time_days)
            .map_err(|_| StoreError::Corrupt("a negative lead time".into()))?,
        note: row.note,
        production_site_id: row.production_site_id.map(ProductionSiteId),
        ship_region_code: RegionCode::parse(&row.ship_region_code)?,
        status: QuoteStatus::parse(&row.status)?,
        reject_reason: row
            .reject_reason
            .as_deref()
            .map(RejectReason::parse)
            .transpose()?,
        reject_note: row.reject_note,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn deal_from_row(row: deals::Model) -> Result<Deal, StoreError> {
    Ok(Deal {
        id: DealId(row.id),
        need_id: NeedId(row.need_id),
        quote_id: QuoteId(row.quote_id),
        lead_id: OrganizationId(row.lead_id),
        supplier_id: OrganizationId(row.supplier_id),
        quantity: unsigned(row.quantity, "a deal's quantity")?,
        value_fen: unsigned(row.value_fen, "a deal's value")?,
        supplier_region_code: RegionCode::parse(&row.supplier_region_code)?,
        in_province: row.in_province,
        status: DealStatus::parse(&row.status)?,
        awarded_at: row.awarded_at,
        delivered_on: row.delivered_on,
        on_time: row.on_time,
        quality_rating: row
            .quality_rating
            .and_then(|rating| u8::try_from(rating).ok()),
        cancelled_at: row.cancelled_at,
        cancel_reason: row.cancel_reason,
    })
}
