//! The WFM suite: users from the simulated ACD through the `cxone-acd` component into the hub
//! and its WFM accounts: a first full sync, an unchanged one, an incremental one after a few
//! changes, and a full dry run.

use std::time::Instant;

use anyhow::bail;
use ccsync_sim::{AcdSim, AcdSimConfig};
use ccsync_store::{RunMode, RunStatus};
use serde::{Deserialize, Serialize};

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
}

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
        let mut timed = async |mode, dry_run| -> anyhow::Result<f64> {
            let started = Instant::now();
            let options = RunOptions { mode, dry_run };
            let report = app.run_flow(&flow, options, &progress).await?;
            if report.status != RunStatus::Succeeded {
                bail!("benchmark run {:?}: {:?}", report.status, report.error);
            }
            Ok(started.elapsed().as_secs_f64())
        };
        let create_secs = timed(RunMode::Full, false).await?;
        let unchanged_secs = timed(RunMode::Full, false).await?;
        for id in sim.agent_ids(0..CHANGED.min(users)) {
            sim.update_agent(id, |agent| agent.first_name = Some("Changed".into()))?;
        }
        let incremental_secs = timed(RunMode::Incremental, false).await?;
        let plan_secs = timed(RunMode::Full, true).await?;
        Ok(Sample {
            create_secs,
            unchanged_secs,
            incremental_secs,
            plan_secs,
            peak_rss_kib: peak_rss_kib(),
        })
    }

    fn header(repeat: usize) -> String {
        format!(
            "ACD -> WFM (median of {repeat} runs; simulator in-process)\n{:>8} {:>14} {:>17} \
             {:>19} {:>14} {:>10}",
            "users",
            "create users/s",
            "unchanged users/s",
            "incremental (100) s",
            "plan users/s",
            "peak MiB",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        let n = users as f64;
        format!(
            "{:>8} {:>14.0} {:>17.0} {:>19.3} {:>14.0} {:>10.1}",
            users,
            n / median(samples, |s| s.create_secs),
            n / median(samples, |s| s.unchanged_secs),
            median(samples, |s| s.incremental_secs),
            n / median(samples, |s| s.plan_secs),
            median(samples, |s| s.peak_rss_kib as f64) / 1024.0
        )
    }
}
