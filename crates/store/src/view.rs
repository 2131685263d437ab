//! Walking a tenant's records as they are, or as a staged read would leave them.
//!
//! Whatever is derived from the records after a run (a WFM store's accounts) reads them in
//! keyset chunks. A real run derives from the hub once its records are applied; a dry run
//! applies nothing, so it derives from the *planned* view instead: the staged read laid over
//! the hub, with the status each record would get. Both views come from one query shape, so
//! a dry run's derived plan is what the real run would derive.

use ccsync_model::{Entity, Kind};
use rusqlite::params;
use serde::Serialize;

use crate::Store;
use crate::codec::RowReader;
use crate::error::{Result, SqlContext, StoreError};
use crate::records::RecordStatus;

/// Which state of the records [`Store::records_after`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordView<'a> {
    /// The hub as stored.
    Hub,
    /// The hub as applying the staged read would leave it: a staged record replaces its hub
    /// record, with the status the source's `active` gives it, and for each kind in `swept`
    /// (kinds whose read was a complete full read) an active record the read did not return
    /// is deactivated.
    Planned { swept: &'a [Kind] },
}

/// One record's state in a view: what derivations look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordState {
    pub tenant: String,
    pub source_id: String,
    pub entity: Entity,
    pub status: RecordStatus,
    /// Whether the source says the record is active (a deactivated record whose source still
    /// says active is gone from the source).
    pub source_active: bool,
}

impl Store {
    /// Up to `limit` records of one tenant and kind with a source id after `after`, in source
    /// id order, as `view` shows them: keyset paging for walking a whole tenant in chunks
    /// without holding it in memory.
    pub fn records_after(
        &self,
        view: RecordView<'_>,
        tenant: &str,
        kind: Kind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RecordState>> {
        const OP: &str = "records_after";
        let key = || format!("tenant {tenant}, kind {kind}, after {after:?}, {view:?}");
        let sql = match view {
            RecordView::Hub => {
                "SELECT source_id, data, status, source_active FROM records
                 WHERE tenant = ?1 AND kind = ?2 AND source_id > ?3
                 ORDER BY source_id LIMIT ?4"
            }
            // A compound SELECT ordered by its first column: SQLite merges the two arms, each
            // already in source id order by its primary key, instead of sorting their union.
            RecordView::Planned { .. } => {
                "SELECT s.source_id AS source_id, s.data AS data,
                     CASE WHEN coalesce(json_extract(s.data, '$.active'), 1)
                          THEN 'active' ELSE 'deactivated' END AS status,
                     coalesce(json_extract(s.data, '$.active'), 1) AS source_active
                 FROM temp.staged s WHERE s.kind = ?2 AND s.source_id > ?3
                 UNION ALL
                 SELECT r.source_id, r.data,
                     CASE WHEN ?5 AND r.status = 'active' THEN 'deactivated' ELSE r.status END,
                     r.source_active
                 FROM records r
                 WHERE r.tenant = ?1 AND r.kind = ?2 AND r.source_id > ?3
                   AND NOT EXISTS (SELECT 1 FROM temp.staged s
                                   WHERE s.kind = r.kind AND s.source_id = r.source_id)
                 ORDER BY 1 LIMIT ?4"
            }
        };
        let swept = match view {
            RecordView::Hub => false,
            RecordView::Planned { swept } => swept.contains(&kind),
        };
        let mut stmt = self.conn.prepare_cached(sql).ctx(OP, key)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.unwrap_or("");
        let mut rows = match view {
            RecordView::Hub => stmt.query(params![tenant, kind.as_str(), after, limit]),
            RecordView::Planned { .. } => {
                stmt.query(params![tenant, kind.as_str(), after, limit, swept])
            }
        }
        .ctx(OP, key)?;
        let mut out = Vec::with_capacity(limit.clamp(0, 4096) as usize);
        while let Some(row) = rows.next().ctx(OP, key)? {
            let source_id: String = row.get("source_id").ctx(OP, key)?;
            let r = RowReader::new(
                row,
                OP,
                "records",
                format!("tenant={tenant}, kind={kind}, source_id={source_id}"),
            );
            let entity: Entity = r.json("data")?;
            if entity.kind() != kind || entity.id() != source_id {
                return Err(StoreError::Corrupt {
                    op: OP,
                    table: "records",
                    key: format!("tenant={tenant}, kind={kind}, source_id={source_id}"),
                    column: "data",
                    detail: format!(
                        "it holds {} `{}`, not the row's record",
                        entity.kind(),
                        entity.id()
                    ),
                });
            }
            out.push(RecordState {
                tenant: tenant.to_owned(),
                status: r.parse("status")?,
                source_active: r.flag("source_active")?,
                source_id,
                entity,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TENANT, create_page, store_with_run, user};

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
        store.stage_begin().unwrap();
        // 2 changed and inactive at the source, 4 new; 1, 3 and 5 not returned.
        let mut renamed = user("2", "renamed");
        if let Entity::User(u) = &mut renamed {
            u.active = false;
        }
        store
            .stage(Kind::User, &[renamed, user("4", "u4")])
            .unwrap();

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
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let chunk = store
                .records_after(full, TENANT, Kind::User, after.as_deref(), 2)
                .unwrap();
            let Some(last) = chunk.last() else { break };
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
            ]
        );
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
        store.stage_begin().unwrap();
        store.stage(Kind::User, &[inactive("1")]).unwrap();
        let view = RecordView::Planned { swept: &[] };
        let [state] = store
            .records_after(view, TENANT, Kind::User, None, 10)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(state.status, RecordStatus::Deactivated);
        assert!(!state.source_active);
        store.stage(Kind::User, &[user("1", "u1")]).unwrap();
        let [state] = store
            .records_after(view, TENANT, Kind::User, None, 10)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(state.status, RecordStatus::Active);
    }
}
