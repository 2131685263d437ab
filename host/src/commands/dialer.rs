//! `ccsync select …` and `ccsync dialer …`: the operator's hand on a push flow: which records
//! it may push (rule D1), and which of the users it pushed still need a password at the
//! dialer before they can log in (rule D2).

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ccsync_config::{FlowConfig, Shape, Target};
use ccsync_model::Kind;
use ccsync_store::{LinkFilter, LinkStatus, RecordFilter};
use serde_json::json;

use super::links::{kind, linked_flow};
use crate::app::{App, open_store};
use crate::cli::{DialerCommand, NeedsPasswordArgs, SelectArgs};
use crate::sync::RetryPolicy;
use crate::sync::rules::d::{self, report::Password};

/// Runs one `ccsync dialer` command.
pub async fn run(
    config: &Path,
    allow_unsigned: bool,
    command: DialerCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        DialerCommand::NeedsPassword(args) => needs_password(config, allow_unsigned, args).await,
    }
}

/// Refuses a flow that is not a push flow.
fn push_flow(flow: &FlowConfig) -> anyhow::Result<()> {
    if flow.family.shape() != Shape::Push {
        bail!(
            "flow {} is a {} flow: only a push flow pushes a selection",
            flow.name,
            flow.family.shape()
        );
    }
    Ok(())
}

/// `ccsync select`: the records of a push flow the operator selected (rule D1).
pub fn select(config: &Path, args: SelectArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    let (flow, tenant) = linked_flow(&config, &args.flow)?;
    push_flow(flow)?;
    let kind = kind(&args.kind)?;
    let flow_name = flow.name.clone();
    let records = store.list_records(&RecordFilter {
        tenant: Some(tenant),
        kind: Some(kind),
        ..RecordFilter::default()
    })?;
    let selected = store.selection(&flow_name, tenant, kind.as_str())?;
    if args.list {
        let listed: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                json!({
                    "id": r.source_id,
                    "display": r.entity.display_name(),
                    "status": r.status,
                    "selected": selected.binary_search(&r.source_id).is_ok(),
                })
            })
            .collect();
        if args.json {
            outln!("{}", serde_json::to_string_pretty(&listed)?)?;
        } else {
            for entry in &listed {
                let mark = if entry["selected"] == true { "x" } else { " " };
                outln!(
                    "[{mark}] {} {}",
                    entry["id"].as_str().unwrap_or(""),
                    entry["display"]
                )?;
            }
            outln!("{} of {} selected", selected.len(), records.len())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (ids, select): (Vec<String>, bool) = if args.all {
        (records.iter().map(|r| r.source_id.clone()).collect(), true)
    } else if args.none {
        (selected.clone(), false)
    } else if !args.add.is_empty() {
        (args.add.clone(), true)
    } else {
        (args.remove.clone(), false)
    };
    let known: HashSet<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
    let unknown: Vec<&String> = ids
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    if !unknown.is_empty() {
        let unknown: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        bail!(
            "the hub holds no {kind} of tenant {tenant} with id {}: nothing was changed",
            unknown.join(", ")
        );
    }
    let changed = store.select(&flow_name, tenant, kind.as_str(), &ids, select)?;
    let total = store.selection(&flow_name, tenant, kind.as_str())?.len();
    let summary = json!({
        "flow": flow_name,
        "kind": kind.as_str(),
        "changed": changed,
        "selected": total,
    });
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        let verb = if select { "selected" } else { "deselected" };
        outln!(
            "{changed} {kind} record(s) {verb}; {total} selected for flow {flow_name}{}",
            if select {
                ""
            } else {
                " (deselected records stay at the target: rule D4)"
            }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `ccsync dialer needs-password`: the users the flow pushed that the dialer says have no
/// password yet (rule D2: the hub never holds nor sends one; someone sets it at the dialer).
async fn needs_password(
    config: &Path,
    allow_unsigned: bool,
    args: NeedsPasswordArgs,
) -> anyhow::Result<ExitCode> {
    let mut app = App::open(config)?;
    app.allow_unsigned = allow_unsigned;
    let flow = app.flow(&args.flow)?.clone();
    push_flow(&flow)?;
    let Target::Connection(target) = &flow.target else {
        bail!("flow {} has no target connection", flow.name);
    };
    let connection = app
        .config
        .connection(target)
        .with_context(|| format!("flow {}: unknown target {target:?}", flow.name))?
        .clone();
    let linked: Vec<(String, String)> = app
        .store
        .list_links(&LinkFilter {
            flow: Some(&flow.name),
            status: Some(LinkStatus::Mapped),
            limit: None,
        })?
        .into_iter()
        .filter(|l| l.kind == Kind::User.as_str())
        .filter_map(|l| l.target_id.map(|t| (l.source_id, t)))
        .collect();
    let mut connector = app.connector(&connection).await?;
    let at_target = d::target_users(&mut connector, &RetryPolicy::default(), &flow.name)
        .await
        .with_context(|| format!("reading the users of {target}"))?;
    let users = d::report::pushed_users(&linked, &at_target);
    let listed: Vec<_> = users
        .iter()
        .filter(|u| args.all || matches!(u.password, Password::Needed | Password::Missing))
        .collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&listed)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for user in &listed {
        let state = match user.password {
            Password::Needed => "needs a password",
            Password::Set => "has a password",
            Password::Unknown => "password unknown (the target does not say)",
            Password::Missing => "not at the target any more",
        };
        outln!(
            "{}  {}  (target id {})  {state}",
            user.source_id,
            user.name,
            user.target_id
        )?;
    }
    let needed = users
        .iter()
        .filter(|u| u.password == Password::Needed)
        .count();
    outln!(
        "{needed} of {} users pushed to {target} need a password before they can log in \
         (set it at {target}: the sync never sends one)",
        users.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
