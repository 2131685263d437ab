//! The simulated Ivinex account over real HTTP, as a connector sees it: the token, lists and
//! look-ups by external id, creates and their conflicts, validation and updates here; the
//! delete endpoint and faults (a lost reply included) in `ivinex/faults.rs`; malformed records,
//! counters and the `/_sim/` control endpoints in `ivinex/control.rs`.

// A test crate's root looks for modules beside it, so the folder is named.
#[path = "ivinex/control.rs"]
mod control;
#[path = "ivinex/faults.rs"]
mod faults;

use std::time::Duration;

use ccsync_sim::ivinex::{CALL_CENTER_AGENTS, RecordKind};
use ccsync_sim::{IvinexSim, IvinexSimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn start() -> IvinexSim {
    IvinexSim::start(IvinexSimConfig::new(42)).await.unwrap()
}

/// The token endpoint's answer to these credentials.
pub(crate) async fn token_reply(sim: &IvinexSim, id: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/auth/token", sim.api_url()))
        .json(&json!({"clientId": id, "clientSecret": secret}))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn token(sim: &IvinexSim) -> String {
    let c = sim.credentials();
    let reply: Value = token_reply(sim, &c.client_id, &c.client_secret)
        .await
        .json()
        .await
        .unwrap();
    reply["accessToken"].as_str().unwrap().to_owned()
}

/// One API call with a bearer token: the status and the JSON body (`null` when empty).
pub(crate) async fn call(
    sim: &IvinexSim,
    token: &str,
    method: Method,
    path_and_query: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path_and_query}", sim.api_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

pub(crate) fn agent(external_id: &str, username: &str) -> Value {
    json!({"externalId": external_id, "username": username, "firstName": "Ada",
        "lastName": "Lovelace", "email": format!("{username}@example.com"), "active": true,
        "groups": [CALL_CENTER_AGENTS]})
}

pub(crate) fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn token_is_granted_for_the_client_credentials_and_refused_otherwise() {
    let sim = start().await;
    let c = sim.credentials();
    let granted = token_reply(&sim, &c.client_id, &c.client_secret).await;
    assert_eq!(granted.status(), StatusCode::OK);
    let body: Value = granted.json().await.unwrap();
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["expiresIn"], 1800);

    let refused = token_reply(&sim, &c.client_id, "wrong").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_client");

    let malformed = reqwest::Client::new()
        .post(format!("{}/auth/token", sim.api_url()))
        .body("client_id=x")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn api_calls_need_a_valid_unexpired_bearer_token() {
    let sim = IvinexSim::start(IvinexSimConfig {
        token_lifetime: Duration::from_millis(300),
        ..IvinexSimConfig::new(1)
    })
    .await
    .unwrap();
    let anonymous = reqwest::get(format!("{}/users", sim.api_url()))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let (status, body) = call(&sim, "made-up", Method::GET, "/users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_token");

    let token = token(&sim).await;
    assert_eq!(
        call(&sim, &token, Method::GET, "/users", None).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, _) = call(&sim, &token, Method::GET, "/users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired by its lifetime");

    let fresh = self::token(&sim).await;
    sim.expire_tokens();
    let (status, _) = call(&sim, &fresh, Method::GET, "/users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired by the control");
}

#[tokio::test]
async fn the_account_starts_with_hand_made_records_that_have_no_external_id() {
    let sim = start().await;
    let token = token(&sim).await;
    let (_, users) = call(&sim, &token, Method::GET, "/users", None).await;
    let items = users["items"].as_array().unwrap();
    assert!(items.len() >= 6);
    assert!(items.iter().all(|u| u["externalId"].is_null()));
    assert!(items.iter().any(|u| u["username"] == "admin"
        && u["groups"] == json!(["Administrators"])
        && u["passwordSet"] == true));
    for kind in RecordKind::ITEMS {
        let (_, page) = call(
            &sim,
            &token,
            Method::GET,
            &format!("/{}", kind.collection()),
            None,
        )
        .await;
        let lists: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["list"].as_str().unwrap())
            .collect();
        assert!(!lists.is_empty() && lists.iter().all(|l| kind.lists().any(|k| k == *l)));
    }
}

#[tokio::test]
async fn lists_page_in_id_order_with_a_total_and_a_next_link() {
    let sim = start().await;
    let token = token(&sim).await;
    let total = sim.users().len() as u64;
    let mut seen = Vec::new();
    let mut next = Some("/users?pageSize=4".to_owned());
    while let Some(path_and_query) = next.take() {
        let relative = path_and_query.trim_start_matches("/api/v1");
        let (status, page) = call(&sim, &token, Method::GET, relative, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], total);
        assert_eq!(page["pageSize"], 4);
        seen.extend(ids(&page["items"]));
        next = page["next"].as_str().map(str::to_owned);
    }
    let expected: Vec<u64> = sim.users().iter().map(|u| u.id).collect();
    assert_eq!(seen, expected);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    let (_, past) = call(&sim, &token, Method::GET, "/users?page=99", None).await;
    assert_eq!(past["items"], json!([]));
    assert_eq!(past["next"], Value::Null);
}

#[tokio::test]
async fn a_created_user_is_found_by_its_external_id_and_read_by_id() {
    let sim = start().await;
    let token = token(&sim).await;
    let (status, created) = call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("acme/user/100001", "ada.lovelace")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_u64().unwrap();
    assert_eq!(created["passwordSet"], false);
    assert_eq!(created["groups"], json!([CALL_CENTER_AGENTS]));

    let query = "/users?externalId=acme%2Fuser%2F100001";
    let (_, found) = call(&sim, &token, Method::GET, query, None).await;
    assert_eq!(ids(&found["items"]), [id]);
    assert_eq!(found["total"], 1);
    let (_, none) = call(&sim, &token, Method::GET, "/users?externalId=nobody", None).await;
    assert_eq!(none["items"], json!([]));
    let (status, one) = call(&sim, &token, Method::GET, &format!("/users/{id}"), None).await;
    assert_eq!((status, one), (StatusCode::OK, created));
    assert_eq!(sim.find(RecordKind::User, "acme/user/100001"), Some(id));
    assert_eq!(sim.counts(RecordKind::User).created, 1);
}

#[tokio::test]
async fn a_second_create_with_the_same_external_id_is_a_conflict_naming_the_first() {
    let sim = start().await;
    let token = token(&sim).await;
    let body = agent("acme/user/7", "grace.hopper");
    let (_, first) = call(&sim, &token, Method::POST, "/users", Some(body.clone())).await;
    let before = sim.users().len();
    let mut again = body;
    again["username"] = json!("another.name");
    let (status, conflict) = call(&sim, &token, Method::POST, "/users", Some(again)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["error"]["code"], "conflict");
    assert_eq!(conflict["error"]["existingId"], first["id"]);
    assert_eq!(sim.users().len(), before, "nothing stored");
    assert_eq!(sim.counts(RecordKind::User).conflicts, 1);

    // The same external id in another kind is another record.
    let item = json!({"externalId": "acme/user/7", "name": "Sales", "list": "CC Campaigns"});
    let (status, _) = call(&sim, &token, Method::POST, "/campaigns", Some(item)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_invalid_record_is_refused_with_every_field_named_and_the_next_one_still_goes_in() {
    let sim = start().await;
    let token = token(&sim).await;
    let bad = json!({"externalId": "acme/user/1", "username": "", "email": "nope",
        "firstName": "x".repeat(65), "groups": ["Call Center Agent"]});
    let (status, refused) = call(&sim, &token, Method::POST, "/users", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "validation_failed");
    let fields: Vec<&str> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "firstName", "groups[0]", "email"]);
    assert_eq!(sim.find(RecordKind::User, "acme/user/1"), None);

    let (status, _) = call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("acme/user/2", "ok.user")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let taken = agent("acme/user/3", "ADMIN");
    let (status, refused) = call(&sim, &token, Method::POST, "/users", Some(taken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already taken")
    );
    let counts = sim.counts(RecordKind::User);
    assert_eq!((counts.created, counts.rejected), (1, 2));
}

#[tokio::test]
async fn an_item_filed_in_a_list_of_another_kind_is_refused() {
    let sim = start().await;
    let token = token(&sim).await;
    let item =
        |list: &str| json!({"externalId": "acme/disposition/1", "name": "Sale", "list": list});
    let (status, refused) = call(
        &sim,
        &token,
        Method::POST,
        "/dispositions",
        Some(item("CC Campaigns")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["fields"][0]["field"], "list");
    let (status, created) = call(
        &sim,
        &token,
        Method::POST,
        "/dispositions",
        Some(item("CC Dispositions")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["list"], "CC Dispositions");
    assert_eq!(created["active"], true);
}

#[tokio::test]
async fn the_api_never_takes_a_password_and_an_administrator_sets_the_flag() {
    let sim = start().await;
    let token = token(&sim).await;
    let mut body = agent("acme/user/5", "no.password");
    body["password"] = json!("hunter2");
    let (status, refused) = call(&sim, &token, Method::POST, "/users", Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["fields"][0]["field"], "password");

    let (_, created) = call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("acme/user/5", "no.password")),
    )
    .await;
    let id = created["id"].as_u64().unwrap();
    let (status, _) = call(
        &sim,
        &token,
        Method::PATCH,
        &format!("/users/{id}"),
        Some(json!({"passwordSet": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!sim.user(id).unwrap().password_set);

    sim.set_password(id, true).unwrap();
    let (_, read) = call(&sim, &token, Method::GET, &format!("/users/{id}"), None).await;
    assert_eq!(read["passwordSet"], true);
}

#[tokio::test]
async fn an_update_changes_the_fields_given_and_an_unknown_id_is_not_found() {
    let sim = start().await;
    let token = token(&sim).await;
    let (_, created) = call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("acme/user/9", "alan.turing")),
    )
    .await;
    let id = created["id"].as_u64().unwrap();
    let path = format!("/users/{id}");
    let change = json!({"lastName": "Turing", "email": null, "active": false});
    let (status, updated) = call(&sim, &token, Method::PATCH, &path, Some(change)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["lastName"], "Turing");
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["active"], false);
    assert_eq!(updated["username"], "alan.turing");
    assert_eq!(updated["externalId"], "acme/user/9");
    assert!(updated["updatedAt"].as_str() > created["updatedAt"].as_str());

    let ext = json!({"externalId": "other"});
    let (status, _) = call(&sim, &token, Method::PATCH, &path, Some(ext)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for missing in ["/users/999999", "/users/abc", "/campaigns/1001"] {
        let (status, body) = call(
            &sim,
            &token,
            Method::PATCH,
            missing,
            Some(json!({"active": true})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    assert_eq!(sim.counts(RecordKind::User).updated, 1);
}
