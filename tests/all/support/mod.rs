//! The harness of the end-to-end tests: a simulated CXone ACD served in the test's own tokio
//! runtime, a workspace with a `ccsync.toml` around it (the bundled `cxone-acd` component signed
//! by a vendor key the workspace trusts, env secrets, one manual flow), and the real `ccsync`
//! binary run against that config.
//!
//! The binary runs as a child process under `tokio::process`, so the simulator keeps serving
//! while a test awaits it; every wait is bounded, so a wedged run fails the test instead of
//! hanging CI.

// Every test crate that includes this module uses only part of it.
#![allow(dead_code)]

pub mod target;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use ccsync_plugin::{Manifest, SecretKey, TrustStore};
use ccsync_sim::acd::model::format_iso_millis;
use ccsync_sim::acd::{Agent, SecurityProfile};
use ccsync_sim::{AcdSim, AcdSimConfig};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::Child;

/// The flow every test config holds.
pub const FLOW: &str = "acd-wfm";
/// The hub tenant of the source connection: part of every record key.
pub const TENANT: &str = "acme";
/// The longest one `ccsync` invocation may take before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest a test waits for something to happen during a run.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

const CLIENT_SECRET_ENV: &str = "CCSYNC_TEST_ACD_CLIENT_SECRET";
const ACCESS_KEY_SECRET_ENV: &str = "CCSYNC_TEST_ACD_ACCESS_KEY_SECRET";

/// A simulated ACD and a ccsync workspace synced from it.
pub struct Hub {
    pub sim: AcdSim,
    config: PathBuf,
    /// The workspace (config, plugin, database); removed when the hub is dropped.
    _dir: TempDir,
}

impl Hub {
    /// Starts a simulator with `agents` agents (seed 42) and writes a workspace whose manual
    /// flow reads it `page_size` agents per request.
    pub async fn start(agents: usize, page_size: u32) -> Hub {
        Hub::with_sim(AcdSimConfig::new(42, agents), page_size).await
    }

    /// [`Hub::start`] with a simulator configured by the test.
    pub async fn with_sim(config: AcdSimConfig, page_size: u32) -> Hub {
        let sim = AcdSim::start(config)
            .await
            .expect("starting the ACD simulator");
        let dir = tempfile::tempdir().expect("a temporary directory");
        install_signed_connector(dir.path());
        let config = dir.path().join("ccsync.toml");
        let hub = Hub {
            sim,
            config,
            _dir: dir,
        };
        hub.write_config(&hub.config_text(page_size, true));
        hub
    }

    /// A working config for this simulator: one flow, [`FLOW`], of teams, security profiles
    /// and users into the WFM hub store.
    pub fn config_text(&self, page_size: u32, manual: bool) -> String {
        let base_url = self.sim.base_url();
        let credentials = self.sim.credentials();
        format!(
            r#"data_dir = "data"

[plugins.cxone-acd]
path = "plugins/cxone-acd.wasm"

[connections.acd]
plugin = "cxone-acd"
tenant = "{TENANT}"
allowed_origins = ["{base_url}"]

[connections.acd.settings]
auth-url = "{base_url}"
tenant-id = "{tenant_id}"
client-id = "{client_id}"
access-key-id = "{access_key_id}"
page-size = "{page_size}"

[connections.acd.secrets]
client-secret = {{ env = "{CLIENT_SECRET_ENV}" }}
access-key-secret = {{ env = "{ACCESS_KEY_SECRET_ENV}" }}

[flows.{FLOW}]
source = "acd"
target = "wfm"
kinds = ["team", "security-profile", "user"]
manual = {manual}
"#,
            tenant_id = self.sim.tenant_id(),
            client_id = credentials.client_id,
            access_key_id = credentials.access_key_id,
        )
    }

    /// The hub's SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.config.with_file_name("data").join("ccsync.db")
    }

    /// The workspace directory.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// Writes `component` with its manifest into `plugins/<name>.wasm`, signed by a fresh
    /// vendor key that the workspace's trust store trusts.
    pub fn install_plugin(&self, name: &str, component: &[u8], manifest: &str) {
        let manifest =
            Manifest::from_toml_str(manifest, &format!("{name}/plugin.toml")).expect("a manifest");
        let key = SecretKey::generate().expect("a vendor key");
        let signed = ccsync_plugin::sign(component, &manifest, &key).expect("signing");
        std::fs::write(self.dir().join(format!("plugins/{name}.wasm")), signed).unwrap();
        TrustStore::open(self.dir().join("data/trust.json"))
            .and_then(|mut trust| trust.add(key.public_key(), name))
            .expect("trusting the test vendor key");
    }

    /// Replaces the workspace's config file.
    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("writing ccsync.toml");
    }

    /// `ccsync --config <workspace>/ccsync.toml <args>`, ready to run, with the connection's
    /// secrets in its environment. Killed if dropped before it exits.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let credentials = self.sim.credentials();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env(CLIENT_SECRET_ENV, credentials.client_secret)
            .env(ACCESS_KEY_SECRET_ENV, credentials.access_key_secret)
            .env_remove("CCSYNC_CONFIG")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Starts `ccsync <args>` without waiting for it (for tests that act during a run).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .spawn()
            .expect("spawning the ccsync binary")
    }

    /// Runs `ccsync <args>` to its end (at most [`COMMAND_TIMEOUT`]).
    pub async fn run(&self, args: &[&str]) -> Output {
        let output = self.command(args).output();
        tokio::time::timeout(COMMAND_TIMEOUT, output)
            .await
            .unwrap_or_else(|_| panic!("`ccsync {}` did not finish in time", args.join(" ")))
            .expect("running the ccsync binary")
    }

    /// Runs `ccsync <args>`, which must succeed, and parses its stdout as JSON.
    pub async fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "`ccsync {}` failed ({}):\nstdout: {}\nstderr: {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        parse_json(&output, args)
    }

    /// `ccsync sync acd-wfm --json <extra>`: the run's report. The run must exit 0
    /// (succeeded or partial).
    pub async fn sync(&self, extra: &[&str]) -> Value {
        let mut args = vec!["sync", FLOW, "--json"];
        args.extend_from_slice(extra);
        self.json(&args).await
    }

    /// `ccsync users list --json`: every user the hub holds, in key order.
    pub async fn users(&self) -> Vec<Value> {
        array(self.json(&["users", "list", "--json"]).await)
    }

    /// The hub's users by source id.
    pub async fn users_by_id(&self) -> BTreeMap<String, Value> {
        let mut by_id = BTreeMap::new();
        for user in self.users().await {
            let id = user["id"].as_str().expect("a user id").to_owned();
            assert!(
                by_id.insert(id.clone(), user).is_none(),
                "user {id} listed twice"
            );
        }
        by_id
    }

    /// `ccsync log --json --limit 1000000 <filter>`: log entries, oldest first.
    pub async fn log(&self, filter: &[&str]) -> Vec<Value> {
        let mut args = vec!["log", "--json", "--limit", "1000000"];
        args.extend_from_slice(filter);
        array(self.json(&args).await)
    }

    /// `ccsync runs --json`: the runs, newest first.
    pub async fn runs(&self) -> Vec<Value> {
        array(self.json(&["runs", "--json", "--limit", "1000"]).await)
    }

    /// How many teams and security profiles the source has: what every run reads whole.
    pub fn catalog_len(&self) -> u64 {
        (self.sim.teams().len() + self.sim.security_profiles().len()) as u64
    }

    /// The first `n` agents active at the source, in agentId order.
    pub fn active_agent_ids(&self, n: usize) -> Vec<u64> {
        let ids: Vec<u64> = self
            .sim
            .agents()
            .iter()
            .filter(|a| a.is_active)
            .map(|a| a.agent_id)
            .take(n)
            .collect();
        assert_eq!(ids.len(), n, "the tenant has fewer than {n} active agents");
        ids
    }

    /// Rule W1: no run wrote to the source, and every request it answered was a read or a
    /// token request.
    pub fn assert_source_untouched(&self) {
        assert_eq!(self.sim.writes(), 0, "a run wrote to the source (rule W1)");
        for request in self.sim.request_log() {
            assert!(
                request.method == "GET" || request.path == "/auth/token",
                "a run sent a write to the source (rule W1): {request:?}"
            );
        }
    }
}

/// Awaits `event` while `child` runs. Fails with the child's output if it exits first, and
/// after [`EVENT_TIMEOUT`].
pub async fn while_running<T>(
    mut child: Child,
    what: &str,
    event: impl Future<Output = T>,
) -> (Child, T) {
    let outcome = tokio::select! {
        value = event => Ok(value),
        status = child.wait() => Err(status),
        () = tokio::time::sleep(EVENT_TIMEOUT) => panic!("timed out waiting for {what}"),
    };
    match outcome {
        Ok(value) => (child, value),
        Err(status) => {
            let output = child.wait_with_output().await;
            panic!("ccsync exited ({status:?}) before {what}: {output:?}")
        }
    }
}

/// Waits for a spawned `ccsync` to end (at most [`COMMAND_TIMEOUT`]).
pub async fn finish(child: Child) -> Output {
    tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .expect("ccsync did not finish in time")
        .expect("waiting for ccsync")
}

/// Writes the bundled `cxone-acd` component into `workspace/plugins`, signed with a fresh
/// vendor key that the workspace's trust store (`data/trust.json`) trusts: the tests take the
/// operator's default path, where only signed plugins load.
fn install_signed_connector(workspace: &Path) {
    let plugin = ccsync_bundled::connector("cxone-acd").expect("cxone-acd is bundled");
    let manifest = Manifest::from_toml_str(plugin.manifest, "plugins/cxone-acd/plugin.toml")
        .expect("the bundled manifest");
    let key = SecretKey::generate().expect("a vendor key");
    let signed = ccsync_plugin::sign(plugin.component, &manifest, &key).expect("signing");
    std::fs::create_dir_all(workspace.join("plugins")).unwrap();
    std::fs::write(workspace.join("plugins/cxone-acd.wasm"), signed).unwrap();
    std::fs::create_dir_all(workspace.join("data")).unwrap();
    TrustStore::open(workspace.join("data/trust.json"))
        .and_then(|mut trust| trust.add(key.public_key(), "ccsync end-to-end tests"))
        .expect("trusting the test vendor key");
}

fn parse_json(output: &Output, args: &[&str]) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "`ccsync {}` printed no JSON ({e}):\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => panic!("expected a JSON array, got {other}"),
    }
}

/// A run report's count, e.g. `count(&report, "created")`.
pub fn count(report: &Value, name: &str) -> u64 {
    report["counts"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no count {name:?} in {report}"))
}

/// A report's run id, for `ccsync log --run`.
pub fn run_id(report: &Value) -> String {
    report["run"]
        .as_i64()
        .unwrap_or_else(|| panic!("the report has no run id: {report}"))
        .to_string()
}

/// The entries of a log that are about users.
pub fn user_entries(log: &[Value]) -> Vec<&Value> {
    log.iter().filter(|e| e["kind"] == "user").collect()
}

/// A value of the wire that maps to `none` when null or empty.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// The hub user `sim/ACD-WIRE.md` says `agent` maps to (the `user` of `ccsync users list --json`).
pub fn expected_user(agent: &Agent, profiles: &[SecurityProfile]) -> Value {
    let permissions = profiles
        .iter()
        .find(|p| p.security_profile_id == agent.profile_id)
        .map(|p| p.permissions.clone())
        .unwrap_or_else(|| panic!("agent {} has an unknown profile", agent.agent_id));
    let phone1 = non_empty(&agent.telephone1);
    let phones: Vec<&str> = [phone1, non_empty(&agent.telephone2)]
        .into_iter()
        .flatten()
        .collect();
    let roles: Vec<&str> = Some(agent.profile_name.as_str())
        .filter(|n| !n.is_empty())
        .into_iter()
        .collect();
    let mut extra = vec![
        ("lastUpdated", format_iso_millis(agent.last_updated)),
        ("locked", agent.locked.to_string()),
        ("profileName", agent.profile_name.clone()),
        ("teamName", agent.team_name.clone()),
    ];
    extra.sort();
    json!({
        "kind": "user",
        "id": agent.agent_id.to_string(),
        "username": Some(agent.user_name.as_str()).filter(|u| !u.is_empty()),
        "first_name": non_empty(&agent.first_name),
        "last_name": non_empty(&agent.last_name),
        "email": non_empty(&agent.email_address),
        "active": agent.is_active,
        "team_id": agent.team_id.to_string(),
        "security_profile_id": agent.profile_id.to_string(),
        "roles": roles,
        "permissions": permissions,
        "primary_phone": phone1,
        "phones": phones,
        "employee_id": non_empty(&agent.internal_id),
        "site_id": non_empty(&agent.location),
        "extra": extra,
    })
}

/// The fields in which a hub user differs from what it should be, as `field: hub != source`.
pub fn field_differences(hub: &Value, expected: &Value) -> Vec<String> {
    let (Some(hub), Some(expected)) = (hub.as_object(), expected.as_object()) else {
        return vec![format!("not objects: {hub} / {expected}")];
    };
    let mut fields: Vec<&String> = hub.keys().chain(expected.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let (got, want) = (
                hub.get(field).unwrap_or(&Value::Null),
                expected.get(field).unwrap_or(&Value::Null),
            );
            (got != want).then(|| format!("{field}: hub {got} != source {want}"))
        })
        .collect()
}
