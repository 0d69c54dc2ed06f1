//! Quotes, awards and deals: an SME answers a need it may see, the owner shortlists, rejects with a
//! reason or awards — part of the quantity or all of it — and records delivery. An SME never sees
//! another supplier's quote, or even how many there are.

use peitao_domain::{
    Award, AwardLimits, Cancellation, DealCommand, DealId, DealStatus, Fulfilment, Need, NeedId,
    NewQuote, OrganizationId, ProvinceCode, QuoteCommand, QuoteId, RejectReason, Rejection, Role,
};
use peitao_store::{AwardOutcome, Deal, NewAward, Quote, Store, StoreError};
use time::OffsetDateTime;

use crate::{AppError, needs::Actor};

fn own_organization(actor: &Actor, role: Role, what: &str) -> Result<OrganizationId, AppError> {
    match (actor.role == role, actor.organization) {
        (true, Some(organization)) => Ok(organization),
        _ => Err(AppError::Forbidden(format!("only {what}"))),
    }
}

fn transition(err: peitao_domain::TransitionError) -> AppError {
    AppError::InvalidTransition(err.to_string())
}

/// The quote as sent.
#[derive(Debug, Clone)]
pub struct QuoteInput {
    pub unit_price_fen: u64,
    pub quantity: u64,
    pub lead_time_days: u32,
    pub note: Option<String>,
    pub production_site_id: Option<i64>,
}

/// An SME quotes on a published need it may see, holding every required certification valid
/// through the deadline; one live quote per supplier and need.
pub async fn submit(
    store: &Store,
    actor: &Actor,
    need: NeedId,
    input: &QuoteInput,
    home: ProvinceCode,
) -> Result<Quote, AppError> {
    let supplier = own_organization(actor, Role::Sme, "suppliers quote")?;
    let need = crate::needs::get(store, actor, need, home).await?;
    if !need.status.takes_quotes() {
        return Err(AppError::InvalidTransition(format!(
            "the need is {}; quotes are taken while it is published",
            need.status
        )));
    }
    let deadline = need.terms.response_deadline();
    if deadline <= OffsetDateTime::now_utc() {
        return Err(AppError::InvalidTransition(
            "the response deadline has passed".into(),
        ));
    }
    let today = OffsetDateTime::now_utc().date();
    let held = store.certifications(supplier).await?;
    let missing: Vec<String> = need
        .terms
        .required_certifications()
        .iter()
        .filter(|kind| {
            !held.iter().any(|stored| {
                stored.certification.kind() == *kind
                    && stored.certification.covers(today, deadline.date())
            })
        })
        .map(|kind| kind.as_str().to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Invalid(format!(
            "this need requires {} valid through {}; your profile lacks it or it expires before",
            missing.join(", "),
            peitao_domain::format_date(deadline.date())
        )));
    }
    let site = input
        .production_site_id
        .map(peitao_domain::ProductionSiteId);
    let quote = NewQuote::new(
        input.unit_price_fen,
        input.quantity,
        input.lead_time_days,
        input.note.as_deref(),
        site,
    )?;
    // Goods count as local by the plant that makes them: the quote ships from the plant named, or
    // from the supplier's own county.
    let ships_from = match crate::sites::shipping_county(store, supplier, site).await {
        Err(AppError::NotFound(_)) => {
            return Err(AppError::Invalid(format!(
                "production_site_id: {} is not one of your production sites",
                input.production_site_id.unwrap_or_default()
            )));
        }
        other => other?,
    };
    match store
        .insert_quote(need.id, supplier, actor.user, &quote, ships_from)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(
            "you have a live quote on this need; withdraw it to quote again".into(),
        )),
        other => Ok(other?),
    }
}

/// The quote, if `actor` may see it: its supplier, the need's owner, administrators who may see
/// the need. Anyone else gets 404.
pub async fn get(
    store: &Store,
    actor: &Actor,
    id: QuoteId,
    home: ProvinceCode,
) -> Result<(Quote, Need), AppError> {
    let missing = || AppError::not_found(format!("quote {id}"));
    let quote = match store.quote(id).await {
        Err(StoreError::NotFound) => return Err(missing()),
        other => other?,
    };
    if actor.role == Role::Sme && actor.organization != Some(quote.supplier_id) {
        return Err(missing());
    }
    let need = crate::needs::get(store, actor, quote.need_id, home)
        .await
        .map_err(|_| missing())?;
    Ok((quote, need))
}

/// A need's quotes: all of them to its owner and administrators, only its own to an SME.
pub async fn for_need(
    store: &Store,
    actor: &Actor,
    need: NeedId,
    home: ProvinceCode,
) -> Result<Vec<Quote>, AppError> {
    let need = crate::needs::get(store, actor, need, home).await?;
    let quotes = store.quotes_for_need(need.id).await?;
    Ok(match actor.role {
        Role::Sme => quotes
            .into_iter()
            .filter(|quote| Some(quote.supplier_id) == actor.organization)
            .collect(),
        _ => quotes,
    })
}

/// An SME's own quotes, newest first, with their needs.
pub async fn mine(store: &Store, actor: &Actor) -> Result<Vec<(Quote, Need)>, AppError> {
    let supplier = own_organization(actor, Role::Sme, "suppliers have quotes")?;
    // A supplier may have quoted a need more than once (withdrawn, then again): read each need once.
    let mut needs: std::collections::HashMap<NeedId, Need> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for quote in store.quotes_of_supplier(supplier).await? {
        let need = match needs.get(&quote.need_id) {
            Some(need) => need.clone(),
            None => {
                let need = store.need(quote.need_id).await?;
                needs.insert(quote.need_id, need.clone());
                need
            }
        };
        out.push((quote, need));
    }
    Ok(out)
}

/// What happens to a quote.
#[derive(Debug, Clone)]
pub enum QuoteAction {
    Withdraw,
    Shortlist,
    Reject {
        reason: String,
        note: Option<String>,
    },
}

/// The supplier withdraws its quote; the need's owner shortlists or rejects it with a reason.
pub async fn act(
    store: &Store,
    actor: &Actor,
    id: QuoteId,
    action: QuoteAction,
    home: ProvinceCode,
) -> Result<Quote, AppError> {
    let (quote, need) = get(store, actor, id, home).await?;
    let (command, rejection) = match &action {
        QuoteAction::Withdraw => {
            if actor.role != Role::Sme {
                return Err(AppError::Forbidden(
                    "only the supplier withdraws its quote".into(),
                ));
            }
            (QuoteCommand::Withdraw, None)
        }
        QuoteAction::Shortlist | QuoteAction::Reject { .. } => {
            if !(actor.role == Role::Lead && actor.organization == Some(need.organization_id)) {
                return Err(AppError::Forbidden(
                    "only the lead enterprise that owns the need decides on its quotes".into(),
                ));
            }
            match &action {
                QuoteAction::Reject { reason, note } => {
                    let rejection = Rejection::new(RejectReason::parse(reason)?, note.as_deref())?;
                    (QuoteCommand::Reject(rejection.clone()), Some(rejection))
                }
                _ => (QuoteCommand::Shortlist, None),
            }
        }
    };
    let next = quote.status.apply(command).map_err(transition)?;
    Ok(store
        .transition_quote(
            id,
            quote.status,
            next,
            rejection
                .as_ref()
                .map(|rejection| (rejection.reason(), rejection.note())),
        )
        .await?)
}

/// The award as sent.
#[derive(Debug, Clone, Copy)]
pub struct AwardInput {
    pub quote: QuoteId,
    pub quantity: u64,
    pub contract_value_fen: u64,
}

/// The owner awards part or all of a need to a live quote: a deal, whose `in_province` is fixed
/// at award time by the county the goods ship from.
pub async fn award(
    store: &Store,
    actor: &Actor,
    need: NeedId,
    input: AwardInput,
    home: ProvinceCode,
) -> Result<Deal, AppError> {
    let lead = own_organization(actor, Role::Lead, "lead enterprises award")?;
    let need = crate::needs::get(store, actor, need, home).await?;
    if need.organization_id != lead {
        return Err(AppError::Forbidden(
            "only the lead enterprise that owns the need awards it".into(),
        ));
    }
    let quote = match store.quote(input.quote).await {
        Ok(quote) if quote.need_id == need.id => quote,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(format!(
                "quote_id: quote {} is not a quote on need {}",
                input.quote, need.id
            )));
        }
        Err(other) => return Err(other.into()),
    };
    quote
        .status
        .apply(QuoteCommand::Award)
        .map_err(transition)?;
    let remaining = need.terms.quantity().saturating_sub(need.awarded_quantity);
    let checked = Award::new(
        input.quantity,
        input.contract_value_fen,
        AwardLimits {
            remaining,
            offered: quote.quantity,
        },
    )
    .map_err(|err| match err {
        // What remains is state another award may have changed: a conflict, as when the race is
        // lost inside the transaction.
        peitao_domain::DomainError::AwardExceedsRemaining { .. } => {
            AppError::Conflict(err.to_string())
        }
        other => other.into(),
    })?;
    let outcome = store
        .award(&NewAward {
            need: need.id,
            quote: quote.id,
            lead,
            supplier: quote.supplier_id,
            quantity: checked.quantity(),
            value_fen: checked.contract_value_fen(),
            supplier_region_code: quote.ship_region_code,
            in_province: quote.ship_region_code.is_in(home),
            actor: actor.user,
            need_was: need.status,
        })
        .await?;
    match outcome {
        AwardOutcome::Awarded(deal) => Ok(deal),
        AwardOutcome::NotEnoughLeft { remaining } => Err(AppError::Conflict(format!(
            "another award came first: {remaining} of the need's quantity remains"
        ))),
        AwardOutcome::NeedNotOpen(status) => Err(AppError::InvalidTransition(format!(
            "the need is {status}; it takes awards while published, closed or partly awarded"
        ))),
        AwardOutcome::QuoteNotLive(status) => Err(AppError::InvalidTransition(format!(
            "the quote is {}; only a submitted or shortlisted quote is awarded",
            status.as_str()
        ))),
    }
}

/// Deals in `actor`'s scope: a lead's own, an SME's own, a park's lead enterprises', or all.
pub async fn deals(store: &Store, actor: &Actor) -> Result<Vec<Deal>, AppError> {
    Ok(match actor.role {
        Role::Lead => store.list_deals(actor.organization, None, None).await?,
        Role::Sme => store.list_deals(None, actor.organization, None).await?,
        Role::ParkAdmin => match actor.park {
            Some(park) => {
                let leads = store.organizations_in_park(park).await?;
                store.list_deals(None, None, Some(leads)).await?
            }
            None => Vec::new(),
        },
        Role::PlatformAdmin => store.list_deals(None, None, None).await?,
    })
}

/// One deal, to its lead, its supplier, the lead's park administrator and platform administrators.
pub async fn deal(store: &Store, actor: &Actor, id: DealId) -> Result<Deal, AppError> {
    let missing = || AppError::not_found(format!("deal {id}"));
    let deal = match store.deal(id).await {
        Err(StoreError::NotFound) => return Err(missing()),
        other => other?,
    };
    let visible = match actor.role {
        Role::Lead => actor.organization == Some(deal.lead_id),
        Role::Sme => actor.organization == Some(deal.supplier_id),
        Role::ParkAdmin => {
            actor.park.is_some() && store.organization(deal.lead_id).await?.park_id == actor.park
        }
        Role::PlatformAdmin => true,
    };
    if visible { Ok(deal) } else { Err(missing()) }
}

/// The lead records delivery: date, on time or not, quality 1 to 5.
pub async fn fulfil(
    store: &Store,
    actor: &Actor,
    id: DealId,
    fulfilment: Fulfilment,
) -> Result<Deal, AppError> {
    let deal = deal(store, actor, id).await?;
    if !(actor.role == Role::Lead && actor.organization == Some(deal.lead_id)) {
        return Err(AppError::Forbidden(
            "only the lead enterprise that awarded the deal records its delivery".into(),
        ));
    }
    let today = OffsetDateTime::now_utc().date();
    let fulfilment = fulfilment.within(deal.awarded_at.date(), today)?;
    let status = deal
        .status
        .apply(DealCommand::Fulfil(fulfilment))
        .map_err(transition)?;
    debug_assert_eq!(status, DealStatus::Fulfilled);
    match store.fulfil_deal(id, &fulfilment, actor.user).await {
        Err(StoreError::StaleVersion { .. }) => Err(AppError::InvalidTransition(
            "the deal was fulfilled or cancelled meanwhile".into(),
        )),
        other => Ok(other?),
    }
}

/// The lead calls off an active deal, saying why: the quantity is sought again on the need.
pub async fn cancel_deal(
    store: &Store,
    actor: &Actor,
    id: DealId,
    cancellation: Cancellation,
) -> Result<Deal, AppError> {
    let deal = deal(store, actor, id).await?;
    if !(actor.role == Role::Lead && actor.organization == Some(deal.lead_id)) {
        return Err(AppError::Forbidden(
            "only the lead enterprise that awarded the deal cancels it".into(),
        ));
    }
    deal.status
        .apply(DealCommand::Cancel(cancellation.clone()))
        .map_err(transition)?;
    match store.cancel_deal(id, &cancellation, actor.user).await {
        Err(StoreError::StaleVersion { .. }) => Err(AppError::InvalidTransition(
            "the deal was fulfilled or cancelled meanwhile".into(),
        )),
        other => Ok(other?),
    }
}

/// A supplier's record from its fulfilled deals: how many, how many on time, quality.
pub async fn scorecard(
    store: &Store,
    supplier: OrganizationId,
) -> Result<peitao_domain::Scorecard, AppError> {
    let (fulfilled, on_time, quality) = store.scorecard_totals(supplier).await?;
    Ok(peitao_domain::Scorecard::from_totals(
        fulfilled, on_time, quality,
    )?)
}
