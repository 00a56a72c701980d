//! rollover: write stdin into a rotating set of log files that never splits
//! a line, never exceeds its size limit and never loses a byte; and rotate,
//! reset and inspect such sets from cron and scripts.
//!
//! The modules, top to bottom (each imports only from below it):
//! `cmd` (one module per command) → `pipeline` (the stdin loop, its line
//! buffer and its states) → `writer` (the open main file) → `control` (how
//! tools reach a live writer), `finish` (the queue beside the writer) →
//! `conffile` (the cron configuration, parsed by `cli`'s own parser),
//! `lock`, `state` (the set's own files), `retain`, `compress` →
//! `fileset` (the one place that changes a set on disk), `cli` (clap's
//! types, turned into a `config::Job`; nothing else names clap), `hook` →
//! `config` (what to do, as domain types) → `plan` (pure: which renames)
//! → `naming`, `policy` (pure: the one rotation decision), `units`,
//! `stamp`, `select`, `signals`, `su` (a set's identity), `logrotate` (the translation) and
//! `messages` (the one place that prints).

#![forbid(unsafe_code)]

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod compress;
pub mod conffile;
pub mod config;
pub mod control;
pub mod fileset;
pub mod finish;
pub mod hook;
pub mod lock;
pub mod logrotate;
pub mod messages;
pub mod naming;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod reading;
pub mod retain;
pub mod select;
pub mod signals;
pub mod space;
pub mod stamp;
pub mod state;
pub mod su;
pub mod units;
pub mod writer;

use std::process::ExitCode;

use anyhow::Result;

use crate::config::Job;

/// Runs one command. Failures of single sets (for `rotate`, `reset`,
/// `status`) are printed as they happen and turn into exit status 1.
pub fn run(job: Job) -> Result<ExitCode> {
    match job {
        Job::Write(cfg) => cmd::write::run(cfg).map(|()| ExitCode::SUCCESS),
        Job::Rotate(cfg) => cmd::rotate::run(&cfg),
        Job::RotateConfigFile(run) => cmd::cron::run(&run),
        Job::Reset(cfg) => cmd::reset::run(&cfg),
        Job::Status(cfg) => cmd::status::run(&cfg),
        Job::ImportLogrotate { files, state } => cmd::import::run(&files, state.as_deref()),
        Job::Cat(cfg) => cmd::cat::run(&cfg),
        Job::Follow(cfg) => cmd::follow::run(&cfg),
    }
}
