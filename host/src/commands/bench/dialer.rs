//! The dialer suite: selected users pushed from the hub through the `ivinex` component to the
//! simulated Ivinex: the first push (every selected user created), an unchanged re-run (no
//! request at the target), and a push after a few users changed; with the target requests
//! each made.

use std::time::Instant;

use anyhow::bail;
use ccsync_model::Kind;
use ccsync_sim::{AcdSim, AcdSimConfig, IvinexSim, IvinexSimConfig};
use ccsync_store::{RecordFilter, RunMode, RunStatus};
use serde::{Deserialize, Serialize};

use super::{Suite, median, peak_rss_kib};
use crate::app::App;
use crate::commands::demo::{self, Workspace};
use crate::sync::{Progress, RunOptions};

/// Selected users changed before the last push.
const CHANGED: usize = 100;

/// The dialer suite.
pub struct Dialer;

/// What one child process measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Sample {
    /// The first push: every selected user created at the target.
    push_secs: f64,
    push_requests: usize,
    /// The same push again, nothing changed.
    unchanged_secs: f64,
    unchanged_requests: usize,
    /// A push after [`CHANGED`] users changed at the source.
    changed_secs: f64,
    changed_requests: usize,
    peak_rss_kib: u64,
}

impl Suite for Dialer {
    const NAME: &'static str = "dialer";
    const SIZES: &'static [usize] = &[1_000, 10_000];
    type Sample = Sample;

    async fn measure(users: usize) -> anyhow::Result<Sample> {
        let dir = tempfile::tempdir()?;
        let acd = AcdSim::start(AcdSimConfig::new(7, users)).await?;
        let ivinex = IvinexSim::start(IvinexSimConfig::new(7)).await?;
        let mut ws = Workspace::new(dir.path(), "ccsync bench: the dialer suite")?;
        demo::acd_connection(&mut ws, &acd)?;
        demo::ivinex_connection(&mut ws, &ivinex)?;
        ws.section(
            "[flows.dialer]\nsource = \"acd-demo\"\ntarget = \"ivinex-demo\"\n\
             family = \"dialer\"\nkinds = [\"user\"]\n",
        );
        let config = ws.finish()?;
        let mut app = App::open(&config)?;
        let flow = app.flow("dialer")?.clone();
        let progress = Progress::hidden();
        let options = RunOptions {
            mode: RunMode::Full,
            dry_run: false,
        };
        // Read the source; nothing is selected yet, so nothing is pushed.
        app.run_flow(&flow, options, &progress).await?;
        let ids: Vec<String> = app
            .store
            .list_records(&RecordFilter {
                tenant: Some("demo"),
                kind: Some(Kind::User),
                ..RecordFilter::default()
            })?
            .into_iter()
            .map(|r| r.source_id)
            .collect();
        app.store.select("dialer", "demo", "user", &ids, true)?;
        let mut timed = async || -> anyhow::Result<(f64, usize)> {
            ivinex.reset_request_log();
            let started = Instant::now();
            let report = app.run_flow(&flow, options, &progress).await?;
            if report.status != RunStatus::Succeeded {
                bail!("benchmark run {:?}: {:?}", report.status, report.error);
            }
            Ok((started.elapsed().as_secs_f64(), ivinex.request_log().len()))
        };
        let (push_secs, push_requests) = timed().await?;
        let (unchanged_secs, unchanged_requests) = timed().await?;
        for id in acd.agent_ids(0..CHANGED.min(users)) {
            acd.update_agent(id, |agent| agent.last_name = Some("Changed".into()))?;
        }
        let (changed_secs, changed_requests) = timed().await?;
        Ok(Sample {
            push_secs,
            push_requests,
            unchanged_secs,
            unchanged_requests,
            changed_secs,
            changed_requests,
            peak_rss_kib: peak_rss_kib(),
        })
    }

    fn header(repeat: usize) -> String {
        format!(
            "ACD -> Ivinex push of every user selected (median of {repeat} runs; simulators \
             in-process; requests: to Ivinex)\n{:>8} {:>16} {:>14} {:>18} {:>18} {:>20} \
             {:>18} {:>10}",
            "users",
            "push records/s",
            "push requests",
            "unchanged run s",
            "unchanged requests",
            "100 changed run s",
            "changed requests",
            "peak MiB",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        format!(
            "{:>8} {:>16.0} {:>14.0} {:>18.3} {:>18.0} {:>20.3} {:>18.0} {:>10.1}",
            users,
            users as f64 / median(samples, |s| s.push_secs),
            median(samples, |s| s.push_requests as f64),
            median(samples, |s| s.unchanged_secs),
            median(samples, |s| s.unchanged_requests as f64),
            median(samples, |s| s.changed_secs),
            median(samples, |s| s.changed_requests as f64),
            median(samples, |s| s.peak_rss_kib as f64) / 1024.0
        )
    }
}
