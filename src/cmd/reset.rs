//! `rollover reset`: empties main files, keeps backups; beside a live
//! writer, the writer does it.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::ResetArgs;
use crate::cmd::{Access, access, check_may_modify};
use crate::fileset::FileSet;
use crate::lock::{self, Ask};
use crate::naming::Naming;

/// Runs `reset` on every PATH; a failure on one does not stop the others.
pub fn run(args: &ResetArgs) -> Result<ExitCode> {
    let mut failed = false;
    for path in &args.paths {
        if let Err(e) = reset_one(path, args) {
            crate::report(&format!("{e:#}"));
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn reset_one(path: &std::path::Path, args: &ResetArgs) -> Result<()> {
    let naming = Naming::new(path).map_err(anyhow::Error::msg)?;
    let set = FileSet::open(naming, args.insecure_dir)?;
    let listing = set.list()?;
    let Some(main) = listing.main else {
        bail!(
            "cannot reset {}: No such file or directory (os error 2)",
            path.display()
        );
    };
    set.check_main(&main)?;
    check_may_modify(&set, &main.name, "reset")?;
    match access(&set, args.timeout)? {
        Access::Alone(_lock) => set.truncate(&main.name),
        Access::Writer(w) => lock::ask(&set, w.pid, Ask::Reset, args.timeout),
    }
}
