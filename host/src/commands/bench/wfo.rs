//! The WFO suite: users from the simulated inContact Central through the `central` component
//! into the hub and its WFO accounts: a first full sync (every account created), an
//! unchanged one, and an incremental one after a few users moved to another team.

use std::time::Instant;

use anyhow::bail;
use ccsync_sim::{CentralSim, CentralSimConfig};
use ccsync_store::{RunMode, RunStatus};
use serde::{Deserialize, Serialize};

use super::{Suite, median, peak_rss_kib};
use crate::app::App;
use crate::commands::demo::{self, Workspace};
use crate::sync::{Progress, RunOptions};

/// Users moved to `iWFO Not Enabled` before the incremental run.
const MOVED: usize = 100;

/// The WFO suite.
pub struct Wfo;

/// What one child process measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Sample {
    /// First full sync: every WFO account created.
    create_secs: f64,
    /// Second full sync: every user read and compared, nothing written.
    unchanged_secs: f64,
    /// Incremental sync after [`MOVED`] users moved team (phones removed, billing changed).
    incremental_secs: f64,
    /// Peak resident memory of the process (simulator included), in KiB.
    peak_rss_kib: u64,
}

impl Suite for Wfo {
    const NAME: &'static str = "wfo";
    const SIZES: &'static [usize] = &[10_000, 100_000];
    type Sample = Sample;

    async fn measure(users: usize) -> anyhow::Result<Sample> {
        let dir = tempfile::tempdir()?;
        let central = CentralSim::start(CentralSimConfig::new(7, users)).await?;
        let mut ws = Workspace::new(dir.path(), "ccsync bench: the WFO suite")?;
        demo::central_connection(&mut ws, &central)?;
        ws.section(demo::WFO_FLOW);
        let config = ws.finish()?;
        let mut app = App::open(&config)?;
        let flow = app.flow(demo::WFO)?.clone();
        let progress = Progress::hidden();
        let mut timed = async |mode| -> anyhow::Result<f64> {
            let started = Instant::now();
            let options = RunOptions {
                mode,
                dry_run: false,
            };
            let report = app.run_flow(&flow, options, &progress).await?;
            if report.status != RunStatus::Succeeded {
                bail!("benchmark run {:?}: {:?}", report.status, report.error);
            }
            Ok(started.elapsed().as_secs_f64())
        };
        let create_secs = timed(RunMode::Full).await?;
        let unchanged_secs = timed(RunMode::Full).await?;
        let not_enabled = central
            .team_named("iWFO Not Enabled")
            .map(|t| t.team_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no iWFO Not Enabled team"))?;
        for id in central.agent_ids(0..MOVED.min(users)) {
            central.move_agent(id, not_enabled)?;
        }
        let incremental_secs = timed(RunMode::Incremental).await?;
        Ok(Sample {
            create_secs,
            unchanged_secs,
            incremental_secs,
            peak_rss_kib: peak_rss_kib(),
        })
    }

    fn header(repeat: usize) -> String {
        format!(
            "Central -> WFO (median of {repeat} runs; simulator in-process)\n{:>8} {:>14} \
             {:>17} {:>16} {:>10}",
            "users", "create users/s", "unchanged users/s", "100 moved, s", "peak MiB",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        let n = users as f64;
        format!(
            "{:>8} {:>14.0} {:>17.0} {:>16.3} {:>10.1}",
            users,
            n / median(samples, |s| s.create_secs),
            n / median(samples, |s| s.unchanged_secs),
            median(samples, |s| s.incremental_secs),
            median(samples, |s| s.peak_rss_kib as f64) / 1024.0
        )
    }
}
