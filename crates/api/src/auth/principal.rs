//! The `Principal` extractor: a handler that takes one admits only signed-in users, and states the
//! roles it admits with `require`.

use std::{future::Future, marker::PhantomData, pin::Pin};

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

/// The roles a route admits, named as a type: a handler states them in its signature with
/// [`Admitted`], which wraps its body, so a refused role gets `403` without the body being read — it
/// learns nothing of what the route expects. Checks of ownership stay in the use cases.
pub trait Admits {
    const ROLES: &'static [Role];
}

/// Lead enterprises' users.
pub struct Leads;
/// SMEs' users.
pub struct Smes;
/// Users of an organisation: lead enterprises and SMEs.
pub struct Organizations;
/// Platform administrators.
pub struct PlatformAdmins;
/// Everyone signed in but platform administrators, who oversee and never act for a party.
pub struct Parties;

impl Admits for Leads {
    const ROLES: &'static [Role] = &[Role::Lead];
}
impl Admits for Smes {
    const ROLES: &'static [Role] = &[Role::Sme];
}
impl Admits for Organizations {
    const ROLES: &'static [Role] = &[Role::Lead, Role::Sme];
}
impl Admits for PlatformAdmins {
    const ROLES: &'static [Role] = &[Role::PlatformAdmin];
}
impl Admits for Parties {
    const ROLES: &'static [Role] = &[Role::Lead, Role::Sme, Role::ParkAdmin];
}

/// A signed-in user whose role `R` admits, and then the part `B` of the request that needs reading
/// (a JSON body). `B` is extracted only once the role is admitted: actix polls
/// a handler's extractors side by side, so a body in its own argument could be read, and refused
/// as malformed, before the sign-in check answers.
pub struct Admitted<R, B> {
    pub principal: Principal,
    pub body: B,
    roles: PhantomData<R>,
}

impl<R, B> FromRequest for Admitted<R, B>
where
    R: Admits + 'static,
    B: FromRequest + 'static,
    B::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let mut payload = payload.take();
        let req = req.clone();
        Box::pin(async move {
            let principal = principal.await?;
            principal.require(R::ROLES)?;
            let body = B::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Self {
                principal,
                body,
                roles: PhantomData,
            })
        })
    }
}
