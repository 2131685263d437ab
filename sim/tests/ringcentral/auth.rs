//! Tokens: the JWT and refresh grants, refused clients and assertions, expiry, and injected
//! faults.

use ccsync_sim::ringcentral::{Fault, RingCentralError};
use serde_json::Value;

use super::*;

#[tokio::test]
async fn jwt_grant_issues_a_bearer_token_with_the_platforms_fields() {
    let sim = start(1, 20).await;
    let body = token_response(&sim).await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["refresh_token_expires_in"], 604_799);
    assert_eq!(body["scope"], "ReadAccounts");
    assert!(body["owner_id"].is_string() && body["refresh_token"].is_string());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, token, "").await.status(), StatusCode::OK);
    assert_eq!(sim.counters().tokens_issued, 1);
}

#[tokio::test]
async fn token_endpoint_refuses_a_wrong_client_with_401_and_a_wrong_assertion_with_400() {
    let sim = start(1, 5).await;
    let c = sim.credentials();
    let wrong_client = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", sim.base_url()))
        .basic_auth(&c.client_id, Some("wrong"))
        .form(&[("grant_type", JWT_GRANT), ("assertion", &c.jwt)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_client.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong_client.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["errors"][0]["errorCode"], "OAU-123");

    let wrong_jwt = token_request(&sim, &[("grant_type", JWT_GRANT), ("assertion", "a.b.c")]).await;
    assert_eq!(wrong_jwt.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong_jwt.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["errors"][0]["errorCode"]
            .as_str()
            .unwrap()
            .starts_with("OAU-")
    );

    let password = token_request(&sim, &[("grant_type", "password")]).await;
    assert_eq!(password.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sim.counters().tokens_issued, 0);
}

#[tokio::test]
async fn refresh_grant_issues_a_new_pair_and_a_refresh_token_is_used_once() {
    let sim = start(1, 5).await;
    let first = token_response(&sim).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let renewed = token_request(&sim, &form).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.unwrap();
    assert_ne!(renewed["access_token"], first["access_token"]);
    let again = token_request(&sim, &form).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn expired_tokens_get_401_oau_128_and_unknown_ones_401_too() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    sim.expire_tokens();
    let expired = get(&sim, &token, "").await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["errorCode"], "OAU-128");
    let unknown = get(&sim, "made-up", "").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["errorCode"].as_str().unwrap().starts_with("OAU-"));
    // A new token works again.
    let fresh = self::token(&sim).await;
    assert_eq!(get(&sim, &fresh, "").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn injected_faults_answer_the_next_requests_of_a_prefix_then_stop() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    sim.fail_next(
        "/extension",
        1,
        Fault::RateLimited {
            retry_after_secs: 9,
        },
    )
    .unwrap();
    sim.fail_next("/extension", 1, Fault::MalformedRecord)
        .unwrap();
    sim.fail_next(TOKEN_PATH, 1, Fault::Status(502)).unwrap();
    let limited = get(&sim, &token, "").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "Retry-After"), Some("9"));
    let broken = get_json(&sim, &token, "").await;
    assert!(broken["records"][0]["contact"].is_string());
    assert!(broken["records"][1]["contact"].is_object());
    let clean = get_json(&sim, &token, "").await;
    assert!(clean["records"][0]["contact"].is_object());
    let jwt = sim.credentials().jwt;
    let form = [("grant_type", JWT_GRANT), ("assertion", jwt.as_str())];
    assert_eq!(
        token_request(&sim, &form).await.status(),
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(token_request(&sim, &form).await.status(), StatusCode::OK);
    sim.fail_next(TOKEN_PATH, 1, Fault::MalformedRecord)
        .unwrap();
    let broken: Value = token_request(&sim, &form).await.json().await.unwrap();
    assert!(broken["access_token"].is_null() && broken["expires_in"].is_number());
    assert_eq!(
        sim.counters().penalties_started,
        0,
        "injected 429s start no penalty"
    );
    assert!(matches!(
        sim.fail_next("/x", 1, Fault::Status(200)),
        Err(RingCentralError::InvalidFault(_))
    ));
}
