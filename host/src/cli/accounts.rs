//! The arguments of the hub's accounts: WFM employee accounts (`ccsync accounts`) and hybrid
//! WFO accounts (`ccsync wfo`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
