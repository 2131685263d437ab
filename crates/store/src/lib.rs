//! The hub store: everything ccsync keeps between runs, in one SQLite database.
//!
//! [`Store`] owns one connection and exposes a narrow interface organised by concern, one
//! module each: [`runs`], [`records`], [`cursors`], [`log`] (the provisioning log),
//! [`schedule`] (each flow's next run and health), and
//! [`page`], the single write path that commits one page of a run atomically, and the
//! per-connection staging area a run reads into before it plans, and [`view`], which walks a
//! tenant's records as stored or as the staged read would leave them. The schema lives
//! in [`migrations`]. The SQL is deliberately plain so that a PostgreSQL backend can mirror
//! each statement when several hosts share one database.
//!
//! A `Store` is `Send` but not `Sync`: give each thread (or blocking task) its own, or guard
//! one with a mutex. SQLite in WAL mode lets readers run beside one writer; writers queue on
//! the busy timeout.

#![warn(missing_docs)]

pub mod accounts;
pub mod approvals;
pub mod cursors;
pub mod directories;
pub mod error;
pub mod links;
pub mod log;
pub mod migrations;
pub mod page;
pub mod projections;
pub mod records;
pub mod runs;
pub mod schedule;
pub mod selections;
mod staged_commit;
mod staging;
pub mod view;
pub mod wfo;

mod codec;
#[cfg(test)]
mod testing;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use accounts::{
    Account, AccountChange, AccountContext, AccountField, AccountFields, AccountFilter,
    AccountLogEntry, AccountLogFilter, AccountOrigin, AccountStatus,
};
pub use approvals::{Approval, Deactivations};
pub use codec::UnknownName;
pub use cursors::{Cursor, CursorUpdate};
pub use directories::DirectoryRead;
pub use error::{Result, StoreError};
pub use links::{
    Link, LinkAction, LinkChange, LinkContext, LinkFilter, LinkLogEntry, LinkMethod, LinkOrigin,
    LinkStatus,
};
pub use log::{
    Activity, ActivityFilter, ActivityScope, ActivitySubject, FieldChange, LogAction, LogEntry,
    LogFilter, NewLogEntry,
};
pub use page::{AccountBatch, AccountChanges, PageBatch, PageCommit};
pub use projections::ProjectionMark;
pub use records::{RecordFilter, RecordStatus, RecordWrite, StoredRecord};
pub use runs::{Run, RunCounts, RunId, RunMode, RunStatus};
pub use schedule::{FlowEvent, FlowHealth, FlowOutcome, FlowState, Pause};
pub use selections::SelectionSummary;
pub use staged_commit::StagedCommit;
pub use staging::{StagedChange, StagedRecord};
pub use view::{RecordState, RecordView};
pub use wfo::{Deactivator, WfoAccount, WfoChange};

/// How long a statement waits for another connection's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page size of a new store's database file, in bytes.
const PAGE_SIZE: i64 = 16 * 1024;

/// How much the write-ahead log holds before a commit checkpoints it, in bytes.
const WAL_CHECKPOINT_BYTES: i64 = 32 * 1024 * 1024;

/// Prepared statements kept per connection: every statement of the write path and the common
/// queries, with room for the filter variants.
const STATEMENT_CACHE: usize = 64;

/// The page cache of a [`Store::reader`], in KiB.
const READER_CACHE_KIB: i64 = 1024;

/// Switches a new database to WAL. The switch takes a lock that does not wait on the busy
/// handler, so two processes opening a fresh store at once (a daemon and a status command)
/// would see "database is locked": retry for as long as the busy timeout allows.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    const PAUSE: Duration = Duration::from_millis(25);
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(PAUSE);
            }
            result => return result,
        }
    }
}

/// The hub's SQLite store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The read the staging area holds, once a read has begun.
    staging: Option<staging::Staging>,
}

/// Rows inserted, updated or deleted in the database file, per table, since
/// [`Store::watch_row_changes`]: how a benchmark proves that an unchanged re-sync writes
/// nothing but its own bookkeeping. The staging area (a TEMP table) is not counted.
#[derive(Debug, Clone, Default)]
pub struct RowChanges(std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>>);

impl RowChanges {
    /// The counts so far, by table.
    pub fn by_table(&self) -> std::collections::BTreeMap<String, u64> {
        match self.0.lock() {
            Ok(counts) => counts.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Store {
    /// Starts counting the rows changed through this store, per table of the database file;
    /// a second call starts a new count. (SQLite's update hook: it sees rowid tables, which
    /// every table of the schema is.)
    pub fn watch_row_changes(&mut self) -> Result<RowChanges> {
        use error::SqlContext;
        let changes = RowChanges::default();
        let counts = changes.clone();
        self.conn
            .update_hook(Some(
                move |_: rusqlite::hooks::Action, db: &str, table: &str, _: i64| {
                    if db == "main"
                        && let Ok(mut counts) = counts.0.lock()
                    {
                        *counts.entry(table.to_owned()).or_default() += 1;
                    }
                },
            ))
            .ctx("watch_row_changes", String::new)?;
        Ok(changes)
    }

    /// Opens (creating if needed) the store at `path` and migrates it to the latest schema.
    ///
    /// Refuses a database that is not a ccsync store or whose schema is newer than this code.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let location = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            location: location.clone(),
            source,
        })?;
        Self::setup(conn, &location)
    }

    /// A fresh store in memory, for tests and dry runs that must not touch disk.
    pub fn open_in_memory() -> Result<Self> {
        let location = ":memory:";
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            location: location.into(),
            source,
        })?;
        Self::setup(conn, location)
    }

    fn setup(mut conn: Connection, location: &str) -> Result<Self> {
        let open_err = |source| StoreError::Open {
            location: location.to_owned(),
            source,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Only a new database takes it (an existing one keeps the page size it was made with;
        // so does every store in WAL mode). A sync appends rows of about 1 KiB (a record's
        // JSON, its log entry) to B-trees that only grow: with 16 KiB pages a first sync of
        // 100k users committed its records 25% faster than with SQLite's 4 KiB, and wrote
        // fewer, fuller pages to the log (`ccsync bench`, the WAL checkpointed at the same
        // size in bytes).
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(open_err)?;
        // WAL: readers never block the writer. NORMAL: a commit is durable once the WAL is
        // checkpointed; a power cut may lose the last commits but never corrupts the file,
        // and every page commit stays atomic.
        // A store already in WAL mode (every store after its first open) skips the switch.
        let mut mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            mode = switch_to_wal(&conn).map_err(open_err)?;
        }
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::NotAStore {
                location: location.to_owned(),
                detail: format!("it cannot use write-ahead logging (journal mode is `{mode}`)"),
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        // A run reads a tenant's records by key in chunks, and writes them back with their
        // log: with SQLite's default 2 MiB page cache every chunk re-read its B-tree pages
        // from the OS (`readDbPage` led the profile of a 100k-user sync). 32 MiB holds the
        // indexes of a 1M-user tenant's hot path while keeping the process small.
        conn.pragma_update(None, "cache_size", -32 * 1024)
            .map_err(open_err)?;
        // A checkpoint syncs the WAL and the database file (synchronous = NORMAL). At the
        // default of 1,000 pages a run's page commit of 1,000 records with their log crossed
        // it nearly every time, so every commit paid two fsyncs; 32 MiB of WAL checkpoint a
        // few times per 100k records instead. Counted in the store's own pages.
        let page_size: i64 = conn
            .pragma_query_value(None, "page_size", |row| row.get(0))
            .map_err(open_err)?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            WAL_CHECKPOINT_BYTES / page_size.max(512),
        )
        .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrations::migrate(&mut conn, location)?;
        Ok(Self {
            conn,
            staging: None,
        })
    }

    /// A second connection to this store's database file, read-only, for a thread that reads
    /// while this connection writes (a family's projection decides the next chunk of users
    /// while this connection commits the last). `None` for a store in memory, which no other
    /// connection sees.
    ///
    /// It reads what this connection has committed, never what it has staged (the staging
    /// area is this connection's own TEMP table). Its page cache is small: it walks a table in
    /// key order, and the process stays within its memory bound.
    pub fn reader(&self) -> Result<Option<Store>> {
        let Some(path) = self.conn.path().filter(|path| !path.is_empty()) else {
            return Ok(None);
        };
        let open_err = |source| StoreError::Open {
            location: path.to_owned(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Some(Self {
            conn,
            staging: None,
        }))
    }

    /// The schema version of the open store (always [`migrations::LATEST_VERSION`] after a
    /// successful open).
    pub fn schema_version(&self) -> Result<u32> {
        migrations::version(&self.conn, "the open store")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::LATEST_VERSION;
    use ccsync_model::Kind;

    #[test]
    fn a_reader_sees_what_the_store_committed_writes_nothing_and_a_store_in_memory_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("ccsync.db")).unwrap();
        let run = store
            .start_run(testing::FLOW, RunMode::Full, false)
            .unwrap();
        let reader = store
            .reader()
            .unwrap()
            .expect("a store on disk has a reader");
        assert!(
            reader
                .record(testing::TENANT, Kind::User, "1")
                .unwrap()
                .is_none()
        );
        store
            .commit_page(&testing::create_page(run, &["1"]))
            .unwrap();
        assert!(
            reader
                .record(testing::TENANT, Kind::User, "1")
                .unwrap()
                .is_some()
        );
        let refused = reader.conn.execute("DELETE FROM records", []);
        assert!(refused.is_err(), "a reader wrote: {refused:?}");
        assert!(
            store
                .record(testing::TENANT, Kind::User, "1")
                .unwrap()
                .is_some()
        );
        let (memory, _) = testing::store_with_run();
        assert!(memory.reader().unwrap().is_none());
    }

    #[test]
    fn row_changes_are_counted_per_table_of_the_database_file_and_not_for_staging() {
        let (mut store, run) = testing::store_with_run();
        let changes = store.watch_row_changes().unwrap();
        store.stage_begin(testing::TENANT).unwrap();
        testing::stage_read(&mut store, Kind::User, &[testing::user("9", "u9")]).unwrap();
        assert!(changes.by_table().is_empty(), "{:?}", changes.by_table());
        store
            .commit_page(&testing::create_page(run, &["1", "2"]))
            .unwrap();
        let counts = changes.by_table();
        assert_eq!(counts.get("records"), Some(&2), "{counts:?}");
        assert_eq!(counts.get("provisioning_log"), Some(&2), "{counts:?}");
    }

    #[test]
    fn a_new_store_is_migrated_to_the_latest_version_and_reopens_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let run = {
            let mut store = Store::open(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
            store.start_run("wfm", RunMode::Full, false).unwrap()
        };
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
        assert_eq!(store.run(run).unwrap().unwrap().flow, "wfm");
        let journal: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        let fk: bool = store
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(fk);
    }

    #[test]
    fn a_new_store_has_16_kib_pages_and_an_older_store_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let pragma = |store: &Store, name: &str| -> i64 {
            store
                .conn
                .pragma_query_value(None, name, |r| r.get(0))
                .unwrap()
        };
        let new = Store::open(dir.path().join("new.db")).unwrap();
        assert_eq!(pragma(&new, "page_size"), PAGE_SIZE);
        assert_eq!(
            pragma(&new, "wal_autocheckpoint"),
            2048,
            "32 MiB of 16 KiB pages"
        );

        let old_path = dir.path().join("old.db");
        let old = Connection::open(&old_path).unwrap();
        old.pragma_update(None, "page_size", 4096).unwrap();
        old.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        drop(old);
        let mut old = Store::open(&old_path).unwrap();
        old.start_run("wfm", RunMode::Full, false).unwrap();
        assert_eq!(pragma(&old, "page_size"), 4096);
        assert_eq!(
            pragma(&old, "wal_autocheckpoint"),
            8192,
            "32 MiB of 4 KiB pages"
        );
    }

    #[test]
    fn a_store_with_a_newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        drop(Store::open(&path).unwrap());
        let newer = LATEST_VERSION + 1;
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", newer)
            .unwrap();

        let err = Store::open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found, known, .. }
                if found == newer && known == LATEST_VERSION),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade ccsync"), "{err}");
        let version: u32 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, newer);
    }

    #[test]
    fn a_database_of_another_program_is_refused_not_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE notes (body TEXT)")
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        let tables: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
    }
}
