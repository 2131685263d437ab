//! The daemon behind `ccsync serve`: every flow on its own timer, carrying out the policy of
//! the parent module.
//!
//! Each flow has one worker, which owns its own [`App`] (store connection and plugin runtime)
//! and runs its flow one run at a time: two runs of one flow can never overlap, and flows run
//! concurrently. A worker is a thread with a single-threaded tokio runtime, not a task of the
//! main runtime, because a run's future is not `Send` (it borrows the `App`, whose SQLite
//! connection is not `Sync`, across awaits). The schedule lives in the store's `flow_state`,
//! not in memory: a worker re-reads it before every decision (and at least every
//! [`STATE_POLL`] while it waits), so a restart continues the schedule (a next run in the past
//! is due at once) and a command run beside the daemon (`ccsync resume`, `ccsync pause`)
//! takes effect within seconds.
//!
//! Stopping (SIGTERM, Ctrl-C): no new run starts; runs in flight may finish for up to
//! [`SHUTDOWN_GRACE`]. After that they are abandoned (dropped at their next await) and the
//! process exits anyway: every page commit is one SQLite transaction, so nothing is
//! half-written, and the flow's next run marks the abandoned run interrupted
//! ([`Store::mark_interrupted_runs`](ccsync_store::Store::mark_interrupted_runs)).

use std::fs::File;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use ccsync_config::FlowConfig;
use ccsync_store::{FlowHealth, FlowState, RunMode, RunStatus};
use jiff::Timestamp;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use super::{Attempt, Cadence, Due, after_run, due, store_next, until};
use crate::app::{App, FlowPaused, open_store};
use crate::sync::{Progress, RunOptions};

/// How often a waiting worker re-reads its flow's state: how soon a change made by another
/// process (`ccsync resume`, an approval) is noticed. One indexed point query per flow and
/// second is nothing next to a run.
pub const STATE_POLL: Duration = Duration::from_secs(1);

/// How long runs in flight may take to finish once a stop was asked for.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// How long abandoned runs get to unwind (a call into a plugin is not interrupted mid-way).
const ABANDON_WAIT: Duration = Duration::from_secs(10);

/// Where the daemon stands, as every worker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Scheduling.
    Running,
    /// No new run starts; runs in flight finish.
    Stopping,
    /// Runs in flight are dropped.
    Abandoning,
}

/// The lock file, in the data directory, that makes one `serve` the only runner of its flows.
const LOCK_FILE: &str = "serve.lock";

/// Runs every flow of the config on its schedule until SIGTERM or Ctrl-C; with `once`, runs
/// each flow that is due once and returns.
///
/// Exit code: 0 after a clean stop (or, with `once`, when every run did its work); 1 when
/// runs had to be abandoned at the end of the grace period (or, with `once`, a run failed).
pub async fn serve(
    config_path: &Path,
    allow_unsigned: bool,
    once: bool,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open_store(config_path)?;
    let _lock = lock_runner(config.data_dir())?;
    drop(store);
    if config.flows().is_empty() {
        bail!(
            "{}: no flows are configured, so there is nothing to serve",
            config_path.display()
        );
    }
    for flow in config.flows().values().filter(|f| !f.scheduled) {
        info!(
            flow = %flow.name,
            "on demand only (no interval): `ccsync sync {}` runs it", flow.name
        );
    }
    if !config.flows().values().any(|f| f.scheduled) {
        bail!(
            "{}: every flow runs on demand only (none has an `interval`), so there is nothing \
             to serve: run them with `ccsync sync <flow>`",
            config_path.display()
        );
    }

    let (phase, phases) = watch::channel(Phase::Running);
    let mut workers = JoinSet::new();
    for flow in config.flows().values().filter(|f| f.scheduled) {
        let mut app = App::open(config_path)?;
        app.allow_unsigned = allow_unsigned;
        let cadence = Cadence::of(flow);
        info!(
            flow = %flow.name,
            interval = ?cadence.interval,
            full_every = ?cadence.full_every,
            "scheduling"
        );
        let flow = flow.clone();
        let phases = phases.clone();
        workers.spawn_blocking(move || flow_thread(app, flow, phases, once));
    }

    let mut all_ok = true;
    let signal = stop_signal();
    tokio::pin!(signal);
    let asked_to_stop = loop {
        tokio::select! {
            joined = workers.join_next() => match joined {
                Some(result) => all_ok &= worker_ended(result),
                None => break false,
            },
            result = &mut signal => {
                if let Err(e) = result {
                    error!("cannot listen for stop signals: {e:#}; stopping");
                }
                break true;
            }
        }
    };
    if !asked_to_stop {
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }

    phase.send_replace(Phase::Stopping);
    if !workers.is_empty() {
        info!(
            "stopping: no new run starts; waiting up to {:?} for runs in flight",
            SHUTDOWN_GRACE
        );
    }
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while let Some(result) = workers.join_next().await {
            worker_ended(result);
        }
    })
    .await;
    if drained.is_err() {
        error!(
            "runs still in flight after {:?} are abandoned; the next `ccsync serve` marks them \
             interrupted (every committed page is kept)",
            SHUTDOWN_GRACE
        );
        phase.send_replace(Phase::Abandoning);
        let unwound = tokio::time::timeout(ABANDON_WAIT, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if unwound.is_err() {
            error!("a run is still inside a plugin call; exiting once it returns");
        }
        return Ok(ExitCode::FAILURE);
    }
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Logs how a worker task ended; whether it ended well.
fn worker_ended(result: Result<bool, tokio::task::JoinError>) -> bool {
    match result {
        Ok(ok) => ok,
        Err(e) => {
            error!("a flow worker stopped unexpectedly: {e}");
            false
        }
    }
}

/// Takes the data directory's runner lock, held until the returned file is dropped: with two
/// `serve` processes on one store, each would run every flow.
fn lock_runner(data_dir: &Path) -> anyhow::Result<File> {
    crate::lock::try_lock(
        &data_dir.join(LOCK_FILE),
        &format!(
            "another `ccsync serve` on the data directory {}",
            data_dir.display()
        ),
    )
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = term.recv() => {}
        }
        info!("stop requested");
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        info!("stop requested");
        Ok(())
    }
}

/// Waits `delay` or until a stop is asked for; whether a stop was asked for.
async fn pause(phases: &mut watch::Receiver<Phase>, delay: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => false,
        // An error means the sender is gone, which only happens when serve itself ends.
        _ = phases.wait_for(|p| *p != Phase::Running) => true,
    }
}

/// The thread of one flow's worker: its own single-threaded runtime, until the worker ends or
/// its run is abandoned. Returns what the worker returns (false if abandoned).
fn flow_thread(app: App, flow: FlowConfig, phases: watch::Receiver<Phase>, once: bool) -> bool {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!(flow = %flow.name, "cannot start the flow's runtime: {e}");
            return false;
        }
    };
    let mut abandon = phases.clone();
    let name = flow.name.clone();
    runtime.block_on(async move {
        tokio::select! {
            ok = worker(app, flow, phases, once) => ok,
            _ = abandon.wait_for(|p| *p == Phase::Abandoning) => {
                warn!(flow = %name, "run abandoned");
                false
            }
        }
    })
}

/// One flow's worker: decide, run or wait, record, until stopped. Returns whether every run
/// it made did its work (what `--once` reports).
async fn worker(
    mut app: App,
    flow: FlowConfig,
    mut phases: watch::Receiver<Phase>,
    once: bool,
) -> bool {
    let cadence = Cadence::of(&flow);
    let mut all_ok = true;
    loop {
        if *phases.borrow() != Phase::Running {
            return all_ok;
        }
        let now = Timestamp::now();
        let state = match app.store.flow_state(&flow.name) {
            Ok(state) => state,
            Err(e) => {
                error!(flow = %flow.name, "reading the flow's schedule: {e}");
                if once || pause(&mut phases, STATE_POLL).await {
                    return false;
                }
                continue;
            }
        };
        let mode = match due(state.as_ref(), now) {
            Due::Run(mode) => mode,
            Due::Wait(_) | Due::Parked if once => return all_ok,
            Due::Wait(at) => {
                if pause(&mut phases, until(now, at).min(STATE_POLL)).await {
                    return all_ok;
                }
                continue;
            }
            Due::Parked => {
                if pause(&mut phases, STATE_POLL).await {
                    return all_ok;
                }
                continue;
            }
        };
        all_ok &= run_and_record(&mut app, &flow, &cadence, state.as_ref(), mode).await;
        if once {
            return all_ok;
        }
    }
}

/// Runs the flow once and records its outcome and next run; whether the run did its work.
async fn run_and_record(
    app: &mut App,
    flow: &FlowConfig,
    cadence: &Cadence,
    previous: Option<&FlowState>,
    mode: RunMode,
) -> bool {
    info!(flow = %flow.name, %mode, "run starting");
    let options = RunOptions {
        mode,
        dry_run: false,
    };
    let (run, attempt) = match app.run_flow(flow, options, &Progress::hidden()).await {
        Ok(report) => (
            report.run,
            Attempt {
                mode,
                status: report.status,
                error: report.error,
            },
        ),
        // Paused between the schedule's look and the run's lock: not a failure; the worker
        // sees the pause on its next look.
        Err(e) if e.downcast_ref::<FlowPaused>().is_some() => {
            info!(flow = %flow.name, "{e:#}");
            return true;
        }
        Err(e) => (
            None,
            Attempt {
                mode,
                status: RunStatus::Failed,
                error: Some(format!("{e:#}")),
            },
        ),
    };
    let next = after_run(
        cadence,
        previous,
        &attempt,
        Timestamp::now(),
        fastrand::f64(),
    );
    let recorded = store_next(&mut app.store, &flow.name, run, &next);
    let run_text = run.map_or_else(|| "none".to_owned(), |r| r.to_string());
    match next.outcome.health {
        FlowHealth::Ok => info!(
            flow = %flow.name, %mode, run = %run_text, outcome = %attempt.status,
            next_run = %next.next_run_at, "run finished"
        ),
        FlowHealth::Retrying => warn!(
            flow = %flow.name, %mode, run = %run_text, outcome = %attempt.status,
            failures = next.outcome.consecutive_failures, next_run = %next.next_run_at,
            reason = next.outcome.reason.as_deref().unwrap_or_default(),
            "run failed; retrying"
        ),
        FlowHealth::Quarantined => error!(
            flow = %flow.name, %mode, run = %run_text, outcome = %attempt.status,
            failures = next.outcome.consecutive_failures, next_probe = %next.next_run_at,
            reason = next.outcome.reason.as_deref().unwrap_or_default(),
            "flow quarantined; `ccsync resume {}` runs it now", flow.name
        ),
        FlowHealth::NeedsApproval => warn!(
            flow = %flow.name, %mode, run = %run_text, outcome = %attempt.status,
            reason = next.outcome.reason.as_deref().unwrap_or_default(),
            "run stopped for approval; the flow is parked until approved or resumed"
        ),
    }
    if let Err(e) = recorded {
        error!(flow = %flow.name, "recording the run's outcome: {e}");
        return false;
    }
    matches!(attempt.status, RunStatus::Succeeded | RunStatus::Partial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_runner_on_one_data_directory_is_refused_until_the_first_stops() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_runner(dir.path()).unwrap();
        let err = lock_runner(dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("another `ccsync serve` on the data directory"),
            "{err:#}"
        );
        drop(first);
        lock_runner(dir.path()).unwrap();
    }
}
