//! `ccsync wfo …`: the hub's hybrid WFO accounts as the WFO portal's administrator sees them:
//! list and show, the operator's acts on one account (rule H4: lock and unlock, deactivate
//! and reactivate; H2: the Agent flag), the billing report (H5) and the CSV export (H6).
//!
//! Every act is logged in the account log with origin `operator`, who acted and why, and is
//! compare-and-set against a sync changing the same account.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ccsync_config::{Config, HubKind};
use ccsync_store::{AccountLogFilter, AccountStatus, Deactivator, LogAction, Store, WfoAccount};
use serde_json::json;

use crate::app::open_store;
use crate::cli::{
    WfoAccountArgs, WfoActArgs, WfoCommand, WfoExportArgs, WfoListArgs, WfoSetAgentArgs,
    WfoSetLoginArgs, WfoStoreArgs,
};
use crate::sync::rules::h::{operate, report};

/// Runs one `ccsync wfo` command.
pub fn run(config: &Path, command: WfoCommand) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    match command {
        WfoCommand::List(args) => list(&config, &store, &args),
        WfoCommand::Show(args) => show(&config, &store, &args),
        WfoCommand::Lock(args) => act(&config, &mut store, &args, Act::Lock),
        WfoCommand::Unlock(args) => act(&config, &mut store, &args, Act::Unlock),
        WfoCommand::Deactivate(args) => act(&config, &mut store, &args, Act::Deactivate),
        WfoCommand::Reactivate(args) => act(&config, &mut store, &args, Act::Reactivate),
        WfoCommand::SetAgent(args) => set_agent(&config, &mut store, &args),
        WfoCommand::SetLogin(args) => set_login(&config, &mut store, &args),
        WfoCommand::Billing(args) => billing(&config, &store, &args),
        WfoCommand::Export(args) => export(&config, &store, &args),
    }
}

/// The WFO store named `name`, or the config's only one.
fn wfo_store(config: &Config, name: Option<&str>) -> anyhow::Result<String> {
    let stores: Vec<&str> = config
        .stores()
        .values()
        .filter(|s| s.kind == HubKind::Wfo)
        .map(|s| s.name.as_str())
        .collect();
    match name {
        Some(name) if stores.contains(&name) => Ok(name.to_owned()),
        Some(name) => bail!(
            "--store: {name:?} is not a WFO store of the config (WFO stores: {})",
            stores.join(", ")
        ),
        None => match stores.as_slice() {
            [one] => Ok((*one).to_owned()),
            [] => bail!("the config has no WFO store"),
            _ => bail!(
                "the config has several WFO stores ({}): name one with --store",
                stores.join(", ")
            ),
        },
    }
}

/// The one account of `args`.
fn account(config: &Config, store: &Store, args: &WfoAccountArgs) -> anyhow::Result<WfoAccount> {
    let name = wfo_store(config, args.store.store.as_deref())?;
    let mut found = store.find_wfo_accounts(&name, &args.user)?;
    if let Some(tenant) = &args.tenant {
        found.retain(|a| &a.tenant == tenant);
    }
    match found.len() {
        0 => bail!(
            "WFO store {name} has no account of user {}{}",
            args.user,
            args.tenant
                .as_deref()
                .map(|t| format!(" of tenant {t}"))
                .unwrap_or_default()
        ),
        1 => Ok(found.remove(0)),
        _ => {
            let tenants: Vec<&str> = found.iter().map(|a| a.tenant.as_str()).collect();
            bail!(
                "user {} has an account for several tenants ({}): name one with --tenant",
                args.user,
                tenants.join(", ")
            )
        }
    }
}

fn list(config: &Config, store: &Store, args: &WfoListArgs) -> anyhow::Result<ExitCode> {
    let name = wfo_store(config, args.store.store.as_deref())?;
    let accounts = store.list_wfo_accounts(&name, args.tenant.as_deref())?;
    if args.store.json {
        outln!("{}", serde_json::to_string_pretty(&accounts)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for a in &accounts {
        let mut flags = vec![a.status.as_str()];
        if a.locked {
            flags.push("locked");
        }
        if a.agent {
            flags.push("agent");
        }
        if a.billed() {
            flags.push("billed");
        }
        outln!(
            "{}/{}  {}  {}  [{}]  phones: {}",
            a.tenant,
            a.source_id,
            a.username.as_deref().unwrap_or("-"),
            report::display(a),
            flags.join(", "),
            if a.phones.is_empty() {
                "-".to_owned()
            } else {
                a.phones.join("; ")
            }
        )?;
    }
    outln!("{} WFO accounts in {name}", accounts.len())?;
    Ok(ExitCode::SUCCESS)
}

fn show(config: &Config, store: &Store, args: &WfoAccountArgs) -> anyhow::Result<ExitCode> {
    let account = account(config, store, args)?;
    let history = store.account_log(&AccountLogFilter {
        store: Some(&account.store),
        tenant: Some(&account.tenant),
        source_id: Some(&account.source_id),
        ..AccountLogFilter::default()
    })?;
    if args.store.json {
        let shown = json!({ "account": account, "billed": account.billed(), "log": history });
        outln!("{}", serde_json::to_string_pretty(&shown)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}", serde_json::to_string_pretty(&account)?)?;
    outln!("billed: {}", if account.billed() { "yes" } else { "no" })?;
    for entry in &history {
        let changes: Vec<String> = entry
            .changes
            .iter()
            .map(|c| format!("{}: {} -> {}", c.field, c.old, c.new))
            .collect();
        outln!(
            "{}  {} ({}){}  {}",
            entry.at.strftime("%Y-%m-%d %H:%M:%SZ"),
            entry.action,
            entry.origin,
            entry
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default(),
            changes.join("; ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An operator's act on one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Lock,
    Unlock,
    Deactivate,
    Reactivate,
}

/// Who acts: `--by`, else the session's login name.
fn actor(by: Option<&str>) -> String {
    by.map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "an operator".to_owned())
}

fn act(
    config: &Config,
    store: &mut Store,
    args: &WfoActArgs,
    act: Act,
) -> anyhow::Result<ExitCode> {
    let old = account(config, store, &args.account)?;
    let who = actor(args.by.as_deref());
    let key = format!("{}/{}", old.tenant, old.source_id);
    let mut new = old.clone();
    let (action, verb) = match act {
        Act::Lock if old.locked => bail!("account {key} is already locked"),
        Act::Lock => {
            new.locked = true;
            (LogAction::Update, "locked")
        }
        Act::Unlock if !old.locked => bail!("account {key} is not locked"),
        Act::Unlock => {
            new.locked = false;
            (LogAction::Update, "unlocked")
        }
        Act::Deactivate if old.status == AccountStatus::Deactivated => bail!(
            "account {key} is already deactivated ({})",
            old.status_reason.as_deref().unwrap_or("no reason given")
        ),
        Act::Deactivate => {
            new.status = AccountStatus::Deactivated;
            new.deactivated_by = Some(Deactivator::Operator);
            new.status_reason = Some(format!("deactivated in WFO by {who}: {}", args.reason));
            (LogAction::Deactivate, "deactivated")
        }
        Act::Reactivate if old.status == AccountStatus::Active => {
            bail!("account {key} is active")
        }
        Act::Reactivate if !old.central_active => bail!(
            "account {key} cannot be reactivated: its user is deactivated in Central, and WFO \
             accounts follow Central (rule H1); reactivate the user in Central"
        ),
        Act::Reactivate => {
            new.status = AccountStatus::Active;
            new.deactivated_by = None;
            new.status_reason = None;
            (LogAction::Reactivate, "reactivated")
        }
    };
    let reason = format!("{verb} by {who}: {}", args.reason);
    operate(store, &old, new, action, reason)?;
    outln!("account {key} {verb} (logged as {who}'s act)")?;
    if act == Act::Deactivate && old.billed() {
        outln!(
            "note: the user is still active in Central on the iWFO Enabled team, so still \
             billed (rule H5): move them to iWFO Not Enabled in Central, or deactivate them \
             there"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn set_agent(
    config: &Config,
    store: &mut Store,
    args: &WfoSetAgentArgs,
) -> anyhow::Result<ExitCode> {
    let old = account(config, store, &args.act.account)?;
    let agent = args.agent == "on";
    let key = format!("{}/{}", old.tenant, old.source_id);
    if old.agent == agent {
        bail!("account {key} already has Agent {}", args.agent);
    }
    let who = actor(args.act.by.as_deref());
    let new = WfoAccount {
        agent,
        ..old.clone()
    };
    let reason = format!("Agent set {} by {who}: {}", args.agent, args.act.reason);
    operate(store, &old, new, LogAction::Update, reason)?;
    outln!(
        "account {key}: Agent {} (logged as {who}'s act)",
        args.agent
    )?;
    Ok(ExitCode::SUCCESS)
}

fn set_login(
    config: &Config,
    store: &mut Store,
    args: &WfoSetLoginArgs,
) -> anyhow::Result<ExitCode> {
    let old = account(config, store, &args.act.account)?;
    let key = format!("{}/{}", old.tenant, old.source_id);
    let value = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    let new = WfoAccount {
        system_username: value(&args.system_username),
        system_domain: value(&args.system_domain),
        ..old.clone()
    };
    if new == old {
        bail!("account {key} already has that system login");
    }
    let who = actor(args.act.by.as_deref());
    let reason = format!("system login set by {who}: {}", args.act.reason);
    operate(store, &old, new, LogAction::Update, reason)?;
    outln!("account {key}: system login set (logged as {who}'s act)")?;
    Ok(ExitCode::SUCCESS)
}

fn billing(config: &Config, store: &Store, args: &WfoStoreArgs) -> anyhow::Result<ExitCode> {
    let name = wfo_store(config, args.store.as_deref())?;
    let accounts = store.list_wfo_accounts(&name, None)?;
    let report = report::billing(&accounts);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for b in &report.billed {
        let mut flags = Vec::new();
        if b.locked {
            flags.push("locked (still billed)");
        }
        if b.deactivated_in_wfo {
            flags.push("DEACTIVATED IN WFO BUT STILL BILLED");
        }
        outln!(
            "{}/{}  {}  {}{}",
            b.tenant,
            b.source_id,
            b.username.as_deref().unwrap_or("-"),
            b.name,
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        )?;
    }
    outln!(
        "{} of {} WFO accounts billed (active in Central on iWFO Enabled); {} locked, {} \
         deactivated in WFO but still billed",
        report.billed.len(),
        report.accounts,
        report.locked,
        report.deactivated_but_billed
    )?;
    Ok(ExitCode::SUCCESS)
}

fn export(config: &Config, store: &Store, args: &WfoExportArgs) -> anyhow::Result<ExitCode> {
    let name = wfo_store(config, args.store.as_deref())?;
    let accounts = store.list_wfo_accounts(&name, None)?;
    let rows = report::export(&accounts, &args.csv)
        .with_context(|| format!("exporting the WFO accounts to {}", args.csv.display()))?;
    outln!(
        "{rows} WFO accounts of {name} written to {} (13 columns; the password column is \
         empty: no password is ever stored)",
        args.csv.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
