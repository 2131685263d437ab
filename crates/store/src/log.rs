//! The provisioning log: an append-only record of every action and skip, with its reason and
//! the field changes it made.
//!
//! Entries are appended only by [`Store::commit_page`], in the transaction of the writes they
//! describe. Triggers in the schema abort any `UPDATE` or `DELETE` on the table, so not even a
//! bug in this crate (or an operator with the `sqlite3` shell and no intent) rewrites history.
//!
//! [`Store::activity`] reads this log and the account log ([`crate::accounts`]) as one
//! history, for an operator asking what happened to a user: both tables stay as they are, and
//! the merge is a read-side `UNION ALL` over each table's own indexes.

use ccsync_model::Kind;
use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::accounts::AccountLogEntry;
use crate::codec::{Filters, RowReader, limit_arg, text_enum, where_clause};
use crate::error::{Result, SqlContext, StoreError};
use crate::runs::RunId;

text_enum! {
    /// What happened to a record.
    pub enum LogAction ("log action") {
        /// Created: a record or account that did not exist.
        Create = "create",
        /// Changed to match the source (or a mass update).
        Update = "update",
        /// Deactivated: gone, inactive or ineligible at the source; never deleted (rule W5).
        Deactivate = "deactivate",
        /// Made active again on its return; never duplicated (rule W5).
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
    /// The field's name (for example `email`).
    pub field: String,
    /// The value before; `null` for a new field.
    pub old: serde_json::Value,
    /// The value after; `null` for a removed field.
    pub new: serde_json::Value,
}

/// The changes a creation logs: every field of the new record that has a value (not null, not
/// an empty list or text), from nothing, in the record's field order; the `kind` tag is not a
/// field. `record` is the record's JSON object.
///
/// One rule for the planner, which lists a creation's changes, and for this store, which
/// keeps a staged creation's entry as the record itself (see [`changes_from_text`]).
pub fn created_changes(record: serde_json::Map<String, serde_json::Value>) -> Vec<FieldChange> {
    record
        .into_iter()
        .filter(|(field, value)| field != "kind" && !is_empty(value))
        .map(|(field, new)| FieldChange {
            field,
            old: serde_json::Value::Null,
            new,
        })
        .collect()
}

fn is_empty(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.is_empty(),
        serde_json::Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A log's `changes` column as this store writes it: one `[field, old, new]` triple per
/// change. Objects (`{"field": …, "old": …, "new": …}`, the form of earlier versions) spelled
/// out three keys per change, which were two thirds of an account creation's entry.
pub(crate) fn changes_text(changes: &[FieldChange]) -> serde_json::Result<String> {
    let triples: Vec<(&str, &serde_json::Value, &serde_json::Value)> = changes
        .iter()
        .map(|change| (change.field.as_str(), &change.old, &change.new))
        .collect();
    serde_json::to_string(&triples)
}

/// One change as a log's `changes` column holds it.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredChange {
    /// `[field, old, new]`, as [`changes_text`] writes it.
    Triple(String, serde_json::Value, serde_json::Value),
    /// `{field, old, new}`, as earlier versions wrote it.
    Object(FieldChange),
}

/// The field changes a log's `changes` column holds: a list of changes (triples, or the
/// objects of earlier versions), or, for a creation committed from a staged read, the created
/// record (a JSON object), whose changes are [`created_changes`]: the record's JSON is written
/// for the record anyway, and listing each of its fields again as a change from nothing
/// doubled what a first sync wrote to the log.
pub(crate) fn changes_from_text(text: &str) -> serde_json::Result<Vec<FieldChange>> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map(created_changes);
    }
    let stored: Vec<StoredChange> = serde_json::from_str(text)?;
    Ok(stored
        .into_iter()
        .map(|change| match change {
            StoredChange::Triple(field, old, new) => FieldChange { field, old, new },
            StoredChange::Object(change) => change,
        })
        .collect())
}

/// A log entry to append with a page; the run, flow, tenant, kind and time come from the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// The source id, when known (an invalid record may have none).
    pub source_id: Option<String>,
    /// A human name for the record (username, team name, …).
    pub display: Option<String>,
    /// What happened to the record.
    pub action: LogAction,
    /// Why, in words for an operator; `None` when the action needs no explanation.
    pub reason: Option<String>,
    /// The fields the action changed; empty when it changed none.
    pub changes: Vec<FieldChange>,
}

/// A stored log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Grows with every append: entries in id order are in the order they were written.
    pub id: i64,
    /// The run that appended the entry.
    pub run: RunId,
    /// When the entry was written.
    pub at: Timestamp,
    /// The flow of the run.
    pub flow: String,
    /// The source tenant of the record.
    pub tenant: String,
    /// The record's kind.
    pub kind: Kind,
    /// The record's source id; `None` for an invalid record that had none.
    pub source_id: Option<String>,
    /// A human name for the record (username, team name, …).
    pub display: Option<String>,
    /// What happened to the record.
    pub action: LogAction,
    /// Why, in words for an operator; `None` when the action needs no explanation.
    pub reason: Option<String>,
    /// The fields the action changed; empty when it changed none.
    pub changes: Vec<FieldChange>,
}

/// Which entries [`Store::log_entries`] returns, in id order. `None` filters match everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogFilter<'a> {
    /// Only entries of this run.
    pub run: Option<RunId>,
    /// Only entries about the record with this source id.
    pub source_id: Option<&'a str>,
    /// Only entries of runs of this flow.
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
        let mut filters = Filters::default();
        filters.add("run = ?", &filter.run);
        filters.add("source_id = ?", &filter.source_id);
        // Through the runs of the flow: an index on the log's flow column would cost every
        // append, for a filter that the run index already serves.
        filters.add("run IN (SELECT id FROM runs WHERE flow = ?)", &filter.flow);
        filters.add("id > ?", &filter.after_id);
        let limit = limit_arg(filter.limit);
        let args = filters.args(&[&limit]);
        let where_clause = filters.clause();
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
                changes: r.changes("changes")?,
            });
        }
        Ok(out)
    }
}

/// What a merged log entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "subject", rename_all = "kebab-case")]
pub enum ActivitySubject {
    /// A hub record of this kind (an entry of the provisioning log).
    Record {
        /// The record's kind.
        kind: Kind,
    },
    /// A WFM account in this hub store (an entry of the account log).
    Account {
        /// The hub store the account lives in.
        store: String,
    },
    /// A link of a record of this kind to a flow's target (an entry of the link log).
    Link {
        /// The linked record's kind.
        kind: Kind,
    },
}

/// One entry of the merged log: a record action or an account action.
///
/// Serialised flat: `"subject": "record"` with its `"kind"`, or `"subject": "account"` with
/// its `"store"`, beside the fields both logs share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// What the entry is about: a hub record (with its kind) or an account (with its store).
    #[serde(flatten)]
    pub subject: ActivitySubject,
    /// The entry's id in its own log: the two logs number their entries apart.
    pub id: i64,
    /// When the entry was written.
    pub at: Timestamp,
    /// The run that acted; `None` for an operator's mass update of accounts.
    pub run: Option<RunId>,
    /// `sync` for a run of a flow (every record entry), `mass-update` or `operator` for an
    /// operator's.
    pub origin: String,
    /// The flow of the run; `None` for a mass update.
    pub flow: Option<String>,
    /// The source tenant of the record or account.
    pub tenant: String,
    /// The source id of the record or account; `None` for an invalid record that had none.
    pub source_id: Option<String>,
    /// A human name for the record or the account's user.
    pub display: Option<String>,
    /// What happened: a [`LogAction`] for records and accounts, a
    /// [`LinkAction`](crate::LinkAction) for links.
    pub action: String,
    /// Why, in words for an operator; `None` when the writer gave no reason.
    pub reason: Option<String>,
    /// The fields the action changed; empty when it changed none.
    pub changes: Vec<FieldChange>,
}

impl From<AccountLogEntry> for Activity {
    fn from(entry: AccountLogEntry) -> Self {
        Activity {
            subject: ActivitySubject::Account { store: entry.store },
            id: entry.id,
            at: entry.at,
            run: entry.run,
            origin: entry.origin.to_string(),
            flow: entry.flow,
            tenant: entry.tenant,
            source_id: Some(entry.source_id),
            display: entry.display,
            action: entry.action.to_string(),
            reason: entry.reason,
            changes: entry.changes,
        }
    }
}

/// Which subjects [`Store::activity`] merges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ActivityScope {
    /// Every record entry and every account entry.
    #[default]
    All,
    /// Only the entries about hub records of this kind.
    Records(Kind),
    /// Only the entries about WFM accounts.
    Accounts,
    /// Only the entries about links (of map and push flows).
    Links,
    /// What happened to users: the user records' entries and their accounts' entries, never
    /// a team or profile that happens to share a source id.
    Users,
}

impl ActivityScope {
    /// The record kind the scope reads from the provisioning log: `None` for none at all,
    /// `Some(None)` for every kind.
    fn record_kind(self) -> Option<Option<Kind>> {
        match self {
            ActivityScope::All => Some(None),
            ActivityScope::Records(kind) => Some(Some(kind)),
            ActivityScope::Users => Some(Some(Kind::User)),
            ActivityScope::Accounts | ActivityScope::Links => None,
        }
    }

    fn reads_links(self) -> bool {
        matches!(
            self,
            ActivityScope::All | ActivityScope::Links | ActivityScope::Users
        )
    }

    fn reads_accounts(self) -> bool {
        matches!(
            self,
            ActivityScope::All | ActivityScope::Accounts | ActivityScope::Users
        )
    }
}

/// Which entries [`Store::activity`] returns. `None` filters match everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityFilter<'a> {
    /// Which subjects to merge: record entries, account entries or both.
    pub scope: ActivityScope,
    /// Only entries of this run (which leaves out mass updates).
    pub run: Option<RunId>,
    /// Only entries of runs of this flow (which leaves out mass updates).
    pub flow: Option<&'a str>,
    /// Only entries of this source tenant.
    pub tenant: Option<&'a str>,
    /// Only entries about this source id.
    pub source_id: Option<&'a str>,
    /// The latest this many entries (still returned oldest first); `None` for all.
    pub limit: Option<usize>,
}

/// The merged query: each log's newest entries by id (what its indexes serve), merged by time.
struct ActivityQuery {
    sql: String,
    args: Vec<Value>,
}

impl ActivityQuery {
    fn new(filter: &ActivityFilter<'_>) -> Self {
        let limit = Value::Integer(limit_arg(filter.limit));
        let text = |s: &str| Value::Text(s.to_owned());
        let mut branches = Vec::new();
        let mut args = Vec::new();
        // Both branches select the same columns; `log` ranks a record entry before an
        // account entry of the same instant.
        if let Some(kind) = filter.scope.record_kind() {
            let mut conditions = Vec::new();
            if let Some(kind) = kind {
                conditions.push("kind = ?");
                args.push(text(kind.as_str()));
            }
            push_common(&mut conditions, &mut args, filter);
            branches.push(format!(
                "SELECT * FROM (
                     SELECT 0 AS log, id, at, run, 'sync' AS origin, flow, tenant, kind,
                         NULL AS store, source_id, display, action, reason, changes
                     FROM provisioning_log {} ORDER BY id DESC LIMIT ?)",
                where_clause(&conditions)
            ));
            args.push(limit.clone());
        }
        if filter.scope.reads_accounts() {
            let mut conditions = Vec::new();
            push_common(&mut conditions, &mut args, filter);
            branches.push(format!(
                "SELECT * FROM (
                     SELECT 1 AS log, id, at, run, origin, flow, tenant, NULL AS kind, store,
                         source_id, display, action, reason, changes
                     FROM account_log {} ORDER BY id DESC LIMIT ?)",
                where_clause(&conditions)
            ));
            args.push(limit.clone());
        }
        if filter.scope.reads_links() {
            let mut conditions = Vec::new();
            if filter.scope == ActivityScope::Users {
                conditions.push("kind = 'user'");
            }
            push_common(&mut conditions, &mut args, filter);
            branches.push(format!(
                "SELECT * FROM (
                     SELECT 2 AS log, id, at, run, origin, flow, tenant, kind, NULL AS store,
                         source_id, display, action, reason, changes
                     FROM link_log {} ORDER BY id DESC LIMIT ?)",
                where_clause(&conditions)
            ));
            args.push(limit.clone());
        }
        args.push(limit);
        ActivityQuery {
            sql: format!(
                "{} ORDER BY at DESC, log DESC, id DESC LIMIT ?",
                branches.join(" UNION ALL ")
            ),
            args,
        }
    }
}

/// The conditions on the columns both logs have, under the same names.
fn push_common(conditions: &mut Vec<&str>, args: &mut Vec<Value>, filter: &ActivityFilter<'_>) {
    let text = |s: &str| Value::Text(s.to_owned());
    if let Some(run) = filter.run {
        conditions.push("run = ?");
        args.push(Value::Integer(run.0));
    }
    if let Some(flow) = filter.flow {
        // On the column, not through the runs' index as `log_entries` does: a newest-first
        // scan stops after `limit` matches, where the run index would read every entry of
        // the flow to sort them.
        conditions.push("flow = ?");
        args.push(text(flow));
    }
    if let Some(tenant) = filter.tenant {
        conditions.push("tenant = ?");
        args.push(text(tenant));
    }
    if let Some(source_id) = filter.source_id {
        conditions.push("source_id = ?");
        args.push(text(source_id));
    }
}

impl Store {
    /// The provisioning log, the account log and the link log as one history: the entries matching
    /// `filter`, oldest first, interleaved by their time (`at`). At the same instant a record
    /// entry comes before an account entry (a run commits a page's records with, or before,
    /// the accounts derived from them), then each log's entries come in id order.
    ///
    /// With a limit, the *latest* `limit` entries, still oldest first: what an operator asks
    /// for. The window is taken from each log's newest ids, which the logs' indexes serve
    /// without reading the rest; an entry whose time stamp lags its id (two writers racing
    /// for the write lock) is still placed by its time within the window.
    pub fn activity(&self, filter: &ActivityFilter<'_>) -> Result<Vec<Activity>> {
        const OP: &str = "activity";
        let key = || format!("{filter:?}");
        let query = ActivityQuery::new(filter);
        let mut stmt = self.conn.prepare_cached(&query.sql).ctx(OP, key)?;
        let mut rows = stmt
            .query(params_from_iter(query.args.iter()))
            .ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let log: i64 = row.get("log").ctx(OP, key)?;
            let id: i64 = row.get("id").ctx(OP, key)?;
            let table = match log {
                0 => "provisioning_log",
                1 => "account_log",
                _ => "link_log",
            };
            let r = RowReader::new(row, OP, table, format!("id={id}"));
            let subject = match log {
                0 => ActivitySubject::Record {
                    kind: r.parse("kind")?,
                },
                1 => ActivitySubject::Account {
                    store: r.get("store")?,
                },
                _ => ActivitySubject::Link {
                    kind: r.parse("kind")?,
                },
            };
            out.push(Activity {
                subject,
                id,
                at: r.timestamp("at")?,
                run: r.get::<Option<i64>>("run")?.map(RunId),
                origin: r.get("origin")?,
                flow: r.get("flow")?,
                tenant: r.get("tenant")?,
                source_id: r.get("source_id")?,
                display: r.get("display")?,
                action: r.get("action")?,
                reason: r.get("reason")?,
                changes: r.changes("changes")?,
            });
        }
        out.reverse();
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
        let changes = changes_text(&entry.changes).map_err(|source| StoreError::Encode {
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
    use crate::{AccountChange, AccountContext, AccountOrigin, PageBatch, RunMode};

    #[test]
    fn a_changes_column_reads_as_a_list_of_changes_or_as_a_created_record() {
        let changes = [
            FieldChange {
                field: "email".into(),
                old: "a@x".into(),
                new: "b@x".into(),
            },
            FieldChange {
                field: "roles".into(),
                old: serde_json::Value::Null,
                new: serde_json::json!(["Agent"]),
            },
        ];
        let written = changes_text(&changes).unwrap();
        assert_eq!(
            written,
            r#"[["email","a@x","b@x"],["roles",null,["Agent"]]]"#
        );
        assert_eq!(changes_from_text(&written).unwrap(), changes);
        // As earlier versions wrote it.
        let objects = r#"[{"field":"email","old":"a@x","new":"b@x"},
                          {"field":"roles","old":null,"new":["Agent"]}]"#;
        assert_eq!(changes_from_text(objects).unwrap(), changes);
        assert_eq!(changes_from_text("[]").unwrap(), []);
        let created =
            r#"{"kind":"user","id":"7","email":null,"roles":[],"name":"","active":false}"#;
        let fields: Vec<(String, serde_json::Value)> = changes_from_text(created)
            .unwrap()
            .into_iter()
            .map(|c| {
                assert_eq!(c.old, serde_json::Value::Null);
                (c.field, c.new)
            })
            .collect();
        assert_eq!(
            fields,
            [("id".into(), "7".into()), ("active".into(), false.into())]
        );
        for corrupt in [
            "{not json",
            r#"[["email","a@x"]]"#,
            r#"[{"field":"email"}]"#,
            "7",
        ] {
            assert!(changes_from_text(corrupt).is_err(), "{corrupt}");
        }
    }

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

    /// Appends a record entry with a chosen time, as `commit_page` would have written it.
    fn record_at(store: &Store, run: RunId, at: &str, kind: Kind, id: &str, action: &str) {
        store
            .conn
            .execute(
                "INSERT INTO provisioning_log (run, at, flow, tenant, kind, source_id, action)
                 VALUES (?1, ?2, (SELECT flow FROM runs WHERE id = ?1), ?3, ?4, ?5, ?6)",
                params![run, at, TENANT, kind.as_str(), id, action],
            )
            .unwrap();
    }

    /// Appends an account entry with a chosen time; no run means a mass update.
    fn account_at(store: &Store, run: Option<RunId>, at: &str, tenant: &str, id: &str) {
        let (origin, flow) = match run {
            Some(_) => ("sync", Some(FLOW)),
            None => ("mass-update", None),
        };
        store
            .conn
            .execute(
                "INSERT INTO account_log (at, store, tenant, source_id, action, origin, run, flow)
                 VALUES (?1, 'wfm', ?2, ?3, 'create', ?4, ?5, ?6)",
                params![at, tenant, id, origin, run, flow],
            )
            .unwrap();
    }

    fn summary(entries: &[Activity]) -> Vec<String> {
        entries
            .iter()
            .map(|e| {
                let what = match &e.subject {
                    ActivitySubject::Record { kind } => kind.to_string(),
                    ActivitySubject::Account { store } => format!("account {store}"),
                    ActivitySubject::Link { kind } => format!("link {kind}"),
                };
                format!(
                    "{what} {}/{} {}",
                    e.tenant,
                    e.source_id.as_deref().unwrap_or("-"),
                    e.action
                )
            })
            .collect()
    }

    const T1: &str = "2025-01-31T08:00:00.000001Z";
    const T2: &str = "2025-01-31T08:00:00.000002Z";
    const T3: &str = "2025-01-31T08:00:00.000003Z";

    #[test]
    fn activity_interleaves_both_logs_by_time_and_puts_records_first_at_the_same_instant() {
        let (store, run) = store_with_run();
        // Written out of time order across the logs: the merge follows the stamps.
        account_at(&store, Some(run), T2, TENANT, "1");
        record_at(&store, run, T3, Kind::User, "2", "update");
        record_at(&store, run, T1, Kind::User, "1", "create");
        account_at(&store, None, T3, TENANT, "2");
        record_at(&store, run, T2, Kind::Team, "7", "create");

        let all = store.activity(&ActivityFilter::default()).unwrap();
        assert_eq!(
            summary(&all),
            [
                "user acme/1 create",
                "team acme/7 create",
                "account wfm acme/1 create",
                "user acme/2 update",
                "account wfm acme/2 create",
            ]
        );
        let mass_update = &all[4];
        assert_eq!(mass_update.run, None);
        assert_eq!(mass_update.origin, AccountOrigin::MassUpdate.as_str());
        assert_eq!(mass_update.flow, None);
        assert_eq!(all[0].origin, AccountOrigin::Sync.as_str());
        assert_eq!(all[0].flow.as_deref(), Some(FLOW));
    }

    #[test]
    fn activity_of_a_real_run_lists_its_records_then_the_accounts_derived_from_them() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1", "2"])).unwrap();
        let context = AccountContext {
            store: "wfm",
            origin: AccountOrigin::Sync,
            run: Some(run),
            flow: Some(FLOW),
        };
        let skip = AccountChange {
            tenant: TENANT.into(),
            source_id: "2".into(),
            account: None,
            expected: None,
            display: Some("u2".into()),
            action: LogAction::Skip,
            reason: Some("the team has no WFM Advanced".into()),
            changes: Vec::new(),
        };
        store.commit_accounts(&context, &[skip]).unwrap();

        let entries = store
            .activity(&ActivityFilter {
                run: Some(run),
                ..ActivityFilter::default()
            })
            .unwrap();
        assert_eq!(
            summary(&entries),
            [
                "user acme/1 create",
                "user acme/2 create",
                "account wfm acme/2 skip"
            ]
        );
        assert_eq!(
            entries[2].reason.as_deref(),
            Some("the team has no WFM Advanced")
        );
    }

    #[test]
    fn activity_of_users_leaves_out_a_team_with_the_same_source_id() {
        let (store, run) = store_with_run();
        record_at(&store, run, T1, Kind::Team, "42", "create");
        record_at(&store, run, T2, Kind::User, "42", "create");
        account_at(&store, Some(run), T3, TENANT, "42");
        record_at(&store, run, T3, Kind::User, "43", "create");

        let user = store
            .activity(&ActivityFilter {
                scope: ActivityScope::Users,
                source_id: Some("42"),
                ..ActivityFilter::default()
            })
            .unwrap();
        assert_eq!(
            summary(&user),
            ["user acme/42 create", "account wfm acme/42 create"]
        );
        let any_kind = store
            .activity(&ActivityFilter {
                source_id: Some("42"),
                ..ActivityFilter::default()
            })
            .unwrap();
        assert_eq!(any_kind.len(), 3, "{:?}", summary(&any_kind));
    }

    #[test]
    fn activity_with_a_limit_is_the_latest_entries_oldest_first() {
        let (store, run) = store_with_run();
        for (i, at) in [T1, T2, T3].into_iter().enumerate() {
            record_at(&store, run, at, Kind::User, &i.to_string(), "create");
            account_at(&store, Some(run), at, TENANT, &i.to_string());
        }
        let latest = store
            .activity(&ActivityFilter {
                limit: Some(3),
                ..ActivityFilter::default()
            })
            .unwrap();
        assert_eq!(
            summary(&latest),
            [
                "account wfm acme/1 create",
                "user acme/2 create",
                "account wfm acme/2 create"
            ]
        );
        let none = store
            .activity(&ActivityFilter {
                limit: Some(0),
                ..ActivityFilter::default()
            })
            .unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn activity_filters_by_scope_run_flow_and_tenant() {
        let (store, first) = store_with_run();
        record_at(&store, first, T1, Kind::User, "1", "create");
        record_at(&store, first, T1, Kind::SecurityProfile, "9", "create");
        account_at(&store, Some(first), T1, TENANT, "1");
        account_at(&store, Some(first), T1, "other", "1");
        let mut store = store;
        let second = store.start_run("wfo", RunMode::Full, false).unwrap();
        record_at(&store, second, T2, Kind::User, "1", "update");
        account_at(&store, None, T3, TENANT, "1");

        let of = |filter: ActivityFilter<'_>| summary(&store.activity(&filter).unwrap());
        assert_eq!(
            of(ActivityFilter {
                scope: ActivityScope::Accounts,
                ..ActivityFilter::default()
            }),
            [
                "account wfm acme/1 create",
                "account wfm other/1 create",
                "account wfm acme/1 create"
            ]
        );
        assert_eq!(
            of(ActivityFilter {
                scope: ActivityScope::Records(Kind::SecurityProfile),
                ..ActivityFilter::default()
            }),
            ["security-profile acme/9 create"]
        );
        assert_eq!(
            of(ActivityFilter {
                run: Some(second),
                ..ActivityFilter::default()
            }),
            ["user acme/1 update"]
        );
        assert_eq!(
            of(ActivityFilter {
                flow: Some(FLOW),
                scope: ActivityScope::Users,
                ..ActivityFilter::default()
            }),
            [
                "user acme/1 create",
                "account wfm acme/1 create",
                "account wfm other/1 create"
            ]
        );
        assert_eq!(
            of(ActivityFilter {
                tenant: Some("other"),
                ..ActivityFilter::default()
            }),
            ["account wfm other/1 create"]
        );
    }

    #[test]
    fn an_activity_serialises_its_subject_as_a_tag_with_its_kind_or_store() {
        let (store, run) = store_with_run();
        record_at(&store, run, T1, Kind::User, "1", "create");
        account_at(&store, None, T2, TENANT, "1");
        let json =
            serde_json::to_value(store.activity(&ActivityFilter::default()).unwrap()).unwrap();
        assert_eq!(json[0]["subject"], "record");
        assert_eq!(json[0]["kind"], "user");
        assert_eq!(json[0]["run"], run.0);
        assert!(json[0].get("store").is_none(), "{json}");
        assert_eq!(json[1]["subject"], "account");
        assert_eq!(json[1]["store"], "wfm");
        assert_eq!(json[1]["origin"], "mass-update");
        assert_eq!(json[1]["run"], serde_json::Value::Null);
        assert!(json[1].get("kind").is_none(), "{json}");
    }

    #[test]
    fn activity_reads_run_and_source_id_filters_through_each_logs_indexes() {
        let store = Store::open_in_memory().unwrap();
        let plan = |filter: ActivityFilter<'_>| {
            let query = ActivityQuery::new(&filter);
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", query.sql))
                .unwrap();
            stmt.query_map(params_from_iter(query.args.iter()), |row| {
                row.get::<_, String>("detail")
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
        };
        let expectations = [
            (
                ActivityFilter {
                    run: Some(RunId(1)),
                    ..ActivityFilter::default()
                },
                [
                    "provisioning_log_by_run",
                    "account_log_by_run",
                    "link_log_by_run",
                ],
            ),
            (
                ActivityFilter {
                    scope: ActivityScope::Users,
                    source_id: Some("42"),
                    ..ActivityFilter::default()
                },
                [
                    "provisioning_log_by_source_id",
                    "account_log_by_source_id",
                    "link_log_by_source_id",
                ],
            ),
        ];
        for (filter, indexes) in expectations {
            let plan = plan(filter);
            for index in indexes {
                assert!(
                    plan.iter().any(|step| step.contains(index)),
                    "{filter:?} does not use {index}: {plan:#?}"
                );
            }
            // Only the merge of the two windows sorts; neither log is scanned or sorted whole.
            assert!(
                !plan
                    .iter()
                    .any(|step| step.starts_with("SCAN") && step.contains("_log")),
                "{filter:?} scans a log: {plan:#?}"
            );
        }
    }
}
