//! The operator's selection of the records a push flow may push (rule D1): per flow and
//! kind, which hub records are selected. Every change is logged in the link log, as an
//! operator's, in the transaction that makes it.

use std::collections::HashSet;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::Store;
use crate::codec::{id_list, now_text};
use crate::error::{Result, SqlContext, StoreError};
use crate::links::{LinkAction, LinkChange, LinkContext, LinkOrigin, append_log};

/// How a push flow's selection of one kind stands against the records the hub holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionSummary {
    /// Records of the kind the hub holds for the tenant.
    pub records: u64,
    /// How many of them are selected.
    pub selected: u64,
    /// Active records not selected that the hub first stored after the selection last
    /// changed: new at the source, so the operator has not decided on them yet.
    pub new_unselected: u64,
    /// When the selection last changed; `None` if it never did.
    pub last_change: Option<Timestamp>,
}

impl Store {
    /// Whether each listed record is selected for push flow `flow` (rule D1), by source id.
    pub fn selected(
        &self,
        flow: &str,
        tenant: &str,
        kind: &str,
        ids: &[&str],
    ) -> Result<HashSet<String>> {
        const OP: &str = "selected";
        let key = || format!("flow {flow}, {tenant}/{kind}");
        let ids_json = id_list(ids, OP, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM selections
                 WHERE flow = ?1 AND tenant = ?2 AND kind = ?3
                   AND source_id IN (SELECT value FROM json_each(?4))",
            )
            .ctx(OP, key)?;
        let rows = stmt
            .query_map(params![flow, tenant, kind, ids_json], |row| row.get(0))
            .ctx(OP, key)?;
        rows.collect::<rusqlite::Result<_>>().ctx(OP, key)
    }

    /// Every record of a kind selected for push flow `flow`, in id order.
    pub fn selection(&self, flow: &str, tenant: &str, kind: &str) -> Result<Vec<String>> {
        const OP: &str = "selection";
        let key = || format!("flow {flow}, {tenant}/{kind}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM selections WHERE flow = ?1 AND tenant = ?2 AND kind = ?3
                 ORDER BY source_id",
            )
            .ctx(OP, key)?;
        let rows = stmt
            .query_map(params![flow, tenant, kind], |row| row.get(0))
            .ctx(OP, key)?;
        rows.collect::<rusqlite::Result<_>>().ctx(OP, key)
    }

    /// Selects (or deselects) records for push flow `flow`, logging each change as an
    /// operator's; records already so are left alone. Returns how many changed.
    pub fn select(
        &mut self,
        flow: &str,
        tenant: &str,
        kind: &str,
        ids: &[String],
        selected: bool,
    ) -> Result<usize> {
        const OP: &str = "select";
        let key = || format!("flow {flow}, {tenant}/{kind}, {} ids", ids.len());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(OP, key)?;
        let now = now_text();
        let context = LinkContext {
            flow,
            origin: LinkOrigin::Operator,
            run: None,
        };
        let mut changed = 0;
        for id in ids {
            let rows = if selected {
                tx.prepare_cached(
                    "INSERT INTO selections (flow, tenant, kind, source_id, selected_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )
                .ctx(OP, key)?
                .execute(params![flow, tenant, kind, id, now])
                .ctx(OP, key)?
            } else {
                tx.prepare_cached(
                    "DELETE FROM selections
                     WHERE flow = ?1 AND tenant = ?2 AND kind = ?3 AND source_id = ?4",
                )
                .ctx(OP, key)?
                .execute(params![flow, tenant, kind, id])
                .ctx(OP, key)?
            };
            if rows > 0 {
                changed += 1;
                let change = LinkChange {
                    link: None,
                    tenant: tenant.to_owned(),
                    kind: kind.to_owned(),
                    source_id: id.clone(),
                    expected: None,
                    display: None,
                    action: if selected {
                        LinkAction::Select
                    } else {
                        LinkAction::Deselect
                    },
                    reason: None,
                    changes: Vec::new(),
                };
                append_log(&tx, &context, &change, &now)?;
            }
        }
        tx.commit().ctx(OP, key)?;
        Ok(changed)
    }

    /// How the selection of `kind` for push flow `flow` stands (rule D1: a record that
    /// appears at the source is not selected until the operator selects it).
    pub fn selection_summary(
        &self,
        flow: &str,
        tenant: &str,
        kind: &str,
    ) -> Result<SelectionSummary> {
        const OP: &str = "selection_summary";
        let key = || format!("flow {flow}, {tenant}/{kind}");
        let last: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT max(at) FROM link_log
                 WHERE flow = ?1 AND tenant = ?2 AND kind = ?3
                   AND action IN ('select', 'deselect')",
            )
            .ctx(OP, key)?
            .query_row(params![flow, tenant, kind], |row| row.get(0))
            .optional()
            .ctx(OP, key)?
            .flatten();
        let (records, selected, new_unselected): (i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(*), count(s.source_id),
                        coalesce(sum(s.source_id IS NULL AND r.status = 'active'
                                     AND (?4 IS NULL OR r.created_at > ?4)), 0)
                 FROM records r
                 LEFT JOIN selections s
                   ON s.flow = ?1 AND s.tenant = r.tenant AND s.kind = r.kind
                  AND s.source_id = r.source_id
                 WHERE r.tenant = ?2 AND r.kind = ?3",
            )
            .ctx(OP, key)?
            .query_row(params![flow, tenant, kind, last], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .ctx(OP, key)?;
        let last_change = last
            .map(|at| {
                at.parse::<Timestamp>().map_err(|e| StoreError::Corrupt {
                    op: OP,
                    table: "link_log",
                    key: key(),
                    column: "at",
                    detail: format!("{at:?}: {e}"),
                })
            })
            .transpose()?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(SelectionSummary {
            records: count(records),
            selected: count(selected),
            new_unselected: count(new_unselected),
            last_change,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{FLOW, TENANT, create_page, store_with_run};

    #[test]
    fn d1_a_record_stored_after_the_selection_last_changed_counts_as_new_and_unselected() {
        let (mut store, run) = store_with_run();
        store
            .commit_page(&create_page(run, &["1", "2", "3"]))
            .unwrap();
        let none = store.selection_summary(FLOW, TENANT, "user").unwrap();
        assert_eq!((none.records, none.selected), (3, 0));
        assert_eq!(
            none.new_unselected, 3,
            "never selected: every record is undecided"
        );
        assert_eq!(none.last_change, None);

        store
            .select(FLOW, TENANT, "user", &["1".to_owned()], true)
            .unwrap();
        let after = store.selection_summary(FLOW, TENANT, "user").unwrap();
        assert_eq!((after.selected, after.new_unselected), (1, 0));
        assert!(after.last_change.is_some());

        std::thread::sleep(std::time::Duration::from_millis(2));
        store.commit_page(&create_page(run, &["4"])).unwrap();
        let grown = store.selection_summary(FLOW, TENANT, "user").unwrap();
        assert_eq!(
            (grown.records, grown.selected, grown.new_unselected),
            (4, 1, 1)
        );
    }
}
