//! The dialer flow (rules D1–D4) end to end: the ACD simulator's users, skills (campaigns),
//! dispositions and unavailable codes (agent statuses) read into the hub through `cxone-acd`,
//! the operator's selection pushed through the bundled `ivinex` component to the Ivinex
//! simulator, and what the dialer's administrator sees there.

use std::collections::BTreeSet;

use ccsync_sim::ivinex::{Fault, RecordKind};
use ccsync_sim::{IvinexSim, IvinexSimConfig};
use serde_json::Value;

use crate::support::Hub;

const DIALER: &str = "dialer";

/// A hub with the ACD flow of every test and a dialer flow of users and the three lists into
/// a simulated Ivinex.
struct Dialer {
    hub: Hub,
    ivinex: IvinexSim,
}

impl Dialer {
    /// `runtime`: lines of a `[runtime]` table (empty for the defaults).
    async fn start(agents: usize, runtime: &str) -> Dialer {
        let hub = Hub::start(agents, 100).await;
        let ivinex = IvinexSim::start(IvinexSimConfig::new(7))
            .await
            .expect("starting the Ivinex simulator");
        let plugin = ccsync_bundled::connector("ivinex").expect("the ivinex connector is bundled");
        hub.install_plugin("ivinex", plugin.component, plugin.manifest);
        let base = ivinex.base_url();
        let credentials = ivinex.credentials();
        let runtime = if runtime.is_empty() {
            String::new()
        } else {
            format!("\n[runtime]\n{runtime}\n")
        };
        let config = format!(
            r#"{}
[plugins.ivinex]
path = "plugins/ivinex.wasm"

[connections.ivinex]
plugin = "ivinex"
tenant = "dialer"
allowed_origins = ["{base}"]

[connections.ivinex.settings]
base-url = "{base}"
client-id = "{client_id}"
client-secret = "{client_secret}"

[flows.{DIALER}]
source = "acd"
target = "ivinex"
family = "dialer"
kinds = ["user", "campaign", "disposition", "agent-status"]
{runtime}"#,
            hub.config_text(100, true),
            client_id = credentials.client_id,
            client_secret = credentials.client_secret,
        );
        hub.write_config(&config);
        Dialer { hub, ivinex }
    }

    async fn sync(&self, extra: &[&str]) -> Value {
        let mut args = vec!["sync", DIALER];
        args.extend_from_slice(extra);
        args.push("--json");
        let report = self.hub.json(&args).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        report
    }

    async fn select(&self, kind: &str, flag: &str, ids: &[String]) {
        let mut args = vec!["select", DIALER, "--kind", kind, flag];
        args.extend(ids.iter().map(String::as_str));
        let output = self.hub.run(&args).await;
        assert!(output.status.success(), "{output:?}");
    }

    /// The first `n` active agents' ids.
    fn agent_ids(&self, n: usize) -> Vec<String> {
        self.hub
            .active_agent_ids(n)
            .iter()
            .map(u64::to_string)
            .collect()
    }

    /// The external ids of the users ccsync created at Ivinex.
    fn pushed_users(&self) -> BTreeSet<String> {
        self.ivinex
            .users()
            .into_iter()
            .filter_map(|u| u.external_id)
            .collect()
    }
}

fn external(kind: &str, id: &str) -> String {
    format!("acme/{kind}/{id}")
}

#[tokio::test(flavor = "multi_thread")]
async fn d1_only_selected_users_are_pushed_and_a_second_run_changes_nothing_at_the_target() {
    let d = Dialer::start(40, "").await;
    // Nothing selected: the records reach the hub, nothing reaches Ivinex, and status says so.
    d.sync(&["--full"]).await;
    assert_eq!(d.ivinex.requests_with("POST", "/api/v1/users"), 0);
    let status = d.hub.json(&["status", "--json"]).await;
    let notes = status
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flow"] == DIALER)
        .map(|f| f["notes"].to_string())
        .unwrap();
    assert!(
        notes.contains("nothing is pushed until records are selected"),
        "{notes}"
    );

    let chosen = d.agent_ids(6);
    d.select("user", "--add", &chosen).await;
    let listed = d.hub.json(&["select", DIALER, "--list", "--json"]).await;
    let marked: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["selected"] == true)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(marked, chosen.iter().cloned().collect());

    d.sync(&[]).await;
    let expected: BTreeSet<String> = chosen.iter().map(|id| external("user", id)).collect();
    assert_eq!(d.pushed_users(), expected);

    // A second run writes nothing: no create, no update, not even a read of a user.
    d.ivinex.reset_request_log();
    let again = d.sync(&[]).await;
    assert_eq!(again["family"]["summary"]["created"], 0, "{again}");
    assert_eq!(d.ivinex.requests_with("POST", "/api/v1"), 0);
    assert_eq!(d.ivinex.requests_with("PATCH", "/api/v1"), 0);
    assert_eq!(d.ivinex.delete_calls(), 0);

    // A user new at the source is not selected, and status says so.
    let new = d
        .hub
        .sim
        .add_agent(|a| a.first_name = Some("Newcomer".into()));
    d.sync(&[]).await;
    assert!(
        !d.pushed_users()
            .contains(&external("user", &new.to_string()))
    );
    let status = d.hub.run(&["status"]).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("1 new at the source since the selection last changed, not selected"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn d2_users_land_in_call_center_agents_without_a_password_and_are_listed_until_one_is_set() {
    let d = Dialer::start(20, "").await;
    d.sync(&["--full"]).await;
    let chosen = d.agent_ids(3);
    d.select("user", "--add", &chosen).await;
    d.sync(&[]).await;
    let pushed: Vec<_> = d
        .ivinex
        .users()
        .into_iter()
        .filter(|u| u.external_id.is_some())
        .collect();
    assert_eq!(pushed.len(), 3);
    for user in &pushed {
        assert_eq!(user.groups, ["Call Center Agents"], "{user:?}");
        assert!(!user.password_set);
    }
    let needing = d
        .hub
        .json(&["dialer", "needs-password", DIALER, "--json"])
        .await;
    assert_eq!(needing.as_array().unwrap().len(), 3, "{needing}");

    // An administrator sets one password by hand: that user drops off the list.
    d.ivinex.set_password(pushed[0].id, true).unwrap();
    let needing = d
        .hub
        .json(&["dialer", "needs-password", DIALER, "--json"])
        .await;
    let ids: Vec<&str> = needing
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["target_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{needing}");
    assert!(!ids.contains(&pushed[0].id.to_string().as_str()));
    let text = d.hub.run(&["dialer", "needs-password", DIALER]).await;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("2 of 3 users pushed to ivinex need a password"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn d3_campaigns_dispositions_and_agent_statuses_land_in_their_cc_lists_each_kind_on_its_own()
{
    let d = Dialer::start(10, "").await;
    d.sync(&["--full"]).await;
    d.hub
        .run(&["select", DIALER, "--kind", "campaign", "--all"])
        .await;
    d.hub
        .run(&["select", DIALER, "--kind", "disposition", "--all"])
        .await;
    d.hub
        .run(&["select", DIALER, "--kind", "agent-status", "--all"])
        .await;

    // The campaigns alone, as the seed's separate Synchronize links do.
    d.sync(&["--kind", "campaign"]).await;
    let from_ccsync = |kind| {
        d.ivinex
            .items(kind)
            .into_iter()
            .filter(|i| i.external_id.is_some())
            .collect::<Vec<_>>()
    };
    // Only what is active at the source is pushed (an inactive one is not created there).
    let campaigns = from_ccsync(RecordKind::Campaign);
    let active = d.hub.sim.campaigns().iter().filter(|c| c.is_active).count();
    assert_eq!(campaigns.len(), active);
    assert!(
        campaigns.iter().all(|c| c.list == "CC Campaigns"),
        "{campaigns:?}"
    );
    assert!(from_ccsync(RecordKind::Disposition).is_empty());

    d.sync(&[]).await;
    let dispositions = from_ccsync(RecordKind::Disposition);
    assert_eq!(dispositions.len(), d.hub.sim.dispositions().len());
    assert!(dispositions.iter().all(|i| i.list == "CC Dispositions"));
    let statuses = from_ccsync(RecordKind::AgentStatus);
    let active = d
        .hub
        .sim
        .unavailable_codes()
        .iter()
        .filter(|c| c.is_active)
        .count();
    assert_eq!(statuses.len(), active);
    assert!(statuses.iter().all(|i| i.list == "CC Agent Status"));

    let refused = d.hub.run(&["sync", "acd-wfm", "--kind", "user"]).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("only a push flow syncs one kind"),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn d4_a_changed_user_is_updated_and_a_deselected_or_vanished_one_stays_untouched() {
    let d = Dialer::start(20, "").await;
    d.sync(&["--full"]).await;
    let chosen = d.agent_ids(4);
    d.select("user", "--add", &chosen).await;
    d.sync(&[]).await;
    let at_ivinex = |id: &str| {
        d.ivinex
            .users()
            .into_iter()
            .find(|u| u.external_id.as_deref() == Some(external("user", id).as_str()))
            .expect("pushed")
    };
    // An administrator adds one pushed user to Supervisors by hand: an update keeps it.
    let first = at_ivinex(&chosen[0]);
    d.ivinex
        .edit_user(first.id, |u| u.groups.push("Supervisors".into()))
        .unwrap();

    d.hub
        .sim
        .update_agent(chosen[0].parse().unwrap(), |a| {
            a.last_name = Some("Changed".into())
        })
        .unwrap();
    d.select("user", "--remove", &chosen[1..2]).await;
    d.hub
        .sim
        .deactivate_agent(chosen[2].parse().unwrap())
        .unwrap();
    let before_deselected = at_ivinex(&chosen[1]);
    let before_gone = at_ivinex(&chosen[2]);

    let report = d.sync(&["--full"]).await;
    assert_eq!(report["family"]["summary"]["updated"], 1, "{report}");
    let updated = at_ivinex(&chosen[0]);
    assert_eq!(updated.last_name.as_deref(), Some("Changed"));
    assert_eq!(updated.groups, ["Call Center Agents", "Supervisors"]);
    assert_eq!(
        at_ivinex(&chosen[1]),
        before_deselected,
        "deselected: untouched"
    );
    assert_eq!(
        at_ivinex(&chosen[2]),
        before_gone,
        "gone at the source: untouched"
    );
    assert_eq!(
        d.ivinex.delete_calls(),
        0,
        "rule D4: nothing is ever deleted"
    );

    let link = d
        .hub
        .json(&["links", "show", DIALER, &chosen[1], "--json"])
        .await;
    assert!(
        link["link"]["reason"]
            .as_str()
            .unwrap()
            .contains("deselected"),
        "{link}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn d_one_user_ivinex_refuses_is_rejected_with_its_reason_while_the_others_land() {
    let d = Dialer::start(20, "").await;
    let chosen = d.agent_ids(3);
    d.hub
        .sim
        .update_agent(chosen[1].parse().unwrap(), |a| {
            a.email_address = Some("not an address".into())
        })
        .unwrap();
    d.sync(&["--full"]).await;
    d.select("user", "--add", &chosen).await;
    let report = d.sync(&[]).await;
    assert_eq!(report["family"]["summary"]["created"], 2, "{report}");
    assert_eq!(report["family"]["summary"]["rejected"], 1, "{report}");
    let link = d
        .hub
        .json(&["links", "show", DIALER, &chosen[1], "--json"])
        .await;
    assert_eq!(link["link"]["status"], "failed", "{link}");
    assert!(
        link["link"]["reason"].as_str().unwrap().contains("email"),
        "the target's reason names the field: {link}"
    );
    assert_eq!(d.pushed_users().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn d_a_create_whose_reply_was_lost_does_not_duplicate_on_the_next_run() {
    // The lost reply is held until the client gives up: a short HTTP timeout keeps it brief.
    let d = Dialer::start(10, "http_timeout = \"2s\"\nwall_timeout = \"10s\"").await;
    d.sync(&["--full"]).await;
    let chosen = d.agent_ids(2);
    d.select("user", "--add", &chosen).await;
    d.ivinex
        .fail_next_method("POST", "/api/v1/users", 1, Fault::LoseReply)
        .unwrap();
    d.sync(&[]).await;
    // The first create was stored and its reply lost; the run looked the user up by its
    // external id instead of creating it again.
    let log = d.ivinex.request_log();
    let look_ups = log
        .iter()
        .filter(|r| {
            r.method == "GET" && r.query.as_deref().is_some_and(|q| q.contains("externalId"))
        })
        .count();
    assert!(look_ups >= 1, "{log:?}");
    assert_eq!(
        d.ivinex.counts(RecordKind::User).conflicts,
        0,
        "never created twice"
    );
    // However the run went on (a look-up after the timeout, or a retry the 409 resolves),
    // each user is at Ivinex once and linked to the one record.
    let users: Vec<_> = d
        .ivinex
        .users()
        .into_iter()
        .filter(|u| u.external_id.is_some())
        .collect();
    assert_eq!(users.len(), 2, "{users:?}");
    d.sync(&[]).await;
    assert_eq!(d.pushed_users().len(), 2);
    let links = d
        .hub
        .json(&["links", "list", DIALER, "--status", "mapped", "--json"])
        .await;
    assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
}
