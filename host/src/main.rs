//! The `ccsync` binary: parse the command line, set up logging, dispatch.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ccsync::cli::Cli::parse();
    ccsync::logging::init(cli.verbose);
    match ccsync::cli::run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`ccsync users list | head`): nothing to say.
        Err(e) if ccsync::cli::is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", ccsync::cli::error_message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
