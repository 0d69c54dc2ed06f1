//! The store's one error type, and the one place database errors are classified.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// What went wrong in the store, classified for the caller: the API maps each variant to one
/// status, and only `Database` hides its cause from the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL must start with sqlite:, postgres:// or postgresql://")]
    UnsupportedUrl,
    #[error("could not create the database folder {folder}")]
    CreateFolder {
        folder: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write: the thing exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A foreign key refused the write: something it points at does not exist.
    #[error("a referenced record does not exist: {0}")]
    MissingReference(String),
    /// An update named a version that is no longer current.
    #[error("the record changed since version was read; current version is {current}")]
    StaleVersion { current: i32 },
    /// The database did not answer in time or could not be reached.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A stored row that no longer satisfies a domain rule.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error")]
    Database(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => return Self::Conflict(detail),
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => {
                return Self::MissingReference(detail);
            }
            _ => {}
        }
        match &err {
            DbErr::RecordNotFound(_) => Self::NotFound,
            DbErr::ConnectionAcquire(reason) => Self::Unavailable(reason.to_string()),
            DbErr::Conn(RuntimeErr::SqlxError(sqlx)) if is_unreachable(sqlx) => {
                Self::Unavailable(sqlx.to_string())
            }
            DbErr::Exec(RuntimeErr::SqlxError(sqlx))
            | DbErr::Query(RuntimeErr::SqlxError(sqlx))
                if is_unreachable(sqlx) =>
            {
                Self::Unavailable(sqlx.to_string())
            }
            _ => Self::Database(err),
        }
    }
}

fn is_unreachable(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::PoolTimedOut | Error::PoolClosed | Error::Io(_) | Error::Tls(_) => true,
        // SQLite reports a lock held past the busy timeout as SQLITE_BUSY (code 5).
        // SQLITE_BUSY_SNAPSHOT (517): a deferred transaction lost its snapshot to a writer; retrying
        // helps, as for any busy database.
        Error::Database(db) => matches!(db.code().as_deref(), Some("5" | "517")),
        _ => false,
    }
}

impl From<peitao_domain::DomainError> for StoreError {
    fn from(err: peitao_domain::DomainError) -> Self {
        Self::Corrupt(err.to_string())
    }
}
