//! The command line: what an operator can ask of ccsync.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::commands;

mod accounts;
mod links;
mod plugins;

pub use accounts::*;
pub use links::*;
pub use plugins::*;

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
    /// Work with plugin files: inspect, sign, verify, test.
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

/// The message an error is reported with: its context and causes joined by `: `, each cause
/// once. The library errors name their cause in their own message (`trust store x.toml: No
/// such file or directory`), so a cause whose text the message already ends with is not
/// repeated.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.ends_with(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
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
            Command::Plugin(PluginCommand::New(args)) => commands::plugin_new::run(args),
            Command::Plugin(PluginCommand::Test(args)) => {
                commands::plugin_test::run(&config, args).await
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

#[cfg(test)]
mod error_tests {
    use anyhow::Context as _;

    use super::error_message;

    #[derive(Debug, thiserror::Error)]
    #[error("ccsync.toml: cannot read config file: {source}")]
    struct Quoting {
        source: std::io::Error,
    }

    #[test]
    fn an_error_that_quotes_its_cause_is_reported_with_the_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let error = Err::<(), _>(Quoting { source: io })
            .context("finding the trust store")
            .unwrap_err();
        assert_eq!(
            error_message(&error),
            "finding the trust store: ccsync.toml: cannot read config file: No such file"
        );
        let plain = Err::<(), _>(std::io::Error::other("disk full"))
            .context("writing x")
            .unwrap_err();
        assert_eq!(error_message(&plain), "writing x: disk full");
    }
}
