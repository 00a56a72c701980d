//! rollover: write stdin into a rotating set of log files that never splits
//! a line, never exceeds its size limit and never loses a byte; and rotate,
//! reset and inspect such sets from cron and scripts.

#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod config;
pub mod docs;
pub mod fileset;
pub mod lock;
pub mod naming;
pub mod pipeline;
pub mod policy;
pub mod stamp;
pub mod units;
pub mod writer;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs the parsed command line. Failures of single sets (for `rotate`)
/// are printed as they happen and turn into exit status 1.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => {
            cmd::write::run(config::WriteConfig::from_args(cli.write)).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Rotate(args)) => cmd::rotate::run(&args),
        Some(Command::Reset(args)) => cmd::reset::run(&args),
        Some(Command::Status(args)) => cmd::status::run(&args),
    }
}

/// Prints one line on stderr, `rollover: ` first. Never panics: a logging
/// tool must not die because its stderr went away (`eprintln!` would).
pub fn report(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "rollover: {msg}");
}

/// Prints one line on stdout, ignoring a stdout that went away.
pub fn print(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
