//! Reading the business unit through the Admin API: paging, incremental reads, the hybrid
//! catalog, and users changed, moved, deactivated, added and removed through the control API.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use ccsync_sim::central::{FIRST_AGENT_ID, assumed};
use reqwest::StatusCode;
use serde_json::Value;

use super::{get, ids, read_all, start, token};

fn names(list: &Value, key: &str, field: &str) -> BTreeSet<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn paging_until_204_returns_every_user_once_in_agent_id_order() {
    let sim = start(4, 1234).await;
    let token = token(&sim).await;
    let (agents, poll) = read_all(&sim, &token, "orderBy=agentId", 500).await;
    let expected: Vec<u64> = (FIRST_AGENT_ID..FIRST_AGENT_ID + 1234).collect();
    assert_eq!(ids(&agents), expected);
    assert!(poll.is_some());
    let page: Value = get(&sim, &token, "/agents?top=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["businessUnitId"], sim.business_unit());
    assert_eq!(page["totalRecords"], 1234);
    assert!(page["_links"]["next"].is_string());
}

#[tokio::test]
async fn the_hybrid_catalog_has_the_iwfo_teams_and_profiles_and_most_users_on_them() {
    let sim = start(5, 3000).await;
    let token = token(&sim).await;
    let teams: Value = get(&sim, &token, "/teams").await.json().await.unwrap();
    let team_names = names(&teams, "teams", "teamName");
    for name in ["iWFO Enabled", "iWFO Not Enabled", "Sales", "Support"] {
        assert!(team_names.contains(name), "{team_names:?}");
    }
    let profiles: Value = get(&sim, &token, "/security-profiles")
        .await
        .json()
        .await
        .unwrap();
    let profile_names = names(&profiles, "profiles", "securityProfileName");
    for name in ["iWFOUser", "iWFOAdmin", "Agent", "Supervisor"] {
        assert!(profile_names.contains(name), "{profile_names:?}");
    }

    let (agents, _) = read_all(&sim, &token, "", 10_000).await;
    let mut mix: HashMap<(String, String), usize> = HashMap::new();
    for agent in &agents {
        let key = (
            agent["teamName"].as_str().unwrap().to_owned(),
            agent["profileName"].as_str().unwrap().to_owned(),
        );
        *mix.entry(key).or_default() += 1;
    }
    let count = |team: &str, profile: &str| {
        mix.get(&(team.to_owned(), profile.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    let hybrid = count("iWFO Enabled", "iWFOUser")
        + count("iWFO Not Enabled", "iWFOUser")
        + count("iWFO Not Enabled", "iWFOAdmin");
    assert!(hybrid * 4 > agents.len() * 3, "{mix:?}");
    assert!(count("Sales", "Agent") > 0 && count("Support", "Supervisor") > 0);
    assert!(
        count("iWFO Enabled", "Agent") > 0,
        "a user on the team without the profile"
    );
    let on = |team: &str, phone: bool| {
        agents
            .iter()
            .filter(|a| {
                a["teamName"] == team && a[assumed::PRIMARY_PHONE_FIELD].is_string() == phone
            })
            .count()
    };
    for team in ["iWFO Enabled", "iWFO Not Enabled"] {
        assert!(
            on(team, true) > 0 && on(team, false) > 0,
            "{team}: every H3 case"
        );
    }
    let inactive = agents.iter().filter(|a| a["isActive"] == false).count();
    assert!(inactive > 0 && inactive < agents.len() / 10, "{inactive}");
}

#[tokio::test]
async fn updated_since_last_poll_time_returns_only_users_changed_after_it() {
    let sim = start(6, 500).await;
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 1000).await;
    let poll = poll.unwrap();
    let (nothing, _) = read_all(&sim, &token, &format!("updatedSince={poll}"), 100).await;
    assert!(nothing.is_empty());
    sim.update_agent(100_007, |a| {
        a.first_name = Some("Zoe".into());
        a.email_address = Some("zoe@hybrid.example.com".into());
    })
    .unwrap();
    sim.set_primary_phone(100_003, None).unwrap();
    let (changed, next_poll) = read_all(&sim, &token, &format!("updatedSince={poll}"), 100).await;
    assert_eq!(ids(&changed), vec![100_003, 100_007]);
    assert_eq!(changed[0]["telephone1"], Value::Null);
    assert_eq!(changed[1]["firstName"], "Zoe");
    assert_eq!(changed[1]["emailAddress"], "zoe@hybrid.example.com");
    assert!(next_poll.unwrap() > poll);
}

#[tokio::test]
async fn moving_a_user_between_teams_shows_in_a_later_updated_since_read() {
    let sim = start(7, 400).await;
    let enabled = sim.team_named("iWFO Enabled").unwrap();
    let not_enabled = sim.team_named("iWFO Not Enabled").unwrap();
    let mover = sim
        .agents()
        .into_iter()
        .find(|a| a.team_id == enabled.team_id)
        .unwrap();
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 1000).await;
    let poll = poll.unwrap();

    let moved = sim.move_agent(mover.agent_id, not_enabled.team_id).unwrap();
    assert_eq!(moved.team_name, "iWFO Not Enabled");
    let (changed, _) = read_all(&sim, &token, &format!("updatedSince={poll}"), 100).await;
    assert_eq!(ids(&changed), vec![mover.agent_id]);
    assert_eq!(changed[0]["teamId"], not_enabled.team_id);
    assert_eq!(changed[0]["teamName"], "iWFO Not Enabled");
    assert_eq!(changed[0]["profileName"], mover.profile_name.as_str());
    assert!(
        sim.move_agent(mover.agent_id, 9999).is_err(),
        "no such team"
    );
}

#[tokio::test]
async fn a_profile_change_shows_in_a_later_updated_since_read() {
    let sim = start(7, 100).await;
    let admin = sim.profile_named("iWFOAdmin").unwrap();
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 1000).await;
    sim.set_agent_profile(100_010, admin.security_profile_id)
        .unwrap();
    let since = format!("updatedSince={}", poll.unwrap());
    let (changed, _) = read_all(&sim, &token, &since, 100).await;
    assert_eq!(ids(&changed), vec![100_010]);
    assert_eq!(changed[0]["profileId"], admin.security_profile_id);
    assert_eq!(changed[0]["profileName"], "iWFOAdmin");
    assert!(
        sim.set_agent_profile(100_010, 1).is_err(),
        "no such profile"
    );
}

#[tokio::test]
async fn deactivating_a_user_shows_as_inactive_in_a_later_read_and_reactivating_undoes_it() {
    let sim = start(8, 300).await;
    let active = sim.agents().into_iter().find(|a| a.is_active).unwrap();
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 1000).await;
    let poll = poll.unwrap();
    sim.deactivate_agent(active.agent_id).unwrap();
    let (changed, second_poll) = read_all(&sim, &token, &format!("updatedSince={poll}"), 100).await;
    assert_eq!(ids(&changed), vec![active.agent_id]);
    assert_eq!(changed[0]["isActive"], false);
    let (inactive, _) = read_all(&sim, &token, "isActive=false", 1000).await;
    assert!(ids(&inactive).contains(&active.agent_id));

    sim.reactivate_agent(active.agent_id).unwrap();
    let since = format!("updatedSince={}", second_poll.unwrap());
    let (changed, _) = read_all(&sim, &token, &since, 100).await;
    assert_eq!(changed[0]["isActive"], true);
}

#[tokio::test]
async fn added_users_come_in_incremental_reads_and_removed_users_vanish_from_full_reads() {
    let sim = start(9, 200).await;
    let token = token(&sim).await;
    let (_, poll) = read_all(&sim, &token, "", 1000).await;
    let added = sim.add_agent(|a| a.first_name = Some("New".into()));
    assert_eq!(added, FIRST_AGENT_ID + 200);
    sim.remove_agent(100_001).unwrap();
    let (changed, _) = read_all(
        &sim,
        &token,
        &format!("updatedSince={}", poll.unwrap()),
        100,
    )
    .await;
    assert_eq!(ids(&changed), vec![added], "a removal leaves no trace");
    let (all, _) = read_all(&sim, &token, "", 1000).await;
    let all = ids(&all);
    assert_eq!(all.len(), 200);
    assert!(!all.contains(&100_001) && all.contains(&added));
    assert_eq!(sim.agent_count(), 200);
    assert!(sim.remove_agent(100_001).is_err());
}

#[tokio::test]
async fn the_small_lists_page_with_skip_and_top_and_answer_204_past_the_end() {
    let sim = start(2, 10).await;
    let token = token(&sim).await;
    let page: Value = get(&sim, &token, "/teams?skip=1&top=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["totalRecords"], sim.teams().len());
    assert_eq!(page["teams"][0]["teamName"], "iWFO Not Enabled");
    assert_eq!(page["teams"].as_array().unwrap().len(), 2);
    for path in [
        "/teams?skip=100",
        "/security-profiles?skip=100",
        "/campaigns?skip=100",
        "/dispositions?skip=100",
        "/unavailable-codes?skip=100",
    ] {
        assert_eq!(
            get(&sim, &token, path).await.status(),
            StatusCode::NO_CONTENT,
            "{path}"
        );
    }
    let codes: Value = get(&sim, &token, "/unavailable-codes")
        .await
        .json()
        .await
        .unwrap();
    assert!(!codes["unavailableCodes"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_same_seed_and_size_give_the_same_business_unit() {
    let a = start(11, 300).await;
    let b = start(11, 300).await;
    let c = start(12, 300).await;
    assert_eq!(a.agents(), b.agents());
    assert_ne!(a.agents(), c.agents());
}

#[tokio::test]
async fn a_million_user_business_unit_starts_at_once_and_serves_its_last_page() {
    let started = Instant::now();
    let sim = start(42, 1_000_000).await;
    assert!(started.elapsed().as_secs() < 5);
    let token = token(&sim).await;
    let page: Value = get(&sim, &token, "/agents?skip=999990&top=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["totalRecords"], 1_000_000);
    assert_eq!(
        ids(page["agents"].as_array().unwrap()),
        (1_099_990..1_100_000).collect::<Vec<_>>()
    );
    let past = get(&sim, &token, "/agents?skip=1000000").await;
    assert_eq!(past.status(), StatusCode::NO_CONTENT);
}
