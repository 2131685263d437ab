//! The staging area of a read: what the source returned, held until the run has planned.
//!
//! A run reads every page into staging first, then plans against the hub records, then
//! applies. So a run that must stop for approval has changed nothing, a dry run writes
//! nothing, and the records a full read did not return are found without holding the read in
//! memory.
//!
//! Only what the read *changes* is staged: the engine encodes each page's records once (their
//! JSON and content hash), compares them with the hashes the hub holds
//! ([`Store::hashes_by_ids`]), and plans only the new, changed, deactivated or reactivated
//! ones, which go to the staging table with their planned log entries ([`StagedChange`]) and
//! are later committed from it in bulk (`staged_commit`). The staging table is a TEMP table:
//! private to this connection, never in the database file, gone with the process (a crash
//! leaves no half-staged read behind). An unchanged record costs a hash comparison and nothing
//! else, so an unchanged re-sync writes no row anywhere.
//!
//! What the read returned at all is kept as a set of 64-bit fingerprints of the source ids
//! (SipHash with keys drawn for each read; about 18 MiB for a million records), which is what
//! the deactivation of records a full read did not return is decided by. A record gone from
//! the source shares a fingerprint with a returned one with a probability of about n/2⁶⁴
//! (5·10⁻¹⁴ for a million records); it would then stay active until the next full read, whose
//! keys differ.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};

use ccsync_model::{Encoded, Entity, Kind};
use rusqlite::params;

use crate::Store;
use crate::codec::RowReader;
use crate::error::{Result, SqlContext, StoreError};
use crate::log::{LogAction, NewLogEntry};
use crate::records::{
    RECORD_COLUMNS, RecordStatus, RecordWrite, StoredRecord, json_array, record_from_row,
};

/// Hub record ids walked per query when looking for the ones a read did not return.
const ID_CHUNK: usize = 4096;

/// Gone ids kept per kind once walked: a full run looks for the records its read did not
/// return three times (the gate counts them, a family's preview and the sweep list them).
const GONE_CACHE: usize = 50_000;

/// Ids a read of one kind returns before its fingerprint set, when it must grow, may be
/// sized for every hub record of the kind at once (see `Store::stage`).
const LARGE_READ: usize = 16_384;

/// The share of a kind's hub records (one in this many) a read must have returned for its
/// set to be sized for all of them: an incremental read of 20k changes on a 1M-user hub is
/// not sized for a million.
const FULL_READ_SHARE: usize = 8;

/// The read a store's staging area holds: its tenant and what it returned.
#[derive(Debug)]
pub(crate) struct Staging {
    pub(crate) tenant: String,
    /// Per kind, the fingerprints of the source ids the read returned.
    seen: HashMap<Kind, HashSet<u64>>,
    /// The fingerprints' keys, drawn for this read.
    keys: RandomState,
    /// Per kind, how many records of the tenant the hub holds, once a large read asked.
    hub_counts: HashMap<Kind, usize>,
    /// Per kind, the active hub records the read did not return, in source id order, once a
    /// walk found them and they were at most [`GONE_CACHE`].
    gone: RefCell<HashMap<Kind, Vec<String>>>,
}

impl Staging {
    /// The fingerprint of a source id.
    fn fingerprint(&self, id: &str) -> u64 {
        self.keys.hash_one(id)
    }

    /// Whether the read returned the record of `kind` with `id`.
    pub(crate) fn returned(&self, kind: Kind, id: &str) -> bool {
        self.seen
            .get(&kind)
            .is_some_and(|seen| seen.contains(&self.fingerprint(id)))
    }
}

/// A record a read changes, planned against the hub when it was staged: what the run will
/// write and log for it, unless the hub changed meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedChange {
    /// What to store.
    pub write: RecordWrite,
    /// The log entry the change leaves. A creation's `changes` are not kept (a run's plan
    /// leaves them out): it is logged as its record, which reads back as
    /// [`created_changes`](crate::log::created_changes) of it.
    pub log: NewLogEntry,
    /// The hub's content hash and status of the record when the change was planned; `None`
    /// when the hub had no record. The change is applied as planned only while the hub still
    /// holds exactly that (see `Store::commit_staged`).
    pub planned_over: Option<(String, RecordStatus)>,
}

/// A staged record: one the read changes, with its encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRecord {
    /// The record as the source returned it.
    pub entity: Entity,
    /// Its JSON and content hash, as the read computed them.
    pub encoded: Encoded,
}

impl StagedRecord {
    /// `entity` as a read stages it, encoded.
    pub fn new(entity: Entity) -> Self {
        StagedRecord {
            encoded: entity.encode(),
            entity,
        }
    }

    /// The hub status the source's `active` gives the record.
    pub fn status(&self) -> RecordStatus {
        if self.entity.active() {
            RecordStatus::Active
        } else {
            RecordStatus::Deactivated
        }
    }
}

impl Store {
    /// Empties the staging area (creating it on first use) for a new read of `tenant`.
    pub fn stage_begin(&mut self, tenant: &str) -> Result<()> {
        const OP: &str = "stage_begin";
        self.staging = Some(Staging {
            tenant: tenant.to_owned(),
            seen: HashMap::new(),
            keys: RandomState::new(),
            hub_counts: HashMap::new(),
            gone: RefCell::new(HashMap::new()),
        });
        self.conn
            // Dropped and created anew rather than emptied: a DROP frees the last read's pages
            // at once, where a DELETE visits every row. A rowid table, not WITHOUT ROWID: a
            // staged row (the record's JSON and its log entry's field changes) is larger than
            // an index B-tree keeps on its page, and every row spilled to overflow pages.
            .execute_batch(
                "DROP TABLE IF EXISTS temp.staged_changes;
                 CREATE TEMP TABLE staged_changes (
                     kind TEXT NOT NULL,
                     source_id TEXT NOT NULL,
                     data TEXT NOT NULL,
                     hash TEXT NOT NULL,
                     active INTEGER NOT NULL,
                     status TEXT NOT NULL,
                     action TEXT NOT NULL,
                     display TEXT,
                     reason TEXT,
                     changes TEXT,
                     planned_hash TEXT,
                     planned_status TEXT
                 );
                 CREATE UNIQUE INDEX temp.staged_changes_by_id ON staged_changes (kind, source_id);
                 CREATE INDEX temp.staged_deactivations ON staged_changes (kind)
                     WHERE active = 0 AND planned_status = 'active';",
            )
            .ctx(OP, String::new)
    }

    /// Stages one page of a read: records the ids it `returned`, and stages (in one
    /// transaction) the `changes` among them, each planned against the hub. A record read
    /// twice (a source whose paging shifted) keeps its last version: one read again unchanged
    /// after a changed version is unstaged.
    pub fn stage(&mut self, kind: Kind, returned: &[&str], changes: &[StagedChange]) -> Result<()> {
        const OP: &str = "stage";
        let key = || format!("kind {kind}, {} records", returned.len());
        if let Some(change) = changes.iter().find(|c| c.write.entity.kind() != kind) {
            let entity = &change.write.entity;
            return Err(StoreError::InvalidInput {
                op: OP,
                key: key(),
                detail: format!("cannot stage {} {} as {kind}", entity.kind(), entity.id()),
            });
        }
        let staging = self.staging.as_mut().ok_or_else(|| not_begun(OP, key()))?;
        staging.gone.get_mut().remove(&kind);
        let fingerprints: Vec<u64> = returned.iter().map(|id| staging.fingerprint(id)).collect();
        let seen = staging.seen.entry(kind).or_default();
        // A read that has returned a good part of the hub's records is most likely a full
        // read: rather than double through it (each doubling holds the old table and the new
        // at once, 28 MiB for the last of a million ids), its set grows once to hold them all.
        // A smaller read (an incremental one) doubles as any set does.
        if seen.len() >= LARGE_READ && seen.len() + returned.len() > seen.capacity() {
            let hub = match staging.hub_counts.get(&kind) {
                Some(&count) => count,
                None => {
                    let count = hub_count(&self.conn, &staging.tenant, kind)?;
                    *staging.hub_counts.entry(kind).or_insert(count)
                }
            };
            let additional = if seen.len() >= hub / FULL_READ_SHARE {
                hub.saturating_sub(seen.len())
            } else {
                0
            };
            seen.reserve(additional.max(returned.len()));
        }
        let tx = self.conn.transaction().ctx(OP, key)?;
        {
            let mut forget = tx
                .prepare_cached(
                    "DELETE FROM temp.staged_changes WHERE kind = ?1 AND source_id = ?2",
                )
                .ctx(OP, key)?;
            let changed: HashSet<&str> = changes.iter().map(|c| c.write.entity.id()).collect();
            for (&id, fingerprint) in returned.iter().zip(fingerprints) {
                if !seen.insert(fingerprint) && !changed.contains(id) {
                    forget
                        .execute(params![kind.as_str(), id])
                        .ctx(OP, || format!("kind {kind}, id {id}"))?;
                }
            }
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO temp.staged_changes (kind, source_id, data, hash,
                         active, status, action, display, reason, changes, planned_hash,
                         planned_status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .ctx(OP, key)?;
            for change in changes {
                let StagedChange {
                    write,
                    log,
                    planned_over,
                } = change;
                let id = write.entity.id();
                let at = || format!("kind {kind}, id {id}");
                // A creation's changes are its record's fields: kept once, as the record.
                let log_changes = match log.action {
                    LogAction::Create => None,
                    _ => Some(crate::log::changes_text(&log.changes).map_err(|source| {
                        StoreError::Encode {
                            op: OP,
                            key: at(),
                            what: "the field changes",
                            source,
                        }
                    })?),
                };
                insert
                    .execute(params![
                        kind.as_str(),
                        id,
                        write.encoded.json,
                        write.encoded.hash,
                        write.entity.active(),
                        write.status,
                        log.action,
                        log.display,
                        log.reason,
                        log_changes,
                        planned_over.as_ref().map(|(hash, _)| hash),
                        planned_over.as_ref().map(|(_, status)| status),
                    ])
                    .ctx(OP, at)?;
            }
        }
        tx.commit().ctx(OP, key)
    }

    /// Releases the staging area: the ids the read returned (18 MiB for a million) and the
    /// staged rows. A run releases it once its records are applied (the family's projection
    /// after them never reads it), and when it ends, whatever its outcome.
    pub fn stage_end(&mut self) -> Result<()> {
        self.staging = None;
        self.conn
            .execute_batch("DROP TABLE IF EXISTS temp.staged_changes")
            .ctx("stage_end", String::new)
    }

    /// How many distinct records of `kind` the read returned, changed or not.
    pub fn read_count(&self, kind: Kind) -> u64 {
        self.staging
            .as_ref()
            .and_then(|staging| staging.seen.get(&kind))
            .map_or(0, |seen| seen.len() as u64)
    }

    /// How many records of `kind` the read changes (staged).
    pub fn staged_count(&self, kind: Kind) -> Result<u64> {
        const OP: &str = "staged_count";
        self.conn
            .prepare_cached("SELECT count(*) FROM temp.staged_changes WHERE kind = ?1")
            .ctx(OP, || format!("kind {kind}"))?
            .query_row(params![kind.as_str()], |row| row.get(0))
            .ctx(OP, || format!("kind {kind}"))
    }

    /// Up to `limit` staged records of `kind` after source id `after`, in source id order:
    /// how a run walks what its read changes in bounded chunks.
    pub fn staged_chunk(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StagedRecord>> {
        const OP: &str = "staged_chunk";
        let key = || format!("kind {kind}, after {after:?}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, data, hash FROM temp.staged_changes
                 WHERE kind = ?1 AND source_id > ?2 ORDER BY source_id LIMIT ?3",
            )
            .ctx(OP, key)?;
        let rows = stmt
            .query(params![kind.as_str(), after.unwrap_or(""), limit as i64])
            .ctx(OP, key)?;
        staged_rows(rows, kind, limit, OP)
    }

    /// The staged records of `kind` among `ids`, by source id.
    pub(crate) fn staged_by_ids<S: AsRef<str>>(
        &self,
        kind: Kind,
        ids: &[S],
    ) -> Result<HashMap<String, StagedRecord>> {
        const OP: &str = "staged_by_ids";
        let key = || format!("kind {kind}, {} ids", ids.len());
        let ids_json = json_array(ids.iter().map(AsRef::as_ref), OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, data, hash FROM temp.staged_changes
                 WHERE kind = ?1 AND source_id IN (SELECT value FROM json_each(?2))",
            )
            .ctx(OP, key)?;
        let rows = stmt.query(params![kind.as_str(), ids_json]).ctx(OP, key)?;
        Ok(staged_rows(rows, kind, ids.len(), OP)?
            .into_iter()
            .map(|staged| (staged.entity.id().to_owned(), staged))
            .collect())
    }

    /// The source ids of the staged records of `kind`, in source id order.
    pub(crate) fn staged_ids(&self, kind: Kind) -> Result<Vec<String>> {
        const OP: &str = "staged_ids";
        let key = || format!("kind {kind}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM temp.staged_changes WHERE kind = ?1 ORDER BY source_id",
            )
            .ctx(OP, key)?;
        let ids = stmt
            .query_map(params![kind.as_str()], |row| row.get(0))
            .ctx(OP, key)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .ctx(OP, key)?;
        Ok(ids)
    }

    /// How many staged records of one tenant and kind are inactive at the source while their
    /// hub record is active: the deactivations a read causes before any record is gone.
    pub fn staged_deactivations(&self, tenant: &str, kind: Kind) -> Result<u64> {
        const OP: &str = "staged_deactivations";
        let key = || format!("tenant {tenant}, kind {kind}");
        self.conn
            // The hub's status is the one each change was planned over (`planned_status`):
            // no join with the records, whose planner could walk the tenant's active ones,
            // and a partial index, so a large first sync is not scanned for the few.
            .prepare_cached(
                "SELECT count(*) FROM temp.staged_changes
                 WHERE kind = ?1 AND active = 0 AND planned_status = 'active'",
            )
            .ctx(OP, key)?
            .query_row(params![kind.as_str()], |row| row.get(0))
            .ctx(OP, key)
    }

    /// How many active hub records of one tenant and kind the read did not return: after a
    /// complete full read, the deactivations by absence. The hub's active ids are walked in
    /// chunks against the read's fingerprints, so a tenant that lost most of its records
    /// costs no memory here.
    pub fn count_unstaged_active(&self, tenant: &str, kind: Kind) -> Result<u64> {
        Ok(match self.gone_ids(tenant, kind)? {
            Gone::Listed(ids) => ids.len() as u64,
            Gone::Many(count) => count,
        })
    }

    /// The active hub records of one tenant and kind the read did not return: listed (and
    /// kept for the rest of the run) while they are at most [`GONE_CACHE`], else counted.
    pub(crate) fn gone_ids(&self, tenant: &str, kind: Kind) -> Result<Gone> {
        const OP: &str = "gone_ids";
        let staging = self
            .staging
            .as_ref()
            .ok_or_else(|| not_begun(OP, format!("tenant {tenant}, kind {kind}")))?;
        // Kept only for the read's own tenant.
        let keep = staging.tenant == tenant;
        if keep && let Some(ids) = staging.gone.borrow().get(&kind) {
            return Ok(Gone::Listed(ids.clone()));
        }
        let mut listed = Vec::new();
        let mut count = 0;
        let mut after = String::new();
        loop {
            let (ids, last) = self.unreturned_active_ids(tenant, kind, &after, ID_CHUNK)?;
            count += ids.len() as u64;
            if count <= GONE_CACHE as u64 {
                listed.extend(ids);
            }
            match last {
                Some(last) => after = last,
                None => break,
            }
        }
        if count > GONE_CACHE as u64 {
            return Ok(Gone::Many(count));
        }
        if keep {
            staging.gone.borrow_mut().insert(kind, listed.clone());
        }
        Ok(Gone::Listed(listed))
    }

    /// Up to `limit` active hub records of one tenant and kind that the read did not return,
    /// after source id `after`, in source id order: after a complete full read, the
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
        let mut gone = Vec::new();
        match self.gone_ids(tenant, kind)? {
            Gone::Listed(ids) => gone.extend(
                ids.into_iter()
                    .filter(|id| after.is_none_or(|after| id.as_str() > after))
                    .take(limit),
            ),
            Gone::Many(_) => {
                let mut after = after.unwrap_or("").to_owned();
                while gone.len() < limit {
                    let (ids, last) = self.unreturned_active_ids(tenant, kind, &after, ID_CHUNK)?;
                    gone.extend(ids);
                    match last {
                        Some(last) => after = last,
                        None => break,
                    }
                }
                gone.truncate(limit);
            }
        }
        if gone.is_empty() {
            return Ok(Vec::new());
        }
        let ids_json = json_array(gone.iter().map(String::as_str), OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM records
                 WHERE tenant = ?1 AND kind = ?2
                   AND source_id IN (SELECT value FROM json_each(?3))
                 ORDER BY source_id"
            ))
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![tenant, kind.as_str(), ids_json])
            .ctx(OP, key)?;
        let mut out = Vec::with_capacity(gone.len());
        while let Some(row) = rows.next().ctx(OP, key)? {
            out.push(record_from_row(row, OP)?);
        }
        Ok(out)
    }

    /// One step of the walk over the hub's active ids of a tenant and kind after `after`, up
    /// to `chunk` of them: those the read did not return, and the last id walked (`None` once
    /// the walk is over).
    pub(crate) fn unreturned_active_ids(
        &self,
        tenant: &str,
        kind: Kind,
        after: &str,
        chunk: usize,
    ) -> Result<(Vec<String>, Option<String>)> {
        const OP: &str = "unreturned_active_ids";
        let key = || format!("tenant {tenant}, kind {kind}, after {after:?}");
        let staging = self.staging.as_ref().ok_or_else(|| not_begun(OP, key()))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND status = 'active' AND source_id > ?3
                 ORDER BY source_id LIMIT ?4",
            )
            .ctx(OP, key)?;
        let mut rows = stmt
            .query(params![tenant, kind.as_str(), after, chunk as i64])
            .ctx(OP, key)?;
        let mut walked = 0;
        let mut last = None;
        let mut gone = Vec::new();
        while let Some(row) = rows.next().ctx(OP, key)? {
            let id: String = row.get(0).ctx(OP, key)?;
            walked += 1;
            if !staging.returned(kind, &id) {
                gone.push(id.clone());
            }
            last = Some(id);
        }
        Ok((gone, if walked < chunk { None } else { last }))
    }
}

/// The active hub records of a kind a read did not return.
pub(crate) enum Gone {
    /// Their ids, in source id order.
    Listed(Vec<String>),
    /// Too many to keep: how many.
    Many(u64),
}

fn not_begun(op: &'static str, key: String) -> StoreError {
    StoreError::InvalidInput {
        op,
        key,
        detail: "no read has been staged".into(),
    }
}

/// Staged rows `(source_id, data, hash)` of `kind`, decoded.
fn staged_rows(
    mut rows: rusqlite::Rows<'_>,
    kind: Kind,
    capacity: usize,
    op: &'static str,
) -> Result<Vec<StagedRecord>> {
    let mut out = Vec::with_capacity(capacity.min(4096));
    while let Some(row) = rows.next().ctx(op, String::new)? {
        let id: String = row.get(0).ctx(op, String::new)?;
        let r = RowReader::new(row, op, "staged_changes", format!("kind={kind}, id={id}"));
        let json: String = r.get((1, "data"))?;
        let entity = Entity::decode(kind, &json).map_err(|e| r.corrupt("data", e))?;
        out.push(StagedRecord {
            entity,
            encoded: Encoded {
                json,
                hash: r.get((2, "hash"))?,
            },
        });
    }
    Ok(out)
}

/// How many records of `kind` the hub holds for `tenant`, whatever their status.
fn hub_count(conn: &rusqlite::Connection, tenant: &str, kind: Kind) -> Result<usize> {
    const OP: &str = "stage";
    let key = || format!("tenant {tenant}, kind {kind}");
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM records WHERE tenant = ?1 AND kind = ?2")
        .ctx(OP, key)?
        .query_row(params![tenant, kind.as_str()], |row| row.get(0))
        .ctx(OP, key)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

#[cfg(test)]
mod tests;
