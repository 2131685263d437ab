//! The engine every flow shares, end to end through the real binary, the bundled `cxone-acd`
//! component and the ACD simulator: what a config may ask of it, the one safety gate and its
//! approvals, the shrink guard, an unchanged source costing no write, pausing, failures that
//! count, and output that ends quietly when its reader goes away.

use std::process::Stdio;

use crate::support::{FLOW, Hub, count, run_id};
use serde_json::Value;
use tokio::io::AsyncReadExt;

/// `ccsync <args>`, which must fail; its stderr.
async fn refused(hub: &Hub, args: &[&str]) -> String {
    let output = hub.run(args).await;
    assert!(!output.status.success(), "`ccsync {}` ran", args.join(" "));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A hub whose flow allows at most 5 deactivations per run, of records and of accounts.
async fn strict_hub() -> Hub {
    let hub = Hub::start(200, 100).await;
    let config = hub.config_text(100, true).replace(
        "manual = true",
        "manual = true\nmax_deactivations = 5\nmax_deactivation_percent = 50",
    );
    hub.write_config(&config);
    hub
}

/// `n` agents active at the source on a team with WFM Advanced: each has a record and an
/// active WFM account after a full run.
fn with_accounts(hub: &Hub, n: usize) -> Vec<u64> {
    let teams = hub.sim.teams();
    let ids: Vec<u64> = hub
        .sim
        .agents()
        .iter()
        .filter(|a| {
            a.is_active
                && teams
                    .iter()
                    .any(|t| t.team_id == a.team_id && t.wfm2_enabled)
        })
        .map(|a| a.agent_id)
        .take(n)
        .collect();
    assert_eq!(ids.len(), n, "fewer than {n} agents with accounts");
    ids
}

/// `ccsync sync acd-wfm --json`, expecting `code`; its report.
async fn sync_expecting(hub: &Hub, code: i32, extra: &[&str]) -> Value {
    let mut args = vec!["sync", FLOW, "--json"];
    args.extend_from_slice(extra);
    let output = hub.run(&args).await;
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_the_engine_cannot_run_as_written_is_refused_at_load_naming_it() {
    let hub = Hub::start(10, 100).await;
    // A WFO flow that reads no teams could not tell an `iWFO Enabled` user from another: it
    // would remove every user's phones (rule H3). It is refused, never run.
    let config = hub.config_text(100, true)
        + "\n[flows.wfo-acme]\nsource = \"acd\"\ntarget = \"wfo\"\nkinds = [\"user\"]\n";
    hub.write_config(&config);
    let lines: Vec<&str> = config.lines().collect();
    let line = lines
        .iter()
        .rposition(|l| *l == "kinds = [\"user\"]")
        .expect("the wfo kinds")
        + 1;
    for args in [&["status"][..], &["sync", FLOW]] {
        let stderr = refused(&hub, args).await;
        assert!(
            stderr.contains(&format!(
                "ccsync.toml:{line}:9: flows.wfo-acme.kinds: a WFO flow reads team, \
                 security-profile and user"
            )),
            "{stderr}"
        );
    }
    assert!(hub.sim.request_log().is_empty(), "nothing was read");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_connections_sharing_a_tenant_label_are_refused_at_load() {
    let hub = Hub::start(10, 100).await;
    // Another plugin's connection with the same tenant label would write records under the
    // same keys: the two would merge, and a full read of one would deactivate the other's.
    let config = hub.config_text(100, true).replace(
        "[connections.acd]",
        "[plugins.other]\npath = \"plugins/other.wasm\"\n\n\
         [connections.other]\nplugin = \"other\"\ntenant = \"acme\"\n\n[connections.acd]",
    );
    hub.write_config(&config);
    let stderr = refused(&hub, &["sync", FLOW]).await;
    assert!(
        stderr.contains(
            "connections.acd.tenant: connections \"other\" and \"acd\" both use tenant \"acme\""
        ),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_source_writes_no_row() {
    let hub = Hub::start(300, 100).await;
    let first = hub.sync(&["--full"]).await;
    assert!(count(&first, "created") > 0);

    // Every row change to the hub's data, counted by SQLite itself from now on.
    let db = rusqlite::Connection::open(hub.database()).unwrap();
    db.execute_batch("CREATE TABLE test_changes (tbl TEXT NOT NULL);")
        .unwrap();
    for table in ["records", "accounts", "provisioning_log", "account_log"] {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            db.execute_batch(&format!(
                "CREATE TRIGGER test_{table}_{event} AFTER {event} ON {table}
                 BEGIN INSERT INTO test_changes VALUES ('{table} {event}'); END;"
            ))
            .unwrap();
        }
    }
    let full = hub.sync(&["--full"]).await;
    let incremental = hub.sync(&[]).await;
    let changes: Vec<String> = db
        .prepare("SELECT tbl FROM test_changes")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(changes.is_empty(), "rows changed: {changes:?}");
    assert_eq!(
        count(&full, "unchanged"),
        count(&first, "created"),
        "{full}"
    );
    assert_eq!(full["family"]["summary"]["created"], 0, "{full}");
    assert_eq!(
        count(&incremental, "created") + count(&incremental, "updated"),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_approval_covers_the_records_and_the_accounts_of_one_run() {
    let hub = strict_hub().await;
    hub.sync(&["--full"]).await;
    let leaving = with_accounts(&hub, 8);
    for &id in &leaving {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let stopped = sync_expecting(&hub, 2, &[]).await;
    let error = stopped["error"].as_str().unwrap();
    assert!(error.contains("would deactivate 8 of"), "{error}");
    assert!(error.contains("WFM accounts of wfm"), "{error}");
    assert_eq!(stopped["family"]["summary"]["deactivated"], 8, "{stopped}");

    let approved = hub.run(&["approve", &run_id(&stopped)]).await;
    assert!(approved.status.success(), "{approved:?}");
    let applied = sync_expecting(&hub, 0, &[]).await;
    assert_eq!(applied["status"], "succeeded", "{applied}");
    assert_eq!(count(&applied, "deactivated"), 8, "{applied}");
    assert_eq!(applied["family"]["summary"]["deactivated"], 8, "{applied}");
    let users = hub.users_by_id().await;
    assert!(
        leaving
            .iter()
            .all(|id| users[&id.to_string()]["status"] == "deactivated")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_covers_the_next_run_only_and_a_dry_run_sees_it() {
    let hub = strict_hub().await;
    hub.sync(&["--full"]).await;
    let leaving = with_accounts(&hub, 8);
    for &id in &leaving {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let stopped = sync_expecting(&hub, 2, &[]).await;
    let approved_run = run_id(&stopped);
    assert!(hub.run(&["approve", &approved_run]).await.status.success());

    let dry = sync_expecting(&hub, 0, &["--dry-run"]).await;
    assert!(
        dry["notes"].to_string().contains(&format!(
            "approved by the operator (run {approved_run}): the next real run applies it"
        )),
        "{dry}"
    );

    // The agents come back before the next run: it needs no approval, and spends it.
    for &id in &leaving {
        hub.sim.update_agent(id, |a| a.is_active = true).unwrap();
    }
    let next = sync_expecting(&hub, 0, &[]).await;
    assert_eq!(count(&next, "deactivated"), 0, "{next}");

    // They leave again: the old approval covers no later run.
    for &id in &leaving {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let again = sync_expecting(&hub, 2, &[]).await;
    assert_eq!(again["status"], "needs-approval", "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shrink_guard_compares_with_the_last_complete_full_read() {
    let hub = Hub::start(100, 100).await;
    let config = hub.config_text(100, true).replace(
        "manual = true",
        "manual = true\nmax_deactivations = 1000\nmax_deactivation_percent = 100",
    );
    hub.write_config(&config);
    // Half the agents leave first: the hub holds far fewer active records than the source
    // returns on a full read (it lists inactive agents too).
    for id in hub.active_agent_ids(50) {
        hub.sim.deactivate_agent(id).unwrap();
    }
    let first = hub.sync(&["--full"]).await;
    let read = count(&first, "read") - hub.catalog_len();

    // Then the source answers with 40% fewer agents, some of them active.
    let removed: Vec<u64> = hub
        .sim
        .agents()
        .iter()
        .rev()
        .take(read as usize * 2 / 5)
        .map(|a| a.agent_id)
        .collect();
    let active_removed = hub
        .sim
        .agents()
        .iter()
        .filter(|a| a.is_active && removed.contains(&a.agent_id))
        .count();
    assert!(active_removed > 0, "the shrink hides active agents");
    for &id in &removed {
        hub.sim.remove_agent(id).unwrap();
    }
    let short = hub.sync(&["--full"]).await;
    assert_eq!(short["status"], "partial", "{short}");
    assert_eq!(count(&short, "deactivated"), 0, "{short}");
    assert!(
        short["notes"].to_string().contains(&format!(
            "where the last complete full read returned {read}"
        )),
        "{short}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pausing_a_flow_is_persisted_skipped_by_serve_refused_by_sync_and_logged() {
    let hub = Hub::start(20, 100).await;
    let paused = hub
        .run(&["pause", FLOW, "--reason", "IEX upgrade this weekend"])
        .await;
    assert!(paused.status.success(), "{paused:?}");
    let said = String::from_utf8_lossy(&paused.stdout);
    assert!(said.contains("agents cannot see their schedules"), "{said}");

    let status = hub.json(&["status", "--json"]).await;
    let flow = &status[0];
    assert_eq!(
        flow["paused"]["reason"], "IEX upgrade this weekend",
        "{flow}"
    );
    assert_eq!(flow["family"], "wfm", "{flow}");
    assert_eq!(flow["shape"], "project", "{flow}");
    let text = String::from_utf8_lossy(&hub.run(&["status"]).await.stdout).into_owned();
    assert!(text.starts_with(&format!("{FLOW}: paused\n")), "{text}");

    let stderr = refused(&hub, &["sync", FLOW]).await;
    assert!(stderr.contains("is paused since"), "{stderr}");
    assert!(hub.run(&["serve", "--once"]).await.status.success());
    assert!(hub.runs().await.is_empty(), "serve ran a paused flow");

    assert!(hub.run(&["resume", FLOW]).await.status.success());
    assert!(hub.run(&["serve", "--once"]).await.status.success());
    assert_eq!(hub.runs().await.len(), 1);
    let status = hub.json(&["status", "--json"]).await;
    let events: Vec<&str> = status[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["paused", "resumed"], "{status}");
    assert_eq!(status[0]["events"][0]["reason"], "IEX upgrade this weekend");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_that_cannot_start_fails_a_recorded_run_and_moves_the_flow_health() {
    let hub = Hub::start(20, 100).await;
    let config = hub
        .config_text(100, true)
        .replace("plugins/cxone-acd.wasm", "plugins/missing.wasm");
    hub.write_config(&config);
    let report = sync_expecting(&hub, 1, &[]).await;
    assert_eq!(report["status"], "failed", "{report}");
    let runs = hub.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0]["error"].as_str().unwrap().contains("missing.wasm"),
        "{runs:?}"
    );
    let status = hub.json(&["status", "--json"]).await;
    assert_eq!(status[0]["health"], "retrying", "{status}");
    assert_eq!(status[0]["consecutive_failures"], 1, "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_into_a_reader_that_goes_away_ends_quietly() {
    let hub = Hub::start(2000, 500).await;
    hub.sync(&["--full"]).await;
    let mut child = hub
        .command(&["users", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).await.unwrap();
    drop(stdout);
    let output = crate::support::finish(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "{stderr}");
}
