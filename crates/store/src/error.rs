//! The store's error type.
//!
//! Every failure names the operation that failed and the key it was working on, so an
//! operator reading "commit_page (run 12, flow wfm, tenant acme, kind user): UNIQUE constraint
//! failed" knows where to look without a debugger.

use crate::runs::{RunId, RunStatus};

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or configured.
    #[error("cannot open the store {location}: {source}")]
    Open {
        location: String,
        #[source]
        source: rusqlite::Error,
    },

    /// The file is an SQLite database, but not one ccsync made.
    #[error("{location} is not a ccsync store: {detail}")]
    NotAStore { location: String, detail: String },

    /// The database was migrated by a newer ccsync; this one refuses to touch it.
    #[error(
        "the store {location} has schema version {found}, but this ccsync knows versions up to \
         {known}: upgrade ccsync to open it (a store is never downgraded)"
    )]
    SchemaTooNew {
        location: String,
        found: u32,
        known: u32,
    },

    /// A migration failed; the store stays at the version before it.
    #[error("migrating the store {location} to schema version {version} failed: {source}")]
    Migration {
        location: String,
        version: u32,
        #[source]
        source: rusqlite::Error,
    },

    /// A statement failed.
    #[error("{op} ({key}): {source}")]
    Sql {
        op: &'static str,
        key: String,
        #[source]
        source: rusqlite::Error,
    },

    /// A stored value does not decode (a row written by something other than this store).
    #[error("{op}: {table} row ({key}) column `{column}` is corrupt: {detail}")]
    Corrupt {
        op: &'static str,
        table: &'static str,
        key: String,
        column: &'static str,
        detail: String,
    },

    /// A value could not be encoded for storage.
    #[error("{op} ({key}): cannot encode {what} as JSON: {source}")]
    Encode {
        op: &'static str,
        key: String,
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// The run does not exist.
    #[error("{op}: run {run} does not exist")]
    UnknownRun { op: &'static str, run: RunId },

    /// The run already finished (or was marked interrupted): nothing more may be written to it.
    #[error("{op}: run {run} is {status}, not running")]
    RunNotRunning {
        op: &'static str,
        run: RunId,
        status: RunStatus,
    },

    /// A dry run writes nothing but its run row.
    #[error("commit_page: run {run} is a dry run, and a dry run writes nothing")]
    DryRun { run: RunId },

    /// The caller's input is inconsistent (a programming error in the caller, reported
    /// instead of stored).
    #[error("{op} ({key}): {detail}")]
    InvalidInput {
        op: &'static str,
        key: String,
        detail: String,
    },
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Attaches the operation and key to a rusqlite failure. The key is built only on failure.
pub(crate) trait SqlContext<T> {
    fn ctx(self, op: &'static str, key: impl FnOnce() -> String) -> Result<T>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn ctx(self, op: &'static str, key: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StoreError::Sql {
            op,
            key: key(),
            source,
        })
    }
}
