//! Quotes, awards and deals: SMEs quote and withdraw; the need's owner shortlists, rejects with a
//! reason and awards; deals are listed by scope and their delivery recorded. Each handler calls one
//! use case in `peitao_app::quotes`.

use actix_web::{HttpResponse, get, post, web};
use peitao_app::quotes::{self, AwardInput, QuoteAction, QuoteInput};
use peitao_domain::{Cancellation, DealId, Fulfilment, Need, NeedId, QuoteId, parse_date};
use peitao_store::{Deal, Quote};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Leads, Parties, Principal, Smes},
    error::{ApiError, Conflicting, Forbidden},
    extract::Json,
    openapi::{params::IdPath, schemas},
    routes::pagination::List,
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_quote)
        .service(need_quotes)
        .service(my_quotes)
        .service(withdraw_quote)
        .service(shortlist_quote)
        .service(reject_quote)
        .service(award_need)
        .service(list_deals)
        .service(get_deal)
        .service(fulfil_deal)
        .service(cancel_deal);
}

/// A quote as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The price of one unit, in fen.
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 2950)]
    pub unit_price_fen: u64,
    /// How many units are offered.
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 6000)]
    pub quantity: u64,
    #[serde(deserialize_with = "crate::whole::u32")]
    #[schema(schema_with = schemas::lead_time_days, example = 21)]
    pub lead_time_days: u32,
    #[schema(schema_with = schemas::quote_note)]
    pub note: Option<String>,
    /// The plant it ships from (`/suppliers/me/sites`); the supplier's own county when absent.
    #[serde(default, deserialize_with = "crate::whole::option_i64")]
    #[schema(schema_with = schemas::nullable_id)]
    pub production_site_id: Option<i64>,
}

/// Why a quote is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    #[schema(schema_with = schemas::reject_reason, example = "price")]
    pub reason_code: String,
    /// Required when `reason_code` is `other`.
    #[schema(schema_with = schemas::rejection_note)]
    pub note: Option<String>,
}

/// An award: a quote, the quantity given to it and the contract value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRequest {
    #[serde(deserialize_with = "crate::whole::i64")]
    #[schema(schema_with = schemas::id)]
    pub quote_id: i64,
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 6000)]
    pub quantity: u64,
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 17700000)]
    pub contract_value_fen: u64,
}

/// A delivery.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentRequest {
    #[schema(schema_with = schemas::date, example = "2026-12-20")]
    pub delivered_on: String,
    pub on_time: bool,
    #[serde(deserialize_with = "crate::whole::u8")]
    #[schema(schema_with = schemas::quality_rating, example = 5)]
    pub quality_rating: u8,
}

/// Why a deal is called off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealCancellationRequest {
    #[schema(schema_with = schemas::reason, example = "The supplier's plant was flooded")]
    pub reason: String,
}

/// A quote.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub id: i64,
    pub need_id: i64,
    pub supplier_id: i64,
    /// `submitted`, `shortlisted`, `rejected`, `withdrawn` or `awarded`.
    pub status: &'static str,
    pub unit_price_fen: u64,
    pub quantity: u64,
    pub total_fen: u64,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    pub lead_time_days: u32,
    pub note: Option<String>,
    /// The county the goods ship from.
    pub ship_region_code: String,
    pub in_province: bool,
    /// Why it was rejected: `price`, `capacity`, `certification`, `quality`, `lead_time`,
    /// `distance` or `other`.
    pub reject_reason: Option<&'static str>,
    pub reject_note: Option<String>,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl QuoteView {
    /// The quote as the API shows it.
    pub(crate) fn new(quote: Quote, state: &AppState) -> Self {
        Self {
            id: quote.id.0,
            need_id: quote.need_id.0,
            supplier_id: quote.supplier_id.0,
            status: quote.status.as_str(),
            unit_price_fen: quote.unit_price_fen,
            quantity: quote.quantity,
            total_fen: quote.unit_price_fen.saturating_mul(quote.quantity),
            currency: "CNY",
            lead_time_days: quote.lead_time_days,
            note: quote.note,
            in_province: quote.ship_region_code.is_in(state.home_province),
            ship_region_code: quote.ship_region_code.to_string(),
            reject_reason: quote.reject_reason.map(|reason| reason.as_str()),
            reject_note: quote.reject_note,
            version: quote.version,
            created_at: quote.created_at,
            updated_at: quote.updated_at,
        }
    }
}

/// An SME's quote with the need it answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyQuoteView {
    #[serde(flatten)]
    pub quote: QuoteView,
    pub need_title: String,
    pub need_status: &'static str,
}

/// A deal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealView {
    pub id: i64,
    pub need_id: i64,
    pub quote_id: i64,
    pub lead_id: i64,
    pub supplier_id: i64,
    pub quantity: u64,
    pub value_fen: u64,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    /// The county the goods ship from, at award time.
    pub supplier_region_code: String,
    /// Whether that county lies in the home province, at award time.
    pub in_province: bool,
    /// `active`, `fulfilled` or `cancelled`.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub awarded_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = Date)]
    pub delivered_on: Option<String>,
    pub on_time: Option<bool>,
    pub quality_rating: Option<u8>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<OffsetDateTime>,
    /// Why the lead called it off.
    pub cancel_reason: Option<String>,
}

impl From<Deal> for DealView {
    fn from(deal: Deal) -> Self {
        Self {
            id: deal.id.0,
            need_id: deal.need_id.0,
            quote_id: deal.quote_id.0,
            lead_id: deal.lead_id.0,
            supplier_id: deal.supplier_id.0,
            quantity: deal.quantity,
            value_fen: deal.value_fen,
            currency: "CNY",
            supplier_region_code: deal.supplier_region_code.to_string(),
            in_province: deal.in_province,
            status: deal.status.as_str(),
            awarded_at: deal.awarded_at,
            delivered_on: deal.delivered_on.map(peitao_domain::format_date),
            on_time: deal.on_time,
            quality_rating: deal.quality_rating,
            cancelled_at: deal.cancelled_at,
            cancel_reason: deal.cancel_reason,
        }
    }
}

/// Quotes on a published need the SME may see, holding every required certification valid through
/// the deadline (else 422 naming what is missing); one live quote per need. Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(IdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body = QuoteRequest,
    responses(
        (status = 201, body = QuoteView),
        Forbidden,
        Conflicting,
    )
)]
#[post(
    "/needs/{id}/quotes",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn submit_quote(
    state: web::Data<AppState>,
    request: Admitted<Smes, Json<QuoteRequest>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    let quote = quotes::submit(
        &state.store,
        &principal.actor(),
        NeedId(id.into_inner()),
        &QuoteInput {
            unit_price_fen: body.unit_price_fen,
            quantity: body.quantity,
            lead_time_days: body.lead_time_days,
            note: body.note,
            production_site_id: body.production_site_id,
        },
        state.home_province,
    )
    .await?;
    Ok(HttpResponse::Created().json(QuoteView::new(quote, &state)))
}

/// A need's quotes, oldest first: all of them to its owner and administrators; to an SME only
/// its own.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(IdPath),
    responses((status = 200, body = List<QuoteView>))
)]
#[get("/needs/{id}/quotes")]
async fn need_quotes(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<List<QuoteView>>, ApiError> {
    let quotes = quotes::for_need(
        &state.store,
        &principal.actor(),
        NeedId(id.into_inner()),
        state.home_province,
    )
    .await?;
    Ok(web::Json(List {
        items: quotes
            .into_iter()
            .map(|quote| QuoteView::new(quote, &state))
            .collect(),
        next_cursor: None,
    }))
}

/// The signed-in SME's quotes, newest first, with their status and any rejection reason.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<MyQuoteView>),
        Forbidden,
    )
)]
#[get("/suppliers/me/quotes")]
async fn my_quotes(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<MyQuoteView>>, ApiError> {
    let mine = quotes::mine(&state.store, &principal.actor()).await?;
    Ok(web::Json(List {
        items: mine
            .into_iter()
            .map(|(quote, need): (Quote, Need)| MyQuoteView {
                quote: QuoteView::new(quote, &state),
                need_title: need.terms.title().to_owned(),
                need_status: need.status.as_str(),
            })
            .collect(),
        next_cursor: None,
    }))
}

async fn quote_action(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: QuoteAction,
) -> Result<web::Json<QuoteView>, ApiError> {
    let quote = quotes::act(
        &state.store,
        &principal.actor(),
        QuoteId(id),
        action,
        state.home_province,
    )
    .await?;
    Ok(web::Json(QuoteView::new(quote, state)))
}

/// The supplier withdraws its submitted or shortlisted quote.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = QuoteView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/quotes/{id}/withdraw")]
async fn withdraw_quote(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<QuoteView>, ApiError> {
    quote_action(&state, &principal, id.into_inner(), QuoteAction::Withdraw).await
}

/// The need's owner shortlists a submitted quote.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = QuoteView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/quotes/{id}/shortlist")]
async fn shortlist_quote(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<QuoteView>, ApiError> {
    quote_action(&state, &principal, id.into_inner(), QuoteAction::Shortlist).await
}

/// The need's owner rejects a quote with a reason the supplier reads.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(IdPath),
    request_body = RejectRequest,
    responses(
        (status = 200, body = QuoteView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/quotes/{id}/reject")]
async fn reject_quote(
    state: web::Data<AppState>,
    request: Admitted<Parties, Json<RejectRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<QuoteView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    quote_action(
        &state,
        &principal,
        id.into_inner(),
        QuoteAction::Reject {
            reason: body.reason_code,
            note: body.note,
        },
    )
    .await
}

/// The owner awards part or all of the need to a live quote: a deal. Never beyond the need's
/// quantity, however many awards race (409 for the losers). Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(IdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body = AwardRequest,
    responses(
        (status = 201, body = DealView),
        Forbidden,
        Conflicting,
    )
)]
#[post(
    "/needs/{id}/awards",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn award_need(
    state: web::Data<AppState>,
    request: Admitted<Leads, Json<AwardRequest>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    let deal = quotes::award(
        &state.store,
        &principal.actor(),
        NeedId(id.into_inner()),
        AwardInput {
            quote: QuoteId(body.quote_id),
            quantity: body.quantity,
            contract_value_fen: body.contract_value_fen,
        },
        state.home_province,
    )
    .await?;
    Ok(HttpResponse::Created().json(DealView::from(deal)))
}

/// Deals in the caller's scope, newest first: a lead's, an SME's, a park's lead enterprises', or
/// all (platform administrators).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    responses((status = 200, body = List<DealView>))
)]
#[get("/deals")]
async fn list_deals(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<List<DealView>>, ApiError> {
    let deals = quotes::deals(&state.store, &principal.actor()).await?;
    Ok(web::Json(List {
        items: deals.into_iter().map(DealView::from).collect(),
        next_cursor: None,
    }))
}

/// One deal: to its lead, its supplier, the lead's park administrator and platform administrators.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(IdPath),
    responses((status = 200, body = DealView))
)]
#[get("/deals/{id}")]
async fn get_deal(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<DealView>, ApiError> {
    let deal = quotes::deal(&state.store, &principal.actor(), DealId(id.into_inner())).await?;
    Ok(web::Json(DealView::from(deal)))
}

/// The lead records delivery: date, on time, quality 1 to 5. The need is fulfilled once every
/// deal of a fully awarded need is. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(IdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body = FulfilmentRequest,
    responses(
        (status = 200, body = DealView),
        Forbidden,
        Conflicting,
    )
)]
#[post(
    "/deals/{id}/fulfilment",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn fulfil_deal(
    state: web::Data<AppState>,
    request: Admitted<Parties, Json<FulfilmentRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<DealView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let body = body.into_inner();
    let fulfilment = Fulfilment::new(
        parse_date("delivered_on", &body.delivered_on)?,
        body.on_time,
        body.quality_rating,
    )?;
    let deal = quotes::fulfil(
        &state.store,
        &principal.actor(),
        DealId(id.into_inner()),
        fulfilment,
    )
    .await?;
    Ok(web::Json(DealView::from(deal)))
}

/// The lead calls off an active deal, saying why: the deal's quantity is sought again on the need
/// (partly awarded while other deals keep some, closed when none do), and the need's history
/// records it.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(IdPath),
    request_body = DealCancellationRequest,
    responses(
        (status = 200, body = DealView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/deals/{id}/cancel")]
async fn cancel_deal(
    state: web::Data<AppState>,
    request: Admitted<Parties, Json<DealCancellationRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<DealView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let cancellation = Cancellation::new(&body.into_inner().reason)?;
    let deal = quotes::cancel_deal(
        &state.store,
        &principal.actor(),
        DealId(id.into_inner()),
        cancellation,
    )
    .await?;
    Ok(web::Json(DealView::from(deal)))
}
