//! `ccsync links …`: the operator's hand on the links of flows whose target is a connection
//! (map and push).
//!
//! Every change is an operator's: logged in the link log with old -> new, committed with
//! compare-and-set against a run changing the same link. A pin is never overridden by
//! automation; an ignored record is left alone until unlinked.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ccsync_config::{Config, FlowConfig, Shape, Target};
use ccsync_model::Kind;
use ccsync_store::{
    Link, LinkAction, LinkChange, LinkContext, LinkFilter, LinkMethod, LinkOrigin, LinkStatus,
    Store,
};
use serde_json::json;

use crate::app::{App, open_store};
use crate::cli::{LinkArgs, LinkPinArgs, LinkSearchArgs, LinksCommand, LinksListArgs};
use crate::sync::RetryPolicy;
use crate::sync::retry::retried;

/// Runs one `ccsync links` command.
pub async fn run(
    config: &Path,
    allow_unsigned: bool,
    command: LinksCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        LinksCommand::List(args) => list(config, args),
        LinksCommand::Show(args) => show(config, args),
        LinksCommand::Pin(args) => pin(config, args),
        LinksCommand::Ignore(args) => ignore(config, args),
        LinksCommand::Unlink(args) => unlink(config, args),
        LinksCommand::Search(args) => search(config, allow_unsigned, args).await,
    }
}

/// A flow whose target is a connection, and its source tenant.
pub(crate) fn linked_flow<'c>(
    config: &'c Config,
    name: &str,
) -> anyhow::Result<(&'c FlowConfig, &'c str)> {
    let flow = config.flow(name).with_context(|| {
        let known: Vec<&str> = config.flows().keys().map(String::as_str).collect();
        format!("unknown flow {name:?} (known: {})", known.join(", "))
    })?;
    if !matches!(flow.target, Target::Connection(_)) {
        bail!(
            "flow {name} keeps the hub store {}: it has accounts, not links (see `ccsync \
             accounts`)",
            flow.target.name()
        );
    }
    let source = config
        .connection(&flow.source)
        .with_context(|| format!("flow {name}: unknown source {:?}", flow.source))?;
    Ok((flow, &source.tenant))
}

pub(crate) fn kind(text: &str) -> anyhow::Result<Kind> {
    text.parse::<Kind>()
        .map_err(|e| anyhow::anyhow!("--kind: {e}"))
}

fn list(config: &Path, args: LinksListArgs) -> anyhow::Result<ExitCode> {
    let (config, store) = open_store(config)?;
    let (flow, _) = linked_flow(&config, &args.flow)?;
    let status = args
        .status
        .as_deref()
        .map(str::parse::<LinkStatus>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--status: {e}"))?;
    let links = store.list_links(&LinkFilter {
        flow: Some(&flow.name),
        status,
        limit: None,
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&links)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for link in &links {
        outln!("{}", link_line(link))?;
    }
    outln!("{} links", links.len())?;
    Ok(ExitCode::SUCCESS)
}

/// One link as a line: `user acme/42 mapped -> T-7 (created)`, with why and the candidates.
fn link_line(link: &Link) -> String {
    let mut line = format!(
        "{} {}/{} {}",
        link.kind, link.tenant, link.source_id, link.status
    );
    if let Some(target) = &link.target_id {
        line += &format!(" -> {target}");
    }
    if let Some(method) = link.method {
        line += &format!(" ({method})");
    }
    if let Some(reason) = &link.reason {
        line += &format!(": {reason}");
    }
    if !link.candidates.is_empty() {
        line += &format!(" [candidates: {}]", link.candidates.join(", "));
    }
    line
}

fn show(config: &Path, args: LinkArgs) -> anyhow::Result<ExitCode> {
    let (config, store) = open_store(config)?;
    let (flow, tenant) = linked_flow(&config, &args.flow)?;
    let kind = kind(&args.kind)?;
    let link = store.link(&flow.name, tenant, kind.as_str(), &args.record)?;
    let log = store.link_log(&flow.name, tenant, kind.as_str(), &args.record)?;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&json!({ "link": link, "log": log }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    match &link {
        Some(link) => outln!("{}", link_line(link))?,
        None => outln!("{kind} {tenant}/{}: no link", args.record)?,
    }
    for entry in &log {
        let by = entry
            .run
            .map_or_else(|| entry.origin.to_string(), |run| format!("run {run}"));
        let reason = entry
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        outln!(
            "  {} {by} {}{reason}",
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.action
        )?;
        for change in &entry.changes {
            outln!("    {}: {} -> {}", change.field, change.old, change.new)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a record's link as it now stands (`null` once unlinked), as JSON.
fn print_link(
    store: &Store,
    flow: &str,
    tenant: &str,
    kind: Kind,
    record: &str,
) -> anyhow::Result<ExitCode> {
    let link = store.link(flow, tenant, kind.as_str(), record)?;
    outln!("{}", serde_json::to_string_pretty(&link)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The record an operator's link command is about.
struct Named<'a> {
    flow: &'a str,
    tenant: &'a str,
    kind: Kind,
    record: &'a str,
}

/// Commits one operator's change to a record's link.
fn commit(
    store: &mut Store,
    named: &Named<'_>,
    old: Option<&Link>,
    new: Option<Link>,
    action: LinkAction,
    reason: Option<String>,
) -> anyhow::Result<()> {
    let Named {
        flow,
        tenant,
        kind,
        record,
    } = *named;
    let changes = new
        .as_ref()
        .map(|link| Link::differences(old, link))
        .unwrap_or_default();
    let change = LinkChange {
        link: new,
        tenant: tenant.to_owned(),
        kind: kind.as_str().to_owned(),
        source_id: record.to_owned(),
        expected: old.map(|l| l.updated_at),
        display: None,
        action,
        reason,
        changes,
    };
    let context = LinkContext {
        flow,
        origin: LinkOrigin::Operator,
        run: None,
    };
    store.commit_links(&context, &[change])?;
    Ok(())
}

/// The hub record a link command names, which must exist.
fn hub_record(store: &Store, tenant: &str, kind: Kind, record: &str) -> anyhow::Result<()> {
    if store.record(tenant, kind, record)?.is_none() {
        bail!("the hub holds no {kind} {tenant}/{record}");
    }
    Ok(())
}

/// What an operator's `pin` or `ignore` does to one record's link.
struct Operation<'a> {
    flow: &'a str,
    record: &'a str,
    kind: &'a str,
    action: LinkAction,
    reason: String,
    json: bool,
}

/// Sets a record's link as `change` makes it from the current one (or a new one), logged
/// as the operator's `action`, and prints what `said` says (or the link, with `--json`).
fn operate(
    config: &Path,
    op: Operation<'_>,
    change: impl FnOnce(Link, &str) -> Link,
    said: impl FnOnce(&str, &str) -> String,
) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    let (flow, tenant) = linked_flow(&config, op.flow)?;
    let kind = kind(op.kind)?;
    hub_record(&store, tenant, kind, op.record)?;
    let old = store.link(&flow.name, tenant, kind.as_str(), op.record)?;
    let base = old
        .clone()
        .unwrap_or_else(|| Link::new(&flow.name, tenant, kind.as_str(), op.record));
    let new = change(base, &op.reason);
    let named = Named {
        flow: &flow.name,
        tenant,
        kind,
        record: op.record,
    };
    commit(
        &mut store,
        &named,
        old.as_ref(),
        Some(new),
        op.action,
        Some(op.reason),
    )?;
    if op.json {
        return print_link(&store, &flow.name, tenant, kind, op.record);
    }
    let subject = format!("{kind} {tenant}/{}", op.record);
    outln!("{}", said(&subject, &flow.name))?;
    Ok(ExitCode::SUCCESS)
}

fn pin(config: &Path, args: LinkPinArgs) -> anyhow::Result<ExitCode> {
    let op = Operation {
        flow: &args.flow,
        record: &args.record,
        kind: &args.kind,
        action: LinkAction::Pin,
        reason: args
            .reason
            .clone()
            .unwrap_or_else(|| "pinned by an operator".into()),
        json: args.json,
    };
    let target = args.target_id.clone();
    operate(
        config,
        op,
        |base, reason| Link {
            target_id: Some(target.clone()),
            method: Some(LinkMethod::Manual),
            status: LinkStatus::Mapped,
            attempts: 0,
            // A pushed record is brought in line with the pinned one on the next run.
            pushed_hash: None,
            reason: Some(reason.to_owned()),
            candidates: Vec::new(),
            ..base
        },
        |subject, flow| {
            format!(
                "{subject} pinned to {} in flow {flow}: automation never overrides it",
                args.target_id
            )
        },
    )
}

fn ignore(config: &Path, args: LinkArgs) -> anyhow::Result<ExitCode> {
    let op = Operation {
        flow: &args.flow,
        record: &args.record,
        kind: &args.kind,
        action: LinkAction::Ignore,
        reason: args
            .reason
            .clone()
            .unwrap_or_else(|| "ignored by an operator".into()),
        json: args.json,
    };
    operate(
        config,
        op,
        |base, reason| Link {
            status: LinkStatus::Ignored,
            reason: Some(reason.to_owned()),
            ..base
        },
        |subject, flow| format!("{subject} is ignored by flow {flow} until `ccsync links unlink`"),
    )
}

fn unlink(config: &Path, args: LinkArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    let (flow, tenant) = linked_flow(&config, &args.flow)?;
    let kind = kind(&args.kind)?;
    let Some(old) = store.link(&flow.name, tenant, kind.as_str(), &args.record)? else {
        bail!(
            "flow {}: {kind} {tenant}/{} has no link",
            flow.name,
            args.record
        );
    };
    if flow.family.shape() == Shape::Push && old.method == Some(LinkMethod::Created) {
        bail!(
            "flow {} created {kind} {tenant}/{} at its target as {}: unlinking would make the \
             next run create it a second time. Pin it to another target id (`ccsync links \
             pin`), or leave it alone (`ccsync links ignore`)",
            flow.name,
            args.record,
            old.target_id.as_deref().unwrap_or("an unknown id")
        );
    }
    let flow_name = flow.name.clone();
    commit(
        &mut store,
        &Named {
            flow: &flow_name,
            tenant,
            kind,
            record: &args.record,
        },
        Some(&old),
        None,
        LinkAction::Unlink,
        args.reason,
    )?;
    if args.json {
        return print_link(&store, &flow_name, tenant, kind, &args.record);
    }
    outln!(
        "{kind} {tenant}/{} unlinked from {} in flow {flow_name}",
        args.record,
        old.target_id.as_deref().unwrap_or("nothing")
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn search(
    config: &Path,
    allow_unsigned: bool,
    args: LinkSearchArgs,
) -> anyhow::Result<ExitCode> {
    let mut app = App::open(config)?;
    app.allow_unsigned = allow_unsigned;
    let flow = app.flow(&args.flow)?.clone();
    let Target::Connection(target) = &flow.target else {
        bail!(
            "flow {} keeps the hub store {}: there is no directory to search",
            flow.name,
            flow.target.name()
        );
    };
    let connection = app
        .config
        .connection(target)
        .with_context(|| format!("flow {}: unknown target {target:?}", flow.name))?
        .clone();
    let mut connector = app.connector(&connection).await?;
    // A directory that paces its requests (RingCentral) answers a long search a page at a
    // time: the same instance resumes where it stopped after each wait.
    let users = retried!(
        &RetryPolicy::default(),
        &flow.name,
        "search-users",
        connector.search_users(&args.query).await
    )
    .with_context(|| format!("searching {target} for {:?}", args.query))?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&users)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    for user in &users {
        outln!(
            "{}  {}  {}",
            user.id,
            user.username.as_deref().unwrap_or("-"),
            user.email.as_deref().unwrap_or("-")
        )?;
    }
    outln!(
        "{} users at {target}; pin one with `ccsync links pin {} <record> <id>`",
        users.len(),
        flow.name
    )?;
    Ok(ExitCode::SUCCESS)
}
