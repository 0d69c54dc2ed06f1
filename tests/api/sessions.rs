//! Refresh-token rotation, expiry, replay detection and sign-out.

use peitao_api::auth::tokens;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, json_with_status, problem, spawn_app};

#[tokio::test]
async fn refresh_rotates_and_a_replayed_token_revokes_the_family() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@dongfeng.example", "lead", "420606", None)
        .await;

    let first = json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second_token = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, account.refresh_token);
    json_with_status(
        app.get_as("/api/v1/me", first["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;

    // The first token again: a replay. Its successor dies with it.
    let replay = problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        replay["detail"].as_str().unwrap().contains("used before"),
        "{replay}"
    );
    problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": second_token}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    // A separate sign-in is a separate family and still works.
    let other = app.login("buyer@dongfeng.example", PASSWORD).await;
    json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other["refresh_token"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_the_session_and_leaves_the_others_signed_in() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    let other_session = app.login("buyer@dongfeng.example", PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rotated = json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": account.refresh_token}),
        )
        .await,
        StatusCode::OK,
    )
    .await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let response = app
        .post_json("/api/v1/auth/logout", &json!({"refresh_token": rotated}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": rotated}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    json_with_status(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": other_session}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn racing_refreshes_with_one_token_have_one_winner_and_leave_no_session_alive() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("racer@example.com", "lead", "420606", None)
        .await;
    let body = json!({"refresh_token": account.refresh_token});
    let attempts = (0..8).map(|_| app.post_json("/api/v1/auth/refresh", &body));
    let responses = futures_util::future::join_all(attempts).await;
    let mut successors = Vec::new();
    let mut refused = 0;
    for response in responses {
        match response.status() {
            StatusCode::OK => {
                let body: serde_json::Value = response.json().await.unwrap();
                successors.push(body["refresh_token"].as_str().unwrap().to_owned());
            }
            StatusCode::UNAUTHORIZED => refused += 1,
            other => panic!("a racing refresh answered {other}"),
        }
    }
    assert_eq!(
        (successors.len(), refused),
        (1, 7),
        "a valid token is used exactly once: one winner, seven replays"
    );
    // The replays revoked the family: the winner's successor is dead too.
    problem(
        app.post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": successors[0]}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn a_refresh_gives_a_new_pair_that_works() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("buyer@dongfeng.example", "lead", "420606", None)
        .await;
    let mut refresh_token = account.refresh_token;
    // The new refresh token is itself good for a refresh, and so on down the family.
    for _ in 0..3 {
        let pair = json_with_status(
            app.post_json(
                "/api/v1/auth/refresh",
                &json!({"refresh_token": refresh_token}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(pair["token_type"], "Bearer", "{pair}");
        assert!(pair["expires_in"].as_u64().unwrap() > 0, "{pair}");
        let next = pair["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(next, refresh_token);
        let me = json_with_status(
            app.get_as("/api/v1/me", pair["access_token"].as_str().unwrap())
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["user"]["id"], account.user_id, "{me}");
        refresh_token = next;
    }
}

#[tokio::test]
async fn a_refresh_token_past_its_expiry_is_refused() {
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("sleeper@example.com", "lead", "420606", None)
        .await;
    let user = peitao_domain::UserId(account.user_id);
    let now = time::OffsetDateTime::now_utc();
    // Two tokens stored as sign-ins store them, one expired a second ago, one good for an hour.
    let expired = tokens::new_refresh_token();
    let live = tokens::new_refresh_token();
    for (token, family, expires_at) in [
        (&expired, "family-expired", now - time::Duration::seconds(1)),
        (&live, "family-live", now + time::Duration::hours(1)),
    ] {
        app.store
            .insert_refresh_token(user, family, &tokens::hash_refresh_token(token), expires_at)
            .await
            .unwrap();
    }
    problem(
        app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": expired}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    json_with_status(
        app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": live}))
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn a_successor_issued_after_a_replay_is_born_revoked() {
    // The interleaving a race produces, replayed step by step: A uses the token, B replays it
    // (revoking the family), and only then is A's successor stored.
    let app = spawn_app().await;
    app.seed_geography().await;
    let account = app
        .register("late@example.com", "lead", "420606", None)
        .await;
    let user = peitao_domain::UserId(account.user_id);
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    app.store
        .insert_refresh_token(user, "family-f", "hash-t", expires)
        .await
        .unwrap();
    assert!(matches!(
        app.store.consume_refresh_token("hash-t").await.unwrap(),
        peitao_store::RefreshOutcome::Rotated { .. }
    ));
    assert_eq!(
        app.store.consume_refresh_token("hash-t").await.unwrap(),
        peitao_store::RefreshOutcome::Replayed
    );
    app.store
        .insert_refresh_token(user, "family-f", "hash-s", expires)
        .await
        .unwrap();
    assert_eq!(
        app.store.consume_refresh_token("hash-s").await.unwrap(),
        peitao_store::RefreshOutcome::Invalid
    );
}
