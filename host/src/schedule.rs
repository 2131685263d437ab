//! The scheduler behind `ccsync serve`: every flow on its own timer, its health from its runs.
//!
//! Each flow has one worker, which owns its own [`App`] (store connection and plugin runtime)
//! and runs its flow one run at a time: two runs of one flow can never overlap, and flows run
//! concurrently. A worker is a thread with a single-threaded tokio runtime, not a task of the
//! main runtime, because a run's future is not `Send` (it borrows the `App`, whose SQLite
//! connection is not `Sync`, across awaits). The schedule lives in the store's `flow_state`, not in memory: a
//! worker re-reads it before every decision (and at least every [`STATE_POLL`] while it
//! waits), so a restart continues the schedule (a next run in the past is due at once) and a
//! command run beside the daemon (`ccsync resume`) takes effect within seconds. The decisions
//! themselves are the pure functions [`due`] and [`after_run`], in one place that a lease can
//! later guard when several hosts share a database.
//!
//! The rules:
//! - A run is incremental, unless `next_full_at` has passed (or the flow never ran): then it
//!   is the full reconciliation (`full_every`, daily by default).
//! - Succeeded or partial: health `ok`, failures reset, next run after `interval`.
//! - Failed: failures + 1, health `retrying`, next run after [`retry_backoff`] (a quarter of
//!   the interval, doubling per failure, never longer than the interval nor, unless the
//!   interval is shorter, than 30 s). At `safety.quarantine_after` failures in a row:
//!   `quarantined` with the run's error as reason, re-probed every [`probe_interval`] (4× the
//!   interval, at most 24 h) until a run succeeds or an operator resumes it.
//! - Needs approval: health `needs-approval`, and the flow is parked: not run again until
//!   something (an approval, `ccsync resume`) makes it `ok` again.
//! - Every delay gets a little jitter ([`jitter`]: ±5%, at most ±30 s), so flows started
//!   together drift apart instead of hitting their platforms in lockstep.
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
use ccsync_store::{FlowHealth, FlowOutcome, FlowState, RunId, RunMode, RunStatus};
use jiff::Timestamp;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::app::{App, open_store};
use crate::sync::{Progress, RunOptions, RunReport};

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

/// The share of a delay that jitter may add or remove, and its cap.
const JITTER_SHARE: f64 = 0.05;
const JITTER_MAX: Duration = Duration::from_secs(30);

/// A failing flow is never retried sooner than this (unless its interval is shorter).
const RETRY_FLOOR: Duration = Duration::from_secs(30);

/// A quarantined flow is re-probed at most this rarely.
const PROBE_MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// The schedule settings of one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub interval: Duration,
    pub full_every: Duration,
    pub quarantine_after: u32,
}

impl Cadence {
    pub fn of(flow: &FlowConfig) -> Cadence {
        Cadence {
            interval: flow.interval,
            full_every: flow.full_every,
            quarantine_after: flow.safety.quarantine_after,
        }
    }
}

/// What a flow's worker should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Run the flow now, in this mode.
    Run(RunMode),
    /// Nothing until then.
    Wait(Timestamp),
    /// Not until an operator acts (the flow waits for approval, or is paused).
    Parked,
}

/// What is due for a flow with `state` (none: never run) at `now`.
pub fn due(state: Option<&FlowState>, now: Timestamp) -> Due {
    let Some(state) = state else {
        return Due::Run(RunMode::Full);
    };
    if state.health == FlowHealth::NeedsApproval || state.paused.is_some() {
        return Due::Parked;
    }
    if state.next_run_at > now {
        return Due::Wait(state.next_run_at);
    }
    Due::Run(next_mode(Some(state), now))
}

/// The mode of the flow's next run: full when its next full reconciliation is due by the time
/// the run starts (or the flow never ran), incremental otherwise.
pub fn next_mode(state: Option<&FlowState>, now: Timestamp) -> RunMode {
    match state {
        Some(state) if state.next_full_at > now.max(state.next_run_at) => RunMode::Incremental,
        _ => RunMode::Full,
    }
}

/// How one attempt to run a flow ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub mode: RunMode,
    /// The run's final status; `Failed` for an attempt that could not start a run.
    pub status: RunStatus,
    pub error: Option<String>,
}

/// The flow's next state after `attempt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub outcome: FlowOutcome,
    pub next_run_at: Timestamp,
    pub next_full_at: Timestamp,
}

/// Decides a flow's health and next run times after `attempt` ended at `now`. `previous` is
/// the state before the run (none: its first run); `roll`, in `0.0..=1.0`, picks the jitter.
pub fn after_run(
    cadence: &Cadence,
    previous: Option<&FlowState>,
    attempt: &Attempt,
    now: Timestamp,
    roll: f64,
) -> Next {
    // The full reconciliation stays due until one completes.
    let full_pending = previous.map_or(now, |p| p.next_full_at);
    let at = |delay: Duration| later(now, jitter(delay, roll));
    match attempt.status {
        RunStatus::Succeeded | RunStatus::Partial => Next {
            outcome: FlowOutcome {
                health: FlowHealth::Ok,
                consecutive_failures: 0,
                reason: None,
            },
            next_run_at: at(cadence.interval),
            next_full_at: if attempt.mode == RunMode::Full {
                later(now, cadence.full_every)
            } else {
                full_pending
            },
        },
        RunStatus::NeedsApproval => Next {
            outcome: FlowOutcome {
                health: FlowHealth::NeedsApproval,
                consecutive_failures: 0,
                reason: Some(
                    attempt
                        .error
                        .clone()
                        .unwrap_or_else(|| "the run stopped for approval".into()),
                ),
            },
            // Ignored while parked; what an approval finds if it only clears the health.
            next_run_at: at(cadence.interval),
            next_full_at: full_pending,
        },
        RunStatus::Failed | RunStatus::Interrupted | RunStatus::Running => {
            let failures = previous
                .map_or(0, |p| p.consecutive_failures)
                .saturating_add(1);
            let (health, delay) = if failures >= cadence.quarantine_after {
                (FlowHealth::Quarantined, probe_interval(cadence.interval))
            } else {
                (
                    FlowHealth::Retrying,
                    retry_backoff(cadence.interval, failures),
                )
            };
            let reason = attempt
                .error
                .clone()
                .unwrap_or_else(|| match attempt.status {
                    RunStatus::Failed => "the run failed".to_owned(),
                    other => format!("the run ended {other}"),
                });
            Next {
                outcome: FlowOutcome {
                    health,
                    consecutive_failures: failures,
                    reason: Some(reason),
                },
                next_run_at: at(delay),
                next_full_at: full_pending,
            }
        }
    }
}

/// The wait before retrying a flow after its `failures`-th failure in a row: a quarter of the
/// interval, doubling with each failure, at least 30 s (or the interval, if shorter) and at
/// most the interval. A failing flow is thus retried sooner than its schedule, but a run's
/// transient errors were already retried inside the run, so not in a tight loop.
pub fn retry_backoff(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    (interval / 4)
        .saturating_mul(1 << doublings)
        .max(RETRY_FLOOR.min(interval))
        .min(interval)
}

/// How often a quarantined flow is re-probed: 4× its interval, at most 24 h (but never less
/// often than its own interval).
pub fn probe_interval(interval: Duration) -> Duration {
    interval.saturating_mul(4).min(PROBE_MAX.max(interval))
}

/// `delay` moved by up to ±5% (at most ±30 s); `roll` in `0.0..=1.0` picks where (0.5: none).
pub fn jitter(delay: Duration, roll: f64) -> Duration {
    let spread = delay.mul_f64(JITTER_SHARE).min(JITTER_MAX);
    let roll = roll.clamp(0.0, 1.0);
    (delay + spread.mul_f64(2.0 * roll)).saturating_sub(spread)
}

/// `now + delay`, saturating at the end of time.
fn later(now: Timestamp, delay: Duration) -> Timestamp {
    now.checked_add(delay).unwrap_or(Timestamp::MAX)
}

/// How long from `now` until `at` (zero if it passed).
fn until(now: Timestamp, at: Timestamp) -> Duration {
    Duration::try_from(now.duration_until(at)).unwrap_or(Duration::ZERO)
}

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

    let (phase, phases) = watch::channel(Phase::Running);
    let mut workers = JoinSet::new();
    for flow in config.flows().values() {
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

/// Stores a flow's state after a run.
fn store_next(
    store: &mut ccsync_store::Store,
    flow: &str,
    run: Option<RunId>,
    next: &Next,
) -> ccsync_store::Result<FlowState> {
    store.record_outcome(
        flow,
        run,
        &next.outcome,
        next.next_run_at,
        next.next_full_at,
    )
}

/// Records the outcome of an on-demand run (`ccsync sync`) as the daemon records its own: the
/// flow's health and next run times follow it, so a manual run that fails counts toward
/// quarantine and one that succeeds pushes the next scheduled run an interval away. A
/// single-user run leaves the schedule alone.
pub fn record_attempt(
    store: &mut ccsync_store::Store,
    flow: &FlowConfig,
    report: &RunReport,
) -> anyhow::Result<()> {
    if report.mode == RunMode::Single {
        return Ok(());
    }
    let previous = store.flow_state(&flow.name)?;
    let attempt = Attempt {
        mode: report.mode,
        status: report.status,
        error: report.error.clone(),
    };
    let next = after_run(
        &Cadence::of(flow),
        previous.as_ref(),
        &attempt,
        Timestamp::now(),
        fastrand::f64(),
    );
    store_next(store, &flow.name, report.run, &next)?;
    Ok(())
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
    use jiff::SignedDuration;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn cadence() -> Cadence {
        Cadence {
            interval: 15 * MINUTE,
            full_every: 24 * HOUR,
            quarantine_after: 3,
        }
    }

    fn state(health: FlowHealth, failures: u32, next_run: &str, next_full: &str) -> FlowState {
        FlowState {
            flow: "wfm".into(),
            next_run_at: at(next_run),
            next_full_at: at(next_full),
            consecutive_failures: failures,
            health,
            reason: None,
            last_run: None,
            paused: None,
            updated_at: at("2025-01-31T08:00:00Z"),
        }
    }

    fn attempt(mode: RunMode, status: RunStatus, error: Option<&str>) -> Attempt {
        Attempt {
            mode,
            status,
            error: error.map(str::to_owned),
        }
    }

    const NOW: &str = "2025-01-31T08:00:00Z";
    const NO_JITTER: f64 = 0.5;

    #[test]
    fn a_flow_that_never_ran_is_due_now_with_a_full_reconciliation() {
        assert_eq!(due(None, at(NOW)), Due::Run(RunMode::Full));
    }

    #[test]
    fn a_due_run_is_incremental_until_the_next_full_time_has_passed() {
        let s = state(
            FlowHealth::Ok,
            0,
            "2025-01-31T07:59:00Z",
            "2025-02-01T00:00:00Z",
        );
        assert_eq!(due(Some(&s), at(NOW)), Due::Run(RunMode::Incremental));
        let s = state(
            FlowHealth::Ok,
            0,
            "2025-01-31T07:59:00Z",
            "2025-01-31T07:00:00Z",
        );
        assert_eq!(due(Some(&s), at(NOW)), Due::Run(RunMode::Full));
    }

    #[test]
    fn a_next_run_in_the_future_waits_and_one_in_the_past_is_due_at_once() {
        let s = state(
            FlowHealth::Retrying,
            1,
            "2025-01-31T08:05:00Z",
            "2025-02-01T00:00:00Z",
        );
        assert_eq!(
            due(Some(&s), at(NOW)),
            Due::Wait(at("2025-01-31T08:05:00Z"))
        );
        // A restart long after the stored next run: due now, not a full interval later.
        let s = state(
            FlowHealth::Ok,
            0,
            "2025-01-20T00:00:00Z",
            "2025-02-01T00:00:00Z",
        );
        assert_eq!(due(Some(&s), at(NOW)), Due::Run(RunMode::Incremental));
    }

    #[test]
    fn a_flow_waiting_for_approval_is_parked_whatever_its_times() {
        let s = state(
            FlowHealth::NeedsApproval,
            0,
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        );
        assert_eq!(due(Some(&s), at(NOW)), Due::Parked);
    }

    #[test]
    fn a_successful_incremental_run_is_next_due_after_the_interval_and_keeps_the_full_time() {
        let prev = state(FlowHealth::Retrying, 2, NOW, "2025-02-01T00:00:00Z");
        let next = after_run(
            &cadence(),
            Some(&prev),
            &attempt(RunMode::Incremental, RunStatus::Succeeded, None),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(
            next.outcome,
            FlowOutcome {
                health: FlowHealth::Ok,
                consecutive_failures: 0,
                reason: None
            }
        );
        assert_eq!(next.next_run_at, at("2025-01-31T08:15:00Z"));
        assert_eq!(next.next_full_at, at("2025-02-01T00:00:00Z"));
    }

    #[test]
    fn a_completed_full_run_schedules_the_next_full_reconciliation_full_every_later() {
        for status in [RunStatus::Succeeded, RunStatus::Partial] {
            let next = after_run(
                &cadence(),
                None,
                &attempt(RunMode::Full, status, None),
                at(NOW),
                NO_JITTER,
            );
            assert_eq!(next.outcome.health, FlowHealth::Ok, "{status}");
            assert_eq!(next.next_full_at, at("2025-02-01T08:00:00Z"), "{status}");
        }
    }

    #[test]
    fn a_failed_full_run_leaves_the_full_reconciliation_due() {
        let next = after_run(
            &cadence(),
            None,
            &attempt(RunMode::Full, RunStatus::Failed, Some("boom")),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(next.next_full_at, at(NOW));
        assert_eq!(next.outcome.consecutive_failures, 1);
    }

    #[test]
    fn a_failure_counts_up_retries_after_a_backoff_and_keeps_the_error_as_reason() {
        let prev = state(FlowHealth::Ok, 0, NOW, "2025-02-01T00:00:00Z");
        let next = after_run(
            &cadence(),
            Some(&prev),
            &attempt(
                RunMode::Incremental,
                RunStatus::Failed,
                Some("auth refused"),
            ),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(
            next.outcome,
            FlowOutcome {
                health: FlowHealth::Retrying,
                consecutive_failures: 1,
                reason: Some("auth refused".into())
            }
        );
        // A quarter of the 15-minute interval.
        assert_eq!(next.next_run_at, at("2025-01-31T08:03:45Z"));
        assert_eq!(next.next_full_at, at("2025-02-01T00:00:00Z"));
    }

    #[test]
    fn reaching_quarantine_after_failures_quarantines_and_reprobes_at_four_intervals() {
        let prev = state(FlowHealth::Retrying, 2, NOW, "2025-02-01T00:00:00Z");
        let next = after_run(
            &cadence(),
            Some(&prev),
            &attempt(
                RunMode::Incremental,
                RunStatus::Failed,
                Some("auth refused"),
            ),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(next.outcome.health, FlowHealth::Quarantined);
        assert_eq!(next.outcome.consecutive_failures, 3);
        assert_eq!(next.outcome.reason.as_deref(), Some("auth refused"));
        assert_eq!(next.next_run_at, at("2025-01-31T09:00:00Z"));

        // A failed re-probe stays quarantined; a good one heals the flow.
        let quarantined = state(FlowHealth::Quarantined, 3, NOW, "2025-02-01T00:00:00Z");
        let failed = after_run(
            &cadence(),
            Some(&quarantined),
            &attempt(RunMode::Incremental, RunStatus::Failed, None),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(failed.outcome.health, FlowHealth::Quarantined);
        assert_eq!(failed.outcome.consecutive_failures, 4);
        assert_eq!(failed.outcome.reason.as_deref(), Some("the run failed"));
        let healed = after_run(
            &cadence(),
            Some(&quarantined),
            &attempt(RunMode::Incremental, RunStatus::Partial, None),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(healed.outcome.health, FlowHealth::Ok);
        assert_eq!(healed.outcome.consecutive_failures, 0);
    }

    #[test]
    fn a_run_that_needs_approval_parks_the_flow_with_the_safety_stop_as_reason() {
        let prev = state(FlowHealth::Retrying, 1, NOW, "2025-01-31T07:00:00Z");
        let next = after_run(
            &cadence(),
            Some(&prev),
            &attempt(
                RunMode::Full,
                RunStatus::NeedsApproval,
                Some("60 deactivations > 50"),
            ),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(next.outcome.health, FlowHealth::NeedsApproval);
        assert_eq!(next.outcome.consecutive_failures, 0);
        assert_eq!(
            next.outcome.reason.as_deref(),
            Some("60 deactivations > 50")
        );
        // The full reconciliation did not happen: still due once approved.
        assert_eq!(next.next_full_at, at("2025-01-31T07:00:00Z"));
        let parked = FlowState {
            next_run_at: next.next_run_at,
            next_full_at: next.next_full_at,
            consecutive_failures: 0,
            health: next.outcome.health,
            ..prev
        };
        assert_eq!(due(Some(&parked), at("2025-02-05T00:00:00Z")), Due::Parked);
    }

    #[test]
    fn a_paused_flow_is_parked_whatever_its_health_and_times() {
        let mut paused = state(FlowHealth::Ok, 0, NOW, NOW);
        assert_eq!(due(Some(&paused), at(NOW)), Due::Run(RunMode::Full));
        paused.paused = Some(ccsync_store::Pause {
            since: at(NOW),
            reason: "IEX upgrade".into(),
        });
        assert_eq!(due(Some(&paused), at("2025-02-05T00:00:00Z")), Due::Parked);
    }

    #[test]
    fn retry_backoff_doubles_from_a_quarter_interval_with_a_floor_and_the_interval_as_cap() {
        let interval = 15 * MINUTE;
        let backoffs: Vec<Duration> = (1..=5).map(|f| retry_backoff(interval, f)).collect();
        assert_eq!(
            backoffs,
            [
                Duration::from_secs(225),
                Duration::from_secs(450),
                interval,
                interval,
                interval
            ]
        );
        // The floor: a 1-minute flow is not retried every 15 s…
        assert_eq!(retry_backoff(MINUTE, 1), Duration::from_secs(30));
        // …but the floor never exceeds the interval itself.
        assert_eq!(
            retry_backoff(Duration::from_secs(1), 1),
            Duration::from_secs(1)
        );
        assert_eq!(retry_backoff(interval, u32::MAX), interval);
    }

    #[test]
    fn probe_interval_is_four_intervals_capped_at_a_day_but_never_below_the_interval() {
        assert_eq!(probe_interval(15 * MINUTE), HOUR);
        assert_eq!(probe_interval(12 * HOUR), 24 * HOUR);
        assert_eq!(probe_interval(48 * HOUR), 48 * HOUR);
    }

    #[test]
    fn jitter_stays_within_five_percent_and_thirty_seconds() {
        let interval = 15 * MINUTE;
        assert_eq!(jitter(interval, 0.0), interval - Duration::from_secs(30));
        assert_eq!(jitter(interval, 1.0), interval + Duration::from_secs(30));
        assert_eq!(jitter(interval, 0.5), interval);
        let short = Duration::from_secs(100);
        assert_eq!(jitter(short, 0.0), Duration::from_secs(95));
        assert_eq!(jitter(short, 1.0), Duration::from_secs(105));
        for _ in 0..1000 {
            let j = jitter(short, fastrand::f64());
            assert!(
                j >= Duration::from_secs(95) && j <= Duration::from_secs(105),
                "{j:?}"
            );
        }
        // Out-of-range rolls are clamped rather than trusted.
        assert_eq!(jitter(short, 7.0), Duration::from_secs(105));
    }

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

    #[test]
    fn next_run_times_saturate_instead_of_overflowing() {
        let huge = Cadence {
            interval: Duration::from_secs(u64::MAX / 4),
            full_every: Duration::from_secs(u64::MAX / 4),
            quarantine_after: 1,
        };
        let next = after_run(
            &huge,
            None,
            &attempt(RunMode::Full, RunStatus::Succeeded, None),
            at(NOW),
            NO_JITTER,
        );
        assert_eq!(next.next_run_at, Timestamp::MAX);
        assert_eq!(next.next_full_at, Timestamp::MAX);
        assert_eq!(until(at(NOW), at("2025-01-31T07:00:00Z")), Duration::ZERO);
        assert_eq!(
            until(at(NOW), at(NOW) + SignedDuration::from_secs(5)),
            Duration::from_secs(5)
        );
    }
}
