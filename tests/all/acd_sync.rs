//! End to end: the real `ccsync` binary syncs a simulated CXone ACD through the bundled
//! `cxone-acd` WebAssembly connector into the SQLite hub, and what it did is read back through
//! the binary's own `--json` reports (`users list`, `runs`, `log`).
//!
//! Each test starts its own simulator in its tokio runtime and its own workspace; the binary
//! runs as a child process, so the simulator serves it while the test awaits, stalls it, or
//! kills it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::support::{
    FLOW, Hub, TENANT, count, expected_user, field_differences, finish, run_id, user_entries,
    while_running,
};
use ccsync_sim::AcdSimConfig;
use ccsync_sim::acd::{FIRST_AGENT_ID, Fault, Malformation, RequestRecord};
use jiff::Timestamp;
use serde_json::{Value, json};

/// The requests for agent pages in a simulator's request log, in order.
fn agent_requests(log: &[RequestRecord]) -> Vec<&RequestRecord> {
    log.iter().filter(|r| r.path.ends_with("/agents")).collect()
}

/// The value of a query parameter of a logged request, with the escapes an ISO 8601
/// timestamp gets (`:` and `+`) decoded.
fn query_param(request: &RequestRecord, name: &str) -> Option<String> {
    let query = request.query.as_deref()?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.replace("%3A", ":").replace("%2B", "+"))
    })
}

/// The actions of log entries, in order.
fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().expect("an action"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_sync_stores_1000_users_exactly_as_the_source_has_them_field_by_field() {
    let hub = Hub::start(1000, 250).await;
    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "read"), 1000 + hub.catalog_len());
    assert_eq!(count(&report, "created"), 1000 + hub.catalog_len());

    let agents = hub.sim.agents();
    assert_eq!(agents.len(), 1000);
    // The tenant's variety is what makes a field-by-field check worth it.
    assert!(agents.iter().any(|a| !a.is_active));
    assert!(agents.iter().any(|a| a.email_address.is_none()));
    assert!(agents.iter().any(|a| a.telephone1.is_none()));
    assert!(agents.iter().any(|a| a.telephone2.is_some()));
    assert!(agents.iter().any(|a| a.internal_id.is_none()));
    assert!(agents.iter().any(|a| a.location.is_none()));

    let profiles = hub.sim.security_profiles();
    let users = hub.users_by_id().await;
    assert_eq!(users.len(), 1000);
    let mut problems = Vec::new();
    for agent in &agents {
        let id = agent.agent_id.to_string();
        let Some(user) = users.get(&id) else {
            problems.push(format!("{id}: not in the hub"));
            continue;
        };
        let status = if agent.is_active {
            "active"
        } else {
            "deactivated"
        };
        if user["tenant"] != TENANT || user["status"] != status {
            problems.push(format!(
                "{id}: tenant {} status {}, expected {TENANT} {status}",
                user["tenant"], user["status"]
            ));
        }
        let expected = expected_user(agent, &profiles);
        for difference in field_differences(&user["user"], &expected) {
            problems.push(format!("{id}: {difference}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences between the hub and the source, first ones: {:#?}",
        problems.len(),
        &problems[..problems.len().min(20)]
    );
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_sent_with_is_active_as_1_0_and_ids_as_digit_strings_are_read_as_typed_ones() {
    let typed = Hub::start(300, 100).await;
    let mut config = AcdSimConfig::new(42, 300);
    config.string_typed = true;
    let strings = Hub::with_sim(config, 100).await;
    let a = typed.sync(&["--full"]).await;
    let b = strings.sync(&["--full"]).await;
    assert_eq!(count(&b, "invalid"), 0, "{b}");
    assert_eq!(count(&a, "created"), count(&b, "created"));
    // The same hub either way: the connector maps both forms onto one canonical form.
    let without_times = |users: BTreeMap<String, Value>| -> Vec<Value> {
        users.into_values().map(|u| u["user"].clone()).collect()
    };
    assert_eq!(
        without_times(typed.users_by_id().await),
        without_times(strings.users_by_id().await)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_over_an_unchanged_source_writes_nothing() {
    let hub = Hub::start(200, 100).await;
    hub.sync(&["--full"]).await;
    let before = hub.users_by_id().await;
    assert_eq!(before.len(), 200);

    for (mode, agents_read) in [("--full", 200), ("incremental", 0)] {
        let extra: &[&str] = if mode == "--full" { &["--full"] } else { &[] };
        let report = hub.sync(extra).await;
        assert_eq!(report["status"], "succeeded", "{mode}: {report}");
        for name in [
            "created",
            "updated",
            "deactivated",
            "reactivated",
            "invalid",
        ] {
            assert_eq!(count(&report, name), 0, "{mode}: {name} in {report}");
        }
        let read = agents_read + hub.catalog_len();
        assert_eq!(count(&report, "read"), read, "{mode}: {report}");
        assert_eq!(count(&report, "unchanged"), read, "{mode}: {report}");
        let log = hub.log(&["--run", &run_id(&report)]).await;
        assert!(log.is_empty(), "{mode}: the run logged {log:#?}");
    }
    // Not one record was rewritten: their update stamps did not move.
    assert_eq!(hub.users_by_id().await, before);
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_user_is_updated_and_the_log_holds_the_old_and_new_value() {
    let hub = Hub::start(100, 100).await;
    hub.sync(&["--full"]).await;
    let id = hub.active_agent_ids(1)[0];
    let old = hub.sim.agent(id).expect("the agent").first_name;
    hub.sim
        .update_agent(id, |a| a.first_name = Some("Zoë-Renamed".into()))
        .unwrap();

    let report = hub.sync(&[]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "updated"), 1, "{report}");
    assert_eq!(count(&report, "created"), 0, "{report}");
    assert_eq!(count(&report, "deactivated"), 0, "{report}");

    let log = hub.log(&["--user", &id.to_string()]).await;
    let log: Vec<Value> = user_entries(&log).into_iter().cloned().collect();
    assert_eq!(actions(&log), ["create", "update"], "{log:#?}");
    let update = &log[1];
    assert_eq!(update["run"], report["run"]);
    let changes = update["changes"].as_array().expect("changes");
    let fields: Vec<&str> = changes.iter().filter_map(|c| c["field"].as_str()).collect();
    // The name, and the source's change stamp (`lastUpdated`, kept in `extra`).
    assert_eq!(fields, ["first_name", "extra"], "{changes:#?}");
    assert_eq!(changes[0]["old"], json!(old));
    assert_eq!(changes[0]["new"], "Zoë-Renamed");

    let users = hub.users_by_id().await;
    assert_eq!(users[&id.to_string()]["user"]["first_name"], "Zoë-Renamed");
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_inactive_at_the_source_is_deactivated_never_deleted_and_a_vanished_one_only_by_a_full_run()
 {
    let hub = Hub::start(100, 100).await;
    hub.sync(&["--full"]).await;
    let [inactive, vanished] = hub.active_agent_ids(2)[..] else {
        unreachable!()
    };

    // Inactive at the source (W5): deactivated, still listed.
    hub.sim.deactivate_agent(inactive).unwrap();
    let report = hub.sync(&[]).await;
    assert_eq!(count(&report, "deactivated"), 1, "{report}");
    let users = hub.users_by_id().await;
    assert_eq!(users.len(), 100);
    let user = &users[&inactive.to_string()];
    assert_eq!(user["status"], "deactivated");
    assert_eq!(user["user"]["active"], false);
    let log = hub.log(&["--user", &inactive.to_string()]).await;
    let last = user_entries(&log).pop().expect("log entries").clone();
    assert_eq!(last["action"], "deactivate");
    assert_eq!(last["reason"], "inactive at the source");

    // Gone from the source: an incremental read cannot notice it, so nothing changes...
    hub.sim.remove_agent(vanished).unwrap();
    let incremental = hub.sync(&[]).await;
    assert_eq!(count(&incremental, "deactivated"), 0, "{incremental}");
    assert_eq!(
        hub.users_by_id().await[&vanished.to_string()]["status"],
        "active"
    );

    // ...and a full read deactivates it, without deleting it.
    let full = hub.sync(&["--full"]).await;
    assert_eq!(full["status"], "succeeded", "{full}");
    assert_eq!(count(&full, "deactivated"), 1, "{full}");
    let users = hub.users_by_id().await;
    assert_eq!(users.len(), 100, "no user is ever deleted (W5)");
    assert_eq!(users[&vanished.to_string()]["status"], "deactivated");
    assert_eq!(users[&inactive.to_string()]["status"], "deactivated");
    let log = hub.log(&["--user", &vanished.to_string()]).await;
    let last = user_entries(&log).pop().expect("log entries").clone();
    assert_eq!(last["action"], "deactivate");
    assert_eq!(last["reason"], "gone from the source");
    assert_eq!(last["run"], full["run"]);
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_run_reads_only_the_agents_changed_since_the_last_run() {
    let hub = Hub::start(500, 100).await;
    let before_full = Timestamp::now();
    hub.sync(&["--full"]).await;
    let after_full = Timestamp::now();

    let changed: Vec<u64> = [10, 250, 490].map(|i| FIRST_AGENT_ID + i).to_vec();
    for &id in &changed {
        hub.sim
            .update_agent(id, |a| a.location = Some(format!("SITE-{id}")))
            .unwrap();
    }
    hub.sim.reset_request_log();
    let report = hub.sync(&[]).await;
    assert_eq!(report["mode"], "incremental", "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    // Teams and profiles are always read whole; of the agents, only the three changed ones.
    assert_eq!(count(&report, "read"), 3 + hub.catalog_len(), "{report}");
    assert_eq!(count(&report, "updated"), 3, "{report}");

    let log = hub.sim.request_log();
    let pages = agent_requests(&log);
    assert_eq!(pages.len(), 1, "three agents fit one page: {pages:#?}");
    let since_text = query_param(pages[0], "updatedSince").expect("an updatedSince query");
    let since: Timestamp = since_text.parse().expect("an ISO 8601 updatedSince");
    // The watermark is the full run's first page time (millisecond precision).
    assert!(
        since >= before_full - jiff::SignedDuration::from_millis(1) && since <= after_full,
        "updatedSince {since} is not the time of the full run ({before_full} .. {after_full})"
    );
    for &id in &changed {
        assert!(hub.sim.agent(id).unwrap().last_updated > since);
    }
    assert_eq!(pages[0].status, 200);

    // The record updates (the site also moves the WFM accounts of eligible users: their
    // entries are the account log's).
    let log = hub.log(&["--run", &run_id(&report)]).await;
    let entries: Vec<Value> = user_entries(&log).into_iter().cloned().collect();
    assert_eq!(actions(&entries), ["update"; 3]);
    let ids: BTreeSet<String> = entries
        .iter()
        .map(|e| e["source_id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = changed.iter().map(u64::to_string).collect();
    assert_eq!(ids, expected);
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_renewed_between_runs_and_in_the_middle_of_a_run() {
    let hub = Hub::start(300, 100).await;
    hub.sync(&["--full"]).await;

    // Between runs.
    hub.sim.expire_tokens();
    let id = hub.active_agent_ids(1)[0];
    hub.sim
        .update_agent(id, |a| a.last_name = Some("Renewed".into()))
        .unwrap();
    let tokens_before = hub.sim.requests("/auth/token");
    let report = hub.sync(&[]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "updated"), 1, "{report}");
    assert!(hub.sim.requests("/auth/token") > tokens_before);

    // During a run: the token dies while the second page is in flight.
    hub.sim.reset_request_log();
    hub.sim.stall("/agents", 100);
    let child = hub.spawn(&["sync", FLOW, "--json", "--full"]);
    let (child, ()) = while_running(child, "the second page", hub.sim.wait_until_stalled(1)).await;
    hub.sim.expire_tokens();
    hub.sim.release_stall();
    let output = finish(child).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "read"), 300 + hub.catalog_len(), "{report}");
    assert_eq!(count(&report, "unchanged"), 300 + hub.catalog_len());

    let log = hub.sim.request_log();
    let second_page: Vec<_> = agent_requests(&log)
        .into_iter()
        .filter(|r| query_param(r, "skip").as_deref() == Some("100"))
        .collect();
    let statuses: Vec<u16> = second_page.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 200], "{second_page:#?}");
    assert_eq!(second_page[0].query, second_page[1].query);
    let tokens: Vec<u16> = log
        .iter()
        .filter(|r| r.path == "/auth/token")
        .map(|r| r.status)
        .collect();
    assert_eq!(tokens, [200, 200], "one token at the start, one renewal");
    assert_eq!(hub.users().await.len(), 300);
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_read_is_retried_after_the_retry_after_delay() {
    let hub = Hub::start(100, 100).await;
    hub.sim
        .fail_next(
            "/agents",
            1,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        )
        .unwrap();
    let started = Instant::now();
    let child = hub.spawn(&["sync", FLOW, "--json", "--full"]);
    // When the simulator answered the 429, and when it answered the same page again.
    let is_agents = |status: u16| {
        move |log: &[RequestRecord]| agent_requests(log).iter().any(|r| r.status == status)
    };
    let (child, limited_at) =
        while_running(child, "the 429", when_logged(&hub, is_agents(429))).await;
    let (child, retried_at) =
        while_running(child, "the retry", when_logged(&hub, is_agents(200))).await;
    let output = finish(child).await;
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "created"), 100 + hub.catalog_len());

    // Retry-After is 1 s; the engine's own first backoff would be 375..625 ms.
    let gap = retried_at - limited_at;
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}");
    assert!(took >= Duration::from_secs(1), "the run took {took:?}");
    assert!(report["elapsed"].as_f64().unwrap() >= 1.0, "{report}");

    let log = hub.sim.request_log();
    let pages = agent_requests(&log);
    assert!(pages.len() >= 2, "{pages:#?}");
    assert_eq!((pages[0].status, pages[1].status), (429, 200), "{pages:#?}");
    assert_eq!(
        pages[0].query, pages[1].query,
        "the same page is asked again"
    );
    assert_eq!(hub.users().await.len(), 100);
    hub.assert_source_untouched();
}

/// When the simulator's request log first satisfies `logged`, polled every few milliseconds
/// (for tests that measure a delay between two requests; bound it with [`while_running`]).
async fn when_logged(hub: &Hub, logged: impl Fn(&[RequestRecord]) -> bool) -> Instant {
    loop {
        if logged(&hub.sim.request_log()) {
            return Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_between_pages_writes_nothing_and_the_next_run_converges_without_duplicates() {
    let hub = Hub::start(3000, 1000).await;
    hub.sim.stall("/agents", 2000);
    let child = hub.spawn(&["sync", FLOW, "--json"]);
    let (mut child, ()) =
        while_running(child, "the third page", hub.sim.wait_until_stalled(1)).await;
    child.kill().await.expect("killing ccsync"); // SIGKILL, then reaped
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let status = child.wait().await.expect("the killed run's status");
        assert_eq!(status.signal(), Some(9), "{status}");
    }
    hub.sim.release_stall();

    // It had read two pages, and stored none of them: a run applies only a complete read.
    let log = hub.sim.request_log();
    let read: Vec<(Option<String>, u16)> = agent_requests(&log)
        .into_iter()
        .map(|r| (query_param(r, "skip"), r.status))
        .filter(|(skip, _)| skip.as_deref() != Some("2000"))
        .collect();
    assert_eq!(
        read,
        [(Some("0".into()), 200), (Some("1000".into()), 200)],
        "{log:#?}"
    );
    let runs = hub.runs().await;
    assert_eq!(runs.len(), 1, "{runs:#?}");
    let killed = runs[0].clone();
    assert_eq!(
        killed["status"], "running",
        "nothing has looked at it yet: {killed}"
    );
    assert_eq!(killed["counts"]["read"], 0, "{killed}");
    assert_eq!(killed["counts"]["created"], 0, "{killed}");
    assert!(hub.users().await.is_empty(), "the killed run stored users");
    assert!(hub.log(&[]).await.is_empty(), "the killed run logged");

    let report = hub.sync(&[]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(count(&report, "created"), 3000 + hub.catalog_len());

    let users = hub.users_by_id().await;
    let hub_ids: BTreeSet<&str> = users.keys().map(String::as_str).collect();
    let source_ids: Vec<String> = hub
        .sim
        .agents()
        .iter()
        .map(|a| a.agent_id.to_string())
        .collect();
    assert_eq!(source_ids.len(), 3000);
    assert_eq!(
        hub_ids,
        source_ids
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );

    let log = hub.log(&[]).await;
    let mut creates: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in user_entries(&log) {
        assert_eq!(entry["action"], "create", "{entry}");
        assert_eq!(entry["run"], report["run"], "{entry}");
        *creates
            .entry(entry["source_id"].as_str().unwrap())
            .or_default() += 1;
    }
    assert_eq!(creates.len(), 3000);
    assert!(
        creates.values().all(|&n| n == 1),
        "a user was created twice"
    );

    let runs = hub.runs().await;
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert_eq!(runs[0]["id"], report["run"]);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[1]["id"], killed["id"]);
    assert_eq!(
        runs[1]["status"], "interrupted",
        "the next run of the flow, holding the flow's lock, marks the dead run: {}",
        runs[1]
    );
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let hub = Hub::start(100, 100).await;
    let total = 100 + hub.catalog_len();

    let plan = hub.sync(&["--dry-run", "--full"]).await;
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["run"], Value::Null, "a dry run records no run");
    assert_eq!(count(&plan, "created"), total, "{plan}");
    let planned_users: Vec<&Value> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| {
            let id = a["source_id"]
                .as_str()
                .and_then(|id| id.parse::<u64>().ok());
            a["action"] == "create" && id.is_some_and(|id| id >= FIRST_AGENT_ID)
        })
        .collect();
    assert_eq!(planned_users.len(), 100);
    let text = hub.run(&["sync", FLOW, "--dry-run", "--full"]).await;
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("plan: {total} create")), "{text}");
    assert!(text.contains("dry run: nothing was written"), "{text}");
    let first = &hub.sim.agents()[0];
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("create") && l.contains(&first.user_name)),
        "the plan does not list the first user: {text}"
    );
    assert!(hub.runs().await.is_empty());
    assert!(hub.users().await.is_empty());
    assert!(hub.log(&[]).await.is_empty());

    // Over a synced hub: the plan shows the update; the hub, its runs and its watermark stay.
    hub.sync(&["--full"]).await;
    let id = hub.active_agent_ids(1)[0];
    hub.sim
        .update_agent(id, |a| a.email_address = Some("dry.run@example.com".into()))
        .unwrap();
    let before = hub.users_by_id().await;
    let plan = hub.sync(&["--dry-run"]).await;
    assert_eq!(count(&plan, "updated"), 1, "{plan}");
    let update = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "update")
        .expect("the update in the plan");
    assert_eq!(update["source_id"], id.to_string());
    assert!(
        update["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "email" && c["new"] == "dry.run@example.com"),
        "{update}"
    );
    assert_eq!(hub.users_by_id().await, before);
    assert_eq!(hub.runs().await.len(), 1);
    let real = hub.sync(&[]).await;
    assert_eq!(
        count(&real, "updated"),
        1,
        "the dry run moved the watermark"
    );
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_agent_is_logged_invalid_and_neither_blocks_the_others_nor_causes_deactivations()
 {
    let hub = Hub::start(100, 100).await;
    let slot = hub.sim.inject_malformed_agent(Malformation::MissingAgentId);
    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(count(&report, "invalid"), 1, "{report}");
    assert_eq!(
        count(&report, "created"),
        100 + hub.catalog_len(),
        "{report}"
    );
    assert_eq!(hub.users().await.len(), 100);
    let log = hub.log(&["--run", &run_id(&report)]).await;
    let invalid: Vec<&Value> = log.iter().filter(|e| e["action"] == "invalid").collect();
    assert_eq!(invalid.len(), 1, "{log:#?}");
    assert_eq!(invalid[0]["kind"], "user");
    let reason = invalid[0]["reason"].as_str().expect("a reason");
    assert!(reason.contains("agentId is missing"), "{reason}");

    // A full read with a malformed record is partial: it deactivates nothing for being absent.
    let vanished = hub.active_agent_ids(1)[0];
    hub.sim.remove_agent(vanished).unwrap();
    let partial = hub.sync(&["--full"]).await;
    assert_eq!(partial["status"], "partial", "{partial}");
    assert_eq!(count(&partial, "deactivated"), 0, "{partial}");
    assert_eq!(
        hub.users_by_id().await[&vanished.to_string()]["status"],
        "active"
    );

    // Once the source is whole again, a full read does.
    hub.sim.remove_agent(slot).unwrap();
    let complete = hub.sync(&["--full"]).await;
    assert_eq!(complete["status"], "succeeded", "{complete}");
    assert_eq!(count(&complete, "deactivated"), 1, "{complete}");
    assert_eq!(
        hub.users_by_id().await[&vanished.to_string()]["status"],
        "deactivated"
    );
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn w1_no_run_of_any_kind_writes_to_the_source() {
    let hub = Hub::start(150, 50).await;
    hub.sync(&["--dry-run"]).await;
    hub.sync(&["--full"]).await;
    let [changed, inactive, vanished] = hub.active_agent_ids(3)[..] else {
        unreachable!()
    };
    hub.sim
        .update_agent(changed, |a| a.telephone1 = Some("+1 555 0100".into()))
        .unwrap();
    hub.sim.deactivate_agent(inactive).unwrap();
    hub.sim.remove_agent(vanished).unwrap();
    hub.sim.add_agent(|a| a.first_name = Some("New".into()));
    hub.sim.expire_tokens();
    hub.sim.fail_next("/agents", 1, Fault::Status(503)).unwrap();
    let incremental = hub.sync(&[]).await;
    assert_eq!(incremental["status"], "succeeded", "{incremental}");
    let full = hub.sync(&["--full"]).await;
    assert_eq!(full["status"], "succeeded", "{full}");
    assert_eq!(count(&full, "deactivated"), 1, "{full}");
    assert!(hub.sim.request_log().len() > 10);
    assert_eq!(hub.sim.writes(), 0);
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_config_is_refused_with_its_file_line_and_field() {
    let hub = Hub::start(10, 100).await;
    let text = hub
        .config_text(100, true)
        .replace("source = \"acd\"", "source = \"acd-nope\"");
    hub.write_config(&text);
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("source = "))
        .expect("the source line");

    let output = hub.run(&["sync", FLOW, "--json"]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "ccsync.toml:{line}:10: flows.{FLOW}.source: unknown connection \"acd-nope\" (known: acd)"
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(hub.sim.request_log().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn w2_a_flow_with_manual_false_refuses_an_on_demand_sync() {
    let hub = Hub::start(10, 100).await;
    hub.write_config(&hub.config_text(100, false));
    let output = hub.run(&["sync", FLOW]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "flow {FLOW} does not allow on-demand runs (manual = false)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("set `manual = true`"), "{stderr}");
    assert!(hub.sim.request_log().is_empty(), "the refused run read");
    assert!(hub.runs().await.is_empty(), "the refused run was recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_read_that_shrank_suspiciously_deactivates_nothing() {
    let hub = Hub::start(100, 100).await;
    hub.sync(&["--full"]).await;
    // 30 of 100 agents vanish at once: more than the default max_shrink_percent of 20.
    let removed = hub.active_agent_ids(30);
    for &id in &removed {
        hub.sim.remove_agent(id).unwrap();
    }
    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(count(&report, "deactivated"), 0, "{report}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("shrink of more than 20%"), "{notes}");
    let users = hub.users_by_id().await;
    for id in removed {
        assert_eq!(users[&id.to_string()]["status"], "active", "user {id}");
    }
    hub.assert_source_untouched();
}

#[tokio::test(flavor = "multi_thread")]
async fn w3_a_wfm_flow_that_reads_no_teams_says_why_it_creates_no_account() {
    let hub = Hub::start(20, 100).await;
    let config = hub.config_text(100, true).replace(
        r#"kinds = ["team", "security-profile", "user"]"#,
        r#"kinds = ["user"]"#,
    );
    hub.write_config(&config);
    let why = "reads no teams: rule W3 keeps accounts only for users on a `WFM Advanced` team";

    let plan = hub.json(&["plan", FLOW, "--json"]).await;
    assert!(plan.to_string().contains(why), "{plan}");
    let report = hub.sync(&["--full"]).await;
    assert_eq!(count(&report, "created"), 20, "{report}");
    assert_eq!(report["family"]["summary"]["created"], 0, "{report}");
    assert!(
        report["family"]["notes"].to_string().contains(why),
        "{report}"
    );
    let status = hub.json(&["status", "--json"]).await;
    assert!(status.to_string().contains(why), "{status}");
}
