//! When a flow runs, and how its health follows its runs: the scheduling policy, apart from
//! the daemon that carries it out ([`daemon`]).
//!
//! The decisions are the pure functions [`due`] and [`after_run`], in one place that a lease
//! can later guard when several hosts share a database. `ccsync serve` and an on-demand
//! `ccsync sync` record their runs through the same [`record_attempt`]/[`after_run`], so a
//! flow's health is the same whoever ran it.
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
//!   something (an approval, `ccsync resume`) makes it `ok` again. A paused flow is parked
//!   too, until `ccsync resume`.
//! - Every delay gets a little jitter ([`jitter`]: ±5%, at most ±30 s), so flows started
//!   together drift apart instead of hitting their platforms in lockstep.

pub mod daemon;

use std::time::Duration;

use ccsync_config::FlowConfig;
use ccsync_store::{FlowHealth, FlowOutcome, FlowState, RunId, RunMode, RunStatus};
use jiff::Timestamp;

use crate::sync::RunReport;

pub use daemon::{STATE_POLL, serve};

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

/// Which of its kinds a run of a flow covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunScope {
    /// Every kind of the flow.
    EveryKind,
    /// Some of them (`ccsync sync <flow> --kind K`).
    SomeKinds,
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
pub(crate) fn until(now: Timestamp, at: Timestamp) -> Duration {
    Duration::try_from(now.duration_until(at)).unwrap_or(Duration::ZERO)
}

/// Stores a flow's state after a run.
pub(crate) fn store_next(
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
    scope: RunScope,
) -> anyhow::Result<()> {
    if report.mode == RunMode::Single {
        return Ok(());
    }
    let previous = store.flow_state(&flow.name)?;
    let attempt = Attempt {
        // A full read of some kinds leaves the others' reconciliation due.
        mode: match scope {
            RunScope::EveryKind => report.mode,
            RunScope::SomeKinds => RunMode::Incremental,
        },
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
