//! The authorisation matrix: every route, called by every role as the owner and as another
//! tenant, answers the status written here. Later issues add their routes to `matrix()`.

use peitao_domain::{Category, CategoryCode, ChainLink, NewChain, Role};
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
    org_b: i64,
    chain_id: i64,
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
    let counts = app
        .store
        .import_taxonomy(
            &[Category {
                code: CategoryCode::parse("auto.part").unwrap(),
                parent_code: Some(CategoryCode::parse("auto").unwrap()),
                name_zh: "零件".into(),
                name_en: "Parts".into(),
                reference: None,
            }],
            &[NewChain {
                code: "automotive".into(),
                name_zh: "汽车".into(),
                name_en: "Automotive".into(),
                links: vec![ChainLink {
                    upstream: CategoryCode::parse("auto.part").unwrap(),
                    downstream: CategoryCode::parse("auto").unwrap(),
                }],
            }],
        )
        .await
        .unwrap();
    assert_eq!(counts.chains, 1);
    let chain_id = app.store.list_chains().await.unwrap()[0].id.0;
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
        org_b: sme_b.organization_id.unwrap(),
        chain_id,
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
    /// A JSON body, or a JSON string sent as `text/csv`.
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

fn case(
    method: Method,
    path: &str,
    body: Option<fn(&Ctx) -> Value>,
    expect: fn(Actor) -> StatusCode,
) -> Case {
    Case {
        method,
        path: path.to_owned(),
        body,
        expect,
    }
}

fn public(_: Actor) -> StatusCode {
    OK
}

fn signed_in(actor: Actor) -> StatusCode {
    if actor == Actor::Anonymous {
        UNAUTHORIZED
    } else {
        OK
    }
}

fn platform_admin_only(actor: Actor) -> StatusCode {
    match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::PlatformAdmin => CREATED,
        _ => FORBIDDEN,
    }
}

fn matrix(world: &World) -> Vec<Case> {
    let org_a = format!("/api/v1/organizations/{}", world.org_a);
    let chain_graph = format!("/api/v1/chains/{}/graph", world.chain_id);
    let supplier_b = format!("/api/v1/suppliers/{}", world.org_b);
    let lead_as_supplier = format!("/api/v1/suppliers/{}", world.org_a);
    let sme_only = |actor: Actor| match actor {
        Actor::Anonymous => UNAUTHORIZED,
        Actor::SmeB => OK,
        _ => FORBIDDEN,
    };
    vec![
        case(Method::GET, &supplier_b, None, |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::LeadA
            | Actor::LeadC
            | Actor::SmeB
            | Actor::ParkXiangyang
            | Actor::PlatformAdmin => OK,
            Actor::ParkXiantao => NOT_FOUND,
        }),
        case(Method::GET, &lead_as_supplier, None, |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            _ => NOT_FOUND,
        }),
        case(
            Method::GET,
            "/api/v1/suppliers/me/capabilities",
            None,
            sme_only,
        ),
        case(
            Method::GET,
            "/api/v1/suppliers/me/certifications",
            None,
            sme_only,
        ),
        case(
            Method::PUT,
            "/api/v1/suppliers/me/capabilities",
            Some(
                |_| json!({"capabilities": [{"category_code": "auto.part", "annual_capacity": 10, "unit": "pcs"}]}),
            ),
            sme_only,
        ),
        case(
            Method::POST,
            "/api/v1/suppliers/me/certifications",
            Some(
                |ctx| json!({"kind": "ISO9001", "number": format!("Q-{}", ctx.serial), "valid_from": "2025-01-01", "valid_until": "2028-01-01"}),
            ),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => CREATED,
                _ => FORBIDDEN,
            },
        ),
        case(
            Method::DELETE,
            "/api/v1/suppliers/me/certifications/999999",
            None,
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::SmeB => NOT_FOUND,
                _ => FORBIDDEN,
            },
        ),
        case(Method::GET, "/api/v1/regions", None, public),
        case(Method::GET, "/api/v1/regions/420606", None, public),
        case(Method::GET, "/api/v1/categories", None, public),
        case(Method::GET, "/api/v1/categories/auto", None, public),
        case(Method::GET, "/api/v1/parks", None, signed_in),
        case(Method::GET, "/api/v1/chains", None, signed_in),
        case(Method::GET, &chain_graph, None, signed_in),
        case(Method::GET, "/api/v1/me", None, signed_in),
        case(Method::GET, &org_a, None, |actor| match actor {
            Actor::Anonymous => UNAUTHORIZED,
            Actor::LeadA | Actor::ParkXiangyang | Actor::PlatformAdmin => OK,
            Actor::SmeB | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
        }),
        case(
            Method::PATCH,
            &org_a,
            Some(|ctx| json!({"version": ctx.version, "name": format!("Renamed {}", ctx.serial)})),
            |actor| match actor {
                Actor::Anonymous => UNAUTHORIZED,
                Actor::LeadA | Actor::PlatformAdmin => OK,
                Actor::ParkXiangyang => FORBIDDEN,
                Actor::SmeB | Actor::LeadC | Actor::ParkXiantao => NOT_FOUND,
            },
        ),
        case(
            Method::POST,
            "/api/v1/users",
            Some(
                |ctx| json!({"email": format!("new-admin-{}@example.com", ctx.serial), "display_name": "New", "role": "platform_admin"}),
            ),
            platform_admin_only,
        ),
        case(
            Method::POST,
            "/api/v1/imports/taxonomy",
            Some(|ctx| {
                json!(format!(
                    "code,name,parent\nmatrix{},Matrix,auto\n",
                    ctx.serial
                ))
            }),
            platform_admin_only,
        ),
        case(
            Method::POST,
            "/api/v1/imports/suppliers",
            Some(|ctx| {
                json!(format!(
                    "name,region_code\nMatrix Supplier {},420606\n",
                    ctx.serial
                ))
            }),
            platform_admin_only,
        ),
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
            request = match &body {
                Some(Value::String(csv)) => {
                    request.header("content-type", "text/csv").body(csv.clone())
                }
                Some(json) => request.json(json),
                None => request,
            };
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
