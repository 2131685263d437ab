//! Where each derivation from the hub records stands: what a rule family last projected.
//!
//! A family that derives objects from a tenant's records (the WFM and WFO accounts) used to
//! walk the whole tenant on every run, because a team's or a profile's change moves none of
//! its users' records. That made an incremental run of 100 changed users cost as much as a
//! walk of the whole tenant. Instead, every page commit that writes records takes the next
//! number of one store-wide sequence and stamps it on the records it writes
//! (`records.changed_seq`), and a family remembers, per target store and tenant, the sequence
//! it had projected through and a fingerprint of the settings it projected with. The next run
//! projects only the records stamped after that, unless the fingerprint differs (the flow's
//! settings or the family's rules changed) or a record the projection reads whole (a team, a
//! security profile) changed: then it walks the tenant whole, as before.
//!
//! The mark moves only after the projection's last write, so a crash at any instant leaves it
//! where it was and the next run projects again everything since (the decisions are
//! idempotent). The sequence is taken under the write lock, so it follows the commit order even
//! when two flows' runs commit at once, which run ids (taken when a run starts) do not.

use ccsync_model::Kind;
use rusqlite::{Connection, OptionalExtension, params};

use crate::Store;
use crate::codec::now_text;
use crate::error::{Result, SqlContext};
use crate::runs::RunId;

pub(crate) const MIGRATION: &str = r#"
-- One store-wide sequence of record changes: each page commit that writes records takes the
-- next number and stamps it on them (store::projections).
CREATE TABLE change_seq (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0)
) STRICT;
INSERT INTO change_seq (id, seq) VALUES (1, 0);
-- Records written before this migration carry 0: every projection walks whole once, since
-- no projection mark exists yet.
ALTER TABLE records ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0 CHECK (changed_seq >= 0);
CREATE INDEX records_by_change ON records (tenant, kind, changed_seq);
-- The status index also holds the source id, so a full read's walk over a tenant's active
-- records (to find those it did not return) reads the index alone, in key order.
DROP INDEX records_by_status;
CREATE INDEX records_by_status ON records (tenant, kind, status, source_id);
-- How far each family's projection of a tenant into a target store has got, and with which
-- settings.
CREATE TABLE projections (
    family       TEXT    NOT NULL,
    store        TEXT    NOT NULL,
    tenant       TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    through_seq  INTEGER NOT NULL CHECK (through_seq >= 0),
    run          INTEGER REFERENCES runs (id),
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (family, store, tenant)
) STRICT;
"#;

/// Where one family's projection of one tenant into one target store stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionMark {
    /// The settings the projection last ran with, as the family fingerprints them.
    pub fingerprint: String,
    /// Every record change up to this sequence number has been projected.
    pub through_seq: u64,
}

impl Store {
    /// The store-wide record change sequence now: a projection that starts here has seen
    /// every change up to it.
    pub fn change_seq(&self) -> Result<u64> {
        const OP: &str = "change_seq";
        self.conn
            .prepare_cached("SELECT seq FROM change_seq WHERE id = 1")
            .ctx(OP, String::new)?
            .query_row([], |row| row.get(0))
            .ctx(OP, String::new)
    }

    /// Where `family`'s projection of `tenant` into `store` stands, if it ever completed.
    pub fn projection_mark(
        &self,
        family: &str,
        store: &str,
        tenant: &str,
    ) -> Result<Option<ProjectionMark>> {
        const OP: &str = "projection_mark";
        let key = || format!("family {family}, store {store}, tenant {tenant}");
        self.conn
            .prepare_cached(
                "SELECT fingerprint, through_seq FROM projections
                 WHERE family = ?1 AND store = ?2 AND tenant = ?3",
            )
            .ctx(OP, key)?
            .query_row(params![family, store, tenant], |row| {
                Ok(ProjectionMark {
                    fingerprint: row.get(0)?,
                    through_seq: row.get(1)?,
                })
            })
            .optional()
            .ctx(OP, key)
    }

    /// Records that `family`'s projection of `tenant` into `store` by `run` has projected
    /// every record change up to `mark.through_seq` with the settings `mark.fingerprint`.
    pub fn set_projection_mark(
        &mut self,
        family: &str,
        store: &str,
        tenant: &str,
        mark: &ProjectionMark,
        run: RunId,
    ) -> Result<()> {
        const OP: &str = "set_projection_mark";
        let key = || format!("family {family}, store {store}, tenant {tenant}");
        self.conn
            .prepare_cached(
                "INSERT INTO projections (family, store, tenant, fingerprint, through_seq, run,
                     updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (family, store, tenant) DO UPDATE SET
                     fingerprint = excluded.fingerprint,
                     through_seq = excluded.through_seq,
                     run = excluded.run,
                     updated_at = excluded.updated_at",
            )
            .ctx(OP, key)?
            .execute(params![
                family,
                store,
                tenant,
                mark.fingerprint,
                mark.through_seq,
                run,
                now_text()
            ])
            .ctx(OP, key)?;
        Ok(())
    }

    /// How many records of one tenant and kind changed after sequence number `seq`.
    pub fn count_changed_since(&self, tenant: &str, kind: Kind, seq: u64) -> Result<u64> {
        const OP: &str = "count_changed_since";
        let key = || format!("tenant {tenant}, kind {kind}, after seq {seq}");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND changed_seq > ?3",
            )
            .ctx(OP, key)?
            .query_row(params![tenant, kind.as_str(), seq], |row| row.get(0))
            .ctx(OP, key)
    }

    /// The source ids of the records of one tenant and kind that changed after sequence
    /// number `seq`, unordered. Served by an index, so it costs what changed, not the tenant.
    pub fn ids_changed_since(&self, tenant: &str, kind: Kind, seq: u64) -> Result<Vec<String>> {
        const OP: &str = "ids_changed_since";
        let key = || format!("tenant {tenant}, kind {kind}, after seq {seq}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND changed_seq > ?3",
            )
            .ctx(OP, key)?;
        let ids = stmt
            .query_map(params![tenant, kind.as_str(), seq], |row| row.get(0))
            .ctx(OP, key)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .ctx(OP, key)?;
        Ok(ids)
    }
}

/// Takes the next number of the record change sequence, inside the page commit's transaction.
pub(crate) fn next_change_seq(conn: &Connection, op: &'static str) -> Result<u64> {
    conn.prepare_cached("UPDATE change_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        .ctx(op, String::new)?
        .query_row([], |row| row.get(0))
        .ctx(op, String::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TENANT, create_page, store_with_run};

    #[test]
    fn each_commit_that_writes_records_stamps_them_with_the_next_sequence_number() {
        let (mut store, run) = store_with_run();
        assert_eq!(store.change_seq().unwrap(), 0);
        store.commit_page(&create_page(run, &["1", "2"])).unwrap();
        let first = store.change_seq().unwrap();
        store.commit_page(&create_page(run, &["3"])).unwrap();
        assert_eq!(store.change_seq().unwrap(), first + 1);
        let mut since_first = store.ids_changed_since(TENANT, Kind::User, first).unwrap();
        since_first.sort();
        assert_eq!(since_first, ["3"]);
        assert_eq!(store.count_changed_since(TENANT, Kind::User, 0).unwrap(), 3);
        assert_eq!(store.count_changed_since(TENANT, Kind::Team, 0).unwrap(), 0);
        // A commit without record writes takes no number.
        let mut empty = create_page(run, &[]);
        empty.log.clear();
        store.commit_page(&empty).unwrap();
        assert_eq!(store.change_seq().unwrap(), first + 1);
    }

    #[test]
    fn a_projection_mark_is_kept_per_family_store_and_tenant() {
        let (mut store, run) = store_with_run();
        assert_eq!(store.projection_mark("wfm", "wfm", TENANT).unwrap(), None);
        let mark = ProjectionMark {
            fingerprint: "v1".into(),
            through_seq: 7,
        };
        store
            .set_projection_mark("wfm", "wfm", TENANT, &mark, run)
            .unwrap();
        assert_eq!(
            store.projection_mark("wfm", "wfm", TENANT).unwrap(),
            Some(mark.clone())
        );
        assert_eq!(store.projection_mark("wfo", "wfm", TENANT).unwrap(), None);
        let moved = ProjectionMark {
            fingerprint: "v2".into(),
            through_seq: 9,
        };
        store
            .set_projection_mark("wfm", "wfm", TENANT, &moved, run)
            .unwrap();
        assert_eq!(
            store.projection_mark("wfm", "wfm", TENANT).unwrap(),
            Some(moved)
        );
    }
}
