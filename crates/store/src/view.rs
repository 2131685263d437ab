//! Walking a tenant's records as they are, or as a staged read would leave them.
//!
//! Whatever is derived from the records after a run (a WFM store's accounts) reads them in
//! keyset chunks, or, where only some records changed since the derivation last ran, by id. A
//! real run derives from the hub once its records are applied; a dry run applies nothing, so
//! it derives from the *planned* view instead: the staged read laid over the hub, with the
//! status each record would get (as the planner gives it), so a dry run's derived plan is what
//! the real run would derive. The overlay merges two keyset chunks in source id order rather
//! than anti-joining in SQL: an anti-join inside a merged `UNION ALL` re-scans the rest of the
//! hub for every chunk when the read returned every record.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use ccsync_model::{Entity, Kind};
use rusqlite::params;
use serde::Serialize;

use crate::Store;
use crate::codec::RowReader;
use crate::error::{Result, SqlContext, StoreError};
use crate::records::{RecordStatus, decode_entity, json_array};
use crate::staging::{Gone, StagedRecord, Staging};

/// Which state of the records [`Store::records_after`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordView<'a> {
    /// The hub as stored.
    Hub,
    /// The hub as applying the staged read would leave it: a staged record replaces its hub
    /// record, with the status the source's `active` gives it, and for each kind in `swept`
    /// (kinds whose read was a complete full read) an active record the read did not return
    /// is deactivated.
    Planned {
        /// The kinds whose read was a complete full read, swept for records it did not return.
        swept: &'a [Kind],
    },
}

/// One record's state in a view: what derivations look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordState {
    /// The source tenant of the record.
    pub tenant: String,
    /// The record's id at the source tenant.
    pub source_id: String,
    /// The record's content, as the view shows it.
    pub entity: Entity,
    /// The record's hub status, as the view shows it.
    pub status: RecordStatus,
    /// Whether the source says the record is active (a deactivated record whose source still
    /// says active is gone from the source).
    pub source_active: bool,
}

impl RecordState {
    fn from_source(tenant: &str, staged: StagedRecord) -> RecordState {
        RecordState {
            tenant: tenant.to_owned(),
            source_id: staged.entity.id().to_owned(),
            status: staged.status(),
            source_active: staged.entity.active(),
            entity: staged.entity,
        }
    }
}

impl Store {
    /// Up to `limit` records of one tenant and kind with a source id after `after`, in source
    /// id order, as `view` shows them: keyset paging for walking a whole tenant in chunks
    /// without holding it in memory. A chunk may hold fewer than `limit` records before the
    /// end; only an empty chunk means the walk is over.
    pub fn records_after(
        &self,
        view: RecordView<'_>,
        tenant: &str,
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RecordState>> {
        const OP: &str = "records_after";
        let key = || format!("tenant {tenant}, kind {kind}, after {after:?}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, data, status, source_active FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND source_id > ?3
                 ORDER BY source_id LIMIT ?4",
            )
            .ctx(OP, key)?;
        let rows = stmt
            .query(params![
                tenant,
                kind.as_str(),
                after.unwrap_or(""),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ])
            .ctx(OP, key)?;
        let hub = hub_states(rows, tenant, kind, limit, OP)?;
        let RecordView::Planned { swept } = view else {
            return Ok(hub);
        };
        let staging = self.staging_of(tenant, kind, OP)?;
        let staged = self.staged_chunk(kind, after, limit)?;
        Ok(overlay(
            staged,
            hub,
            tenant,
            limit,
            swept.contains(&kind).then_some((staging, kind)),
        ))
    }

    /// The records of one tenant and kind among `ids` (in source id order, unique), as `view`
    /// shows them, in the same order; an id with no record in the view is left out.
    pub fn records_by_ids_in_view(
        &self,
        view: RecordView<'_>,
        tenant: &str,
        kind: Kind,
        ids: &[String],
    ) -> Result<Vec<RecordState>> {
        const OP: &str = "records_by_ids_in_view";
        let key = || format!("tenant {tenant}, kind {kind}, {} ids", ids.len());
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids_json = json_array(ids.iter().map(String::as_str), OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id, data, status, source_active FROM records
                 WHERE tenant = ?1 AND kind = ?2
                   AND source_id IN (SELECT value FROM json_each(?3))
                 ORDER BY source_id",
            )
            .ctx(OP, key)?;
        let rows = stmt
            .query(params![tenant, kind.as_str(), ids_json])
            .ctx(OP, key)?;
        let hub = hub_states(rows, tenant, kind, ids.len(), OP)?;
        let RecordView::Planned { swept } = view else {
            return Ok(hub);
        };
        let staging = self.staging_of(tenant, kind, OP)?;
        let mut staged: Vec<StagedRecord> = self.staged_by_ids(kind, ids)?.into_values().collect();
        staged.sort_by(|a, b| a.entity.id().cmp(b.entity.id()));
        Ok(overlay(
            staged,
            hub,
            tenant,
            usize::MAX,
            swept.contains(&kind).then_some((staging, kind)),
        ))
    }

    /// The source ids of one tenant and kind whose state in `view` may differ from what a
    /// derivation that ran through change sequence number `seq` saw, in source id order: the
    /// hub records changed since, and in the planned view also the staged records and, for a
    /// swept kind, the active records the read did not return.
    pub fn ids_changed_in_view(
        &self,
        view: RecordView<'_>,
        tenant: &str,
        kind: Kind,
        seq: u64,
    ) -> Result<Vec<String>> {
        const OP: &str = "ids_changed_in_view";
        let mut ids: BTreeSet<String> = self
            .ids_changed_since(tenant, kind, seq)?
            .into_iter()
            .collect();
        if let RecordView::Planned { swept } = view {
            self.staging_of(tenant, kind, OP)?;
            ids.extend(self.staged_ids(kind)?);
            if swept.contains(&kind) {
                match self.gone_ids(tenant, kind)? {
                    Gone::Listed(gone) => ids.extend(gone),
                    Gone::Many(_) => {
                        let mut after = String::new();
                        loop {
                            let (gone, last) =
                                self.unreturned_active_ids(tenant, kind, &after, 4096)?;
                            ids.extend(gone);
                            match last {
                                Some(last) => after = last,
                                None => break,
                            }
                        }
                    }
                }
            }
        }
        Ok(ids.into_iter().collect())
    }

    /// The staging area, which must hold a read of `tenant`.
    fn staging_of(&self, tenant: &str, kind: Kind, op: &'static str) -> Result<&Staging> {
        match &self.staging {
            Some(staging) if staging.tenant == tenant => Ok(staging),
            other => Err(StoreError::InvalidInput {
                op,
                key: format!("tenant {tenant}, kind {kind}"),
                detail: match other {
                    Some(staging) => format!(
                        "the staging area holds a read of tenant {}, not of {tenant}",
                        staging.tenant
                    ),
                    None => "no read has been staged to lay over the hub".to_owned(),
                },
            }),
        }
    }
}

/// Rows `(source_id, data, status, source_active)` of hub records of one tenant and kind.
fn hub_states(
    mut rows: rusqlite::Rows<'_>,
    tenant: &str,
    kind: Kind,
    capacity: usize,
    op: &'static str,
) -> Result<Vec<RecordState>> {
    let mut out = Vec::with_capacity(capacity.min(4096));
    while let Some(row) = rows.next().ctx(op, String::new)? {
        let source_id: String = row.get(0).ctx(op, String::new)?;
        let at = format!("tenant={tenant}, kind={kind}, source_id={source_id}");
        let r = RowReader::new(row, op, "records", at);
        let entity = decode_entity(&r, 1, kind, &source_id)?;
        out.push(RecordState {
            tenant: tenant.to_owned(),
            status: r.parse((2, "status"))?,
            source_active: r.flag((3, "source_active"))?,
            source_id,
            entity,
        });
    }
    Ok(out)
}

/// Merges a chunk of staged records over a chunk of hub records, both in source id order and
/// both cut at `limit`: a staged record replaces the hub's, with the status its source
/// `active` gives it; with `swept` (the read and the kind of a complete full read), an active
/// hub record the read did not return is deactivated. Where a chunk was cut, the merge stops
/// at its last id, since the other chunk's later ids may interleave with records it did not
/// fetch.
fn overlay(
    staged: Vec<StagedRecord>,
    hub: Vec<RecordState>,
    tenant: &str,
    limit: usize,
    swept: Option<(&Staging, Kind)>,
) -> Vec<RecordState> {
    let bound = [
        staged.last().map(|s| s.entity.id()),
        hub.last().map(|r| r.source_id.as_str()),
    ]
    .into_iter()
    .zip([staged.len(), hub.len()])
    .filter(|&(_, len)| len >= limit)
    .filter_map(|(last, _)| last.map(str::to_owned))
    .min();
    let unstaged = |mut record: RecordState| {
        if let Some((staging, kind)) = swept
            && !staging.returned(kind, &record.source_id)
        {
            record.status = RecordStatus::Deactivated;
        }
        record
    };
    let mut staged = staged.into_iter().peekable();
    let mut hub = hub.into_iter().peekable();
    let mut out = Vec::with_capacity(limit.min(4096));
    while out.len() < limit {
        let next = match (staged.peek(), hub.peek()) {
            (None, None) => break,
            (Some(s), Some(h)) => match s.entity.id().cmp(h.source_id.as_str()) {
                Ordering::Less => staged.next().map(|s| RecordState::from_source(tenant, s)),
                Ordering::Greater => hub.next().map(unstaged),
                Ordering::Equal => {
                    hub.next();
                    staged.next().map(|s| RecordState::from_source(tenant, s))
                }
            },
            (Some(_), None) => staged.next().map(|s| RecordState::from_source(tenant, s)),
            (None, Some(_)) => hub.next().map(unstaged),
        };
        let Some(next) = next else { break };
        if bound
            .as_deref()
            .is_some_and(|b| next.source_id.as_str() > b)
        {
            break;
        }
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TENANT, create_page, store_with_run, user};

    fn ids(records: &[RecordState]) -> Vec<(&str, RecordStatus, bool)> {
        records
            .iter()
            .map(|r| (r.source_id.as_str(), r.status, r.source_active))
            .collect()
    }

    fn inactive(id: &str) -> Entity {
        let mut entity = user(id, &format!("u{id}"));
        if let Entity::User(u) = &mut entity {
            u.active = false;
        }
        entity
    }

    #[test]
    fn the_hub_view_pages_a_tenant_by_id() {
        let (mut store, run) = store_with_run();
        store
            .commit_page(&create_page(run, &["1", "2", "3", "4", "5"]))
            .unwrap();
        let first = store
            .records_after(RecordView::Hub, TENANT, Kind::User, None, 2)
            .unwrap();
        assert_eq!(
            ids(&first),
            [
                ("1", RecordStatus::Active, true),
                ("2", RecordStatus::Active, true)
            ]
        );
        let rest = store
            .records_after(RecordView::Hub, TENANT, Kind::User, Some("2"), 10)
            .unwrap();
        assert_eq!(rest.len(), 3);
        assert_eq!(rest[0].source_id, "3");
        for (tenant, kind) in [("other", Kind::User), (TENANT, Kind::Team)] {
            let none = store
                .records_after(RecordView::Hub, tenant, kind, None, 10)
                .unwrap();
            assert!(none.is_empty());
        }
    }

    #[test]
    fn the_planned_view_lays_the_staged_read_over_the_hub() {
        let (mut store, run) = store_with_run();
        store
            .commit_page(&create_page(run, &["1", "2", "3", "5"]))
            .unwrap();
        store.stage_begin(TENANT).unwrap();
        // 2 changed and inactive at the source, 4 new; 1, 3 and 5 not returned.
        let mut renamed = user("2", "renamed");
        if let Entity::User(u) = &mut renamed {
            u.active = false;
        }
        testing::stage_read(&mut store, Kind::User, &[renamed, user("4", "u4")]).unwrap();

        let incremental = RecordView::Planned { swept: &[] };
        let all = store
            .records_after(incremental, TENANT, Kind::User, None, 100)
            .unwrap();
        assert_eq!(
            ids(&all),
            [
                ("1", RecordStatus::Active, true),
                ("2", RecordStatus::Deactivated, false),
                ("3", RecordStatus::Active, true),
                ("4", RecordStatus::Active, true),
                ("5", RecordStatus::Active, true),
            ]
        );
        let Entity::User(two) = &all[1].entity else {
            panic!("{:?}", all[1])
        };
        assert_eq!(
            two.username.as_deref(),
            Some("renamed"),
            "the staged version"
        );

        // A complete full read: what it did not return is gone (deactivated, source active).
        let full = RecordView::Planned {
            swept: &[Kind::User],
        };
        // Walked in chunks of every size: the merge of the two cut chunks never skips or
        // repeats a record.
        for limit in 1..=6 {
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let chunk = store
                    .records_after(full, TENANT, Kind::User, after.as_deref(), limit)
                    .unwrap();
                let Some(last) = chunk.last() else { break };
                assert!(chunk.len() <= limit);
                after = Some(last.source_id.clone());
                walked.extend(chunk);
            }
            assert_eq!(
                ids(&walked),
                [
                    ("1", RecordStatus::Deactivated, true),
                    ("2", RecordStatus::Deactivated, false),
                    ("3", RecordStatus::Deactivated, true),
                    ("4", RecordStatus::Active, true),
                    ("5", RecordStatus::Deactivated, true),
                ],
                "chunks of {limit}"
            );
        }
        // The hub itself is untouched.
        let hub = store
            .records_after(RecordView::Hub, TENANT, Kind::User, None, 100)
            .unwrap();
        assert_eq!(hub.len(), 4);
        assert!(hub.iter().all(|r| r.status == RecordStatus::Active));
    }

    #[test]
    fn the_planned_status_follows_the_source_s_active_flag_of_the_last_staged_version() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1"])).unwrap();
        store.stage_begin(TENANT).unwrap();
        testing::stage_read(&mut store, Kind::User, &[inactive("1")]).unwrap();
        let view = RecordView::Planned { swept: &[] };
        let [state] = store
            .records_after(view, TENANT, Kind::User, None, 10)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(state.status, RecordStatus::Deactivated);
        assert!(!state.source_active);
        testing::stage_read(&mut store, Kind::User, &[user("1", "u1")]).unwrap();
        let [state] = store
            .records_after(view, TENANT, Kind::User, None, 10)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(state.status, RecordStatus::Active);
    }

    #[test]
    fn the_planned_view_refuses_a_tenant_whose_read_is_not_staged() {
        let (mut store, run) = store_with_run();
        store.commit_page(&create_page(run, &["1"])).unwrap();
        let view = RecordView::Planned { swept: &[] };
        let before = store
            .records_after(view, TENANT, Kind::User, None, 10)
            .unwrap_err();
        assert!(
            before.to_string().contains("no read has been staged"),
            "{before}"
        );
        store.stage_begin(TENANT).unwrap();
        let other = store
            .records_after(view, "other", Kind::User, None, 10)
            .unwrap_err();
        assert!(
            other
                .to_string()
                .contains("holds a read of tenant acme, not of other"),
            "{other}"
        );
        assert_eq!(
            store
                .records_after(view, TENANT, Kind::User, None, 10)
                .unwrap()
                .len(),
            1
        );
    }
}
