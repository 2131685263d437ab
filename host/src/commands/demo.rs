//! `ccsync demo`: the whole path on one machine with nothing but this binary.
//!
//! Starts the CXone ACD simulator in-process, writes a working `ccsync.toml` (with the
//! bundled `cxone-acd` component and file secrets) into the demo directory, runs the flow
//! through the WASM connector into the SQLite hub, and prints what happened. The directory
//! stays usable afterwards: `ccsync --config DIR/ccsync.toml users list` and friends work on
//! it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ccsync_plugin::{Manifest, SecretKey, TrustStore};
use ccsync_sim::{AcdSim, AcdSimConfig};
use ccsync_store::{RecordFilter, RunMode};

use crate::app::App;
use crate::cli::DemoArgs;
use crate::commands::sync::{exit_code, report_text};
use crate::plugins::trust_store_path;
use crate::sync::{Progress, RunOptions};

/// The demo's data directory, relative to the demo directory.
const DATA_DIR: &str = "data";
pub(crate) const FLOW: &str = "acd-wfm";
const PLUGIN: &str = "cxone-acd";

/// Writes a file readable by its owner only (secrets), replacing an older one.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

fn demo_config(base_url: &str, sim: &AcdSim) -> String {
    let credentials = sim.credentials();
    format!(
        r#"# Written by `ccsync demo`: a simulated CXone Mpower ACD synced into the hub's WFM store.
data_dir = "{DATA_DIR}"

[plugins.{PLUGIN}]
path = "plugins/{PLUGIN}.wasm"

[connections.acd-demo]
plugin = "{PLUGIN}"
tenant = "demo"
# The simulator listens on loopback; the connector declares loopback origins for it, and the
# operator allows exactly this one.
allowed_origins = ["{base_url}"]

[connections.acd-demo.settings]
auth-url = "{base_url}"
tenant-id = "{tenant}"
client-id = "{client_id}"
access-key-id = "{access_key_id}"

[connections.acd-demo.secrets]
client-secret = {{ file = "secrets/client-secret" }}
access-key-secret = {{ file = "secrets/access-key-secret" }}

[flows.{FLOW}]
source = "acd-demo"
target = "wfm"
kinds = ["team", "security-profile", "user"]
interval = "15m"
# IEX WFM flows run on their schedule only (rule W2, manual = false by default); the demo
# allows on-demand runs so that `ccsync sync {FLOW}` can be tried.
manual = true
"#,
        tenant = sim.tenant_id(),
        client_id = credentials.client_id,
        access_key_id = credentials.access_key_id,
    )
}

/// The demo's vendor key (`keys/demo.key`), generated on first use and trusted in the
/// demo's trust store, so the demo takes the default, signed path.
fn demo_key(dir: &Path) -> anyhow::Result<SecretKey> {
    let prefix = dir.join("keys").join("demo");
    let secret = prefix.with_extension("key");
    if !secret.exists() {
        std::fs::create_dir_all(dir.join("keys"))
            .with_context(|| format!("creating {}", dir.join("keys").display()))?;
        ccsync_plugin::generate_keypair(&prefix)?;
    }
    let key = SecretKey::read_file(&secret)?;
    let mut trust = TrustStore::open(trust_store_path(&dir.join(DATA_DIR)))?;
    if trust.lookup(key.public_key()).is_none() {
        trust.add(key.public_key(), "ccsync demo vendor")?;
    }
    Ok(key)
}

/// Writes a demo workspace around a running simulator into `dir`: the bundled connector,
/// its secrets and a config with one flow ([`FLOW`]). Returns the config file.
pub(crate) fn prepare(dir: &Path, sim: &AcdSim) -> anyhow::Result<PathBuf> {
    for sub in ["plugins", "secrets"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating {}", dir.join(sub).display()))?;
    }
    let plugin =
        ccsync_bundled::connector(PLUGIN).context("the cxone-acd connector is not bundled")?;
    let key = demo_key(dir)?;
    let manifest = Manifest::from_toml_str(plugin.manifest, "plugins/cxone-acd/plugin.toml")?;
    let signed = ccsync_plugin::sign(plugin.component, &manifest, &key)
        .context("signing the demo plugin")?;
    let plugin_path = dir.join("plugins").join(format!("{PLUGIN}.wasm"));
    std::fs::write(&plugin_path, signed)
        .with_context(|| format!("writing {}", plugin_path.display()))?;
    let credentials = sim.credentials();
    write_private(
        &dir.join("secrets/client-secret"),
        &credentials.client_secret,
    )?;
    write_private(
        &dir.join("secrets/access-key-secret"),
        &credentials.access_key_secret,
    )?;
    let config_path = dir.join("ccsync.toml");
    std::fs::write(&config_path, demo_config(&sim.base_url(), sim))
        .with_context(|| format!("writing {}", config_path.display()))?;
    Ok(config_path)
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let sim = AcdSim::start(AcdSimConfig::new(args.seed, args.users))
        .await
        .context("starting the CXone ACD simulator")?;
    let base_url = sim.base_url();
    outln!(
        "simulated CXone ACD at {base_url}: {} agents (seed {})",
        args.users,
        args.seed
    )?;
    let config_path = prepare(&args.dir, &sim)?;
    outln!(
        "wrote {} with the cxone-acd plugin (signed with the demo key, which the demo's trust store trusts), its secrets and the flow {FLOW}",
        config_path.display()
    )?;

    let mut app = App::open(&config_path)?;
    let flow = app.flow(FLOW)?.clone();
    let progress = Progress::for_terminal(FLOW);
    let options = RunOptions {
        mode: RunMode::Full,
        dry_run: false,
    };
    let report = app.run_flow(&flow, options, &progress).await?;
    out!("{}", report_text(&report))?;

    let users = app.store.list_records(&RecordFilter {
        tenant: Some("demo"),
        kind: Some(ccsync_model::Kind::User),
        status: None,
        limit: Some(3),
        offset: 0,
    })?;
    outln!("first users in the hub:")?;
    for user in &users {
        outln!(
            "  {} {} ({})",
            user.source_id,
            user.entity.display_name(),
            user.status
        )?;
    }
    let config = config_path.display();
    outln!(
        "\nthe demo directory stays usable:\n  ccsync --config {config} users list\n  \
         ccsync --config {config} runs\n  ccsync --config {config} log --limit 20\n\
         (the simulator stops with the demo; to sync again, start `ccsync-sim acd --port {port} \
         --agents {agents} --seed {seed}` and run `ccsync --config {config} sync {FLOW}`)",
        port = base_url.rsplit(':').next().unwrap_or_default(),
        agents = args.users,
        seed = args.seed,
    )?;
    sim.shutdown().await;
    Ok(exit_code(&report))
}
