//! `ccsync-sim`: runs a platform simulator on loopback until Ctrl-C, for operators trying a
//! configuration and integrators developing a connector.

use std::process::ExitCode;

use ccsync_sim::{
    AcdSim, AcdSimConfig, IvinexSim, IvinexSimConfig, RingCentralSim, RingCentralSimConfig,
};
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
    /// Simulate an Ivinex account (token endpoint, users, campaigns, dispositions, agent
    /// statuses, /_sim/ control), the target of a dialer push.
    Ivinex(IvinexArgs),
    /// Simulate a RingCentral account (JWT token endpoint, extension directory with rate
    /// limits, /_sim/ control) whose people are those of the ACD simulator of the same seed.
    Ringcentral(RingCentralArgs),
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

#[derive(Debug, Args)]
struct IvinexArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// Seed of the account's initial (hand-made) records and of its tokens.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Debug, Args)]
struct RingCentralArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8082)]
    port: u16,
    /// Number of ACD agents (of `ccsync-sim acd --agents N --seed S`) the directory's people
    /// are derived from.
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Seed of the generated data: the ACD simulator's seed, for overlapping people.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Simulated seconds per real second; one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60.
    #[arg(long, default_value_t = 1)]
    time_scale: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Acd(args) => acd(args).await,
        Command::Ivinex(args) => ivinex(args).await,
        Command::Ringcentral(args) => ringcentral(args).await,
    }
}

async fn acd(args: AcdArgs) -> ExitCode {
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
    wait_for_ctrl_c().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn ivinex(args: IvinexArgs) -> ExitCode {
    let config = IvinexSimConfig {
        port: Some(args.port),
        ..IvinexSimConfig::new(args.seed)
    };
    let sim = match IvinexSim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("ccsync-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    let credentials = sim.credentials();
    println!(
        "Ivinex simulator: {} users made by hand, seed {}",
        sim.users().len(),
        args.seed
    );
    println!("base-url      = {}", sim.base_url());
    println!("client-id     = {}", credentials.client_id);
    println!("client-secret = {}", credentials.client_secret);
    println!("api           = {}", sim.api_url());
    println!("control       = {}/_sim/info", sim.base_url());
    wait_for_ctrl_c().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn ringcentral(args: RingCentralArgs) -> ExitCode {
    let mut config =
        RingCentralSimConfig::new(args.seed, args.users).with_time_scale(args.time_scale);
    config.port = Some(args.port);
    let sim = match RingCentralSim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("ccsync-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "RingCentral simulator: {} extensions from {} ACD agents, seed {}, time scale {}",
        sim.extension_count(),
        args.users,
        args.seed,
        sim.time_scale()
    );
    for (key, value) in sim.connection_settings() {
        println!("{key:<13} = {value}");
    }
    println!("{:<13} = {}/_sim/info", "control", sim.base_url());
    wait_for_ctrl_c().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_ctrl_c() {
    println!("Ctrl-C stops.");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("ccsync-sim: cannot wait for Ctrl-C: {error}");
    }
}
