//! The SME's own profile: capabilities, certifications (those expired or expiring soon
//! highlighted), plants, credentials and its scorecard from fulfilled deals — the profile
//! `GET /api/v1/suppliers/{id}` shows buyers.

use actix_web::{HttpResponse, web};
use peitao_domain::Role;
use serde::Serialize;
use time::Date;

use super::{ConsoleError, Ctx, page::percent, session::Session};
use crate::{
    error::ApiError,
    routes::suppliers::{CertificationView, supplier_view},
    state::AppState,
};

/// A certificate ending within this many days is flagged before it lapses.
pub const EXPIRY_WARNING_DAYS: i64 = 60;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sme/profile", web::get().to(profile));
}

/// A certificate with how soon it ends.
#[derive(Debug, Serialize)]
struct CertificationRow {
    #[serde(flatten)]
    certification: CertificationView,
    /// `expired`, `expiring` (within [`EXPIRY_WARNING_DAYS`]) or `valid`.
    expiry: &'static str,
    days_left: i64,
}

/// How soon a certificate valid until `until` ends, seen on `today`.
fn expiry(until: Date, today: Date) -> (&'static str, i64) {
    let days_left = (until - today).whole_days();
    let state = if days_left < 0 {
        "expired"
    } else if days_left <= EXPIRY_WARNING_DAYS {
        "expiring"
    } else {
        "valid"
    };
    (state, days_left)
}

async fn profile(ctx: Ctx, session: Session, state: web::Data<AppState>) -> HttpResponse {
    let result = async {
        session.principal.require(&[Role::Sme])?;
        let own = session
            .principal
            .organization_id()
            .ok_or(ConsoleError::Api(ApiError::Internal))?;
        let view = supplier_view(&state, &session.principal, own).await?;
        let today = time::OffsetDateTime::now_utc().date();
        let scorecard = minijinja::context! {
            fulfilled_deals => view.scorecard.fulfilled_deals,
            on_time => percent(view.scorecard.on_time_rate),
            mean_quality => view.scorecard.mean_quality.map(|quality| format!("{quality:.1}")),
        };
        let certifications: Vec<CertificationRow> = view
            .certifications
            .into_iter()
            .map(|certification| {
                let (state, days_left) = expiry(certification.valid_until, today);
                CertificationRow {
                    certification,
                    expiry: state,
                    days_left,
                }
            })
            .collect();
        let attention = certifications
            .iter()
            .filter(|row| row.expiry != "valid")
            .count();
        ctx.render(
            Some(&session),
            "sme_profile.html",
            minijinja::context! {
                name => view.name,
                region_code => view.region_code,
                verified => view.verified,
                in_province => view.in_province,
                capabilities => view.capabilities,
                certifications => certifications,
                attention => attention,
                warning_days => EXPIRY_WARNING_DAYS,
                sites => view.sites,
                credentials => view.credentials,
                scorecard => scorecard,
            },
        )
    }
    .await;
    ctx.finish(Some(&session), result)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_certificate_is_expiring_within_sixty_days_and_expired_after_its_last_day() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(expiry(date!(2026 - 11 - 27), today), ("expired", -1));
        assert_eq!(expiry(date!(2026 - 11 - 28), today), ("expiring", 0));
        assert_eq!(expiry(date!(2027 - 01 - 27), today), ("expiring", 60));
        assert_eq!(expiry(date!(2027 - 01 - 28), today), ("valid", 61));
    }
}
