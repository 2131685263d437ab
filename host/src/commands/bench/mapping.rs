//! The mapping suite (API economy): hub users mapped through the `ringcentral` component to
//! the simulated RingCentral directory at the platform's real rate limits (the simulator's
//! clock runs 60 times faster, so a simulated minute lasts a second): the requests a first
//! mapping, the re-run that tries the unmapped once more (rule P3) and an unchanged re-run
//! make, the simulated minutes each takes, and the 429s (zero: the connector paces itself).
//! The baseline is what looking every user up by email would cost: one request per 50.

use anyhow::bail;
use ccsync_sim::{AcdSim, AcdSimConfig, RingCentralSim, RingCentralSimConfig};
use ccsync_store::{RunMode, RunStatus};
use serde::{Deserialize, Serialize};

use super::{Suite, median};
use crate::app::App;
use crate::commands::demo::{self, Workspace};
use crate::sync::rules::p::BATCH;
use crate::sync::{Progress, RunOptions};

/// The mapping suite.
pub struct Mapping;

/// One run's cost at the directory.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Cost {
    requests: u64,
    minutes: f64,
    too_many: u64,
}

/// What one child process measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Sample {
    /// Requests looking every user with an email up would take.
    baseline_requests: u64,
    first: Cost,
    retry: Cost,
    unchanged: Cost,
}

impl Suite for Mapping {
    const NAME: &'static str = "mapping";
    const SIZES: &'static [usize] = &[1_000, 10_000, 100_000];
    type Sample = Sample;

    async fn measure(users: usize) -> anyhow::Result<Sample> {
        let dir = tempfile::tempdir()?;
        let acd = AcdSim::start(AcdSimConfig::new(7, users)).await?;
        let mut config = RingCentralSimConfig::new(7, users).with_time_scale(60);
        config.acd_tenant_id = acd.tenant_id().to_owned();
        let rc = RingCentralSim::start(config).await?;
        let mut ws = Workspace::new(dir.path(), "ccsync bench: the mapping suite")?;
        demo::acd_connection(&mut ws, &acd)?;
        demo::ringcentral_connection(&mut ws, &rc)?;
        ws.section(demo::PRESENCE_FLOW);
        let config = ws.finish()?;
        let mut app = App::open(&config)?;
        let flow = app.flow(demo::PRESENCE)?.clone();
        let progress = Progress::hidden();
        let mut measured = async || -> anyhow::Result<Cost> {
            rc.reset_counters();
            let options = RunOptions {
                mode: RunMode::Incremental,
                dry_run: false,
            };
            let report = app.run_flow(&flow, options, &progress).await?;
            if report.status != RunStatus::Succeeded {
                bail!("benchmark run {:?}: {:?}", report.status, report.error);
            }
            let counters = rc.counters();
            Ok(Cost {
                requests: counters.light + counters.medium,
                minutes: counters.simulated_minutes,
                too_many: counters.rate_limited,
            })
        };
        let first = measured().await?;
        let retry = measured().await?;
        let unchanged = measured().await?;
        let with_email = acd
            .agents()
            .iter()
            .filter(|a| a.email_address.is_some())
            .count();
        Ok(Sample {
            baseline_requests: with_email.div_ceil(BATCH) as u64,
            first,
            retry,
            unchanged,
        })
    }

    fn header(repeat: usize) -> String {
        format!(
            "CXone -> RingCentral mapping at the real limits (40 directory requests a minute; \
             median of {repeat} runs; minutes are simulated)\n{:>8} {:>17} {:>16} {:>13} \
             {:>16} {:>13} {:>18} {:>15} {:>6}",
            "users",
            "look-up baseline",
            "first requests",
            "first min",
            "retry requests",
            "retry min",
            "unchanged requests",
            "unchanged min",
            "429s",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        let m = |f: fn(&Sample) -> f64| median(samples, f);
        format!(
            "{:>8} {:>17.0} {:>16.0} {:>13.2} {:>16.0} {:>13.2} {:>18.0} {:>15.2} {:>6.0}",
            users,
            m(|s| s.baseline_requests as f64),
            m(|s| s.first.requests as f64),
            m(|s| s.first.minutes),
            m(|s| s.retry.requests as f64),
            m(|s| s.retry.minutes),
            m(|s| s.unchanged.requests as f64),
            m(|s| s.unchanged.minutes),
            samples
                .iter()
                .map(|s| s.first.too_many + s.retry.too_many + s.unchanged.too_many)
                .max()
                .unwrap_or(0) as f64,
        )
    }
}
