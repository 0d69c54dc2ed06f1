//! Peitao's storage: sea-orm on SQLite (embedded default) or PostgreSQL (production), chosen by the
//! database URL alone. Callers get domain types back; entities and queries stay in this crate.

mod accounts;
mod activity;
mod boms;
mod connect;
mod credentials;
mod directory;
mod entity;
mod error;
mod events;
mod idempotency;
mod listings;
mod matching;
mod migrate;
mod needs;
pub mod page;
mod quotes;
mod reference;
mod sites;
mod stats;
mod suppliers;
mod supporting_rate;
mod synthetic;
mod taxonomy;
mod tokens;
mod verification;
mod webhook_fan_out;
mod webhook_queue;
mod webhooks;

pub use accounts::{DisabledUser, NewOrganization, NewUser, OrganizationChanges};
pub use activity::{PastDeal, PastNeed, PastQuote};
pub use connect::{Backend, ConnectOptions};
pub use credentials::StoredCredential;
pub use directory::{DirectoryEntry, DirectoryFilter};
pub use error::StoreError;
pub use events::{Event, EventViewer};
pub use idempotency::{Claim, IdempotentRequest, PENDING_LIFETIME, StoredResponse};
pub use listings::ListedUser;
pub use matching::{MatchingChanges, MatchingSubject, NeedMatchingRow, SupplierMatchingRow};
pub use migrate::{MigrationState, MigrationStatus};
pub use needs::{NeedFilter, NeedScope, Transition};
pub use page::{Page, PageRequest};
pub use quotes::{AwardOutcome, Deal, NewAward, Quote};
pub use reference::CategoryFilter;
pub use sea_orm::sqlx;
pub use sites::SiteRemoval;
pub use stats::{Bucket, DemandCell, FunnelFigures, LeadInfo, StatsScope};
pub use suppliers::{StoredCertification, SupplierRecord};
pub use synthetic::{BulkLoad, Cell, SqlRankWeights, rank_suppliers_sql_text};
pub use taxonomy::TaxonomyCounts;
pub use tokens::RefreshOutcome;
pub use webhook_fan_out::FanOut;
pub use webhook_queue::{AttemptOutcome, AttemptRecord, DeliveryJob, Recorded};
pub use webhooks::{DISABLED_BY_OWNER, RetryOutcome, WebhookChanges};

use sea_orm::DatabaseConnection;

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
}

impl Store {
    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`), so
    /// it waits its turn under the busy timeout instead of failing at its first write with
    /// `SQLITE_BUSY_SNAPSHOT` when another connection (the webhook worker, the deadline task, a
    /// second request) committed after it began reading. PostgreSQL ignores the mode.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    /// The connection itself, for tests and tools that inspect rows no use case reads.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Which database engine this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers whether the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }

    /// Closes every pooled connection.
    /// Whether the store's connections were closed ([`Store::close`]); background tasks stop then.
    pub fn is_closed(&self) -> bool {
        match self.backend {
            Backend::Postgres => self.db.get_postgres_connection_pool().is_closed(),
            Backend::Sqlite => self.db.get_sqlite_connection_pool().is_closed(),
        }
    }

    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::from)
    }
}
