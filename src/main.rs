use std::process::ExitCode;

use clap::Parser;
use rollover::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match rollover::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rollover: {err:#}");
            ExitCode::FAILURE
        }
    }
}
