//! What a mapping flow last learned of its target's directory as a whole: when it last read
//! it in full, how many users it held and how many requests that took. The mapping family
//! weighs that cost against looking up only the users it must (directories ration their
//! requests per minute), so the figures outlive the run that measured them.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::Store;
use crate::codec::{RowReader, now_text};
use crate::error::{Result, SqlContext};

/// Migration 8: the directory reads.
pub(crate) const MIGRATION: &str = r#"
-- The last full read of a mapping flow's target directory (store::directories).
CREATE TABLE directory_reads (
    flow      TEXT    PRIMARY KEY,
    read_at   TEXT    NOT NULL,
    users     INTEGER NOT NULL CHECK (users >= 0),
    requests  INTEGER NOT NULL CHECK (requests >= 0)
) STRICT;
"#;

/// The last full read of a flow's target directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryRead {
    /// When it ended.
    pub read_at: Timestamp,
    /// How many users the directory held.
    pub users: u64,
    /// How many read calls (pages) it took.
    pub requests: u64,
}

impl Store {
    /// The last full read of flow `flow`'s target directory, if there was one.
    pub fn directory_read(&self, flow: &str) -> Result<Option<DirectoryRead>> {
        const OP: &str = "directory_read";
        let key = || format!("flow {flow}");
        self.conn
            .prepare_cached("SELECT read_at, users, requests FROM directory_reads WHERE flow = ?1")
            .ctx(OP, key)?
            .query_row(params![flow], |row| {
                let r = RowReader::new(row, OP, "directory_reads", format!("flow={flow}"));
                Ok(r.timestamp("read_at").and_then(|read_at| {
                    Ok(DirectoryRead {
                        read_at,
                        users: r.get("users")?,
                        requests: r.get("requests")?,
                    })
                }))
            })
            .optional()
            .ctx(OP, key)?
            .transpose()
    }

    /// Records a full read of flow `flow`'s target directory that ended now.
    pub fn record_directory_read(&mut self, flow: &str, users: u64, requests: u64) -> Result<()> {
        const OP: &str = "record_directory_read";
        self.conn
            .prepare_cached(
                "INSERT INTO directory_reads (flow, read_at, users, requests)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (flow) DO UPDATE SET read_at = excluded.read_at,
                     users = excluded.users, requests = excluded.requests",
            )
            .ctx(OP, || format!("flow {flow}"))?
            .execute(params![flow, now_text(), users, requests])
            .ctx(OP, || format!("flow {flow}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn a_directory_read_is_remembered_per_flow_and_replaced_by_the_next() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.directory_read("presence").unwrap(), None);
        store.record_directory_read("presence", 2500, 3).unwrap();
        store.record_directory_read("presence", 2600, 3).unwrap();
        let read = store.directory_read("presence").unwrap().unwrap();
        assert_eq!((read.users, read.requests), (2600, 3));
        assert_eq!(store.directory_read("other").unwrap(), None);
    }
}
