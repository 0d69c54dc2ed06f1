//! Credentials: the titles officials award enterprises, declared by an SME on its own profile and
//! read by lead enterprises, administrators and the matching engine.

use peitao_domain::{
    Credential, CredentialTier, OrganizationId, Role,
    credential::{CREDENTIAL_BATCH, CREDENTIAL_NUMBER},
    parse_date,
};
use peitao_store::{Store, StoredCredential};
use time::Date;

use crate::{AppError, error::OrNotFound, needs::Actor};

/// A credential as sent: the tier by its code or its Chinese name, dates as `YYYY-MM-DD`.
#[derive(Debug, Clone)]
pub struct CredentialInput {
    pub tier: String,
    pub issuing_body: String,
    pub batch: Option<String>,
    pub certificate_number: Option<String>,
    pub valid_from: String,
    pub valid_until: String,
}

/// The SME the actor declares for: credentials are an SME's own, reached only as `me`.
fn own_supplier(actor: &Actor) -> Result<OrganizationId, AppError> {
    match (actor.role, actor.organization) {
        (Role::Sme, Some(organization)) => Ok(organization),
        _ => Err(AppError::Forbidden(format!(
            "credentials are declared by SMEs on their own profile, not by the {} role",
            actor.role.as_str()
        ))),
    }
}

/// Checks a credential as sent; names the field at fault. A batch or number that is sent must
/// have a visible character: leave it out when there is none.
pub fn parse(input: &CredentialInput) -> Result<Credential, AppError> {
    let tier = CredentialTier::parse(&input.tier)
        .map_err(|err| AppError::Invalid(format!("tier: {err}")))?;
    let batch = input
        .batch
        .as_deref()
        .map(|batch| CREDENTIAL_BATCH.parse(batch))
        .transpose()?;
    let number = input
        .certificate_number
        .as_deref()
        .map(|number| CREDENTIAL_NUMBER.parse(number))
        .transpose()?;
    Ok(Credential::new(
        tier,
        &input.issuing_body,
        batch.as_deref(),
        number.as_deref(),
        parse_date("valid_from", &input.valid_from)?,
        parse_date("valid_until", &input.valid_until)?,
    )?)
}

/// The signed-in SME declares a credential.
pub async fn declare(
    store: &Store,
    actor: &Actor,
    input: &CredentialInput,
) -> Result<StoredCredential, AppError> {
    let organization = own_supplier(actor)?;
    let credential = parse(input)?;
    Ok(store.add_credential(organization, &credential).await?)
}

/// The signed-in SME's credentials, highest tier first.
pub async fn list_own(store: &Store, actor: &Actor) -> Result<Vec<StoredCredential>, AppError> {
    let organization = own_supplier(actor)?;
    Ok(store.organization_credentials(organization).await?)
}

/// The signed-in SME removes one of its credentials; another SME's reads as missing.
pub async fn remove(store: &Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    let organization = own_supplier(actor)?;
    store
        .delete_credential(organization, id)
        .await
        .or_not_found(format!("credential {id}"))
}

/// A supplier's credentials, for its profile; the caller has checked that the profile is
/// readable.
pub async fn of_supplier(
    store: &Store,
    supplier: OrganizationId,
) -> Result<Vec<StoredCredential>, AppError> {
    Ok(store.organization_credentials(supplier).await?)
}

/// The credentials an organisation holds valid on `day`, highest tier first: what the matching
/// engine weighs.
pub async fn valid_on(
    store: &Store,
    organization: OrganizationId,
    day: Date,
) -> Result<Vec<Credential>, AppError> {
    Ok(store.credentials_valid_on(organization, day).await?)
}
