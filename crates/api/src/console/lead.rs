//! The lead enterprise's pages: its needs with their states; a new need, drafted or published at
//! once; a need with its ranked, explained matches and its quotes side by side, with shortlist,
//! reject (with a reason) and award.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};
use peitao_app::{
    matching::{self, MatchQuery},
    needs::{self, ListQuery, OwnerAction, TermsInput},
    quotes::{self, AwardInput, QuoteAction},
};
use peitao_domain::{NeedId, OrganizationId, QuoteId, RejectReason, Role, supporting::BEIJING};
use peitao_store::page::PageRequest;
use serde::Deserialize;

use super::{
    ConsoleError, Ctx,
    page::{quote_context, redirect},
    session::{Fields, Posted, Session},
};
use crate::{
    routes::{
        matching::{explanation_view, supplier_match_views},
        needs::NeedView,
    },
    state::AppState,
};

/// How many needs and matches a page lists.
const LISTED: u64 = 100;
const MATCHES_SHOWN: usize = 20;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lead/needs", web::get().to(list))
        .route("/lead/needs", web::post().to(create))
        .route("/lead/needs/new", web::get().to(new_form))
        .route("/lead/needs/{id}", web::get().to(detail))
        .route("/lead/needs/{id}/publish", web::post().to(publish))
        .route("/lead/needs/{id}/awards", web::post().to(award))
        .route("/lead/quotes/{id}/shortlist", web::post().to(shortlist))
        .route("/lead/quotes/{id}/reject", web::post().to(reject));
}

async fn list(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Lead])?;
        let items = visible_needs(&state, &session, &ListQuery::default()).await?;
        ctx.render(
            Some(&session),
            "lead_needs.html",
            minijinja::context! { needs => items },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

/// The needs the signed-in user may see (a lead its own, an SME the published ones open to it),
/// newest first, as `GET /api/v1/needs` lists them.
pub(super) async fn visible_needs(
    state: &AppState,
    session: &Session,
    filters: &ListQuery,
) -> Result<Vec<NeedView>, ConsoleError> {
    let page = needs::list(
        &state.store,
        &session.actor(),
        filters,
        &PageRequest::new(Some(LISTED), None),
        state.home_province,
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .map(|need| NeedView::new(need, &session.principal))
        .collect())
}

/// Every category, for the form's list: code and name in the page's language.
pub(super) async fn category_options(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Vec<(String, String)>, ConsoleError> {
    let codes: Vec<_> = state
        .store
        .category_parents()
        .await?
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    let mut categories = state.store.categories_by_codes(&codes).await?;
    categories.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    Ok(categories
        .into_iter()
        .map(|category| {
            let name = match ctx.lang {
                super::i18n::Lang::Zh => category.name_zh,
                super::i18n::Lang::En => category.name_en,
            };
            (category.code.to_string(), name)
        })
        .collect())
}

/// The new-need form, empty or as sent with the reason it was refused.
async fn render_form(
    ctx: &Ctx,
    session: &Session,
    state: &AppState,
    status: StatusCode,
    values: std::collections::BTreeMap<String, String>,
    error: Option<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let county = match session.principal.organization_id() {
        Some(id) => state.store.organization(id).await?.region_code.to_string(),
        None => String::new(),
    };
    // Every field has a value, so the template never meets an undefined one.
    let mut filled: std::collections::BTreeMap<String, String> = [
        "title",
        "category_code",
        "specification",
        "quantity",
        "estimated_value_yuan",
        "required_certifications",
        "response_deadline",
        "visibility",
    ]
    .into_iter()
    .map(|field| (field.to_owned(), String::new()))
    .collect();
    filled.insert("unit".into(), "pcs".into());
    filled.insert("delivery_region_code".into(), county);
    filled.extend(values);
    ctx.render_with(
        status,
        Some(session),
        "need_form.html",
        minijinja::context! {
            categories => category_options(state, ctx).await?,
            values => filled,
            reasons => RejectReason::ALL.iter().map(|reason| reason.as_str()).collect::<Vec<_>>(),
            error_key => error.as_ref().map(|(key, _)| key.clone()),
            error_detail => error.map(|(_, detail)| detail),
        },
    )
}

async fn new_form(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Lead])?;
        render_form(
            &ctx,
            &session,
            &state,
            StatusCode::OK,
            Default::default(),
            None,
        )
        .await
    }
    .await;
    ctx.finish(Some(&session), result)
}

/// An amount in yuan as typed (`1234.5`) in fen.
pub(super) fn yuan(fields: &Fields, name: &str) -> Result<u64, ConsoleError> {
    let raw = fields.get(name).map(str::trim).unwrap_or_default();
    let refuse = || {
        ConsoleError::Api(crate::error::ApiError::Validation(format!(
            "{name}: `{}` is not an amount in yuan",
            peitao_domain::shown(raw)
        )))
    };
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse());
    }
    let whole: u64 = whole.parse().map_err(|_| refuse())?;
    let fraction: u64 = format!("{fraction:0<2}").parse().map_err(|_| refuse())?;
    whole
        .checked_mul(100)
        .and_then(|fen| fen.checked_add(fraction))
        .ok_or_else(refuse)
}

/// The form's terms: the deadline is the end of the chosen day in Beijing.
fn terms_of(fields: &Fields) -> Result<TermsInput, ConsoleError> {
    let day = peitao_domain::parse_date(
        "response_deadline",
        fields.get("response_deadline").unwrap_or_default(),
    )
    .map_err(|err| ConsoleError::Api(crate::error::ApiError::Validation(err.to_string())))?;
    let deadline = day
        .with_time(time::macros::time!(23:59:59))
        .assume_offset(BEIJING)
        .to_offset(time::UtcOffset::UTC);
    Ok(TermsInput {
        category_code: fields.text("category_code").unwrap_or_default(),
        title: fields.get("title").unwrap_or_default().to_owned(),
        specification: fields.text("specification"),
        quantity: fields.number("quantity")?,
        unit: fields.get("unit").unwrap_or_default().to_owned(),
        estimated_value_fen: yuan(fields, "estimated_value_yuan")?,
        required_certifications: fields
            .text("required_certifications")
            .map(|list| {
                list.split([',', '，', ' '])
                    .filter(|kind| !kind.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        delivery_region_code: fields.text("delivery_region_code").unwrap_or_default(),
        response_deadline: deadline,
        visibility: fields.text("visibility").unwrap_or_else(|| "public".into()),
        invited_supplier_ids: Vec::new(),
    })
}

async fn create(ctx: Ctx, state: web::Data<AppState>, posted: Posted) -> HttpResponse {
    let Posted { session, fields } = posted;
    let attempt = async {
        let actor = session.actor();
        let need = needs::create(&state.store, &actor, &terms_of(&fields)?).await?;
        if fields.get("then") == Some("publish") {
            needs::act(
                &state.store,
                &state.matching,
                &actor,
                need.id,
                OwnerAction::Publish,
                Some(need.version),
                None,
            )
            .await?;
        }
        Ok::<_, ConsoleError>(redirect(&format!("/lead/needs/{}", need.id)))
    }
    .await;
    let result = match attempt {
        // A refused form is shown again, filled in, with the reason; a role refused is a page.
        Err(ConsoleError::Api(err)) if err.status_code() != StatusCode::FORBIDDEN => {
            let status = err.status_code();
            let message = ctx.message_of(&ConsoleError::Api(err));
            render_form(
                &ctx,
                &session,
                &state,
                status,
                fields.values(),
                Some(message),
            )
            .await
        }
        other => other,
    };
    ctx.finish(Some(&session), result)
}

#[derive(Debug, Deserialize)]
struct DetailQuery {
    /// A supplier whose match (or exclusion) to explain.
    explain: Option<i64>,
}

async fn detail(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<DetailQuery>,
) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Lead])?;
        let actor = session.actor();
        let id = NeedId(id.into_inner());
        let need = needs::get(&state.store, &actor, id, state.home_province).await?;
        let matches = if need.status == peitao_domain::NeedStatus::Draft {
            Vec::new()
        } else {
            let (_, found) = matching::for_need(
                &state.store,
                &state.matching,
                &actor,
                id,
                MatchQuery {
                    limit: MATCHES_SHOWN,
                    min_score: None,
                    in_province: None,
                },
            )
            .await?;
            supplier_match_views(&state, &found).await?
        };
        let quotes = quotes::for_need(&state.store, &actor, id, state.home_province).await?;
        let supplier_ids: Vec<OrganizationId> =
            quotes.iter().map(|quote| quote.supplier_id).collect();
        let names = state.store.organization_labels(&supplier_ids).await?;
        let quotes: Vec<_> = quotes
            .into_iter()
            .map(|quote| {
                let supplier = names
                    .get(&quote.supplier_id)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default();
                quote_context(quote, &state, minijinja::context! { supplier => supplier })
            })
            .collect();
        let explanation = match query.explain {
            Some(supplier) => {
                let supplier = OrganizationId(supplier);
                let (_, explanation) =
                    matching::explain(&state.store, &state.matching, &actor, id, supplier).await?;
                Some(explanation_view(&state, id, supplier, explanation).await?)
            }
            None => None,
        };
        let remaining = need
            .terms
            .quantity()
            .saturating_sub(need.awarded_quantity);
        ctx.render(
            Some(&session),
            "lead_need.html",
            minijinja::context! {
                need => NeedView::new(need, &session.principal),
                remaining => remaining,
                matches => matches,
                quotes => quotes,
                explanation => explanation,
                explain_id => query.explain,
                reasons => RejectReason::ALL.iter().map(|reason| reason.as_str()).collect::<Vec<_>>(),
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn publish(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let id = NeedId(id.into_inner());
    let result = async {
        let version = posted.fields.number("version").ok();
        needs::act(
            &state.store,
            &state.matching,
            &posted.session.actor(),
            id,
            OwnerAction::Publish,
            version,
            None,
        )
        .await?;
        Ok(redirect(&format!("/lead/needs/{id}")))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}

async fn shortlist(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    quote_action(ctx, state, QuoteId(id.into_inner()), posted, |_| {
        Ok(QuoteAction::Shortlist)
    })
    .await
}

async fn reject(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    quote_action(ctx, state, QuoteId(id.into_inner()), posted, |fields| {
        Ok(QuoteAction::Reject {
            reason: fields.get("reason").unwrap_or_default().to_owned(),
            note: fields.text("note"),
        })
    })
    .await
}

async fn quote_action(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: QuoteId,
    posted: Posted,
    action: impl FnOnce(&Fields) -> Result<QuoteAction, ConsoleError>,
) -> HttpResponse {
    let result = async {
        let action = action(&posted.fields)?;
        let quote = quotes::act(
            &state.store,
            &posted.session.actor(),
            id,
            action,
            state.home_province,
        )
        .await?;
        Ok(redirect(&format!("/lead/needs/{}", quote.need_id)))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}

async fn award(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let need = NeedId(id.into_inner());
    let result = async {
        let fields = &posted.fields;
        let input = AwardInput {
            quote: QuoteId(fields.number("quote_id")?),
            quantity: fields.number("quantity")?,
            contract_value_fen: yuan(fields, "contract_value_yuan")?,
        };
        quotes::award(
            &state.store,
            &posted.session.actor(),
            need,
            input,
            state.home_province,
        )
        .await?;
        Ok(redirect(&format!("/lead/needs/{need}")))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}
