//! The naive baseline the WFM suite compares ccsync with: what an operator's hand-written sync
//! script does, in the same process, over the same connector component and simulator.
//!
//! Every page of users is read through the flow's source connector and written in one
//! transaction, one `INSERT … ON CONFLICT DO UPDATE … WHERE hash differs` per user with a
//! SHA-256 of its JSON. No staging, no safety gate, no log, no accounts, no crash-safe
//! watermark: the floor an operator compares ccsync's clock with. Its SQLite file uses the
//! hub's durability (WAL, `synchronous = NORMAL`), so the ratio compares work, not fsyncs.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use ccsync_model::Kind;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use crate::app::App;

/// One naive sync of the flow's users into the SQLite file at `db`; its seconds.
pub async fn naive_sync(app: &App, flow: &str, db: &Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let flow = app.flow(flow)?;
    let source = app.source(flow)?;
    let mut connector = app.connector(source).await?;
    let mut conn = Connection::open(db).context("opening the baseline's database")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS users (
             id TEXT PRIMARY KEY,
             data TEXT NOT NULL,
             hash TEXT NOT NULL
         )",
    )?;
    let mut cursor: Option<String> = None;
    loop {
        let page = connector
            .read(Kind::User, cursor.as_deref(), None)
            .await
            .context("the baseline's read")?;
        let tx = conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO users (id, data, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, hash = excluded.hash
                 WHERE users.hash <> excluded.hash",
            )?;
            for entity in &page.items {
                let data = serde_json::to_string(entity)?;
                let hash = hex::encode(Sha256::digest(data.as_bytes()));
                upsert.execute(params![entity.id(), data, hash])?;
            }
        }
        tx.commit()?;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(started.elapsed().as_secs_f64())
}
