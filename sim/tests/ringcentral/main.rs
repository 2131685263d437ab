//! The simulated RingCentral account over real HTTP, as a connector sees it: the JWT grant,
//! paging, email look-ups, rate limits and penalties, the headers on every reply, the time
//! scale, token expiry, faults, the `/_sim/` control endpoints, and the people it shares with
//! the ACD simulator of the same seed.

mod auth;
mod directory;
mod limits;

use ccsync_sim::ringcentral::{EXTENSIONS_PATH, TOKEN_PATH};
use ccsync_sim::{RingCentralSim, RingCentralSimConfig};
use reqwest::StatusCode;
use serde_json::Value;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async fn start(seed: u64, users: usize) -> RingCentralSim {
    RingCentralSim::start(RingCentralSimConfig::new(seed, users))
        .await
        .unwrap()
}

async fn start_scaled(users: usize, scale: u32) -> RingCentralSim {
    RingCentralSim::start(RingCentralSimConfig::new(3, users).with_time_scale(scale))
        .await
        .unwrap()
}

async fn token_request(sim: &RingCentralSim, form: &[(&str, &str)]) -> reqwest::Response {
    let c = sim.credentials();
    reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn token_response(sim: &RingCentralSim) -> Value {
    let jwt = sim.credentials().jwt;
    let response = token_request(sim, &[("grant_type", JWT_GRANT), ("assertion", &jwt)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn token(sim: &RingCentralSim) -> String {
    token_response(sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// GET `{base}{EXTENSIONS_PATH}{rest}` with a bearer token.
async fn get(sim: &RingCentralSim, token: &str, rest: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{EXTENSIONS_PATH}{rest}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn get_json(sim: &RingCentralSim, token: &str, rest: &str) -> Value {
    let response = get(sim, token, rest).await;
    assert_eq!(response.status(), StatusCode::OK, "{rest}");
    response.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<u64> {
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
