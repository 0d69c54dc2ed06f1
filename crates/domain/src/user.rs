//! People and what they may do: user ids, e-mail addresses, roles and the password policy.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainError, OrganizationId, ParkId};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// The longest password accepted: long enough for any passphrase, short enough to hash cheaply.
pub const MAX_PASSWORD_LEN: usize = 256;

/// The id of a user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An e-mail address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Accepts an address as [`crate::text::EMAIL_PATTERN`] describes it — nothing around it, no
    /// invisible characters — and lower-cases it, so one mailbox is one account.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if crate::text::is_email(raw) {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(DomainError::InvalidEmail(crate::error::shown(raw)))
        }
    }

    /// An address read back from storage. It passed the rules of its day when it was stored, and
    /// an account must stay reachable when the rules later tighten, so it is not checked again.
    pub fn stored(address: String) -> Self {
        Self(address)
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

/// Checks a new password against the policy: length only, as NIST SP 800-63B advises.
pub fn check_password_policy(password: &str) -> Result<(), DomainError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        Err(DomainError::PasswordTooShort(MIN_PASSWORD_LEN))
    } else if length > MAX_PASSWORD_LEN {
        Err(DomainError::PasswordTooLong(MAX_PASSWORD_LEN))
    } else {
        Ok(())
    }
}

/// What a user is to the platform; it decides which routes admit them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Procurement at a lead enterprise.
    Lead,
    /// Sales at an SME supplier.
    Sme,
    /// An administrator of one industrial park.
    ParkAdmin,
    /// An administrator of the whole platform.
    PlatformAdmin,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Self; 4] = [Self::Lead, Self::Sme, Self::ParkAdmin, Self::PlatformAdmin];

    /// The stored and serialised name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Sme => "sme",
            Self::ParkAdmin => "park_admin",
            Self::PlatformAdmin => "platform_admin",
        }
    }

    /// Parses the stored name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidRole(crate::error::shown(raw)))
    }

    /// The role of the people of an organisation of this kind.
    pub fn of_organization(kind: crate::OrganizationKind) -> Self {
        match kind {
            crate::OrganizationKind::Lead => Self::Lead,
            crate::OrganizationKind::Sme => Self::Sme,
        }
    }
}

/// A user as the rest of Peitao sees one: never with a password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// The organisation of a lead or SME user.
    pub organization_id: Option<OrganizationId>,
    /// The park of a park administrator.
    pub park_id: Option<ParkId>,
}

/// A PHC-format password hash. It prints as `PasswordHash(..)` so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash produced by the password hasher.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for the hasher to verify against.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_one_account_per_mailbox() {
        let email = Email::parse("Buyer@Dongfeng.Example").unwrap();
        assert_eq!(email.as_str(), "buyer@dongfeng.example");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for raw in [
            "",
            "buyer",
            "buyer@",
            "@dongfeng.example",
            "a b@c.example",
            "a@b",
            "a@.b",
            "a@b.",
            "  buyer@dongfeng.example ",
            "lead1@peitao.demo\u{200B}",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }

    #[test]
    fn passwords_must_be_at_least_ten_characters() {
        assert!(check_password_policy("123456789").is_err());
        assert!(check_password_policy("1234567890").is_ok());
        assert!(
            check_password_policy("密码密码密码密码密码").is_ok(),
            "characters, not bytes"
        );
        assert!(check_password_policy(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn password_hashes_never_print() {
        let hash = PasswordHash::new("$argon2id$v=19$secret".into());
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }
}
