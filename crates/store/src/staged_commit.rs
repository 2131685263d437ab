//! The bulk form of the page commit, for the changes of a staged read.
//!
//! A read's changes are planned when they are staged (each with the record to write and the
//! log entry to leave), so applying them needs no round trip through Rust: each chunk is
//! copied from the staging table into the records and the provisioning log by two
//! `INSERT … SELECT` statements, with the run's counters, in one transaction, as
//! [`Store::commit_page`] would commit it, except that a creation's log entry keeps the
//! created record rather than the list of its fields (`log::changes_from_text`), which reads
//! back as the same changes. A chunk is applied as planned only while the hub still holds, for
//! every record of it, the hash and status it was planned over; if another writer changed one
//! meanwhile, nothing of the chunk is written and the caller plans it again against the hub as
//! it is now.

use ccsync_model::Kind;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::Store;
use crate::codec::now_text;
use crate::error::{Result, SqlContext, StoreError};
use crate::log::{LogAction, NewLogEntry};
use crate::projections;
use crate::records::UPSERT_SET;
use crate::runs::{self, RunCounts, RunId};

/// What [`Store::commit_staged`] did with one chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StagedCommit {
    /// The chunk, through source id `last`, is committed with these counts.
    Committed {
        /// The chunk's last source id: where the next chunk starts.
        last: String,
        /// What the chunk added to the run's counters.
        counts: RunCounts,
    },
    /// The hub changed since the chunk, through source id `last`, was planned: nothing was
    /// written, and the chunk must be planned again.
    Stale {
        /// The chunk's last source id.
        last: String,
    },
}

/// The rows of one chunk of staged changes: `?2` kind, after `?3`, through `?4`.
const CHUNK_ROWS: &str =
    "FROM temp.staged_changes WHERE kind = ?2 AND source_id > ?3 AND source_id <= ?4";

impl Store {
    /// Commits the next chunk of up to `limit` staged changes of `kind` after source id
    /// `after` as `run` of `flow` at `tenant`: their records, their log entries and the run's
    /// counters, in one transaction. `None` once no staged change is left.
    pub fn commit_staged(
        &mut self,
        (run, flow, tenant): (RunId, &str, &str),
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Option<StagedCommit>> {
        const OP: &str = "commit_staged";
        let after = after.unwrap_or("");
        let key =
            || format!("run {run}, flow {flow}, tenant {tenant}, kind {kind}, after {after:?}");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        let now = now_text();
        let (run_flow, dry_run) = runs::ensure_running(&tx, OP, run)?;
        if dry_run {
            return Err(StoreError::DryRun { run });
        }
        if run_flow != flow {
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!("run {run} belongs to flow `{run_flow}`"),
            });
        }
        let last: Option<String> = tx
            .prepare_cached(
                "SELECT max(source_id) FROM (SELECT source_id FROM temp.staged_changes
                 WHERE kind = ?1 AND source_id > ?2 ORDER BY source_id LIMIT ?3)",
            )
            .ctx(OP, key)?
            .query_row(params![kind.as_str(), after, limit as i64], |row| {
                row.get(0)
            })
            .optional()
            .ctx(OP, key)?
            .flatten();
        let Some(last) = last else {
            return Ok(None);
        };
        let stale: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM temp.staged_changes s
                     LEFT JOIN records r
                         ON r.tenant = ?1 AND r.kind = s.kind AND r.source_id = s.source_id
                     WHERE s.kind = ?2 AND s.source_id > ?3 AND s.source_id <= ?4
                       AND (r.hash IS NOT s.planned_hash OR r.status IS NOT s.planned_status))",
            )
            .ctx(OP, key)?
            .query_row(params![tenant, kind.as_str(), after, last], |row| {
                row.get(0)
            })
            .ctx(OP, key)?;
        if stale {
            return Ok(Some(StagedCommit::Stale { last }));
        }
        let seq = projections::next_change_seq(&tx, OP)?;
        tx.prepare_cached(&format!(
            "INSERT INTO records (tenant, kind, source_id, data, hash, status, source_active,
                 first_seen_run, last_seen_run, updated_run, created_at, updated_at, changed_seq)
             SELECT ?1, kind, source_id, data, hash, status, active, ?5, ?5, ?5, ?6, ?6, ?7
             {CHUNK_ROWS}
             {UPSERT_SET}"
        ))
        .ctx(OP, key)?
        .execute(params![tenant, kind.as_str(), after, last, run, now, seq])
        .ctx(OP, key)?;
        tx.prepare_cached(&format!(
            "INSERT INTO provisioning_log (run, at, flow, tenant, kind, source_id, display,
                 action, reason, changes)
             SELECT ?5, ?6, ?7, ?1, kind, source_id, display, action, reason,
                 coalesce(changes, data)
             {CHUNK_ROWS} ORDER BY source_id"
        ))
        .ctx(OP, key)?
        .execute(params![tenant, kind.as_str(), after, last, run, now, flow])
        .ctx(OP, key)?;
        let counts = action_counts(&tx, kind, after, Some(&last), OP)?;
        runs::add_counts(&tx, OP, run, &counts)?;
        tx.commit().ctx(OP, key)?;
        Ok(Some(StagedCommit::Committed { last, counts }))
    }

    /// What the staged changes of `kind` would add to a run's counters: a dry run's counts.
    pub fn staged_counts(&self, kind: Kind) -> Result<RunCounts> {
        action_counts(&self.conn, kind, "", None, "staged_counts")
    }

    /// The log entries of the first `limit` staged changes of `kind`, in source id order:
    /// what a report shows of a run's plan.
    pub fn staged_log_entries(&self, kind: Kind, limit: usize) -> Result<Vec<NewLogEntry>> {
        const OP: &str = "staged_log_entries";
        let key = || format!("kind {kind}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, display, action, reason, coalesce(changes, data)
                 FROM temp.staged_changes
                 WHERE kind = ?1 ORDER BY source_id LIMIT ?2",
            )
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![kind.as_str(), limit as i64])
            .ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let source_id: String = row.get(0).ctx(OP, key)?;
            let r = crate::codec::RowReader::new(
                row,
                OP,
                "staged_changes",
                format!("kind={kind}, id={source_id}"),
            );
            out.push(NewLogEntry {
                display: r.get((1, "display"))?,
                action: r.parse((2, "action"))?,
                reason: r.get((3, "reason"))?,
                changes: r.changes((4, "changes"))?,
                source_id: Some(source_id),
            });
        }
        Ok(out)
    }
}

/// The counters the staged changes of `kind` after source id `after` (through `through`,
/// when given) add to a run.
fn action_counts(
    conn: &rusqlite::Connection,
    kind: Kind,
    after: &str,
    through: Option<&str>,
    op: &'static str,
) -> Result<RunCounts> {
    let key = || format!("kind {kind}, after {after:?}, through {through:?}");
    // Two statements, so that a chunk's count is a range of the index, never a scan.
    let mut stmt = conn
        .prepare_cached(match through {
            Some(_) => {
                "SELECT action, count(*) FROM temp.staged_changes
                 WHERE kind = ?1 AND source_id > ?2 AND source_id <= ?3 GROUP BY action"
            }
            None => {
                "SELECT action, count(*) FROM temp.staged_changes
                 WHERE kind = ?1 AND source_id > ?2 AND ?3 IS NULL GROUP BY action"
            }
        })
        .ctx(op, key)?;
    let mut rows = stmt
        .query(params![kind.as_str(), after, through])
        .ctx(op, key)?;
    let mut counts = RunCounts::default();
    while let Some(row) = rows.next().ctx(op, key)? {
        let action: String = row.get(0).ctx(op, key)?;
        let n: u64 = row.get(1).ctx(op, key)?;
        counts.read += n;
        match action.parse::<LogAction>() {
            Ok(LogAction::Create) => counts.created += n,
            Ok(LogAction::Update) => counts.updated += n,
            Ok(LogAction::Deactivate) => counts.deactivated += n,
            Ok(LogAction::Reactivate) => counts.reactivated += n,
            _ => {
                return Err(StoreError::Corrupt {
                    op,
                    table: "staged_changes",
                    key: key(),
                    column: "action",
                    detail: format!("a staged change cannot be `{action}`"),
                });
            }
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, FLOW, TENANT, create_page, store_with_run, user};
    use crate::{LogFilter, RecordStatus};

    #[test]
    fn staged_changes_commit_in_chunks_with_their_log_entries_and_counts() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1"])).unwrap();
        store.stage_begin(TENANT).unwrap();
        let read: Vec<_> = ["1", "2", "3", "4"]
            .iter()
            .map(|id| user(id, if *id == "1" { "renamed" } else { "new" }))
            .collect();
        testing::stage_read(&mut store, Kind::User, &read).unwrap();
        let dry = store.staged_counts(Kind::User).unwrap();
        assert_eq!((dry.read, dry.created, dry.updated), (4, 3, 1));
        let shown = store.staged_log_entries(Kind::User, 2).unwrap();
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].action, LogAction::Update);

        let log_before = store.log_entries(&LogFilter::default()).unwrap().len();
        let seq = store.change_seq().unwrap();
        let first = store
            .commit_staged((run, FLOW, TENANT), Kind::User, None, 3)
            .unwrap();
        let Some(StagedCommit::Committed { last, counts }) = first else {
            panic!("{first:?}")
        };
        assert_eq!(last, "3");
        assert_eq!((counts.read, counts.created, counts.updated), (3, 2, 1));
        let second = store
            .commit_staged((run, FLOW, TENANT), Kind::User, Some(&last), 3)
            .unwrap();
        assert!(matches!(second, Some(StagedCommit::Committed { ref last, .. }) if last == "4"));
        assert_eq!(
            store
                .commit_staged((run, FLOW, TENANT), Kind::User, Some("4"), 3)
                .unwrap(),
            None
        );

        let one = store.record(TENANT, Kind::User, "1").unwrap().unwrap();
        assert_eq!(one.entity, user("1", "renamed"));
        assert_eq!(one.hash, user("1", "renamed").content_hash());
        assert_eq!(one.status, RecordStatus::Active);
        let log = store.log_entries(&LogFilter::default()).unwrap();
        assert_eq!(log.len(), log_before + 4);
        assert_eq!(store.change_seq().unwrap(), seq + 2, "one number per chunk");
        let run_counts = store.run(run).unwrap().unwrap().counts;
        assert_eq!(run_counts.created, 1 + 3);
    }

    #[test]
    fn a_staged_creation_is_logged_as_its_record_and_reads_back_as_every_field_it_set() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1"])).unwrap();
        store.stage_begin(TENANT).unwrap();
        let created = user("2", "new");
        testing::stage_read(
            &mut store,
            Kind::User,
            &[user("1", "renamed"), created.clone()],
        )
        .unwrap();
        let expected = |entity: &ccsync_model::Entity| match serde_json::to_value(entity) {
            Ok(serde_json::Value::Object(fields)) => crate::log::created_changes(fields),
            other => panic!("{other:?}"),
        };
        // What a dry run shows of the plan, and what the run logs, are the same changes.
        let shown = store.staged_log_entries(Kind::User, 10).unwrap();
        assert_eq!(shown[1].changes, expected(&created));
        store
            .commit_staged((run, FLOW, TENANT), Kind::User, None, 10)
            .unwrap();
        let logged = store
            .log_entries(&LogFilter {
                run: Some(run),
                source_id: Some("2"),
                ..LogFilter::default()
            })
            .unwrap();
        assert_eq!(logged[0].changes, expected(&created));
        let fields: Vec<&str> = logged[0].changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            ["id", "username", "email", "active"],
            "no kind, no empty field"
        );
        // Kept once, as the record; an update keeps its list of changes.
        let raw = |id: &str| -> String {
            store
                .conn
                .query_row(
                    "SELECT changes FROM provisioning_log WHERE source_id = ?1 ORDER BY id DESC",
                    [id],
                    |row| row.get(0),
                )
                .unwrap()
        };
        assert_eq!(raw("2"), created.encode().json);
        assert_eq!(
            raw("1"),
            "[]",
            "the list the test read planned for the update"
        );
    }

    #[test]
    fn a_chunk_planned_over_a_hub_that_changed_since_is_stale_and_writes_nothing() {
        let (mut store, run) = store_with_run();
        store.stage_begin(TENANT).unwrap();
        testing::stage_read(&mut store, Kind::User, &[user("1", "a"), user("2", "b")]).unwrap();
        // Another writer creates record 2 after the read planned it as new.
        store.commit_page(&create_page(run, &["2"])).unwrap();
        let before = store.log_entries(&LogFilter::default()).unwrap().len();
        let stale = store
            .commit_staged((run, FLOW, TENANT), Kind::User, None, 10)
            .unwrap();
        assert_eq!(stale, Some(StagedCommit::Stale { last: "2".into() }));
        assert_eq!(store.record(TENANT, Kind::User, "1").unwrap(), None);
        assert_eq!(
            store.log_entries(&LogFilter::default()).unwrap().len(),
            before
        );
    }
}
