//! Deals: a lead enterprise's (with delivery recorded or the deal called off, by the same use cases
//! as `POST /api/v1/deals/{id}/fulfilment` and `/cancel`) and an SME's, newest first.

use actix_web::{HttpResponse, web};
use peitao_app::quotes;
use peitao_domain::{Cancellation, DealId, Fulfilment, Role, parse_date};
use serde::Deserialize;

use super::{
    Ctx,
    page::redirect,
    session::{Posted, Session},
};
use crate::{routes::quotes::DealView, state::AppState};

/// The most deals the page lists, newest first.
const LISTED: usize = 200;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deals", web::get().to(list))
        .route("/deals/{id}/fulfilment", web::post().to(fulfil))
        .route("/deals/{id}/cancel", web::post().to(cancel));
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<i64>,
}

async fn list(
    ctx: Ctx,
    session: Session,
    state: web::Data<AppState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let result = async {
        // Park and platform administrators read deals through the figures, not one by one.
        session.principal.require(&[Role::Lead, Role::Sme])?;
        let deals = quotes::deals(&state.store, &session.actor()).await?;
        let total = deals.len();
        let items: Vec<DealView> = deals.into_iter().take(LISTED).map(DealView::from).collect();
        ctx.render(
            Some(&session),
            "deals.html",
            minijinja::context! {
                deals => items,
                total => total,
                lead => session.principal.role() == Role::Lead,
                today => peitao_domain::format_date(time::OffsetDateTime::now_utc().date()),
                done => done.done,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

async fn fulfil(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let result = async {
        let fields = &posted.fields;
        let fulfilment = Fulfilment::new(
            parse_date(
                "delivered_on",
                fields.get("delivered_on").unwrap_or_default(),
            )?,
            fields.get("on_time") == Some("true"),
            fields.number("quality_rating")?,
        )?;
        let deal = quotes::fulfil(
            &state.store,
            &posted.session.actor(),
            DealId(id.into_inner()),
            fulfilment,
        )
        .await?;
        Ok(redirect(&format!("/deals?done={}", deal.id)))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}

async fn cancel(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted,
) -> HttpResponse {
    let result = async {
        let cancellation = Cancellation::new(posted.fields.get("reason").unwrap_or_default())?;
        let deal = quotes::cancel_deal(
            &state.store,
            &posted.session.actor(),
            DealId(id.into_inner()),
            cancellation,
        )
        .await?;
        Ok(redirect(&format!("/deals?done={}", deal.id)))
    }
    .await;
    ctx.finish(Some(&posted.session), result)
}
