//! Row triggers that keep a totals table exact as the rows of a source table change, in the
//! transaction of the change: an insert adds the new row, an update of a watched column takes the
//! old row out and puts the new one in, a deletion takes the old row out. Migrations 000019 and
//! 000020 keep their deal totals this way.
//!
//! On PostgreSQL one plpgsql function and one trigger; on SQLite, which has no trigger functions,
//! one trigger per event.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DatabaseBackend},
};

/// A totals table and how the rows of `source` change it.
pub struct TotalsTriggers<'a> {
    /// Names the function (`peitao_{name}`) and the triggers (`trg_{name}…`).
    pub name: &'a str,
    pub source: &'a str,
    /// The columns whose update changes the totals.
    pub watched: &'a str,
    /// The statement adding `NEW`; `take` the one taking `OLD` out. Each is given the backend.
    pub add: fn(DatabaseBackend) -> String,
    pub take: fn(DatabaseBackend) -> String,
}

impl TotalsTriggers<'_> {
    pub async fn create(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let (name, source, watched) = (self.name, self.source, self.watched);
        let (add, take) = ((self.add)(backend), (self.take)(backend));
        let statements = match backend {
            DatabaseBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION peitao_{name}() RETURNS trigger AS $$ \
                     BEGIN \
                       IF TG_OP IN ('UPDATE', 'DELETE') THEN {take}; END IF; \
                       IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF; \
                       RETURN NULL; \
                     END $$ LANGUAGE plpgsql"
                ),
                format!(
                    "CREATE TRIGGER trg_{name} AFTER INSERT OR DELETE OR UPDATE OF {watched} \
                     ON {source} FOR EACH ROW EXECUTE FUNCTION peitao_{name}()"
                ),
            ],
            _ => vec![
                format!(
                    "CREATE TRIGGER trg_{name}_insert AFTER INSERT ON {source} BEGIN {add}; END"
                ),
                format!(
                    "CREATE TRIGGER trg_{name}_update AFTER UPDATE OF {watched} ON {source} \
                     BEGIN {take}; {add}; END"
                ),
                format!(
                    "CREATE TRIGGER trg_{name}_delete AFTER DELETE ON {source} BEGIN {take}; END"
                ),
            ],
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    pub async fn drop(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (name, source) = (self.name, self.source);
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Postgres => vec![
                format!("DROP TRIGGER IF EXISTS trg_{name} ON {source}"),
                format!("DROP FUNCTION IF EXISTS peitao_{name}()"),
            ],
            _ => ["insert", "update", "delete"]
                .iter()
                .map(|event| format!("DROP TRIGGER IF EXISTS trg_{name}_{event}"))
                .collect(),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
