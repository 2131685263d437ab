//! The `/_sim/` control endpoints, for clients driving a standalone simulator, and the request
//! accounting.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::{get, start, token};

async fn control(
    sim: &ccsync_sim::CentralSim,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Client::new().request(method, format!("{}/_sim{path}", sim.base_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, value)
}

#[tokio::test]
async fn info_names_the_settings_of_a_central_connection() {
    let sim = start(1, 10).await;
    let (status, info) = control(&sim, reqwest::Method::GET, "/info", None).await;
    assert_eq!(status, StatusCode::OK);
    let settings = &info["settings"];
    for (key, value) in sim.connection_settings() {
        assert_eq!(settings[key], value.as_str(), "{key}");
    }
    assert_eq!(info["tokenUrl"], sim.token_url());
    assert_eq!(
        info["resourceServerBaseUri"],
        sim.resource_server_base_uri()
    );
    assert_eq!(info["agents"], 10);
    assert_eq!(info["stringTyped"], false);
}

#[tokio::test]
async fn the_control_endpoints_change_move_deactivate_add_and_remove_users() {
    use reqwest::Method;
    let sim = start(2, 50).await;
    let id = 100_004;
    let (status, agent) = control(
        &sim,
        Method::PATCH,
        &format!("/agents/{id}"),
        Some(json!({"firstName": "Zoe", "emailAddress": "zoe@hybrid.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(agent["firstName"], "Zoe");

    let team = format!("/agents/{id}/team");
    let (status, agent) = control(
        &sim,
        Method::PUT,
        &team,
        Some(json!({"name": "iWFO Not Enabled"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(agent["teamName"], "iWFO Not Enabled");
    let sales = sim.team_named("Sales").unwrap().team_id;
    let (_, agent) = control(&sim, Method::PUT, &team, Some(json!({"id": sales}))).await;
    assert_eq!(agent["teamName"], "Sales");
    let (status, _) = control(&sim, Method::PUT, &team, Some(json!({"name": "Nope"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = control(&sim, Method::PUT, &team, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let profile = format!("/agents/{id}/profile");
    let (_, agent) = control(
        &sim,
        Method::PUT,
        &profile,
        Some(json!({"name": "iWFOAdmin"})),
    )
    .await;
    assert_eq!(agent["profileName"], "iWFOAdmin");

    let phone = format!("/agents/{id}/primary-phone");
    let (_, agent) = control(&sim, Method::PUT, &phone, Some(json!({"phone": null}))).await;
    assert_eq!(agent["telephone1"], Value::Null);
    let (_, agent) = control(
        &sim,
        Method::PUT,
        &phone,
        Some(json!({"phone": "+15550001"})),
    )
    .await;
    assert_eq!(agent["telephone1"], "+15550001");

    let (_, agent) = control(
        &sim,
        Method::POST,
        &format!("/agents/{id}/deactivate"),
        None,
    )
    .await;
    assert_eq!(agent["isActive"], false);
    let (_, agent) = control(
        &sim,
        Method::POST,
        &format!("/agents/{id}/reactivate"),
        None,
    )
    .await;
    assert_eq!(agent["isActive"], true);
    assert!(sim.agent(id).unwrap().is_active);

    let (status, added) = control(
        &sim,
        Method::POST,
        "/agents",
        Some(json!({"lastName": "Added"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let added_id = added["agentId"].as_u64().unwrap();
    assert_eq!(
        sim.agent(added_id).unwrap().last_name.as_deref(),
        Some("Added")
    );
    let (status, _) = control(&sim, Method::DELETE, &format!("/agents/{added_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(sim.agent(added_id).is_none());
    let (status, _) = control(&sim, Method::GET, &format!("/agents/{added_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn faults_counters_and_the_request_log_are_driven_over_http() {
    use reqwest::Method;
    let sim = start(3, 20).await;
    let token = token(&sim).await;
    let fault = json!({"pathPrefix": "/agents", "count": 1, "fault": "malformedRecord"});
    let (status, _) = control(&sim, Method::POST, "/faults", Some(fault)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let page: Value = get(&sim, &token, "/agents").await.json().await.unwrap();
    assert_eq!(page["agents"][0]["agentId"], "X100000");
    let limit = json!({"pathPrefix": "/teams", "count": 1,
        "fault": {"rateLimited": {"retryAfterSecs": 3}}});
    control(&sim, Method::POST, "/faults", Some(limit)).await;
    assert_eq!(
        get(&sim, &token, "/teams").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let (_, counters) = control(&sim, Method::GET, "/counters", None).await;
    assert_eq!(counters["tokens"]["passwordGrants"], 1);
    assert_eq!(counters["writes"], 0);
    let (_, counted) = control(&sim, Method::GET, "/requests?prefix=/agents", None).await;
    assert_eq!(counted["count"], 1);
    let (_, log) = control(&sim, Method::GET, "/request-log", None).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        3,
        "token, agents, teams: {log}"
    );
    assert_eq!(sim.requests("/InContactAuthorizationServer"), 1);
    assert_eq!(sim.writes(), 0);
    control(&sim, Method::DELETE, "/request-log", None).await;
    assert!(sim.request_log().is_empty());
}
