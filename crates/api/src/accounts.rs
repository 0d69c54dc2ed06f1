//! Creating accounts, shared by the HTTP routes and the `peitao user` command.

use peitao_domain::{Email, ParkId, Role, User, check_password_policy};
use peitao_store::{NewUser, Store, StoreError};
use rand::{Rng, distr::Alphanumeric};

use crate::{
    auth::passwords,
    error::{ApiError, OrNotFound},
};

/// A request for an administrator account.
#[derive(Debug, Clone)]
pub struct NewAdministrator {
    pub email: Email,
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
) -> Result<CreatedAdministrator, ApiError> {
    match (request.role, request.park_id) {
        (Role::ParkAdmin, Some(park)) => {
            store
                .park(park)
                .await
                .or_invalid(format!("park {}", park.0))?;
        }
        (Role::ParkAdmin, None) => {
            return Err(ApiError::Validation(
                "a park administrator needs the id of its park".into(),
            ));
        }
        (Role::PlatformAdmin, None) => {}
        (Role::PlatformAdmin, Some(_)) => {
            return Err(ApiError::Validation(
                "a platform administrator belongs to no park".into(),
            ));
        }
        (role, _) => {
            return Err(ApiError::Validation(format!(
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
pub fn email_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => {
            ApiError::Conflict("an account with this e-mail address exists already".into())
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
