//! The matching engine's change log: triggers on every table it reads from write one row per
//! changed supplier, need or reference table, in the same transaction as the change. Each process
//! keeps its own in-memory index and follows this log (PostgreSQL also sends a `NOTIFY` on the
//! `peitao_matching` channel to wake followers at once; SQLite followers poll).
//!
//! Triggers rather than calls in the code: a write that forgets to report itself cannot exist,
//! and a change that rolls back leaves no row.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, subject, the column naming the subject, or `None` for a reference table).
const SOURCES: [(&str, &str, Option<&str>); 13] = [
    ("organizations", "supplier", Some("id")),
    ("users", "supplier", Some("organization_id")),
    ("capabilities", "supplier", Some("organization_id")),
    ("certifications", "supplier", Some("organization_id")),
    ("credentials", "supplier", Some("organization_id")),
    ("production_sites", "supplier", Some("organization_id")),
    ("deals", "supplier", Some("supplier_id")),
    ("deals", "need", Some("need_id")),
    ("needs", "need", Some("id")),
    ("need_invitations", "need", Some("need_id")),
    ("categories", "reference", None),
    ("category_links", "reference", None),
    ("regions", "reference", None),
];

fn trigger_name(table: &str, subject: &str, event: &str) -> String {
    format!("trg_matching_{table}_{subject}_{event}")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MatchingChanges::Table)
                    .col(big_pk_auto(MatchingChanges::Id))
                    .col(string_len(MatchingChanges::Subject, 16))
                    .col(big_integer(MatchingChanges::SubjectId))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION peitao_matching_notify() RETURNS trigger AS $$ \
                     BEGIN PERFORM pg_notify('peitao_matching', NEW.id::text); RETURN NULL; END; \
                     $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER trg_matching_changes_notify AFTER INSERT ON matching_changes \
                     FOR EACH ROW EXECUTE FUNCTION peitao_matching_notify()",
                )
                .await?;
                for (table, subject, column) in SOURCES {
                    let function = format!("peitao_matching_{table}_{subject}");
                    let body = match column {
                        Some(column) => format!(
                            "IF TG_OP <> 'INSERT' AND OLD.{column} IS NOT NULL THEN \
                               INSERT INTO matching_changes (subject, subject_id) \
                               VALUES ('{subject}', OLD.{column}); END IF; \
                             IF TG_OP <> 'DELETE' AND NEW.{column} IS NOT NULL \
                               AND (TG_OP = 'INSERT' OR NEW.{column} IS DISTINCT FROM OLD.{column}) THEN \
                               INSERT INTO matching_changes (subject, subject_id) \
                               VALUES ('{subject}', NEW.{column}); END IF;"
                        ),
                        None => "INSERT INTO matching_changes (subject, subject_id) \
                                 VALUES ('reference', 0);"
                            .to_owned(),
                    };
                    db.execute_unprepared(&format!(
                        "CREATE FUNCTION {function}() RETURNS trigger AS $$ BEGIN {body} \
                         RETURN NULL; END; $$ LANGUAGE plpgsql"
                    ))
                    .await?;
                    // Reference tables change in bulk: one row per statement is enough.
                    let granularity = if column.is_some() {
                        "FOR EACH ROW"
                    } else {
                        "FOR EACH STATEMENT"
                    };
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         {granularity} EXECUTE FUNCTION {function}()",
                        trigger_name(table, subject, "change")
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, subject, column) in SOURCES {
                    for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                        let statement = match column {
                            Some(column) => format!(
                                "INSERT INTO matching_changes (subject, subject_id) \
                                 SELECT '{subject}', {row}.{column} WHERE {row}.{column} IS NOT NULL;"
                            ),
                            None => "INSERT INTO matching_changes (subject, subject_id) \
                                     VALUES ('reference', 0);"
                                .to_owned(),
                        };
                        // An update that moves a row to another subject reports the old one too.
                        let old_too = match (event, column) {
                            ("UPDATE", Some(column)) => format!(
                                "INSERT INTO matching_changes (subject, subject_id) \
                                 SELECT '{subject}', OLD.{column} WHERE OLD.{column} IS NOT NULL \
                                 AND OLD.{column} IS NOT NEW.{column};"
                            ),
                            _ => String::new(),
                        };
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {} AFTER {event} ON {table} FOR EACH ROW \
                             BEGIN {statement} {old_too} END",
                            trigger_name(table, subject, &event.to_lowercase())
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for (table, subject, _) in SOURCES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {} ON {table}",
                        trigger_name(table, subject, "change")
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "DROP FUNCTION IF EXISTS peitao_matching_{table}_{subject}()"
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, subject, _) in SOURCES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {}",
                            trigger_name(table, subject, event)
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_table(Table::drop().table(MatchingChanges::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS peitao_matching_notify()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum MatchingChanges {
    Table,
    Id,
    Subject,
    SubjectId,
}
