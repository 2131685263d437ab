//! The command line: what an operator can ask of ccsync.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "ccsync",
    version,
    about = "Keeps contact-center user accounts in step across platforms"
)]
pub struct Cli {
    /// The config file.
    #[arg(
        short,
        long,
        global = true,
        env = "CCSYNC_CONFIG",
        default_value = "ccsync.toml"
    )]
    pub config: PathBuf,

    /// Development only: load plugins that carry no trusted signature (never a tampered or
    /// revoked one), with a loud warning on every load.
    #[arg(long, global = true)]
    pub allow_unsigned: bool,

    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a flow now: read the source, plan, apply (or only show the plan with --dry-run).
    Sync(SyncArgs),
    /// Show what the next scheduled run of a flow would do (incremental or full, as due),
    /// writing nothing. Works for every flow, `manual = false` ones included.
    Plan(PlanArgs),
    /// Approve a run that stopped at a safety threshold: the flow's next run may deactivate
    /// up to as many records as that run planned.
    Approve(ApproveArgs),
    /// The users the hub holds.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The hub's WFM accounts: list, incomplete ones, their log, mass update from a CSV.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Past runs, newest first.
    Runs(RunsArgs),
    /// The provisioning log: every action and skip, with reasons and old -> new values.
    Log(LogArgs),
    /// Work with plugin files: inspect, sign, verify.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Vendor signing keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// The operator's trust store of vendor keys.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Run the demo: a simulated CXone ACD synced through the WASM connector into SQLite.
    Demo(DemoArgs),
    /// Measure sync throughput and memory against the simulator (build with --release).
    Bench(BenchArgs),
    /// Run every flow on its schedule until SIGTERM or Ctrl-C (the daemon).
    Serve(ServeArgs),
    /// Every flow's health, last run and next runs.
    Status(StatusArgs),
    /// Clear a flow's pause, failures and quarantine and make it due now.
    Resume(ResumeArgs),
    /// Pause a flow: `serve` skips it and `sync` refuses it until `ccsync resume`.
    Pause(PauseArgs),
    /// The links of a flow whose target is a connection: list, show, pin, ignore, unlink,
    /// and search the target's directory for a manual mapping.
    #[command(subcommand)]
    Links(LinksCommand),
    /// The records an operator selected for a push flow (rule D1): list, select all, clear
    /// all, add or remove ids.
    Select(SelectArgs),
    /// A push flow's users at the dialer.
    #[command(subcommand)]
    Dialer(DialerCommand),
    /// The hub's hybrid WFO accounts (rules H): list, show, an operator's acts (lock, unlock,
    /// deactivate, reactivate, set-agent), billing and the CSV export.
    #[command(subcommand)]
    Wfo(WfoCommand),
}

#[derive(Debug, Subcommand)]
pub enum WfoCommand {
    /// List the WFO accounts, in key order.
    List(WfoListArgs),
    /// One account, with its history.
    Show(WfoAccountArgs),
    /// Lock an account: no portal access for now; still recorded and billed (rule H4).
    Lock(WfoActArgs),
    /// Unlock a locked account.
    Unlock(WfoActArgs),
    /// Deactivate an account in WFO: history kept, still billed while active in Central on
    /// `iWFO Enabled` (rule H4); only `reactivate` brings it back.
    Deactivate(WfoActArgs),
    /// Reactivate an account deactivated in WFO.
    Reactivate(WfoActArgs),
    /// Set or clear the Agent flag (recorded users); syncs never touch it after creation (H2).
    SetAgent(WfoSetAgentArgs),
    /// Set (or, with empty values, clear) the system login screens are recorded under: a
    /// WFO-local field no sync touches, exported as `System username` and `System domain`.
    SetLogin(WfoSetLoginArgs),
    /// The billed users (active in Central on `iWFO Enabled`), flagging the locked and those
    /// deactivated in WFO but still billed (rule H5).
    Billing(WfoStoreArgs),
    /// Write every account to a CSV file with the 13 columns of the WFO export (rule H6).
    Export(WfoExportArgs),
}

#[derive(Debug, Args)]
pub struct WfoStoreArgs {
    /// The WFO store (default: the one WFO store of the config).
    #[arg(long)]
    pub store: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WfoListArgs {
    #[command(flatten)]
    pub store: WfoStoreArgs,
    /// Only accounts of this source tenant.
    #[arg(long)]
    pub tenant: Option<String>,
}

#[derive(Debug, Args)]
pub struct WfoAccountArgs {
    /// The user's Central id.
    pub user: String,
    /// The source tenant, when the id is in several.
    #[arg(long)]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub store: WfoStoreArgs,
}

#[derive(Debug, Args)]
pub struct WfoActArgs {
    #[command(flatten)]
    pub account: WfoAccountArgs,
    /// Why, for the account log.
    #[arg(long)]
    pub reason: String,
    /// Who acts, for the account log (default: the login name of the session).
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct WfoSetAgentArgs {
    #[command(flatten)]
    pub act: WfoActArgs,
    /// `on` (the user is recorded) or `off`.
    #[arg(long, value_parser = ["on", "off"])]
    pub agent: String,
}

#[derive(Debug, Args)]
pub struct WfoSetLoginArgs {
    #[command(flatten)]
    pub act: WfoActArgs,
    /// The system (domain) user name.
    #[arg(long)]
    pub system_username: String,
    /// The system domain.
    #[arg(long)]
    pub system_domain: String,
}

#[derive(Debug, Args)]
pub struct WfoExportArgs {
    /// The CSV file to write (replaced whole, never left half-written).
    #[arg(long)]
    pub csv: PathBuf,
    /// The WFO store (default: the one WFO store of the config).
    #[arg(long)]
    pub store: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DialerCommand {
    /// The users the flow pushed that have no password at the dialer yet (rule D2): they
    /// cannot log in until someone sets one there.
    NeedsPassword(NeedsPasswordArgs),
}

#[derive(Debug, Args)]
pub struct NeedsPasswordArgs {
    /// The push flow.
    pub flow: String,
    /// List every pushed user with how its password stands, not only those needing one.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// A flow's links, in key order, optionally of one status.
    List(LinksListArgs),
    /// One record's link and its history.
    Show(LinkArgs),
    /// Links a record to a target id by hand; automation never overrides a pin.
    Pin(LinkPinArgs),
    /// Tells automation to leave a record alone.
    Ignore(LinkArgs),
    /// Removes a record's link; automation may link the record again.
    Unlink(LinkArgs),
    /// Searches the target's directory by name (for `links pin`).
    Search(LinkSearchArgs),
}

#[derive(Debug, Args)]
pub struct LinksListArgs {
    /// The flow.
    pub flow: String,
    /// Only links with this status: mapped, unmapped, ambiguous, ignored, failed.
    #[arg(long)]
    pub status: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The flow.
    pub flow: String,
    /// The hub record's source id.
    pub record: String,
    /// The record's kind.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// Why (kept in the link's log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkPinArgs {
    /// The flow.
    pub flow: String,
    /// The hub record's source id.
    pub record: String,
    /// The record's id at the target.
    pub target_id: String,
    /// The record's kind.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// Why (kept in the link's log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print the link as it now stands, as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LinkSearchArgs {
    /// The flow.
    pub flow: String,
    /// A name, or part of one.
    pub query: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("what")
        .required(true)
        .args(["list", "all", "none", "add", "remove"])
))]
pub struct SelectArgs {
    /// The push flow.
    pub flow: String,
    /// The kind of records.
    #[arg(long, default_value = "user")]
    pub kind: String,
    /// List the source's records with a mark for each selected one.
    #[arg(long)]
    pub list: bool,
    /// Select every record the hub holds of the kind.
    #[arg(long)]
    pub all: bool,
    /// Clear the selection.
    #[arg(long)]
    pub none: bool,
    /// Select these records.
    #[arg(long, num_args = 1..)]
    pub add: Vec<String>,
    /// Deselect these records (they stay at the target: rule D4).
    #[arg(long, num_args = 1..)]
    pub remove: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The flow to run.
    pub flow: String,
    /// Show the plan, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Read everything (a full reconciliation) instead of what changed since the last run.
    #[arg(long)]
    pub full: bool,
    /// Sync only this user (their source id) now, showing each step: read, scope, match,
    /// diff, action. Never deactivates a user it does not find.
    #[arg(long, value_name = "ID", conflicts_with = "full")]
    pub user: Option<String>,
    /// Push only the records of this kind (a push flow's users and each list kind can be
    /// synchronised on their own).
    #[arg(long, value_name = "KIND", conflicts_with = "user")]
    pub kind: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The flow to plan.
    pub flow: String,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The run that stopped for approval (see `ccsync runs` or `ccsync status`).
    pub run: i64,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List the users the hub holds.
    List(UsersListArgs),
}

#[derive(Debug, Args)]
pub struct UsersListArgs {
    /// Only users of this source tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// At most this many users.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List the accounts the hub holds (never deleted: deactivated, with the reason).
    List(AccountsListArgs),
    /// The accounts missing required fields, with what each misses (rule W6).
    Incomplete(IncompleteArgs),
    /// Fill missing fields of many accounts from a CSV (`tenant,id` and field columns).
    MassUpdate(MassUpdateArgs),
    /// What happened to accounts: every create, update, deactivate, reactivate and skip.
    Log(AccountsLogArgs),
}

#[derive(Debug, Args)]
pub struct AccountsListArgs {
    /// Only accounts of this hub store.
    #[arg(long)]
    pub store: Option<String>,
    /// Only accounts of this source tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// At most this many accounts.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IncompleteArgs {
    /// Only accounts of this hub store.
    #[arg(long)]
    pub store: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MassUpdateArgs {
    /// The CSV: a header row with `tenant`, `id` and any of username, first_name, last_name,
    /// email, employee_id.
    #[arg(long)]
    pub csv: PathBuf,
    /// Apply the valid rows even if some are invalid (each invalid one is still reported).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The WFM store (default: the only one the flows target).
    #[arg(long)]
    pub store: Option<String>,
}

#[derive(Debug, Args)]
pub struct AccountsLogArgs {
    /// Only entries of this hub store.
    #[arg(long)]
    pub store: Option<String>,
    /// Only entries of this source tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only entries about this source user id.
    #[arg(long)]
    pub id: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only runs of this flow.
    #[arg(long)]
    pub flow: Option<String>,
    /// At most this many runs.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only entries of this run.
    #[arg(long)]
    pub run: Option<i64>,
    /// Only entries of runs of this flow.
    #[arg(long)]
    pub flow: Option<String>,
    /// Only entries of this source tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only entries about records of this kind, or about WFM accounts (`account`) or links
    /// (`link`).
    #[arg(long, value_enum)]
    pub kind: Option<commands::report::LogKind>,
    /// Only entries about this user (their source id): the user record's and the account's.
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// The latest this many entries (printed oldest first).
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print what a plugin claims (its embedded manifest and signatures, read without running
    /// it) and what its describe() returns (run in the sandbox, with no network).
    Inspect(InspectArgs),
    /// Embed a manifest and add an Ed25519 signature to a plugin component.
    Sign(SignArgs),
    /// Print who signed a plugin and whether this host would load it.
    Verify(VerifyArgs),
    /// Embed a manifest without signing: a development build, loadable only with
    /// `allow_unsigned`.
    EmbedManifest(EmbedManifestArgs),
}

#[derive(Debug, Args)]
pub struct EmbedManifestArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// The plugin's manifest (plugin.toml).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Where to write the component (default: replace FILE).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// Only read the embedded manifest and signatures; do not run describe().
    #[arg(long)]
    pub no_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The plugin component (.wasm) to sign.
    pub file: PathBuf,
    /// The vendor's secret key file (from `ccsync key generate`).
    #[arg(long)]
    pub key: PathBuf,
    /// The plugin's manifest (plugin.toml).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Where to write the signed component (default: replace FILE).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
    /// The trust store to check against (default: the one in the config's data directory).
    #[arg(long)]
    pub trust_store: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write a new Ed25519 key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub.
    Generate(KeyGenerateArgs),
}

#[derive(Debug, Args)]
pub struct KeyGenerateArgs {
    /// The files' path prefix; existing files are never overwritten.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a vendor's public key.
    Add(TrustAddArgs),
    /// List trusted and revoked keys.
    List(TrustListArgs),
    /// Revoke a key, permanently: plugins signed only by it are refused from now on.
    Revoke(TrustRevokeArgs),
}

#[derive(Debug, Args)]
pub struct TrustStoreArg {
    /// The trust store file (default: the one in the config's data directory).
    #[arg(long)]
    pub trust_store: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrustAddArgs {
    /// The vendor's public key file (PREFIX.pub).
    pub public_key: PathBuf,
    /// Who the key belongs to.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub store: TrustStoreArg,
}

#[derive(Debug, Args)]
pub struct TrustListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: TrustStoreArg,
}

#[derive(Debug, Args)]
pub struct TrustRevokeArgs {
    /// The key id (16 hex digits, as `ccsync trust list` shows it).
    pub key_id: String,
    /// Why (recorded with the revocation).
    #[arg(long, default_value = "revoked by the operator")]
    pub reason: String,
    #[command(flatten)]
    pub store: TrustStoreArg,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo's config, plugin, secrets and database.
    #[arg(long, default_value = "ccsync-demo")]
    pub dir: PathBuf,
    /// How many agents the simulated ACD has.
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// The seed of the simulated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Run each flow that is due once, then exit (for cron and tests); exit code 1 if a run
    /// failed.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The flow to resume.
    pub flow: String,
}

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// The flow to pause.
    pub flow: String,
    /// Why (kept with the pause, shown by `ccsync status` and logged in the flow's history).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure: `wfm` (ACD -> WFM accounts), `wfo` (Central -> WFO accounts),
    /// `mapping` (the requests a RingCentral mapping makes), `dialer` (a push of selected users
    /// to Ivinex), or `all`.
    #[arg(long, default_value = "all", value_parser = ["all", "wfm", "wfo", "mapping", "dialer"])]
    pub suite: String,
    /// Sizes to measure, in simulated agents (default: each suite's own).
    #[arg(long = "users")]
    pub users: Vec<usize>,
    /// Measurements per size (the median is printed).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Measure one size in this process and print it as JSON (used by the benchmark itself).
    #[arg(long, hide = true)]
    pub one: Option<usize>,
}

/// Whether `error` comes from writing to a reader that went away (`ccsync users list | head`):
/// the command ends quietly then.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let config = cli.config;
        let allow_unsigned = cli.allow_unsigned;
        match cli.command {
            Command::Sync(args) => commands::sync::run(&config, allow_unsigned, args).await,
            Command::Plan(args) => commands::sync::plan(&config, allow_unsigned, args).await,
            Command::Approve(args) => commands::sync::approve(&config, args),
            Command::Users(UsersCommand::List(args)) => commands::report::users(&config, args),
            Command::Accounts(command) => match command {
                AccountsCommand::List(args) => commands::accounts::list(&config, args),
                AccountsCommand::Incomplete(args) => commands::accounts::incomplete(&config, args),
                AccountsCommand::MassUpdate(args) => commands::accounts::mass_update(&config, args),
                AccountsCommand::Log(args) => commands::accounts::log(&config, args),
            },
            Command::Runs(args) => commands::report::runs(&config, args),
            Command::Log(args) => commands::report::log(&config, args),
            Command::Plugin(PluginCommand::Inspect(args)) => commands::plugin::inspect(args).await,
            Command::Plugin(PluginCommand::Sign(args)) => commands::plugin::sign(args),
            Command::Plugin(PluginCommand::EmbedManifest(args)) => {
                commands::plugin::embed_manifest(args)
            }
            Command::Plugin(PluginCommand::Verify(args)) => {
                commands::plugin::verify(&config, allow_unsigned, args).await
            }
            Command::Key(KeyCommand::Generate(args)) => commands::trust::generate_key(args),
            Command::Trust(TrustCommand::Add(args)) => commands::trust::add(&config, args),
            Command::Trust(TrustCommand::List(args)) => commands::trust::list(&config, args),
            Command::Trust(TrustCommand::Revoke(args)) => commands::trust::revoke(&config, args),
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Bench(args) => commands::bench::run(args).await,
            Command::Serve(args) => commands::serve::serve(&config, allow_unsigned, args).await,
            Command::Status(args) => commands::serve::status(&config, args),
            Command::Resume(args) => commands::serve::resume(&config, args),
            Command::Pause(args) => commands::serve::pause(&config, args),
            Command::Links(command) => commands::links::run(&config, allow_unsigned, command).await,
            Command::Select(args) => commands::dialer::select(&config, args),
            Command::Wfo(command) => commands::wfo::run(&config, command),
            Command::Dialer(command) => {
                commands::dialer::run(&config, allow_unsigned, command).await
            }
        }
    })
}
