//! The delete endpoint (there, and counted) and the faults a connector must survive: 401, 429,
//! 5xx, and a create whose reply is lost after it stored the record.

use std::time::Duration;

use ccsync_sim::ivinex::{Fault, RecordKind};
use reqwest::{Method, StatusCode};

use super::{agent, call, ids, start, token};

#[tokio::test]
async fn every_kind_has_a_delete_endpoint_and_every_call_to_it_is_counted() {
    let sim = start().await;
    let token = token(&sim).await;
    assert_eq!(sim.delete_calls(), 0);
    let campaign = sim.items(RecordKind::Campaign)[0].id;
    let path = format!("/campaigns/{campaign}");
    assert_eq!(
        call(&sim, &token, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&sim, &token, Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    for kind in [
        RecordKind::User,
        RecordKind::Disposition,
        RecordKind::AgentStatus,
    ] {
        let path = format!("/{}/1", kind.collection());
        call(&sim, &token, Method::DELETE, &path, None).await;
        assert_eq!(sim.counts(kind).delete_calls, 1, "{kind:?}");
    }
    // Counted even when refused before the handler.
    call(&sim, "made-up", Method::DELETE, "/users/1", None).await;
    assert_eq!(sim.counts(RecordKind::Campaign).delete_calls, 2);
    assert_eq!(sim.delete_calls(), 6);
    assert_eq!(sim.item(RecordKind::Campaign, campaign), None);
}

#[tokio::test]
async fn faults_answer_the_next_requests_of_a_prefix_then_stop() {
    let sim = start().await;
    let token = token(&sim).await;
    sim.fail_next("/users", 1, Fault::Unauthorized).unwrap();
    sim.fail_next(
        "/users",
        1,
        Fault::RateLimited {
            retry_after_secs: 3,
        },
    )
    .unwrap();
    sim.fail_next("/users", 1, Fault::Status(503)).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = reqwest::Client::new()
            .get(format!("{}/users", sim.api_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()["retry-after"], "3");
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 429, 503, 200]);
    assert_eq!(
        call(&sim, &token, Method::GET, "/campaigns", None).await.0,
        StatusCode::OK
    );
    assert!(sim.fail_next("/users", 1, Fault::Status(200)).is_err());
}

#[tokio::test]
async fn a_fault_for_one_method_spares_the_others() {
    let sim = start().await;
    let token = token(&sim).await;
    sim.fail_next_method("POST", "/users", 1, Fault::Status(500))
        .unwrap();
    assert_eq!(
        call(&sim, &token, Method::GET, "/users", None).await.0,
        StatusCode::OK
    );
    let body = Some(agent("acme/user/1", "u1"));
    let (status, _) = call(&sim, &token, Method::POST, "/users", body.clone()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        sim.find(RecordKind::User, "acme/user/1"),
        None,
        "not stored"
    );
    assert_eq!(
        call(&sim, &token, Method::POST, "/users", body).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_create_whose_reply_is_lost_is_stored_and_its_client_times_out() {
    let sim = start().await;
    let token = token(&sim).await;
    sim.fail_next_method("POST", "/users", 1, Fault::LoseReply)
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let outcome = client
        .post(format!("{}/users", sim.api_url()))
        .bearer_auth(&token)
        .json(&agent("acme/user/42", "lost.reply"))
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout());
    let id = sim.find(RecordKind::User, "acme/user/42").expect("stored");
    assert_eq!(sim.counts(RecordKind::User).created, 1);
    let logged = sim.request_log();
    let create = logged.iter().find(|r| r.path == "/api/v1/users").unwrap();
    assert_eq!(
        (create.method.as_str(), create.status),
        ("POST", 201),
        "logged with the status it would have had"
    );
    // The client went away, so nothing is held any more.
    tokio::time::timeout(Duration::from_secs(5), async {
        while sim.held_replies() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    // A look-up recovers the id; a create again is a conflict naming it.
    let (_, found) = call(
        &sim,
        &token,
        Method::GET,
        "/users?externalId=acme%2Fuser%2F42",
        None,
    )
    .await;
    assert_eq!(ids(&found["items"]), [id]);
    let (status, conflict) = call(
        &sim,
        &token,
        Method::POST,
        "/users",
        Some(agent("acme/user/42", "lost.reply")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["error"]["existingId"], id);
}
