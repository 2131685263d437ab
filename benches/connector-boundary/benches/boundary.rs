//! `cargo bench -p ccsync-bench-boundary [-- --users 10000,100000 --repeat 5 --page-size N]`:
//! what the WebAssembly boundary costs the `cxone-acd` connector.
//!
//! For each tenant size, every user is read from the in-process CXone simulator three ways,
//! interleaved in each repetition so that noise spreads evenly: as the bundled component under
//! `ccsync-runtime` (as the host runs it), natively over reqwest, and natively over recorded
//! responses (no HTTP). It prints medians and ratios; it asserts nothing about time, only that
//! every mode read the same users. Without `--bench` (as `cargo test --benches` runs it) it
//! does one quick pass on a small tenant, to prove that it works.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use ccsync_bench_boundary::native::{ReqwestHost, http_client, read_all_users_native};
use ccsync_bench_boundary::replay::{Recording, RecordingHost};
use ccsync_bench_boundary::stats::{median, per_second};
use ccsync_bench_boundary::{Tally, connector_settings, native_settings, wasm};
use ccsync_runtime::{CacheOutcome, Limits, LoadedPlugin, Runtime, RuntimeOptions};
use ccsync_sim::{AcdSim, AcdSimConfig};
use clap::Parser;
use cxone_acd::Settings;
use tokio::runtime::Handle;

/// The simulator's seed: every size reads the same generated agents.
const SEED: u64 = 7;

#[derive(Debug, Parser)]
#[command(about = "What the WebAssembly plugin boundary costs the cxone-acd connector")]
struct Args {
    /// Tenant sizes (agents) to read.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000])]
    users: Vec<usize>,
    /// Runs per mode and size; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// The connector's `page-size` setting (1..=10000); its default when absent.
    #[arg(long)]
    page_size: Option<u32>,
    /// Passed by `cargo bench`; without it, a quick smoke pass (as under `cargo test`).
    #[arg(long, hide = true)]
    bench: bool,
}

/// The timings of one tenant size, one entry per repetition.
#[derive(Default)]
struct Runs {
    wasm: Vec<Duration>,
    wasm_connect: Vec<Duration>,
    native: Vec<Duration>,
    replay: Vec<Duration>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if !args.bench {
        args.users = vec![1_000];
        args.repeat = 1;
        println!("smoke pass (run with `cargo bench` for figures)");
    }
    ensure!(args.repeat > 0, "--repeat must be at least 1");
    println!("{}", machine_notes());

    let limits = Limits::default();
    let cache_dir = tempfile::tempdir().context("creating a component cache directory")?;
    let plugin = measure_load(&limits, cache_dir.path(), args.repeat).await?;
    let http = http_client(limits.http_timeout)?;

    println!(
        "\n{:>8} {:>6}  {:<30} {:>10} {:>12} {:>11}",
        "agents", "pages", "mode", "median s", "users/s", "time/native"
    );
    for &agents in &args.users {
        let sim = AcdSim::start(AcdSimConfig::new(SEED, agents))
            .await
            .context("starting the CXone simulator")?;
        let settings = connector_settings(&sim, args.page_size);
        let parsed = native_settings(&settings)?;
        let connection = wasm::connection(settings, &sim.base_url())?;

        // Untimed: warms both paths and records the responses the replay mode answers with.
        let (tally, recording) = record(&parsed, &http, &limits).await?;
        ensure!(
            tally.records() == agents,
            "the native read saw {} agents of {agents}",
            tally.records()
        );
        let warm = wasm::read_all_users(&plugin, connection.clone()).await?;
        same(&tally, &warm.tally, "wasm")?;

        let mut runs = Runs::default();
        for _ in 0..args.repeat {
            let read = wasm::read_all_users(&plugin, connection.clone()).await?;
            same(&tally, &read.tally, "wasm")?;
            runs.wasm.push(read.total);
            runs.wasm_connect.push(read.connect);

            let host = ReqwestHost::new(http.clone(), Handle::current(), limits.max_response_bytes);
            let (read, elapsed, _) = read_all_users_native(parsed.clone(), host).await?;
            same(&tally, &read, "native")?;
            runs.native.push(elapsed);

            let (read, elapsed, host) =
                read_all_users_native(parsed.clone(), recording.replay()).await?;
            same(&tally, &read, "replay")?;
            ensure!(
                host.is_done(),
                "the replayed read left recorded requests unasked"
            );
            runs.replay.push(elapsed);
        }
        report(agents, &tally, &parsed, &runs)?;
        sim.shutdown().await;
    }
    println!("\n{}", load_average());
    Ok(())
}

/// Loads the component `repeat` times without a cache (a cold compile each time) and
/// `repeat` times from a warm cache, prints the medians, and returns the cached plugin.
async fn measure_load(
    limits: &Limits,
    cache_dir: &std::path::Path,
    repeat: usize,
) -> anyhow::Result<LoadedPlugin> {
    let options = |cache_dir: Option<&std::path::Path>| RuntimeOptions {
        limits: limits.clone(),
        cache_dir: cache_dir.map(Into::into),
    };
    let uncached = Runtime::new(options(None))?;
    let mut cold = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        cold.push(wasm::load(&uncached).await?.load_time());
    }
    let cached = Runtime::new(options(Some(cache_dir)))?;
    let first = wasm::load(&cached).await?;
    ensure!(
        *first.cache_outcome() == CacheOutcome::Miss,
        "the fresh cache already held the component: {:?}",
        first.cache_outcome()
    );
    let mut hits = Vec::with_capacity(repeat);
    let mut plugin = first;
    for _ in 0..repeat {
        plugin = wasm::load(&cached).await?;
        ensure!(
            *plugin.cache_outcome() == CacheOutcome::Hit,
            "a cached load was not a cache hit: {:?}",
            plugin.cache_outcome()
        );
        hits.push(plugin.load_time());
    }
    let size = ccsync_bundled::connector("cxone-acd").map_or(0, |p| p.component.len());
    println!(
        "component load (cxone-acd, {} KiB), median of {repeat}: cold compile {:.1} ms, \
         from the cache {:.2} ms",
        size / 1024,
        ms(median(&cold)),
        ms(median(&hits)),
    );
    Ok(plugin)
}

/// One native read over reqwest that records every exchange.
async fn record(
    settings: &Settings,
    http: &reqwest::Client,
    limits: &Limits,
) -> anyhow::Result<(Tally, Recording)> {
    let host = RecordingHost::new(ReqwestHost::new(
        http.clone(),
        Handle::current(),
        limits.max_response_bytes,
    ));
    let (tally, _, host) = read_all_users_native(settings.clone(), host).await?;
    Ok((tally, host.into_recording()))
}

fn same(expected: &Tally, got: &Tally, mode: &str) -> anyhow::Result<()> {
    if expected != got {
        bail!("the {mode} read returned {got:?}, the recorded native read {expected:?}");
    }
    Ok(())
}

fn report(agents: usize, tally: &Tally, settings: &Settings, runs: &Runs) -> anyhow::Result<()> {
    let pick = |samples: &[Duration]| median(samples).context("no runs");
    let (wasm, native, replay) = (pick(&runs.wasm)?, pick(&runs.native)?, pick(&runs.replay)?);
    let connect = pick(&runs.wasm_connect)?;
    let row = |mode: &str, elapsed: Duration, first: bool| {
        let (agents, pages) = if first {
            (agents.to_string(), tally.pages.to_string())
        } else {
            (String::new(), String::new())
        };
        println!(
            "{agents:>8} {pages:>6}  {mode:<30} {:>10.3} {:>12.0} {:>10.2}x",
            elapsed.as_secs_f64(),
            per_second(tally.users, elapsed),
            elapsed.as_secs_f64() / native.as_secs_f64(),
        );
    };
    row("wasm component (ccsync-runtime)", wasm, true);
    row("native, reqwest host", native, false);
    row("native, replayed (no HTTP)", replay, false);
    let per_page = |d: Duration| d.as_secs_f64() * 1e3 / tally.pages.max(1) as f64;
    println!(
        "{:>17}page size {}; per page: wasm {:.2} ms, native {:.2} ms, mapping {:.2} ms; \
         wasm connect (instantiate + configure) {:.0} µs",
        "",
        settings.page_size,
        per_page(wasm),
        per_page(native),
        per_page(replay),
        connect.as_secs_f64() * 1e6,
    );
    Ok(())
}

fn ms(duration: Option<Duration>) -> f64 {
    duration.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

/// CPUs, CPU model and load, for the reader of the figures (Linux; blank elsewhere).
fn machine_notes() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    format!(
        "machine: {cpus} CPUs available, {model}; {}; simulator in-process",
        load_average()
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "load average unknown".to_owned(),
        |text| {
            let fields: Vec<&str> = text.split_whitespace().take(3).collect();
            format!("load average {}", fields.join(" "))
        },
    )
}
