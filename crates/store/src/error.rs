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
        /// The database file as named when opening, or `:memory:`.
        location: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// The file is an SQLite database, but not one ccsync made.
    #[error("{location} is not a ccsync store: {detail}")]
    NotAStore {
        /// The database file as named when opening, or `:memory:`.
        location: String,
        /// What shows it is not a ccsync store (for example a foreign application id).
        detail: String,
    },

    /// The database was migrated by a newer ccsync; this one refuses to touch it.
    #[error(
        "the store {location} has schema version {found}, but this ccsync knows versions up to \
         {known}: upgrade ccsync to open it (a store is never downgraded)"
    )]
    SchemaTooNew {
        /// The database file as named when opening, or `:memory:`.
        location: String,
        /// The schema version the store has.
        found: u32,
        /// The newest schema version this ccsync knows.
        known: u32,
    },

    /// A migration failed; the store stays at the version before it.
    #[error("migrating the store {location} to schema version {version} failed: {source}")]
    Migration {
        /// The database file as named when opening, or `:memory:`.
        location: String,
        /// The schema version the failed migration leads to.
        version: u32,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A statement failed.
    #[error("{op} ({key}): {source}")]
    Sql {
        /// The store operation that failed (the method's name, for example `commit_page`).
        op: &'static str,
        /// What the operation was working on (for example `run 12, flow wfm`).
        key: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A stored value does not decode (a row written by something other than this store).
    #[error("{op}: {table} row ({key}) column `{column}` is corrupt: {detail}")]
    Corrupt {
        /// The store operation that read the row.
        op: &'static str,
        /// The table the row is in.
        table: &'static str,
        /// The row's key (for example `tenant=acme, kind=user, id=7`).
        key: String,
        /// The column whose value does not decode.
        column: &'static str,
        /// Why the value does not decode.
        detail: String,
    },

    /// A value could not be encoded for storage.
    #[error("{op} ({key}): cannot encode {what} as JSON: {source}")]
    Encode {
        /// The store operation that failed.
        op: &'static str,
        /// What the operation was working on.
        key: String,
        /// The value that could not be encoded (for example `the overrides`).
        what: &'static str,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },

    /// The run does not exist.
    #[error("{op}: run {run} does not exist")]
    UnknownRun {
        /// The store operation that named the run.
        op: &'static str,
        /// The run id given.
        run: RunId,
    },

    /// The run already finished (or was marked interrupted): nothing more may be written to it.
    #[error("{op}: run {run} is {status}, not running")]
    RunNotRunning {
        /// The store operation that tried to write to the run.
        op: &'static str,
        /// The run the operation named.
        run: RunId,
        /// The status the run has instead (a final one, `interrupted` included).
        status: RunStatus,
    },

    /// A dry run writes nothing but its run row.
    #[error("commit_page: run {run} is a dry run, and a dry run writes nothing")]
    DryRun {
        /// The dry run.
        run: RunId,
    },

    /// The caller's input is inconsistent (a programming error in the caller, reported
    /// instead of stored).
    #[error("{op} ({key}): {detail}")]
    InvalidInput {
        /// The store operation that refused the input.
        op: &'static str,
        /// What the operation was working on.
        key: String,
        /// What is inconsistent.
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
