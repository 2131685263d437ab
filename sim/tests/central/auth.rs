//! The legacy token flow: the password grant, the resource server it names, refresh tokens
//! used once, expiry by lifetime and by control, and the refusals.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ccsync_sim::CentralSimConfig;
use ccsync_sim::central::TokenCounts;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{API, basic, get, password_grant, sign_in, start, start_with, token, token_request};

async fn refresh(
    sim: &ccsync_sim::CentralSim,
    url: &str,
    refresh_token: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .header("Authorization", basic(sim))
        .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh_token}))
        .send()
        .await
        .unwrap()
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    (status, body["error"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_password_grant_answers_a_token_pair_naming_the_resource_server() {
    let sim = start(1, 50).await;
    let reply = sign_in(&sim).await;
    assert_eq!(reply["token_type"], "bearer");
    assert_eq!(reply["expires_in"], 3600);
    assert_eq!(reply["scope"], "AdminApi");
    assert!(reply["refresh_token"].is_string());
    assert_eq!(reply["bus_no"], sim.business_unit());
    assert!(reply["agent_id"].is_u64());
    let not_enabled = sim.team_named("iWFO Not Enabled").unwrap();
    assert_eq!(reply["team_id"], not_enabled.team_id);

    let base_uri = reply["resource_server_base_uri"].as_str().unwrap();
    assert_eq!(base_uri, sim.resource_server_base_uri());
    assert_eq!(base_uri, format!("{}/inContactAPI/", sim.base_url()));
    assert_eq!(reply["refresh_token_server_uri"], sim.token_url());
    let access = reply["access_token"].as_str().unwrap();
    let teams = reqwest::Client::new()
        .get(format!("{base_uri}services/v27.0/teams"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(teams.status(), StatusCode::OK);
    assert_eq!(format!("{base_uri}services/v27.0"), sim.api_url("v27.0"));
}

#[tokio::test]
async fn a_missing_or_empty_scope_is_granted_the_default_scope() {
    let sim = start(1, 5).await;
    for scope in [Value::Null, json!("")] {
        let mut body = password_grant(&sim);
        body["scope"] = scope;
        let reply: Value = token_request(&sim, &basic(&sim), &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(reply["scope"], "AdminApi");
    }
}

#[tokio::test]
async fn the_basic_scheme_name_is_case_insensitive() {
    let sim = start(1, 5).await;
    let encoded = basic(&sim).split_once(' ').unwrap().1.to_owned();
    for scheme in ["Basic", "BASIC", "basic"] {
        let response =
            token_request(&sim, &format!("{scheme} {encoded}"), &password_grant(&sim)).await;
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn a_wrong_application_business_unit_user_or_password_is_401_with_a_reason() {
    let sim = start(1, 5).await;
    let c = sim.credentials();
    let header = |pair: String| format!("basic {}", STANDARD.encode(pair));
    let wrong_headers = [
        header(format!("Other@Vendor:{}", c.business_unit)),
        header(format!("{}:1", c.application)),
        header(c.application.clone()),
        "basic %%%".to_owned(),
        "Bearer abc".to_owned(),
    ];
    for wrong in wrong_headers {
        let response = token_request(&sim, &wrong, &password_grant(&sim)).await;
        assert_eq!(
            error_of(response).await,
            (StatusCode::UNAUTHORIZED, "invalid_client".into()),
            "{wrong}"
        );
    }
    for (field, value) in [("username", "someone"), ("password", "guess")] {
        let mut body = password_grant(&sim);
        body[field] = json!(value);
        let response = token_request(&sim, &basic(&sim), &body).await;
        assert_eq!(
            error_of(response).await,
            (StatusCode::UNAUTHORIZED, "invalid_grant".into())
        );
    }
    assert_eq!(sim.token_counts().refused, 7);
    assert_eq!(sim.token_counts().password_grants, 0);
}

#[tokio::test]
async fn a_malformed_token_request_is_400() {
    let sim = start(1, 5).await;
    let not_json = reqwest::Client::new()
        .post(sim.token_url())
        .header("Authorization", basic(&sim))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(not_json).await,
        (StatusCode::BAD_REQUEST, "invalid_request".into())
    );
    for body in [
        json!(["grant_type", "password"]),
        json!({"username": "u", "password": "p"}),
        json!({"grant_type": "password", "username": 5, "password": "p"}),
        json!({"grant_type": "password", "password": "p"}),
        json!({"grant_type": "refresh_token"}),
    ] {
        let response = token_request(&sim, &basic(&sim), &body).await;
        assert_eq!(
            error_of(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".into()),
            "{body}"
        );
    }
    let other = json!({"grant_type": "client_credentials"});
    let other = token_request(&sim, &basic(&sim), &other).await;
    assert_eq!(
        error_of(other).await,
        (StatusCode::BAD_REQUEST, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn a_refresh_token_renews_the_pair_once_at_the_refresh_token_server_uri() {
    let sim = start(1, 5).await;
    let first = sign_in(&sim).await;
    let refresh_url = first["refresh_token_server_uri"].as_str().unwrap();
    let refresh_token = first["refresh_token"].as_str().unwrap();

    let renewed = refresh(&sim, refresh_url, refresh_token).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.unwrap();
    assert_ne!(renewed["access_token"], first["access_token"]);
    assert_ne!(renewed["refresh_token"], first["refresh_token"]);
    assert_eq!(renewed["scope"], first["scope"]);
    assert_eq!(
        renewed["resource_server_base_uri"],
        first["resource_server_base_uri"]
    );
    let access = renewed["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, access, "/teams").await.status(), StatusCode::OK);

    let again = refresh(&sim, refresh_url, refresh_token).await;
    assert_eq!(
        error_of(again).await,
        (StatusCode::UNAUTHORIZED, "invalid_grant".into())
    );
    let unknown = refresh(&sim, refresh_url, "sim-rt-made-up").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let next = renewed["refresh_token"].as_str().unwrap();
    assert_eq!(
        refresh(&sim, refresh_url, next).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        sim.token_counts(),
        TokenCounts {
            password_grants: 1,
            refresh_grants: 2,
            refused: 2
        }
    );
}

#[tokio::test]
async fn an_access_token_expires_after_the_configured_lifetime_and_a_refresh_renews_it() {
    let sim = start_with(CentralSimConfig {
        token_lifetime: Duration::from_millis(300),
        ..CentralSimConfig::new(1, 5)
    })
    .await;
    let reply = sign_in(&sim).await;
    assert_eq!(
        reply["expires_in"], 1,
        "a part second is announced as a whole one"
    );
    let access = reply["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, access, "/agents").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = get(&sim, access, "/agents").await;
    assert_eq!(
        error_of(expired).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".into())
    );
    let refresh_token = reply["refresh_token"].as_str().unwrap();
    let renewed = refresh(&sim, &sim.token_url(), refresh_token).await;
    let renewed: Value = renewed.json().await.unwrap();
    let access = renewed["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, access, "/agents").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn expire_tokens_turns_every_access_token_away_but_refresh_tokens_still_work() {
    let sim = start(1, 5).await;
    let reply = sign_in(&sim).await;
    let access = reply["access_token"].as_str().unwrap();
    sim.expire_tokens();
    assert_eq!(
        get(&sim, access, "/agents").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let renewed = refresh(
        &sim,
        &sim.token_url(),
        reply["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(renewed.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_api_call_needs_a_valid_bearer_token() {
    let sim = start(1, 5).await;
    let anonymous = reqwest::get(format!("{}{API}/agents", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(
        error_of(anonymous).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".into())
    );
    for path in [
        "/agents",
        "/teams",
        "/security-profiles",
        "/unavailable-codes",
    ] {
        let response = get(&sim, "sim-at-made-up", path).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let token = token(&sim).await;
    assert_eq!(get(&sim, &token, "/agents").await.status(), StatusCode::OK);
}
