//! Flow state: where each flow's schedule stands and how healthy the flow is.
//!
//! One row per flow that the scheduler has run (or an operator resumed): when it runs next,
//! when its next full reconciliation is due, how many runs in a row failed, and its health.
//! The daemon keeps its schedule here rather than in memory, so a restart continues where it
//! stopped, and a command run beside a live daemon (`ccsync resume`) changes what the daemon
//! does next. The store only records; the scheduling decisions live in the host, in one place.

use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;

use crate::Store;
use crate::codec::{RowReader, now_text, text_enum, timestamp_text};
use crate::error::{Result, SqlContext, StoreError};
use crate::runs::RunId;

text_enum! {
    /// How a flow is doing, as the scheduler judges it from its recent runs.
    pub enum FlowHealth ("flow health") {
        /// The last run succeeded (or was partial): the flow runs on its interval.
        Ok = "ok",
        /// The last run failed: the flow is retried after a backoff.
        Retrying = "retrying",
        /// Too many runs in a row failed: the flow is only re-probed, on a slower schedule.
        Quarantined = "quarantined",
        /// The last run stopped at a safety threshold: the flow is parked until approved.
        NeedsApproval = "needs-approval",
    }
}

/// A flow's schedule and health as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowState {
    /// The flow's name.
    pub flow: String,
    /// When the flow runs next; a time in the past means "due now".
    pub next_run_at: Timestamp,
    /// The first run at or after this time is a full reconciliation.
    pub next_full_at: Timestamp,
    /// Failed runs in a row; 0 after any run that did its work.
    pub consecutive_failures: u32,
    /// How the flow is doing.
    pub health: FlowHealth,
    /// Why the flow is not `ok` (the last error, or the safety stop).
    pub reason: Option<String>,
    /// The last run the scheduler recorded an outcome for.
    pub last_run: Option<RunId>,
    /// Set while an operator has paused the flow: `serve` runs it not at all until resumed.
    pub paused: Option<Pause>,
    /// When the state was last written.
    pub updated_at: Timestamp,
}

/// Why and since when a flow is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// When the operator paused the flow.
    pub since: Timestamp,
    /// Why, as the operator gave it.
    pub reason: String,
}

/// One entry of a flow's own history: paused or resumed by an operator, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowEvent {
    /// The flow's name.
    pub flow: String,
    /// When the operator paused or resumed the flow.
    pub at: Timestamp,
    /// `paused` or `resumed`.
    pub event: String,
    /// Why, as the operator gave it; `None` if they gave none.
    pub reason: Option<String>,
}

/// What a run (or a failed attempt to start one) did to a flow's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOutcome {
    /// The flow's health after the run.
    pub health: FlowHealth,
    /// Failed runs in a row, this one included.
    pub consecutive_failures: u32,
    /// Why the flow is not `ok` (the error, or the safety stop); `None` when it is.
    pub reason: Option<String>,
}

const STATE_COLUMNS: &str = "flow, next_run_at, next_full_at, consecutive_failures, health, \
     reason, last_run, paused_at, paused_reason, updated_at";

impl Store {
    /// The state of one flow; `None` if the scheduler never ran it.
    pub fn flow_state(&self, flow: &str) -> Result<Option<FlowState>> {
        const OP: &str = "flow_state";
        let key = || format!("flow {flow}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATE_COLUMNS} FROM flow_state WHERE flow = ?1"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![flow]).ctx(OP, key)?;
        match rows.next().ctx(OP, key)? {
            Some(row) => state_from_row(row, OP).map(Some),
            None => Ok(None),
        }
    }

    /// The state of every flow that has one, by flow name.
    pub fn flow_states(&self) -> Result<Vec<FlowState>> {
        const OP: &str = "flow_states";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATE_COLUMNS} FROM flow_state ORDER BY flow"
            ))
            .ctx(OP, String::new)?;
        let mut rows = stmt.query([]).ctx(OP, String::new)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, String::new)? {
            out.push(state_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// Records what a run did to `flow` and when it runs next.
    ///
    /// `run` is `None` when the attempt failed before a run could be recorded (a plugin that
    /// does not load, a secret that cannot be read); the last recorded run is then kept.
    /// The outcome must be consistent: `ok` and `needs-approval` with no failures counted,
    /// `retrying` and `quarantined` with at least one.
    pub fn record_outcome(
        &mut self,
        flow: &str,
        run: Option<RunId>,
        outcome: &FlowOutcome,
        next_run_at: Timestamp,
        next_full_at: Timestamp,
    ) -> Result<FlowState> {
        const OP: &str = "record_outcome";
        let key = || format!("flow {flow}");
        let failing = matches!(
            outcome.health,
            FlowHealth::Retrying | FlowHealth::Quarantined
        );
        if failing != (outcome.consecutive_failures > 0) {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!(
                    "health `{}` with {} consecutive failures",
                    outcome.health, outcome.consecutive_failures
                ),
            });
        }
        if let Some(run) = run
            && self.run(run)?.is_none()
        {
            return Err(StoreError::UnknownRun { op: OP, run });
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO flow_state (flow, next_run_at, next_full_at, consecutive_failures,
                     health, reason, last_run, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (flow) DO UPDATE SET
                     next_run_at = excluded.next_run_at,
                     next_full_at = excluded.next_full_at,
                     consecutive_failures = excluded.consecutive_failures,
                     health = excluded.health,
                     reason = excluded.reason,
                     last_run = coalesce(excluded.last_run, flow_state.last_run),
                     updated_at = excluded.updated_at
                 RETURNING {STATE_COLUMNS}"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![
                flow,
                timestamp_text(next_run_at),
                timestamp_text(next_full_at),
                outcome.consecutive_failures,
                outcome.health,
                outcome.reason,
                run,
                now_text(),
            ])
            .ctx(OP, key)?;
        let row = rows
            .next()
            .ctx(OP, key)?
            .ok_or_else(|| returned_nothing(OP, flow))?;
        state_from_row(row, OP)
    }

    /// Makes a parked flow due now (after an approval): clears its failures and health like
    /// [`Store::resume`], but leaves a pause alone, so a paused flow stays paused.
    pub fn unpark(&mut self, flow: &str) -> Result<FlowState> {
        const OP: &str = "unpark";
        make_due(&self.conn, OP, flow, false, &now_text())
    }

    /// Pauses a flow for `reason`: `serve` skips it until [`Store::resume`]. Persisted, and
    /// logged in the flow's history with the reason. Pausing a paused flow is refused.
    pub fn pause(&mut self, flow: &str, reason: &str) -> Result<FlowState> {
        const OP: &str = "pause";
        let key = || format!("flow {flow}");
        if reason.trim().is_empty() {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: "a pause needs a reason".into(),
            });
        }
        if let Some(Pause { since, reason }) = self.flow_state(flow)?.and_then(|s| s.paused) {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!("the flow is already paused since {since}: {reason}"),
            });
        }
        let tx = self.conn.transaction().ctx(OP, key)?;
        let now = now_text();
        let state = {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "INSERT INTO flow_state (flow, next_run_at, next_full_at, consecutive_failures,
                         health, reason, last_run, paused_at, paused_reason, updated_at)
                     VALUES (?1, ?2, ?2, 0, 'ok', NULL, NULL, ?2, ?3, ?2)
                     ON CONFLICT (flow) DO UPDATE SET
                         paused_at = excluded.paused_at,
                         paused_reason = excluded.paused_reason,
                         updated_at = excluded.updated_at
                     RETURNING {STATE_COLUMNS}"
                ))
                .ctx(OP, key)?;
            let mut rows = stmt.query(params![flow, now, reason]).ctx(OP, key)?;
            let row = rows
                .next()
                .ctx(OP, key)?
                .ok_or_else(|| returned_nothing(OP, flow))?;
            state_from_row(row, OP)?
        };
        append_event(&tx, OP, flow, "paused", Some(reason), &now)?;
        tx.commit().ctx(OP, key)?;
        Ok(state)
    }

    /// A flow's history of pauses and resumptions, oldest first.
    pub fn flow_events(&self, flow: &str) -> Result<Vec<FlowEvent>> {
        const OP: &str = "flow_events";
        let key = || format!("flow {flow}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT flow, at, event, reason FROM flow_events WHERE flow = ?1 ORDER BY id",
            )
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![flow]).ctx(OP, key)?;
        let mut events = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let r = RowReader::new(row, OP, "flow_events", format!("flow={flow}"));
            events.push(FlowEvent {
                flow: r.get("flow")?,
                at: r.timestamp("at")?,
                event: r.get("event")?,
                reason: r.get("reason")?,
            });
        }
        Ok(events)
    }

    /// Clears a flow's pause, failures and health (quarantine included) and makes it due now.
    ///
    /// A flow without state gets one that is due now with a full reconciliation, which is
    /// what the scheduler does for it anyway. A flow waiting for approval is resumed too: its
    /// next run plans again, and stops again if it is still over the safety thresholds. A
    /// paused flow's resumption is logged in its history.
    pub fn resume(&mut self, flow: &str) -> Result<FlowState> {
        const OP: &str = "resume";
        let key = || format!("flow {flow}");
        let now = now_text();
        let was_paused = self.flow_state(flow)?.and_then(|s| s.paused);
        let tx = self.conn.transaction().ctx(OP, key)?;
        let state = make_due(&tx, OP, flow, true, &now)?;
        if let Some(pause) = was_paused {
            let reason = format!("paused since {}: {}", pause.since, pause.reason);
            append_event(&tx, OP, flow, "resumed", Some(&reason), &now)?;
        }
        tx.commit().ctx(OP, key)?;
        Ok(state)
    }
}

/// Makes a flow due now with a clean health (its failures, quarantine or parking cleared),
/// creating its state if it has none; with `unpause`, its pause too.
fn make_due(
    conn: &rusqlite::Connection,
    op: &'static str,
    flow: &str,
    unpause: bool,
    now: &str,
) -> Result<FlowState> {
    let key = || format!("flow {flow}");
    let mut stmt = conn
        .prepare_cached(&format!(
            "INSERT INTO flow_state (flow, next_run_at, next_full_at, consecutive_failures,
                 health, reason, last_run, updated_at)
             VALUES (?1, ?2, ?2, 0, 'ok', NULL, NULL, ?2)
             ON CONFLICT (flow) DO UPDATE SET
                 next_run_at = excluded.next_run_at,
                 consecutive_failures = 0,
                 health = 'ok',
                 reason = NULL,
                 paused_at = CASE WHEN ?3 THEN NULL ELSE flow_state.paused_at END,
                 paused_reason = CASE WHEN ?3 THEN NULL ELSE flow_state.paused_reason END,
                 updated_at = excluded.updated_at
             RETURNING {STATE_COLUMNS}"
        ))
        .ctx(op, key)?;
    let mut rows = stmt.query(params![flow, now, unpause]).ctx(op, key)?;
    let row = rows
        .next()
        .ctx(op, key)?
        .ok_or_else(|| returned_nothing(op, flow))?;
    state_from_row(row, op)
}

fn append_event(
    tx: &rusqlite::Transaction<'_>,
    op: &'static str,
    flow: &str,
    event: &str,
    reason: Option<&str>,
    now: &str,
) -> Result<()> {
    tx.prepare_cached("INSERT INTO flow_events (flow, at, event, reason) VALUES (?1, ?2, ?3, ?4)")
        .ctx(op, || format!("flow {flow}"))?
        .execute(params![flow, now, event, reason])
        .ctx(op, || format!("flow {flow}"))?;
    Ok(())
}

/// An upsert with `RETURNING` always returns its row; this reports the impossible otherwise.
fn returned_nothing(op: &'static str, flow: &str) -> StoreError {
    StoreError::Sql {
        op,
        key: format!("flow {flow}"),
        source: rusqlite::Error::QueryReturnedNoRows,
    }
}

fn state_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<FlowState> {
    let flow: String = row.get("flow").ctx(op, String::new)?;
    let r = RowReader::new(row, op, "flow_state", format!("flow={flow}"));
    Ok(FlowState {
        next_run_at: r.timestamp("next_run_at")?,
        next_full_at: r.timestamp("next_full_at")?,
        consecutive_failures: r.get("consecutive_failures")?,
        health: r.parse("health")?,
        reason: r.get("reason")?,
        last_run: r.get::<Option<i64>>("last_run")?.map(RunId),
        paused: match r.opt_timestamp("paused_at")? {
            Some(since) => Some(Pause {
                since,
                reason: r
                    .get::<Option<String>>("paused_reason")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        updated_at: r.timestamp("updated_at")?,
        flow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RunCounts, RunMode, RunStatus};
    use jiff::SignedDuration;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn failing(failures: u32, health: FlowHealth, reason: &str) -> FlowOutcome {
        FlowOutcome {
            health,
            consecutive_failures: failures,
            reason: Some(reason.into()),
        }
    }

    const OK: FlowOutcome = FlowOutcome {
        health: FlowHealth::Ok,
        consecutive_failures: 0,
        reason: None,
    };

    #[test]
    fn a_flow_has_no_state_until_an_outcome_is_recorded_and_then_round_trips() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.flow_state("wfm").unwrap(), None);
        let run = store.start_run("wfm", RunMode::Full, false).unwrap();
        let recorded = store
            .record_outcome(
                "wfm",
                Some(run),
                &failing(2, FlowHealth::Retrying, "auth refused"),
                at("2025-01-31T08:15:00.5Z"),
                at("2025-02-01T08:00:00Z"),
            )
            .unwrap();
        let read = store.flow_state("wfm").unwrap().unwrap();
        assert_eq!(recorded, read);
        assert_eq!(read.next_run_at, at("2025-01-31T08:15:00.5Z"));
        assert_eq!(read.next_full_at, at("2025-02-01T08:00:00Z"));
        assert_eq!(read.consecutive_failures, 2);
        assert_eq!(read.health, FlowHealth::Retrying);
        assert_eq!(read.reason.as_deref(), Some("auth refused"));
        assert_eq!(read.last_run, Some(run));
        assert_eq!(store.flow_state("wfo").unwrap(), None);
    }

    #[test]
    fn an_attempt_without_a_run_keeps_the_last_recorded_run() {
        let mut store = Store::open_in_memory().unwrap();
        let run = store.start_run("wfm", RunMode::Full, false).unwrap();
        store
            .finish_run(run, RunStatus::Succeeded, &RunCounts::default(), None)
            .unwrap();
        let now = Timestamp::now();
        store
            .record_outcome("wfm", Some(run), &OK, now, now)
            .unwrap();
        let state = store
            .record_outcome(
                "wfm",
                None,
                &failing(1, FlowHealth::Retrying, "plugin did not load"),
                now,
                now,
            )
            .unwrap();
        assert_eq!(state.last_run, Some(run));
        assert_eq!(state.reason.as_deref(), Some("plugin did not load"));
    }

    #[test]
    fn inconsistent_outcomes_and_unknown_runs_are_refused_and_nothing_is_written() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Timestamp::now();
        for bad in [
            failing(1, FlowHealth::Ok, "x"),
            failing(0, FlowHealth::Retrying, "x"),
            failing(0, FlowHealth::Quarantined, "x"),
            failing(3, FlowHealth::NeedsApproval, "x"),
        ] {
            let err = store
                .record_outcome("wfm", None, &bad, now, now)
                .unwrap_err();
            assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
        }
        let err = store
            .record_outcome("wfm", Some(RunId(41)), &OK, now, now)
            .unwrap_err();
        assert!(
            matches!(err, StoreError::UnknownRun { run: RunId(41), .. }),
            "{err}"
        );
        assert_eq!(store.flow_states().unwrap(), vec![]);
    }

    #[test]
    fn resume_clears_a_quarantine_and_makes_the_flow_due_now_keeping_the_full_schedule() {
        let mut store = Store::open_in_memory().unwrap();
        let later = at("2099-01-01T04:00:00Z");
        let full = at("2099-01-01T20:00:00Z");
        store
            .record_outcome(
                "wfm",
                None,
                &failing(5, FlowHealth::Quarantined, "auth refused"),
                later,
                full,
            )
            .unwrap();
        // The store keeps microseconds.
        let before = Timestamp::now() - SignedDuration::from_micros(1);
        let resumed = store.resume("wfm").unwrap();
        assert_eq!(resumed.health, FlowHealth::Ok);
        assert_eq!(resumed.consecutive_failures, 0);
        assert_eq!(resumed.reason, None);
        assert!(resumed.next_run_at >= before && resumed.next_run_at <= Timestamp::now());
        assert_eq!(resumed.next_full_at, full);
        assert_eq!(store.flow_state("wfm").unwrap().unwrap(), resumed);
    }

    #[test]
    fn a_pause_is_logged_kept_by_unpark_and_lifted_by_resume() {
        let mut store = Store::open_in_memory().unwrap();
        let paused = store.pause("wfm", "IEX upgrade").unwrap();
        assert_eq!(paused.paused.unwrap().reason, "IEX upgrade");
        assert!(store.pause("wfm", "again").is_err(), "already paused");
        assert!(
            store.unpark("wfm").unwrap().paused.is_some(),
            "unpark keeps it"
        );
        assert!(store.resume("wfm").unwrap().paused.is_none());
        let events: Vec<String> = store
            .flow_events("wfm")
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(events, ["paused", "resumed"]);
    }

    #[test]
    fn resuming_a_flow_without_state_makes_it_due_now_with_a_full_run() {
        let mut store = Store::open_in_memory().unwrap();
        let resumed = store.resume("new").unwrap();
        assert_eq!(resumed.health, FlowHealth::Ok);
        assert_eq!(resumed.next_run_at, resumed.next_full_at);
        assert!(resumed.next_run_at <= Timestamp::now());
        assert_eq!(resumed.last_run, None);
    }

    #[test]
    fn flow_states_lists_every_flow_by_name() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Timestamp::now();
        for flow in ["wfo", "presence", "wfm"] {
            store.record_outcome(flow, None, &OK, now, now).unwrap();
        }
        let names: Vec<String> = store
            .flow_states()
            .unwrap()
            .into_iter()
            .map(|s| s.flow)
            .collect();
        assert_eq!(names, ["presence", "wfm", "wfo"]);
    }

    #[test]
    fn a_corrupt_timestamp_is_reported_with_its_table_row_and_column() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Timestamp::now();
        store.record_outcome("wfm", None, &OK, now, now).unwrap();
        // Health has a CHECK; a timestamp is guarded only by decoding.
        store
            .conn
            .execute("UPDATE flow_state SET next_run_at = 'soon'", [])
            .unwrap();
        let err = store.flow_state("wfm").unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    table: "flow_state",
                    column: "next_run_at",
                    ..
                }
            ),
            "{err}"
        );
    }
}
