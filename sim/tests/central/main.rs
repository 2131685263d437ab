//! The simulated inContact Central over real HTTP, as the `central` connector sees it: the
//! legacy token flow (password and refresh grants, expiry), the resource server it names, the
//! Admin API's paging and incremental reads, the hybrid business unit, users changed, moved,
//! deactivated, added and removed, the string-typed mode, faults and the `/_sim/` control
//! endpoints.

mod auth;
mod control;
mod faults;
mod reads;
mod typing;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ccsync_sim::{CentralSim, CentralSimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const API: &str = "/inContactAPI/services/v27.0";

async fn start(seed: u64, users: usize) -> CentralSim {
    start_with(CentralSimConfig::new(seed, users)).await
}

async fn start_with(config: CentralSimConfig) -> CentralSim {
    CentralSim::start(config).await.unwrap()
}

/// `basic base64("App@Vendor:BusinessUnit")` of the simulator's own credentials.
fn basic(sim: &CentralSim) -> String {
    let c = sim.credentials();
    let pair = format!("{}:{}", c.application, c.business_unit);
    format!("basic {}", STANDARD.encode(pair))
}

/// A token request with this Authorization header and JSON body.
async fn token_request(sim: &CentralSim, authorization: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(sim.token_url())
        .header("Authorization", authorization)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The password grant's body for the simulator's API user.
fn password_grant(sim: &CentralSim) -> Value {
    let c = sim.credentials();
    json!({
        "grant_type": "password",
        "username": c.username,
        "password": c.password,
        "scope": "AdminApi",
    })
}

/// A successful password grant's reply.
async fn sign_in(sim: &CentralSim) -> Value {
    let response = token_request(sim, &basic(sim), &password_grant(sim)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn token(sim: &CentralSim) -> String {
    sign_in(sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(sim: &CentralSim, token: &str, path_and_query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{API}{path_and_query}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Reads every page of `/agents?<query>` until 204; returns the agents and the lastPollTime of
/// the first page.
async fn read_all(
    sim: &CentralSim,
    token: &str,
    query: &str,
    top: u64,
) -> (Vec<Value>, Option<String>) {
    let mut agents = Vec::new();
    let mut first_poll = None;
    loop {
        let skip = agents.len();
        let response = get(
            sim,
            token,
            &format!("/agents?{query}&skip={skip}&top={top}"),
        )
        .await;
        if response.status() == StatusCode::NO_CONTENT {
            assert!(response.bytes().await.unwrap().is_empty());
            return (agents, first_poll);
        }
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.unwrap();
        first_poll.get_or_insert_with(|| page["lastPollTime"].as_str().unwrap().to_owned());
        agents.extend(page["agents"].as_array().unwrap().iter().cloned());
    }
}

/// The `agentId`s of agents as JSON, natively typed.
fn ids(agents: &[Value]) -> Vec<u64> {
    agents
        .iter()
        .map(|a| a["agentId"].as_u64().unwrap())
        .collect()
}
