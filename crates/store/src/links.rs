//! Links: per (flow, hub record), the id of the record at the flow's target, how the link was
//! made and how it stands; and the operator's selection of records a push flow may push.
//!
//! A mapping flow (rules P) links hub users to users of a directory it never writes to; a push
//! flow (rules D) links hub records to the records it created at its target, and keeps the
//! content hash it last pushed, so it pushes a record again only when the record changed
//! since *this flow* pushed it (never because another flow refreshed the hub). A link made by
//! an operator (`manual`) is never overridden by automation.
//!
//! Every change to a link, by a run or an operator, is logged in the append-only `link_log`
//! with old -> new values, in the transaction that makes it; so are selection changes. Like
//! accounts, links and their log are separate from the records and their provisioning log:
//! a link has no meaning without its flow, and an operator's pin has no run.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::Store;
use crate::codec::{Filters, RowReader, id_list, limit_arg, now_text, text_enum};
use crate::error::{Result, SqlContext, StoreError};
use crate::log::FieldChange;
use crate::runs::{self, RunId};

/// Part of migration 6: links, their log and push selections.
pub(crate) const MIGRATION: &str = r#"
CREATE TABLE links (
    flow         TEXT    NOT NULL,
    tenant       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    source_id    TEXT    NOT NULL,
    -- The record's id at the target; NULL while unmapped.
    target_id    TEXT,
    -- How the link was made: created by a push, matched by email, or pinned by an operator.
    method       TEXT    CHECK (method IN ('created', 'email', 'manual')),
    status       TEXT    NOT NULL CHECK (status IN ('mapped', 'unmapped', 'ambiguous',
                                                     'ignored', 'failed')),
    -- Automatic attempts since the link last changed status.
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- The content hash of the record as last pushed (push flows).
    pushed_hash  TEXT,
    reason       TEXT,
    -- JSON list of candidate target ids (an ambiguous match).
    candidates   TEXT    NOT NULL DEFAULT '[]',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (flow, tenant, kind, source_id)
) STRICT;
CREATE INDEX links_by_status ON links (flow, status, tenant, kind, source_id);
CREATE INDEX links_by_target ON links (flow, target_id);

CREATE TABLE link_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT    NOT NULL,
    flow       TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    source_id  TEXT    NOT NULL,
    display    TEXT,
    origin     TEXT    NOT NULL CHECK (origin IN ('sync', 'operator')),
    run        INTEGER REFERENCES runs (id),
    action     TEXT    NOT NULL,
    reason     TEXT,
    changes    TEXT    NOT NULL DEFAULT '[]'
) STRICT;
-- The merged log reads a record's entries by source id alone, and a run's by run.
CREATE INDEX link_log_by_source_id ON link_log (source_id, id);
CREATE INDEX link_log_by_run ON link_log (run, id);
CREATE TRIGGER link_log_no_update BEFORE UPDATE ON link_log
BEGIN
    SELECT RAISE(ABORT, 'the link log is append-only: rows cannot be updated');
END;
CREATE TRIGGER link_log_no_delete BEFORE DELETE ON link_log
BEGIN
    SELECT RAISE(ABORT, 'the link log is append-only: rows cannot be deleted');
END;

-- The records an operator selected for a push flow (rule D1); absent: not selected.
CREATE TABLE selections (
    flow         TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    selected_at  TEXT NOT NULL,
    PRIMARY KEY (flow, tenant, kind, source_id)
) STRICT;
"#;

text_enum! {
    /// How a link stands.
    pub enum LinkStatus ("link status") {
        /// Linked to a record at the target.
        Mapped = "mapped",
        /// No target record found (yet); the reason says why.
        Unmapped = "unmapped",
        /// Several target records matched; the candidates are kept for the operator.
        Ambiguous = "ambiguous",
        /// An operator said to leave this record alone.
        Ignored = "ignored",
        /// The target refused the record, or writing it failed; the reason says why.
        Failed = "failed",
    }
}

text_enum! {
    /// How a link was made.
    pub enum LinkMethod ("link method") {
        /// A push created the record at the target.
        Created = "created",
        /// Matched to a target user with the same email.
        Email = "email",
        /// Pinned by an operator; automation never overrides it.
        Manual = "manual",
    }
}

text_enum! {
    /// Who changed a link.
    pub enum LinkOrigin ("link origin") {
        /// A run of the flow.
        Sync = "sync",
        /// An operator's command.
        Operator = "operator",
    }
}

text_enum! {
    /// What happened to a link (or a selection), as its log says.
    pub enum LinkAction ("link action") {
        /// A push created the record at the target and linked it.
        Create = "create",
        /// A push updated the linked record at the target.
        Update = "update",
        /// Linked to an existing target record.
        Map = "map",
        /// The link's status or reason changed without a target write (unmapped, ambiguous).
        Unmap = "unmap",
        /// The target refused the record; other records went on.
        Rejected = "rejected",
        /// A pinned link was flagged (its target is gone or disabled), or the flag cleared;
        /// the link itself stays (rule P4).
        Flag = "flag",
        /// An operator pinned the link to a target id.
        Pin = "pin",
        /// An operator told automation to leave the record alone.
        Ignore = "ignore",
        /// An operator removed the link; automation may link the record again.
        Unlink = "unlink",
        /// An operator selected the record for a push flow (rule D1).
        Select = "select",
        /// An operator deselected the record; it stays at the target (rule D4).
        Deselect = "deselect",
    }
}

/// One link as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The flow the link belongs to.
    pub flow: String,
    /// The source tenant of the hub record.
    pub tenant: String,
    /// The kind of the hub record.
    pub kind: String,
    /// The hub record's source id.
    pub source_id: String,
    /// The record's id at the target; `None` while unmapped.
    pub target_id: Option<String>,
    /// How the link was made; `None` while nothing was linked.
    pub method: Option<LinkMethod>,
    /// How the link stands.
    pub status: LinkStatus,
    /// Automatic attempts since the status last changed.
    pub attempts: u32,
    /// What the link was last decided on, as a hash: for a push, the record's content as
    /// last pushed; for a mapping, the email it was last looked up by.
    pub pushed_hash: Option<String>,
    /// Why the link stands as it does (unmapped, failed, ignored).
    pub reason: Option<String>,
    /// Candidate target ids of an ambiguous match.
    pub candidates: Vec<String>,
    /// When the link was first stored.
    pub created_at: Timestamp,
    /// When it last changed: the version a change is computed from.
    pub updated_at: Timestamp,
}

impl Link {
    /// A new, unmapped link of a hub record (not stored yet).
    pub fn new(flow: &str, tenant: &str, kind: &str, source_id: &str) -> Link {
        Link {
            flow: flow.to_owned(),
            tenant: tenant.to_owned(),
            kind: kind.to_owned(),
            source_id: source_id.to_owned(),
            target_id: None,
            method: None,
            status: LinkStatus::Unmapped,
            attempts: 0,
            pushed_hash: None,
            reason: None,
            candidates: Vec::new(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    /// The fields in which `new` differs from `old`, old -> new (every set field of a new
    /// link), for the log.
    pub fn differences(old: Option<&Link>, new: &Link) -> Vec<FieldChange> {
        fn compare<T: PartialEq + Serialize>(out: &mut Vec<FieldChange>, f: &str, o: T, n: T) {
            if o != n {
                out.push(FieldChange {
                    field: f.to_owned(),
                    old: serde_json::json!(o),
                    new: serde_json::json!(n),
                });
            }
        }
        let mut out = Vec::new();
        compare(
            &mut out,
            "target_id",
            old.and_then(|l| l.target_id.as_deref()),
            new.target_id.as_deref(),
        );
        compare(&mut out, "method", old.and_then(|l| l.method), new.method);
        compare(&mut out, "status", old.map(|l| l.status), Some(new.status));
        compare(
            &mut out,
            "reason",
            old.and_then(|l| l.reason.as_deref()),
            new.reason.as_deref(),
        );
        compare(
            &mut out,
            "candidates",
            old.map_or(&[][..], |l| &l.candidates),
            &new.candidates,
        );
        compare(
            &mut out,
            "pushed_hash",
            old.and_then(|l| l.pushed_hash.as_deref()),
            new.pushed_hash.as_deref(),
        );
        out
    }
}

/// A change to one link (or one selection), as a run or an operator decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkChange {
    /// The link as it should be stored; `None` leaves the link as it is (a logged skip, a
    /// selection change) or, with [`LinkAction::Unlink`], removes it.
    pub link: Option<Link>,
    /// The record the change is about (also when `link` is `None`).
    pub tenant: String,
    /// The kind of the record.
    pub kind: String,
    /// The record's source id.
    pub source_id: String,
    /// The `updated_at` the change was computed from; `None` for a new link. A link changed
    /// since fails the batch (compare-and-set), like accounts.
    pub expected: Option<Timestamp>,
    /// A human name for the record.
    pub display: Option<String>,
    /// What the change does.
    pub action: LinkAction,
    /// Why, in the operator's words or the rule's.
    pub reason: Option<String>,
    /// Old -> new, for the log.
    pub changes: Vec<FieldChange>,
}

/// Who makes a batch of link changes.
#[derive(Debug, Clone, Copy)]
pub struct LinkContext<'a> {
    /// The flow whose links change.
    pub flow: &'a str,
    /// A run or an operator.
    pub origin: LinkOrigin,
    /// The run, for changes a run makes.
    pub run: Option<RunId>,
}

/// A stored link log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkLogEntry {
    /// The entry's id: log order.
    pub id: i64,
    /// When the change was committed.
    pub at: Timestamp,
    /// The flow of the link.
    pub flow: String,
    /// The source tenant of the record.
    pub tenant: String,
    /// The kind of the record.
    pub kind: String,
    /// The record's source id.
    pub source_id: String,
    /// A human name for the record, when known.
    pub display: Option<String>,
    /// A run or an operator.
    pub origin: LinkOrigin,
    /// The run, for a run's change.
    pub run: Option<RunId>,
    /// What happened.
    pub action: LinkAction,
    /// Why.
    pub reason: Option<String>,
    /// Old -> new values.
    pub changes: Vec<FieldChange>,
}

/// Which links [`Store::list_links`] returns, in key order.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkFilter<'a> {
    /// Only this flow's links.
    pub flow: Option<&'a str>,
    /// Only links with this status.
    pub status: Option<LinkStatus>,
    /// At most this many.
    pub limit: Option<usize>,
}

const LINK_COLUMNS: &str = "flow, tenant, kind, source_id, target_id, method, status, \
     attempts, pushed_hash, reason, candidates, created_at, updated_at";

fn link_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<Link> {
    let r = RowReader::new(row, op, "links", String::new());
    Ok(Link {
        flow: r.get("flow")?,
        tenant: r.get("tenant")?,
        kind: r.get("kind")?,
        source_id: r.get("source_id")?,
        target_id: r.get("target_id")?,
        method: r
            .get::<Option<String>>("method")?
            .map(|m| m.parse())
            .transpose()
            .map_err(|e: crate::UnknownName| StoreError::InvalidInput {
                op,
                key: "links.method".into(),
                detail: e.to_string(),
            })?,
        status: r.parse("status")?,
        attempts: r.get("attempts")?,
        pushed_hash: r.get("pushed_hash")?,
        reason: r.get("reason")?,
        candidates: r.json("candidates")?,
        created_at: r.timestamp("created_at")?,
        updated_at: r.timestamp("updated_at")?,
    })
}

impl Store {
    /// The link of one hub record in `flow`, if any.
    pub fn link(
        &self,
        flow: &str,
        tenant: &str,
        kind: &str,
        source_id: &str,
    ) -> Result<Option<Link>> {
        const OP: &str = "link";
        let key = || format!("flow {flow}, {tenant}/{kind}/{source_id}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {LINK_COLUMNS} FROM links
                 WHERE flow = ?1 AND tenant = ?2 AND kind = ?3 AND source_id = ?4"
            ))
            .ctx(OP, key)?;
        stmt.query_row(params![flow, tenant, kind, source_id], |row| {
            Ok(link_from_row(row, OP))
        })
        .optional()
        .ctx(OP, key)?
        .transpose()
    }

    /// The links of the listed hub records in `flow`, by source id.
    pub fn links_by_ids(
        &self,
        flow: &str,
        tenant: &str,
        kind: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, Link>> {
        const OP: &str = "links_by_ids";
        let key = || format!("flow {flow}, {tenant}/{kind}, {} ids", ids.len());
        let ids_json = id_list(ids, OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {LINK_COLUMNS} FROM links
                 WHERE flow = ?1 AND tenant = ?2 AND kind = ?3
                   AND source_id IN (SELECT value FROM json_each(?4))"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![flow, tenant, kind, ids_json])
            .ctx(OP, key)?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let link = link_from_row(row, OP)?;
            out.insert(link.source_id.clone(), link);
        }
        Ok(out)
    }

    /// Links matching `filter`, in key order.
    pub fn list_links(&self, filter: &LinkFilter<'_>) -> Result<Vec<Link>> {
        const OP: &str = "list_links";
        let status = filter.status.map(LinkStatus::as_str);
        let flow = filter.flow;
        let limit = limit_arg(filter.limit);
        let mut filters = Filters::default();
        filters.add("flow = ?", &flow);
        filters.add("status = ?", &status);
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM links {} ORDER BY flow, tenant, kind, source_id LIMIT ?",
            filters.clause()
        );
        let mut stmt = self.conn.prepare(&sql).ctx(OP, String::new)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(filters.args(&[&limit])))
            .ctx(OP, String::new)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, String::new)? {
            out.push(link_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// How many links of `flow` have each status.
    pub fn count_links(&self, flow: &str) -> Result<HashMap<LinkStatus, u64>> {
        const OP: &str = "count_links";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, count(*) FROM links WHERE flow = ?1 GROUP BY status")
            .ctx(OP, || format!("flow {flow}"))?;
        let mut rows = stmt
            .query(params![flow])
            .ctx(OP, || format!("flow {flow}"))?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().ctx(OP, || format!("flow {flow}"))? {
            let r = RowReader::new(row, OP, "links", format!("flow={flow}"));
            out.insert(r.parse("status")?, r.get::<u64>("count(*)")?);
        }
        Ok(out)
    }

    /// Commits link changes in one transaction: the links and their log entries. Nothing is
    /// stored if any change fails (a link changed since it was read fails the batch). A run's
    /// counters are its records'; what it did to links is in the link log.
    pub fn commit_links(
        &mut self,
        context: &LinkContext<'_>,
        changes: &[LinkChange],
    ) -> Result<()> {
        const OP: &str = "commit_links";
        let key = || format!("flow {}, {} changes", context.flow, changes.len());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        let now = now_text();
        if let Some(run) = context.run {
            let (_, dry_run) = runs::ensure_running(&tx, OP, run)?;
            if dry_run {
                return Err(StoreError::DryRun { run });
            }
        }
        for change in changes {
            match (&change.link, change.action) {
                (Some(link), _) => write_link(&tx, context, change, link, &now)?,
                (None, LinkAction::Unlink) => remove_link(&tx, context, change)?,
                (None, _) => {}
            }
            append_log(&tx, context, change, &now)?;
        }
        tx.commit().ctx(OP, key)?;
        Ok(())
    }

    /// The log of one record's link in `flow`, oldest first.
    pub fn link_log(
        &self,
        flow: &str,
        tenant: &str,
        kind: &str,
        source_id: &str,
    ) -> Result<Vec<LinkLogEntry>> {
        const OP: &str = "link_log";
        let key = || format!("flow {flow}, {tenant}/{kind}/{source_id}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, at, flow, tenant, kind, source_id, display, origin, run, action,
                        reason, changes
                 FROM link_log
                 WHERE source_id = ?4 AND flow = ?1 AND tenant = ?2 AND kind = ?3
                 ORDER BY id",
            )
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![flow, tenant, kind, source_id])
            .ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let r = RowReader::new(row, OP, "link_log", key());
            out.push(LinkLogEntry {
                id: r.get("id")?,
                at: r.timestamp("at")?,
                flow: r.get("flow")?,
                tenant: r.get("tenant")?,
                kind: r.get("kind")?,
                source_id: r.get("source_id")?,
                display: r.get("display")?,
                origin: r.parse("origin")?,
                run: r.get::<Option<i64>>("run")?.map(RunId),
                action: r.parse("action")?,
                reason: r.get("reason")?,
                changes: r.changes("changes")?,
            });
        }
        Ok(out)
    }

    /// Counts one more automatic attempt on each listed record's link, creating an unmapped
    /// link where there is none, without a log entry. A push leaves this mark before it
    /// creates records at its target: after a crash between the target's reply and the
    /// commit, the next run sees the attempt and looks the record up by its external id
    /// instead of creating it twice.
    pub fn mark_attempts(
        &mut self,
        flow: &str,
        tenant: &str,
        kind: &str,
        ids: &[&str],
    ) -> Result<()> {
        const OP: &str = "mark_attempts";
        let key = || format!("flow {flow}, {tenant}/{kind}, {} ids", ids.len());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        let now = now_text();
        for id in ids {
            tx.prepare_cached(
                "INSERT INTO links (flow, tenant, kind, source_id, status, attempts, created_at,
                                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'unmapped', 1, ?5, ?5)
                 ON CONFLICT (flow, tenant, kind, source_id) DO UPDATE SET
                     attempts = links.attempts + 1,
                     updated_at = excluded.updated_at",
            )
            .ctx(OP, key)?
            .execute(params![flow, tenant, kind, id, now])
            .ctx(OP, key)?;
        }
        tx.commit().ctx(OP, key)?;
        Ok(())
    }
}

fn write_link(
    conn: &Connection,
    context: &LinkContext<'_>,
    change: &LinkChange,
    link: &Link,
    now: &str,
) -> Result<()> {
    const OP: &str = "commit_links: write link";
    let key = || {
        format!(
            "flow {}, {}/{}/{}",
            context.flow, link.tenant, link.kind, link.source_id
        )
    };
    let candidates =
        serde_json::to_string(&link.candidates).map_err(|source| StoreError::Encode {
            op: OP,
            key: key(),
            what: "the candidates",
            source,
        })?;
    let written = match change.expected {
        // A new link: a row that exists already was made since it was read.
        None => conn
            .prepare_cached(
                "INSERT INTO links (flow, tenant, kind, source_id, target_id, method, status,
                     attempts, pushed_hash, reason, candidates, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                 ON CONFLICT (flow, tenant, kind, source_id) DO NOTHING",
            )
            .ctx(OP, key)?
            .execute(params![
                context.flow,
                link.tenant,
                link.kind,
                link.source_id,
                link.target_id,
                link.method.map(LinkMethod::as_str),
                link.status.as_str(),
                link.attempts,
                link.pushed_hash,
                link.reason,
                candidates,
                now,
            ])
            .ctx(OP, key)?,
        // A change: only of the version it was computed from (never of a row unlinked since).
        Some(expected) => conn
            .prepare_cached(
                "UPDATE links SET target_id = ?5, method = ?6, status = ?7, attempts = ?8,
                     pushed_hash = ?9, reason = ?10, candidates = ?11, updated_at = ?12
                 WHERE flow = ?1 AND tenant = ?2 AND kind = ?3 AND source_id = ?4
                   AND updated_at = ?13",
            )
            .ctx(OP, key)?
            .execute(params![
                context.flow,
                link.tenant,
                link.kind,
                link.source_id,
                link.target_id,
                link.method.map(LinkMethod::as_str),
                link.status.as_str(),
                link.attempts,
                link.pushed_hash,
                link.reason,
                candidates,
                now,
                crate::codec::timestamp_text(expected),
            ])
            .ctx(OP, key)?,
    };
    if written != 1 {
        return Err(changed_since(OP, key()));
    }
    Ok(())
}

/// The error of a compare-and-set that lost: nothing of the batch is written.
fn changed_since(op: &'static str, key: String) -> StoreError {
    StoreError::InvalidInput {
        op,
        key,
        detail: "the link changed since it was read (a concurrent run or operator command); \
                 nothing was written, try again"
            .into(),
    }
}

fn remove_link(conn: &Connection, context: &LinkContext<'_>, change: &LinkChange) -> Result<()> {
    const OP: &str = "commit_links: unlink";
    let key = || format!("flow {}, {}", context.flow, change.source_id);
    let expected = change.expected.map(crate::codec::timestamp_text);
    let removed = conn
        .prepare_cached(
            "DELETE FROM links WHERE flow = ?1 AND tenant = ?2 AND kind = ?3 AND source_id = ?4
               AND updated_at = ?5",
        )
        .ctx(OP, key)?
        .execute(params![
            context.flow,
            change.tenant,
            change.kind,
            change.source_id,
            expected
        ])
        .ctx(OP, key)?;
    if removed != 1 {
        return Err(changed_since(OP, key()));
    }
    Ok(())
}

pub(crate) fn append_log(
    conn: &Connection,
    context: &LinkContext<'_>,
    change: &LinkChange,
    now: &str,
) -> Result<()> {
    const OP: &str = "commit_links: log";
    let key = || format!("flow {}, {}", context.flow, change.source_id);
    let changes =
        crate::log::changes_text(&change.changes).map_err(|source| StoreError::Encode {
            op: OP,
            key: key(),
            what: "the changes",
            source,
        })?;
    conn.prepare_cached(
        "INSERT INTO link_log (at, flow, tenant, kind, source_id, display, origin, run, action,
                               reason, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .ctx(OP, key)?
    .execute(params![
        now,
        context.flow,
        change.tenant,
        change.kind,
        change.source_id,
        change.display,
        context.origin.as_str(),
        context.run,
        change.action.as_str(),
        change.reason,
        changes,
    ])
    .ctx(OP, key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FLOW, TENANT, store_with_run};

    fn mapped(target: &str) -> Link {
        Link {
            target_id: Some(target.into()),
            method: Some(LinkMethod::Email),
            status: LinkStatus::Mapped,
            ..Link::new(FLOW, TENANT, "user", "42")
        }
    }

    fn change(link: Option<Link>, expected: Option<Timestamp>, action: LinkAction) -> LinkChange {
        let changes = link
            .as_ref()
            .map(|l| Link::differences(None, l))
            .unwrap_or_default();
        LinkChange {
            link,
            tenant: TENANT.into(),
            kind: "user".into(),
            source_id: "42".into(),
            expected,
            display: Some("Ann Lee".into()),
            action,
            reason: None,
            changes,
        }
    }

    #[test]
    fn a_link_round_trips_with_its_log_and_a_stale_change_is_refused_whole() {
        let (mut store, run) = store_with_run();
        let context = LinkContext {
            flow: FLOW,
            origin: LinkOrigin::Sync,
            run: Some(run),
        };
        let map = |target: &str, expected| change(Some(mapped(target)), expected, LinkAction::Map);
        store.commit_links(&context, &[map("rc-1", None)]).unwrap();
        let stored = store.link(FLOW, TENANT, "user", "42").unwrap().unwrap();
        assert_eq!(stored.target_id.as_deref(), Some("rc-1"));
        assert_eq!(stored.status, LinkStatus::Mapped);

        // Inserting again as new is a conflict: nothing of the batch is stored.
        let err = store
            .commit_links(&context, &[map("rc-2", None)])
            .unwrap_err();
        assert!(
            err.to_string().contains("changed since it was read"),
            "{err}"
        );
        let operator = LinkContext {
            flow: FLOW,
            origin: LinkOrigin::Operator,
            run: None,
        };
        let pinned = Link {
            method: Some(LinkMethod::Manual),
            ..mapped("rc-3")
        };
        let pin = change(Some(pinned), Some(stored.updated_at), LinkAction::Pin);
        store.commit_links(&operator, &[pin]).unwrap();
        let log = store.link_log(FLOW, TENANT, "user", "42").unwrap();
        let actions: Vec<LinkAction> = log.iter().map(|e| e.action).collect();
        assert_eq!(actions, [LinkAction::Map, LinkAction::Pin]);
        assert_eq!(log[1].origin, LinkOrigin::Operator);
        assert_eq!(
            store.count_links(FLOW).unwrap().get(&LinkStatus::Mapped),
            Some(&1)
        );

        // An unlink computed from an older version is refused; from the current one it goes.
        let current = store.link(FLOW, TENANT, "user", "42").unwrap().unwrap();
        let stale = change(None, Some(stored.updated_at), LinkAction::Unlink);
        assert!(store.commit_links(&operator, &[stale]).is_err());
        let unlink = change(None, Some(current.updated_at), LinkAction::Unlink);
        store.commit_links(&operator, &[unlink]).unwrap();
        assert_eq!(store.link(FLOW, TENANT, "user", "42").unwrap(), None);
        assert_eq!(
            store.link_log(FLOW, TENANT, "user", "42").unwrap().len(),
            3,
            "the log keeps all"
        );
        // A change computed from a version unlinked since never brings the link back.
        assert!(
            store
                .commit_links(&context, &[map("rc-9", Some(current.updated_at))])
                .is_err()
        );
        assert_eq!(store.link(FLOW, TENANT, "user", "42").unwrap(), None);
    }

    #[test]
    fn selection_changes_are_logged_once_each() {
        let (mut store, _) = store_with_run();
        let ids = vec!["1".to_owned(), "2".to_owned()];
        assert_eq!(store.select(FLOW, TENANT, "user", &ids, true).unwrap(), 2);
        assert_eq!(
            store.select(FLOW, TENANT, "user", &ids[..1], true).unwrap(),
            0
        );
        let selected = store
            .selected(FLOW, TENANT, "user", &["1", "2", "3"])
            .unwrap();
        assert_eq!(selected.len(), 2);
        assert_eq!(
            store
                .select(FLOW, TENANT, "user", &ids[1..], false)
                .unwrap(),
            1
        );
        let actions = |id: &str| -> Vec<LinkAction> {
            let log = store.link_log(FLOW, TENANT, "user", id).unwrap();
            log.iter().map(|e| e.action).collect()
        };
        assert_eq!(actions("1"), [LinkAction::Select]);
        assert_eq!(actions("2"), [LinkAction::Select, LinkAction::Deselect]);
    }
}
