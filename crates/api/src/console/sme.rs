//! The SME's pages: the open needs ranked for it with the reasons, the directory of the needs it
//! may see with filters, a need with its quote form, and its quotes with the lead enterprises' decisions and reasons.

use actix_web::{HttpResponse, web};
use peitao_app::{
    matching::{self, MatchQuery},
    needs::{self, ListQuery},
    quotes::{self, QuoteAction, QuoteInput},
};
use peitao_domain::{CategoryCode, NeedId, OrganizationId, QuoteId, RegionCode, Role};

use super::{
    Ctx,
    page::{quote_context, redirect},
    session::{Posted, Session},
};
use crate::{
    error::ApiError,
    routes::{matching::need_match_views, needs::NeedView, quotes::QuoteView},
    state::AppState,
};

/// How many ranked needs the page lists.
const MATCHES_SHOWN: usize = 50;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sme/matches", web::get().to(ranked_needs))
        .route("/sme/needs", web::get().to(directory))
        .route("/sme/needs/{id}", web::get().to(need_page))
        .route("/sme/needs/{id}/quotes", web::post().to(submit_quote))
        .route("/sme/quotes", web::get().to(my_quotes))
        .route("/sme/quotes/{id}/withdraw", web::post().to(withdraw));
}

async fn ranked_needs(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        let found = matching::for_supplier(
            &state.matching,
            &session.actor(),
            MatchQuery {
                limit: MATCHES_SHOWN,
                min_score: None,
                in_province: None,
            },
        )
        .await?;
        let leads: Vec<OrganizationId> = found.iter().map(|found| found.lead).collect();
        let names = state.store.organization_labels(&leads).await?;
        let items: Vec<_> = need_match_views(&state, &found)
            .await?
            .into_iter()
            .map(|view| {
                let lead = names
                    .get(&OrganizationId(view.lead_id))
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default();
                minijinja::context! {
                    lead => lead,
                    ..minijinja::Value::from_serialize(view)
                }
            })
            .collect();
        ctx.render(
            Some(&session),
            "sme_matches.html",
            minijinja::context! { matches => items },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

/// The directory's filters as typed; blank ones are no filter.
#[derive(Debug, Default, serde::Deserialize)]
struct DirectoryQuery {
    category: Option<String>,
    region: Option<String>,
    q: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The published needs the SME may see, newest first, filtered by category (with everything
/// below it), delivery region and text: the API's `GET /needs` for a supplier.
async fn directory(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Sme])?;
        let invalid = |err: peitao_domain::DomainError| ApiError::BadRequest(err.to_string());
        let filters = ListQuery {
            category: filled(&query.category)
                .map(CategoryCode::parse)
                .transpose()
                .map_err(invalid)?,
            region: filled(&query.region)
                .map(RegionCode::parse)
                .transpose()
                .map_err(invalid)?,
            deadline_after: None,
            text: filled(&query.q)
                .map(|text| peitao_domain::text::SEARCH_TEXT.parse(text))
                .transpose()
                .map_err(invalid)?,
        };
        let items = super::lead::visible_needs(&state, &session, &filters).await?;
        ctx.render(
            Some(&session),
            "sme_directory.html",
            minijinja::context! {
                needs => items,
                categories => super::lead::category_options(&state, &ctx).await?,
                category => filled(&query.category).unwrap_or_default(),
                region => filled(&query.region).unwrap_or_default(),
                q => filled(&query.q).unwrap_or_default(),
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn need_page(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Sme])?;
        let actor = session.actor();
        let id = NeedId(id.into_inner());
        let need = needs::get(&state.store, &actor, id, state.home_province).await?;
        let mine: Vec<QuoteView> = quotes::for_need(&state.store, &actor, id, state.home_province)
            .await?
            .into_iter()
            .map(|quote| QuoteView::new(quote, &state))
            .collect();
        let lead = state
            .store
            .organization_labels(&[need.organization_id])
            .await?
            .remove(&need.organization_id)
            .map(|(name, _)| name)
            .unwrap_or_default();
        let open = need.status.takes_quotes();
        ctx.render(
            Some(&session),
            "sme_need.html",
            minijinja::context! {
                need => NeedView::new(need, &session.principal),
                lead => lead,
                open => open,
                quotes => mine,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn submit_quote(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let need = NeedId(id.into_inner());
    let result = async {
        let fields = &posted.fields;
        let input = QuoteInput {
            unit_price_fen: super::lead::yuan(fields, "unit_price_yuan")?,
            quantity: fields.number("quantity")?,
            lead_time_days: fields.number("lead_time_days")?,
            note: fields.text("note"),
            production_site_id: None,
        };
        quotes::submit(
            &state.store,
            &posted.session.actor(),
            need,
            &input,
            state.home_province,
        )
        .await?;
        Ok(redirect("/sme/quotes"))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}

async fn my_quotes(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        let items: Vec<_> = quotes::mine(&state.store, &session.actor())
            .await?
            .into_iter()
            .map(|(quote, need)| {
                let extra = minijinja::context! {
                    need_title => need.terms.title(),
                    need_status => need.status.as_str(),
                };
                quote_context(quote, &state, extra)
            })
            .collect();
        ctx.render(
            Some(&session),
            "sme_quotes.html",
            minijinja::context! { quotes => items },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn withdraw(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let result = async {
        quotes::act(
            &state.store,
            &posted.session.actor(),
            QuoteId(id.into_inner()),
            QuoteAction::Withdraw,
            state.home_province,
        )
        .await?;
        Ok(redirect("/sme/quotes"))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}
