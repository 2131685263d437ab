//! The provisioning log: an append-only record of every action and skip, with its reason and
//! the field changes it made.
//!
//! Entries are appended only by [`Store::commit_page`], in the transaction of the writes they
//! describe. Triggers in the schema abort any `UPDATE` or `DELETE` on the table, so not even a
//! bug in this crate (or an operator with the `sqlite3` shell and no intent) rewrites history.

use ccsync_model::Kind;
use jiff::Timestamp;
use rusqlite::{Connection, ToSql, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::codec::{RowReader, text_enum};
use crate::error::{Result, SqlContext, StoreError};
use crate::runs::RunId;

text_enum! {
    /// What happened to a record.
    pub enum LogAction ("log action") {
        Create = "create",
        Update = "update",
        Deactivate = "deactivate",
        Reactivate = "reactivate",
        /// Deliberately left alone (ineligible, unselected, …); the reason says why.
        Skip = "skip",
        /// The source record could not be read as a record.
        Invalid = "invalid",
        /// The action failed.
        Error = "error",
    }
}

/// One field's change: `old` is `null` for a new field, `new` is `null` for a removed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

/// A log entry to append with a page; the run, flow, tenant, kind and time come from the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// The source id, when known (an invalid record may have none).
    pub source_id: Option<String>,
    /// A human name for the record (username, team name, …).
    pub display: Option<String>,
    pub action: LogAction,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// A stored log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Grows with every append: entries in id order are in the order they were written.
    pub id: i64,
    pub run: RunId,
    pub at: Timestamp,
    pub flow: String,
    pub tenant: String,
    pub kind: Kind,
    pub source_id: Option<String>,
    pub display: Option<String>,
    pub action: LogAction,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// Which entries [`Store::log_entries`] returns, in id order. `None` filters match everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogFilter<'a> {
    pub run: Option<RunId>,
    pub source_id: Option<&'a str>,
    pub flow: Option<&'a str>,
    /// Only entries with a larger id: pass the last id of one page to get the next.
    pub after_id: Option<i64>,
    /// At most this many entries; `None` for all.
    pub limit: Option<usize>,
}

impl Store {
    /// Log entries matching `filter`, oldest first.
    pub fn log_entries(&self, filter: &LogFilter<'_>) -> Result<Vec<LogEntry>> {
        const OP: &str = "log_entries";
        let key = || format!("{filter:?}");
        let mut conditions = Vec::new();
        let mut args: Vec<&dyn ToSql> = Vec::new();
        if let Some(run) = &filter.run {
            conditions.push("run = ?");
            args.push(run);
        }
        if let Some(source_id) = &filter.source_id {
            conditions.push("source_id = ?");
            args.push(source_id);
        }
        if let Some(flow) = &filter.flow {
            // Through the runs of the flow: an index on the log's flow column would cost every
            // append, for a filter that the run index already serves.
            conditions.push("run IN (SELECT id FROM runs WHERE flow = ?)");
            args.push(flow);
        }
        if let Some(after) = &filter.after_id {
            conditions.push("id > ?");
            args.push(after);
        }
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        args.push(&limit);
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, run, at, flow, tenant, kind, source_id, display, action, reason,
                     changes
                 FROM provisioning_log {where_clause} ORDER BY id LIMIT ?"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params_from_iter(args)).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let id: i64 = row.get("id").ctx(OP, key)?;
            let r = RowReader::new(row, OP, "provisioning_log", format!("id={id}"));
            out.push(LogEntry {
                id,
                run: RunId(r.get("run")?),
                at: r.timestamp("at")?,
                flow: r.get("flow")?,
                tenant: r.get("tenant")?,
                kind: r.parse("kind")?,
                source_id: r.get("source_id")?,
                display: r.get("display")?,
                action: r.parse("action")?,
                reason: r.get("reason")?,
                changes: r.json("changes")?,
            });
        }
        Ok(out)
    }
}

/// Appends a page's entries inside the page's transaction; returns how many.
pub(crate) fn append(
    conn: &Connection,
    run: RunId,
    flow: &str,
    tenant: &str,
    kind: Kind,
    entries: &[NewLogEntry],
    now: &str,
) -> Result<usize> {
    const OP: &str = "commit_page: append log entry";
    let key = |source_id: Option<&str>| {
        format!(
            "run {run}, flow {flow}, tenant {tenant}, kind {kind}, id {}",
            source_id.unwrap_or("-")
        )
    };
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO provisioning_log (run, at, flow, tenant, kind, source_id, display,
                 action, reason, changes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .ctx(OP, || key(None))?;
    for entry in entries {
        let source_id = entry.source_id.as_deref();
        let changes =
            serde_json::to_string(&entry.changes).map_err(|source| StoreError::Encode {
                op: OP,
                key: key(source_id),
                what: "the field changes",
                source,
            })?;
        stmt.execute(params![
            run,
            now,
            flow,
            tenant,
            kind.as_str(),
            source_id,
            entry.display,
            entry.action,
            entry.reason,
            changes,
        ])
        .ctx(OP, || key(source_id))?;
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FLOW, TENANT, create_page, store_with_run};
    use crate::{PageBatch, RunMode};

    #[test]
    fn the_log_is_append_only_updates_and_deletes_fail() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1", "2"])).unwrap();

        let update = store
            .conn
            .execute("UPDATE provisioning_log SET reason = 'rewritten'", [])
            .unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = store
            .conn
            .execute("DELETE FROM provisioning_log WHERE source_id = '1'", [])
            .unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");

        let entries = store.log_entries(&LogFilter::default()).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.reason.is_none()));
    }

    #[test]
    fn log_entries_filter_by_run_source_id_and_flow_in_append_order() {
        let (mut store, first) = store_with_run();
        store.commit_page(&create_page(first, &["1", "2"])).unwrap();
        let second = store.start_run(FLOW, RunMode::Single, false).unwrap();
        let mut page = PageBatch::new(second, FLOW, TENANT, Kind::User);
        let change = FieldChange {
            field: "email".into(),
            old: "u1@example.com".into(),
            new: serde_json::Value::Null,
        };
        page.log.push(NewLogEntry {
            source_id: Some("1".into()),
            display: Some("u1".into()),
            action: LogAction::Update,
            reason: Some("email removed at the source".into()),
            changes: vec![change.clone()],
        });
        page.log.push(NewLogEntry {
            source_id: None,
            display: None,
            action: LogAction::Invalid,
            reason: Some("record without an id".into()),
            changes: Vec::new(),
        });
        store.commit_page(&page).unwrap();
        let other = store.start_run("wfo", RunMode::Full, false).unwrap();
        let mut wfo = create_page(other, &["1"]);
        wfo.flow = "wfo".into();
        store.commit_page(&wfo).unwrap();

        let of_one = store
            .log_entries(&LogFilter {
                source_id: Some("1"),
                ..LogFilter::default()
            })
            .unwrap();
        let summary: Vec<_> = of_one.iter().map(|e| (e.run, e.action)).collect();
        assert_eq!(
            summary,
            [
                (first, LogAction::Create),
                (second, LogAction::Update),
                (other, LogAction::Create)
            ]
        );
        assert!(of_one.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(of_one[1].changes, [change]);
        assert_eq!(of_one[1].tenant, TENANT);
        assert_eq!(of_one[1].kind, Kind::User);

        let of_second = store
            .log_entries(&LogFilter {
                run: Some(second),
                ..LogFilter::default()
            })
            .unwrap();
        assert_eq!(of_second.len(), 2);
        assert_eq!(of_second[1].source_id, None);

        let wfm_after_first = store
            .log_entries(&LogFilter {
                flow: Some(FLOW),
                after_id: Some(of_one[0].id),
                limit: Some(2),
                ..LogFilter::default()
            })
            .unwrap();
        let ids: Vec<_> = wfm_after_first
            .iter()
            .map(|e| e.source_id.as_deref())
            .collect();
        assert_eq!(ids, [Some("2"), Some("1")]);
    }
}
