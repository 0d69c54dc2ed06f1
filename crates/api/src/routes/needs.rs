//! Needs: lead enterprises draft, publish, edit, close and cancel what they want to source; SMEs
//! browse the published needs they may see; administrators watch. Each handler calls one use case
//! in `peitao_app::needs`.

use actix_web::{HttpResponse, get, patch, post, web};
use peitao_app::needs::{self, ListQuery, OwnerAction, TermsInput};
use peitao_domain::{CategoryCode, Need, NeedEvent, NeedId, RegionCode, Role};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    auth::{Admitted, Leads, Parties, Principal},
    error::{ApiError, Conflicting, Forbidden, Problem},
    extract::Json,
    openapi::{params::IdPath, schemas},
    routes::pagination::{List, is_id_cursor, malformed, page_request},
    state::AppState,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_need)
        .service(list_needs)
        .service(get_need)
        .service(update_need)
        .service(publish_need)
        .service(close_need)
        .service(cancel_need)
        .service(need_history);
}

/// A need as sent: every term.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedRequest {
    #[schema(schema_with = schemas::category_code, example = "auto.body.stamping")]
    pub category_code: String,
    #[schema(schema_with = schemas::need_title, example = "Door inner panels, DC04")]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = schemas::specification, example = "DC04 0.8 mm, E-coat; drawing A-1123 rev C")]
    pub specification: Option<String>,
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 12000)]
    pub quantity: u64,
    #[schema(schema_with = schemas::unit, example = "pcs")]
    pub unit: String,
    /// The estimated value in fen (CNY minor unit).
    #[serde(deserialize_with = "crate::whole::u64")]
    #[schema(schema_with = schemas::amount, example = 36000000)]
    pub estimated_value_fen: u64,
    #[serde(default)]
    #[schema(schema_with = schemas::required_certifications, example = json!(["IATF16949"]))]
    pub required_certifications: Vec<String>,
    /// The county delivered to.
    #[schema(schema_with = schemas::region_code, example = "420606")]
    pub delivery_region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(schema_with = schemas::timestamp, example = "2026-12-31T16:00:00Z")]
    pub response_deadline: OffsetDateTime,
    #[schema(schema_with = schemas::visibility, example = "public")]
    pub visibility: String,
    #[serde(default)]
    #[schema(schema_with = schemas::invited_suppliers)]
    pub invited_supplier_ids: Vec<i64>,
}

impl NeedRequest {
    fn into_input(self) -> TermsInput {
        TermsInput {
            category_code: self.category_code,
            title: self.title,
            specification: self.specification,
            quantity: self.quantity,
            unit: self.unit,
            estimated_value_fen: self.estimated_value_fen,
            required_certifications: self.required_certifications,
            delivery_region_code: self.delivery_region_code,
            response_deadline: self.response_deadline,
            visibility: self.visibility,
            invited_supplier_ids: self.invited_supplier_ids,
        }
    }
}

/// Changes to a draft or published need: the version read, and the terms that change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNeedRequest {
    #[serde(deserialize_with = "crate::whole::i32")]
    #[schema(schema_with = schemas::version)]
    pub version: i32,
    #[schema(schema_with = schemas::category_code)]
    pub category_code: Option<String>,
    #[schema(schema_with = schemas::need_title)]
    pub title: Option<String>,
    #[schema(schema_with = schemas::specification)]
    pub specification: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::option_u64")]
    #[schema(schema_with = schemas::amount)]
    pub quantity: Option<u64>,
    #[schema(schema_with = schemas::unit)]
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::option_u64")]
    #[schema(schema_with = schemas::amount)]
    pub estimated_value_fen: Option<u64>,
    #[schema(schema_with = schemas::required_certifications)]
    pub required_certifications: Option<Vec<String>>,
    #[schema(schema_with = schemas::region_code)]
    pub delivery_region_code: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(schema_with = schemas::timestamp)]
    pub response_deadline: Option<OffsetDateTime>,
    #[schema(schema_with = schemas::visibility)]
    pub visibility: Option<String>,
    #[schema(schema_with = schemas::invited_suppliers)]
    pub invited_supplier_ids: Option<Vec<i64>>,
}

impl UpdateNeedRequest {
    /// The current terms with the changes sent applied.
    fn merged(self, need: &Need) -> TermsInput {
        let terms = &need.terms;
        TermsInput {
            category_code: self
                .category_code
                .unwrap_or_else(|| terms.category_code().to_string()),
            title: self.title.unwrap_or_else(|| terms.title().to_owned()),
            specification: self.specification.or_else(|| {
                (!terms.specification().is_empty()).then(|| terms.specification().to_owned())
            }),
            quantity: self.quantity.unwrap_or(terms.quantity()),
            unit: self.unit.unwrap_or_else(|| terms.unit().to_owned()),
            estimated_value_fen: self
                .estimated_value_fen
                .unwrap_or(terms.estimated_value_fen()),
            required_certifications: self.required_certifications.unwrap_or_else(|| {
                terms
                    .required_certifications()
                    .iter()
                    .map(|kind| kind.as_str().to_owned())
                    .collect()
            }),
            delivery_region_code: self
                .delivery_region_code
                .unwrap_or_else(|| terms.delivery_region_code().to_string()),
            response_deadline: self.response_deadline.unwrap_or(terms.response_deadline()),
            visibility: self
                .visibility
                .unwrap_or_else(|| terms.visibility().as_str().to_owned()),
            invited_supplier_ids: self
                .invited_supplier_ids
                .unwrap_or_else(|| terms.invited_supplier_ids().iter().map(|id| id.0).collect()),
        }
    }
}

/// Why a need is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[schema(schema_with = schemas::reason, example = "The model was discontinued")]
    pub reason: String,
}

/// A need.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedView {
    pub id: i64,
    /// The lead enterprise that sources.
    pub organization_id: i64,
    /// `draft`, `published`, `closed`, `expired`, `partly_awarded`, `awarded`, `fulfilled` or
    /// `cancelled`.
    pub status: &'static str,
    pub version: i32,
    pub category_code: String,
    pub title: String,
    pub specification: String,
    pub quantity: u64,
    pub unit: String,
    pub awarded_quantity: u64,
    pub remaining_quantity: u64,
    pub estimated_value_fen: u64,
    #[schema(example = "CNY")]
    pub currency: &'static str,
    pub required_certifications: Vec<String>,
    pub delivery_region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub response_deadline: OffsetDateTime,
    pub visibility: &'static str,
    /// The invited suppliers: shown to the owner and administrators, never to suppliers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_supplier_ids: Option<Vec<i64>>,
    /// What the owner may do next (`publish`, `close`, `cancel`…); empty for anyone else.
    pub allowed_actions: Vec<&'static str>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<OffsetDateTime>,
}

impl NeedView {
    /// The need as its reader may see it.
    pub(crate) fn new(need: Need, principal: &Principal) -> Self {
        let owner = principal.role() == Role::Lead
            && principal.organization_id() == Some(need.organization_id);
        let sees_invitations =
            owner || matches!(principal.role(), Role::ParkAdmin | Role::PlatformAdmin);
        let terms = &need.terms;
        let owner_actions = ["publish", "close", "cancel"];
        Self {
            id: need.id.0,
            organization_id: need.organization_id.0,
            status: need.status.as_str(),
            version: need.version,
            category_code: terms.category_code().to_string(),
            title: terms.title().to_owned(),
            specification: terms.specification().to_owned(),
            quantity: terms.quantity(),
            unit: terms.unit().to_owned(),
            awarded_quantity: need.awarded_quantity,
            remaining_quantity: terms.quantity().saturating_sub(need.awarded_quantity),
            estimated_value_fen: terms.estimated_value_fen(),
            currency: "CNY",
            required_certifications: terms
                .required_certifications()
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
            delivery_region_code: terms.delivery_region_code().to_string(),
            response_deadline: terms.response_deadline(),
            visibility: terms.visibility().as_str(),
            invited_supplier_ids: sees_invitations
                .then(|| terms.invited_supplier_ids().iter().map(|id| id.0).collect()),
            allowed_actions: if owner {
                need.status
                    .allowed_commands()
                    .iter()
                    .copied()
                    .filter(|command| owner_actions.contains(command))
                    .collect()
            } else {
                Vec::new()
            },
            created_at: need.created_at,
            updated_at: need.updated_at,
            published_at: need.published_at,
        }
    }
}

/// One change in a need's life.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedEventView {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// Who did it; `null` when the system did (a deadline passing).
    pub actor_user_id: Option<i64>,
    /// `created`, `updated`, `publish`, `close`, `deadline`, `award`, `fulfil` or `cancel`.
    pub action: String,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub reason: Option<String>,
}

impl From<NeedEvent> for NeedEventView {
    fn from(event: NeedEvent) -> Self {
        Self {
            at: event.at,
            actor_user_id: event.actor.map(|user| user.0),
            action: event.action,
            from: event.from.map(|status| status.as_str()),
            to: event.to.as_str(),
            reason: event.reason,
        }
    }
}

/// Filters on the list of needs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Only this category and those under it.
    #[param(schema_with = schemas::category_code)]
    pub category: Option<String>,
    /// Only deliveries into this province, prefecture or county (`420000`, `420600`, `420606`).
    #[param(schema_with = schemas::region_code)]
    pub region: Option<String>,
    /// Only needs whose response deadline is after this moment.
    #[param(schema_with = schemas::timestamp)]
    pub deadline_after: Option<String>,
    /// Only needs whose title contains this text (any case).
    #[param(schema_with = schemas::search_text)]
    pub q: Option<String>,
    #[param(schema_with = schemas::limit)]
    pub limit: Option<u64>,
    #[param(schema_with = schemas::id_cursor)]
    pub cursor: Option<String>,
}

/// Drafts a need (lead enterprises). Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(crate::openapi::params::IdempotencyKeyHeader),
    request_body = NeedRequest,
    responses(
        (status = 201, body = NeedView),
        Forbidden,
    )
)]
#[post(
    "/needs",
    wrap = "actix_web::middleware::from_fn(crate::middleware::idempotency::idempotency)"
)]
async fn create_need(
    state: web::Data<AppState>,
    request: Admitted<Leads, Json<NeedRequest>>,
) -> Result<HttpResponse, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let need = needs::create(
        &state.store,
        &principal.actor(),
        &body.into_inner().into_input(),
    )
    .await?;
    Ok(HttpResponse::Created().json(NeedView::new(need, &principal)))
}

/// Needs as each role sees them: a lead its own; an SME the published needs it may see; a park
/// administrator its park's lead enterprises' needs; a platform administrator all. Newest first.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(NeedQuery),
    responses((status = 200, body = List<NeedView>))
)]
#[get("/needs")]
async fn list_needs(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<NeedQuery>,
) -> Result<web::Json<List<NeedView>>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref(), is_id_cursor)?;
    let filters = ListQuery {
        category: malformed(
            query
                .category
                .as_deref()
                .map(CategoryCode::parse)
                .transpose(),
        )?,
        region: malformed(query.region.as_deref().map(RegionCode::parse).transpose())?,
        deadline_after: query
            .deadline_after
            .as_deref()
            .map(|raw| {
                OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).map_err(
                    |_| {
                        ApiError::BadRequest(format!(
                            "deadline_after `{}` is not an RFC 3339 timestamp",
                            peitao_domain::shown(raw)
                        ))
                    },
                )
            })
            .transpose()?,
        text: malformed(
            query
                .q
                .as_deref()
                .map(|text| peitao_domain::text::SEARCH_TEXT.parse(text))
                .transpose(),
        )?,
    };
    let page = needs::list(
        &state.store,
        &principal.actor(),
        &filters,
        &page,
        state.home_province,
    )
    .await?;
    Ok(web::Json(List::from_page(page, |need| {
        NeedView::new(need, &principal)
    })))
}

/// One need: to its owner, the suppliers who may see it (not a draft), its park's administrator
/// and platform administrators.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    responses((status = 200, body = NeedView))
)]
#[get("/needs/{id}")]
async fn get_need(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<NeedView>, ApiError> {
    let need = needs::get(
        &state.store,
        &principal.actor(),
        NeedId(id.into_inner()),
        state.home_province,
    )
    .await?;
    Ok(web::Json(NeedView::new(need, &principal)))
}

/// Changes the terms of a draft or published need (its owner), carrying the version read.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    request_body = UpdateNeedRequest,
    responses(
        (status = 200, body = NeedView),
        Forbidden,
        Conflicting,
    )
)]
#[patch("/needs/{id}")]
async fn update_need(
    state: web::Data<AppState>,
    request: Admitted<Parties, Json<UpdateNeedRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<NeedView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let id = NeedId(id.into_inner());
    let actor = principal.actor();
    let current = needs::get(&state.store, &actor, id, state.home_province).await?;
    let body = body.into_inner();
    let version = body.version;
    let need = needs::update(
        &state.store,
        &actor,
        id,
        version,
        &body.merged(&current),
        state.home_province,
    )
    .await?;
    Ok(web::Json(NeedView::new(need, &principal)))
}

async fn act(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: OwnerAction,
    reason: Option<&str>,
) -> Result<web::Json<NeedView>, ApiError> {
    let need = needs::act(
        &state.store,
        &state.matching,
        &principal.actor(),
        NeedId(id),
        action,
        None,
        reason,
    )
    .await?;
    Ok(web::Json(NeedView::new(need, principal)))
}

/// Publishes a draft need: suppliers who may see it can quote until the deadline (its owner).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = NeedView),
        Forbidden,
        Conflicting,
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/needs/{id}/publish")]
async fn publish_need(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<NeedView>, ApiError> {
    act(
        &state,
        &principal,
        id.into_inner(),
        OwnerAction::Publish,
        None,
    )
    .await
}

/// Stops taking quotes; awards may still be made (its owner).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = NeedView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/needs/{id}/close")]
async fn close_need(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<NeedView>, ApiError> {
    act(
        &state,
        &principal,
        id.into_inner(),
        OwnerAction::Close,
        None,
    )
    .await
}

/// Withdraws a draft, published or closed need, with the reason suppliers will read (its owner).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    request_body = CancelRequest,
    responses(
        (status = 200, body = NeedView),
        Forbidden,
        Conflicting,
    )
)]
#[post("/needs/{id}/cancel")]
async fn cancel_need(
    state: web::Data<AppState>,
    request: Admitted<Parties, Json<CancelRequest>>,
    id: web::Path<i64>,
) -> Result<web::Json<NeedView>, ApiError> {
    let Admitted {
        principal, body, ..
    } = request;
    let reason = body.into_inner().reason;
    act(
        &state,
        &principal,
        id.into_inner(),
        OwnerAction::Cancel,
        Some(&reason),
    )
    .await
}

/// Every change of a need — who, when, from, to, why — oldest first (its owner, its park's
/// administrator, platform administrators).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(IdPath),
    responses(
        (status = 200, body = List<NeedEventView>),
        Forbidden,
    )
)]
#[get("/needs/{id}/history")]
async fn need_history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<web::Json<List<NeedEventView>>, ApiError> {
    let events = needs::history(
        &state.store,
        &principal.actor(),
        NeedId(id.into_inner()),
        state.home_province,
    )
    .await?;
    Ok(web::Json(List {
        items: events.into_iter().map(NeedEventView::from).collect(),
        next_cursor: None,
    }))
}
