//! The write path: one page of a run, committed atomically.
//!
//! A page's record writes, seen marks, log entries, run counters and cursor move commit in one
//! transaction or not at all. That is what lets a run resume after a crash at any instant
//! without losing or duplicating anything: the cursor never points past records that were not
//! stored, and no record is stored without its log entry and count.

use ccsync_model::Kind;
use rusqlite::TransactionBehavior;

use crate::Store;
use crate::accounts::{self, AccountChange, AccountContext};
use crate::codec::now_text;
use crate::cursors::{self, CursorUpdate};
use crate::error::{Result, SqlContext, StoreError};
use crate::log::{self, NewLogEntry};
use crate::projections;
use crate::records::{RecordWrite, RecordWriter};
use crate::runs::{self, RunCounts, RunId};
use crate::wfo::{self, WfoChange};

/// Everything one page of a run writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageBatch {
    /// A running, non-dry run of `flow`.
    pub run: RunId,
    /// The flow the run belongs to.
    pub flow: String,
    /// The source tenant of every record and log entry of the page.
    pub tenant: String,
    /// The kind of every record of the page.
    pub kind: Kind,
    /// Records to insert or replace (new, changed, deactivated or reactivated ones).
    pub writes: Vec<RecordWrite>,
    /// Log entries to append, one per action or skip of the page.
    pub log: Vec<NewLogEntry>,
    /// Added to the run's counters.
    pub counts: RunCounts,
    /// The cursor move that follows this page, if any.
    pub cursor: Option<CursorUpdate>,
    /// Account changes derived from this page's records, committed with them (logged as
    /// origin `sync` of the run).
    pub accounts: Option<AccountBatch>,
}

/// Account changes of one hub store, for a [`PageBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBatch {
    /// The hub store the accounts live in.
    pub store: String,
    /// The account changes, each with its log entry.
    pub changes: AccountChanges,
}

/// The changes of a WFM store's accounts or of a WFO store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChanges {
    /// WFM employee accounts.
    Wfm(Vec<AccountChange>),
    /// Hybrid WFO accounts.
    Wfo(Vec<WfoChange>),
}

impl AccountChanges {
    /// The source tenants of the changes, one per change.
    fn tenants(&self) -> Vec<&str> {
        match self {
            AccountChanges::Wfm(changes) => changes.iter().map(|c| c.tenant.as_str()).collect(),
            AccountChanges::Wfo(changes) => changes.iter().map(|c| c.tenant.as_str()).collect(),
        }
    }
}

impl PageBatch {
    /// An empty batch for one page of `run`.
    pub fn new(run: RunId, flow: impl Into<String>, tenant: impl Into<String>, kind: Kind) -> Self {
        Self {
            run,
            flow: flow.into(),
            tenant: tenant.into(),
            kind,
            writes: Vec::new(),
            log: Vec::new(),
            counts: RunCounts::default(),
            cursor: None,
            accounts: None,
        }
    }
}

/// What a committed page changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCommit {
    /// Records inserted or replaced.
    pub written: usize,
    /// Log entries appended.
    pub logged: usize,
}

impl Store {
    /// Commits one page of a run in a single transaction: record writes, log
    /// entries, counter increments, the cursor move and the account changes. On any error
    /// nothing of the batch is stored.
    ///
    /// A dry run never calls this: its run row is all it writes.
    pub fn commit_page(&mut self, batch: &PageBatch) -> Result<PageCommit> {
        const OP: &str = "commit_page";
        let key = || {
            format!(
                "run {}, flow {}, tenant {}, kind {}",
                batch.run, batch.flow, batch.tenant, batch.kind
            )
        };
        if let Some(write) = batch.writes.iter().find(|w| w.entity.kind() != batch.kind) {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!(
                    "record `{}` is a {}, in a batch of {} records",
                    write.entity.id(),
                    write.entity.kind(),
                    batch.kind
                ),
            });
        }

        if let Some(accounts) = &batch.accounts {
            let foreign = accounts
                .changes
                .tenants()
                .into_iter()
                .any(|t| t != batch.tenant);
            if batch.kind != Kind::User || foreign {
                return Err(StoreError::InvalidInput {
                    op: OP,
                    key: key(),
                    detail: "account changes belong in a batch of user records of their tenant"
                        .into(),
                });
            }
        }

        // IMMEDIATE takes the write lock up front, so a concurrent writer makes this wait
        // (busy timeout) instead of failing halfway on a lock upgrade.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        // Stamped under the lock: writers' times then follow the order of their log ids.
        let now = now_text();
        let (run_flow, dry_run) = runs::ensure_running(&tx, OP, batch.run)?;
        if dry_run {
            return Err(StoreError::DryRun { run: batch.run });
        }
        if run_flow != batch.flow {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!("run {} belongs to flow `{run_flow}`", batch.run),
            });
        }

        let records = RecordWriter::new(&tx, batch.run, &batch.tenant, batch.kind, &now);
        let written = if batch.writes.is_empty() {
            0
        } else {
            let seq = projections::next_change_seq(&tx, OP)?;
            records.upsert(&batch.writes, seq)?
        };
        let logged = log::append(
            &tx,
            batch.run,
            &batch.flow,
            &batch.tenant,
            batch.kind,
            &batch.log,
            &now,
        )?;
        runs::add_counts(&tx, OP, batch.run, &batch.counts)?;
        if let Some(update) = &batch.cursor {
            cursors::apply(&tx, batch.run, &batch.flow, batch.kind, update, &now)?;
        }
        if let Some(accounts) = &batch.accounts {
            let context = AccountContext::sync(&accounts.store, batch.run, &batch.flow);
            match &accounts.changes {
                AccountChanges::Wfm(changes) => {
                    accounts::write_changes(&tx, &context, changes, &now)?;
                }
                AccountChanges::Wfo(changes) => wfo::write_changes(&tx, &context, changes, &now)?,
            }
        }
        tx.commit().ctx(OP, key)?;
        Ok(PageCommit { written, logged })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FLOW, TENANT, create_page, store_with_run, user};
    use crate::{
        FieldChange, LogAction, LogFilter, RecordFilter, RecordStatus, RunMode, RunStatus,
    };

    /// Everything a page can change, to compare before and after a failed commit.
    fn snapshot(store: &Store, run: RunId) -> impl PartialEq + std::fmt::Debug + use<> {
        (
            store.list_records(&RecordFilter::default()).unwrap(),
            store.log_entries(&LogFilter::default()).unwrap(),
            store.run(run).unwrap().unwrap(),
            store.cursor(FLOW, Kind::User).unwrap(),
        )
    }

    fn failing_page(run: RunId) -> PageBatch {
        let mut batch = create_page(run, &["10", "11", "poison", "12"]);
        batch.cursor = Some(CursorUpdate {
            page_cursor: Some("page-3".into()),
            watermark: Some(Some("2025-02-01".into())),
            full_count: None,
        });
        batch
    }

    #[test]
    fn a_committed_page_stores_records_log_counts_and_cursor_together() {
        let (mut store, run) = store_with_run();
        let mut batch = create_page(run, &["1", "2"]);
        batch.cursor = Some(CursorUpdate {
            page_cursor: Some("page-2".into()),
            watermark: None,
            full_count: None,
        });
        let commit = store.commit_page(&batch).unwrap();
        assert_eq!(
            commit,
            PageCommit {
                written: 2,
                logged: 2
            }
        );
        let stored = store.record(TENANT, Kind::User, "1").unwrap().unwrap();
        assert_eq!(stored.entity, user("1", "u1"));
        assert_eq!(stored.hash, user("1", "u1").content_hash());
        assert!(stored.source_active);
        assert_eq!(
            (
                stored.first_seen_run,
                stored.last_seen_run,
                stored.updated_run
            ),
            (run, run, run)
        );
        assert_eq!(store.run(run).unwrap().unwrap().counts, batch.counts);
        assert_eq!(store.log_entries(&LogFilter::default()).unwrap().len(), 2);
        let cursor = store.cursor(FLOW, Kind::User).unwrap().unwrap();
        assert_eq!(cursor.page_cursor.as_deref(), Some("page-2"));
        assert_eq!(cursor.run, Some(run));
    }

    #[test]
    fn a_failing_write_mid_batch_leaves_nothing_of_the_batch_stored() {
        let (mut store, run) = store_with_run();
        let mut first = create_page(run, &["1"]);
        first.cursor = Some(CursorUpdate {
            page_cursor: Some("page-2".into()),
            watermark: None,
            full_count: None,
        });
        store.commit_page(&first).unwrap();
        // The third write of the next batch violates a constraint, after two writes went in.
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.source_id = 'poison'
                 BEGIN SELECT RAISE(ABORT, 'poisoned record'); END;",
            )
            .unwrap();
        let before = snapshot(&store, run);

        let err = store.commit_page(&failing_page(run)).unwrap_err();
        assert!(
            matches!(&err, StoreError::Sql { key, .. } if key.contains("id poison")),
            "{err}"
        );
        assert_eq!(snapshot(&store, run), before);
        assert_eq!(store.record(TENANT, Kind::User, "10").unwrap(), None);
    }

    #[test]
    fn a_failure_at_the_last_step_rolls_back_the_records_log_and_counts_before_it() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1"])).unwrap();
        // The cursor move is the last statement of a commit.
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER no_cursor BEFORE INSERT ON cursors
                 BEGIN SELECT RAISE(ABORT, 'cursor refused'); END;",
            )
            .unwrap();
        let before = snapshot(&store, run);
        let mut batch = failing_page(run);
        batch.writes.retain(|w| w.entity.id() != "poison");
        batch.log.push(NewLogEntry {
            source_id: Some("1".into()),
            display: None,
            action: LogAction::Update,
            reason: Some("email changed".into()),
            changes: vec![FieldChange {
                field: "email".into(),
                old: "a@x".into(),
                new: "b@x".into(),
            }],
        });
        let err = store.commit_page(&batch).unwrap_err();
        assert!(err.to_string().contains("cursor refused"), "{err}");
        assert_eq!(snapshot(&store, run), before);
    }

    #[test]
    fn commit_page_refuses_dry_runs_finished_runs_and_other_flows_runs() {
        let mut store = Store::open_in_memory().unwrap();
        let dry = store.start_run(FLOW, RunMode::Full, true).unwrap();
        assert!(matches!(
            store.commit_page(&create_page(dry, &["1"])),
            Err(StoreError::DryRun { .. })
        ));

        let other = store.start_run("wfo", RunMode::Full, false).unwrap();
        assert!(matches!(
            store.commit_page(&create_page(other, &["1"])),
            Err(StoreError::InvalidInput { .. })
        ));

        let done = store.start_run(FLOW, RunMode::Full, false).unwrap();
        store
            .finish_run(done, RunStatus::Succeeded, &RunCounts::default(), None)
            .unwrap();
        assert!(matches!(
            store.commit_page(&create_page(done, &["1"])),
            Err(StoreError::RunNotRunning { .. })
        ));
        assert!(matches!(
            store.commit_page(&create_page(RunId(done.0 + 1), &["1"])),
            Err(StoreError::UnknownRun { .. })
        ));
        assert!(
            store
                .list_records(&RecordFilter::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn commit_page_rejects_a_record_of_another_kind_than_the_batch() {
        let (mut store, run) = store_with_run();
        let mut batch = create_page(run, &["1"]);
        batch.kind = Kind::Team;
        let err = store.commit_page(&batch).unwrap_err();
        assert!(
            matches!(&err, StoreError::InvalidInput { detail, .. } if detail.contains("record `1` is a user")),
            "{err}"
        );
        assert_eq!(
            store
                .count(TENANT, Kind::User, RecordStatus::Active)
                .unwrap(),
            0
        );
    }
}
