//! `ccsync sync <flow>`: run a flow now, or show its plan.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use ccsync_config::{FlowConfig, Shape};
use ccsync_store::{RunId, RunMode, RunStatus};
use jiff::Timestamp;

use crate::app::App;
use crate::app::open_store;
use crate::cli::{ApproveArgs, PlanArgs, SyncArgs};
use crate::schedule::{self, RunScope, next_mode};
use crate::sync::single::SingleUserSync;
use crate::sync::{Progress, RetryPolicy, RunOptions, RunReport};

pub async fn run(config: &Path, allow_unsigned: bool, args: SyncArgs) -> anyhow::Result<ExitCode> {
    let mut app = App::open(config)?;
    app.allow_unsigned = allow_unsigned;
    let flow = app.flow(&args.flow)?.clone();
    if !flow.manual {
        bail!(
            "flow {} does not allow on-demand runs (manual = false): it runs on its schedule \
             only (every {:?}); set `manual = true` on the flow to allow `ccsync sync`",
            flow.name,
            flow.interval
        );
    }
    if let Some(user) = &args.user {
        return single_user(&mut app, &flow, user, &args).await;
    }
    let (flow, scope) = match &args.kind {
        Some(kind) => (one_kind(flow, kind)?, RunScope::SomeKinds),
        None => (flow, RunScope::EveryKind),
    };
    let progress = if args.json {
        Progress::hidden()
    } else {
        Progress::for_terminal(&flow.name)
    };
    let mode = if args.full {
        RunMode::Full
    } else {
        RunMode::Incremental
    };
    let options = RunOptions {
        mode,
        dry_run: args.dry_run,
    };
    let report = app.run_flow(&flow, options, &progress).await?;
    if !args.dry_run {
        // An on-demand run is a run of the flow like a scheduled one: its outcome moves the
        // flow's health (a failing manual run counts toward quarantine) and its schedule.
        schedule::record_attempt(&mut app.store, &flow, &report, scope)?;
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", report_text(&report))?;
    }
    Ok(exit_code(&report))
}

/// The flow narrowed to one of its kinds, for `--kind`: only a push flow's kinds stand on
/// their own (a WFM or mapping run reads teams and profiles to decide on users).
fn one_kind(mut flow: FlowConfig, kind: &str) -> anyhow::Result<FlowConfig> {
    let kind = super::links::kind(kind)?;
    if flow.family.shape() != Shape::Push {
        bail!(
            "--kind: flow {} is a {} flow, whose kinds are synchronised together; only a push \
             flow syncs one kind on its own",
            flow.name,
            flow.family.shape()
        );
    }
    if !flow.kinds.contains(&kind) {
        let kinds: Vec<&str> = flow.kinds.iter().map(|k| k.as_str()).collect();
        bail!(
            "--kind: flow {} does not push {kind} (its kinds: {})",
            flow.name,
            kinds.join(", ")
        );
    }
    flow.kinds = vec![kind];
    Ok(flow)
}

/// `ccsync sync <flow> --user <id>`: syncs one user now and prints each step.
async fn single_user(
    app: &mut App,
    flow: &FlowConfig,
    user: &str,
    args: &SyncArgs,
) -> anyhow::Result<ExitCode> {
    // The same per-flow lock as a whole run: a single-user sync writes the flow's records.
    let _lock = if args.dry_run {
        None
    } else {
        Some(app.lock_flow(&flow.name)?)
    };
    let source = app.source(flow)?.clone();
    let mut connector = match app.connector(&source).await {
        Ok(connector) => connector,
        Err(e) if !args.dry_run => {
            let run = app.record_failed_start(flow, RunMode::Single, &e)?;
            return Err(e.context(format!("run {run} failed before reading anything")));
        }
        Err(e) => return Err(e),
    };
    let report = SingleUserSync {
        store: &mut app.store,
        connector: &mut connector,
        flow,
        tenant: &source.tenant,
        retry: RetryPolicy::default(),
    }
    .run(user, args.dry_run)
    .await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", report.text())?;
    }
    Ok(match report.status {
        RunStatus::Failed | RunStatus::Interrupted => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

/// Prints what the next scheduled run of the flow would do, writing nothing.
pub async fn plan(config: &Path, allow_unsigned: bool, args: PlanArgs) -> anyhow::Result<ExitCode> {
    let mut app = App::open(config)?;
    app.allow_unsigned = allow_unsigned;
    let flow = app.flow(&args.flow)?.clone();
    let state = app.store.flow_state(&flow.name)?;
    let options = RunOptions {
        mode: next_mode(state.as_ref(), Timestamp::now()),
        dry_run: true,
    };
    let progress = if args.json {
        Progress::hidden()
    } else {
        Progress::for_terminal(&flow.name)
    };
    let report = app.run_flow(&flow, options, &progress).await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", report_text(&report))?;
    }
    Ok(exit_code(&report))
}

/// Approves a run that stopped at a safety threshold and makes its flow due again.
pub fn approve(config: &Path, args: ApproveArgs) -> anyhow::Result<ExitCode> {
    let (_, mut store) = open_store(config)?;
    let approval = store.approve(RunId(args.run))?;
    // A parked flow is due again; a paused one stays paused.
    let state = store.unpark(&approval.flow)?;
    let full = store
        .run(approval.run)?
        .is_some_and(|r| r.mode == RunMode::Full);
    outln!(
        "approved run {}: the next run of {} (that one only) may deactivate up to {} records \
         and {} at its target; it runs at once under `ccsync serve` (or run `ccsync sync {}{}` \
         where on-demand runs are allowed)",
        approval.run,
        approval.flow,
        approval.deactivations.records,
        approval.deactivations.target,
        approval.flow,
        if full { " --full" } else { "" }
    )?;
    if let Some(pause) = state.paused {
        outln!(
            "the flow stays paused (since {}: {}): `ccsync resume {}` runs it again",
            pause.since,
            pause.reason,
            approval.flow
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// 0 for a run that did its work (a partial one included), 1 for a failure, 2 for a run that
/// waits for approval.
pub fn exit_code(report: &RunReport) -> ExitCode {
    match report.status {
        RunStatus::Failed | RunStatus::Interrupted => ExitCode::FAILURE,
        RunStatus::NeedsApproval => ExitCode::from(2),
        RunStatus::Succeeded | RunStatus::Partial | RunStatus::Running => ExitCode::SUCCESS,
    }
}

/// How many planned actions (of records, and of accounts) a text report lists.
const LISTED: usize = 20;

/// The human form of a run report.
pub fn report_text(report: &RunReport) -> String {
    let c = &report.counts;
    let mode = match report.mode {
        RunMode::Full => "full",
        RunMode::Incremental => "incremental",
        RunMode::Single => "single user",
    };
    let mut out = format!(
        "flow {} ({mode}{}): {} records read\n",
        report.flow,
        if report.dry_run { ", dry run" } else { "" },
        c.read
    );
    out += &format!(
        "  plan: {} create, {} update, {} deactivate, {} reactivate, {} unchanged, {} invalid\n",
        c.created, c.updated, c.deactivated, c.reactivated, c.unchanged, c.invalid
    );
    if report.dry_run {
        let more = c.created + c.updated + c.deactivated + c.reactivated + c.invalid;
        let lines = report.actions.iter().map(|a| {
            let fields = a.changes.iter().map(|c| c.field.as_str());
            action_line(a.action.as_str(), &a.display, a.reason.as_deref(), fields)
        });
        out += &listing(lines, more);
    }
    if let Some(family) = &report.family {
        out += &format!(
            "  {} of {}: {}\n",
            family.label, family.target, family.summary
        );
        for note in &family.notes {
            out += &format!("  {note}\n");
        }
        if report.dry_run {
            let lines = family.actions.iter().map(|a| {
                let fields = a.changes.iter().map(|c| c.field.as_str());
                let name = format!(
                    "{} {}",
                    family.noun,
                    a.display.as_deref().unwrap_or(a.source_id.as_str())
                );
                action_line(a.action.as_str(), &name, a.reason.as_deref(), fields)
            });
            out += &listing(lines, family.summary.actions());
        }
    }
    if report.dry_run {
        out += "  dry run: nothing was written\n";
    } else if let Some(run) = report.run {
        out += &format!(
            "  run {run} {} in {:.1}s\n",
            report.status,
            report.elapsed.as_secs_f64()
        );
    }
    for note in &report.notes {
        out += &format!("  note: {note}\n");
    }
    if let Some(error) = &report.error {
        out += &format!("  error: {error}\n");
    }
    out
}

/// One planned action: what, on which record or account, and why (or which fields change).
fn action_line<'a>(
    action: &str,
    name: &str,
    reason: Option<&str>,
    fields: impl Iterator<Item = &'a str>,
) -> String {
    let fields: Vec<&str> = fields.collect();
    let why = match reason {
        Some(reason) => reason.to_owned(),
        None if fields.is_empty() => String::new(),
        None => format!("[{}]", fields.join(", ")),
    };
    format!("    {action:<10} {name:<40} {why}\n")
}

/// The first [`LISTED`] of `total` action lines, and how many more there are.
fn listing(lines: impl Iterator<Item = String>, total: u64) -> String {
    let mut out: String = lines.take(LISTED).collect();
    if total as usize > LISTED {
        out += &format!(
            "    … and {} more (--json lists them)\n",
            total as usize - LISTED
        );
    }
    out
}
