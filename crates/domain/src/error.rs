//! The one error type of the domain crate: a value that breaks a domain rule.

/// A value from outside that does not satisfy a domain rule. The message is written for the person
/// who sent the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("region code `{0}` is not a six-digit GB/T 2260 code")]
    InvalidRegionCode(String),
    #[error("province code `{0}` is not two digits")]
    InvalidProvinceCode(String),
    #[error("region level `{0}` is not one of province, prefecture, county")]
    InvalidRegionLevel(String),
    #[error("category code `{0}` must be 1 to 64 characters of letters, digits, `.`, `_` or `-`")]
    InvalidCategoryCode(String),
    #[error("organization kind `{0}` is not one of lead, sme")]
    InvalidOrganizationKind(String),
    #[error("`{0}` is not a valid e-mail address")]
    InvalidEmail(String),
    #[error("the password must be at least {0} characters long")]
    PasswordTooShort(usize),
    #[error("the password must be at most {0} characters long")]
    PasswordTooLong(usize),
    #[error("role `{0}` is not one of lead, sme, park_admin, platform_admin")]
    InvalidRole(String),
    #[error("the organization name must be 1 to 200 characters")]
    InvalidOrganizationName,
    #[error("annual capacity `{0}` must be a positive whole number")]
    InvalidCapacity(String),
    #[error("capacity unit `{0}` must be 1 to 32 characters")]
    InvalidUnit(String),
    #[error(
        "certification kind `{0}` must be 2 to 32 upper-case letters, digits or `-`, such as IATF16949"
    )]
    InvalidCertificationKind(String),
    #[error("a certificate number must be 1 to 128 characters")]
    InvalidCertificateNumber,
    #[error("a certificate's valid_until must come after its valid_from")]
    CertificateEndsBeforeItStarts,
}
