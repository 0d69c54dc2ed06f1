//! Creating accounts: a lead enterprise or an SME registering with its first user (the API), and
//! park or platform administrators (the API and the `peitao user` command).

use peitao_domain::{
    Email, Organization, OrganizationKind, ParkId, RegionCode, Role, User, UserId,
    check_password_policy,
};
use peitao_store::{DisabledUser, NewOrganization, NewUser, Store, StoreError};
use rand::{Rng, distr::Alphanumeric};

use crate::{AppError, error::OrNotFound, organizations, passwords};

/// An organisation registering with its first user; texts already parsed by the domain's rules.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: Email,
    pub password: String,
    pub display_name: String,
    pub organization_name: String,
    pub kind: OrganizationKind,
    /// Must name a county-level region.
    pub region_code: RegionCode,
    /// Must lie in the prefecture of `region_code`.
    pub park_id: Option<ParkId>,
}

/// Registers an organisation with its first user, both in one transaction, after checking the
/// password policy, the county and the park.
pub async fn register(
    store: &Store,
    registration: Registration,
) -> Result<(User, Organization), AppError> {
    check_password_policy(&registration.password)?;
    let region_code = organizations::county(store, registration.region_code).await?;
    let park_id = match registration.park_id {
        Some(id) => Some(organizations::park_in_prefecture(store, id, region_code).await?),
        None => None,
    };
    let password_hash = passwords::hash(registration.password).await?;
    store
        .register(
            &NewOrganization {
                name: registration.organization_name,
                kind: registration.kind,
                region_code,
                park_id,
            },
            NewUser {
                email: registration.email,
                password_hash,
                display_name: registration.display_name,
                role: Role::of_organization(registration.kind),
                organization_id: None,
                park_id: None,
            },
        )
        .await
        .map_err(email_conflict)
}

/// A request for an administrator account.
#[derive(Debug, Clone)]
pub struct NewAdministrator {
    pub email: Email,
    /// Already checked by `peitao_domain::text::DISPLAY_NAME`.
    pub display_name: String,
    pub role: Role,
    /// Required for park administrators, refused for platform administrators.
    pub park_id: Option<ParkId>,
    /// `None` generates a password, returned once.
    pub password: Option<String>,
}

/// The created administrator and, when one was generated, its password.
#[derive(Debug)]
pub struct CreatedAdministrator {
    pub user: User,
    pub generated_password: Option<String>,
}

/// Creates a park or platform administrator after checking role, park and password.
pub async fn create_administrator(
    store: &Store,
    request: NewAdministrator,
) -> Result<CreatedAdministrator, AppError> {
    match (request.role, request.park_id) {
        (Role::ParkAdmin, Some(park)) => {
            store
                .park(park)
                .await
                .or_invalid(format!("park {}", park.0))?;
        }
        (Role::ParkAdmin, None) => {
            return Err(AppError::Invalid(
                "a park administrator needs the id of its park".into(),
            ));
        }
        (Role::PlatformAdmin, None) => {}
        (Role::PlatformAdmin, Some(_)) => {
            return Err(AppError::Invalid(
                "a platform administrator belongs to no park".into(),
            ));
        }
        (role, _) => {
            return Err(AppError::Invalid(format!(
                "only park_admin and platform_admin accounts are created here, not {}; lead and \
                 SME users register with their organisation",
                role.as_str()
            )));
        }
    }
    let (password, generated) = match request.password {
        Some(password) => (password, false),
        None => (generate_password(), true),
    };
    check_password_policy(&password)?;
    let password_hash = passwords::hash(password.clone()).await?;
    let user = store
        .create_user(NewUser {
            email: request.email,
            password_hash,
            display_name: request.display_name,
            role: request.role,
            organization_id: None,
            park_id: request.park_id,
        })
        .await
        .map_err(email_conflict)?;
    Ok(CreatedAdministrator {
        user,
        generated_password: generated.then_some(password),
    })
}

/// Maps a unique violation on the users table to a clear message.
fn email_conflict(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict(_) => {
            AppError::Conflict("an account with this e-mail address exists already".into())
        }
        other => other.into(),
    }
}

/// 20 random letters and digits: about 119 bits.
fn generate_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// A platform administrator disables a user, with the reason kept beside the account: its access
/// tokens stop working at once and its refresh tokens are revoked. An administrator cannot disable
/// itself (409): the platform must keep someone who can undo mistakes.
pub async fn disable_user(
    store: &Store,
    actor: &crate::needs::Actor,
    id: UserId,
    reason: &str,
) -> Result<DisabledUser, AppError> {
    if actor.role != Role::PlatformAdmin {
        return Err(AppError::Forbidden(
            "only platform administrators disable users".into(),
        ));
    }
    if id == actor.user {
        return Err(AppError::Conflict(
            "you cannot disable your own account; another platform administrator can".into(),
        ));
    }
    let reason = peitao_domain::text::REASON
        .parse(reason)
        .map_err(|err| AppError::Invalid(format!("reason: {err}")))?;
    let disabled = store
        .disable_user(id, actor.user, &reason)
        .await
        .or_not_found(format!("user {id}"))?;
    Ok(disabled)
}

/// The most users a platform administrator's list shows at once.
pub const USERS_LISTED: u64 = 200;

/// Users, newest first, at most [`USERS_LISTED`], of `role` when one is given, disabled ones
/// included with why: for platform administrators only (403 for everyone else).
pub async fn list_users(
    store: &Store,
    actor: &crate::needs::Actor,
    role: Option<Role>,
) -> Result<Vec<peitao_store::ListedUser>, AppError> {
    if actor.role != Role::PlatformAdmin {
        return Err(AppError::Forbidden(
            "only platform administrators list users".into(),
        ));
    }
    Ok(store.list_users(role, USERS_LISTED).await?)
}
