//! `ccsync bench`: how fast users flow from the simulated ACD through the WASM connector into
//! the hub, and how much memory that takes.
//!
//! Each measurement runs in a fresh child process (this binary, `bench --one`), so its peak
//! resident memory is its own and not the high-water mark of an earlier, larger size. Each
//! size is measured `--repeat` times and the median is printed: the machines are shared and
//! noisy, so single figures mislead.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use ccsync_sim::{AcdSim, AcdSimConfig};
use ccsync_store::{RunMode, RunStatus};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::cli::BenchArgs;
use crate::commands::demo::{FLOW, prepare};
use crate::sync::{Progress, RunOptions};

/// Agents changed between the full runs and the incremental one.
const CHANGED: usize = 100;

/// What one child process measured.
#[derive(Debug, Serialize, Deserialize)]
struct Sample {
    users: usize,
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

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if let Some(users) = args.one {
        let sample = measure(users).await?;
        outln!("{}", serde_json::to_string(&sample)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let exe = std::env::current_exe().context("locating the ccsync binary")?;
    outln!(
        "{:>8} {:>14} {:>16} {:>18} {:>14} {:>10}   (median of {} runs; simulator in-process)",
        "users",
        "create users/s",
        "unchanged users/s",
        "incremental (100) s",
        "plan users/s",
        "peak MiB",
        args.repeat
    )?;
    for &users in &args.users {
        let mut samples = Vec::new();
        for _ in 0..args.repeat {
            let output = tokio::process::Command::new(&exe)
                .args(["bench", "--one", &users.to_string()])
                .output()
                .await
                .context("running a benchmark child")?;
            if !output.status.success() {
                bail!(
                    "the benchmark of {users} users failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            let sample: Sample = serde_json::from_slice(&output.stdout)
                .context("reading a benchmark child's result")?;
            samples.push(sample);
        }
        let median = |f: fn(&Sample) -> f64| {
            let mut values: Vec<f64> = samples.iter().map(f).collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        let n = users as f64;
        outln!(
            "{:>8} {:>14.0} {:>16.0} {:>18.3} {:>14.0} {:>10.1}",
            users,
            n / median(|s| s.create_secs),
            n / median(|s| s.unchanged_secs),
            median(|s| s.incremental_secs),
            n / median(|s| s.plan_secs),
            median(|s| s.peak_rss_kib as f64) / 1024.0
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One measurement, in this process.
async fn measure(users: usize) -> anyhow::Result<Sample> {
    let dir = tempfile::tempdir().context("creating a scratch directory")?;
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
        users,
        create_secs,
        unchanged_secs,
        incremental_secs,
        plan_secs,
        peak_rss_kib: peak_rss_kib(Path::new("/proc/self/status")),
    })
}

/// The process's peak resident set (`VmHWM`), or 0 where /proc is not available.
fn peak_rss_kib(status: &Path) -> u64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
