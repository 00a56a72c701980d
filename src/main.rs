use std::process::ExitCode;

use clap::Parser;
use rollover::cli::Cli;

fn main() -> ExitCode {
    let job = match Cli::parse().into_job() {
        Ok(job) => job,
        Err(e) => e.exit(),
    };
    match rollover::run(job) {
        Ok(code) => code,
        Err(err) => {
            rollover::messages::error(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
