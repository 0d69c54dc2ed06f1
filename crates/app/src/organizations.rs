//! Organisations: where one may sit (the rules registration and profile changes share), who may
//! read one, and its verification by administrators, recorded in its history.

use peitao_domain::{
    Organization, OrganizationEvent, OrganizationId, ParkId, RegionCode, RegionLevel, Role, text,
};
use peitao_store::Store;

use crate::{AppError, error::OrNotFound, needs::Actor};

/// `code` if it exists and names a county-level region: organisations sit in counties.
pub async fn county(store: &Store, code: RegionCode) -> Result<RegionCode, AppError> {
    let region = store
        .region(&code)
        .await
        .or_invalid(format!("region {code}"))?;
    if region.level != RegionLevel::County {
        return Err(AppError::Invalid(format!(
            "region {code} ({}) is a {}; organisations register with a county-level code \
             (district, county or county-level city)",
            region.name,
            region.level.as_str()
        )));
    }
    Ok(code)
}

/// The park `id` if it exists and lies in the prefecture of `region`: an organisation joins a
/// park where it is.
pub async fn park_in_prefecture(
    store: &Store,
    id: ParkId,
    region: RegionCode,
) -> Result<ParkId, AppError> {
    let park = store.park(id).await.or_invalid(format!("park {}", id.0))?;
    if !park.region_code.same_prefecture(&region) {
        return Err(AppError::Invalid(format!(
            "park {} ({}) lies in region {}, not in the prefecture of region {region}",
            id.0, park.name_zh, park.region_code
        )));
    }
    Ok(park.id)
}

/// Whether `actor` may read the organisation at all: its own members, its park's administrator and
/// platform administrators. Everyone else is told it does not exist.
pub fn can_read(actor: &Actor, organization: &Organization) -> bool {
    match actor.role {
        Role::PlatformAdmin => true,
        Role::ParkAdmin => actor.park.is_some() && organization.park_id == actor.park,
        Role::Lead | Role::Sme => actor.organization == Some(organization.id),
    }
}

/// The organisation, if `actor` may read it; otherwise the same 404 as a missing one.
pub async fn readable(
    store: &Store,
    actor: &Actor,
    id: OrganizationId,
) -> Result<Organization, AppError> {
    let what = format!("organization {id}");
    let organization = store.organization(id).await.or_not_found(&what)?;
    if can_read(actor, &organization) {
        Ok(organization)
    } else {
        Err(AppError::not_found(what))
    }
}

/// Marks an organisation verified or not, with the note its history keeps: platform
/// administrators for any organisation, a park administrator for those in its park. Its own
/// members may read it but not verify it (403); anyone else is told it does not exist.
pub async fn set_verification(
    store: &Store,
    actor: &Actor,
    id: OrganizationId,
    verified: bool,
    note: &str,
) -> Result<Organization, AppError> {
    let organization = readable(store, actor, id).await?;
    if !matches!(actor.role, Role::PlatformAdmin | Role::ParkAdmin) {
        return Err(AppError::Forbidden(
            "organisations are verified by platform administrators and their park's administrator"
                .into(),
        ));
    }
    let note = text::REASON
        .parse(note)
        .map_err(|err| AppError::Invalid(format!("note: {err}")))?;
    store
        .set_verified(organization.id, verified, actor.user, &note)
        .await
        .or_not_found(format!("organization {id}"))
}

/// An organisation's history, oldest first, to those who may read the organisation.
pub async fn history(
    store: &Store,
    actor: &Actor,
    id: OrganizationId,
) -> Result<Vec<OrganizationEvent>, AppError> {
    let organization = readable(store, actor, id).await?;
    Ok(store.organization_history(organization.id).await?)
}

/// The most organisations an administrator's list shows at once.
pub const LISTED: u64 = 200;

/// The organisations `actor` verifies, unverified first, at most [`LISTED`]: a park
/// administrator's park's, every one for platform administrators; only those whose verification
/// is `verified` when that is given. Lead enterprises and SMEs verify none (403).
pub async fn to_verify(
    store: &Store,
    actor: &Actor,
    verified: Option<bool>,
) -> Result<Vec<Organization>, AppError> {
    let park = match actor.role {
        Role::PlatformAdmin => None,
        Role::ParkAdmin => match actor.park {
            Some(park) => Some(park),
            None => return Ok(Vec::new()),
        },
        Role::Lead | Role::Sme => {
            return Err(AppError::Forbidden(
                "organisations are verified by platform administrators and their park's \
                 administrator"
                    .into(),
            ));
        }
    };
    Ok(store.list_organizations(park, verified, LISTED).await?)
}
