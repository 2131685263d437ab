//! `ccsync-sim`: runs a platform simulator on loopback until Ctrl-C, for operators trying a
//! configuration and integrators developing a connector.

use std::process::ExitCode;

use ccsync_sim::{AcdSim, AcdSimConfig};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ccsync-sim",
    version,
    about = "Simulated contact-center platform APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a NICE CXone ACD tenant (token endpoint, discovery, Admin API, /_sim/ control).
    Acd(AcdArgs),
}

#[derive(Debug, Args)]
struct AcdArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Number of generated agents.
    #[arg(long, default_value_t = 10_000)]
    agents: usize,
    /// Seed of the generated data: the same seed and size give the same tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Tenant id (for discovery and the id token).
    #[arg(long)]
    tenant: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let Command::Acd(args) = Cli::parse().command;
    let mut config = AcdSimConfig::new(args.seed, args.agents);
    config.port = Some(args.port);
    if let Some(tenant) = args.tenant {
        config.tenant_id = tenant;
    }
    let sim = match AcdSim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("ccsync-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    let credentials = sim.credentials();
    println!(
        "CXone ACD simulator: {} agents, seed {}",
        args.agents, args.seed
    );
    println!("auth-url          = {}", sim.base_url());
    println!(
        "api-url           = {}",
        sim.api_url(ccsync_sim::acd::DEFAULT_API_VERSION)
    );
    println!("tenant-id         = {}", sim.tenant_id());
    println!("client-id         = {}", credentials.client_id);
    println!("client-secret     = {}", credentials.client_secret);
    println!("access-key-id     = {}", credentials.access_key_id);
    println!("access-key-secret = {}", credentials.access_key_secret);
    println!("control           = {}/_sim/info", sim.base_url());
    println!("Ctrl-C stops.");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("ccsync-sim: cannot wait for Ctrl-C: {error}");
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
