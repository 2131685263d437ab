//! Read positions per (flow, kind).
//!
//! Two positions, with different lifetimes: the *page cursor* says where an interrupted read
//! resumes and is cleared when a read completes; the *watermark* is the source's high-water
//! mark from the last complete read, where the next incremental read starts. Both move only
//! inside [`Store::commit_page`], in the transaction that stores the page they follow, so a
//! crash can never leave a cursor ahead of (or behind) the records.

use ccsync_model::Kind;
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::Store;
use crate::codec::RowReader;
use crate::error::{Result, SqlContext};
use crate::runs::RunId;

/// Where a flow's read of one kind stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cursor {
    pub flow: String,
    pub kind: Kind,
    /// Where the next incremental read starts; `None` before the first complete read.
    pub watermark: Option<String>,
    /// Where an interrupted read resumes; `None` when no read is half done.
    pub page_cursor: Option<String>,
    /// How many records the last complete full read returned; `None` before one.
    pub full_count: Option<u64>,
    /// The run that last moved the cursor.
    pub run: Option<RunId>,
    pub updated_at: Timestamp,
}

/// A cursor move, committed with a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorUpdate {
    /// The new page cursor: the next page's cursor, or `None` once the read is complete.
    pub page_cursor: Option<String>,
    /// `None` leaves the watermark as it is; `Some(w)` sets it to `w` (normally on the last
    /// page of a complete read).
    pub watermark: Option<Option<String>>,
    /// `Some(n)` on the last page of a complete full read that returned `n` records: the
    /// base the next full read's shrink guard compares with. `None` leaves it as it is.
    pub full_count: Option<u64>,
}

impl Store {
    /// The cursor of `flow` for `kind`, if any read ever moved it.
    pub fn cursor(&self, flow: &str, kind: Kind) -> Result<Option<Cursor>> {
        const OP: &str = "cursor";
        let key = || format!("flow {flow}, kind {kind}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT watermark, page_cursor, full_count, run, updated_at FROM cursors
                 WHERE flow = ?1 AND kind = ?2",
            )
            .ctx(OP, key)?;
        let mut rows = stmt.query(params![flow, kind.as_str()]).ctx(OP, key)?;
        let Some(row) = rows.next().ctx(OP, key)? else {
            return Ok(None);
        };
        let r = RowReader::new(row, OP, "cursors", format!("flow={flow}, kind={kind}"));
        Ok(Some(Cursor {
            flow: flow.to_owned(),
            kind,
            watermark: r.get("watermark")?,
            page_cursor: r.get("page_cursor")?,
            full_count: r.get("full_count")?,
            run: r.get::<Option<i64>>("run")?.map(RunId),
            updated_at: r.timestamp("updated_at")?,
        }))
    }
}

/// Applies `update` to the (flow, kind) cursor inside the page's transaction.
pub(crate) fn apply(
    conn: &Connection,
    run: RunId,
    flow: &str,
    kind: Kind,
    update: &CursorUpdate,
    now: &str,
) -> Result<()> {
    const OP: &str = "commit_page: move cursor";
    let key = || format!("run {run}, flow {flow}, kind {kind}");
    let (set_watermark, watermark) = match &update.watermark {
        Some(w) => (true, w.as_deref()),
        None => (false, None),
    };
    conn.prepare_cached(
        "INSERT INTO cursors (flow, kind, watermark, page_cursor, run, updated_at, full_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8)
         ON CONFLICT (flow, kind) DO UPDATE SET
             watermark = CASE WHEN ?7 THEN excluded.watermark ELSE cursors.watermark END,
             full_count = coalesce(excluded.full_count, cursors.full_count),
             page_cursor = excluded.page_cursor,
             run = excluded.run,
             updated_at = excluded.updated_at",
    )
    .ctx(OP, key)?
    .execute(params![
        flow,
        kind.as_str(),
        watermark,
        update.page_cursor,
        run,
        now,
        set_watermark,
        update.full_count.map(|n| n as i64),
    ])
    .ctx(OP, key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageBatch;
    use crate::testing::{FLOW, TENANT, store_with_run};

    fn move_cursor(store: &mut Store, run: RunId, update: CursorUpdate) -> Cursor {
        let mut batch = PageBatch::new(run, FLOW, TENANT, Kind::User);
        batch.cursor = Some(update);
        store.commit_page(&batch).unwrap();
        store.cursor(FLOW, Kind::User).unwrap().unwrap()
    }

    #[test]
    fn cursor_round_trips_and_a_watermark_moves_only_when_given() {
        let (mut store, run) = store_with_run();
        assert_eq!(store.cursor(FLOW, Kind::User).unwrap(), None);

        let c = move_cursor(
            &mut store,
            run,
            CursorUpdate {
                page_cursor: Some("p2".into()),
                watermark: None,
                full_count: None,
            },
        );
        assert_eq!(
            (c.page_cursor.as_deref(), c.watermark.as_deref(), c.run),
            (Some("p2"), None, Some(run))
        );

        // Last page of a complete read: the page cursor clears, the watermark advances.
        let c = move_cursor(
            &mut store,
            run,
            CursorUpdate {
                page_cursor: None,
                watermark: Some(Some("2025-02-01T00:00:00Z".into())),
                full_count: None,
            },
        );
        assert_eq!(
            (c.page_cursor.as_deref(), c.watermark.as_deref()),
            (None, Some("2025-02-01T00:00:00Z"))
        );

        // A later page without a watermark leaves it where it was.
        let c = move_cursor(
            &mut store,
            run,
            CursorUpdate {
                page_cursor: Some("p9".into()),
                watermark: None,
                full_count: None,
            },
        );
        assert_eq!(
            (c.page_cursor.as_deref(), c.watermark.as_deref()),
            (Some("p9"), Some("2025-02-01T00:00:00Z"))
        );

        // An explicit `Some(None)` resets the watermark (forcing the next read to be full).
        let c = move_cursor(
            &mut store,
            run,
            CursorUpdate {
                page_cursor: None,
                watermark: Some(None),
                full_count: None,
            },
        );
        assert_eq!((c.page_cursor, c.watermark), (None, None));
        assert_eq!(store.cursor(FLOW, Kind::Team).unwrap(), None);
        assert_eq!(store.cursor("other-flow", Kind::User).unwrap(), None);
    }
}
