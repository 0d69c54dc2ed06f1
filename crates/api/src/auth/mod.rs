//! Authentication: password hashing, access and refresh tokens, the `Principal` extractor that
//! hands handlers the signed-in user, and the limits on sign-in attempts.

pub mod passwords;
pub mod principal;
pub mod rate_limit;
pub mod tokens;

pub use principal::Principal;
