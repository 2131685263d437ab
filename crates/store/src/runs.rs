//! Runs: one row per execution of a flow, dry runs included.
//!
//! A run is `running` from [`Store::start_run`] until [`Store::finish_run`]. Its counters grow
//! with every committed page (in the page's own transaction, so they always match what was
//! written), and a run a crash left `running` is turned `interrupted` by
//! [`Store::mark_interrupted_runs`].

use std::fmt;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::codec::{RowReader, now_text, text_enum};
use crate::error::{Result, SqlContext, StoreError};

/// A run's id. Ids only grow: a later run has a larger id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for RunId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

text_enum! {
    /// What a run reads.
    pub enum RunMode ("run mode") {
        /// Every record of every kind; the only mode that may deactivate unseen records.
        Full = "full",
        /// Records changed since the stored watermark.
        Incremental = "incremental",
        /// One record, on demand.
        Single = "single",
    }
}

text_enum! {
    /// Where a run stands.
    pub enum RunStatus ("run status") {
        /// Started, and neither finished nor marked interrupted.
        Running = "running",
        /// Finished, every record processed.
        Succeeded = "succeeded",
        /// Stopped by an error; the run's `error` says which.
        Failed = "failed",
        /// Finished, but some records or pages could not be processed.
        Partial = "partial",
        /// Stopped before applying because it would deactivate more than the flow allows.
        NeedsApproval = "needs-approval",
        /// Left `running` by a process that stopped without finishing it.
        Interrupted = "interrupted",
    }
}

/// How many records a run handled, by outcome. Used both as totals ([`Run::counts`]) and as
/// increments (page batches, [`Store::finish_run`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Records the source returned.
    pub read: u64,
    /// Records created in the hub.
    pub created: u64,
    /// Records changed.
    pub updated: u64,
    /// Records deactivated.
    pub deactivated: u64,
    /// Records reactivated.
    pub reactivated: u64,
    /// Records read that needed no write.
    pub unchanged: u64,
    /// Records deliberately left alone.
    pub skipped: u64,
    /// Source records that could not be mapped.
    pub invalid: u64,
}

impl std::ops::AddAssign<&RunCounts> for RunCounts {
    fn add_assign(&mut self, add: &RunCounts) {
        self.read += add.read;
        self.created += add.created;
        self.updated += add.updated;
        self.deactivated += add.deactivated;
        self.reactivated += add.reactivated;
        self.unchanged += add.unchanged;
        self.skipped += add.skipped;
        self.invalid += add.invalid;
    }
}

impl RunCounts {
    /// Whether every counter is zero.
    pub fn is_zero(&self) -> bool {
        *self == RunCounts::default()
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The run's id.
    pub id: RunId,
    /// The flow that ran.
    pub flow: String,
    /// What the run reads.
    pub mode: RunMode,
    /// Whether it is a dry run, which writes nothing but its run row.
    pub dry_run: bool,
    /// Where the run stands.
    pub status: RunStatus,
    /// When the run started.
    pub started_at: Timestamp,
    /// When the run finished or was marked interrupted; `None` while it is running.
    pub finished_at: Option<Timestamp>,
    /// What the run handled, by outcome (so far, while it is running).
    pub counts: RunCounts,
    /// The error that ended the run (or why it was marked interrupted); `None` without one.
    pub error: Option<String>,
}

const RUN_COLUMNS: &str = "id, flow, mode, dry_run, status, started_at, finished_at, read, \
     created, updated, deactivated, reactivated, unchanged, skipped, invalid, error";

/// What [`Store::mark_interrupted_runs`] writes as the error of the runs it marks.
pub const INTERRUPTED_ERROR: &str = "the process stopped before the run finished";

impl Store {
    /// Records the start of a run (a dry run too) and returns its id.
    pub fn start_run(&mut self, flow: &str, mode: RunMode, dry_run: bool) -> Result<RunId> {
        const OP: &str = "start_run";
        let key = || format!("flow {flow}");
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO runs (flow, mode, dry_run, status, started_at)
                 VALUES (?1, ?2, ?3, 'running', ?4) RETURNING id",
            )
            .ctx(OP, key)?
            .query_row(params![flow, mode, dry_run, now_text()], |row| row.get(0))
            .ctx(OP, key)?;
        Ok(RunId(id))
    }

    /// Ends a running run with its final status and error text.
    ///
    /// `counts` are *added* to the counters the run's committed pages already advanced: a run
    /// that committed its pages passes what no page carried (often nothing), and a dry run,
    /// which commits no page, passes its whole plan here.
    pub fn finish_run(
        &mut self,
        run: RunId,
        status: RunStatus,
        counts: &RunCounts,
        error: Option<&str>,
    ) -> Result<()> {
        const OP: &str = "finish_run";
        if status == RunStatus::Running {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: format!("run {run}"),
                detail: "`running` is not a final status".into(),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, || format!("run {run}"))?;
        ensure_running(&tx, OP, run)?;
        add_counts(&tx, OP, run, counts)?;
        tx.prepare_cached(
            "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4 WHERE id = ?1",
        )
        .ctx(OP, || format!("run {run}"))?
        .execute(params![run, status, now_text(), error])
        .ctx(OP, || format!("run {run}"))?;
        tx.commit().ctx(OP, || format!("run {run}"))
    }

    /// The most recent runs, newest first, of one flow or of all.
    pub fn runs(&self, flow: Option<&str>, limit: usize) -> Result<Vec<Run>> {
        const OP: &str = "runs";
        let key = || format!("flow {}", flow.unwrap_or("*"));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = match flow {
            Some(_) => {
                format!("SELECT {RUN_COLUMNS} FROM runs WHERE flow = ?1 ORDER BY id DESC LIMIT ?2")
            }
            None => format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"),
        };
        let mut stmt = self.conn.prepare_cached(&sql).ctx(OP, key)?;
        let mut rows = match flow {
            Some(flow) => stmt.query(params![flow, limit]),
            None => stmt.query(params![limit]),
        }
        .ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(run_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// One run, if it exists.
    pub fn run(&self, id: RunId) -> Result<Option<Run>> {
        const OP: &str = "run";
        let key = || format!("run {id}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![id]).ctx(OP, key)?;
        match rows.next().ctx(OP, key)? {
            Some(row) => run_from_row(row, OP).map(Some),
            None => Ok(None),
        }
    }

    /// Marks every `running` run of `flow` `interrupted` and returns how many there were.
    ///
    /// Call it only while holding the flow's run lock, so that no run of the flow can be in
    /// progress: the runs it finds were left by a process that died. It is deliberately not
    /// done by [`Store::open`], since a command opening the store beside a live run would
    /// otherwise mark that run interrupted.
    pub fn mark_interrupted_runs(&mut self, flow: &str) -> Result<u64> {
        const OP: &str = "mark_interrupted_runs";
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE runs SET status = 'interrupted', finished_at = ?1,
                     error = coalesce(error, ?2)
                 WHERE status = 'running' AND flow = ?3",
            )
            .ctx(OP, || format!("flow {flow}"))?
            .execute(params![now_text(), INTERRUPTED_ERROR, flow])
            .ctx(OP, || format!("flow {flow}"))?;
        Ok(changed as u64)
    }
}

/// Fails unless the run exists and is running; returns its flow and dry-run flag.
pub(crate) fn ensure_running(
    conn: &Connection,
    op: &'static str,
    run: RunId,
) -> Result<(String, bool)> {
    let key = || format!("run {run}");
    let found: Option<(String, String, bool)> = conn
        .prepare_cached("SELECT flow, status, dry_run FROM runs WHERE id = ?1")
        .ctx(op, key)?
        .query_row(params![run], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()
        .ctx(op, key)?;
    let Some((flow, status, dry_run)) = found else {
        return Err(StoreError::UnknownRun { op, run });
    };
    let status: RunStatus = status.parse().map_err(|e| StoreError::Corrupt {
        op,
        table: "runs",
        key: key(),
        column: "status",
        detail: format!("{e}"),
    })?;
    if status != RunStatus::Running {
        return Err(StoreError::RunNotRunning { op, run, status });
    }
    Ok((flow, dry_run))
}

/// Adds `counts` to the run's counters.
pub(crate) fn add_counts(
    conn: &Connection,
    op: &'static str,
    run: RunId,
    counts: &RunCounts,
) -> Result<()> {
    if counts.is_zero() {
        return Ok(());
    }
    let key = || format!("run {run}");
    conn.prepare_cached(
        "UPDATE runs SET read = read + ?2, created = created + ?3, updated = updated + ?4,
             deactivated = deactivated + ?5, reactivated = reactivated + ?6,
             unchanged = unchanged + ?7, skipped = skipped + ?8, invalid = invalid + ?9
         WHERE id = ?1",
    )
    .ctx(op, key)?
    .execute(params![
        run,
        counts.read,
        counts.created,
        counts.updated,
        counts.deactivated,
        counts.reactivated,
        counts.unchanged,
        counts.skipped,
        counts.invalid,
    ])
    .ctx(op, key)?;
    Ok(())
}

fn run_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<Run> {
    let id: i64 = row.get("id").ctx(op, String::new)?;
    let r = RowReader::new(row, op, "runs", format!("id={id}"));
    Ok(Run {
        id: RunId(id),
        flow: r.get("flow")?,
        mode: r.parse("mode")?,
        dry_run: r.flag("dry_run")?,
        status: r.parse("status")?,
        started_at: r.timestamp("started_at")?,
        finished_at: r.opt_timestamp("finished_at")?,
        counts: RunCounts {
            read: r.get("read")?,
            created: r.get("created")?,
            updated: r.get("updated")?,
            deactivated: r.get("deactivated")?,
            reactivated: r.get("reactivated")?,
            unchanged: r.get("unchanged")?,
            skipped: r.get("skipped")?,
            invalid: r.get("invalid")?,
        },
        error: r.get("error")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_starts_running_and_finishes_with_its_counts_added() {
        let mut store = Store::open_in_memory().unwrap();
        let run = store.start_run("wfm", RunMode::Full, true).unwrap();
        let started = store.run(run).unwrap().unwrap();
        assert_eq!(started.status, RunStatus::Running);
        assert!(started.dry_run);
        assert_eq!(started.finished_at, None);
        assert!(started.counts.is_zero());

        let plan = RunCounts {
            read: 10,
            created: 3,
            unchanged: 7,
            ..RunCounts::default()
        };
        store
            .finish_run(run, RunStatus::Succeeded, &plan, None)
            .unwrap();
        let finished = store.run(run).unwrap().unwrap();
        assert_eq!(finished.status, RunStatus::Succeeded);
        assert_eq!(finished.counts, plan);
        assert!(finished.finished_at.unwrap() >= finished.started_at);
    }

    #[test]
    fn a_finished_run_cannot_be_finished_again_nor_with_running() {
        let mut store = Store::open_in_memory().unwrap();
        let run = store.start_run("wfm", RunMode::Incremental, false).unwrap();
        let zero = RunCounts::default();
        assert!(matches!(
            store.finish_run(run, RunStatus::Running, &zero, None),
            Err(StoreError::InvalidInput { .. })
        ));
        store
            .finish_run(run, RunStatus::Failed, &zero, Some("auth refused"))
            .unwrap();
        assert!(matches!(
            store.finish_run(run, RunStatus::Succeeded, &zero, None),
            Err(StoreError::RunNotRunning {
                status: RunStatus::Failed,
                ..
            })
        ));
        assert_eq!(
            store.run(run).unwrap().unwrap().error.as_deref(),
            Some("auth refused")
        );
        assert!(matches!(
            store.finish_run(RunId(999), RunStatus::Failed, &zero, None),
            Err(StoreError::UnknownRun { .. })
        ));
    }

    #[test]
    fn runs_lists_newest_first_filtered_by_flow_and_limited() {
        let mut store = Store::open_in_memory().unwrap();
        let a1 = store.start_run("a", RunMode::Full, false).unwrap();
        let b1 = store.start_run("b", RunMode::Full, false).unwrap();
        let a2 = store.start_run("a", RunMode::Single, false).unwrap();
        let ids = |runs: Vec<Run>| runs.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(store.runs(Some("a"), 10).unwrap()), vec![a2, a1]);
        assert_eq!(ids(store.runs(None, 2).unwrap()), vec![a2, b1]);
        assert_eq!(store.run(RunId(a2.0 + 100)).unwrap(), None);
    }

    #[test]
    fn runs_left_running_are_marked_interrupted_and_finished_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let (crashed, done) = {
            let mut store = Store::open(&path).unwrap();
            let crashed = store.start_run("wfm", RunMode::Full, false).unwrap();
            let done = store.start_run("wfo", RunMode::Full, false).unwrap();
            store
                .finish_run(done, RunStatus::Succeeded, &RunCounts::default(), None)
                .unwrap();
            (crashed, done)
            // dropped without finishing `crashed`: the process "died"
        };
        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            store.mark_interrupted_runs("wfo").unwrap(),
            0,
            "another flow"
        );
        assert_eq!(store.mark_interrupted_runs("wfm").unwrap(), 1);
        let crashed = store.run(crashed).unwrap().unwrap();
        assert_eq!(crashed.status, RunStatus::Interrupted);
        assert_eq!(crashed.error.as_deref(), Some(INTERRUPTED_ERROR));
        assert!(crashed.finished_at.is_some());
        assert_eq!(
            store.run(done).unwrap().unwrap().status,
            RunStatus::Succeeded
        );
        assert_eq!(store.mark_interrupted_runs("wfm").unwrap(), 0);
    }
}
