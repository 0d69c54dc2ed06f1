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
}
