//! `ccsync bench`: how fast each flow goes from its simulated source through the WASM
//! connectors to its target, how much memory that takes, and how many requests it makes.
//!
//! Each measurement runs in a fresh child process (this binary, `bench --one`), so its peak
//! resident memory is its own and not the high-water mark of an earlier, larger size. Each
//! size is measured `--repeat` times and the median is printed: the machines are shared and
//! noisy, so single figures mislead. One module per suite, each with its own sample and
//! table.

mod baseline;
mod dialer;
mod mapping;
mod wfm;
mod wfo;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cli::BenchArgs;

/// One benchmark suite: what one child measures, and how the medians are printed.
trait Suite {
    /// Its name on the command line.
    const NAME: &'static str;
    /// The sizes measured when `--users` is not given.
    const SIZES: &'static [usize];
    /// What one child process measured.
    type Sample: Serialize + DeserializeOwned;

    /// One measurement at `users`, in this process.
    async fn measure(users: usize) -> anyhow::Result<Self::Sample>;

    /// The table's title and header line.
    fn header(repeat: usize) -> String;

    /// The table's line for `users`, from its samples.
    fn row(users: usize, samples: &[Self::Sample]) -> String;
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let suites: &[&str] = match args.suite.as_str() {
        "all" => &[
            wfm::Wfm::NAME,
            wfo::Wfo::NAME,
            mapping::Mapping::NAME,
            dialer::Dialer::NAME,
        ],
        one => &[one][..],
    };
    for (i, suite) in suites.iter().enumerate() {
        if i > 0 && args.one.is_none() {
            outln!()?;
        }
        match *suite {
            wfm::Wfm::NAME => suite_run::<wfm::Wfm>(&args).await?,
            dialer::Dialer::NAME => suite_run::<dialer::Dialer>(&args).await?,
            mapping::Mapping::NAME => suite_run::<mapping::Mapping>(&args).await?,
            wfo::Wfo::NAME => suite_run::<wfo::Wfo>(&args).await?,
            other => bail!("unknown benchmark suite {other:?}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn suite_run<S: Suite>(args: &BenchArgs) -> anyhow::Result<()> {
    if let Some(users) = args.one {
        let sample = S::measure(users).await?;
        outln!("{}", serde_json::to_string(&sample)?)?;
        return Ok(());
    }
    let exe = std::env::current_exe().context("locating the ccsync binary")?;
    outln!("{}", S::header(args.repeat))?;
    let sizes = if args.users.is_empty() {
        S::SIZES.to_vec()
    } else {
        args.users.clone()
    };
    for users in sizes {
        let mut samples = Vec::new();
        for _ in 0..args.repeat {
            let output = tokio::process::Command::new(&exe)
                .args(["bench", "--suite", S::NAME, "--one", &users.to_string()])
                .output()
                .await
                .context("running a benchmark child")?;
            if !output.status.success() {
                bail!(
                    "the {} benchmark of {users} users failed:\n{}",
                    S::NAME,
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            let sample: S::Sample = serde_json::from_slice(&output.stdout)
                .context("reading a benchmark child's result")?;
            samples.push(sample);
        }
        outln!("{}", S::row(users, &samples))?;
    }
    Ok(())
}

/// The median of one figure over the samples.
fn median<T>(samples: &[T], figure: impl Fn(&T) -> f64) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(figure).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The process's peak resident set (`VmHWM`), or 0 where /proc is not available.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string(Path::new("/proc/self/status"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
