//! The schema, as numbered migrations embedded in the binary.
//!
//! Each migration runs in its own transaction together with the bump of `PRAGMA user_version`,
//! so a store is always exactly at one version: a crash mid-migration leaves it at the
//! previous one. A store whose version is newer than [`MIGRATIONS`] knows is refused, never
//! downgraded. `PRAGMA application_id` marks the file as a ccsync store, so ccsync never
//! migrates some other program's database it was pointed at by mistake.
//!
//! The SQL is plain: tables, `CHECK`s, indexes, `INSERT … ON CONFLICT`. The `STRICT` keyword,
//! `AUTOINCREMENT` and the triggers are the only SQLite dialect, and each has a direct
//! PostgreSQL counterpart (column types, `GENERATED … AS IDENTITY`, a trigger function).

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Result, StoreError};

/// `PRAGMA application_id` of a ccsync store (the ASCII bytes `ccsy`).
pub(crate) const APPLICATION_ID: i32 = 0x6363_7379;

/// Every migration, in order: `(version, sql)`. Versions start at 1 and never change once
/// released; a schema change is a new entry.
pub const MIGRATIONS: &[(u32, &str)] = &[
    (1, V1_INITIAL),
    (2, crate::accounts::MIGRATION),
    (3, V3_FLOW_STATE),
    (4, crate::approvals::MIGRATION),
    (5, V5_ACCOUNT_LOG_INDEXES),
    (6, V6_ENGINE_DEFECTS),
    (7, crate::links::MIGRATION),
    (8, crate::directories::MIGRATION),
    (9, crate::wfo::MIGRATION),
    (10, crate::projections::MIGRATION),
    (11, V11_CHECKS_WITHOUT_LISTS),
];

/// The schema version this code creates and understands.
pub const LATEST_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

const V11_CHECKS_WITHOUT_LISTS: &str = r#"
-- SQLite checks `x IN (a, b, c, …)` of more than two values against a scratch table it builds
-- for every statement, and a statement inserts one row: writing a first sync's 100k account
-- log entries spent a fifth of its time building those tables. The same checks as comparisons
-- cost nothing. The two tables written row by row on a sync's hot path are rebuilt (SQLite
-- cannot alter a CHECK), rows, ids, indexes and append-only triggers kept; the others are
-- written once per run or in bulk (`INSERT … SELECT`, one scratch table per chunk).
CREATE TABLE account_log_v11 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT    NOT NULL,
    store      TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    source_id  TEXT    NOT NULL,
    display    TEXT,
    action     TEXT    NOT NULL CHECK (action = 'create' OR action = 'update'
                                       OR action = 'deactivate' OR action = 'reactivate'
                                       OR action = 'skip'),
    reason     TEXT,
    changes    TEXT    NOT NULL DEFAULT '[]',
    origin     TEXT    NOT NULL CHECK (origin = 'sync' OR origin = 'mass-update'
                                       OR origin = 'operator'),
    run        INTEGER REFERENCES runs (id),
    flow       TEXT
) STRICT;
INSERT INTO account_log_v11 (id, at, store, tenant, source_id, display, action, reason, changes,
                             origin, run, flow)
    SELECT id, at, store, tenant, source_id, display, action, reason, changes, origin, run, flow
    FROM account_log;
DROP TABLE account_log;
ALTER TABLE account_log_v11 RENAME TO account_log;
CREATE INDEX account_log_by_account ON account_log (store, tenant, source_id, id);
CREATE INDEX account_log_by_source_id ON account_log (source_id, id);
CREATE INDEX account_log_by_run ON account_log (run, id);
CREATE TRIGGER account_log_no_update BEFORE UPDATE ON account_log
BEGIN
    SELECT RAISE(ABORT, 'the account log is append-only: rows cannot be updated');
END;
CREATE TRIGGER account_log_no_delete BEFORE DELETE ON account_log
BEGIN
    SELECT RAISE(ABORT, 'the account log is append-only: rows cannot be deleted');
END;

CREATE TABLE links_v11 (
    flow         TEXT    NOT NULL,
    tenant       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    source_id    TEXT    NOT NULL,
    target_id    TEXT,
    method       TEXT    CHECK (method = 'created' OR method = 'email' OR method = 'manual'),
    status       TEXT    NOT NULL CHECK (status = 'mapped' OR status = 'unmapped'
                                         OR status = 'ambiguous' OR status = 'ignored'
                                         OR status = 'failed'),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    pushed_hash  TEXT,
    reason       TEXT,
    candidates   TEXT    NOT NULL DEFAULT '[]',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (flow, tenant, kind, source_id)
) STRICT;
INSERT INTO links_v11 (flow, tenant, kind, source_id, target_id, method, status, attempts,
                       pushed_hash, reason, candidates, created_at, updated_at)
    SELECT flow, tenant, kind, source_id, target_id, method, status, attempts, pushed_hash,
           reason, candidates, created_at, updated_at
    FROM links;
DROP TABLE links;
ALTER TABLE links_v11 RENAME TO links;
CREATE INDEX links_by_status ON links (flow, status, tenant, kind, source_id);
CREATE INDEX links_by_target ON links (flow, target_id);
"#;

const V1_INITIAL: &str = r#"
-- One execution of a flow. Ids only grow (AUTOINCREMENT never reuses one), which the
-- records' seen marks rely on: a record with last_seen_run < R was not seen by run R.
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    flow         TEXT    NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('full', 'incremental', 'single')),
    dry_run      INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial',
                                                     'needs-approval', 'interrupted')),
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    read         INTEGER NOT NULL DEFAULT 0 CHECK (read >= 0),
    created      INTEGER NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated      INTEGER NOT NULL DEFAULT 0 CHECK (updated >= 0),
    deactivated  INTEGER NOT NULL DEFAULT 0 CHECK (deactivated >= 0),
    reactivated  INTEGER NOT NULL DEFAULT 0 CHECK (reactivated >= 0),
    unchanged    INTEGER NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    skipped      INTEGER NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    invalid      INTEGER NOT NULL DEFAULT 0 CHECK (invalid >= 0),
    error        TEXT
) STRICT;
CREATE INDEX runs_by_flow ON runs (flow, id);

-- Hub records, keyed by the source tenant and the source's id.
CREATE TABLE records (
    tenant          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    source_id       TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'deactivated')),
    source_active   INTEGER NOT NULL CHECK (source_active IN (0, 1)),
    first_seen_run  INTEGER NOT NULL REFERENCES runs (id),
    last_seen_run   INTEGER NOT NULL REFERENCES runs (id),
    updated_run     INTEGER NOT NULL REFERENCES runs (id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (tenant, kind, source_id)
) STRICT;
-- Serves status filters and counts; it leaves last_seen_run out so that the per-page seen
-- marks never touch it.
CREATE INDEX records_by_status ON records (tenant, kind, status);

-- Where each (flow, kind) read stands.
CREATE TABLE cursors (
    flow         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    watermark    TEXT,
    page_cursor  TEXT,
    run          INTEGER REFERENCES runs (id),
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (flow, kind)
) STRICT;

-- The provisioning log: every action and skip, with its reason. Append-only.
CREATE TABLE provisioning_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run        INTEGER NOT NULL REFERENCES runs (id),
    at         TEXT    NOT NULL,
    flow       TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    source_id  TEXT,
    display    TEXT,
    action     TEXT    NOT NULL CHECK (action IN ('create', 'update', 'deactivate', 'reactivate',
                                                  'skip', 'invalid', 'error')),
    reason     TEXT,
    changes    TEXT    NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX provisioning_log_by_run ON provisioning_log (run, id);
CREATE INDEX provisioning_log_by_source_id ON provisioning_log (source_id, id);

CREATE TRIGGER provisioning_log_no_update BEFORE UPDATE ON provisioning_log
BEGIN
    SELECT RAISE(ABORT, 'the provisioning log is append-only: rows cannot be updated');
END;
CREATE TRIGGER provisioning_log_no_delete BEFORE DELETE ON provisioning_log
BEGIN
    SELECT RAISE(ABORT, 'the provisioning log is append-only: rows cannot be deleted');
END;
"#;

const V3_FLOW_STATE: &str = r#"
-- Each flow's schedule and health (store::schedule). One row per flow the scheduler ran or an
-- operator resumed; a flow without a row is due now, with a full reconciliation.
CREATE TABLE flow_state (
    flow                  TEXT    PRIMARY KEY,
    next_run_at           TEXT    NOT NULL,
    next_full_at          TEXT    NOT NULL,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    health                TEXT    NOT NULL CHECK (health IN ('ok', 'retrying', 'quarantined',
                                                             'needs-approval')),
    reason                TEXT,
    last_run              INTEGER REFERENCES runs (id),
    updated_at            TEXT    NOT NULL
) STRICT;
"#;

const V5_ACCOUNT_LOG_INDEXES: &str = r#"
-- The merged log (store::log) reads an account's entries by source id alone (an operator asks
-- about user 42 without naming the store or tenant) and a run's entries by run, newest first.
CREATE INDEX account_log_by_source_id ON account_log (source_id, id);
CREATE INDEX account_log_by_run ON account_log (run, id);
"#;

const V6_ENGINE_DEFECTS: &str = r#"
-- records.last_seen_run is from now on set only when a record is written, as updated_run:
-- marking every unchanged record seen cost an UPDATE per record and run, and nothing read
-- it. (SQLite cannot drop a column that holds a foreign key.)
-- One approval covers a whole run: the records it deactivates and what its rule family
-- deactivates at its target (store::approvals).
ALTER TABLE approvals ADD COLUMN target_deactivations INTEGER NOT NULL DEFAULT 0
    CHECK (target_deactivations >= 0);
-- How many records the last complete full read of (flow, kind) returned: the base of the
-- shrink guard (store::cursors). NULL until such a read.
ALTER TABLE cursors ADD COLUMN full_count INTEGER CHECK (full_count >= 0);
-- A flow paused by an operator (store::schedule): since when and why; NULL while it runs.
ALTER TABLE flow_state ADD COLUMN paused_at TEXT;
ALTER TABLE flow_state ADD COLUMN paused_reason TEXT;
-- Every field a flow may require of a WFM account can be filled by mass update (rule W6).
ALTER TABLE accounts ADD COLUMN security_profile_id TEXT;
ALTER TABLE accounts ADD COLUMN primary_phone TEXT;
ALTER TABLE accounts ADD COLUMN site_id TEXT;
-- Each flow's history of pauses and resumptions, with the reasons. Append-only.
CREATE TABLE flow_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    flow    TEXT NOT NULL,
    at      TEXT NOT NULL,
    event   TEXT NOT NULL CHECK (event IN ('paused', 'resumed')),
    reason  TEXT
) STRICT;
CREATE INDEX flow_events_by_flow ON flow_events (flow, id);
CREATE TRIGGER flow_events_no_update BEFORE UPDATE ON flow_events
BEGIN
    SELECT RAISE(ABORT, 'flow events are append-only: rows cannot be updated');
END;
CREATE TRIGGER flow_events_no_delete BEFORE DELETE ON flow_events
BEGIN
    SELECT RAISE(ABORT, 'flow events are append-only: rows cannot be deleted');
END;
"#;

/// The schema version of an open database (0 for a new, empty one).
pub(crate) fn version(conn: &Connection, location: &str) -> Result<u32> {
    let raw: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|source| StoreError::Open {
            location: location.to_owned(),
            source,
        })?;
    u32::try_from(raw).map_err(|_| StoreError::NotAStore {
        location: location.to_owned(),
        detail: format!("its schema version {raw} is not one ccsync ever wrote"),
    })
}

/// Brings the database up to [`LATEST_VERSION`], refusing a database that is not a ccsync
/// store or is newer than this code.
pub(crate) fn migrate(conn: &mut Connection, location: &str) -> Result<()> {
    let open_err = |source| StoreError::Open {
        location: location.to_owned(),
        source,
    };
    // One read transaction: a consistent snapshot, so a store another process is creating
    // this very moment is seen either before its first migration or after it, never between.
    let snapshot = conn.transaction().map_err(open_err)?;
    let app_id: i32 = snapshot
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(open_err)?;
    let current = version(&snapshot, location)?;
    let objects: i64 = snapshot
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(open_err)?;
    snapshot.finish().map_err(open_err)?;
    if app_id == 0 {
        if current != 0 || objects != 0 {
            return Err(StoreError::NotAStore {
                location: location.to_owned(),
                detail: "the database already holds tables but carries no ccsync mark".into(),
            });
        }
    } else if app_id != APPLICATION_ID {
        return Err(StoreError::NotAStore {
            location: location.to_owned(),
            detail: format!("its application id is {app_id:#x}, not ccsync's"),
        });
    }
    if current > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            location: location.to_owned(),
            found: current,
            known: LATEST_VERSION,
        });
    }
    for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let migration_err = |source| StoreError::Migration {
            location: location.to_owned(),
            version,
            source,
        };
        // IMMEDIATE: two processes opening a fresh store at once serialise here instead of
        // failing on a lock upgrade; the loser then finds the work done.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migration_err)?;
        let now: u32 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(migration_err)?;
        if now >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(migration_err)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(migration_err)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(migration_err)?;
        tx.commit().map_err(migration_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v11_rebuilds_the_account_log_and_links_with_their_rows_and_the_same_checks() {
        let mut conn = Connection::open_in_memory().unwrap();
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v < 11) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", version).unwrap();
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO account_log (id, at, store, tenant, source_id, action, origin)
                 VALUES (41, 't', 'wfm', 'acme', '7', 'skip', 'mass-update');
             INSERT INTO links (flow, tenant, kind, source_id, method, status, created_at,
                                updated_at)
                 VALUES ('map', 'acme', 'user', '7', 'email', 'ambiguous', 't', 't');",
        )
        .unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let kept: (i64, String) = conn
            .query_row("SELECT id, action FROM account_log", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(kept, (41, "skip".to_owned()));
        let status: String = conn
            .query_row("SELECT status FROM links", [], |r| r.get(0))
            .unwrap();
        assert_eq!(status, "ambiguous");
        // Ids go on after the kept ones; the checks refuse what they refused.
        conn.execute(
            "INSERT INTO account_log (at, store, tenant, source_id, action, origin)
             VALUES ('t', 'wfm', 'acme', '8', 'create', 'sync')",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 42);
        for bad in [
            "INSERT INTO account_log (at, store, tenant, source_id, action, origin)
             VALUES ('t', 'wfm', 'acme', '9', 'invalid', 'sync')",
            "INSERT INTO account_log (at, store, tenant, source_id, action, origin)
             VALUES ('t', 'wfm', 'acme', '9', 'skip', 'nobody')",
            "INSERT INTO links (flow, tenant, kind, source_id, status, created_at, updated_at)
             VALUES ('map', 'acme', 'user', '9', 'lost', 't', 't')",
            "UPDATE account_log SET reason = 'x'",
        ] {
            assert!(conn.execute(bad, []).is_err(), "{bad}");
        }
    }

    #[test]
    fn migration_versions_start_at_one_and_increase_by_one() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, i + 1);
        }
    }
}
