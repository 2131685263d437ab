//! Logging for the binary: `tracing` to stderr, filtered by `RUST_LOG` or `-v`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `verbose` raises the default level (0: info, 1: debug,
/// 2+: trace); `RUST_LOG`, when set, wins.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "info,wasmtime=warn,cranelift=warn",
        1 => "debug,wasmtime=info,cranelift=warn",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
