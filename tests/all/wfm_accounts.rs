//! End to end: the WFM employee accounts the hub derives from its records (rules W3–W6),
//! through the real `ccsync` binary, the bundled `cxone-acd` connector and simulated ACDs.
//!
//! Each test starts its own simulators (one per ACD tenant) and workspace; every expectation
//! is computed from the simulator's own data, never from what ccsync printed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use ccsync_plugin::{Manifest, SecretKey, TrustStore};
use ccsync_sim::acd::Agent;
use ccsync_sim::{AcdSim, AcdSimConfig};
use serde_json::Value;
use tempfile::TempDir;

const VIEW_SCHEDULE: &str = "WFM > MyZone > View Personal Schedule";
const TIMEOUT: Duration = Duration::from_secs(120);
const AGENTS: usize = 200;

/// One simulated ACD tenant feeding the workspace's WFM store through its own flow.
struct Acd {
    tenant: &'static str,
    sim: AcdSim,
}

impl Acd {
    fn flow(&self) -> String {
        format!("wfm-{}", self.tenant)
    }

    fn env(&self, secret: &str) -> String {
        format!("CCSYNC_TEST_WFM_{}_{secret}", self.tenant.to_uppercase())
    }

    /// Whether the agent's team carries WFM Advanced at the source.
    fn team_has_wfm(&self, agent: &Agent) -> bool {
        self.sim
            .teams()
            .iter()
            .any(|t| t.team_id == agent.team_id && t.wfm2_enabled)
    }

    /// The agents that must have an active account (rule W4, W5).
    fn eligible(&self) -> BTreeSet<String> {
        self.sim
            .agents()
            .iter()
            .filter(|a| a.is_active && self.team_has_wfm(a))
            .map(|a| a.agent_id.to_string())
            .collect()
    }

    /// An eligible agent not in `except`, with every required field present.
    fn complete_eligible(&self, except: &[u64]) -> Agent {
        self.sim
            .agents()
            .into_iter()
            .find(|a| {
                a.is_active
                    && self.team_has_wfm(a)
                    && !except.contains(&a.agent_id)
                    && a.email_address.is_some()
                    && a.internal_id.is_some()
                    && a.last_name.is_some()
                    && a.first_name.is_some()
            })
            .expect("an eligible agent with every field")
    }

    /// A team of the other kind than `wfm` says.
    fn team(&self, wfm: bool) -> u64 {
        self.sim
            .teams()
            .iter()
            .find(|t| t.wfm2_enabled == wfm && t.is_active)
            .expect("a team of each kind")
            .team_id
    }
}

/// A workspace whose WFM store `wfm` is fed by one flow per ACD.
struct Workspace {
    acds: Vec<Acd>,
    config: PathBuf,
    _dir: TempDir,
}

impl Workspace {
    async fn start(tenants: &[&'static str]) -> Workspace {
        let mut acds = Vec::new();
        for &tenant in tenants {
            // The same seed: the tenants have the same agent ids (rule W3 must keep them apart).
            let sim = AcdSim::start(AcdSimConfig::new(42, AGENTS))
                .await
                .expect("starting an ACD simulator");
            acds.push(Acd { tenant, sim });
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        install_signed_connector(&dir);
        let config = dir.path().join("ccsync.toml");
        let mut text =
            "data_dir = \"data\"\n\n[plugins.cxone-acd]\npath = \"plugins/cxone-acd.wasm\"\n"
                .to_owned();
        for acd in &acds {
            let base = acd.sim.base_url();
            let credentials = acd.sim.credentials();
            text += &format!(
                r#"
[connections.acd-{t}]
plugin = "cxone-acd"
tenant = "{t}"
allowed_origins = ["{base}"]

[connections.acd-{t}.settings]
auth-url = "{base}"
tenant-id = "{tenant_id}"
client-id = "{client_id}"
access-key-id = "{key_id}"
page-size = "100"

[connections.acd-{t}.secrets]
client-secret = {{ env = "{client_env}" }}
access-key-secret = {{ env = "{key_env}" }}

[flows.{flow}]
source = "acd-{t}"
target = "wfm"
kinds = ["team", "security-profile", "user"]
manual = true
# These tests are about the account rules; the safety stop has its own (tests/safety.rs).
max_deactivations = 100000
max_deactivation_percent = 100
"#,
                t = acd.tenant,
                tenant_id = acd.sim.tenant_id(),
                client_id = credentials.client_id,
                key_id = credentials.access_key_id,
                client_env = acd.env("CLIENT_SECRET"),
                key_env = acd.env("ACCESS_KEY_SECRET"),
                flow = acd.flow(),
            );
        }
        std::fs::write(&config, text).expect("writing ccsync.toml");
        Workspace {
            acds,
            config,
            _dir: dir,
        }
    }

    fn acd(&self) -> &Acd {
        &self.acds[0]
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("CCSYNC_CONFIG")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for acd in &self.acds {
            let credentials = acd.sim.credentials();
            command
                .env(acd.env("CLIENT_SECRET"), credentials.client_secret)
                .env(acd.env("ACCESS_KEY_SECRET"), credentials.access_key_secret);
        }
        tokio::time::timeout(TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| panic!("`ccsync {}` did not finish in time", args.join(" ")))
            .expect("running ccsync")
    }

    async fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "`ccsync {}` failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON output")
    }

    /// A full run of the flow of `acd`, which must succeed; its report.
    async fn sync(&self, acd: &Acd) -> Value {
        let report = self.json(&["sync", &acd.flow(), "--full", "--json"]).await;
        assert_eq!(report["status"], "succeeded", "{report}");
        report
    }

    /// Every account, by (tenant, id).
    async fn accounts(&self) -> BTreeMap<(String, String), Value> {
        let list = self.json(&["accounts", "list", "--json"]).await;
        let mut out = BTreeMap::new();
        for account in list.as_array().expect("a list") {
            assert_eq!(account["store"], "wfm");
            let key = (
                account["tenant"].as_str().unwrap().to_owned(),
                account["source_id"].as_str().unwrap().to_owned(),
            );
            assert!(out.insert(key, account.clone()).is_none(), "listed twice");
        }
        out
    }

    /// The accounts of one tenant, by id.
    async fn accounts_of(&self, acd: &Acd) -> BTreeMap<String, Value> {
        self.accounts()
            .await
            .into_iter()
            .filter(|((tenant, _), _)| tenant == acd.tenant)
            .map(|((_, id), account)| (id, account))
            .collect()
    }

    /// The account log of one account (or all, with `None`), oldest first.
    async fn account_log(&self, id: Option<&str>) -> Vec<Value> {
        let mut args = vec!["accounts", "log", "--json", "--limit", "1000000"];
        if let Some(id) = id {
            args.extend(["--id", id]);
        }
        match self.json(&args).await {
            Value::Array(entries) => entries,
            other => panic!("not a list: {other}"),
        }
    }

    fn write_csv(&self, name: &str, text: &str) -> String {
        let path = self._dir.path().join(name);
        std::fs::write(&path, text).expect("writing the CSV");
        path.display().to_string()
    }
}

fn install_signed_connector(dir: &TempDir) {
    let plugin = ccsync_bundled::connector("cxone-acd").expect("cxone-acd is bundled");
    let manifest = Manifest::from_toml_str(plugin.manifest, "plugins/cxone-acd/plugin.toml")
        .expect("the bundled manifest");
    let key = SecretKey::generate().expect("a vendor key");
    let signed = ccsync_plugin::sign(plugin.component, &manifest, &key).expect("signing");
    std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
    std::fs::write(dir.path().join("plugins/cxone-acd.wasm"), signed).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    TrustStore::open(dir.path().join("data/trust.json"))
        .and_then(|mut trust| trust.add(key.public_key(), "wfm account tests"))
        .expect("trusting the test key");
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn w4_team_without_wfm_advanced_is_not_synced() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let report = ws.sync(acd).await;
    let eligible = acd.eligible();
    let accounts = ws.accounts_of(acd).await;
    let ids: BTreeSet<String> = accounts.keys().cloned().collect();
    assert_eq!(
        ids, eligible,
        "accounts exist exactly for WFM Advanced teams"
    );
    assert!(
        eligible.len() < AGENTS,
        "the tenant has users on other teams"
    );
    assert!(accounts.values().all(|a| a["status"] == "active"));
    assert_eq!(report["family"]["target"], "wfm", "{report}");
    assert_eq!(
        report["family"]["summary"]["created"],
        eligible.len(),
        "{report}"
    );

    // Each user left out is logged once as a skip with the reason, not on every run.
    let log = ws.account_log(None).await;
    let skipped: Vec<&Value> = log.iter().filter(|e| e["action"] == "skip").collect();
    assert_eq!(skipped.len(), AGENTS - eligible.len());
    let on_other_team = acd
        .sim
        .agents()
        .into_iter()
        .find(|a| a.is_active && !acd.team_has_wfm(a))
        .expect("an active agent on a team without WFM Advanced");
    let entry = skipped
        .iter()
        .find(|e| e["source_id"].as_str() == Some(&*on_other_team.agent_id.to_string()))
        .expect("its skip");
    assert_eq!(entry["reason"], "team without WFM Advanced");
    ws.sync(acd).await;
    assert_eq!(
        ws.account_log(None).await.len(),
        log.len(),
        "a rerun logs nothing"
    );
    assert_eq!(acd.sim.writes(), 0, "nothing written to the source (W1)");
}

#[tokio::test(flavor = "multi_thread")]
async fn w4_schedule_visibility_follows_the_permission() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    ws.sync(acd).await;
    let profiles = acd.sim.security_profiles();
    let visible_profile = |profile_id: u64| {
        profiles
            .iter()
            .find(|p| p.security_profile_id == profile_id)
            .expect("a known profile")
            .permissions
            .iter()
            .any(|p| p == VIEW_SCHEDULE)
    };
    let accounts = ws.accounts_of(acd).await;
    let mut seen = BTreeSet::new();
    for agent in acd.sim.agents() {
        if let Some(account) = accounts.get(&agent.agent_id.to_string()) {
            let expected = visible_profile(agent.profile_id);
            assert_eq!(account["schedule_visible"], expected, "{account}");
            seen.insert(expected);
        }
    }
    assert_eq!(seen.len(), 2, "both visibilities occur");

    // Moving a user to a profile without the permission hides the schedule.
    let agent = acd
        .sim
        .agents()
        .into_iter()
        .find(|a| accounts.contains_key(&a.agent_id.to_string()) && visible_profile(a.profile_id))
        .expect("an account with a visible schedule");
    let hidden = profiles
        .iter()
        .find(|p| !p.permissions.iter().any(|p| p == VIEW_SCHEDULE))
        .expect("a profile without the permission")
        .security_profile_id;
    acd.sim
        .update_agent(agent.agent_id, |a| a.profile_id = hidden)
        .unwrap();
    ws.sync(acd).await;
    let id = agent.agent_id.to_string();
    assert_eq!(ws.accounts_of(acd).await[&id]["schedule_visible"], false);
    let log = ws.account_log(Some(&id)).await;
    let last = log.last().expect("entries");
    assert_eq!(last["action"], "update");
    let change = last["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "schedule_visible")
        .expect("the schedule change");
    assert_eq!(
        (change["old"].clone(), change["new"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w4_user_leaving_an_eligible_team_is_deactivated_and_returns() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    ws.sync(acd).await;
    let total = ws.accounts().await.len();
    let agent = acd.complete_eligible(&[]);
    let id = agent.agent_id.to_string();
    let created_at = ws.accounts_of(acd).await[&id]["created_at"].clone();

    // Looked up first: the simulator's update holds its lock while the closure runs.
    let other_team = acd.team(false);
    acd.sim
        .update_agent(agent.agent_id, |a| a.team_id = other_team)
        .unwrap();
    ws.sync(acd).await;
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(account["status"], "deactivated");
    assert_eq!(
        account["status_reason"],
        "moved to a team without WFM Advanced"
    );

    acd.sim
        .update_agent(agent.agent_id, |a| a.team_id = agent.team_id)
        .unwrap();
    ws.sync(acd).await;
    let accounts = ws.accounts().await;
    assert_eq!(accounts.len(), total, "reactivated, not duplicated");
    let account = &accounts[&("acme".to_owned(), id.clone())];
    assert_eq!(account["status"], "active");
    assert_eq!(account["created_at"], created_at);

    // The team itself loses the feature: every account on it is deactivated, then returns.
    let team_members: BTreeSet<String> = acd
        .sim
        .agents()
        .iter()
        .filter(|a| a.team_id == agent.team_id && a.is_active)
        .map(|a| a.agent_id.to_string())
        .collect();
    acd.sim.set_team_features(agent.team_id, false).unwrap();
    ws.sync(acd).await;
    let accounts = ws.accounts_of(acd).await;
    for member in &team_members {
        assert_eq!(accounts[member]["status"], "deactivated");
        assert_eq!(accounts[member]["status_reason"], "team lost WFM Advanced");
    }
    assert_eq!(accounts.len(), total);
    acd.sim.set_team_features(agent.team_id, true).unwrap();
    ws.sync(acd).await;
    let accounts = ws.accounts_of(acd).await;
    assert!(
        team_members
            .iter()
            .all(|m| accounts[m]["status"] == "active")
    );
    let log = ws.account_log(Some(&id)).await;
    assert_eq!(
        actions(&log),
        [
            "create",
            "deactivate",
            "reactivate",
            "deactivate",
            "reactivate"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w5_accounts_are_never_deleted_only_deactivated_and_reactivated() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    ws.sync(acd).await;
    let total = ws.accounts().await.len();
    let inactive = acd.complete_eligible(&[]).agent_id;
    let gone = acd.complete_eligible(&[inactive]).agent_id;
    acd.sim.deactivate_agent(inactive).unwrap();
    acd.sim.remove_agent(gone).unwrap();
    ws.sync(acd).await;
    let accounts = ws.accounts_of(acd).await;
    assert_eq!(accounts.len(), total, "no account is ever deleted");
    let (a, g) = (
        &accounts[&inactive.to_string()],
        &accounts[&gone.to_string()],
    );
    assert_eq!(
        (&a["status"], &a["status_reason"]),
        (&"deactivated".into(), &"inactive at the source".into())
    );
    assert_eq!(
        (&g["status"], &g["status_reason"]),
        (&"deactivated".into(), &"gone from the source".into())
    );

    acd.sim
        .update_agent(inactive, |a| a.is_active = true)
        .unwrap();
    ws.sync(acd).await;
    let accounts = ws.accounts_of(acd).await;
    assert_eq!(accounts.len(), total);
    assert_eq!(accounts[&inactive.to_string()]["status"], "active");
    assert_eq!(accounts[&gone.to_string()]["status"], "deactivated");
    let log = ws.account_log(Some(&inactive.to_string())).await;
    assert_eq!(actions(&log), ["create", "deactivate", "reactivate"]);
}

/// The account actions of a run report, by source id.
fn account_actions(report: &Value) -> BTreeMap<String, Value> {
    report["family"]["actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no account actions: {report}"))
        .iter()
        .map(|a| (a["source_id"].as_str().unwrap().to_owned(), a.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_runs_and_plan_show_the_wfm_account_plan_the_real_run_then_applies() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let flow = acd.flow();

    // Before the first run: every eligible user would get an account, the others a skip.
    let first = ws
        .json(&["sync", &flow, "--full", "--dry-run", "--json"])
        .await;
    let eligible = acd.eligible();
    let summary = &first["family"]["summary"];
    assert_eq!(summary["created"], eligible.len(), "{first}");
    assert_eq!(summary["skipped"], AGENTS - eligible.len(), "{first}");
    let planned: BTreeSet<String> = account_actions(&first)
        .into_iter()
        .filter(|(_, a)| a["action"] == "create")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(planned, eligible);
    assert!(ws.accounts().await.is_empty(), "a dry run writes nothing");
    let applied = ws.sync(acd).await;
    assert_eq!(applied["family"], first["family"], "{applied}");

    // A team loses WFM Advanced and an eligible user on another team vanishes.
    let agent = acd.complete_eligible(&[]);
    let members: BTreeSet<String> = acd
        .eligible()
        .into_iter()
        .filter(|id| acd.sim.agent(id.parse().unwrap()).unwrap().team_id == agent.team_id)
        .collect();
    let gone = acd
        .sim
        .agents()
        .into_iter()
        .find(|a| a.is_active && acd.team_has_wfm(a) && a.team_id != agent.team_id)
        .expect("an eligible agent on another team")
        .agent_id
        .to_string();
    acd.sim.set_team_features(agent.team_id, false).unwrap();
    acd.sim.remove_agent(gone.parse().unwrap()).unwrap();

    // An incremental run sees the team (teams are read whole), not the vanished user.
    let incremental = ws.json(&["sync", &flow, "--dry-run", "--json"]).await;
    assert_eq!(incremental["mode"], "incremental", "{incremental}");
    let actions = account_actions(&incremental);
    let deactivated: BTreeSet<String> = actions
        .iter()
        .filter(|(_, a)| a["action"] == "deactivate")
        .map(|(id, a)| {
            assert_eq!(a["reason"], "team lost WFM Advanced", "{a}");
            id.clone()
        })
        .collect();
    assert_eq!(deactivated, members);

    // Only a full read finds the vanished user gone: a full dry run shows it. (`ccsync plan`
    // shows the run the schedule has due: the manual full run above put the next full one a
    // day away, so it plans an incremental run now.)
    let planned = ws.json(&["plan", &flow, "--json"]).await;
    assert_eq!(planned["mode"], "incremental", "{planned}");
    let full = ws
        .json(&["sync", &flow, "--dry-run", "--full", "--json"])
        .await;
    assert_eq!(full["mode"], "full", "{full}");
    let actions = account_actions(&full);
    assert_eq!(actions[&gone]["action"], "deactivate", "{full}");
    assert_eq!(actions[&gone]["reason"], "gone from the source");
    assert_eq!(
        full["family"]["summary"]["deactivated"],
        members.len() + 1,
        "{full}"
    );
    let accounts = ws.accounts_of(acd).await;
    assert!(
        accounts.values().all(|a| a["status"] == "active"),
        "dry runs and plans change no account"
    );

    // The text form names the store and lists the account actions.
    let text = ws.run(&["sync", &flow, "--dry-run", "--full"]).await;
    let text = String::from_utf8_lossy(&text.stdout);
    let line = format!(
        "WFM accounts of wfm: 0 create, 0 update, {} deactivate",
        members.len() + 1
    );
    assert!(text.contains(&line), "{text}");
    assert!(text.contains("deactivate account "), "{text}");

    let applied = ws.sync(acd).await;
    assert_eq!(
        applied["family"], full["family"],
        "the real run does, account by account, what the dry run showed"
    );
    let accounts = ws.accounts_of(acd).await;
    for (id, action) in account_actions(&full) {
        assert_eq!(accounts[&id]["status"], "deactivated", "{action}");
        assert_eq!(accounts[&id]["status_reason"], action["reason"]);
    }
}

/// Makes `ids` lack an email and an employee id at the source.
fn strip(acd: &Acd, ids: &[u64]) {
    for &id in ids {
        acd.sim
            .update_agent(id, |a| {
                a.email_address = None;
                a.internal_id = None;
            })
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn w6_incomplete_account_is_listed_with_what_is_missing() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let stripped = acd.complete_eligible(&[]).agent_id;
    strip(acd, &[stripped]);
    ws.sync(acd).await;

    // What the source lacks, per eligible agent, in the default required-field order.
    let mut expected = BTreeMap::new();
    for agent in acd.sim.agents() {
        if !acd.eligible().contains(&agent.agent_id.to_string()) {
            continue;
        }
        let mut missing = Vec::new();
        for (name, value) in [
            ("first_name", &agent.first_name),
            ("last_name", &agent.last_name),
            ("email", &agent.email_address),
            ("employee_id", &agent.internal_id),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                missing.push(name.to_owned());
            }
        }
        if !missing.is_empty() {
            expected.insert(agent.agent_id.to_string(), missing);
        }
    }
    let listed = ws.json(&["accounts", "incomplete", "--json"]).await;
    let listed: BTreeMap<String, Vec<String>> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(
                a["status"], "active",
                "an incomplete account is still an account"
            );
            let missing = a["incomplete"].as_array().unwrap();
            (
                a["source_id"].as_str().unwrap().to_owned(),
                missing
                    .iter()
                    .map(|m| m.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(listed[&stripped.to_string()], ["email", "employee_id"]);
    let text = ws.run(&["accounts", "incomplete"]).await;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains(&stripped.to_string()) && l.ends_with("email, employee_id")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w6_mass_update_fills_missing_fields_and_reports_bad_rows_by_line() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let x = acd.complete_eligible(&[]).agent_id;
    let y = acd.complete_eligible(&[x]).agent_id;
    let w = acd.complete_eligible(&[x, y]).agent_id;
    let complete = acd.complete_eligible(&[x, y, w]).agent_id;
    strip(acd, &[x, y, w]);
    ws.sync(acd).await;
    let before = ws.accounts().await;

    let csv = ws.write_csv(
        "fix.csv",
        &format!(
            "tenant,id,email,employee_id\n\
             acme,{x},x@fixed.example.com,EX-1\n\
             acme,999999,a@example.com,\n\
             acme,{y},not-an-email,\n\
             acme,{complete},c@example.com,\n\
             acme,{w},,\n"
        ),
    );
    let output = ws.run(&["accounts", "mass-update", "--csv", &csv]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "line 3: field id: unknown account",
        "line 4: field email: not an email address",
        "line 5: field email: the source provides this field",
        "line 6: empty value",
        "nothing applied: 4 invalid row(s)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
    assert!(!stderr.contains("line 2"), "{stderr}");
    assert_eq!(ws.accounts().await, before, "nothing applied");

    let bad_header = ws.write_csv("bad.csv", "tenant,id,nickname\nacme,1,x\n");
    let output = ws
        .run(&["accounts", "mass-update", "--csv", &bad_header])
        .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 1: field nickname: unknown column"),
        "{stderr}"
    );

    let output = ws
        .run(&["accounts", "mass-update", "--csv", &csv, "--skip-invalid"])
        .await;
    assert!(output.status.success(), "{output:?}");
    let accounts = ws.accounts_of(acd).await;
    let fixed = &accounts[&x.to_string()];
    assert_eq!(fixed["email"], "x@fixed.example.com");
    assert_eq!(fixed["employee_id"], "EX-1");
    assert_eq!(fixed["incomplete"], serde_json::json!([]));
    assert_eq!(
        accounts[&y.to_string()]["incomplete"],
        serde_json::json!(["email", "employee_id"])
    );
    let log = ws.account_log(Some(&x.to_string())).await;
    let last = log.last().unwrap();
    assert_eq!(last["origin"], "mass-update");
    assert!(
        last["reason"].as_str().unwrap().ends_with("line 2"),
        "{last}"
    );
    let email = last["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "email")
        .expect("the email change");
    assert_eq!(
        (&email["old"], &email["new"]),
        (&Value::Null, &"x@fixed.example.com".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w6_mass_update_value_stays_until_the_source_provides_one() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let x = acd.complete_eligible(&[]).agent_id;
    strip(acd, &[x]);
    ws.sync(acd).await;
    let csv = ws.write_csv(
        "fix.csv",
        &format!("tenant,id,email\nacme,{x},x@fixed.example.com\n"),
    );
    let output = ws.run(&["accounts", "mass-update", "--csv", &csv]).await;
    assert!(output.status.success(), "{output:?}");
    let id = x.to_string();
    let entries = ws.account_log(Some(&id)).await.len();

    // The source still lacks it: the value stays and nothing is logged.
    ws.sync(acd).await;
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(account["email"], "x@fixed.example.com");
    assert_eq!(account["incomplete"], serde_json::json!(["employee_id"]));
    assert_eq!(ws.account_log(Some(&id)).await.len(), entries);

    // The source provides one: it wins, and the override is gone.
    acd.sim
        .update_agent(x, |a| a.email_address = Some("source@example.com".into()))
        .unwrap();
    ws.sync(acd).await;
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(account["email"], "source@example.com");
    assert_eq!(account["overrides"], serde_json::json!({}));
    let log = ws.account_log(Some(&id)).await;
    let last = log.last().unwrap();
    assert_eq!(last["origin"], "sync");
    let fields: Vec<&str> = last["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "overrides"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn w3_one_acd_tenant_linked_to_two_wfm_stores_is_refused_before_anything_runs() {
    let ws = Workspace::start(&["acme"]).await;
    let mut text = std::fs::read_to_string(&ws.config).unwrap();
    text += "\n[stores.wfm2]\nkind = \"wfm\"\n\n[flows.second]\nsource = \"acd-acme\"\n\
             target = \"wfm2\"\nkinds = [\"user\"]\nmanual = true\n";
    std::fs::write(&ws.config, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l == "target = \"wfm2\"")
        .expect("the second target")
        + 1;
    for args in [vec!["sync", "wfm-acme", "--full"], vec!["status"]] {
        let output = ws.run(&args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} ran: {stderr}");
        assert!(
            stderr.contains(&format!("ccsync.toml:{line}:")) && stderr.contains("rule W3"),
            "{stderr}"
        );
    }
    assert_eq!(ws.acd().sim.request_log().len(), 0, "nothing was read");
}

#[tokio::test(flavor = "multi_thread")]
async fn w3_tenants_are_never_merged() {
    let ws = Workspace::start(&["east", "west"]).await;
    let (east, west) = (&ws.acds[0], &ws.acds[1]);
    ws.sync(east).await;
    ws.sync(west).await;
    let accounts = ws.accounts().await;
    let eligible = east.eligible();
    assert_eq!(
        eligible,
        west.eligible(),
        "the two tenants have the same agents"
    );
    assert_eq!(
        accounts.len(),
        2 * eligible.len(),
        "the same id in two tenants is two accounts"
    );
    for id in &eligible {
        for tenant in ["east", "west"] {
            let account = &accounts[&(tenant.to_owned(), id.clone())];
            assert_eq!(account["flow"], format!("wfm-{tenant}"));
        }
    }

    let agent = west.complete_eligible(&[]).agent_id;
    west.sim.deactivate_agent(agent).unwrap();
    ws.sync(west).await;
    ws.sync(east).await;
    let accounts = ws.accounts().await;
    let key = |t: &str| (t.to_owned(), agent.to_string());
    assert_eq!(accounts[&key("west")]["status"], "deactivated");
    assert_eq!(accounts[&key("east")]["status"], "active");
}

/// An incremental run of the flow of `acd`, which must succeed; its report.
async fn incremental(ws: &Workspace, acd: &Acd) -> Value {
    let report = ws.json(&["sync", &acd.flow(), "--json"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    report
}

#[tokio::test(flavor = "multi_thread")]
async fn w4_a_profile_losing_or_gaining_the_schedule_permission_reaches_accounts_on_the_next_incremental_run()
 {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    ws.sync(acd).await;
    let profile = acd
        .sim
        .security_profiles()
        .into_iter()
        .find(|p| p.permissions.iter().any(|perm| perm == VIEW_SCHEDULE))
        .expect("a profile granting the schedule");
    let eligible = acd.eligible();
    let holders: BTreeSet<String> = acd
        .sim
        .agents()
        .iter()
        .filter(|a| a.profile_id == profile.security_profile_id)
        .map(|a| a.agent_id.to_string())
        .filter(|id| eligible.contains(id))
        .collect();
    assert!(!holders.is_empty(), "eligible users hold the profile");
    let accounts = ws.accounts_of(acd).await;
    assert!(
        holders
            .iter()
            .all(|h| accounts[h]["schedule_visible"] == true)
    );

    // No agent changes (their lastUpdated stays): only the profile list shows it.
    acd.sim
        .set_profile_permission(profile.security_profile_id, VIEW_SCHEDULE, false)
        .unwrap();
    incremental(&ws, acd).await;
    let accounts = ws.accounts_of(acd).await;
    for holder in &holders {
        assert_eq!(accounts[holder]["schedule_visible"], false, "{holder}");
    }
    let log = ws.account_log(Some(holders.first().unwrap())).await;
    let last = log.last().unwrap();
    assert_eq!(last["changes"][0]["field"], "schedule_visible", "{last}");

    acd.sim
        .set_profile_permission(profile.security_profile_id, VIEW_SCHEDULE, true)
        .unwrap();
    incremental(&ws, acd).await;
    let accounts = ws.accounts_of(acd).await;
    assert!(
        holders
            .iter()
            .all(|h| accounts[h]["schedule_visible"] == true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w5_a_deactivated_account_reason_follows_its_cause() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    ws.sync(acd).await;
    let agent = acd.complete_eligible(&[]);
    let id = agent.agent_id.to_string();
    acd.sim.set_team_features(agent.team_id, false).unwrap();
    incremental(&ws, acd).await;
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(
        (&account["status"], &account["status_reason"]),
        (&"deactivated".into(), &"team lost WFM Advanced".into())
    );

    // Still deactivated, now for another cause: the reason follows, logged old -> new.
    acd.sim.deactivate_agent(agent.agent_id).unwrap();
    incremental(&ws, acd).await;
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(
        (&account["status"], &account["status_reason"]),
        (&"deactivated".into(), &"inactive at the source".into())
    );
    let log = ws.account_log(Some(&id)).await;
    assert_eq!(actions(&log), ["create", "deactivate", "update"]);
    let change = &log[2]["changes"][0];
    assert_eq!(change["field"], "status_reason", "{change}");
    assert_eq!(
        (change["old"].clone(), change["new"].clone()),
        (
            Value::from("team lost WFM Advanced"),
            Value::from("inactive at the source")
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn w6_mass_update_fills_every_field_a_flow_may_require_site_and_phone_included() {
    let ws = Workspace::start(&["acme"]).await;
    let acd = ws.acd();
    let config = std::fs::read_to_string(&ws.config).unwrap().replace(
        "manual = true",
        "manual = true\nrequired_fields = [\"username\", \"security_profile_id\", \
         \"primary_phone\", \"site_id\"]",
    );
    std::fs::write(&ws.config, config).unwrap();
    let agent = acd.complete_eligible(&[]).agent_id;
    acd.sim
        .update_agent(agent, |a| {
            a.telephone1 = None;
            a.location = None;
        })
        .unwrap();
    ws.sync(acd).await;
    let id = agent.to_string();
    assert_eq!(
        ws.accounts_of(acd).await[&id]["incomplete"],
        serde_json::json!(["primary_phone", "site_id"])
    );

    let team = ws.write_csv("team.csv", &format!("tenant,id,team_id\nacme,{id},7\n"));
    let output = ws.run(&["accounts", "mass-update", "--csv", &team]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the team cannot be mass-updated"),
        "{stderr}"
    );

    let csv = ws.write_csv(
        "fix.csv",
        &format!("tenant,id,primary_phone,site_id\nacme,{id},+1 555 0100,Denver\n"),
    );
    let output = ws.run(&["accounts", "mass-update", "--csv", &csv]).await;
    assert!(output.status.success(), "{output:?}");
    let account = &ws.accounts_of(acd).await[&id];
    assert_eq!(account["incomplete"], serde_json::json!([]), "{account}");
    assert_eq!(account["primary_phone"], "+1 555 0100");
    assert_eq!(account["site_id"], "Denver");
    // The values stay through later runs while the source still lacks them.
    ws.sync(acd).await;
    assert_eq!(ws.accounts_of(acd).await[&id]["site_id"], "Denver");
}
