//! The WFM suite: users from the simulated ACD through the `cxone-acd` component into the hub
//! and its WFM accounts: a first full sync, an unchanged one (with the rows it wrote, counted
//! per table), an incremental one after a few changes, and a full dry run; and the naive
//! baseline's first and unchanged syncs of the same users, in the same process, for the
//! ratios.

use std::time::Instant;

use anyhow::bail;
use ccsync_sim::{AcdSim, AcdSimConfig};
use ccsync_store::{RunMode, RunStatus};
use serde::{Deserialize, Serialize};

use super::baseline::naive_sync;
use super::{Suite, median, peak_rss_kib};
use crate::app::App;
use crate::commands::demo::{FLOW, prepare};
use crate::sync::{Progress, RunOptions};

/// Agents changed between the full runs and the incremental one.
const CHANGED: usize = 100;

/// The WFM suite.
pub struct Wfm;

/// What one child process measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Sample {
    /// First full sync: every user created.
    create_secs: f64,
    /// Second full sync: every user read and compared, nothing written.
    unchanged_secs: f64,
    /// Incremental sync after [`CHANGED`] agents changed.
    incremental_secs: f64,
    /// Full dry run (`ccsync plan` when a full run is due): every user read and planned,
    /// records and WFM accounts, nothing written.
    plan_secs: f64,
    /// Peak resident memory of the process (simulator included), in KiB.
    peak_rss_kib: u64,
    /// Rows the unchanged full sync wrote outside the run's own bookkeeping.
    unchanged_rows: u64,
    /// The naive baseline's first sync.
    baseline_create_secs: f64,
    /// The naive baseline's unchanged re-sync.
    baseline_unchanged_secs: f64,
}

/// The tables a run writes whatever it reads: its own row, its counters, its cursors, its
/// projection mark. Rows written anywhere else by an unchanged sync are work it need not do.
const BOOKKEEPING: &[&str] = &["runs", "cursors", "sqlite_sequence", "projections"];

impl Suite for Wfm {
    const NAME: &'static str = "wfm";
    const SIZES: &'static [usize] = &[10_000, 100_000];
    type Sample = Sample;

    async fn measure(users: usize) -> anyhow::Result<Sample> {
        let dir = tempfile::tempdir()?;
        let sim = AcdSim::start(AcdSimConfig::new(7, users)).await?;
        let config = prepare(dir.path(), &sim)?;
        let mut app = App::open(&config)?;
        let flow = app.flow(FLOW)?.clone();
        let progress = Progress::hidden();
        let timed = async |app: &mut App, mode, dry_run| -> anyhow::Result<f64> {
            let started = Instant::now();
            let options = RunOptions { mode, dry_run };
            let report = app.run_flow(&flow, options, &progress).await?;
            if report.status != RunStatus::Succeeded {
                bail!("benchmark run {:?}: {:?}", report.status, report.error);
            }
            Ok(started.elapsed().as_secs_f64())
        };
        let baseline_db = dir.path().join("baseline.db");
        let create_secs = timed(&mut app, RunMode::Full, false).await?;
        let changes = app.store.watch_row_changes()?;
        let unchanged_secs = timed(&mut app, RunMode::Full, false).await?;
        let unchanged_rows = changes
            .by_table()
            .into_iter()
            .filter(|(table, _)| !BOOKKEEPING.contains(&table.as_str()))
            .map(|(_, rows)| rows)
            .sum();
        let baseline_create_secs = naive_sync(&app, FLOW, &baseline_db).await?;
        let baseline_unchanged_secs = naive_sync(&app, FLOW, &baseline_db).await?;
        for id in sim.agent_ids(0..CHANGED.min(users)) {
            sim.update_agent(id, |agent| agent.first_name = Some("Changed".into()))?;
        }
        let incremental_secs = timed(&mut app, RunMode::Incremental, false).await?;
        let plan_secs = timed(&mut app, RunMode::Full, true).await?;
        Ok(Sample {
            create_secs,
            unchanged_secs,
            incremental_secs,
            plan_secs,
            peak_rss_kib: peak_rss_kib(),
            unchanged_rows,
            baseline_create_secs,
            baseline_unchanged_secs,
        })
    }

    fn header(repeat: usize) -> String {
        format!(
            "ACD -> WFM (median of {repeat} runs; simulator in-process; \"x base\": the naive \
             baseline's time over ccsync's, measured in the same process)\n{:>8} {:>14} {:>7} \
             {:>17} {:>7} {:>14} {:>19} {:>14} {:>10}",
            "users",
            "create users/s",
            "x base",
            "unchanged users/s",
            "x base",
            "unchanged rows",
            "incremental (100) s",
            "plan users/s",
            "peak MiB",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        let n = users as f64;
        let create = median(samples, |s| s.create_secs);
        let unchanged = median(samples, |s| s.unchanged_secs);
        format!(
            "{:>8} {:>14.0} {:>6.2}x {:>17.0} {:>6.2}x {:>14} {:>19.3} {:>14.0} {:>10.1}",
            users,
            n / create,
            median(samples, |s| s.baseline_create_secs) / create,
            n / unchanged,
            median(samples, |s| s.baseline_unchanged_secs) / unchanged,
            median(samples, |s| s.unchanged_rows as f64),
            median(samples, |s| s.incremental_secs),
            n / median(samples, |s| s.plan_secs),
            median(samples, |s| s.peak_rss_kib as f64) / 1024.0
        )
    }
}
