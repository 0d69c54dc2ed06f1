//! The authorisation matrix: every route, called by every role as the owner and as another
//! tenant, answers the status written here. Later issues add their routes to `matrix()`.

use peitao_domain::{Category, CategoryCode, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Account, TestApp, spawn_app};

/// Who calls. `LeadA` and `SmeB` sit in the Xiangyang park; `LeadC` in Xiantao.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// The owner of organisation A, the object under test.
    LeadA,
    SmeB,
    /// Another tenant's lead.
    LeadC,
    /// Administrator of Xiangyang park, where A sits.
    ParkXiangyang,
    /// Administrator of Xiantao park.
    ParkXiantao,
    PlatformAdmin,
}

const ACTORS: [Actor; 7] = [
    Actor::Anonymous,
    Actor::LeadA,
    Actor::SmeB,
    Actor::LeadC,
    Actor::ParkXiangyang,
    Actor::ParkXiantao,
    Actor::PlatformAdmin,
];

struct World {
    accounts: Vec<(Actor, Account)>,
    org_a: i64,
}

impl World {
    fn token(&self, actor: Actor) -> Option<&str> {
        self.accounts
            .iter()
            .find(|(who, _)| *who == actor)
            .map(|(_, account)| account.access_token.as_str())
    }
}

async fn world(app: &TestApp) -> World {
    let parks = app.seed_geography().await;
    app.store
        .insert_categories(&[Category {
            code: CategoryCode::parse("auto").unwrap(),
            parent_code: None,
            name_zh: "汽车".into(),
            name_en: "Automotive".into(),
            reference: None,
        }])
        .await
        .unwrap();
    let lead_a = app
        .register(
            "lead-a@example.com",
            "lead",
            "420606",
            Some(parks.xiangyang),
        )
        .await;
    let sme_b = app
        .register("sme-b@example.com", "sme", "420607", Some(parks.xiangyang))
        .await;
    let lead_c = app
        .register("lead-c@example.com", "lead", "429004", Some(parks.xiantao))
        .await;
    let park_x = app
        .administrator("park-x@example.com", Role::ParkAdmin, Some(parks.xiangyang))
        .await;
    let park_t = app
        .administrator("park-t@example.com", Role::ParkAdmin, Some(parks.xiantao))
        .await;
    let admin = app
        .administrator("root@example.com", Role::PlatformAdmin, None)
        .await;
    World {
        org_a: lead_a.organization_id.unwrap(),
        accounts: vec![
            (Actor::LeadA, lead_a),
            (Actor::SmeB, sme_b),
            (Actor::LeadC, lead_c),
            (Actor::ParkXiangyang, park_x),
            (Actor::ParkXiantao, park_t),
            (Actor::PlatformAdmin, admin),
        ],
    }
}

/// One route and the status each actor must get.
struct Case {
    method: Method,
    path: String,
    body: Option<fn(&Ctx) -> Value>,
    expect: fn(Actor) -> StatusCode,
}

/// What a body may depend on: the current version of A, a counter for unique values.
struct Ctx {
    version: i64,
    serial: usize,
}

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

fn matrix(world: &World) -> Vec<Case> {
    let org_a = format!("/api/v1/organizations/{}", world.org_a);
    let public = |_: Actor| OK;
    let signed_in = |actor: Actor| {
        if actor == Actor::Anonymous {
            UNAUTHORIZED
        } else {
            OK
        }
    };
    vec![
        Case {
            method: Method::GET,
            path: "/api/v1/regions".into(),
            body: None,
            expect: public,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/regions/420606".into(),
            body: None,
            expect: public,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/categories".into(),
            body: None,
            expect: public,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/categories/auto".into(),
            body: None,
            expect: public,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/parks".into(),
            body: None,
            expect: signed_in,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/me".into(),
            body: None,
            expect: signed_in,
        },
        Case {
            method: Method::GET,
            path: org_a.clone(),
            body: None,
            expect: |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
                Actor::SmeB | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        },
        Case {
            method: Method::PATCH,
            path: org_a,
            body: Some(
                |ctx| json!({"version": ctx.version, "name": format!("Renamed {}", ctx.serial)}),
            ),
            expect: |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::PlatformAdmin => OK,
                Actor::ParkXiangyang => FORBIDDEN,
                Actor::SmeB | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        },
        Case {
            method: Method::POST,
            path: "/api/v1/users".into(),
            body: Some(
                |ctx| json!({"email": format!("new-admin-{}@example.com", ctx.serial), "display_name": "New", "role": "platform_admin"}),
            ),
            expect: |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::PlatformAdmin => CREATED,
                _ => FORBIDDEN,
            },
        },
    ]
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let admin = world.token(Actor::PlatformAdmin).unwrap().to_owned();
    let mut failures = Vec::new();
    let mut serial = 0;
    for case in matrix(&world) {
        for actor in ACTORS {
            serial += 1;
            let version = app
                .get_as(&format!("/api/v1/organizations/{}", world.org_a), &admin)
                .await
                .json::<Value>()
                .await
                .unwrap()["version"]
                .as_i64()
                .unwrap();
            let body = case.body.map(|make| make(&Ctx { version, serial }));
            let mut request = app.client.request(case.method.clone(), app.url(&case.path));
            if let Some(token) = world.token(actor) {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let expected = (case.expect)(actor);
            let actual = response.status();
            if actual != expected {
                let text = response.text().await.unwrap();
                failures.push(format!(
                    "{} {} as {actor:?}: expected {expected}, got {actual}: {text}",
                    case.method, case.path
                ));
            } else if !actual.is_success() {
                let content_type = response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                if content_type != "application/problem+json" {
                    failures.push(format!(
                        "{} {} as {actor:?}: {actual} without problem+json",
                        case.method, case.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix failures:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn another_tenants_organisation_reads_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let stranger = world.token(Actor::LeadC).unwrap();
    let theirs = app
        .get_as(&format!("/api/v1/organizations/{}", world.org_a), stranger)
        .await;
    let missing = app.get_as("/api/v1/organizations/999999", stranger).await;
    assert_eq!(theirs.status(), missing.status());
    let theirs: Value = theirs.json().await.unwrap();
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(theirs["code"], missing["code"]);
    assert_eq!(theirs["title"], missing["title"]);
}
