use std::process::ExitCode;

use clap::Parser;
use rollover::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match rollover::run(cli) {
        Ok(code) => code,
        Err(err) => {
            rollover::report(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
