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
    /// The users the hub holds.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Past runs, newest first.
    Runs(RunsArgs),
    /// The provisioning log: every action and skip, with reasons and old -> new values.
    Log(LogArgs),
    /// Work with plugin files.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Run the demo: a simulated CXone ACD synced through the WASM connector into SQLite.
    Demo(DemoArgs),
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
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Only entries about this source user id.
    #[arg(long)]
    pub user: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Load a plugin in the sandbox and print what its describe() returns.
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The plugin component (.wasm).
    pub file: PathBuf,
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

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let config = cli.config;
        match cli.command {
            Command::Sync(args) => commands::sync::run(&config, args).await,
            Command::Users(UsersCommand::List(args)) => commands::report::users(&config, args),
            Command::Runs(args) => commands::report::runs(&config, args),
            Command::Log(args) => commands::report::log(&config, args),
            Command::Plugin(PluginCommand::Inspect(args)) => commands::plugin::inspect(args).await,
            Command::Demo(args) => commands::demo::run(args).await,
        }
    })
}
