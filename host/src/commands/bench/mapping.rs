//! The mapping suite (API economy): hub users mapped through the `ringcentral` component to
//! the simulated RingCentral directory at the platform's real rate limits (the simulator's
//! clock runs 60 times faster, so a simulated minute lasts a second): the requests a first
//! mapping, the re-run that tries the unmapped once more (rule P3) and an unchanged re-run
//! make, the minutes those requests need at 40 a minute (whole windows the connector must
//! wait), the run's simulated wall time (the source read included), and the 429s (zero: the
//! connector paces itself). The baseline is what looking every user up by email would cost:
//! one request per 50.

use anyhow::bail;
use ccsync_sim::ringcentral::RateLimits;
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

/// RingCentral's limit of directory requests a minute (the Medium group), as the simulator
/// enforces it by default.
fn per_minute() -> u64 {
    u64::from(RateLimits::default().medium)
}

/// The whole minutes `requests` directory requests need at [`per_minute`]: the first minute's
/// go at once, every further started batch waits a window.
fn paced_minutes(requests: u64) -> f64 {
    requests.div_ceil(per_minute()).saturating_sub(1) as f64
}

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
             median of {repeat} runs; `req` requests, `min` minutes of waiting they need at the \
             limit, `wall` the run's simulated minutes, source read included)\n{:>8} {:>18} \
             {:>24} {:>24} {:>24} {:>6}",
            "users",
            "baseline req/min",
            "first req/min/wall",
            "retry req/min/wall",
            "unchanged req/min/wall",
            "429s",
        )
    }

    fn row(users: usize, samples: &[Sample]) -> String {
        let m = |f: &dyn Fn(&Sample) -> f64| median(samples, f);
        let cost = |pick: fn(&Sample) -> Cost| {
            let requests = m(&|s| pick(s).requests as f64);
            format!(
                "{requests:.0} / {:.0} / {:.2}",
                paced_minutes(requests as u64),
                m(&|s| pick(s).minutes)
            )
        };
        let baseline = m(&|s| s.baseline_requests as f64);
        format!(
            "{:>8} {:>18} {:>24} {:>24} {:>24} {:>6}",
            users,
            format!("{baseline:.0} / {:.0}", paced_minutes(baseline as u64)),
            cost(|s| s.first),
            cost(|s| s.retry),
            cost(|s| s.unchanged),
            samples
                .iter()
                .map(|s| s.first.too_many + s.retry.too_many + s.unchanged.too_many)
                .max()
                .unwrap_or(0),
        )
    }
}
