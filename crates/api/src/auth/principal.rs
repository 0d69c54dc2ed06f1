//! The `Principal` extractor: a handler that takes one admits only signed-in users, and states the
//! roles it admits with `require`.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use peitao_app::needs::Actor;
use peitao_domain::{OrganizationId, ParkId, Role, User};
use peitao_store::StoreError;

use crate::{error::ApiError, state::AppState};

/// The signed-in user, read fresh from the store on every request: a deleted or disabled account
/// loses access at once, and a role change applies to tokens already issued.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
}

impl Principal {
    /// The role of the user.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Admits the user only if their role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this action is not open to the {} role",
                self.user.role.as_str()
            )))
        }
    }

    /// The user's organisation, for lead and SME users.
    pub fn organization_id(&self) -> Option<OrganizationId> {
        self.user.organization_id
    }

    /// The administered park, for park administrators.
    pub fn park_id(&self) -> Option<ParkId> {
        self.user.park_id
    }

    /// The user as the use cases know who is asking.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.id,
            role: self.role(),
            organization: self.organization_id(),
            park: self.park_id(),
        }
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthorized("the access token is missing, malformed, expired or revoked".into())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = super::bearer_token(req.headers());
        Box::pin(async move {
            let state = state.ok_or(ApiError::Internal)?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized(
                    "sign in first: send `Authorization: Bearer <access_token>`".into(),
                )
            })?;
            let user_id = state.tokens.verify(&token).map_err(|err| {
                tracing::debug!(error = %err, "access token refused");
                invalid_token()
            })?;
            let user = state
                .store
                .active_user(user_id)
                .await
                .map_err(|err| match err {
                    StoreError::NotFound => invalid_token(),
                    other => other.into(),
                })?;
            Ok(Self { user })
        })
    }
}
