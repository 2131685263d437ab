//! Approvals of runs that stopped at a safety threshold.
//!
//! A run that would deactivate more than its flow allows stops before changing anything and
//! records how many deactivations it planned. An operator who agrees approves that run; the
//! next run of the flow may then deactivate up to the approved number (a run that would
//! deactivate more stops again). Each approval is used by exactly one run.

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
    pub flow: String,
    /// How many deactivations it planned: the most the approved run may apply.
    pub deactivations: u64,
    pub requested_at: Timestamp,
    pub approved_at: Option<Timestamp>,
    /// The run that used the approval.
    pub used_by_run: Option<RunId>,
}

const COLUMNS: &str = "run, flow, deactivations, requested_at, approved_at, used_by_run";

fn approval_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<Approval> {
    let key = row
        .get::<_, i64>(0)
        .map(|id| format!("run {id}"))
        .unwrap_or_default();
    let r = RowReader::new(row, op, "approvals", key);
    Ok(Approval {
        run: RunId(r.get("run")?),
        flow: r.get("flow")?,
        deactivations: r.get("deactivations")?,
        requested_at: r.timestamp("requested_at")?,
        approved_at: r.opt_timestamp("approved_at")?,
        used_by_run: r.get::<Option<i64>>("used_by_run")?.map(RunId),
    })
}

impl Store {
    /// Records that `run` of `flow` stopped for approval, planning `deactivations`.
    pub fn request_approval(&mut self, run: RunId, flow: &str, deactivations: u64) -> Result<()> {
        const OP: &str = "request_approval";
        self.conn
            .prepare_cached(
                "INSERT INTO approvals (run, flow, deactivations, requested_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .ctx(OP, || format!("run {run}"))?
            .execute(params![run, flow, deactivations as i64, now_text()])
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
        self.conn
            .prepare_cached("UPDATE approvals SET approved_at = ?2 WHERE run = ?1")
            .ctx(OP, || format!("run {run}"))?
            .execute(params![run, now_text()])
            .ctx(OP, || format!("run {run}"))?;
        self.approval(run)?
            .ok_or_else(|| invalid("the approval vanished".into()))
    }

    /// Takes the newest approved, unused approval of `flow` that allows `deactivations`, for
    /// `by_run`; `None` when there is none.
    pub fn use_approval(
        &mut self,
        flow: &str,
        deactivations: u64,
        by_run: RunId,
    ) -> Result<Option<Approval>> {
        const OP: &str = "use_approval";
        let key = || format!("flow {flow}, run {by_run}");
        let found = {
            let mut stmt = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM approvals
                     WHERE flow = ?1 AND approved_at IS NOT NULL AND used_by_run IS NULL
                       AND deactivations >= ?2
                     ORDER BY run DESC LIMIT 1"
                ))
                .ctx(OP, key)?;
            stmt.query_row(params![flow, deactivations as i64], |row| {
                Ok(approval_from_row(row, OP))
            })
            .optional()
            .ctx(OP, key)?
            .transpose()?
        };
        let Some(approval) = found else {
            return Ok(None);
        };
        self.conn
            .prepare_cached("UPDATE approvals SET used_by_run = ?2 WHERE run = ?1")
            .ctx(OP, key)?
            .execute(params![approval.run, by_run])
            .ctx(OP, key)?;
        Ok(Some(Approval {
            used_by_run: Some(by_run),
            ..approval
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::RunMode;
    use crate::testing::{FLOW, store_with_run};

    #[test]
    fn an_approval_allows_one_later_run_up_to_the_approved_deactivations() {
        let (mut store, stopped) = store_with_run();
        store.request_approval(stopped, FLOW, 12).unwrap();
        let later = store.start_run(FLOW, RunMode::Full, false).unwrap();
        assert_eq!(
            store.use_approval(FLOW, 12, later).unwrap(),
            None,
            "not approved yet"
        );

        let approval = store.approve(stopped).unwrap();
        assert!(approval.approved_at.is_some());
        assert!(store.approve(stopped).is_err(), "approved once");
        assert_eq!(
            store.use_approval(FLOW, 13, later).unwrap(),
            None,
            "more than approved"
        );
        assert_eq!(
            store.use_approval("other", 5, later).unwrap(),
            None,
            "another flow"
        );
        let used = store.use_approval(FLOW, 12, later).unwrap().unwrap();
        assert_eq!((used.run, used.used_by_run), (stopped, Some(later)));
        assert_eq!(
            store.use_approval(FLOW, 1, later).unwrap(),
            None,
            "used once"
        );
    }

    #[test]
    fn a_run_that_did_not_stop_cannot_be_approved() {
        let (mut store, run) = store_with_run();
        let err = store.approve(run).unwrap_err().to_string();
        assert!(err.contains("did not stop for approval"), "{err}");
    }
}
