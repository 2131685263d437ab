//! The string-typed mode: records as some real endpoints send them (`isActive` as `1`/`0`, ids
//! as digit strings, lists with every field a string), on Central and on the CXone ACD.

use ccsync_sim::{AcdSim, AcdSimConfig, CentralSimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{get, read_all, start, start_with, token};

fn is_digit_string(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

#[tokio::test]
async fn string_typed_users_carry_flags_as_one_or_zero_and_ids_as_digit_strings() {
    let sim = start_with(CentralSimConfig::new(3, 400).string_typed()).await;
    assert!(sim.string_typed());
    let token = token(&sim).await;
    let (agents, _) = read_all(&sim, &token, "", 1000).await;
    assert_eq!(agents.len(), 400);
    for agent in &agents {
        for id in ["agentId", "teamId", "profileId"] {
            assert!(is_digit_string(&agent[id]), "{id}: {agent}");
        }
        for flag in ["isActive", "locked"] {
            assert!(agent[flag] == 1 || agent[flag] == 0, "{flag}: {agent}");
        }
        assert!(agent["userName"].is_string() && agent["lastUpdated"].is_string());
    }
    let active = agents.iter().filter(|a| a["isActive"] == 1).count();
    assert!(active > 0 && active < agents.len(), "both values occur");
    let first = &agents[0];
    let model = sim.agent(100_000).unwrap();
    assert_eq!(first["agentId"], "100000");
    assert_eq!(first["teamId"], model.team_id.to_string());
    assert_eq!(first["isActive"], u8::from(model.is_active));
    let page: Value = get(&sim, &token, "/agents?top=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["totalRecords"], 400, "the envelope stays numeric");
}

#[tokio::test]
async fn string_typed_lists_carry_every_field_as_a_string() {
    let sim = start_with(CentralSimConfig::new(3, 10).string_typed()).await;
    let token = token(&sim).await;
    let teams: Value = get(&sim, &token, "/teams").await.json().await.unwrap();
    for team in teams["teams"].as_array().unwrap() {
        assert!(is_digit_string(&team["teamId"]), "{team}");
        assert!(
            team["isActive"] == "True" || team["isActive"] == "False",
            "{team}"
        );
        assert!(
            team["wfoEnabled"] == "True" || team["wfoEnabled"] == "False",
            "{team}"
        );
    }
    let retired = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["teamName"] == "Legacy Outbound")
        .unwrap();
    assert_eq!(retired["isActive"], "False");
    let profiles: Value = get(&sim, &token, "/security-profiles")
        .await
        .json()
        .await
        .unwrap();
    let profile = &profiles["profiles"][0];
    assert!(is_digit_string(&profile["securityProfileId"]));
    assert!(
        profile["permissions"].is_array(),
        "lists of names stay lists"
    );
    let codes: Value = get(&sim, &token, "/unavailable-codes")
        .await
        .json()
        .await
        .unwrap();
    let code = &codes["unavailableCodes"][0];
    assert!(is_digit_string(&code["id"]));
    assert!(code["isACW"] == "True" || code["isACW"] == "False");
}

#[tokio::test]
async fn a_natively_typed_business_unit_sends_booleans_and_integers() {
    let sim = start(3, 10).await;
    assert!(!sim.string_typed());
    let token = token(&sim).await;
    let (agents, _) = read_all(&sim, &token, "", 100).await;
    assert!(agents[0]["agentId"].is_u64() && agents[0]["isActive"].is_boolean());
    let teams: Value = get(&sim, &token, "/teams").await.json().await.unwrap();
    assert!(teams["teams"][0]["isActive"].is_boolean());
}

#[tokio::test]
async fn the_acd_simulator_offers_the_same_string_typed_mode() {
    let sim = AcdSim::start(AcdSimConfig {
        string_typed: true,
        ..AcdSimConfig::new(1, 20)
    })
    .await
    .unwrap();
    let c = sim.credentials();
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/auth/token", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", c.access_key_id.as_str()),
            ("password", c.access_key_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = reply["access_token"].as_str().unwrap();
    let page = reqwest::Client::new()
        .get(format!("{}/agents?top=5", sim.api_url("v27.0")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let agent = &page["agents"][0];
    assert!(is_digit_string(&agent["agentId"]));
    assert!(agent["isActive"] == 1 || agent["isActive"] == 0);
}
