//! `ccsync demo`: the whole path on one machine with nothing but this binary.
//!
//! Starts the CXone ACD simulator in-process, writes a working `ccsync.toml` (with the
//! bundled `cxone-acd` component and file secrets) into the demo directory, runs the flow
//! through the WASM connector into the SQLite hub, and prints what happened. The directory
//! stays usable afterwards: `ccsync --config DIR/ccsync.toml users list` and friends work on
//! it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod workspace;

use anyhow::Context;
use ccsync_sim::{AcdSim, AcdSimConfig};
use ccsync_store::{RecordFilter, RunMode};

use crate::app::App;
use crate::cli::DemoArgs;
use crate::commands::sync::{exit_code, report_text};
use crate::sync::{Progress, RunOptions};
use workspace::Workspace;

pub(crate) const FLOW: &str = "acd-wfm";
const PLUGIN: &str = "cxone-acd";

/// Adds the simulated ACD's connection (`acd-demo`, tenant `demo`) to a workspace.
fn acd_connection(ws: &mut Workspace, sim: &AcdSim) -> anyhow::Result<()> {
    let credentials = sim.credentials();
    ws.plugin(PLUGIN)?;
    ws.connection(
        "acd-demo",
        PLUGIN,
        "demo",
        &sim.base_url(),
        &[
            ("auth-url", sim.base_url()),
            ("tenant-id", sim.tenant_id().to_owned()),
            ("client-id", credentials.client_id.clone()),
            ("access-key-id", credentials.access_key_id.clone()),
        ],
        &[
            ("client-secret", credentials.client_secret.clone()),
            ("access-key-secret", credentials.access_key_secret.clone()),
        ],
    )
}

/// The WFM flow of the demo.
const WFM_FLOW: &str = r#"[flows.acd-wfm]
source = "acd-demo"
target = "wfm"
kinds = ["team", "security-profile", "user"]
interval = "15m"
# IEX WFM flows run on their schedule only (rule W2, manual = false by default); the demo
# allows on-demand runs so that `ccsync sync acd-wfm` can be tried.
manual = true
"#;

/// Writes a workspace around a running ACD simulator into `dir`: the bundled connector, its
/// secrets and a config with the WFM flow ([`FLOW`]). Returns the config file.
pub(crate) fn prepare(dir: &Path, sim: &AcdSim) -> anyhow::Result<PathBuf> {
    let mut ws = Workspace::new(
        dir,
        "Written by `ccsync demo`: a simulated CXone Mpower ACD synced into the hub's WFM store.",
    )?;
    acd_connection(&mut ws, sim)?;
    ws.section(WFM_FLOW);
    ws.finish()
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
