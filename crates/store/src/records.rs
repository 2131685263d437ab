//! Hub records: the last version of each source record, keyed by (tenant, kind, source id).
//!
//! A record carries its entity as JSON, the entity's content hash (so the sync engine detects
//! change by comparing hashes, never fields), its hub status, and the runs that first saw,
//! last saw and last changed it. Records are written only through [`Store::commit_page`];
//! this module holds the queries and the two write statements the page commit uses.

use std::collections::HashMap;

use ccsync_model::{Encoded, Entity, Kind};
use jiff::Timestamp;
use rusqlite::{Connection, params, params_from_iter};
use serde::Serialize;

use crate::Store;
use crate::codec::{Filters, RowReader, limit_arg, text_enum};
use crate::error::{Result, SqlContext, StoreError};
use crate::runs::RunId;

text_enum! {
    /// A record's status in the hub.
    pub enum RecordStatus ("record status") {
        /// Present and active at the source, as far as the last read knows.
        Active = "active",
        /// Gone or inactive at the source; hub records are never deleted (rule W5).
        Deactivated = "deactivated",
    }
}

/// A hub record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    /// The source tenant the record came from.
    pub tenant: String,
    /// The record's kind.
    pub kind: Kind,
    /// The record's id at the source tenant.
    pub source_id: String,
    /// The record's content as last written.
    pub entity: Entity,
    /// [`Entity::content_hash`] of `entity` when it was written.
    pub hash: String,
    /// The record's status in the hub.
    pub status: RecordStatus,
    /// Whether the source said the record is active, the last time it was written.
    pub source_active: bool,
    /// The run that first wrote the record.
    pub first_seen_run: RunId,
    /// The last run that wrote this record having read it (as `updated_run`, since migration
    /// 6 stopped marking unchanged records, which cost a write per record and run).
    pub last_seen_run: RunId,
    /// The last run that wrote this record.
    pub updated_run: RunId,
    /// When the record was first written.
    pub created_at: Timestamp,
    /// When the record was last written.
    pub updated_at: Timestamp,
}

/// A record to insert or replace within a page batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    /// The record's new content; its id is the source id and its `active()` the stored
    /// `source_active`.
    pub entity: Entity,
    /// Must be `entity.encode()`: carried so the JSON and hash the engine computed when it
    /// read the record are neither serialised nor hashed again.
    pub encoded: Encoded,
    /// The hub status to store.
    pub status: RecordStatus,
}

impl RecordWrite {
    /// A write of `entity` with the given hub status, encoding the entity.
    pub fn new(entity: Entity, status: RecordStatus) -> Self {
        let encoded = entity.encode();
        Self {
            entity,
            encoded,
            status,
        }
    }
}

/// Which records [`Store::list_records`] returns. `None` filters match everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordFilter<'a> {
    /// Only records of this source tenant.
    pub tenant: Option<&'a str>,
    /// Only records of this kind.
    pub kind: Option<Kind>,
    /// Only records with this hub status.
    pub status: Option<RecordStatus>,
    /// At most this many records; `None` for all.
    pub limit: Option<usize>,
    /// Skip this many records first (in key order).
    pub offset: usize,
}

pub(crate) const RECORD_COLUMNS: &str = "tenant, kind, source_id, data, hash, status, source_active, \
     first_seen_run, last_seen_run, updated_run, created_at, updated_at";

impl Store {
    /// The stored records among `ids` of one tenant and kind, by source id; ids with no
    /// record are absent from the map. One query, whatever the number of ids.
    pub fn records_by_ids<S: AsRef<str>>(
        &self,
        tenant: &str,
        kind: Kind,
        ids: &[S],
    ) -> Result<HashMap<String, StoredRecord>> {
        const OP: &str = "records_by_ids";
        self.by_ids(OP, (tenant, kind, ids), RECORD_COLUMNS, |row| {
            let record = record_from_row(row, OP)?;
            Ok((record.source_id.clone(), record))
        })
    }

    /// The content hash and hub status of the stored records among `ids` of one tenant and
    /// kind, by source id: what telling an unchanged record from a changed one needs,
    /// without reading and decoding the records themselves.
    pub fn hashes_by_ids<S: AsRef<str>>(
        &self,
        tenant: &str,
        kind: Kind,
        ids: &[S],
    ) -> Result<HashMap<String, (String, RecordStatus)>> {
        const OP: &str = "hashes_by_ids";
        self.by_ids(OP, (tenant, kind, ids), "source_id, hash, status", |row| {
            let source_id: String = row.get(0).ctx(OP, String::new)?;
            let r = RowReader::new(row, OP, "records", format!("source_id={source_id}"));
            let hash: String = r.get((1, "hash"))?;
            let status: RecordStatus = r.parse((2, "status"))?;
            Ok((source_id, (hash, status)))
        })
    }

    /// `columns` of the records among `ids` of one tenant and kind, each row mapped to its
    /// source id and value. json_each turns one parameter into the id list, so the statement
    /// is prepared once (PostgreSQL: `source_id = ANY($3)`); the planner probes the primary
    /// key per id.
    fn by_ids<S: AsRef<str>, T>(
        &self,
        op: &'static str,
        (tenant, kind, ids): (&str, Kind, &[S]),
        columns: &str,
        mut map: impl FnMut(&rusqlite::Row<'_>) -> Result<(String, T)>,
    ) -> Result<HashMap<String, T>> {
        let key = || format!("tenant {tenant}, kind {kind}, {} ids", ids.len());
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        // Probed in key order: consecutive probes then share their B-tree pages, which
        // matters once a tenant's records outgrow the page cache (ids read in a source's
        // numeric order are scattered over a text key).
        let mut sorted: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        sorted.sort_unstable();
        let ids_json = json_array(sorted.into_iter(), op, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {columns} FROM records
                 WHERE tenant = ?1 AND kind = ?2
                   AND source_id IN (SELECT value FROM json_each(?3))"
            ))
            .ctx(op, key)?;
        let mut rows = stmt
            .query(params![tenant, kind.as_str(), ids_json])
            .ctx(op, key)?;
        let mut out = HashMap::with_capacity(ids.len());
        while let Some(row) = rows.next().ctx(op, key)? {
            let (id, value) = map(row)?;
            out.insert(id, value);
        }
        Ok(out)
    }

    /// One stored record, if it exists.
    pub fn record(
        &self,
        tenant: &str,
        kind: Kind,
        source_id: &str,
    ) -> Result<Option<StoredRecord>> {
        const OP: &str = "record";
        let key = || format!("tenant {tenant}, kind {kind}, id {source_id}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND source_id = ?3"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![tenant, kind.as_str(), source_id])
            .ctx(OP, key)?;
        match rows.next().ctx(OP, key)? {
            Some(row) => record_from_row(row, OP).map(Some),
            None => Ok(None),
        }
    }

    /// Records matching `filter`, in (tenant, kind, source id) order.
    pub fn list_records(&self, filter: &RecordFilter<'_>) -> Result<Vec<StoredRecord>> {
        const OP: &str = "list_records";
        let key = || format!("{filter:?}");
        let kind = filter.kind.map(Kind::as_str);
        let mut filters = Filters::default();
        filters.add("tenant = ?", &filter.tenant);
        filters.add("kind = ?", &kind);
        filters.add("status = ?", &filter.status);
        let limit = limit_arg(filter.limit);
        let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
        let args = filters.args(&[&limit, &offset]);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records {}
                 ORDER BY tenant, kind, source_id LIMIT ? OFFSET ?",
                filters.clause()
            ))
            .ctx(OP, key)?;
        let mut rows = stmt.query(params_from_iter(args)).ctx(OP, key)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(record_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// How many records of one tenant and kind have `status`.
    pub fn count(&self, tenant: &str, kind: Kind, status: RecordStatus) -> Result<u64> {
        const OP: &str = "count";
        let key = || format!("tenant {tenant}, kind {kind}, status {status}");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM records WHERE tenant = ?1 AND kind = ?2 AND status = ?3",
            )
            .ctx(OP, key)?
            .query_row(params![tenant, kind.as_str(), status], |row| row.get(0))
            .ctx(OP, key)
    }
}

/// How a record write replaces an existing record: everything but its creation run and time.
pub(crate) const UPSERT_SET: &str = "ON CONFLICT (tenant, kind, source_id) DO UPDATE SET
    last_seen_run = excluded.last_seen_run,
    data = excluded.data,
    hash = excluded.hash,
    status = excluded.status,
    source_active = excluded.source_active,
    updated_run = excluded.updated_run,
    updated_at = excluded.updated_at,
    changed_seq = excluded.changed_seq";

/// The page-commit statements on records, run inside the page's transaction.
pub(crate) struct RecordWriter<'c> {
    conn: &'c Connection,
    run: RunId,
    tenant: &'c str,
    kind: &'static str,
    now: &'c str,
}

impl<'c> RecordWriter<'c> {
    pub(crate) fn new(
        conn: &'c Connection,
        run: RunId,
        tenant: &'c str,
        kind: Kind,
        now: &'c str,
    ) -> Self {
        Self {
            conn,
            run,
            tenant,
            kind: kind.as_str(),
            now,
        }
    }

    /// Inserts or replaces the records, stamping them with the commit's change sequence
    /// number `seq`. A new record is created by this run; an existing one keeps its creation
    /// run and time. Unchanged records are never passed here: an unchanged source costs no
    /// write.
    pub(crate) fn upsert(&self, writes: &[RecordWrite], seq: u64) -> Result<usize> {
        const OP: &str = "commit_page: upsert record";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO records (tenant, kind, source_id, data, hash, status, source_active,
                     first_seen_run, last_seen_run, updated_run, created_at, updated_at,
                     changed_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?9, ?9, ?10)
                 {UPSERT_SET}"
            ))
            .ctx(OP, || self.key(None))?;
        for write in writes {
            let source_id = write.entity.id();
            stmt.execute(params![
                self.tenant,
                self.kind,
                source_id,
                write.encoded.json,
                write.encoded.hash,
                write.status,
                write.entity.active(),
                self.run,
                self.now,
                seq,
            ])
            .ctx(OP, || self.key(Some(source_id)))?;
        }
        Ok(writes.len())
    }

    fn key(&self, source_id: Option<&str>) -> String {
        match source_id {
            Some(id) => format!(
                "run {}, tenant {}, kind {}, id {id}",
                self.run, self.tenant, self.kind
            ),
            None => format!(
                "run {}, tenant {}, kind {}",
                self.run, self.tenant, self.kind
            ),
        }
    }
}

pub(crate) fn json_array<'s>(
    ids: impl Iterator<Item = &'s str>,
    op: &'static str,
    key: impl FnOnce() -> String,
) -> Result<String> {
    serde_json::to_string(&ids.collect::<Vec<_>>()).map_err(|source| StoreError::Encode {
        op,
        key: key(),
        what: "the id list",
        source,
    })
}

/// A row of `SELECT {RECORD_COLUMNS}`, read by position: the column order is
/// [`RECORD_COLUMNS`]'s (reading by name looked each name up per row, which showed in the
/// profile of a sync).
pub(crate) fn record_from_row(row: &rusqlite::Row<'_>, op: &'static str) -> Result<StoredRecord> {
    let (tenant, kind, source_id): (String, String, String) = (
        row.get(0).ctx(op, String::new)?,
        row.get(1).ctx(op, String::new)?,
        row.get(2).ctx(op, String::new)?,
    );
    let r = RowReader::new(
        row,
        op,
        "records",
        format!("tenant={tenant}, kind={kind}, source_id={source_id}"),
    );
    let kind: Kind = r.parse((1, "kind"))?;
    let entity = decode_entity(&r, 3, kind, &source_id)?;
    Ok(StoredRecord {
        kind,
        entity,
        hash: r.get((4, "hash"))?,
        status: r.parse((5, "status"))?,
        source_active: r.flag((6, "source_active"))?,
        first_seen_run: RunId(r.get((7, "first_seen_run"))?),
        last_seen_run: RunId(r.get((8, "last_seen_run"))?),
        updated_run: RunId(r.get((9, "updated_run"))?),
        created_at: r.timestamp((10, "created_at"))?,
        updated_at: r.timestamp((11, "updated_at"))?,
        tenant,
        source_id,
    })
}

/// The entity in column `index` (`data`) of a records row of `kind` and `source_id`: decoded
/// by its kind, and refused as corrupt when it is not the row's record.
pub(crate) fn decode_entity(
    r: &RowReader<'_>,
    index: usize,
    kind: Kind,
    source_id: &str,
) -> Result<Entity> {
    let data: String = r.get((index, "data"))?;
    let entity = Entity::decode(kind, &data).map_err(|e| r.corrupt("data", e.to_string()))?;
    if entity.id() != source_id {
        return Err(r.corrupt(
            "data",
            format!("it holds {kind} `{}`, not the row's record", entity.id()),
        ));
    }
    Ok(entity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageBatch;
    use crate::testing::{FLOW, TENANT, create_page, store_with_run, user};

    #[test]
    fn records_by_ids_returns_the_stored_ones_among_1000_ids() {
        let (mut store, run) = store_with_run();
        let ids: Vec<String> = (0..1500).map(|i| format!("{i:05}")).collect();
        for page in ids.chunks(500) {
            let page: Vec<&str> = page.iter().map(String::as_str).collect();
            store.commit_page(&create_page(run, &page)).unwrap();
        }
        // 900 stored ids and 100 unknown ones.
        let mut wanted: Vec<String> = ids[600..].to_vec();
        wanted.extend((0..100).map(|i| format!("missing-{i}")));
        assert_eq!(wanted.len(), 1000);

        let found = store.records_by_ids(TENANT, Kind::User, &wanted).unwrap();
        assert_eq!(found.len(), 900);
        for id in &ids[600..] {
            let record = &found[id];
            assert_eq!(record.entity, user(id, &format!("u{id}")));
            assert_eq!(record.source_id, *id);
        }
        assert!(!found.contains_key("00599"));
        assert!(
            store
                .records_by_ids(TENANT, Kind::Team, &wanted)
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .records_by_ids("other-tenant", Kind::User, &["00001"])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn records_by_ids_probes_the_primary_key_instead_of_scanning() {
        let store = Store::open_in_memory().unwrap();
        let plan: Vec<String> = store
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT {RECORD_COLUMNS} FROM records
                 WHERE tenant = ?1 AND kind = ?2
                   AND source_id IN (SELECT value FROM json_each(?3))"
            ))
            .unwrap()
            .query_map(params!["t", "user", "[]"], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let records_step = plan.iter().find(|step| step.contains("records")).unwrap();
        assert!(
            records_step.contains("SEARCH") && records_step.contains("source_id=?"),
            "{plan:?}"
        );
    }

    #[test]
    fn list_records_filters_by_tenant_kind_and_status_and_pages_in_key_order() {
        let (mut store, run) = store_with_run();
        store
            .commit_page(&create_page(run, &["3", "1", "2", "4"]))
            .unwrap();
        let mut other = create_page(run, &["9"]);
        other.tenant = "globex".into();
        store.commit_page(&other).unwrap();
        let mut off = PageBatch::new(run, FLOW, TENANT, Kind::User);
        off.writes
            .push(RecordWrite::new(user("2", "u2"), RecordStatus::Deactivated));
        store.commit_page(&off).unwrap();

        let ids = |filter: RecordFilter<'_>| {
            store
                .list_records(&filter)
                .unwrap()
                .into_iter()
                .map(|r| format!("{}/{}", r.tenant, r.source_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(RecordFilter::default()),
            ["acme/1", "acme/2", "acme/3", "acme/4", "globex/9"]
        );
        assert_eq!(
            ids(RecordFilter {
                tenant: Some(TENANT),
                status: Some(RecordStatus::Active),
                limit: Some(2),
                offset: 1,
                ..RecordFilter::default()
            }),
            ["acme/3", "acme/4"]
        );
        assert!(
            ids(RecordFilter {
                kind: Some(Kind::Team),
                ..RecordFilter::default()
            })
            .is_empty()
        );
        assert_eq!(
            store
                .count(TENANT, Kind::User, RecordStatus::Active)
                .unwrap(),
            3
        );
        assert_eq!(
            store
                .count(TENANT, Kind::User, RecordStatus::Deactivated)
                .unwrap(),
            1
        );
    }

    #[test]
    fn a_corrupt_stored_entity_is_reported_with_its_record_key() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["7"])).unwrap();
        store
            .conn
            .execute("UPDATE records SET data = '{\"kind\":\"user\"}'", [])
            .unwrap();
        let err = store.record(TENANT, Kind::User, "7").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("source_id=7") && message.contains("`data`"),
            "{message}"
        );
    }
}
