//! Sourcing needs: what a lead enterprise wants to buy, from draft to fulfilled. Who may see a need
//! and who may change it is decided here, once, for the API and the command line alike; every
//! change of status goes through the domain's state machine and is stored with its history row in
//! one transaction.

use peitao_domain::{
    CategoryCode, Need, NeedCommand, NeedEvent, NeedId, NeedStatus, NeedTerms, NeedTermsInput,
    OrganizationId, OrganizationKind, ParkId, ProvinceCode, RegionCode, RegionLevel, Role, UserId,
    text,
};
use peitao_matching::TaxonomyTree;
use peitao_store::{NeedFilter, NeedScope, Page, PageRequest, Store, StoreError, Transition};
use time::{Duration, OffsetDateTime};

use crate::AppError;

/// Who is asking: the signed-in user as the use cases need to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub organization: Option<OrganizationId>,
    pub park: Option<ParkId>,
}

/// The furthest ahead a response deadline may lie.
pub const MAX_DEADLINE_AHEAD: Duration = Duration::days(730);

fn missing(id: NeedId) -> AppError {
    AppError::not_found(format!("need {id}"))
}

/// Whether `actor` may see `need` at all; everyone else gets 404, as for a missing need.
async fn can_see(
    store: &Store,
    actor: &Actor,
    need: &Need,
    home: ProvinceCode,
) -> Result<bool, AppError> {
    Ok(match actor.role {
        Role::PlatformAdmin => true,
        Role::Lead => actor.organization == Some(need.organization_id),
        Role::ParkAdmin => {
            actor.park.is_some() && store.need_owner_park(need.id).await? == actor.park
        }
        Role::Sme => match actor.organization {
            Some(sme) => {
                let supplier = store.organization(sme).await?;
                need.visible_to_supplier(sme, supplier.region_code.is_in(home))
            }
            None => false,
        },
    })
}

/// The need, if `actor` may see it.
pub async fn get(
    store: &Store,
    actor: &Actor,
    id: NeedId,
    home: ProvinceCode,
) -> Result<Need, AppError> {
    let need = match store.need(id).await {
        Err(StoreError::NotFound) => return Err(missing(id)),
        other => other?,
    };
    if can_see(store, actor, &need, home).await? {
        Ok(need)
    } else {
        Err(missing(id))
    }
}

/// The need, if `actor` owns it. One who may see it but not change it is refused (403); one who
/// may not see it gets 404.
async fn owned(
    store: &Store,
    actor: &Actor,
    id: NeedId,
    home: ProvinceCode,
) -> Result<Need, AppError> {
    let need = get(store, actor, id, home).await?;
    if actor.role == Role::Lead && actor.organization == Some(need.organization_id) {
        Ok(need)
    } else {
        Err(AppError::Forbidden(
            "only the lead enterprise that owns a need may change it".into(),
        ))
    }
}

/// The terms as sent, with the deadline already read as a timestamp.
#[derive(Debug, Clone)]
pub struct TermsInput {
    pub category_code: String,
    pub title: String,
    pub specification: Option<String>,
    pub quantity: u64,
    pub unit: String,
    pub estimated_value_fen: u64,
    pub required_certifications: Vec<String>,
    pub delivery_region_code: String,
    pub response_deadline: OffsetDateTime,
    pub visibility: String,
    pub invited_supplier_ids: Vec<i64>,
}

/// Checks the terms on their own and against what is stored: the category exists, the delivery
/// region is a county, the deadline lies ahead, the invited are SMEs.
async fn checked_terms(store: &Store, input: &TermsInput) -> Result<NeedTerms, AppError> {
    let terms = NeedTerms::parse(&NeedTermsInput {
        category_code: &input.category_code,
        title: &input.title,
        specification: input.specification.as_deref(),
        quantity: input.quantity,
        unit: &input.unit,
        estimated_value_fen: input.estimated_value_fen,
        required_certifications: &input.required_certifications,
        delivery_region_code: &input.delivery_region_code,
        response_deadline: input.response_deadline,
        visibility: &input.visibility,
        invited_supplier_ids: &input.invited_supplier_ids,
    })?;
    match store.category(terms.category_code()).await {
        Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(format!(
                "category_code: category `{}` does not exist",
                terms.category_code()
            )));
        }
        other => {
            other?;
        }
    }
    let region = terms.delivery_region_code();
    match store.region(&region).await {
        Err(StoreError::NotFound) => {
            return Err(AppError::Invalid(format!(
                "delivery_region_code: region {region} does not exist"
            )));
        }
        Ok(found) if found.level != RegionLevel::County => {
            return Err(AppError::Invalid(format!(
                "delivery_region_code: region {region} ({}) is a {}; deliveries go to a county",
                found.name,
                found.level.as_str()
            )));
        }
        other => {
            other?;
        }
    }
    check_deadline(terms.response_deadline(), OffsetDateTime::now_utc())?;
    for supplier in terms.invited_supplier_ids() {
        let is_sme = match store.organization(*supplier).await {
            Ok(org) => org.kind == OrganizationKind::Sme,
            Err(StoreError::NotFound) => false,
            Err(other) => return Err(other.into()),
        };
        if !is_sme {
            return Err(AppError::Invalid(format!(
                "invited_supplier_ids: {supplier} is not a supplier"
            )));
        }
    }
    Ok(terms)
}

fn check_deadline(deadline: OffsetDateTime, now: OffsetDateTime) -> Result<(), AppError> {
    if deadline <= now {
        return Err(AppError::Invalid(
            "response_deadline: must lie in the future".into(),
        ));
    }
    if deadline > now + MAX_DEADLINE_AHEAD {
        return Err(AppError::Invalid(
            "response_deadline: must lie within two years".into(),
        ));
    }
    Ok(())
}

/// A lead enterprise drafts a need.
pub async fn create(store: &Store, actor: &Actor, input: &TermsInput) -> Result<Need, AppError> {
    let owner = match (actor.role, actor.organization) {
        (Role::Lead, Some(owner)) => owner,
        _ => {
            return Err(AppError::Forbidden(
                "only lead enterprises publish needs".into(),
            ));
        }
    };
    let terms = checked_terms(store, input).await?;
    Ok(store.create_need(owner, actor.user, &terms).await?)
}

/// The owner replaces the terms of a draft or published need.
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: NeedId,
    version: i32,
    input: &TermsInput,
    home: ProvinceCode,
) -> Result<Need, AppError> {
    let need = owned(store, actor, id, home).await?;
    if !need.status.editable() {
        return Err(AppError::InvalidTransition(format!(
            "the need is {}, so its terms can no longer change; they can while it is draft or \
             published",
            need.status
        )));
    }
    if need.version != version {
        return Err(AppError::StaleVersion {
            current: need.version,
        });
    }
    let terms = checked_terms(store, input).await?;
    Ok(store
        .update_need_terms(id, version, &terms, actor.user)
        .await?)
}

/// What the owner does to a need's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerAction {
    Publish,
    Close,
    Cancel,
}

/// The owner publishes, closes or cancels a need; cancelling needs a reason. Publishing tells the
/// SMEs the matching engine ranks at or above `matching.notify_min_score` for it (at most
/// [`crate::matching::NOTIFY_AT_MOST`]), in the same transaction.
pub async fn act(
    store: &Store,
    engine: &crate::matching::MatchingEngine,
    actor: &Actor,
    id: NeedId,
    action: OwnerAction,
    version: Option<i32>,
    reason: Option<&str>,
) -> Result<Need, AppError> {
    let home = engine.settings().home_province;
    let need = owned(store, actor, id, home).await?;
    let command = match action {
        OwnerAction::Publish => NeedCommand::Publish,
        OwnerAction::Close => NeedCommand::Close,
        OwnerAction::Cancel => NeedCommand::Cancel,
    };
    let next = need
        .status
        .apply(&command)
        .map_err(|err| AppError::InvalidTransition(err.to_string()))?;
    if let Some(version) = version
        && version != need.version
    {
        return Err(AppError::StaleVersion {
            current: need.version,
        });
    }
    let reason = match (action, reason) {
        (OwnerAction::Cancel, None) => {
            return Err(AppError::Invalid(
                "reason: say why the need is cancelled; suppliers who quoted will read it".into(),
            ));
        }
        (_, Some(reason)) => Some(text::REASON.parse(reason)?),
        (_, None) => None,
    };
    if action == OwnerAction::Publish {
        check_deadline(need.terms.response_deadline(), OffsetDateTime::now_utc()).map_err(
            |_| {
                AppError::Invalid(
                    "response_deadline: the deadline has passed; move it before publishing".into(),
                )
            },
        )?;
    }
    let (notify, matched) = if action == OwnerAction::Publish {
        (
            crate::matching::suppliers_to_tell(engine, &need),
            Some(has_eligible_supplier(engine, &need)),
        )
    } else {
        (Vec::new(), None)
    };
    Ok(store
        .transition_need(
            id,
            &Transition {
                from: need.status,
                to: next,
                version: Some(version.unwrap_or(need.version)),
                action: command.name(),
                actor: Some(actor.user),
                reason: reason.as_deref(),
                notify: &notify,
                matched,
            },
        )
        .await?)
}

/// Whether any supplier passes every filter for `need`: the funnel's "needs with a match".
fn has_eligible_supplier(engine: &crate::matching::MatchingEngine, need: &Need) -> bool {
    let facts = crate::matching::facts_of(need);
    engine.read(|index| {
        !index
            .rank_suppliers(&facts, &peitao_matching::RankOptions::top(1))
            .is_empty()
    })
}

/// A need's history, for those who may see the need other than suppliers.
pub async fn history(
    store: &Store,
    actor: &Actor,
    id: NeedId,
    home: ProvinceCode,
) -> Result<Vec<NeedEvent>, AppError> {
    // Closed to suppliers whatever the id, so the answer tells nothing about which needs exist.
    if actor.role == Role::Sme {
        return Err(AppError::Forbidden(
            "a need's history is its owner's and the administrators'".into(),
        ));
    }
    get(store, actor, id, home).await?;
    Ok(store.need_history(id).await?)
}

/// What a list of needs is filtered by, as sent.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub category: Option<CategoryCode>,
    pub region: Option<RegionCode>,
    pub deadline_after: Option<OffsetDateTime>,
    pub text: Option<String>,
}

/// Each role's own view: a lead its needs, an SME the open needs it may see, a park administrator
/// its park's lead enterprises' needs, a platform administrator all; newest first.
pub async fn list(
    store: &Store,
    actor: &Actor,
    query: &ListQuery,
    page: &PageRequest,
    home: ProvinceCode,
) -> Result<Page<Need>, AppError> {
    let scope = match actor.role {
        Role::PlatformAdmin => NeedScope::All,
        Role::Lead => NeedScope::Owner(actor.organization.ok_or_else(no_organization)?),
        Role::ParkAdmin => match actor.park {
            Some(park) => NeedScope::Park(park),
            None => return Ok(Page::empty()),
        },
        Role::Sme => {
            let sme = actor.organization.ok_or_else(no_organization)?;
            let supplier = store.organization(sme).await?;
            NeedScope::Supplier {
                id: sme,
                in_province: supplier.region_code.is_in(home),
            }
        }
    };
    let categories = match &query.category {
        Some(code) => {
            let mut tree = TaxonomyTree::new();
            for (code, parent) in store.category_parents().await? {
                tree.insert(code, parent);
            }
            Some(tree.with_descendants(code))
        }
        None => None,
    };
    Ok(store
        .list_needs(
            &NeedFilter {
                scope,
                categories,
                region: query.region,
                deadline_after: query.deadline_after,
                text: query.text.clone(),
            },
            page,
        )
        .await?)
}

fn no_organization() -> AppError {
    AppError::Store(StoreError::Corrupt(
        "a lead or SME user without an organisation".into(),
    ))
}

/// Moves every published need whose deadline has passed: to `closed` when it has live quotes, to
/// `expired` when it has none. Safe with several processes: each move is a guarded update, and a
/// need another process moved first is skipped. Returns how many this call moved.
pub async fn pass_deadlines(store: &Store, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut moved = 0;
    for (id, version) in store.needs_past_deadline(now, 500).await? {
        let live_quotes = store.live_quote_count(id).await? > 0;
        let command = NeedCommand::PassDeadline { live_quotes };
        let next = match NeedStatus::Published.apply(&command) {
            Ok(next) => next,
            Err(err) => return Err(AppError::InvalidTransition(err.to_string())),
        };
        let transition = Transition {
            from: NeedStatus::Published,
            to: next,
            version: Some(version),
            action: command.name(),
            actor: None,
            reason: Some("the response deadline passed"),
            notify: &[],
            matched: None,
        };
        match store.transition_need(id, &transition).await {
            Ok(_) => moved += 1,
            Err(StoreError::StaleVersion { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_lie_ahead_and_within_two_years() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        assert!(check_deadline(now, now).is_err());
        assert!(check_deadline(now - Duration::seconds(1), now).is_err());
        assert!(check_deadline(now + Duration::days(30), now).is_ok());
        assert!(check_deadline(now + MAX_DEADLINE_AHEAD + Duration::seconds(1), now).is_err());
    }
}
