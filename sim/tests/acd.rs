//! The simulated CXone ACD over real HTTP, as a connector sees it: auth, paging, filters,
//! faults, stalls, writes and the `/_sim/` control endpoints.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use ccsync_sim::acd::{Agent, Fault, Malformation, assumed};
use ccsync_sim::{AcdSim, AcdSimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const API: &str = "/inContactAPI/services/v27.0";

async fn start(seed: u64, agents: usize) -> AcdSim {
    AcdSim::start(AcdSimConfig::new(seed, agents))
        .await
        .unwrap()
}

/// The token endpoint's answer to the simulator's own credentials.
async fn token_response(sim: &AcdSim) -> Value {
    let c = sim.credentials();
    let response = reqwest::Client::new()
        .post(format!("{}/auth/token", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", c.access_key_id.as_str()),
            ("password", c.access_key_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn token(sim: &AcdSim) -> String {
    token_response(sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(sim: &AcdSim, token: &str, path_and_query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{API}{path_and_query}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Reads every page of `/agents?<query>` until 204; returns the agents (as JSON) and the
/// lastPollTime of the first page.
async fn read_all(
    sim: &AcdSim,
    token: &str,
    query: &str,
    top: u64,
) -> (Vec<Value>, Option<String>) {
    let mut agents = Vec::new();
    let mut first_poll = None;
    loop {
        let response = get(
            sim,
            token,
            &format!(
                "/agents?{query}&skip={}&top={top}&orderBy=agentId",
                agents.len()
            ),
        )
        .await;
        if response.status() == StatusCode::NO_CONTENT {
            assert!(
                response.bytes().await.unwrap().is_empty(),
                "204 has an empty body"
            );
            return (agents, first_poll);
        }
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.unwrap();
        first_poll.get_or_insert_with(|| page["lastPollTime"].as_str().unwrap().to_owned());
        let batch = page["agents"].as_array().unwrap();
        assert!(!batch.is_empty() && batch.len() as u64 <= top);
        agents.extend(batch.iter().cloned());
    }
}

fn ids(agents: &[Value]) -> Vec<u64> {
    agents
        .iter()
        .map(|a| a["agentId"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn token_grants_bearer_access_and_carries_the_tenant_in_the_id_token() {
    let sim = start(1, 50).await;
    let body = token_response(&sim).await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["refresh_token"].is_string());
    let id_token = body["id_token"].as_str().unwrap();
    let claims = id_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims[assumed::ID_TOKEN_TENANT_CLAIM], sim.tenant_id());

    let token = body["access_token"].as_str().unwrap();
    assert_eq!(get(&sim, token, "/agents").await.status(), StatusCode::OK);
    let anonymous = reqwest::get(format!("{}{API}/agents", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["icStatusDescription"], "Invalid token");
    let forged = get(&sim, "not-a-token", "/teams").await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_endpoint_rejects_a_wrong_client_or_access_key_with_invalid_client() {
    let sim = start(1, 5).await;
    let c = sim.credentials();
    for (client_secret, key_secret) in [
        ("wrong", c.access_key_secret.as_str()),
        (c.client_secret.as_str(), "wrong"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/auth/token", sim.base_url()))
            .basic_auth(&c.client_id, Some(client_secret))
            .form(&[
                ("grant_type", "password"),
                ("username", c.access_key_id.as_str()),
                ("password", key_secret),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
    }
}

#[tokio::test]
async fn discovery_names_the_api_and_auth_endpoints_of_the_tenant_only() {
    let sim = start(1, 5).await;
    let url = format!("{}/.well-known/cxone-configuration", sim.base_url());
    let body: Value = reqwest::get(format!("{url}?tenantId={}", sim.tenant_id()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["api_endpoint"], sim.base_url());
    assert_eq!(body["auth_endpoint"], sim.base_url());
    assert_eq!(body["tenantId"], sim.tenant_id());
    let other = reqwest::get(format!("{url}?tenantId=someone-else"))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paging_until_204_returns_every_agent_exactly_once_in_agent_id_order() {
    let sim = start(7, 2_345).await;
    let token = token(&sim).await;
    let (agents, _) = read_all(&sim, &token, "", 1000).await;
    let read_ids = ids(&agents);
    let expected: Vec<u64> = sim.agents().iter().map(|a| a.agent_id).collect();
    assert_eq!(read_ids, expected);
    assert_eq!(read_ids.iter().collect::<HashSet<_>>().len(), 2_345);
    // The wire form is exactly the control API's agent.
    let third: Agent = serde_json::from_value(agents[2].clone()).unwrap();
    assert_eq!(Some(third), sim.agent(read_ids[2]));
}

#[tokio::test]
async fn a_page_carries_poll_time_total_and_links_and_top_is_clamped_to_ten_thousand() {
    let sim = start(7, 12_000).await;
    let token = token(&sim).await;
    let page: Value = get(&sim, &token, "/agents?top=50000&skip=0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["agents"].as_array().unwrap().len(), 10_000);
    assert_eq!(page["totalRecords"], 12_000);
    assert_eq!(page["businessUnitId"], 4_600_001);
    assert!(page["lastPollTime"].as_str().unwrap().ends_with('Z'));
    assert!(
        page["_links"]["next"]
            .as_str()
            .unwrap()
            .contains("skip=10000")
    );
    assert!(page["_links"]["previous"].is_null());
    let last: Value = get(&sim, &token, "/agents?top=10000&skip=10000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["agents"].as_array().unwrap().len(), 2_000);
    assert!(last["_links"]["next"].is_null());
    assert!(
        last["_links"]["previous"]
            .as_str()
            .unwrap()
            .contains("skip=0")
    );
    let default: Value = get(&sim, &token, "/agents").await.json().await.unwrap();
    assert_eq!(default["agents"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn updated_since_last_poll_time_returns_only_agents_changed_after_it() {
    let sim = start(3, 5_000).await;
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 5000).await;
    let poll = poll.unwrap();
    let changed = sim.agent_ids(10..13);
    sim.update_agent(changed[0], |a| a.first_name = Some("Renamed".into()))
        .unwrap();
    sim.deactivate_agent(changed[1]).unwrap();
    sim.update_agent(changed[2], |a| a.email_address = None)
        .unwrap();
    let added = sim.add_agent(|a| a.user_name = "new.hire@acme.example.com".into());

    let (delta, second_poll) = read_all(&sim, &token, &format!("updatedSince={poll}"), 100).await;
    let mut expected = changed.clone();
    expected.push(added);
    assert_eq!(ids(&delta), expected);
    assert_eq!(delta[0]["firstName"], "Renamed");
    assert_eq!(delta[1]["isActive"], false);
    assert!(delta[2]["emailAddress"].is_null());
    assert_eq!(delta[3]["userName"], "new.hire@acme.example.com");

    // Nothing changed since the second read: 204.
    let nothing = get(
        &sim,
        &token,
        &format!("/agents?updatedSince={}", second_poll.unwrap()),
    )
    .await;
    assert_eq!(nothing.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn is_active_filter_splits_the_tenant_in_two() {
    let sim = start(3, 3_000).await;
    let token = token(&sim).await;
    sim.deactivate_agent(100_000).unwrap();
    let (active, _) = read_all(&sim, &token, "isActive=true", 700).await;
    let (inactive, _) = read_all(&sim, &token, "isActive=false", 700).await;
    assert!(active.iter().all(|a| a["isActive"] == true));
    assert!(inactive.iter().all(|a| a["isActive"] == false));
    assert!(ids(&inactive).contains(&100_000));
    let mut all: Vec<u64> = ids(&active).into_iter().chain(ids(&inactive)).collect();
    all.sort_unstable();
    assert_eq!(
        all,
        sim.agents().iter().map(|a| a.agent_id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn bad_parameters_get_400_with_the_reason_in_ic_status_description() {
    let sim = start(3, 10).await;
    let token = token(&sim).await;
    let response = get(&sim, &token, "/agents?updatedSince=last-tuesday").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let reason = response.headers()["icStatusDescription"].to_str().unwrap();
    assert!(
        reason.contains("updatedSince") && reason.contains("last-tuesday"),
        "{reason}"
    );
    let unknown_version = reqwest::Client::new()
        .get(format!(
            "{}/inContactAPI/services/27/agents",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_version.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_same_seed_and_size_give_the_same_tenant_and_another_seed_does_not() {
    let (a, b, c) = (
        start(11, 500).await,
        start(11, 500).await,
        start(12, 500).await,
    );
    let page = |sim: &AcdSim| {
        let sim_agents = sim.agents();
        serde_json::to_string(&sim_agents).unwrap()
    };
    assert_eq!(page(&a), page(&b));
    assert_ne!(page(&a), page(&c));
    let (ta, tb) = (token(&a).await, token(&b).await);
    let teams_a = get(&a, &ta, "/teams").await.text().await.unwrap();
    let teams_b = get(&b, &tb, "/teams").await.text().await.unwrap();
    assert_eq!(teams_a, teams_b);
}

#[tokio::test]
async fn a_large_tenant_has_the_variety_the_sync_rules_need() {
    let sim = start(42, 10_000).await;
    let agents = sim.agents();
    let n = agents.len() as f64;
    let share =
        |pred: &dyn Fn(&Agent) -> bool| agents.iter().filter(|a| pred(a)).count() as f64 / n;
    let teams = sim.teams();
    let wfm_teams: HashSet<u64> = teams
        .iter()
        .filter(|t| assumed::wfm_advanced(t))
        .map(|t| t.team_id)
        .collect();
    assert_eq!(teams.len(), 20);
    assert!(teams.iter().any(|t| !t.is_active));
    let on_wfm = share(&|a| wfm_teams.contains(&a.team_id));
    assert!((0.55..0.65).contains(&on_wfm), "{on_wfm}");
    let inactive = share(&|a| !a.is_active);
    assert!((0.06..0.10).contains(&inactive), "{inactive}");
    let no_email = share(&|a| a.email_address.is_none());
    assert!((0.02..0.04).contains(&no_email), "{no_email}");
    let no_employee_id = share(&|a| a.internal_id.is_none());
    assert!((0.01..0.03).contains(&no_employee_id), "{no_employee_id}");
    assert!(share(&|a| a.telephone2.is_some()) > 0.05);
    let names: HashSet<(Option<String>, Option<String>)> = agents
        .iter()
        .map(|a| (a.first_name.clone(), a.last_name.clone()))
        .collect();
    assert!(names.len() < agents.len() / 2, "names repeat");
    let user_names: HashSet<&str> = agents.iter().map(|a| a.user_name.as_str()).collect();
    assert_eq!(user_names.len(), agents.len(), "user names are unique");
    let sites: BTreeSet<&str> = agents
        .iter()
        .filter_map(|a| a.location.as_deref())
        .collect();
    assert!(sites.len() >= 3 && sites.iter().all(|s| assumed::SITE_IDS.contains(s)));
    let profiles = sim.security_profiles();
    assert!((4..=6).contains(&profiles.len()));
    let has = |perm: &str| {
        profiles
            .iter()
            .filter(|p| p.permissions.iter().any(|x| x == perm))
            .count()
    };
    assert!(
        has(assumed::PERM_VIEW_PERSONAL_SCHEDULE) > 0
            && has(assumed::PERM_VIEW_PERSONAL_SCHEDULE) < profiles.len()
    );
    assert!(
        has(assumed::PERM_USER_MAPPING_MAP) > 0
            && has(assumed::PERM_USER_MAPPING_MAP) < profiles.len()
    );
    let used_profiles: HashSet<u64> = agents.iter().map(|a| a.profile_id).collect();
    assert_eq!(used_profiles.len(), profiles.len());
}

#[tokio::test]
async fn small_lists_page_with_skip_and_top_and_answer_204_past_the_end() {
    let sim = start(42, 1000).await;
    let token = token(&sim).await;
    for (path, key, expected) in [
        ("/teams", "teams", sim.teams().len()),
        (
            "/security-profiles",
            "profiles",
            sim.security_profiles().len(),
        ),
        ("/campaigns", "campaigns", sim.campaigns().len()),
        ("/dispositions", "dispositions", sim.dispositions().len()),
        (
            "/unavailable-codes",
            "unavailableCodes",
            sim.unavailable_codes().len(),
        ),
    ] {
        let mut seen = 0;
        loop {
            let response = get(&sim, &token, &format!("{path}?skip={seen}&top=7")).await;
            if response.status() == StatusCode::NO_CONTENT {
                break;
            }
            let page: Value = response.json().await.unwrap();
            assert_eq!(page["totalRecords"], expected);
            seen += page[key].as_array().unwrap().len();
        }
        assert_eq!(seen, expected, "{path}");
    }
    assert!(sim.campaigns().len() >= 24 && sim.dispositions().len() >= 24);
}

#[tokio::test]
async fn a_rate_limit_fault_answers_429_with_retry_after_then_clears() {
    let sim = start(1, 100).await;
    let token = token(&sim).await;
    sim.fail_next(
        "/agents",
        1,
        Fault::RateLimited {
            retry_after_secs: 3,
        },
    )
    .unwrap();
    let limited = get(&sim, &token, "/agents").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["Retry-After"], "3");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(get(&sim, &token, "/agents").await.status(), StatusCode::OK);
    assert_eq!(sim.requests("/agents"), 2);
}

#[tokio::test]
async fn a_server_error_fault_answers_the_status_with_ic_status_description() {
    let sim = start(1, 100).await;
    let token = token(&sim).await;
    sim.fail_next("/teams", 2, Fault::Status(503)).unwrap();
    for _ in 0..2 {
        let failed = get(&sim, &token, "/teams").await;
        assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(failed.headers().contains_key("icStatusDescription"));
        let body: Value = failed.json().await.unwrap();
        assert_eq!(body["error"], "server_error");
    }
    assert_eq!(get(&sim, &token, "/teams").await.status(), StatusCode::OK);
    assert!(sim.fail_next("/teams", 1, Fault::Status(200)).is_err());
}

#[tokio::test]
async fn expired_tokens_get_401_until_a_new_token_is_fetched() {
    let sim = start(1, 100).await;
    let old = token(&sim).await;
    sim.expire_tokens();
    let response = get(&sim, &old, "/agents").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["icStatusDescription"], "Invalid token");
    let fresh = token(&sim).await;
    assert_eq!(get(&sim, &fresh, "/agents").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_stalled_page_waits_until_release_while_other_pages_flow() {
    let sim = start(1, 300).await;
    let token = token(&sim).await;
    sim.stall("/agents", 100);
    let base = sim.base_url();
    let stalled = {
        let token = token.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(format!("{base}{API}/agents?skip=100&top=100"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::timeout(Duration::from_secs(10), sim.wait_until_stalled(1))
        .await
        .unwrap();
    assert_eq!(
        get(&sim, &token, "/agents?skip=0&top=100").await.status(),
        StatusCode::OK
    );
    assert!(!stalled.is_finished());
    assert_eq!(sim.stalled_requests(), 1);
    sim.release_stall();
    assert_eq!(stalled.await.unwrap(), StatusCode::OK);
    assert_eq!(sim.stalled_requests(), 0);
}

#[tokio::test]
async fn a_client_that_goes_away_mid_stall_is_no_longer_counted() {
    let sim = start(1, 300).await;
    let token = token(&sim).await;
    sim.stall("/agents", 0);
    let base = sim.base_url();
    let client = tokio::spawn(async move {
        reqwest::Client::new()
            .get(format!("{base}{API}/agents"))
            .bearer_auth(token)
            .send()
            .await
    });
    tokio::time::timeout(Duration::from_secs(10), sim.wait_until_stalled(1))
        .await
        .unwrap();
    client.abort();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.stalled_requests() != 0 {
        assert!(
            Instant::now() < deadline,
            "stall still counted after the client left"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn reads_are_not_writes_and_every_write_is_counted_and_applied() {
    let sim = start(1, 100).await;
    let token = token(&sim).await;
    read_all(&sim, &token, "", 30).await;
    get(&sim, &token, "/teams").await;
    assert_eq!(sim.writes(), 0, "token requests and reads are not writes");

    let client = reqwest::Client::new();
    let url = format!("{}{API}/agents", sim.base_url());
    let updated: Value = client
        .put(&url)
        .bearer_auth(&token)
        .json(&json!({"agents": [{"agentId": 100_001, "lastName": "Written"}, {"agentId": 9}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["errorCount"], 1);
    assert_eq!(updated["agentResults"][0]["success"], true);
    assert_eq!(updated["agentResults"][1]["success"], false);
    assert!(
        updated["agentResults"][1]["error"]
            .as_str()
            .unwrap()
            .contains("9")
    );
    assert_eq!(
        sim.agent(100_001).unwrap().last_name.as_deref(),
        Some("Written")
    );

    let team = sim.teams()[0].team_id;
    let created: Value = client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"agents": [
            {"userName": "x@y", "firstName": "X", "lastName": "Y", "teamId": team, "profileId": 3001},
            {"userName": "no-team@y", "firstName": "N", "lastName": "T"}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["errorCount"], 1);
    let new_id = created["agentResults"][0]["agentId"].as_u64().unwrap();
    assert_eq!(sim.agent(new_id).unwrap().user_name, "x@y");
    assert!(
        created["agentResults"][1]["error"]
            .as_str()
            .unwrap()
            .contains("teamId")
    );

    let delete = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(sim.writes(), 3);
}

#[tokio::test]
async fn an_injected_malformed_agent_goes_on_the_wire_without_a_usable_agent_id() {
    let sim = start(1, 20).await;
    let token = token(&sim).await;
    let missing = sim.inject_malformed_agent(Malformation::MissingAgentId);
    sim.inject_malformed_agent(Malformation::StringAgentId);
    let (agents, _) = read_all(&sim, &token, "", 100).await;
    assert_eq!(agents.len(), 22);
    assert!(agents[20].get("agentId").is_none());
    assert!(agents[20]["userName"].is_string());
    assert!(agents[21]["agentId"].is_string());
    assert_eq!(
        sim.agents().len(),
        20,
        "the control API lists well-formed agents"
    );
    sim.remove_agent(missing).unwrap();
    assert_eq!(read_all(&sim, &token, "", 100).await.0.len(), 21);
}

#[tokio::test]
async fn a_removed_agent_is_gone_from_full_reads_and_from_the_count() {
    let sim = start(1, 50).await;
    let token = token(&sim).await;
    sim.remove_agent(100_010).unwrap();
    let (agents, _) = read_all(&sim, &token, "", 20).await;
    assert_eq!(agents.len(), 49);
    assert!(!ids(&agents).contains(&100_010));
    assert!(sim.agent(100_010).is_none());
    assert!(sim.remove_agent(100_010).is_err());
}

#[tokio::test]
async fn team_feature_changes_show_on_the_teams_endpoint() {
    let sim = start(1, 1000).await;
    let token = token(&sim).await;
    let team = sim
        .teams()
        .into_iter()
        .find(|t| !assumed::wfm_advanced(t))
        .unwrap();
    sim.set_team_features(team.team_id, true).unwrap();
    let page: Value = get(&sim, &token, "/teams?top=100")
        .await
        .json()
        .await
        .unwrap();
    let wire = page["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["teamId"] == team.team_id)
        .unwrap();
    assert_eq!(wire["wfm2Enabled"], true);
    assert!(sim.set_team_features(1, true).is_err());
}

#[tokio::test]
async fn the_control_endpoints_drive_the_simulator_over_http() {
    let sim = start(1, 100).await;
    let client = reqwest::Client::new();
    let control = format!("{}/_sim", sim.base_url());
    let patched: Value = client
        .patch(format!("{control}/agents/100005"))
        .json(&json!({"firstName": "Patched", "location": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["firstName"], "Patched");
    assert_eq!(
        sim.agent(100_005).unwrap().first_name.as_deref(),
        Some("Patched")
    );
    let bad = client
        .patch(format!("{control}/agents/100005"))
        .json(&json!({"nickName": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let added: Value = client
        .post(format!("{control}/agents"))
        .json(&json!({"userName": "added@x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let added_id = added["agentId"].as_u64().unwrap();
    assert_eq!(added_id, 100_100);
    client
        .post(format!("{control}/agents/{added_id}/deactivate"))
        .send()
        .await
        .unwrap();
    assert!(!sim.agent(added_id).unwrap().is_active);
    let removed = client
        .delete(format!("{control}/agents/100007"))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(sim.agent(100_007).is_none());
    let missing = client
        .get(format!("{control}/agents/100007"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    client
        .post(format!("{control}/faults"))
        .json(&json!({"pathPrefix": "/auth/token", "count": 1, "fault": {"status": 500}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let c = sim.credentials();
    let failed = client
        .post(format!("{}/auth/token", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let token = token(&sim).await;
    client
        .post(format!("{control}/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&sim, &token, "/agents").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let counts: Value = client
        .get(format!("{control}/requests?prefix=/auth/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["count"], 2);
    assert_eq!(counts["writes"], 0);
    let log: Vec<Value> = client
        .get(format!("{control}/request-log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 3, "control requests are not logged");
    assert_eq!(log[0]["status"], 500);
    client
        .delete(format!("{control}/request-log"))
        .send()
        .await
        .unwrap();
    assert!(sim.request_log().is_empty());
}

#[tokio::test]
async fn a_million_agent_tenant_starts_at_once_and_serves_its_last_page() {
    let started = Instant::now();
    let sim = start(42, 1_000_000).await;
    let start_time = started.elapsed();
    let token = token(&sim).await;
    let served = Instant::now();
    let bytes = get(&sim, &token, "/agents?skip=990000&top=10000")
        .await
        .bytes()
        .await
        .unwrap();
    let page_time = served.elapsed();
    let page: Value = serde_json::from_slice(&bytes).unwrap();
    let agents = page["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 10_000);
    assert_eq!(agents[9_999]["agentId"], 1_099_999);
    assert_eq!(page["totalRecords"], 1_000_000);
    let inactive: Value = get(&sim, &token, "/agents?isActive=false&skip=70000&top=10")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        inactive["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["isActive"] == false)
    );
    sim.update_agent(1_000_000, |a| a.locked = true).unwrap();
    let delta: Value = get(
        &sim,
        &token,
        &format!(
            "/agents?updatedSince={}",
            page["lastPollTime"].as_str().unwrap()
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(delta["totalRecords"], 1);
    println!(
        "1,000,000 agents: started in {start_time:?}; a 10,000-agent page ({} bytes) in {page_time:?}",
        bytes.len()
    );
}
