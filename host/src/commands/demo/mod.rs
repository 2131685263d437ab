//! `ccsync demo`: the whole path on one machine with nothing but this binary.
//!
//! Starts a simulator of every platform in-process, writes a working `ccsync.toml` (the
//! bundled connectors, signed, and file secrets) into the demo directory, runs every flow
//! through the WASM connectors into the SQLite hub and on to the targets, and prints what
//! happened. The directory stays usable afterwards: `ccsync --config DIR/ccsync.toml status`
//! and friends work on it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod workspace;

use anyhow::Context;
use ccsync_model::Kind;
use ccsync_sim::ivinex::RecordKind as IvinexKind;
use ccsync_sim::{
    AcdSim, AcdSimConfig, CentralSim, CentralSimConfig, IvinexSim, IvinexSimConfig, RingCentralSim,
    RingCentralSimConfig,
};
use ccsync_store::{LinkFilter, LinkStatus, RecordFilter, RecordStatus, RunMode};

pub(crate) use workspace::Workspace;

use crate::app::App;
use crate::cli::DemoArgs;
use crate::commands::sync::{exit_code, report_text};
use crate::sync::rules::{h, p};
use crate::sync::{Progress, RunOptions};

pub(crate) const FLOW: &str = "acd-wfm";
const PLUGIN: &str = "cxone-acd";

/// Adds the simulated ACD's connection (`acd-demo`, tenant `demo`) to a workspace.
pub(crate) fn acd_connection(ws: &mut Workspace, sim: &AcdSim) -> anyhow::Result<()> {
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

/// The dialer flow of the demo: the ACD's users (a selection), campaigns, dispositions and
/// agent statuses pushed to the simulated Ivinex, on demand (no interval: the seed's
/// Synchronize button).
const DIALER_FLOW: &str = r#"[flows.dialer]
source = "acd-demo"
target = "ivinex-demo"
family = "dialer"
kinds = ["user", "campaign", "disposition", "agent-status"]
"#;
const DIALER: &str = "dialer";
/// How many users the demo selects for the dialer.
const DIALER_USERS: usize = 10;

/// Adds the simulated Ivinex's connection (`ivinex-demo`) to a workspace.
pub(crate) fn ivinex_connection(ws: &mut Workspace, sim: &IvinexSim) -> anyhow::Result<()> {
    let credentials = sim.credentials();
    ws.plugin("ivinex")?;
    ws.connection(
        "ivinex-demo",
        "ivinex",
        "ivinex-demo",
        &sim.base_url(),
        &[
            ("base-url", sim.base_url()),
            ("client-id", credentials.client_id.clone()),
        ],
        &[("client-secret", credentials.client_secret.clone())],
    )
}

/// The mapping flow of the demo: the ACD's users linked to RingCentral users by email.
pub(crate) const PRESENCE_FLOW: &str = r#"[flows.presence]
source = "acd-demo"
target = "rc-demo"
family = "presence"
kinds = ["team", "security-profile", "user"]
interval = "1h"
"#;
pub(crate) const PRESENCE: &str = "presence";

/// Adds the simulated RingCentral's connection (`rc-demo`) to a workspace.
pub(crate) fn ringcentral_connection(
    ws: &mut Workspace,
    sim: &RingCentralSim,
) -> anyhow::Result<()> {
    ws.plugin("ringcentral")?;
    let (secrets, settings): (Vec<_>, Vec<_>) = sim
        .connection_settings()
        .into_iter()
        .partition(|(key, _)| matches!(*key, "client-secret" | "jwt"));
    ws.connection(
        "rc-demo",
        "ringcentral",
        "rc-demo",
        &sim.base_url(),
        &settings,
        &secrets,
    )
}

/// The WFO flow of the demo: inContact Central's users as the hub's hybrid WFO accounts.
pub(crate) const WFO_FLOW: &str = r#"[flows.central-wfo]
source = "central-demo"
target = "wfo"
kinds = ["team", "security-profile", "user"]
interval = "15m"
manual = true
"#;
pub(crate) const WFO: &str = "central-wfo";

/// Adds the simulated Central's connection (`central-demo`, tenant `central`) to a workspace.
pub(crate) fn central_connection(ws: &mut Workspace, sim: &CentralSim) -> anyhow::Result<()> {
    ws.plugin("central")?;
    let (secrets, settings): (Vec<_>, Vec<_>) = sim
        .connection_settings()
        .into_iter()
        .partition(|(key, _)| *key == "password");
    ws.connection(
        "central-demo",
        "central",
        "central",
        &sim.base_url(),
        &settings,
        &secrets,
    )
}

/// Simulated seconds per real second of the demo's RingCentral.
const RC_TIME_SCALE: u32 = 60;

/// The simulators the demo runs, one per platform.
struct Sims {
    acd: AcdSim,
    central: CentralSim,
    ivinex: IvinexSim,
    rc: RingCentralSim,
}

impl Sims {
    async fn start(args: &DemoArgs) -> anyhow::Result<Sims> {
        let acd = AcdSim::start(AcdSimConfig::new(args.seed, args.users))
            .await
            .context("starting the CXone ACD simulator")?;
        let ivinex = IvinexSim::start(IvinexSimConfig::new(args.seed))
            .await
            .context("starting the Ivinex simulator")?;
        // The directory's people overlap the ACD's (same seed); its clock runs 60 times
        // faster, so the real rate limits cost seconds instead of minutes.
        let mut config =
            RingCentralSimConfig::new(args.seed, args.users).with_time_scale(RC_TIME_SCALE);
        config.acd_tenant_id = acd.tenant_id().to_owned();
        let rc = RingCentralSim::start(config)
            .await
            .context("starting the RingCentral simulator")?;
        let central = CentralSim::start(CentralSimConfig::new(args.seed, args.users))
            .await
            .context("starting the inContact Central simulator")?;
        Ok(Sims {
            acd,
            central,
            ivinex,
            rc,
        })
    }

    async fn shutdown(self) {
        self.acd.shutdown().await;
        self.central.shutdown().await;
        self.ivinex.shutdown().await;
        self.rc.shutdown().await;
    }
}

/// Runs a flow in full, printing its report; whether it succeeded.
async fn run_flow(app: &mut App, name: &str) -> anyhow::Result<bool> {
    let flow = app.flow(name)?.clone();
    let progress = Progress::for_terminal(name);
    let options = RunOptions {
        mode: RunMode::Full,
        dry_run: false,
    };
    let report = app.run_flow(&flow, options, &progress).await?;
    out!("{}", report_text(&report))?;
    Ok(exit_code(&report) == ExitCode::SUCCESS)
}

/// What the WFO store holds now: accounts, billing, and the export written beside the config.
fn wfo_summary(app: &App, dir: &Path) -> anyhow::Result<()> {
    let accounts = app.store.list_wfo_accounts("wfo", None)?;
    let billing = h::report::billing(&accounts);
    let with_phones = accounts.iter().filter(|a| !a.phones.is_empty()).count();
    outln!(
        "{} WFO accounts (users with the iWFOUser or iWFOAdmin profile), all with Agent on at \
         creation; {with_phones} with phones (Primary Phone on iWFO Enabled); {} billed (active \
         in Central on iWFO Enabled)",
        accounts.len(),
        billing.billed.len()
    )?;
    let export = dir.join("wfo-export.csv");
    let rows = h::report::export(&accounts, &export)?;
    outln!(
        "exported {rows} accounts to {} (the seed's 13 columns; the password column empty)",
        export.display()
    )?;
    Ok(())
}

/// How the mapping stands, and how to map one unmapped user by hand.
fn mapping_summary(app: &App, config: &Path) -> anyhow::Result<()> {
    let counts = app.store.count_links(PRESENCE)?;
    let count = |status| counts.get(&status).copied().unwrap_or(0);
    let links = app.store.list_links(&LinkFilter {
        flow: Some(PRESENCE),
        status: Some(LinkStatus::Unmapped),
        limit: None,
    })?;
    let skipped = links
        .iter()
        .filter(|l| l.reason.as_deref() == Some(p::decide::NO_PERMISSION))
        .count() as u64;
    outln!(
        "{} mapped by email, {} unmapped ({} skipped: role lacks `User Mapping: Map`), {} \
         ambiguous (several directory users share the email)",
        count(LinkStatus::Mapped),
        count(LinkStatus::Unmapped) - skipped,
        skipped,
        count(LinkStatus::Ambiguous)
    )?;
    let config = config.display();
    outln!(
        "why each is unmapped: ccsync --config {config} links list {PRESENCE} --status unmapped"
    )?;
    if let Some(link) = links
        .iter()
        .find(|l| l.reason.as_deref() != Some(p::decide::NO_PERMISSION))
    {
        let name = app
            .store
            .record(&link.tenant, Kind::User, &link.source_id)?
            .and_then(|r| match r.entity {
                ccsync_model::Entity::User(u) => u.last_name,
                _ => None,
            })
            .unwrap_or_default();
        outln!(
            "map one by hand: ccsync --config {config} links search {PRESENCE} \"{name}\", then \
             ccsync --config {config} links pin {PRESENCE} {} <directory id>",
            link.source_id
        )?;
    }
    Ok(())
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let sims = Sims::start(&args).await?;
    outln!(
        "simulators on loopback: CXone ACD at {} ({} agents, seed {}), inContact Central at {} \
         ({} users), RingCentral at {} (its people overlap the ACD's; its clock runs \
         {RC_TIME_SCALE}x), Ivinex at {}",
        sims.acd.base_url(),
        args.users,
        args.seed,
        sims.central.base_url(),
        args.users,
        sims.rc.base_url(),
        sims.ivinex.base_url()
    )?;
    let mut ws = Workspace::new(
        &args.dir,
        "Written by `ccsync demo`: simulated platforms (a CXone Mpower ACD, an Ivinex dialer)\n\
         and the flows between them and the hub.",
    )?;
    acd_connection(&mut ws, &sims.acd)?;
    ivinex_connection(&mut ws, &sims.ivinex)?;
    ringcentral_connection(&mut ws, &sims.rc)?;
    central_connection(&mut ws, &sims.central)?;
    ws.section(WFM_FLOW);
    ws.section(WFO_FLOW);
    ws.section(PRESENCE_FLOW);
    ws.section(DIALER_FLOW);
    let config_path = ws.finish()?;
    outln!(
        "wrote {} with the bundled connectors (signed with the demo key, which the demo's trust \
         store trusts), their secrets and the flows {FLOW}, {WFO}, {PRESENCE} and {DIALER}",
        config_path.display()
    )?;
    let mut app = App::open(&config_path)?;
    let mut ok = true;

    outln!("\n== ACD -> WFM (rules W): the hub's WFM employee accounts")?;
    ok &= run_flow(&mut app, FLOW).await?;

    outln!("\n== Central -> WFO (rules H): hybrid WFO accounts, billing and the export")?;
    ok &= run_flow(&mut app, WFO).await?;
    wfo_summary(&app, &args.dir)?;

    outln!("\n== ACD -> RingCentral (rules P): users mapped by email, the rest by hand")?;
    ok &= run_flow(&mut app, PRESENCE).await?;
    mapping_summary(&app, &config_path)?;

    outln!("\n== ACD -> Ivinex (rules D): selected users and the three lists, pushed")?;
    outln!(
        "a first run reads the lists to select from; nothing is selected yet, so nothing is pushed:"
    )?;
    ok &= run_flow(&mut app, DIALER).await?;
    let tenant = "demo";
    let users: Vec<String> = app
        .store
        .list_records(&RecordFilter {
            tenant: Some(tenant),
            kind: Some(Kind::User),
            status: Some(RecordStatus::Active),
            limit: Some(DIALER_USERS),
            offset: 0,
        })?
        .into_iter()
        .map(|r| r.source_id)
        .collect();
    app.store
        .select(DIALER, tenant, Kind::User.as_str(), &users, true)?;
    for kind in [Kind::Campaign, Kind::Disposition, Kind::AgentStatus] {
        let all: Vec<String> = app
            .store
            .list_records(&RecordFilter {
                tenant: Some(tenant),
                kind: Some(kind),
                ..RecordFilter::default()
            })?
            .into_iter()
            .map(|r| r.source_id)
            .collect();
        app.store
            .select(DIALER, tenant, kind.as_str(), &all, true)?;
    }
    outln!(
        "selected {} users (as `ccsync select {DIALER} --add …` does) and every campaign, \
         disposition and agent status",
        users.len()
    )?;
    ok &= run_flow(&mut app, DIALER).await?;
    let pushed = sims
        .ivinex
        .users()
        .into_iter()
        .filter(|u| u.external_id.is_some());
    let needing = pushed.filter(|u| !u.password_set).count();
    let items = |kind| {
        sims.ivinex
            .items(kind)
            .into_iter()
            .filter(|i| i.external_id.is_some())
            .count()
    };
    outln!(
        "Ivinex now holds {needing} users from ccsync in `Call Center Agents`, each needing a \
         password before they can log in (`ccsync dialer needs-password {DIALER}`), and {} \
         campaigns in `CC Campaigns`, {} dispositions in `CC Dispositions`, {} agent statuses \
         in `CC Agent Status`",
        items(IvinexKind::Campaign),
        items(IvinexKind::Disposition),
        items(IvinexKind::AgentStatus)
    )?;

    let config = config_path.display();
    outln!(
        "\nthe demo directory stays usable:\n  ccsync --config {config} status\n  \
         ccsync --config {config} users list\n  ccsync --config {config} wfo billing\n  \
         ccsync --config {config} wfo export --csv wfo.csv\n  \
         ccsync --config {config} select {DIALER} --list\n  \
         ccsync --config {config} log --limit 20\n\
         (the simulators stop with the demo; `ccsync-sim acd|central|ringcentral|ivinex --port …` \
         serves them again)"
    )?;
    sims.shutdown().await;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
