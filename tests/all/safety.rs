//! The safety stop: a run that would deactivate more than its flow allows changes nothing
//! and waits for an operator's approval; `ccsync plan` shows the next run without writing.

use crate::support::{FLOW, Hub, count};

/// A hub whose flow allows at most 5 deactivations per run.
async fn strict_hub() -> Hub {
    let hub = Hub::start(100, 100).await;
    let config = hub.config_text(100, true).replace(
        "manual = true",
        "manual = true\nmax_deactivations = 5\nmax_deactivation_percent = 50",
    );
    hub.write_config(&config);
    hub
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_over_the_deactivation_limit_stops_for_approval_and_an_approved_one_applies() {
    let hub = strict_hub().await;
    hub.sync(&["--full"]).await;
    let leaving = hub.active_agent_ids(8);
    for &id in &leaving {
        hub.sim.deactivate_agent(id).unwrap();
    }

    let output = hub.run(&["sync", FLOW, "--json"]).await;
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code 2: waiting for approval"
    );
    let stopped: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stopped["status"], "needs-approval", "{stopped}");
    let error = stopped["error"].as_str().unwrap();
    assert!(error.contains("would deactivate 8"), "{error}");
    let run = stopped["run"].as_i64().unwrap().to_string();
    assert!(error.contains(&format!("ccsync approve {run}")), "{error}");
    // Nothing changed: every leaving user is still active in the hub, nothing was logged.
    let users = hub.users_by_id().await;
    for id in &leaving {
        assert_eq!(users[&id.to_string()]["status"], "active");
    }
    assert!(hub.log(&["--run", &run]).await.is_empty());

    // A plan shows what the next run would do, and still writes nothing.
    let plan = hub.json(&["plan", FLOW, "--json"]).await;
    assert_eq!(plan["dry_run"], true);
    assert_eq!(count(&plan, "deactivated"), 8, "{plan}");
    assert!(
        plan["notes"]
            .to_string()
            .contains("a real run would stop for approval")
    );

    let approved = hub.run(&["approve", &run]).await;
    assert!(approved.status.success(), "{approved:?}");
    let applied = hub.sync(&[]).await;
    assert_eq!(applied["status"], "succeeded", "{applied}");
    assert_eq!(count(&applied, "deactivated"), 8, "{applied}");
    let users = hub.users_by_id().await;
    for id in &leaving {
        assert_eq!(users[&id.to_string()]["status"], "deactivated");
    }
    // The approval was used once: approving the same run again is refused.
    let again = hub.run(&["approve", &run]).await;
    assert!(!again.status.success());
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_does_not_cover_more_deactivations_than_it_approved() {
    let hub = strict_hub().await;
    hub.sync(&["--full"]).await;
    let leaving = hub.active_agent_ids(12);
    for &id in &leaving[..8] {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let stopped = hub.run(&["sync", FLOW, "--json"]).await;
    let stopped: serde_json::Value = serde_json::from_slice(&stopped.stdout).unwrap();
    let run = stopped["run"].as_i64().unwrap().to_string();
    assert!(hub.run(&["approve", &run]).await.status.success());
    // Four more leave before the approved run: 12 > 8 approved, so it stops again.
    for &id in &leaving[8..] {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let output = hub.run(&["sync", FLOW, "--json"]).await;
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "needs-approval", "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_losing_wfm_advanced_stops_for_approval_before_its_accounts_are_deactivated() {
    let hub = strict_hub().await;
    // Only the count limit (5) applies here: a small tenant's WFM accounts may all be on one team.
    let config = hub.config_text(100, true).replace(
        "manual = true",
        "manual = true\nmax_deactivations = 5\nmax_deactivation_percent = 100",
    );
    hub.write_config(&config);
    hub.sync(&["--full"]).await;
    let active_accounts = async || -> Vec<serde_json::Value> {
        let accounts = hub.json(&["accounts", "list", "--json"]).await;
        accounts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] == "active")
            .cloned()
            .collect()
    };
    let active = active_accounts().await;
    // Take WFM Advanced away from the team with the most accounts.
    let mut by_team = std::collections::BTreeMap::<String, usize>::new();
    for account in &active {
        *by_team
            .entry(account["team_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let (team, affected) = by_team.into_iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(
        affected > 5,
        "the team has more accounts than the flow may deactivate"
    );
    hub.sim
        .set_team_features(team.parse().unwrap(), false)
        .unwrap();

    let output = hub.run(&["sync", FLOW, "--json"]).await;
    assert_eq!(output.status.code(), Some(2));
    let stopped: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stopped["status"], "needs-approval", "{stopped}");
    let error = stopped["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("would deactivate {affected} of")),
        "{error}"
    );
    assert_eq!(
        active_accounts().await.len(),
        active.len(),
        "no account changed"
    );

    let run = stopped["run"].as_i64().unwrap().to_string();
    assert!(hub.run(&["approve", &run]).await.status.success());
    let applied = hub.sync(&[]).await;
    assert_eq!(applied["status"], "succeeded", "{applied}");
    assert_eq!(active_accounts().await.len(), active.len() - affected);
    hub.assert_source_untouched();
}
