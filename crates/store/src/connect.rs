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
        let db = match Database::connect(pool.clone()).await {
            Ok(db) => db,
            Err(err) if backend == Backend::Postgres && is_missing_database(&err) => {
                create_postgres_database(&options.url).await?;
                Database::connect(pool).await.map_err(connect_error)?
            }
            Err(err) => return Err(connect_error(err)),
        };
        Ok(Self { db, backend })
    }
}

/// The SQLSTATE of `database "…" does not exist`, and of `database "…" already exists`.
const UNDEFINED_DATABASE: &str = "3D000";
const DUPLICATE_DATABASE: &str = "42P04";

fn sqlx_error(err: &sea_orm::DbErr) -> Option<&sea_orm::sqlx::Error> {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(sqlx))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => Some(sqlx.as_ref()),
        _ => None,
    }
}

fn sqlstate(err: &sea_orm::DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sea_orm::sqlx::Error::Database(db) => db.code().map(|code| code.into_owned()),
        _ => None,
    }
}

fn is_missing_database(err: &sea_orm::DbErr) -> bool {
    sqlstate(err).as_deref() == Some(UNDEFINED_DATABASE)
}

/// A connection failure as a person reads it: the database's own message, without the source
/// positions and the repeated wrapping of the drivers' `Display`.
fn connect_error(err: sea_orm::DbErr) -> StoreError {
    use sea_orm::{DbErr, RuntimeErr};
    let message = match (&err, sqlx_error(&err)) {
        (_, Some(sea_orm::sqlx::Error::Database(db))) => db.message().to_owned(),
        (DbErr::Conn(_), Some(other)) => other.to_string(),
        (DbErr::Conn(RuntimeErr::Internal(reason)), None) => reason.clone(),
        (DbErr::ConnectionAcquire(reason), None) => reason.to_string(),
        _ => return StoreError::from(err),
    };
    StoreError::Unavailable(message)
}

/// Creates the database a PostgreSQL URL names, connecting to the server's `postgres` database to
/// do it; another process creating it at the same moment is fine.
async fn create_postgres_database(url: &str) -> Result<(), StoreError> {
    use sea_orm::ConnectionTrait;
    let (server, name) = split_database_name(url).ok_or(StoreError::UnsupportedUrl)?;
    let maintenance = Database::connect(format!("{server}/postgres{}", query_of(url)))
        .await
        .map_err(connect_error)?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = maintenance
        .execute_unprepared(&format!("CREATE DATABASE {quoted}"))
        .await;
    let _ = maintenance.close().await;
    match created {
        Ok(_) => {
            tracing::info!(database = %name, "created the PostgreSQL database");
            Ok(())
        }
        Err(err) if sqlstate(&err).as_deref() == Some(DUPLICATE_DATABASE) => Ok(()),
        Err(err) => Err(connect_error(err)),
    }
}

/// `postgres://user@host:5432/name?x=y` → (`postgres://user@host:5432`, `name`), the name
/// percent-decoded.
fn split_database_name(url: &str) -> Option<(&str, String)> {
    let without_query = url.split('?').next()?;
    let after_scheme = without_query.find("://")? + 3;
    let slash = after_scheme + without_query[after_scheme..].find('/')?;
    let name = percent_decode(&without_query[slash + 1..])?;
    (!name.is_empty()).then_some((&without_query[..slash], name))
}

fn query_of(url: &str) -> &str {
    url.find('?').map_or("", |at| &url[at..])
}

fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = raw.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
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
    fn the_database_name_is_read_out_of_a_postgres_url() {
        assert_eq!(
            split_database_name("postgres://postgres@127.0.0.1:5432/peitao"),
            Some(("postgres://postgres@127.0.0.1:5432", "peitao".to_owned()))
        );
        assert_eq!(
            split_database_name("postgresql://u:p@db/pei%20tao?sslmode=disable"),
            Some(("postgresql://u:p@db", "pei tao".to_owned()))
        );
        assert_eq!(split_database_name("postgres://u@db"), None);
        assert_eq!(split_database_name("postgres://u@db/"), None);
    }

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
