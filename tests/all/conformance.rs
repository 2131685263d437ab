//! The conformance kit (`ccsync plugin test`) end to end: every bundled connector passes it
//! against its simulator (and the Python SCIM connector against a real SCIM server, in
//! `scim.rs`), a recorded fixture replays with the network gone and gives the same
//! verdicts, both contract versions are held to it, and it names the check a broken plugin
//! fails (a panic, a memory hog, a spin, a bloated page).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use ccsync_plugin::Manifest;
use ccsync_sim::ringcentral::RateLimits;
use ccsync_sim::{
    AcdSim, AcdSimConfig, CentralSim, CentralSimConfig, IvinexSim, IvinexSimConfig, RingCentralSim,
    RingCentralSimConfig,
};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::COMMAND_TIMEOUT;

/// An endpoint nothing listens on, for plugins that make no request.
const NOWHERE: &str = "http://127.0.0.1:9";

/// A workspace for kit runs: the plugin with its manifest embedded, a settings file, and a
/// config whose `[runtime]` sets the sandbox limits.
pub(crate) struct Workspace {
    dir: TempDir,
}

/// One kit run: its exit status, and each check's status and reason by id.
pub(crate) struct Run {
    output: Output,
    json: Value,
}

impl Run {
    pub(crate) fn status(&self, id: &str) -> &str {
        self.check(id)["status"].as_str().unwrap_or_default()
    }

    pub(crate) fn reason(&self, id: &str) -> &str {
        self.check(id)["reason"].as_str().unwrap_or_default()
    }

    fn check(&self, id: &str) -> &Value {
        self.json["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id} in {:#}", self.json))
    }

    fn verdicts(&self) -> BTreeMap<String, String> {
        self.json["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap_or_default().to_owned(),
                    c["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn failures(&self) -> Vec<String> {
        self.json["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| format!("{}: {}", c["id"], c["reason"]))
            .collect()
    }

    /// Every check passed or was skipped, and the exit code says so.
    pub(crate) fn assert_conforms(&self) {
        assert!(
            self.failures().is_empty(),
            "failed checks: {:#?}\nstderr: {}",
            self.failures(),
            String::from_utf8_lossy(&self.output.stderr)
        );
        assert!(self.output.status.success(), "{}", self.output.status);
    }
}

impl Workspace {
    /// `component` with `manifest` embedded, `settings` as the settings file's body, and
    /// `runtime` as the config's `[runtime]` lines.
    pub(crate) fn new(
        component: &[u8],
        manifest: &str,
        settings: &str,
        runtime: &str,
    ) -> Workspace {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let manifest = Manifest::from_toml_str(manifest, "plugin.toml").expect("a manifest");
        let embedded = ccsync_plugin::embed_manifest(component, &manifest).expect("embedding");
        std::fs::write(dir.path().join("plugin.wasm"), embedded).unwrap();
        std::fs::write(dir.path().join("settings.toml"), settings).unwrap();
        std::fs::write(
            dir.path().join("ccsync.toml"),
            format!("data_dir = \"data\"\n\n[runtime]\n{runtime}\n"),
        )
        .unwrap();
        Workspace { dir }
    }

    /// A bundled connector with its manifest.
    fn bundled(name: &str, settings: &str) -> Workspace {
        let plugin = ccsync_bundled::connector(name).expect("bundled");
        Workspace::new(plugin.component, plugin.manifest, settings, "")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `ccsync plugin test plugin.wasm --settings settings.toml <args> --json`.
    pub(crate) async fn test(&self, args: &[&str]) -> Run {
        let output = self.run(args, true).await;
        let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}):\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        Run { output, json }
    }

    async fn run(&self, args: &[&str], json: bool) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccsync"));
        command
            .arg("--config")
            .arg(self.path("ccsync.toml"))
            .args(["plugin", "test"])
            .arg(self.path("plugin.wasm"))
            .arg("--settings")
            .arg(self.path("settings.toml"))
            .args(args)
            .env_remove("CCSYNC_CONFIG")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if json {
            command.arg("--json");
        }
        tokio::time::timeout(COMMAND_TIMEOUT, command.output())
            .await
            .expect("the kit finished in time")
            .expect("running the ccsync binary")
    }
}

/// A settings file: `secrets` go under `[secrets]`, the rest under `[settings]`; a value
/// equal to `base` becomes `{endpoint}`.
fn settings_file(pairs: &[(&str, String)], secrets: &[&str], base: &str) -> String {
    let line = |(key, value): &(&str, String)| {
        let value = value.replace(base, "{endpoint}");
        format!("{key} = \"{value}\"\n")
    };
    let mut text = String::from("[settings]\n");
    for pair in pairs.iter().filter(|(k, _)| !secrets.contains(k)) {
        text += &line(pair);
    }
    text += "[secrets]\n";
    for pair in pairs.iter().filter(|(k, _)| secrets.contains(k)) {
        text += &line(pair);
    }
    text
}

fn acd_settings(sim: &AcdSim, page_size: u32) -> String {
    let credentials = sim.credentials();
    settings_file(
        &[
            ("auth-url", sim.base_url()),
            ("tenant-id", sim.tenant_id().to_owned()),
            ("client-id", credentials.client_id.to_string()),
            ("client-secret", credentials.client_secret.to_string()),
            ("access-key-id", credentials.access_key_id.to_string()),
            (
                "access-key-secret",
                credentials.access_key_secret.to_string(),
            ),
            ("page-size", page_size.to_string()),
        ],
        &["client-secret", "access-key-secret"],
        &sim.base_url(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cxone_acd_conforms_against_the_acd_simulator_cursors_since_and_error_classes_included() {
    let sim = AcdSim::start(AcdSimConfig::new(42, 45))
        .await
        .expect("starting the ACD simulator");
    let ws = Workspace::bundled("cxone-acd", &acd_settings(&sim, 20));
    let run = ws.test(&["--endpoint", &sim.base_url()]).await;
    run.assert_conforms();
    for id in [
        "describe.matches-manifest",
        "describe.no-network",
        "configure.refuses-unknown-key",
        "configure.refuses-repeated-key",
        "configure.refuses-empty-required",
        "check.succeeds",
        "read.user.terminates",
        "read.user.cursor-resumes",
        "read.user.since-subset",
        "read.user.deterministic",
        "read.user.unique-ids",
        "read.team.terminates",
        "errors.unauthorized",
        "errors.rate-limited",
        "errors.transient",
        "errors.malformed-body",
        "calls.unsupported",
        "limits.within-sandbox",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.reason(id));
    }
    assert_eq!(run.status("write.*"), "skip");
    assert_eq!(run.json["plugin"]["contract"], "ccsync:connector@0.2.0");

    // The text form: a line per check, the summary, exit code 0.
    let text = ws.run(&["--endpoint", &sim.base_url()], false).await;
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{stdout}");
    assert!(
        stdout.contains("\nPASS describe.matches-manifest\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nSKIP write.*: the plugin declares no writable kind\n"),
        "{stdout}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.contains(" passed, 0 failed, "), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_conforms_against_the_central_simulator() {
    let sim = CentralSim::start(CentralSimConfig::new(5, 60))
        .await
        .expect("starting the Central simulator");
    let mut pairs: Vec<(&str, String)> = sim.connection_settings();
    pairs.push(("page-size", "25".into()));
    let ws = Workspace::bundled(
        "central",
        &settings_file(&pairs, &["password"], &sim.base_url()),
    );
    let run = ws.test(&["--endpoint", &sim.base_url()]).await;
    run.assert_conforms();
    for id in [
        "configure.refuses-empty-required",
        "read.user.cursor-resumes",
        "read.user.since-subset",
        "errors.unauthorized",
        "errors.transient",
        "calls.unsupported",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.reason(id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ringcentral_conforms_against_the_ringcentral_simulator() {
    let mut config = RingCentralSimConfig::new(42, 30);
    // The kit configures many fresh instances, each signing in: more than the published
    // 5 a minute of the auth group.
    config.limits = RateLimits {
        light: 10_000,
        medium: 10_000,
        heavy: 10_000,
        auth: 10_000,
    };
    let sim = RingCentralSim::start(config)
        .await
        .expect("starting the RingCentral simulator");
    let pairs: Vec<(&str, String)> = sim.connection_settings();
    let ws = Workspace::bundled(
        "ringcentral",
        &settings_file(&pairs, &["client-secret", "jwt"], &sim.base_url()),
    );
    let run = ws.test(&["--endpoint", &sim.base_url()]).await;
    run.assert_conforms();
    for id in [
        "read.user.terminates",
        "errors.unauthorized",
        "errors.rate-limited",
        "calls.unsupported",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.reason(id));
    }
    assert_eq!(run.status("read.user.since-subset"), "skip");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ivinex_conforms_and_its_writes_are_found_by_external_id_without_duplicates() {
    let sim = IvinexSim::start(IvinexSimConfig::new(7))
        .await
        .expect("starting the Ivinex simulator");
    let credentials = sim.credentials();
    let settings = settings_file(
        &[
            ("base-url", sim.base_url()),
            ("client-id", credentials.client_id.to_string()),
            ("client-secret", credentials.client_secret.to_string()),
            ("page-size", "2".into()),
        ],
        &["client-secret"],
        &sim.base_url(),
    );
    let ws = Workspace::bundled("ivinex", &settings);
    let run = ws.test(&["--endpoint", &sim.base_url()]).await;
    run.assert_conforms();
    for kind in ["user", "campaign", "disposition", "agent-status"] {
        for check in ["create-find", "idempotent", "update"] {
            let id = format!("write.{kind}.{check}");
            assert_eq!(run.status(&id), "pass", "{id}: {}", run.reason(&id));
        }
    }
    assert_eq!(run.status("read.user.cursor-resumes"), "pass");

    // A second run against the same platform finds the kit's records again: no more of them.
    let again = ws.test(&["--endpoint", &sim.base_url()]).await;
    again.assert_conforms();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_fixture_replays_the_same_verdicts_with_the_network_gone() {
    let sim = AcdSim::start(AcdSimConfig::new(42, 25))
        .await
        .expect("starting the ACD simulator");
    let base = sim.base_url();
    let ws = Workspace::bundled("cxone-acd", &acd_settings(&sim, 10));
    let fixture = ws.path("fixture");
    let fixture_arg = fixture.to_str().expect("a UTF-8 path");
    let live = ws
        .test(&["--endpoint", &base, "--record", fixture_arg])
        .await;
    live.assert_conforms();
    drop(sim);
    assert!(fixture.join("fixture.json").is_file());
    assert!(count_files(&fixture.join("exchanges")) > 10);

    let replayed = ws.test(&["--fixture", fixture_arg]).await;
    replayed.assert_conforms();
    assert_eq!(replayed.verdicts(), live.verdicts());
    assert_eq!(replayed.status("read.user.cursor-resumes"), "pass");
    assert_eq!(replayed.json["plugin"]["target"]["recorded_against"], base);

    // The network is really gone: the live run against it now fails.
    let offline = ws.test(&["--endpoint", &base]).await;
    assert!(!offline.output.status.success());
    assert_eq!(offline.status("configure.accepts-settings"), "pass");
    assert_eq!(offline.status("check.succeeds"), "fail");
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_0_1_0_contract_is_held_to_the_same_checks() {
    let ws = Workspace::new(
        ccsync_bundled::test_plugins::LEGACY_0_1,
        include_str!("../plugins/legacy-connector/plugin.toml"),
        "[settings]\nmode = \"test\"\n",
        "",
    );
    let run = ws.test(&["--endpoint", NOWHERE]).await;
    assert_eq!(run.json["plugin"]["contract"], "ccsync:connector@0.1.0");
    for id in [
        "describe.matches-manifest",
        "describe.no-network",
        "check.succeeds",
        "read.user.terminates",
        "read.user.deterministic",
        "read.user.unique-ids",
        // find and get, which 0.1.0 lacks, answer unsupported through the host.
        "calls.unsupported",
        "limits.within-sandbox",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.reason(id));
    }
    // It reads without HTTP: no error to classify.
    assert_eq!(run.status("errors.transient"), "skip");
    // Its configure takes anything: the kit says so.
    assert_eq!(run.status("configure.refuses-unknown-key"), "fail");
    assert!(
        run.reason("configure.refuses-unknown-key")
            .contains("configure accepted it")
    );
    assert!(!run.output.status.success());
}

/// The manifest of a test connector build, named as its describe() names it.
fn test_manifest(name: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\nvendor = \"ccsync project\"\n\
         reads = [\"user\"]\norigins = [\"http://127.0.0.1:*\"]\n"
    )
}

/// A kit run of a test connector build, failing: the report.
async fn broken(component: &[u8], name: &str, settings: &str, runtime: &str) -> Run {
    let ws = Workspace::new(component, &test_manifest(name), settings, runtime);
    let run = ws.test(&["--endpoint", NOWHERE]).await;
    assert!(
        !run.output.status.success(),
        "the kit passed a broken plugin"
    );
    assert_eq!(run.status("describe.matches-manifest"), "pass");
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_fails_the_read_as_a_trap() {
    use ccsync_bundled::test_plugins::PANIC;
    let run = broken(PANIC, "test-panic", "", "").await;
    assert_eq!(run.status("read.user.terminates"), "fail");
    let reason = run.reason("read.user.terminates");
    assert!(
        reason.contains("read: trapped: ") && reason.contains("test-connector panics on purpose"),
        "{reason}"
    );
    assert_eq!(run.status("read.user.deterministic"), "skip");
    assert_eq!(run.status("limits.within-sandbox"), "fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_hog_fails_the_sandbox_check_naming_the_memory_limit() {
    use ccsync_bundled::test_plugins::HOG;
    let run = broken(HOG, "test-hog", "", "memory_limit = \"32MiB\"").await;
    assert_eq!(run.status("read.user.terminates"), "fail");
    let reason = run.reason("limits.within-sandbox");
    assert!(
        reason.contains("memory limit of 33554432 bytes (memory_limit)"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_read_fails_the_sandbox_check_naming_the_cpu_deadline() {
    use ccsync_bundled::test_plugins::SPIN;
    let run = broken(SPIN, "test-spin", "", "call_timeout = \"300ms\"").await;
    assert_eq!(run.status("read.user.terminates"), "fail");
    let reason = run.reason("limits.within-sandbox");
    assert!(
        reason.contains("read.user.terminates: plugin test-spin@1.0.0: read: exceeded its CPU deadline of 300ms (call_timeout)"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bloated_page_fails_the_sandbox_check_naming_the_page_limit() {
    use ccsync_bundled::test_plugins::BLOAT;
    let run = broken(
        BLOAT,
        "test-bloat",
        "[settings]\nusers = \"2000\"\n",
        "max_page_size = \"64KiB\"",
    )
    .await;
    assert_eq!(run.status("read.user.terminates"), "fail");
    let reason = run.reason("limits.within-sandbox");
    assert!(reason.contains("(max_page_size)"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_whose_describe_disagrees_with_its_manifest_fails_that_check() {
    use ccsync_bundled::test_plugins::WELL_BEHAVED;
    let ws = Workspace::new(WELL_BEHAVED, &test_manifest("not-its-name"), "", "");
    let run = ws.test(&["--endpoint", NOWHERE]).await;
    assert_eq!(run.status("describe.matches-manifest"), "fail");
    assert!(
        run.reason("describe.matches-manifest")
            .contains("not-its-name"),
        "{}",
        run.reason("describe.matches-manifest")
    );
    // The rest of the well-behaved build reads fine.
    assert_eq!(run.status("read.user.cursor-resumes"), "pass");
    assert_eq!(run.status("limits.within-sandbox"), "pass");
}
