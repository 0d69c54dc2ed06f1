//! Opening the database: the URL picks the engine; SQLite gets its file, WAL, a busy timeout and
//! foreign keys.

use std::{path::Path, time::Duration};

use sea_orm::{
    Database,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::{Store, StoreError};

/// The database engines Peitao runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises the engine from a database URL, or `None` for one Peitao does not run on.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    /// The engine's name, as logs and `/readyz` show it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How to reach the database.
#[derive(Clone)]
pub struct ConnectOptions {
    /// `sqlite:PATH` / `sqlite://PATH` or `postgres://…`. May hold a password: never log it.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before the store reports itself unavailable.
    pub acquire_timeout: Duration,
    /// How long SQLite waits on a locked database before giving up.
    pub sqlite_busy_timeout: Duration,
}

impl Store {
    /// Opens a pool on the database named by `options.url`, creating the SQLite file (and its
    /// folder) when it does not exist yet.
    pub async fn connect(options: &ConnectOptions) -> Result<Self, StoreError> {
        let backend = Backend::from_url(&options.url).ok_or(StoreError::UnsupportedUrl)?;
        if backend == Backend::Sqlite {
            create_sqlite_folder(&options.url)?;
        }
        let mut pool = sea_orm::ConnectOptions::new(options.url.clone());
        pool.max_connections(options.max_connections)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .connect_timeout(options.acquire_timeout)
            .sqlx_logging(false);
        let busy_timeout = options.sqlite_busy_timeout;
        pool.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
        let db = Database::connect(pool).await?;
        Ok(Self { db, backend })
    }
}

/// Creates the folder an SQLite URL's file lives in, so `sqlite://data/peitao.db` works on a fresh
/// checkout.
fn create_sqlite_folder(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(folder) if !folder.as_os_str().is_empty() => {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                folder: folder.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_alone_picks_the_engine() {
        assert_eq!(
            Backend::from_url("sqlite://data/peitao.db?mode=rwc"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn the_sqlite_folder_is_created_on_first_start() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("nested/deeper/peitao.db");
        create_sqlite_folder(&format!("sqlite://{}?mode=rwc", file.display())).unwrap();
        assert!(root.path().join("nested/deeper").is_dir());
    }
}
