//! The schema on the engine under test: every migration reverts cleanly and applies again.

use peitao_store::MigrationState;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn every_migration_reverts_and_applies_again_over_loaded_data() {
    let app = spawn_app_with(|settings| settings.reference.load_on_start = true).await;
    let migrations = app.store.migration_status().await.unwrap();
    assert!(
        migrations
            .iter()
            .all(|m| m.state == MigrationState::Applied),
        "{migrations:?}"
    );

    let count = u32::try_from(migrations.len()).unwrap();
    app.store.migrate_down(count).await.unwrap();
    let reverted = app.store.migration_status().await.unwrap();
    assert!(
        reverted.iter().all(|m| m.state == MigrationState::Pending),
        "{reverted:?}"
    );

    assert_eq!(app.store.migrate_up().await.unwrap(), migrations.len());
    assert_eq!(
        app.store.count_regions().await.unwrap(),
        0,
        "a fresh schema holds no data"
    );
}
