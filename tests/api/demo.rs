//! The demo province: seeded through the same code as `peitao seed demo`.

use peitao_app::{
    AppError,
    demo::{self, DEMO_PASSWORD, Scale},
};
use reqwest::StatusCode;

use crate::helpers::{json_with_status, spawn_app};

#[tokio::test]
async fn the_small_demo_can_be_signed_into_for_every_role() {
    let app = spawn_app().await;
    let summary = demo::seed(&app.store, Scale::Small, 42, false, |_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.leads, 12);
    assert_eq!(summary.smes, 150);
    assert!(
        summary.out_of_province > 5 && summary.out_of_province < 45,
        "{summary:?}"
    );
    assert!(summary.capabilities >= summary.smes);
    assert!(summary.needs >= 100 && summary.deals >= 40, "{summary:?}");

    for (email, role) in [
        ("admin@peitao.demo", "platform_admin"),
        ("park.xiangyang@peitao.demo", "park_admin"),
        ("lead1@peitao.demo", "lead"),
        ("sme1@peitao.demo", "sme"),
    ] {
        let tokens = app.login(email, DEMO_PASSWORD).await;
        let me = json_with_status(
            app.get_as("/api/v1/me", tokens["access_token"].as_str().unwrap())
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["role"], role, "{email}");
    }
    let lead = app.login("lead1@peitao.demo", DEMO_PASSWORD).await;
    let me = json_with_status(
        app.get_as("/api/v1/me", lead["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["organization"]["name"], "东岳商用车有限公司");
    assert_eq!(me["organization"]["kind"], "lead");
}

#[tokio::test]
async fn seeding_refuses_a_database_with_organisations_unless_forced() {
    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 1, false, |_, _| {})
        .await
        .unwrap();
    let refused = demo::seed(&app.store, Scale::Small, 1, false, |_, _| {}).await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(detail)) if detail.contains("holds 162 organisation")),
        "{refused:?}"
    );
    let forced = demo::seed(&app.store, Scale::Small, 2, true, |_, _| {})
        .await
        .unwrap();
    assert_eq!(forced.smes, 150);
    assert_eq!(app.store.count_organizations().await.unwrap(), 162);
}

#[tokio::test]
async fn the_same_seed_makes_the_same_province() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    demo::seed(&first.store, Scale::Small, 7, false, |_, _| {})
        .await
        .unwrap();
    demo::seed(&second.store, Scale::Small, 7, false, |_, _| {})
        .await
        .unwrap();
    for id in [1_i64, 13, 50, 162] {
        let id = peitao_domain::OrganizationId(id);
        let (a, b) = (
            first.store.organization(id).await.unwrap(),
            second.store.organization(id).await.unwrap(),
        );
        assert_eq!(
            (a.name, a.region_code, a.park_id),
            (b.name, b.region_code, b.park_id)
        );
        assert_eq!(
            first.store.capabilities(id).await.unwrap(),
            second.store.capabilities(id).await.unwrap()
        );
    }
    for sql in [
        "SELECT title || '@' || CAST(created_at AS TEXT) || '/' || status, quantity FROM needs \
         ORDER BY id",
        "SELECT CAST(need_id AS TEXT) || '/' || status, value_fen FROM deals ORDER BY id",
    ] {
        assert_eq!(tally(&first, sql).await, tally(&second, sql).await, "{sql}");
    }
}

/// The counts of rows by the given columns, as text, for comparing what the demo made.
async fn tally(app: &crate::helpers::TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let connection = app.store.connection();
    connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let key: String = row.try_get_by_index(0).unwrap();
            let count: i64 = row.try_get_by_index(1).unwrap();
            format!("{key}={count}")
        })
        .collect()
}

#[tokio::test]
async fn the_demo_province_is_at_work_over_eighteen_months() {
    let app = spawn_app().await;
    demo::seed(&app.store, Scale::Small, 42, false, |_, _| {})
        .await
        .unwrap();
    let statuses = tally(
        &app,
        "SELECT status, COUNT(*) FROM needs GROUP BY status ORDER BY status",
    )
    .await;
    for status in [
        "draft",
        "published",
        "closed",
        "expired",
        "partly_awarded",
        "awarded",
        "fulfilled",
        "cancelled",
    ] {
        assert!(
            statuses
                .iter()
                .any(|row| row.starts_with(&format!("{status}="))),
            "no {status} need: {statuses:?}"
        );
    }
    let deals = tally(
        &app,
        "SELECT status || '/' || CASE WHEN in_province THEN 'in' ELSE 'out' END, COUNT(*) \
         FROM deals GROUP BY 1 ORDER BY 1",
    )
    .await;
    for kind in ["fulfilled/in", "fulfilled/out", "active/in", "cancelled/in"] {
        assert!(
            deals.iter().any(|row| row.starts_with(&format!("{kind}="))),
            "no {kind} deal: {deals:?}"
        );
    }
    let deliveries = tally(
        &app,
        "SELECT CASE WHEN on_time THEN 'on_time' ELSE 'late' END, COUNT(*) FROM deals \
         WHERE status = 'fulfilled' GROUP BY 1 ORDER BY 1",
    )
    .await;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    let quotes = tally(
        &app,
        "SELECT status, COUNT(*) FROM quotes GROUP BY status ORDER BY status",
    )
    .await;
    for status in ["awarded", "rejected", "shortlisted", "submitted"] {
        assert!(
            quotes
                .iter()
                .any(|row| row.starts_with(&format!("{status}="))),
            "no {status} quote: {quotes:?}"
        );
    }
    // Spread over the last eighteen months, and never in the future.
    let months = tally(
        &app,
        "SELECT 'months', COUNT(DISTINCT SUBSTR(CAST(created_at AS TEXT), 1, 7)) FROM needs",
    )
    .await;
    let spread: i64 = months[0].trim_start_matches("months=").parse().unwrap();
    assert!(spread >= 15, "{months:?}");

    // The stored awards agree with the deals, and a lead sees its own through the API.
    let mismatched = tally(
        &app,
        "SELECT 'mismatched', COUNT(*) FROM needs WHERE awarded_quantity <> \
         (SELECT COALESCE(SUM(quantity), 0) FROM deals \
          WHERE deals.need_id = needs.id AND deals.status <> 'cancelled')",
    )
    .await;
    assert_eq!(mismatched, ["mismatched=0"]);
    let lead = app.login("lead1@peitao.demo", DEMO_PASSWORD).await;
    let token = lead["access_token"].as_str().unwrap();
    let mine = json_with_status(
        app.get_as("/api/v1/needs?limit=100", token).await,
        StatusCode::OK,
    )
    .await;
    assert!(!mine["items"].as_array().unwrap().is_empty());
    let deals = json_with_status(app.get_as("/api/v1/deals", token).await, StatusCode::OK).await;
    assert!(!deals["items"].as_array().unwrap().is_empty());
}

/// A park official looking at the demo sees a baseline mostly sourced outside Hubei, a rate that
/// rose with the deals made here, and gaps to attract investment for.
#[tokio::test]
async fn the_demo_parks_figures_tell_a_plausible_story() {
    let app = spawn_app().await;
    let summary = demo::seed(&app.store, Scale::Small, 42, false, |_, _| {})
        .await
        .unwrap();
    assert!(summary.bom_lines >= summary.leads, "{summary:?}");
    let tokens = app.login("park.xiangyang@peitao.demo", DEMO_PASSWORD).await;
    let token = tokens["access_token"].as_str().unwrap();
    let rate = json_with_status(
        app.get_as("/api/v1/stats/supporting-rate", token).await,
        StatusCode::OK,
    )
    .await;
    let baseline = rate["total"]["baseline"]["rate"].as_f64().unwrap();
    let current = rate["total"]["current"]["rate"].as_f64().unwrap();
    assert!((0.05..0.5).contains(&baseline), "{rate}");
    assert!(current > baseline, "{rate}");
    let admin = app.login("admin@peitao.demo", DEMO_PASSWORD).await;
    let gaps = json_with_status(
        app.get_as(
            "/api/v1/stats/gaps",
            admin["access_token"].as_str().unwrap(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(!gaps.as_array().unwrap().is_empty(), "{gaps}");
}
