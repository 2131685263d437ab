//! What tests and operators do besides the API: records broken on the wire, refused queries,
//! the counters, and the `/_sim/` control endpoints.

use ccsync_sim::ivinex::{Malformation, RecordKind};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{agent, call, start, token};

#[tokio::test]
async fn malformed_records_come_out_broken_on_the_wire_only() {
    let sim = start().await;
    let token = token(&sim).await;
    let user = sim
        .inject_malformed(RecordKind::User, Malformation::MissingName)
        .unwrap();
    let status = sim
        .inject_malformed(RecordKind::AgentStatus, Malformation::StringActive)
        .unwrap();
    let (_, read) = call(&sim, &token, Method::GET, &format!("/users/{user}"), None).await;
    assert!(read.get("username").is_none());
    let (_, page) = call(
        &sim,
        &token,
        Method::GET,
        "/agent-statuses?pageSize=500",
        None,
    )
    .await;
    let broken = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == status)
        .unwrap();
    assert_eq!(broken["active"], "yes");
    assert!(sim.user(user).is_some_and(|u| !u.username.is_empty()));
}

#[tokio::test]
async fn strangers_in_the_query_and_unknown_collections_are_refused() {
    let sim = start().await;
    let token = token(&sim).await;
    for path in [
        "/users?external_id=x",
        "/users?pageSize=501",
        "/users?page=0",
    ] {
        let (status, body) = call(&sim, &token, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
    let (status, _) = call(&sim, &token, Method::GET, "/teams", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&sim, &token, Method::POST, "/users", Some(json!([1]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn requests_are_counted_by_method_and_prefix_and_counters_reset() {
    let sim = start().await;
    let token = token(&sim).await;
    call(&sim, &token, Method::GET, "/users", None).await;
    call(&sim, &token, Method::GET, "/campaigns", None).await;
    call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("a/user/1", "a1")),
    )
    .await;
    assert_eq!(sim.requests("/users"), 2);
    assert_eq!(sim.requests_with("post", "/users"), 1);
    assert_eq!(sim.requests("/auth/token"), 1);
    sim.reset_counters();
    assert_eq!(sim.requests("/"), 0);
    assert_eq!(sim.counts(RecordKind::User).created, 0);
    assert!(
        sim.find(RecordKind::User, "a/user/1").is_some(),
        "records stay"
    );
}

#[tokio::test]
async fn the_control_endpoints_do_over_http_what_the_rust_api_does() {
    let sim = start().await;
    let control = |path: &str| format!("{}/_sim{path}", sim.base_url());
    let http = reqwest::Client::new();
    let info: Value = http
        .get(control("/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["credentials"]["clientId"], sim.credentials().client_id);
    assert_eq!(info["apiUrl"], sim.api_url());

    let added: Value = http
        .post(control("/records/users"))
        .json(&json!({"username": "by.hand", "groups": ["Supervisors"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = added["id"].as_u64().unwrap();
    assert_eq!(added["passwordSet"], false);
    let edited: Value = http
        .patch(control(&format!("/records/users/{id}")))
        .json(&json!({"passwordSet": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(edited["passwordSet"], true);
    let unknown = http
        .patch(control(&format!("/records/users/{id}")))
        .json(&json!({"shoeSize": 9}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);

    let fault = json!({"method": "GET", "pathPrefix": "/campaigns", "count": 1,
        "fault": {"rateLimited": {"retryAfterSecs": 2}}});
    let set = http
        .post(control("/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let token = token(&sim).await;
    assert_eq!(
        call(&sim, &token, Method::GET, "/campaigns", None).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let counts: Value = http
        .get(control("/counts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["users"]["records"], sim.users().len());

    let removed = http
        .delete(control(&format!("/records/users/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sim.delete_calls(),
        0,
        "an administrator's delete is not an API call"
    );

    sim.add_user(|u| u.username = "temp".into()).unwrap();
    let reset = http.post(control("/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert!(sim.users().iter().all(|u| u.username != "temp"));
    assert_eq!(
        call(&sim, &token, Method::GET, "/users", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}
