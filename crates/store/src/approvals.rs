//! Approvals of runs that stopped at a safety threshold.
//!
//! A run that would deactivate more than its flow allows (records at the hub, or what its
//! rule family would deactivate at its target) stops before changing anything and records
//! both counts. An operator who agrees approves that run; the flow's **next** run may then
//! deactivate up to the approved numbers (a run that would deactivate more stops again). One
//! approval covers one run's whole plan, and it is spent by the next run that reaches its
//! safety check, whether that run needed it or not: an approval never lingers to cover some
//! later run the operator did not look at.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::Store;
use crate::codec::{RowReader, now_text};
use crate::error::{Result, SqlContext, StoreError};
use crate::runs::RunId;

pub(crate) const MIGRATION: &str = r#"
CREATE TABLE approvals (
    run            INTEGER PRIMARY KEY REFERENCES runs (id),
    flow           TEXT    NOT NULL,
    deactivations  INTEGER NOT NULL CHECK (deactivations >= 0),
    requested_at   TEXT    NOT NULL,
    approved_at    TEXT,
    used_by_run    INTEGER REFERENCES runs (id)
) STRICT;
CREATE INDEX approvals_by_flow ON approvals (flow, run);
"#;

/// A run waiting for (or given) an operator's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// The run that stopped.
    pub run: RunId,
    /// The flow the run belongs to.
    pub flow: String,
    /// How many deactivations it planned: the most the approved run may apply.
    pub deactivations: Deactivations,
    /// When the run stopped and asked for approval.
    pub requested_at: Timestamp,
    /// When an operator approved the run; `None` while it waits.
    pub approved_at: Option<Timestamp>,
    /// The run that used the approval.
    pub used_by_run: Option<RunId>,
}

const COLUMNS: &str =
    "run, flow, deactivations, target_deactivations, requested_at, approved_at, used_by_run";

/// What a run plans to deactivate: records at the hub, and objects at its family's target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Deactivations {
    /// Hub records the run would deactivate.
    pub records: u64,
    /// Objects the flow's rule family would deactivate at its target (a hub store's accounts,
    /// for example).
    pub target: u64,
}

fn approval_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<Approval> {
    let key = row
        .get::<_, i64>(0)
        .map(|id| format!("run {id}"))
        .unwrap_or_default();
    let r = RowReader::new(row, op, "approvals", key);
    Ok(Approval {
        run: RunId(r.get("run")?),
        flow: r.get("flow")?,
        deactivations: Deactivations {
            records: r.get("deactivations")?,
            target: r.get("target_deactivations")?,
        },
        requested_at: r.timestamp("requested_at")?,
        approved_at: r.opt_timestamp("approved_at")?,
        used_by_run: r.get::<Option<i64>>("used_by_run")?.map(RunId),
    })
}

impl Approval {
    /// Whether the approval allows a run planning `planned`.
    pub fn allows(&self, planned: Deactivations) -> bool {
        planned.records <= self.deactivations.records && planned.target <= self.deactivations.target
    }
}

impl Store {
    /// Records that `run` of `flow` stopped for approval, planning `planned`.
    pub fn request_approval(
        &mut self,
        run: RunId,
        flow: &str,
        planned: Deactivations,
    ) -> Result<()> {
        const OP: &str = "request_approval";
        self.conn
            .prepare_cached(
                "INSERT INTO approvals (run, flow, deactivations, target_deactivations,
                                        requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx(OP, || format!("run {run}"))?
            .execute(params![
                run,
                flow,
                planned.records as i64,
                planned.target as i64,
                now_text()
            ])
            .ctx(OP, || format!("run {run}"))?;
        Ok(())
    }

    /// The approval request of `run`, if it stopped for one.
    pub fn approval(&self, run: RunId) -> Result<Option<Approval>> {
        const OP: &str = "approval";
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM approvals WHERE run = ?1"))
            .ctx(OP, || format!("run {run}"))?;
        let row = stmt
            .query_row(params![run], |row| Ok(approval_from_row(row, OP)))
            .optional()
            .ctx(OP, || format!("run {run}"))?;
        row.transpose()
    }

    /// Approves the stopped `run`. Refused for a run that did not stop for approval, or whose
    /// approval was already given.
    pub fn approve(&mut self, run: RunId) -> Result<Approval> {
        const OP: &str = "approve";
        let invalid = |detail: String| StoreError::InvalidInput {
            op: OP,
            key: format!("run {run}"),
            detail,
        };
        let approval = self
            .approval(run)?
            .ok_or_else(|| invalid("the run did not stop for approval".into()))?;
        if let Some(at) = approval.approved_at {
            return Err(invalid(format!("the run was already approved at {at}")));
        }
        // A later run that reached its safety check planned afresh: approving this one would
        // let the next run act on a plan nobody looked at.
        let later: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM runs
                 WHERE flow = ?1 AND id > ?2 AND dry_run = 0 AND mode <> 'single'
                   AND status IN ('succeeded', 'partial', 'needs-approval')
                 ORDER BY id LIMIT 1",
            )
            .ctx(OP, || format!("run {run}"))?
            .query_row(params![approval.flow, run], |row| row.get(0))
            .optional()
            .ctx(OP, || format!("run {run}"))?;
        if let Some(later) = later {
            return Err(invalid(format!(
                "run {later} of flow {} ran since and planned afresh: approve the latest run \
                 that stopped for approval (`ccsync runs --flow {}`)",
                approval.flow, approval.flow
            )));
        }
        self.conn
            .prepare_cached("UPDATE approvals SET approved_at = ?2 WHERE run = ?1")
            .ctx(OP, || format!("run {run}"))?
            .execute(params![run, now_text()])
            .ctx(OP, || format!("run {run}"))?;
        self.approval(run)?
            .ok_or_else(|| invalid("the approval vanished".into()))
    }

    /// The newest approval of `flow` given and not yet spent: what the flow's next run may
    /// use. Reading it spends nothing (a dry run shows it).
    pub fn pending_approval(&self, flow: &str) -> Result<Option<Approval>> {
        const OP: &str = "pending_approval";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM approvals
                 WHERE flow = ?1 AND approved_at IS NOT NULL AND used_by_run IS NULL
                 ORDER BY run DESC LIMIT 1"
            ))
            .ctx(OP, || format!("flow {flow}"))?;
        stmt.query_row(params![flow], |row| Ok(approval_from_row(row, OP)))
            .optional()
            .ctx(OP, || format!("flow {flow}"))?
            .transpose()
    }

    /// Spends every approval of `flow` given and not yet spent on `by_run`, which has reached
    /// its safety check, and returns the newest: the one that covers it. An approval covers
    /// the next run only; a run that needs none spends it all the same.
    pub fn take_approval(&mut self, flow: &str, by_run: RunId) -> Result<Option<Approval>> {
        const OP: &str = "take_approval";
        let key = || format!("flow {flow}, run {by_run}");
        let Some(approval) = self.pending_approval(flow)? else {
            return Ok(None);
        };
        self.conn
            .prepare_cached(
                "UPDATE approvals SET used_by_run = ?2
                 WHERE flow = ?1 AND approved_at IS NOT NULL AND used_by_run IS NULL",
            )
            .ctx(OP, key)?
            .execute(params![flow, by_run])
            .ctx(OP, key)?;
        Ok(Some(Approval {
            used_by_run: Some(by_run),
            ..approval
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Deactivations;
    use crate::testing::{FLOW, store_with_run};
    use crate::{RunCounts, RunMode, RunStatus};

    const PLANNED: Deactivations = Deactivations {
        records: 12,
        target: 3,
    };

    #[test]
    fn an_approval_covers_the_next_run_only_up_to_both_approved_counts() {
        let (mut store, stopped) = store_with_run();
        store.request_approval(stopped, FLOW, PLANNED).unwrap();
        let later = store.start_run(FLOW, RunMode::Full, false).unwrap();
        assert_eq!(store.pending_approval(FLOW).unwrap(), None, "not approved");
        assert_eq!(store.take_approval(FLOW, later).unwrap(), None);

        let approval = store.approve(stopped).unwrap();
        assert!(approval.approved_at.is_some());
        assert!(store.approve(stopped).is_err(), "approved once");
        assert_eq!(store.pending_approval("other").unwrap(), None, "other flow");
        assert_eq!(store.pending_approval(FLOW).unwrap().unwrap().run, stopped);
        let used = store.take_approval(FLOW, later).unwrap().unwrap();
        assert_eq!((used.run, used.used_by_run), (stopped, Some(later)));
        assert!(used.allows(PLANNED));
        assert!(!used.allows(Deactivations {
            records: 13,
            ..PLANNED
        }));
        assert!(!used.allows(Deactivations {
            target: 4,
            ..PLANNED
        }));
        // Spent by that run: the one after it is not covered.
        let next = store.start_run(FLOW, RunMode::Full, false).unwrap();
        assert_eq!(store.take_approval(FLOW, next).unwrap(), None);
        assert_eq!(store.pending_approval(FLOW).unwrap(), None);
    }

    #[test]
    fn a_run_superseded_by_a_later_run_cannot_be_approved() {
        let (mut store, stopped) = store_with_run();
        store.request_approval(stopped, FLOW, PLANNED).unwrap();
        store
            .finish_run(
                stopped,
                RunStatus::NeedsApproval,
                &RunCounts::default(),
                None,
            )
            .unwrap();
        let later = store.start_run(FLOW, RunMode::Full, false).unwrap();
        store
            .finish_run(later, RunStatus::Succeeded, &RunCounts::default(), None)
            .unwrap();
        let err = store.approve(stopped).unwrap_err().to_string();
        assert!(err.contains("ran since and planned afresh"), "{err}");
    }

    #[test]
    fn a_run_that_did_not_stop_cannot_be_approved() {
        let (mut store, run) = store_with_run();
        let err = store.approve(run).unwrap_err().to_string();
        assert!(err.contains("did not stop for approval"), "{err}");
    }
}
