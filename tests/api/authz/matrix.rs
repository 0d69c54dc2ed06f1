//! The rows: one operation on one object, and the status each actor must get.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    ACTORS, Actor, World, certificate_of_b, certificates_of_b, credential_of_b, credentials_of_b,
    deal_of_a, disposable_user, need_of_a, need_terms, quote_of_b, sites_of_b, webhook_of_a,
    webhooks_of_a, world,
};
use crate::helpers::{TestApp, json_with_status, spawn_app};

/// What fills the one `{…}` parameter of a row's path template.
#[derive(Debug, Clone, Copy)]
enum Param {
    /// The template has no parameter.
    None,
    /// A fixed value: a reference code, or an id nothing has.
    Fixed(&'static str),
    OrgA,
    OrgB,
    Chain,
    /// A certificate SME B holds at the moment of the call: B's own row may have removed the
    /// previous one, and another SME must meet a real record of B's, not a missing id.
    CertificationOfB,
    /// A production site B lists at the moment of the call, made for it when B has none left.
    SiteOfB,
    /// A credential SME B holds at the moment of the call, as for certificates.
    CredentialOfB,
    /// A user made for this call: the call may disable it.
    FreshUser,
    /// A's published public need, shared by the rows.
    PublishedNeed,
    /// A's draft need, shared by the rows.
    DraftNeed,
    /// A draft A makes for this call: the call may publish or cancel it.
    FreshDraft,
    /// A need A publishes for this call: the call may close it.
    FreshPublished,
    /// A need A publishes with a quote of B's, for this call; the quote's id goes to the body.
    FreshNeedQuotedByB,
    /// A quote B makes on a fresh need of A's, for this call.
    FreshQuoteOfB,
    /// The deal of A with B made when the world was built.
    WorldDeal,
    /// A deal A awards to B for this call.
    FreshDeal,
    /// A's bill of materials, made when the world was built.
    BomOfA,
    /// A's webhook endpoint made when the world was built, with a delivery (the second
    /// parameter of the retry route).
    WorldWebhook,
    /// A webhook endpoint A holds at the moment of the call, other than the world's: A's own row
    /// may have removed the previous one.
    WebhookOfA,
}

/// One operation called on one object, and the status each actor must get.
pub(super) struct Case {
    pub(super) method: Method,
    /// The operation's path exactly as the OpenAPI document writes it.
    pub(super) template: &'static str,
    param: Param,
    /// A JSON body, or a JSON string sent as `text/csv`.
    body: Option<fn(&Ctx) -> Value>,
    expect: fn(Actor) -> StatusCode,
}

impl Case {
    /// The path, and the id of a quote made for the call (for a body that names it).
    async fn path(&self, app: &TestApp, world: &World, serial: usize) -> (String, i64) {
        let mut quote = 0;
        let value = match self.param {
            Param::None => return (self.template.to_owned(), quote),
            Param::Fixed(value) => value.to_owned(),
            Param::OrgA => world.org_a.to_string(),
            Param::OrgB => world.org_b.to_string(),
            Param::Chain => world.chain_id.to_string(),
            Param::PublishedNeed => world.published_need.to_string(),
            Param::BomOfA => world.bom_a.to_string(),
            Param::DraftNeed => world.draft_need.to_string(),
            Param::FreshDraft => need_of_a(app, world, serial + 1000, false)
                .await
                .to_string(),
            Param::FreshPublished => need_of_a(app, world, serial + 1000, true).await.to_string(),
            Param::FreshNeedQuotedByB => {
                let need = need_of_a(app, world, serial + 1000, true).await;
                quote = quote_of_b(app, world, need).await;
                need.to_string()
            }
            Param::FreshQuoteOfB => {
                let need = need_of_a(app, world, serial + 1000, true).await;
                quote_of_b(app, world, need).await.to_string()
            }
            Param::WorldDeal => world.deal.to_string(),
            Param::WorldWebhook => world.webhook.to_string(),
            Param::WebhookOfA => {
                match webhooks_of_a(app, world)
                    .await
                    .into_iter()
                    .find(|id| *id != world.webhook)
                {
                    Some(id) => id.to_string(),
                    None => webhook_of_a(app, world, serial, &["webhook.disabled"])
                        .await
                        .to_string(),
                }
            }
            Param::FreshDeal => deal_of_a(app, world, serial + 1000).await.to_string(),
            Param::SiteOfB => match sites_of_b(app, world).await.first() {
                Some(id) => id.to_string(),
                None => json_with_status(
                    app.send_as(
                        Method::POST,
                        "/api/v1/suppliers/me/sites",
                        world.signed_in(Actor::SmeB),
                        Some(&site(serial)),
                    )
                    .await,
                    StatusCode::CREATED,
                )
                .await["id"]
                    .to_string(),
            },
            Param::FreshUser => disposable_user(app, serial).await.to_string(),
            Param::CredentialOfB => {
                let held = credentials_of_b(app, world).await;
                match held.first() {
                    Some(id) => id.to_string(),
                    None => json_with_status(
                        app.send_as(
                            Method::POST,
                            "/api/v1/suppliers/me/credentials",
                            world.signed_in(Actor::SmeB),
                            Some(&credential_of_b(serial)),
                        )
                        .await,
                        StatusCode::CREATED,
                    )
                    .await["id"]
                        .to_string(),
                }
            }
            Param::CertificationOfB => {
                let held = certificates_of_b(app, world).await;
                match held.first() {
                    Some(id) => id.to_string(),
                    None => json_with_status(
                        app.send_as(
                            Method::POST,
                            "/api/v1/suppliers/me/certifications",
                            world.signed_in(Actor::SmeB),
                            Some(&certificate_of_b(serial)),
                        )
                        .await,
                        StatusCode::CREATED,
                    )
                    .await["id"]
                        .to_string(),
                }
            }
        };
        let open = self
            .template
            .find('{')
            .expect("a template with a parameter");
        let close = self.template.find('}').expect("a closed parameter");
        // A second parameter is a supplier (SME B) or the delivery of the world's webhook.
        let path = format!(
            "{}{value}{}",
            &self.template[..open],
            &self.template[close + 1..]
        )
        .replace("{supplier_id}", &world.org_b.to_string())
        .replace("{delivery_id}", &world.delivery.to_string());
        (path, quote)
    }
}

/// A plant; `serial` keeps the names apart.
fn site(serial: usize) -> Value {
    json!({"name": format!("Plant {serial}"), "region_code": "420606", "address": "1 Matrix Road"})
}

/// What a body may depend on: the current version of A, a counter for unique values.
struct Ctx {
    version: i64,
    /// The current version of the webhook endpoint in the path, if there is one.
    webhook_version: i64,
    serial: usize,
    /// The quote made for the call, if any.
    quote: i64,
}

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;
const ACCEPTED: StatusCode = StatusCode::ACCEPTED;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

fn case(
    method: Method,
    template: &'static str,
    param: Param,
    body: Option<fn(&Ctx) -> Value>,
    expect: fn(Actor) -> StatusCode,
) -> Case {
    Case {
        method,
        template,
        param,
        body,
        expect,
    }
}

fn public(_: Actor) -> StatusCode {
    OK
}

fn signed_in(actor: Actor) -> StatusCode {
    if actor == Actor::Anonymous {
        UNAUTHORIZED
    } else {
        OK
    }
}

fn platform_admin_only(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::PlatformAdmin => CREATED,
        _ => FORBIDDEN,
    }
}

/// Each SME works on its own profile; nobody else has one.
fn sme_only(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::SmeB | Actor::SmeD => OK,
        _ => FORBIDDEN,
    }
}

/// Only A, the owner, changes a need; who may see it but not change it is refused (403); the rest
/// do not see it (404).
fn owner_changes(visible_to_smes: bool) -> fn(Actor) -> StatusCode {
    if visible_to_smes {
        |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::LeadA => OK,
            Actor::SmeB | Actor::SmeD | Actor::ParkXiangyang | Actor::PlatformAdmin => FORBIDDEN,
            Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
        }
    } else {
        |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::LeadA => OK,
            Actor::ParkXiangyang | Actor::PlatformAdmin => FORBIDDEN,
            Actor::SmeB | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
        }
    }
}

/// Only SMEs quote and read their quotes.
fn smes(success: StatusCode) -> fn(Actor) -> StatusCode {
    if success == CREATED {
        |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::SmeB | Actor::SmeD => CREATED,
            _ => FORBIDDEN,
        }
    } else {
        sme_only
    }
}

/// The need's owner decides on B's quote; B sees it but may not decide; D does not see it.
fn owner_decides(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::LeadA => OK,
        Actor::SmeB | Actor::ParkXiangyang | Actor::PlatformAdmin => FORBIDDEN,
        Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
    }
}

fn quote_rows() -> Vec<Case> {
    vec![
        case(
            Method::POST,
            "/api/v1/needs/{id}/quotes",
            Param::FreshPublished,
            Some(|_| json!({"unit_price_fen": 1000, "quantity": 10, "lead_time_days": 14})),
            smes(CREATED),
        ),
        case(
            Method::GET,
            "/api/v1/needs/{id}/quotes",
            Param::PublishedNeed,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
                _ => OK,
            },
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/me/quotes",
            Param::None,
            None,
            smes(OK),
        ),
        case(
            Method::POST,
            "/api/v1/quotes/{id}/withdraw",
            Param::FreshQuoteOfB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => OK,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => FORBIDDEN,
                Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::POST,
            "/api/v1/quotes/{id}/shortlist",
            Param::FreshQuoteOfB,
            None,
            owner_decides,
        ),
        case(
            Method::POST,
            "/api/v1/quotes/{id}/reject",
            Param::FreshQuoteOfB,
            Some(|_| json!({"reason_code": "price", "note": "Above our target price"})),
            owner_decides,
        ),
        case(
            Method::POST,
            "/api/v1/needs/{id}/awards",
            Param::FreshNeedQuotedByB,
            Some(
                |ctx| json!({"quote_id": ctx.quote, "quantity": 10, "contract_value_fen": 10_000}),
            ),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA => CREATED,
                Actor::LeadC => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(Method::GET, "/api/v1/deals", Param::None, None, signed_in),
        case(
            Method::GET,
            "/api/v1/deals/{id}",
            Param::WorldDeal,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::SmeB | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::POST,
            "/api/v1/deals/{id}/fulfilment",
            Param::FreshDeal,
            Some(|_| {
                let today = time::OffsetDateTime::now_utc().date();
                json!({"delivered_on": peitao_domain::format_date(today), "on_time": true, "quality_rating": 4})
            }),
            owner_decides,
        ),
        case(
            Method::POST,
            "/api/v1/deals/{id}/cancel",
            Param::FreshDeal,
            Some(|_| json!({"reason": "The plant was flooded"})),
            owner_decides,
        ),
    ]
}

/// Who sees a need's matches: its owner, its park's administrator, platform administrators; an
/// SME that may see the need is refused, the rest do not see it.
fn matches_of_a_need(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
        Actor::SmeB | Actor::SmeD => FORBIDDEN,
        Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
    }
}

fn matching_rows() -> Vec<Case> {
    vec![
        case(
            Method::GET,
            "/api/v1/needs/{id}/matches",
            Param::PublishedNeed,
            None,
            matches_of_a_need,
        ),
        case(
            Method::GET,
            "/api/v1/needs/{id}/matches/{supplier_id}",
            Param::PublishedNeed,
            None,
            matches_of_a_need,
        ),
        case(Method::GET, "/api/v1/events", Param::None, None, signed_in),
        case(
            Method::GET,
            "/api/v1/suppliers/me/matches",
            Param::None,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => OK,
                _ => FORBIDDEN,
            },
        ),
    ]
}

fn need_rows() -> Vec<Case> {
    vec![
        case(
            Method::POST,
            "/api/v1/needs",
            Param::None,
            Some(|ctx| need_terms(ctx.serial)),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::LeadC => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(Method::GET, "/api/v1/needs", Param::None, None, signed_in),
        case(
            Method::GET,
            "/api/v1/needs/{id}",
            Param::PublishedNeed,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
                _ => OK,
            },
        ),
        case(
            Method::GET,
            "/api/v1/needs/{id}",
            Param::DraftNeed,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                _ => NOT_FOUND,
            },
        ),
        case(
            Method::PATCH,
            "/api/v1/needs/{id}",
            Param::FreshDraft,
            Some(|ctx| json!({"version": 1, "title": format!("Renamed {}", ctx.serial)})),
            owner_changes(false),
        ),
        case(
            Method::POST,
            "/api/v1/needs/{id}/publish",
            Param::FreshDraft,
            None,
            owner_changes(false),
        ),
        case(
            Method::POST,
            "/api/v1/needs/{id}/close",
            Param::FreshPublished,
            None,
            owner_changes(true),
        ),
        case(
            Method::POST,
            "/api/v1/needs/{id}/cancel",
            Param::FreshDraft,
            Some(|_| json!({"reason": "No longer needed"})),
            owner_changes(false),
        ),
        case(
            Method::GET,
            "/api/v1/needs/{id}/history",
            Param::PublishedNeed,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::SmeB | Actor::SmeD => FORBIDDEN,
                Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
    ]
}

fn supplier_rows() -> Vec<Case> {
    vec![
        case(
            Method::GET,
            "/api/v1/suppliers",
            Param::None,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => FORBIDDEN,
                _ => OK,
            },
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/me/sites",
            Param::None,
            None,
            sme_only,
        ),
        case(
            Method::POST,
            "/api/v1/suppliers/me/sites",
            Param::None,
            Some(|ctx| site(ctx.serial)),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/sites/{id}",
            Param::SiteOfB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => NO_CONTENT,
                // B's plant is real; to D it reads exactly like a missing one.
                Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/sites/{id}",
            Param::Fixed("999999"),
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
    ]
}

/// Statistics: leads their own, park administrators their park's, platform administrators all;
/// SMEs none.
fn figures(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::SmeB | Actor::SmeD => FORBIDDEN,
        _ => OK,
    }
}

fn statistics_rows() -> Vec<Case> {
    let mut rows: Vec<Case> = [
        "/api/v1/stats/supporting-rate",
        "/api/v1/stats/funnel",
        "/api/v1/stats/overview",
        "/api/v1/stats/gaps",
    ]
    .into_iter()
    .map(|template| case(Method::GET, template, Param::None, None, figures))
    .collect();
    rows.extend([
        case(
            Method::POST,
            "/api/v1/boms",
            Param::None,
            Some(|ctx| {
                json!(format!(
                    "category_code,description,annual_value_fen,current_supplier_region\n\
                     auto.part,Matrix line {},100,420606\n",
                    ctx.serial
                ))
            }),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::LeadC => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::GET,
            "/api/v1/boms",
            Param::None,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::LeadC | Actor::PlatformAdmin => OK,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::GET,
            "/api/v1/boms/{id}/coverage",
            Param::BomOfA,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                _ => NOT_FOUND,
            },
        ),
    ]);
    rows
}

/// Webhooks belong to a lead enterprise or an SME; administrators have none (403), and another
/// organisation's endpoint reads as missing (404).
fn webhook_rows() -> Vec<Case> {
    fn owner_only(success: StatusCode) -> fn(Actor) -> StatusCode {
        if success == OK {
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA => OK,
                Actor::SmeB | Actor::SmeD | Actor::LeadC => NOT_FOUND,
                _ => FORBIDDEN,
            }
        } else if success == NO_CONTENT {
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA => NO_CONTENT,
                Actor::SmeB | Actor::SmeD | Actor::LeadC => NOT_FOUND,
                _ => FORBIDDEN,
            }
        } else {
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA => ACCEPTED,
                Actor::SmeB | Actor::SmeD | Actor::LeadC => NOT_FOUND,
                _ => FORBIDDEN,
            }
        }
    }
    fn organisations(success: StatusCode) -> fn(Actor) -> StatusCode {
        if success == CREATED {
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::SmeB | Actor::SmeD | Actor::LeadC => CREATED,
                _ => FORBIDDEN,
            }
        } else {
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::SmeB | Actor::SmeD | Actor::LeadC => OK,
                _ => FORBIDDEN,
            }
        }
    }
    fn nobodys(actor: Actor) -> StatusCode {
        match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::LeadA | Actor::SmeB | Actor::SmeD | Actor::LeadC => NOT_FOUND,
            _ => FORBIDDEN,
        }
    }
    vec![
        case(
            Method::POST,
            "/api/v1/webhooks",
            Param::None,
            // Only on webhook.disabled: nothing is ever sent to these.
            Some(
                |ctx| json!({"url": format!("https://203.0.113.9/matrix/{}", ctx.serial), "event_types": ["webhook.disabled"]}),
            ),
            organisations(CREATED),
        ),
        case(
            Method::GET,
            "/api/v1/webhooks",
            Param::None,
            None,
            organisations(OK),
        ),
        case(
            Method::GET,
            "/api/v1/webhooks/{id}",
            Param::WorldWebhook,
            None,
            owner_only(OK),
        ),
        case(
            Method::GET,
            "/api/v1/webhooks/{id}",
            Param::Fixed("999999"),
            None,
            nobodys,
        ),
        case(
            Method::PATCH,
            "/api/v1/webhooks/{id}",
            Param::WorldWebhook,
            Some(|ctx| json!({"version": ctx.webhook_version, "enabled": true})),
            owner_only(OK),
        ),
        case(
            Method::DELETE,
            "/api/v1/webhooks/{id}",
            Param::WebhookOfA,
            None,
            owner_only(NO_CONTENT),
        ),
        case(
            Method::GET,
            "/api/v1/webhooks/{id}/deliveries",
            Param::WorldWebhook,
            None,
            owner_only(OK),
        ),
        case(
            Method::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
            Param::WorldWebhook,
            None,
            owner_only(ACCEPTED),
        ),
        case(
            Method::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
            Param::Fixed("999999"),
            None,
            nobodys,
        ),
    ]
}

pub(super) fn matrix() -> Vec<Case> {
    let mut rows = need_rows();
    rows.extend(webhook_rows());
    rows.extend(quote_rows());
    rows.extend(matching_rows());
    rows.extend(statistics_rows());
    rows.extend(supplier_rows());
    rows.extend(credential_and_verification_rows());
    rows.extend(base_rows());
    rows
}

/// Credentials, verification and disabling users.
fn credential_and_verification_rows() -> Vec<Case> {
    vec![
        case(
            Method::GET,
            "/api/v1/suppliers/me/credentials",
            Param::None,
            None,
            sme_only,
        ),
        case(
            Method::POST,
            "/api/v1/suppliers/me/credentials",
            Param::None,
            Some(|ctx| credential_of_b(ctx.serial)),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/credentials/{id}",
            Param::CredentialOfB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => NO_CONTENT,
                // B's credential is real; to D it reads exactly like a missing one.
                Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/credentials/{id}",
            Param::Fixed("999999"),
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::POST,
            "/api/v1/organizations/{id}/verification",
            Param::OrgA,
            Some(|ctx| json!({"verified": ctx.serial % 2 == 0, "note": "Licence checked"})),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                // A may read its own organisation but not verify it.
                Actor::LeadA => FORBIDDEN,
                Actor::SmeB | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::GET,
            "/api/v1/organizations/{id}/history",
            Param::OrgA,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::SmeB | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::POST,
            "/api/v1/users/{id}/disable",
            Param::FreshUser,
            Some(|_| json!({"reason": "Left the company"})),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::PlatformAdmin => OK,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::POST,
            "/api/v1/users/{id}/disable",
            Param::Fixed("999999"),
            Some(|_| json!({"reason": "Left the company"})),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::PlatformAdmin => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
    ]
}

fn base_rows() -> Vec<Case> {
    vec![
        case(Method::GET, "/healthz", Param::None, None, public),
        case(Method::GET, "/readyz", Param::None, None, public),
        case(Method::GET, "/metrics", Param::None, None, public),
        case(
            Method::GET,
            "/api/v1/suppliers/{id}",
            Param::OrgB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA
                | Actor::LeadC
                | Actor::SmeB
                | Actor::ParkXiangyang
                | Actor::PlatformAdmin => OK,
                Actor::SmeD | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/{id}",
            Param::OrgA,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                _ => NOT_FOUND,
            },
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/me/capabilities",
            Param::None,
            None,
            sme_only,
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/me/certifications",
            Param::None,
            None,
            sme_only,
        ),
        case(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            Param::None,
            Some(
                |_| json!({"capabilities": [{"category_code": "auto.part", "annual_capacity": 10, "unit": "pcs"}]}),
            ),
            sme_only,
        ),
        case(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            Param::None,
            Some(
                |ctx| json!({"kind": "ISO9001", "number": format!("Q-{}", ctx.serial), "valid_from": "2025-01-01", "valid_until": "2028-01-01"}),
            ),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/certifications/{id}",
            Param::CertificationOfB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => NO_CONTENT,
                // B's certificate is real; to D it reads exactly like a missing one.
                Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/certifications/{id}",
            Param::Fixed("999999"),
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::SmeD => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(Method::GET, "/api/v1/regions", Param::None, None, public),
        case(
            Method::GET,
            "/api/v1/regions/{code}",
            Param::Fixed("420606"),
            None,
            public,
        ),
        case(Method::GET, "/api/v1/categories", Param::None, None, public),
        case(
            Method::GET,
            "/api/v1/categories/{code}",
            Param::Fixed("auto"),
            None,
            public,
        ),
        case(Method::GET, "/api/v1/parks", Param::None, None, signed_in),
        case(Method::GET, "/api/v1/chains", Param::None, None, signed_in),
        case(
            Method::GET,
            "/api/v1/chains/{id}/graph",
            Param::Chain,
            None,
            signed_in,
        ),
        case(Method::GET, "/api/v1/me", Param::None, None, signed_in),
        case(
            Method::GET,
            "/api/v1/organizations/{id}",
            Param::OrgA,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::SmeB | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::GET,
            "/api/v1/organizations/{id}",
            Param::OrgB,
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::LeadA | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::PATCH,
            "/api/v1/organizations/{id}",
            Param::OrgA,
            Some(|ctx| json!({"version": ctx.version, "name": format!("Renamed {}", ctx.serial)})),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::PlatformAdmin => OK,
                Actor::ParkXiangyang => FORBIDDEN,
                Actor::SmeB | Actor::SmeD | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::POST,
            "/api/v1/users",
            Param::None,
            Some(
                |ctx| json!({"email": format!("new-admin-{}@example.com", ctx.serial), "display_name": "New", "role": "platform_admin"}),
            ),
            platform_admin_only,
        ),
        case(
            Method::POST,
            "/api/v1/imports/taxonomy",
            Param::None,
            Some(|ctx| {
                json!(format!(
                    "code,name,parent\nmatrix{},Matrix,auto\n",
                    ctx.serial
                ))
            }),
            platform_admin_only,
        ),
        case(
            Method::POST,
            "/api/v1/imports/suppliers",
            Param::None,
            Some(|ctx| {
                json!(format!(
                    "name,region_code\nMatrix Supplier {},420606\n",
                    ctx.serial
                ))
            }),
            platform_admin_only,
        ),
    ]
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let admin = world.signed_in(Actor::PlatformAdmin).to_owned();
    let mut failures = Vec::new();
    let mut serial = 0;
    for case in matrix() {
        for actor in ACTORS {
            serial += 1;
            let version = app
                .get_as(&format!("/api/v1/organizations/{}", world.org_a), &admin)
                .await
                .json::<Value>()
                .await
                .unwrap()["version"]
                .as_i64()
                .unwrap();
            let (path, quote) = case.path(&app, &world, serial).await;
            let webhook_version = if matches!(case.param, Param::WorldWebhook | Param::WebhookOfA) {
                json_with_status(
                    app.get_as(
                        path.split("/deliveries").next().unwrap_or(&path),
                        world.signed_in(Actor::LeadA),
                    )
                    .await,
                    reqwest::StatusCode::OK,
                )
                .await["version"]
                    .as_i64()
                    .unwrap()
            } else {
                0
            };
            let body = case.body.map(|make| {
                make(&Ctx {
                    version,
                    webhook_version,
                    serial,
                    quote,
                })
            });
            let mut request = app.client.request(case.method.clone(), app.url(&path));
            if let Some(token) = world.token(actor) {
                request = request.bearer_auth(token);
            }
            request = match &body {
                Some(Value::String(csv)) => {
                    request.header("content-type", "text/csv").body(csv.clone())
                }
                Some(json) => request.json(json),
                None => request,
            };
            let response = request.send().await.unwrap();
            let expected = (case.expect)(actor);
            let actual = response.status();
            if actual != expected {
                let text = response.text().await.unwrap();
                failures.push(format!(
                    "{} {path} as {actor:?}: expected {expected}, got {actual}: {text}",
                    case.method
                ));
            } else if !actual.is_success() {
                let content_type = response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                if content_type != "application/problem+json" {
                    failures.push(format!(
                        "{} {path} as {actor:?}: {actual} without problem+json",
                        case.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix failures:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn another_tenants_organisation_reads_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let stranger = world.signed_in(Actor::LeadC);
    let theirs = app
        .get_as(&format!("/api/v1/organizations/{}", world.org_a), stranger)
        .await;
    let missing = app.get_as("/api/v1/organizations/999999", stranger).await;
    assert_eq!(theirs.status(), missing.status());
    let theirs: Value = theirs.json().await.unwrap();
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(theirs["code"], missing["code"]);
    assert_eq!(theirs["title"], missing["title"]);
}

/// The actors who share a role, for telling a refusal by role from one by ownership.
fn same_role(actor: Actor) -> &'static [Actor] {
    match actor {
        Actor::Anonymous => &[Actor::Anonymous],
        Actor::LeadA | Actor::LeadC => &[Actor::LeadA, Actor::LeadC],
        Actor::SmeB | Actor::SmeD => &[Actor::SmeB, Actor::SmeD],
        Actor::ParkXiangyang | Actor::ParkXiantao => &[Actor::ParkXiangyang, Actor::ParkXiantao],
        Actor::PlatformAdmin => &[Actor::PlatformAdmin],
    }
}

/// A role a route refuses outright learns nothing from its body: a broken body still answers 403,
/// never a 400 or 422 that would tell it what the route expects.
#[tokio::test]
async fn a_refused_role_gets_403_before_its_body_is_read() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut serial = 10_000;
    for case in matrix() {
        let Some(make) = case.body else { continue };
        for actor in ACTORS {
            let refused_by_role = same_role(actor)
                .iter()
                .all(|peer| (case.expect)(*peer) == StatusCode::FORBIDDEN);
            if !refused_by_role {
                continue;
            }
            serial += 1;
            checked += 1;
            let (path, quote) = case.path(&app, &world, serial).await;
            let sample = make(&Ctx {
                version: 1,
                webhook_version: 1,
                serial,
                quote,
            });
            let (content_type, broken) = match sample {
                Value::String(_) => ("text/csv", "\u{feff}not,a\nbill\"of,materials".to_owned()),
                _ => ("application/json", "{\"unterminated\": ".to_owned()),
            };
            let mut request = app
                .client
                .request(case.method.clone(), app.url(&path))
                .header("content-type", content_type)
                .body(broken);
            if let Some(token) = world.token(actor) {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            if response.status() != StatusCode::FORBIDDEN {
                let status = response.status();
                failures.push(format!(
                    "{} {path} as {actor:?}: expected 403, got {status}: {}",
                    case.method,
                    response.text().await.unwrap()
                ));
            }
        }
    }
    assert!(checked > 20, "only {checked} refusals by role were checked");
    assert!(
        failures.is_empty(),
        "a refused role read the body first:\n{}",
        failures.join("\n")
    );
}
