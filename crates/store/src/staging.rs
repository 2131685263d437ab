//! The staging area of a read: what the source returned, held until the run has planned.
//!
//! A run reads every page into staging first, then plans against the hub records, then
//! applies. So a run that must stop for approval has changed nothing, a dry run writes
//! nothing, and the records a full read did not return are found with one anti-join instead
//! of being held in memory. Staging is a TEMP table: private to this connection, never in the
//! database file, and gone with the process — a crash leaves no half-staged read behind.

use ccsync_model::{Entity, Kind};
use rusqlite::params;

use crate::Store;
use crate::error::{Result, SqlContext, StoreError};
use crate::records::{RECORD_COLUMNS, StoredRecord, record_from_row};

impl Store {
    /// Empties the staging area (creating it on first use) for a new read of `tenant`.
    pub fn stage_begin(&mut self, tenant: &str) -> Result<()> {
        const OP: &str = "stage_begin";
        self.staged_tenant = Some(tenant.to_owned());
        self.conn
            .execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS staged (
                     kind TEXT NOT NULL,
                     source_id TEXT NOT NULL,
                     data TEXT NOT NULL,
                     PRIMARY KEY (kind, source_id)
                 ) WITHOUT ROWID;
                 DELETE FROM temp.staged;",
            )
            .ctx(OP, String::new)
    }

    /// Stages one page of a read, in one transaction. A record read twice (a source whose
    /// paging shifted) keeps its last version.
    pub fn stage(&mut self, kind: Kind, entities: &[Entity]) -> Result<()> {
        const OP: &str = "stage";
        let key = || format!("kind {kind}, {} records", entities.len());
        let tx = self.conn.transaction().ctx(OP, key)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO temp.staged (kind, source_id, data) VALUES (?1, ?2, ?3)",
                )
                .ctx(OP, key)?;
            for entity in entities {
                if entity.kind() != kind {
                    return Err(StoreError::InvalidInput {
                        op: OP,
                        key: key(),
                        detail: format!("cannot stage {} {} as {kind}", entity.kind(), entity.id()),
                    });
                }
                let data = serde_json::to_string(entity).map_err(|source| StoreError::Encode {
                    op: OP,
                    key: entity.id().to_owned(),
                    what: "staged record",
                    source,
                })?;
                insert
                    .execute(params![kind.as_str(), entity.id(), data])
                    .ctx(OP, || format!("kind {kind}, id {}", entity.id()))?;
            }
        }
        tx.commit().ctx(OP, key)
    }

    /// How many records of `kind` are staged.
    pub fn staged_count(&self, kind: Kind) -> Result<u64> {
        const OP: &str = "staged_count";
        self.conn
            .prepare_cached("SELECT count(*) FROM temp.staged WHERE kind = ?1")
            .ctx(OP, || format!("kind {kind}"))?
            .query_row(params![kind.as_str()], |row| row.get(0))
            .ctx(OP, || format!("kind {kind}"))
    }

    /// Up to `limit` staged records of `kind` after source id `after`, in source id order:
    /// how a run walks its staging area in bounded chunks.
    pub fn staged_chunk(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Entity>> {
        const OP: &str = "staged_chunk";
        let key = || format!("kind {kind}, after {after:?}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, data FROM temp.staged
                 WHERE kind = ?1 AND source_id > ?2 ORDER BY source_id LIMIT ?3",
            )
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![kind.as_str(), after.unwrap_or(""), limit as i64])
            .ctx(OP, key)?;
        let mut out = Vec::with_capacity(limit.min(4096));
        while let Some(row) = rows.next().ctx(OP, key)? {
            let id: String = row.get(0).ctx(OP, key)?;
            let data: String = row.get(1).ctx(OP, key)?;
            let entity = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt {
                op: OP,
                table: "staged",
                key: id,
                column: "data",
                detail: e.to_string(),
            })?;
            out.push(entity);
        }
        Ok(out)
    }

    /// How many staged records of one tenant and kind are inactive at the source while their
    /// hub record is active: the deactivations a read causes before any record is gone.
    pub fn staged_deactivations(&self, tenant: &str, kind: Kind) -> Result<u64> {
        const OP: &str = "staged_deactivations";
        let key = || format!("tenant {tenant}, kind {kind}");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM temp.staged s
                 JOIN records r ON r.tenant = ?1 AND r.kind = s.kind AND r.source_id = s.source_id
                 WHERE s.kind = ?2 AND r.status = 'active'
                   AND json_extract(s.data, '$.active') = 0",
            )
            .ctx(OP, key)?
            .query_row(params![tenant, kind.as_str()], |row| row.get(0))
            .ctx(OP, key)
    }

    /// How many active hub records of one tenant and kind the staged read did not return:
    /// after a complete full read, the deactivations by absence. Counted in SQL, so a tenant
    /// that lost most of its records costs no memory here.
    pub fn count_unstaged_active(&self, tenant: &str, kind: Kind) -> Result<u64> {
        const OP: &str = "count_unstaged_active";
        let key = || format!("tenant {tenant}, kind {kind}");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM records r
                 WHERE r.tenant = ?1 AND r.kind = ?2 AND r.status = 'active'
                   AND NOT EXISTS (SELECT 1 FROM temp.staged s
                                   WHERE s.kind = r.kind AND s.source_id = r.source_id)",
            )
            .ctx(OP, key)?
            .query_row(params![tenant, kind.as_str()], |row| row.get(0))
            .ctx(OP, key)
    }

    /// Up to `limit` active hub records of one tenant and kind that the staged read did not
    /// return, after source id `after`, in source id order: after a complete full read, the
    /// candidates for deactivation, a chunk at a time.
    pub fn unstaged_active(
        &self,
        tenant: &str,
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        const OP: &str = "unstaged_active";
        let key = || format!("tenant {tenant}, kind {kind}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records r
                 WHERE r.tenant = ?1 AND r.kind = ?2 AND r.status = 'active'
                   AND r.source_id > ?3
                   AND NOT EXISTS (SELECT 1 FROM temp.staged s
                                   WHERE s.kind = r.kind AND s.source_id = r.source_id)
                 ORDER BY r.source_id LIMIT ?4"
            ))
            .ctx(OP, key)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![tenant, kind.as_str(), after.unwrap_or(""), limit])
            .ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(record_from_row(row, OP)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TENANT, store_with_run, user};
    use crate::{PageBatch, RecordStatus, RecordWrite};

    #[test]
    fn staged_chunks_walk_every_record_once_in_id_order() {
        let (mut store, _) = store_with_run();
        store.stage_begin(TENANT).unwrap();
        let users: Vec<Entity> = (0..25).map(|i| user(&format!("{i:03}"), "u")).collect();
        store.stage(Kind::User, &users[..10]).unwrap();
        store.stage(Kind::User, &users[10..]).unwrap();
        // Read twice (paging shifted): still one staged record.
        store.stage(Kind::User, &users[..1]).unwrap();
        assert_eq!(store.staged_count(Kind::User).unwrap(), 25);
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let chunk = store.staged_chunk(Kind::User, after.as_deref(), 7).unwrap();
            let Some(last) = chunk.last() else { break };
            after = Some(last.id().to_owned());
            seen.extend(chunk.iter().map(|e| e.id().to_owned()));
        }
        let expected: Vec<String> = users.iter().map(|e| e.id().to_owned()).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn deactivations_by_absence_are_counted_in_sql_and_listed_a_chunk_at_a_time() {
        let (mut store, run) = store_with_run();
        let mut page = PageBatch::new(run, "wfm", "t", Kind::User);
        for (id, status) in [
            ("a", RecordStatus::Active),
            ("b", RecordStatus::Active),
            ("c", RecordStatus::Deactivated),
        ] {
            page.writes.push(RecordWrite::new(user(id, id), status));
        }
        store.commit_page(&page).unwrap();
        store.stage_begin(TENANT).unwrap();
        store.stage(Kind::User, &[user("a", "a")]).unwrap();
        assert_eq!(store.count_unstaged_active("t", Kind::User).unwrap(), 1);
        let gone: Vec<String> = store
            .unstaged_active("t", Kind::User, None, 10)
            .unwrap()
            .into_iter()
            .map(|r| r.source_id)
            .collect();
        assert_eq!(gone, ["b"], "c is already deactivated");
        // b read again, inactive at the source: one deactivation; c inactive again: none.
        let mut inactive_b = user("b", "b");
        let mut inactive_c = user("c", "c");
        for entity in [&mut inactive_b, &mut inactive_c] {
            if let Entity::User(u) = entity {
                u.active = false;
            }
        }
        store.stage(Kind::User, &[inactive_b, inactive_c]).unwrap();
        assert_eq!(store.staged_deactivations("t", Kind::User).unwrap(), 1);
        assert_eq!(store.count_unstaged_active("other", Kind::User).unwrap(), 0);
        // Chunks walk the candidates in id order.
        assert!(
            store
                .unstaged_active("t", Kind::User, Some("b"), 10)
                .unwrap()
                .is_empty()
        );
        // A new read starts from an empty staging area.
        store.stage_begin(TENANT).unwrap();
        assert_eq!(store.staged_count(Kind::User).unwrap(), 0);
    }

    #[test]
    fn staging_a_record_of_another_kind_is_refused() {
        let (mut store, _) = store_with_run();
        store.stage_begin(TENANT).unwrap();
        assert!(store.stage(Kind::Team, &[user("a", "a")]).is_err());
    }
}
