//! Peitao's schema migrations, written in sea-query's schema DSL so that one set runs on SQLite and
//! PostgreSQL alike. Each migration lives in a file named `mYYYYMMDD_NNNNNN_verb_noun.rs`; they are
//! applied in the order listed by [`Migrator::migrations`] and never edited once released.

pub use sea_orm_migration::{MigrationStatus, prelude::*};

mod m20261127_000001_create_reference_tables;
mod m20261127_000002_create_organizations_and_users;
mod m20261127_000003_create_refresh_tokens;
mod m20261127_000004_create_supplier_profiles;
mod m20261127_000005_create_idempotency_keys;
mod m20261128_000006_capability_processes_as_json;
mod m20261128_000007_create_needs;
mod m20261128_000008_create_production_sites;
mod m20261128_000009_create_quotes_and_deals;
mod m20261128_000010_create_credentials_and_verification;
mod m20261128_000011_create_matching_changes;
mod m20261128_000012_create_events;
mod m20261129_000013_create_webhooks;
mod m20261129_000015_create_boms;
mod m20261129_000016_notify_events;
mod m20261129_000017_users_organization_index;
mod m20261129_000018_deals_category;
mod m20261129_000019_deal_months;
mod m20261129_000020_supplier_deal_totals;
mod totals_triggers;

/// The statements that sum `deal_months` and `supplier_deal_totals` afresh from `deals`, for bulk
/// loads that write deals with triggers off.
pub use m20261129_000019_deal_months::fill_sql as fill_deal_months;
pub use m20261129_000020_supplier_deal_totals::fill_sql as fill_supplier_deal_totals;

/// The list of every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_reference_tables::Migration),
            Box::new(m20261127_000002_create_organizations_and_users::Migration),
            Box::new(m20261127_000003_create_refresh_tokens::Migration),
            Box::new(m20261127_000004_create_supplier_profiles::Migration),
            Box::new(m20261127_000005_create_idempotency_keys::Migration),
            Box::new(m20261128_000006_capability_processes_as_json::Migration),
            Box::new(m20261128_000007_create_needs::Migration),
            Box::new(m20261128_000008_create_production_sites::Migration),
            Box::new(m20261128_000009_create_quotes_and_deals::Migration),
            Box::new(m20261128_000010_create_credentials_and_verification::Migration),
            Box::new(m20261128_000011_create_matching_changes::Migration),
            Box::new(m20261128_000012_create_events::Migration),
            Box::new(m20261129_000013_create_webhooks::Migration),
            Box::new(m20261129_000015_create_boms::Migration),
            Box::new(m20261129_000016_notify_events::Migration),
            Box::new(m20261129_000017_users_organization_index::Migration),
            Box::new(m20261129_000018_deals_category::Migration),
            Box::new(m20261129_000019_deal_months::Migration),
            Box::new(m20261129_000020_supplier_deal_totals::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, JsonValue, Statement};

    use super::*;

    #[tokio::test]
    async fn the_migrations_apply_in_order_with_unique_names() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", folder.path().join("m.db").display());
        let db = Database::connect(url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let applied: Vec<String> = Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect();
        let mut sorted = applied.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            applied, sorted,
            "names are unique and sort in the order they apply"
        );
        assert_eq!(applied.len(), Migrator::migrations().len());
    }

    #[tokio::test]
    async fn processes_joined_by_semicolons_become_json_arrays_and_back() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", folder.path().join("m.db").display());
        let db = Database::connect(url).await.unwrap();
        Migrator::up(&db, Some(5)).await.unwrap();
        db.execute_unprepared(
            "INSERT INTO regions (code, name, level) VALUES ('420606', 'Fancheng', 'county');
             INSERT INTO categories (code, name_zh, name_en) VALUES ('a', 'A', 'A'), ('b', 'B', 'B');
             INSERT INTO organizations (name, kind, region_code, created_at, updated_at)
                 VALUES ('Org', 'sme', '420606', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO capabilities (organization_id, category_code, annual_capacity, unit, processes)
                 VALUES (1, 'a', 10, 'pcs', 'stamping;welding'), (1, 'b', 10, 'pcs', '');",
        )
        .await
        .unwrap();

        Migrator::up(&db, None).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT processes FROM capabilities ORDER BY category_code",
            ))
            .await
            .unwrap();
        let lists: Vec<JsonValue> = rows
            .iter()
            .map(|row| row.try_get_by_index::<JsonValue>(0).unwrap())
            .collect();
        assert_eq!(
            lists,
            [
                JsonValue::from(vec!["stamping", "welding"]),
                JsonValue::Array(Vec::new())
            ]
        );

        // Back to just before the conversion: every later migration first, then 000006.
        let migrations = Migrator::migrations();
        let conversion = migrations
            .iter()
            .position(|migration| {
                migration.name() == "m20261128_000006_capability_processes_as_json"
            })
            .unwrap();
        let after_conversion = migrations.len() - conversion - 1;
        Migrator::down(
            &db,
            Some(<u32 as TryFrom<usize>>::try_from(after_conversion + 1).unwrap()),
        )
        .await
        .unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT processes FROM capabilities ORDER BY category_code",
            ))
            .await
            .unwrap();
        let joined: Vec<String> = rows
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert_eq!(joined, ["stamping;welding", ""]);
    }
}
