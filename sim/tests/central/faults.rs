//! Injected faults on the next N requests of a path prefix (401, 429 with `Retry-After`, 5xx,
//! a malformed record), on the API and on the token endpoint, and injected malformed users.

use ccsync_sim::CentralSimConfig;
use ccsync_sim::central::{Fault, Malformation, TOKEN_PATH};
use reqwest::StatusCode;
use serde_json::Value;

use super::{basic, get, ids, password_grant, read_all, start, start_with, token, token_request};

#[tokio::test]
async fn a_rate_limit_fault_answers_429_with_retry_after_for_the_next_n_requests_only() {
    let sim = start(1, 30).await;
    let token = token(&sim).await;
    sim.fail_next(
        "/agents",
        2,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
    )
    .unwrap();
    assert_eq!(get(&sim, &token, "/teams").await.status(), StatusCode::OK);
    for _ in 0..2 {
        let limited = get(&sim, &token, "/agents").await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()["retry-after"], "7");
        let body: Value = limited.json().await.unwrap();
        assert_eq!(body["error"], "rate_limited");
    }
    assert_eq!(get(&sim, &token, "/agents").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_error_and_401_faults_answer_their_status_with_a_reason() {
    let sim = start(1, 30).await;
    let token = token(&sim).await;
    sim.fail_next("/agents", 1, Fault::Status(503)).unwrap();
    sim.fail_next("/agents", 1, Fault::Status(401)).unwrap();
    let unavailable = get(&sim, &token, "/agents").await;
    assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        unavailable.headers()["icstatusdescription"],
        "Service Unavailable"
    );
    let unauthorized = get(&sim, &token, "/agents").await;
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    let body: Value = unauthorized.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(get(&sim, &token, "/agents").await.status(), StatusCode::OK);
    assert!(sim.fail_next("/agents", 1, Fault::Status(302)).is_err());
}

#[tokio::test]
async fn a_fault_on_the_token_endpoint_refuses_the_next_sign_in() {
    let sim = start(1, 5).await;
    sim.fail_next(TOKEN_PATH, 1, Fault::Status(500)).unwrap();
    let failed = token_request(&sim, &basic(&sim), &password_grant(&sim)).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let ok = token_request(&sim, &basic(&sim), &password_grant(&sim)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(sim.requests(TOKEN_PATH), 2);
    assert_eq!(sim.token_counts().password_grants, 1);
}

#[tokio::test]
async fn a_malformed_record_fault_breaks_the_first_record_of_the_next_page_only() {
    for string_typed in [false, true] {
        let config = CentralSimConfig {
            string_typed,
            ..CentralSimConfig::new(2, 30)
        };
        let sim = start_with(config).await;
        let token = token(&sim).await;
        sim.fail_next("/agents", 1, Fault::MalformedRecord).unwrap();
        sim.fail_next("/teams", 1, Fault::MalformedRecord).unwrap();
        let page: Value = get(&sim, &token, "/agents?skip=5&top=3")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["agents"][0]["agentId"], "X100005");
        assert_eq!(
            page["agents"][0]["userName"],
            sim.agent(100_005).unwrap().user_name
        );
        assert_ne!(page["agents"][1]["agentId"], "X100006");
        let teams: Value = get(&sim, &token, "/teams").await.json().await.unwrap();
        assert_eq!(teams["teams"][0]["teamId"], "X2001");
        let (agents, _) = read_all(&sim, &token, "", 100).await;
        assert!(
            agents
                .iter()
                .all(|a| !a["agentId"].to_string().contains('X'))
        );
    }
}

#[tokio::test]
async fn a_malformed_record_fault_on_the_token_endpoint_drops_the_access_token() {
    let sim = start(1, 5).await;
    sim.fail_next(TOKEN_PATH, 1, Fault::MalformedRecord)
        .unwrap();
    let reply: Value = token_request(&sim, &basic(&sim), &password_grant(&sim))
        .await
        .json()
        .await
        .unwrap();
    assert!(reply.get("access_token").is_none());
    assert!(reply["resource_server_base_uri"].is_string());
}

#[tokio::test]
async fn an_injected_malformed_user_is_in_every_read_until_removed() {
    let sim = start(3, 20).await;
    let token = token(&sim).await;
    let slot = sim.inject_malformed_agent(Malformation::MissingAgentId);
    let (agents, _) = read_all(&sim, &token, "", 100).await;
    assert_eq!(agents.len(), 21);
    assert!(agents[20].get("agentId").is_none());
    assert_eq!(
        sim.agent_count(),
        20,
        "the control API counts well-formed users"
    );
    sim.remove_agent(slot).unwrap();
    let (agents, _) = read_all(&sim, &token, "", 100).await;
    assert_eq!(ids(&agents).len(), 20);
}
