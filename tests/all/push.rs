//! A push flow (rules D) end to end: the ACD simulator's users read into the hub, the
//! operator's selection pushed through the `test-target` component to the writable target of
//! `support::target`, links kept in the hub, and the faults a push must survive.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::support::Hub;
use crate::support::target::Target;

const DIALER: &str = "dialer";

/// A hub with the ACD flow of every test and a push flow of its users to a target.
struct Push {
    hub: Hub,
    target: Target,
}

impl Push {
    /// `extra`: config lines after the push flow's (its own keys, or further tables).
    async fn start(agents: usize, extra: &str) -> Push {
        let hub = Hub::start(agents, 100).await;
        let target = Target::start().await;
        hub.install_plugin(
            "test-target",
            ccsync_bundled::test_plugins::TARGET,
            include_str!("../plugins/test-target/plugin.toml"),
        );
        let base = target.base_url();
        let config = format!(
            r#"{}
[plugins.test-target]
path = "plugins/test-target.wasm"

[connections.target]
plugin = "test-target"
tenant = "dialer-target"
allowed_origins = ["{base}"]

[connections.target.settings]
base-url = "{base}"

[flows.{DIALER}]
source = "acd"
target = "target"
family = "dialer"
kinds = ["user"]
manual = true
{extra}
"#,
            hub.config_text(100, true)
        );
        hub.write_config(&config);
        Push { hub, target }
    }

    async fn push(&self) -> Value {
        self.hub.json(&["sync", DIALER, "--full", "--json"]).await
    }

    /// The first `n` agents' ids, as the hub knows them.
    fn ids(&self, n: usize) -> Vec<String> {
        self.hub
            .sim
            .agents()
            .iter()
            .take(n)
            .map(|a| a.agent_id.to_string())
            .collect()
    }

    async fn select(&self, flag: &str, ids: &[String]) {
        let mut args = vec!["select", DIALER, flag];
        args.extend(ids.iter().map(String::as_str));
        let output = self.hub.run(&args).await;
        assert!(output.status.success(), "{output:?}");
    }

    async fn links(&self, status: Option<&str>) -> Vec<Value> {
        let mut args = vec!["links", "list", DIALER, "--json"];
        if let Some(status) = status {
            args.extend(["--status", status]);
        }
        match self.hub.json(&args).await {
            Value::Array(links) => links,
            other => panic!("not a list: {other}"),
        }
    }

    fn pushed_external_ids(&self) -> BTreeSet<String> {
        self.target
            .records("user")
            .into_values()
            .map(|r| r.external_id)
            .collect()
    }
}

fn external(id: &str) -> String {
    format!("acme/user/{id}")
}

#[tokio::test(flavor = "multi_thread")]
async fn d1_only_selected_users_are_pushed_and_a_second_run_writes_nothing_at_the_target() {
    let push = Push::start(30, "").await;
    // Nothing selected: the users reach the hub, nothing reaches the target.
    let first = push.push().await;
    assert_eq!(first["status"], "succeeded", "{first}");
    assert_eq!(push.target.requests("POST"), 0);

    let chosen = push.ids(5);
    push.select("--add", &chosen).await;
    let listed = push.hub.json(&["select", DIALER, "--list", "--json"]).await;
    let marked: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["selected"] == true)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(marked, chosen.iter().cloned().collect());

    let pushed = push.push().await;
    assert_eq!(pushed["family"]["summary"]["created"], 5, "{pushed}");
    let expected: BTreeSet<String> = chosen.iter().map(|id| external(id)).collect();
    assert_eq!(push.pushed_external_ids(), expected);
    let links = push.links(Some("mapped")).await;
    assert_eq!(links.len(), 5);
    assert!(links.iter().all(|l| l["method"] == "created"), "{links:?}");
    // The link changes are part of the one history `ccsync log` shows.
    let history = push.hub.log(&["--kind", "link", "--flow", DIALER]).await;
    let created: Vec<&Value> = history.iter().filter(|e| e["action"] == "create").collect();
    assert_eq!(created.len(), 5, "{history:?}");
    assert!(
        created.iter().all(|e| e["subject"] == "link"),
        "{history:?}"
    );

    // Unchanged: no write at all.
    let (posts, puts) = (push.target.requests("POST"), push.target.requests("PUT"));
    let again = push.push().await;
    assert_eq!(again["family"]["summary"]["unchanged"], 5, "{again}");
    assert_eq!(
        (push.target.requests("POST"), push.target.requests("PUT")),
        (posts, puts)
    );

    // One changed at the source: one update.
    let changed: u64 = chosen[0].parse().unwrap();
    push.hub
        .sim
        .update_agent(changed, |a| a.first_name = Some("Renamed".into()))
        .unwrap();
    let updated = push.push().await;
    assert_eq!(updated["family"]["summary"]["updated"], 1, "{updated}");
    assert_eq!(push.target.requests("PUT"), puts + 1);
    assert_eq!(push.target.requests("DELETE"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn d4_a_deselected_or_vanished_user_stays_at_the_target_and_its_link_says_so() {
    let push = Push::start(30, "").await;
    push.push().await;
    let chosen = push.ids(4);
    push.select("--add", &chosen).await;
    push.push().await;
    let before = push.target.records("user");

    push.select("--remove", &chosen[..1]).await;
    push.hub
        .sim
        .remove_agent(chosen[1].parse().unwrap())
        .unwrap();
    let writes = push.target.requests("POST") + push.target.requests("PUT");
    let report = push.push().await;
    assert_eq!(report["family"]["summary"]["skipped"], 2, "{report}");
    assert_eq!(
        push.target.requests("POST") + push.target.requests("PUT"),
        writes
    );
    assert_eq!(push.target.requests("DELETE"), 0, "never deletes (rule D4)");
    assert_eq!(push.target.records("user").len(), before.len());
    let shown = push
        .hub
        .json(&["links", "show", DIALER, &chosen[0], "--json"])
        .await;
    assert!(
        shown["link"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("deselected"),
        "{shown}"
    );
    assert_eq!(shown["link"]["status"], "mapped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_the_target_refuses_is_logged_rejected_and_the_others_land() {
    let push = Push::start(30, "").await;
    push.push().await;
    let chosen = push.ids(3);
    let refused = push.hub.sim.agent(chosen[1].parse().unwrap()).unwrap();
    push.target.refuse_username(&refused.user_name);
    push.select("--add", &chosen).await;
    let report = push.push().await;
    assert_eq!(report["family"]["summary"]["created"], 2, "{report}");
    assert_eq!(report["family"]["summary"]["rejected"], 1, "{report}");
    let failed = push.links(Some("failed")).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["source_id"], chosen[1]);
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("username is not allowed here"),
        "{failed:?}"
    );
    let shown = push
        .hub
        .json(&["links", "show", DIALER, &chosen[1], "--json"])
        .await;
    assert_eq!(
        shown["log"].as_array().unwrap().last().unwrap()["action"],
        "rejected"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_on_a_write_is_waited_out_and_the_record_lands_once() {
    let push = Push::start(10, "").await;
    push.push().await;
    let chosen = push.ids(2);
    push.select("--add", &chosen).await;
    push.target.rate_limit_next_writes(1);
    let report = push.push().await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["family"]["summary"]["created"], 2, "{report}");
    assert_eq!(push.target.records("user").len(), 2);
    assert_eq!(push.target.requests("POST"), 3, "one 429, then two creates");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_reply_is_lost_after_the_target_stored_it_is_not_duplicated() {
    // The host gives up on a reply after one second; the target answers after three.
    let push = Push::start(10, "[runtime]\nhttp_timeout = \"1s\"").await;
    push.push().await;
    let chosen = push.ids(2);
    push.select("--add", &chosen).await;
    push.target.lose_next_create_reply(Duration::from_secs(3));
    let report = push.push().await;
    assert_eq!(report["status"], "succeeded", "{report}");
    let stored = push.target.records("user");
    assert_eq!(stored.len(), 2, "no duplicate: {stored:?}");
    let links = push.links(Some("mapped")).await;
    let linked: BTreeSet<&str> = links
        .iter()
        .map(|l| l["target_id"].as_str().unwrap())
        .collect();
    let held: BTreeSet<&str> = stored.keys().map(String::as_str).collect();
    assert_eq!(linked, held, "each link holds the id the target gave");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_link_is_never_overridden_and_an_ignored_record_is_left_alone() {
    let push = Push::start(10, "").await;
    push.push().await;
    let chosen = push.ids(3);
    push.select("--add", &chosen).await;
    push.push().await;
    let original = push.links(None).await;
    let first_target = original[0]["target_id"].as_str().unwrap().to_owned();
    let second_target = original[1]["target_id"].as_str().unwrap().to_owned();

    // Pinned to another target record: the next run updates that one, and keeps the pin.
    let pinned = push
        .hub
        .json(&["links", "pin", DIALER, &chosen[0], &second_target, "--json"])
        .await;
    assert_eq!(pinned["method"], "manual", "{pinned}");
    let ignored = push
        .hub
        .run(&[
            "links",
            "ignore",
            DIALER,
            &chosen[2],
            "--reason",
            "test user",
        ])
        .await;
    assert!(ignored.status.success(), "{ignored:?}");
    push.hub
        .sim
        .update_agent(chosen[2].parse().unwrap(), |a| {
            a.first_name = Some("X".into())
        })
        .unwrap();
    let puts = push.target.requests("PUT");
    push.push().await;
    assert_eq!(
        push.target.requests("PUT"),
        puts + 1,
        "only the pinned record"
    );
    let shown = push
        .hub
        .json(&["links", "show", DIALER, &chosen[0], "--json"])
        .await;
    assert_eq!(shown["link"]["method"], "manual", "{shown}");
    assert_eq!(shown["link"]["target_id"], second_target);
    assert_ne!(second_target, first_target);
    let actions: Vec<&str> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["select", "create", "pin", "update"], "{shown}");

    // A record this flow created cannot be unlinked (ignored or not): the next run would
    // create it a second time. A pin can be.
    let refused = push.hub.run(&["links", "unlink", DIALER, &chosen[2]]).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("create it a second time"), "{stderr}");
    assert_eq!(push.links(Some("ignored")).await.len(), 1);
    let unlinked = push
        .hub
        .json(&["links", "unlink", DIALER, &chosen[0], "--json"])
        .await;
    assert_eq!(unlinked, Value::Null, "the link is gone");
}

/// Replaces the push flow's target plugin with `name`, signed with `manifest`.
fn retarget(push: &Push, name: &str, component: &[u8], manifest: &str) {
    push.hub.install_plugin(name, component, manifest);
    let config = std::fs::read_to_string(push.hub.dir().join("ccsync.toml"))
        .unwrap()
        .replace("plugin = \"test-target\"", &format!("plugin = \"{name}\""))
        .replace(
            "[plugins.test-target]",
            &format!("[plugins.{name}]\npath = \"plugins/{name}.wasm\"\n\n[plugins.test-target]"),
        );
    push.hub.write_config(&config);
}

/// A push run that must fail; its error.
async fn failing_push(push: &Push) -> String {
    let output = push.hub.run(&["sync", DIALER, "--json"]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["error"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_through_a_connector_that_cannot_write_fails_the_run_with_its_reason() {
    let push = Push::start(5, "").await;
    retarget(
        &push,
        "reader",
        ccsync_bundled::test_plugins::WELL_BEHAVED,
        "name = \"test-well-behaved\"\nversion = \"1.0.0\"\nvendor = \"tests\"\n\
         reads = [\"user\"]\nwrites = []\norigins = [\"http://127.0.0.1:*\"]\n",
    );
    push.push().await;
    push.select("--add", &push.ids(1)).await;
    let error = failing_push(&push).await;
    assert!(error.contains("create: not supported"), "{error}");
    assert!(error.contains("test-connector is read-only"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_to_a_target_that_speaks_contract_0_1_0_is_refused_with_why() {
    let push = Push::start(5, "").await;
    retarget(
        &push,
        "legacy",
        ccsync_bundled::test_plugins::LEGACY_0_1,
        include_str!("../plugins/legacy-connector/plugin.toml"),
    );
    push.push().await;
    push.select("--add", &push.ids(1)).await;
    let error = failing_push(&push).await;
    assert!(error.contains("speaks ccsync:connector@0.1.0"), "{error}");
    assert!(error.contains("create a record twice"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_flow_whose_actions_leave_out_update_never_updates_and_says_why() {
    let push = Push::start(10, "actions = [\"create\"]").await;
    push.push().await;
    let chosen = push.ids(1);
    push.select("--add", &chosen).await;
    push.push().await;
    push.hub
        .sim
        .update_agent(chosen[0].parse().unwrap(), |a| {
            a.first_name = Some("Changed".into())
        })
        .unwrap();
    let report = push.push().await;
    assert_eq!(report["family"]["summary"]["updated"], 0, "{report}");
    assert_eq!(push.target.requests("PUT"), 0);
    let shown = push
        .hub
        .json(&["links", "show", DIALER, &chosen[0], "--json"])
        .await;
    assert!(
        shown["link"]["reason"]
            .as_str()
            .unwrap()
            .contains("leave out update"),
        "{shown}"
    );
}
