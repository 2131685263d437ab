//! End to end: `ccsync serve` runs a flow on its schedule against a simulated CXone ACD,
//! quarantines it when its source keeps failing, recovers it after `ccsync resume`, and stops
//! cleanly on SIGTERM; `serve --once` continues the schedule stored by an earlier process.

use std::future::Future;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use crate::support::{FLOW, Hub, while_running};
use ccsync_sim::acd::Fault;
use jiff::Timestamp;
use serde_json::Value;
use tokio::process::Child;

/// How often the tests poll `ccsync status`.
const POLL: Duration = Duration::from_millis(200);

/// A workspace whose flow runs every `interval` under `serve` and is quarantined after three
/// failures in a row.
async fn scheduled_hub(interval: &str) -> Hub {
    let hub = Hub::start(200, 100).await;
    let config = format!(
        "{}interval = \"{interval}\"\nquarantine_after = 3\n",
        hub.config_text(100, false)
    );
    hub.write_config(&config);
    hub
}

/// `ccsync status --json`: the one flow's entry.
async fn status(hub: &Hub) -> Value {
    let statuses = hub.json(&["status", "--json"]).await;
    let entry = statuses
        .as_array()
        .and_then(|all| all.iter().find(|s| s["flow"] == FLOW))
        .unwrap_or_else(|| panic!("no status for {FLOW}: {statuses}"));
    entry.clone()
}

/// Polls `ccsync status` until `accept` returns true for it, while `child` keeps running.
async fn status_until(
    hub: &Hub,
    child: Child,
    what: &str,
    accept: impl Fn(&Value) -> bool,
) -> (Child, Value) {
    while_running(child, what, async {
        loop {
            let s = status(hub).await;
            if accept(&s) {
                return s;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await
}

/// `serve` with its log in a file (a pipe nobody reads would fill up and block it).
fn spawn_serve(hub: &Hub, log: &PathBuf) -> Child {
    let file = std::fs::File::create(log).expect("creating the serve log");
    hub.command(&["serve"])
        .stderr(Stdio::from(file))
        .spawn()
        .expect("spawning ccsync serve")
}

/// Sends SIGTERM to a running child.
fn sigterm(child: &Child) {
    let pid = child.id().expect("serve is still running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("running kill");
    assert!(sent.success(), "kill -TERM {pid} failed");
}

/// Sends SIGTERM and waits (bounded) for the process to exit.
async fn terminate(mut child: Child, within: Duration) -> ExitStatus {
    sigterm(&child);
    bounded(within, "serve to stop after SIGTERM", child.wait())
        .await
        .expect("waiting for serve")
}

async fn bounded<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

fn run_id(status: &Value) -> i64 {
    status["last_run"]["id"].as_i64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_on_schedule_quarantines_a_failing_source_recovers_on_resume_and_stops_on_sigterm()
 {
    let hub = scheduled_hub("2s").await;
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("serve.log");
    let show_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let child = spawn_serve(&hub, &log);

    // Scheduled runs happen again and again: the first full, the later ones incremental.
    let (child, first) = status_until(&hub, child, "three scheduled runs", |s| {
        run_id(s) >= 3 && s["last_run"]["status"] == "succeeded"
    })
    .await;
    assert_eq!(first["health"], "ok", "{first}");
    let runs = hub.runs().await;
    assert!(runs.len() >= 3, "{runs:?}");
    let oldest = runs.last().unwrap();
    assert_eq!(
        (&oldest["mode"], &oldest["status"]),
        (&Value::from("full"), &Value::from("succeeded"))
    );
    assert!(
        runs[..runs.len() - 1]
            .iter()
            .all(|r| r["mode"] == "incremental"),
        "{runs:?}"
    );
    assert!(first["next_run_at"].is_string(), "{first}");

    // The source refuses the credentials (not retried within a run): the flow fails, retries,
    // and after three failures in a row is quarantined with the error as the reason.
    hub.sim
        .fail_next("/auth/token", 100_000, Fault::Status(401))
        .unwrap();
    let (child, quarantined) = status_until(&hub, child, "the quarantine", |s| {
        s["health"] == "quarantined"
    })
    .await;
    assert!(
        quarantined["consecutive_failures"].as_u64() >= Some(3),
        "{quarantined}"
    );
    let reason = quarantined["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("401"),
        "the reason is the run's error: {reason}"
    );
    assert_eq!(quarantined["last_run"]["status"], "failed", "{quarantined}");
    let failed_run = run_id(&quarantined);
    let probe_at: Timestamp = quarantined["next_run_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // The source is healthy again and the operator resumes the flow: due now, and healthy
    // once a run succeeds.
    hub.sim.clear_faults();
    let resumed = hub.run(&["resume", FLOW]).await;
    assert!(resumed.status.success(), "{resumed:?}");
    let said = String::from_utf8_lossy(&resumed.stdout);
    assert!(said.contains("was quarantined"), "{said}");
    let cleared = status(&hub).await;
    assert_eq!(
        (&cleared["health"], &cleared["consecutive_failures"]),
        (&Value::from("ok"), &Value::from(0)),
        "{cleared}"
    );
    let (child, recovered) = status_until(&hub, child, "the recovery", |s| {
        run_id(s) > failed_run && s["last_run"]["status"] == "succeeded"
    })
    .await;
    assert_eq!(recovered["health"], "ok", "{recovered}");
    assert_eq!(recovered["reason"], Value::Null, "{recovered}");
    // It was the resume, not the quarantine's re-probe (four intervals later), that ran it.
    let started: Timestamp = recovered["last_run"]["started_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        started < probe_at,
        "run at {started}, probe due at {probe_at}"
    );

    // SIGTERM: a clean, prompt stop, with no run left unfinished.
    let exit = terminate(child, Duration::from_secs(20)).await;
    assert!(exit.success(), "serve exited {exit}:\n{}", show_log());
    let log_text = show_log();
    for line in [
        "run finished",
        "run failed; retrying",
        "flow quarantined",
        "stop requested",
    ] {
        assert!(
            log_text.contains(line),
            "no {line:?} in the log:\n{log_text}"
        );
    }
    assert!(
        hub.runs().await.iter().all(|r| r["status"] != "running"),
        "a run was left running"
    );
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_once_runs_only_what_is_due_and_a_restart_continues_the_stored_schedule() {
    let hub = scheduled_hub("1h").await;
    let once = || hub.run(&["serve", "--once"]);

    let first = once().await;
    assert!(first.status.success(), "{first:?}");
    let runs = hub.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["mode"], "full");

    // A new process an instant later: the stored next run is an hour away, so nothing runs.
    let second = once().await;
    assert!(second.status.success(), "{second:?}");
    assert_eq!(hub.runs().await.len(), 1);

    // Resumed, it is due now; the daily full reconciliation is not, so the run is incremental.
    assert!(hub.run(&["resume", FLOW]).await.status.success());
    let third = once().await;
    assert!(third.status.success(), "{third:?}");
    let runs = hub.runs().await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0]["mode"], "incremental");
    assert_eq!(runs[0]["status"], "succeeded");

    // A failing source makes `--once` exit 1 and leaves the flow retrying.
    hub.sim
        .fail_next("/auth/token", 100_000, Fault::Status(401))
        .unwrap();
    assert!(hub.run(&["resume", FLOW]).await.status.success());
    let failing = once().await;
    assert_eq!(failing.status.code(), Some(1), "{failing:?}");
    let s = status(&hub).await;
    assert_eq!(
        (&s["health"], &s["consecutive_failures"]),
        (&Value::from("retrying"), &Value::from(1)),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_run_lets_the_run_finish_and_then_exits_cleanly() {
    let hub = scheduled_hub("1s").await;
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("serve.log");
    // The first page of agents hangs until released: a run in flight.
    hub.sim.stall("/agents", 0);
    let child = spawn_serve(&hub, &log);
    let (mut child, ()) = while_running(
        child,
        "the run to reach the agents",
        hub.sim.wait_until_stalled(1),
    )
    .await;

    sigterm(&child);
    // It waits for the run rather than exiting under it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        child.try_wait().expect("polling serve").is_none(),
        "serve exited with a run in flight:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    hub.sim.release_stall();
    let exit = bounded(Duration::from_secs(20), "serve to stop", child.wait())
        .await
        .expect("waiting for serve");
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(exit.success(), "serve exited {exit}:\n{log_text}");
    // The run finished, and no new one started although the 1 s interval had passed.
    let runs = hub.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}\n{log_text}");
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
}
