//! `rollover reset`: empties main files, keeps backups; beside a live
//! writer, the writer does it.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cmd::targets::{self, Target};
use crate::cmd::{Access, Failures, access, check_may_modify};
use crate::config::{OnBusy, ResetConfig};
use crate::control::{self, Ask};
use crate::fileset::FileSet;
use crate::naming::Naming;
use crate::state::State;

/// Runs `reset` on every PATH; a failure on one does not stop the others.
pub fn run(cfg: &ResetConfig) -> Result<ExitCode> {
    let failures = Failures::default();
    for naming in &cfg.sets {
        failures.check(reset_one(naming, cfg));
    }
    Ok(failures.exit_code())
}

fn reset_one(naming: &Naming, cfg: &ResetConfig) -> Result<()> {
    let path = naming.path().to_path_buf();
    let naming = match targets::resolve(&path)? {
        Target::Set(n) => n,
        Target::Backup { of } => bail!(
            "cannot reset {}: it is a backup of {}; reset empties a set's main file",
            path.display(),
            of.display()
        ),
    };
    let set = FileSet::open(naming, cfg.trust)?;
    let listing = set.list()?;
    let Some(main) = listing.main else {
        return Err(std::io::Error::from(rustix::io::Errno::NOENT))
            .with_context(|| format!("cannot reset {}", path.display()));
    };
    set.check_main(&main)?;
    check_may_modify(&set, Some(&main.name), "reset")?;
    match access(&set, cfg.timeout, OnBusy::Wait)? {
        Access::Alone(lock, _) => {
            let done = set.truncate(&main.name).and_then(|()| {
                State::load_kept(&set, cfg.state_dir.as_ref(), true)?.record_origin(&set)
            });
            lock.release(&set);
            done
        }
        Access::Writer(w) => control::ask(&set, w.pid, Ask::Reset, cfg.timeout),
        Access::Busy(h) => bail!("{} is busy: pid {} holds its lock", path.display(), h.pid),
    }
}
