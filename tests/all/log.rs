//! End to end: `ccsync log`, the operator's one history of record and WFM account actions,
//! through the real binary, the bundled `cxone-acd` connector and a simulated ACD.
//!
//! Every expectation is computed from the simulator's data (or from what the test wrote
//! itself), never from what ccsync printed.

use std::path::PathBuf;

use crate::support::{FLOW, Hub, TENANT};
use ccsync_model::{Entity, Kind, Team};
use ccsync_store::{
    LogAction, NewLogEntry, PageBatch, RecordStatus, RecordWrite, RunCounts, RunMode, RunStatus,
    Store,
};
use serde_json::Value;

const AGENTS: usize = 100;

/// A hub synced once in full from a fresh simulator, and the run's report.
async fn synced_hub() -> (Hub, Value) {
    let hub = Hub::start(AGENTS, 50).await;
    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    (hub, report)
}

/// The first active agent whose team does (`wfm`) or does not carry WFM Advanced at the
/// source: one that gets an account, or one whose account is skipped.
fn agent_in_wfm_team(hub: &Hub, wfm: bool) -> String {
    let teams = hub.sim.teams();
    hub.sim
        .agents()
        .iter()
        .find(|a| {
            a.is_active
                && teams
                    .iter()
                    .any(|t| t.team_id == a.team_id && t.wfm2_enabled == wfm)
        })
        .unwrap_or_else(|| panic!("an active agent in a team with wfm2_enabled = {wfm}"))
        .agent_id
        .to_string()
}

/// The hub database of the workspace, found from the config path the harness passes.
fn database(hub: &Hub) -> PathBuf {
    let command = hub.command(&[]);
    let args: Vec<_> = command.as_std().get_args().collect();
    let config = match args[..] {
        [flag, config, ..] if flag == "--config" => PathBuf::from(config),
        _ => panic!("the harness passes no --config first: {args:?}"),
    };
    config.with_file_name("data").join("ccsync.db")
}

/// Stores a team whose source id is `id`, with its `create` entry, in a run of its own: the
/// ACD numbers teams and agents apart, but other platforms reuse ids across kinds.
fn add_team_with_id(hub: &Hub, id: &str) {
    let mut store = Store::open(database(hub)).expect("opening the hub store");
    let run = store
        .start_run(FLOW, RunMode::Full, false)
        .expect("a run for the team");
    let mut page = PageBatch::new(run, FLOW, TENANT, Kind::Team);
    let team = Entity::Team(Team {
        id: id.to_owned(),
        name: "Shares an agent's id".into(),
        features: Vec::new(),
        active: true,
    });
    page.writes
        .push(RecordWrite::new(team, RecordStatus::Active));
    page.log.push(NewLogEntry {
        source_id: Some(id.to_owned()),
        display: Some("Shares an agent's id".into()),
        action: LogAction::Create,
        reason: None,
        changes: Vec::new(),
    });
    page.counts = RunCounts {
        read: 1,
        created: 1,
        ..RunCounts::default()
    };
    store.commit_page(&page).expect("committing the team");
    store
        .finish_run(run, RunStatus::Succeeded, &page.counts, None)
        .expect("finishing the team's run");
}

/// `(subject, kind or store, source id, action)` of each entry, for comparing whole logs.
fn summary(log: &[Value]) -> Vec<(String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    log.iter()
        .map(|e| {
            let of = match e["subject"].as_str() {
                Some("record") => text(&e["kind"]),
                Some("account") => text(&e["store"]),
                other => panic!("an entry with subject {other:?}: {e}"),
            };
            (
                text(&e["subject"]),
                of,
                text(&e["source_id"]),
                text(&e["action"]),
            )
        })
        .collect()
}

fn entry(subject: &str, of: &str, id: &str, action: &str) -> (String, String, String, String) {
    (subject.into(), of.into(), id.into(), action.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_log_is_the_record_create_then_the_account_create_and_never_a_team_with_the_same_id()
 {
    let (hub, report) = synced_hub().await;
    let id = agent_in_wfm_team(&hub, true);

    let log = hub.log(&["--user", &id]).await;
    assert_eq!(
        summary(&log),
        [
            entry("record", "user", &id, "create"),
            entry("account", "wfm", &id, "create"),
        ],
        "{log:#?}"
    );
    for e in &log {
        assert_eq!(e["run"], report["run"], "{e}");
        assert_eq!(e["origin"], "sync", "{e}");
        assert_eq!(e["flow"], FLOW, "{e}");
        assert_eq!(e["tenant"], TENANT, "{e}");
    }
    let at = |e: &Value| e["at"].as_str().expect("a time").to_owned();
    assert!(at(&log[0]) <= at(&log[1]), "{log:#?}");

    // The latest entry alone: a limit keeps the newest entries.
    let latest = hub
        .json(&["log", "--json", "--user", &id, "--limit", "1"])
        .await;
    assert_eq!(
        summary(latest.as_array().expect("a list")),
        summary(&log[1..])
    );

    add_team_with_id(&hub, &id);
    assert_eq!(
        summary(&hub.log(&["--user", &id]).await),
        summary(&log),
        "--user shows a team that shares the user's id"
    );
    let teams = hub.log(&["--kind", "team"]).await;
    assert!(
        summary(&teams).contains(&entry("record", "team", &id, "create")),
        "the team is logged: {teams:#?}"
    );
    let refused = hub.run(&["log", "--user", &id, "--kind", "team"]).await;
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--kind team"),
        "{refused:?}"
    );

    // The text form tells the hub record from the WFM account.
    let text = hub.run(&["log", "--user", &id]).await;
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8_lossy(&text.stdout);
    // One line per entry; its field changes follow, indented.
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(&format!("create user {TENANT}/{id}")),
        "{text}"
    );
    assert!(
        lines[1].contains(&format!("create account wfm/{TENANT}/{id}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_without_an_account_shows_the_skip_and_its_reason() {
    let (hub, _) = synced_hub().await;
    let id = agent_in_wfm_team(&hub, false);

    let log = hub.log(&["--user", &id]).await;
    assert_eq!(
        summary(&log),
        [
            entry("record", "user", &id, "create"),
            entry("account", "wfm", &id, "skip"),
        ],
        "{log:#?}"
    );
    let reason = log[1]["reason"].as_str().unwrap_or_default();
    assert!(!reason.is_empty(), "a skip without a reason: {}", log[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn kind_account_lists_only_the_account_log_and_kind_user_only_user_records() {
    let (hub, _) = synced_hub().await;

    let accounts = hub.log(&["--kind", "account"]).await;
    assert!(!accounts.is_empty());
    assert!(
        accounts.iter().all(|e| e["subject"] == "account"),
        "{accounts:#?}"
    );
    // The same entries as the account-focused view, in the same order.
    let account_log = hub
        .json(&["accounts", "log", "--json", "--limit", "1000000"])
        .await;
    let ids = |log: &[Value]| -> Vec<Value> { log.iter().map(|e| e["id"].clone()).collect() };
    assert_eq!(
        ids(&accounts),
        ids(account_log.as_array().expect("a list")),
        "{accounts:#?}"
    );

    let users = hub.log(&["--kind", "user"]).await;
    assert_eq!(users.len(), AGENTS, "one create per agent: {users:#?}");
    assert!(
        users
            .iter()
            .all(|e| e["subject"] == "record" && e["kind"] == "user"),
        "{users:#?}"
    );

    // Unfiltered, the log holds both logs whole: the catalog's, the users' and the accounts'.
    let all = hub.log(&[]).await;
    assert_eq!(
        all.len(),
        accounts.len() + users.len() + hub.catalog_len() as usize,
        "{all:#?}"
    );
}
