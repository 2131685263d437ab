//! End to end: `ccsync sync <flow> --user <id>` (single-user sync, "provisioning on demand"),
//! through the real binary, the bundled `cxone-acd` connector and a simulated ACD.
//!
//! Every expectation is computed from the simulator's data, never from what ccsync printed.

use crate::support::{FLOW, Hub, TENANT, run_id, user_entries};
use serde_json::Value;

const AGENTS: usize = 200;
const PAGE_SIZE: u32 = 50;
const STEPS: [&str; 5] = ["read", "scope", "match", "diff", "action"];

/// A hub synced once in full from a fresh simulator.
async fn synced_hub() -> Hub {
    let hub = Hub::start(AGENTS, PAGE_SIZE).await;
    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    hub
}

/// The page (from 1) on which the connector returns agent `id`: agents come in agentId order.
fn page_of(hub: &Hub, id: u64) -> usize {
    let mut ids: Vec<u64> = hub.sim.agents().iter().map(|a| a.agent_id).collect();
    ids.sort_unstable();
    let position = ids.iter().position(|&a| a == id).expect("a known agent");
    position / PAGE_SIZE as usize + 1
}

/// An active agent whose team carries WFM Advanced at the source (eligible for an account),
/// on the third page or later, so the read has pages to skip and pages to leave unread.
fn eligible_agent(hub: &Hub, except: &[u64]) -> u64 {
    let teams = hub.sim.teams();
    hub.sim
        .agents()
        .iter()
        .find(|a| {
            a.is_active
                && page_of(hub, a.agent_id) >= 3
                && !except.contains(&a.agent_id)
                && teams
                    .iter()
                    .any(|t| t.team_id == a.team_id && t.wfm2_enabled)
        })
        .expect("an eligible agent")
        .agent_id
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no step {name} in {report}"))
}

fn step_names(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps in {report}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_user_is_updated_alone_with_its_account_and_the_steps_in_order() {
    let hub = synced_hub().await;
    let target = eligible_agent(&hub, &[]);
    let other = eligible_agent(&hub, &[target]);
    for (id, email) in [(target, "single@example.com"), (other, "other@example.com")] {
        hub.sim
            .update_agent(id, |a| a.email_address = Some(email.into()))
            .unwrap();
    }
    let before = hub.users_by_id().await;
    let id = target.to_string();

    hub.sim.reset_request_log();
    let report = hub.sync(&["--user", &id]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(step_names(&report), STEPS, "{report}");
    assert_eq!(step(&report, "read")["outcome"], "found");
    let page_reads = hub
        .sim
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/agents"))
        .count();
    assert_eq!(
        page_reads,
        page_of(&hub, target),
        "paging stops at the user"
    );
    assert_eq!(
        step(&report, "read")["detail"],
        format!("on page {}", page_of(&hub, target))
    );
    assert_eq!(step(&report, "scope")["outcome"], "in scope", "{report}");
    assert_eq!(step(&report, "match")["outcome"], "matched", "{report}");
    assert_eq!(step(&report, "diff")["outcome"], "changed", "{report}");
    let diff = step(&report, "diff")["detail"].as_str().unwrap();
    assert!(diff.contains("email: ") && diff.contains("\"single@example.com\""));
    assert!(diff.contains("account email: "), "{diff}");
    assert_eq!(
        step(&report, "action")["outcome"],
        "record update, account update"
    );
    assert_eq!(report["record_action"]["action"], "update", "{report}");
    assert_eq!(report["family_action"]["action"], "update", "{report}");

    // Only the asked-for user was touched, and only it was logged by the run.
    let run = run_id(&report);
    let log = hub.log(&["--run", &run]).await;
    let logged: Vec<&Value> = user_entries(&log);
    assert_eq!(logged.len(), 1, "{log:?}");
    assert_eq!(logged[0]["source_id"], id.as_str());
    let after = hub.users_by_id().await;
    assert_eq!(after[&id]["user"]["email"], "single@example.com");
    assert_eq!(after[&other.to_string()], before[&other.to_string()]);
    for (user, value) in &after {
        if *user != id {
            assert_eq!(Some(value), before.get(user), "user {user} changed");
        }
    }
    let accounts = hub.json(&["accounts", "log", "--id", &id, "--json"]).await;
    let by_run: Vec<&Value> = accounts
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["run"].as_i64().map(|r| r.to_string()) == Some(run.clone()))
        .collect();
    assert_eq!(by_run.len(), 1, "{accounts}");
    assert_eq!(by_run[0]["action"], "update");
    let runs = hub.runs().await;
    assert_eq!(runs[0]["mode"], "single", "{:?}", runs[0]);

    // The text form: one line per step, in order, with its outcome.
    let output = hub.run(&["sync", FLOW, "--user", &other.to_string()]).await;
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().skip(1).take(5).collect();
    let expected = [
        format!("read    found on page {}", page_of(&hub, other)),
        "scope   in scope".to_owned(),
        "match   matched".to_owned(),
        "diff    changed".to_owned(),
        "action  record update, account update".to_owned(),
    ];
    for (line, prefix) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(prefix.as_str()),
            "{line:?} / {prefix:?}\n{text}"
        );
    }
    assert_eq!(lines.len(), 5, "{text}");
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_reports_the_change_and_writes_nothing() {
    let hub = synced_hub().await;
    let target = eligible_agent(&hub, &[]);
    hub.sim
        .update_agent(target, |a| a.last_name = Some("Dry".into()))
        .unwrap();
    let users = hub.users_by_id().await;
    let runs = hub.runs().await;
    let id = target.to_string();

    let report = hub.sync(&["--user", &id, "--dry-run"]).await;
    assert_eq!(report["run"], Value::Null, "{report}");
    assert_eq!(step_names(&report), STEPS, "{report}");
    assert_eq!(step(&report, "diff")["outcome"], "changed", "{report}");
    assert_eq!(report["record_action"]["action"], "update", "{report}");
    assert_eq!(
        step(&report, "action")["detail"],
        "(dry run: nothing was written)"
    );
    assert_eq!(hub.users_by_id().await, users);
    assert_eq!(hub.runs().await, runs);

    // The real run then does what the dry run showed.
    let report = hub.sync(&["--user", &id]).await;
    assert_eq!(report["record_action"]["action"], "update", "{report}");
    assert_eq!(hub.users_by_id().await[&id]["user"]["last_name"], "Dry");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_missing_at_the_source_is_reported_and_nothing_is_deactivated() {
    let hub = synced_hub().await;
    let gone = hub.active_agent_ids(1)[0];
    hub.sim.remove_agent(gone).unwrap();
    let before = hub.users_by_id().await;
    let pages = AGENTS.div_ceil(PAGE_SIZE as usize) as u64;

    for id in [gone.to_string(), "999999999".to_owned()] {
        let report = hub.sync(&["--user", &id]).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        assert_eq!(report["found"], false, "{report}");
        assert_eq!(step_names(&report), STEPS, "{report}");
        assert_eq!(step(&report, "read")["outcome"], "not found", "{report}");
        let read = step(&report, "read")["detail"].as_str().unwrap();
        assert!(
            read.contains(&format!("{} users on {pages} page(s)", AGENTS - 1)),
            "{read}"
        );
        assert_eq!(step(&report, "action")["outcome"], "none", "{report}");
        assert!(
            step(&report, "action")["detail"]
                .as_str()
                .unwrap()
                .contains("never deactivates"),
            "{report}"
        );
        assert!(hub.log(&["--run", &run_id(&report)]).await.is_empty());
    }
    assert_eq!(
        step(&hub.sync(&["--user", &gone.to_string()]).await, "match")["outcome"],
        "matched"
    );
    let after = hub.users_by_id().await;
    assert_eq!(after, before);
    assert_eq!(after[&gone.to_string()]["status"], "active");
    assert_eq!(after[&gone.to_string()]["tenant"], TENANT);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_without_manual_runs_refuses_a_single_user_sync() {
    let hub = Hub::start(AGENTS, PAGE_SIZE).await;
    hub.write_config(&hub.config_text(PAGE_SIZE, false));
    let id = hub.active_agent_ids(1)[0].to_string();

    let output = hub.run(&["sync", FLOW, "--user", &id, "--json"]).await;
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("manual = false"), "{stderr}");
    assert!(hub.runs().await.is_empty());
    assert!(hub.users().await.is_empty());
    assert_eq!(hub.sim.requests("/"), 0, "nothing was read");
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_decides_on_the_team_as_the_source_has_it_now() {
    let hub = synced_hub().await;
    let target = eligible_agent(&hub, &[]);
    let team = hub.sim.agent(target).expect("the agent").team_id;
    hub.sim.set_team_features(team, false).unwrap();
    let id = target.to_string();

    let report = hub.sync(&["--user", &id]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    let scope = step(&report, "scope");
    assert_eq!(scope["outcome"], "out of scope", "{report}");
    let detail = scope["detail"].as_str().unwrap();
    assert!(detail.contains("team lost WFM Advanced"), "{detail}");
    assert!(
        detail.contains(&format!(
            "team {team} lacks WFM Advanced (read from the source now)"
        )),
        "{detail}"
    );
    assert_eq!(report["family_action"]["action"], "deactivate", "{report}");

    // The flow's next run reaches the same decision: it plans the team's other members'
    // deactivations, and nothing more for this account.
    let plan = hub
        .json(&["sync", FLOW, "--full", "--dry-run", "--json"])
        .await;
    let planned = plan["family"]["actions"].as_array().unwrap();
    assert!(!planned.is_empty(), "{plan}");
    assert!(
        planned.iter().all(|a| a["source_id"] != id.as_str()),
        "{plan}"
    );
    let log = hub.json(&["accounts", "log", "--id", &id, "--json"]).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "deactivate"], "{log}");
}
