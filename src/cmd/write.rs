//! `PRODUCER | rollover PATH`: opens the set, takes its lock, and runs the
//! pipeline until end of input or a stop signal.

use anyhow::{Result, bail};

use crate::config::{OpenMode, WriteConfig};
use crate::control::Claim;
use crate::fileset::{Create, FileSet};
use crate::lock::Holder;
use crate::pipeline::{self, Options};
use crate::state;
use crate::writer::Writer;

/// Runs the writer.
pub fn run(cfg: WriteConfig) -> Result<()> {
    let set = FileSet::open(cfg.set.clone(), cfg.trust)?;
    let count = cfg.policy.count;

    if cfg.mode == OpenMode::Exclusive {
        // Checked before anything is created, so that a refusal leaves
        // the directory exactly as it was.
        let listing = set.list()?;
        if let Some(m) = &listing.main {
            bail!(
                "cannot create {}: it already exists (mode x)",
                set.show(&m.name)
            );
        }
        if let Some(b) = listing.backups.last() {
            bail!(
                "cannot create {}: backup {} already exists (mode x)",
                set.naming.path().display(),
                set.show(&b.name)
            );
        }
    }

    let me = Holder {
        pid: std::process::id(),
        role: "writer".into(),
        count,
        max_size: cfg.policy.max_size,
        max_age: cfg.policy.max_age,
    };
    let mut claim = Claim::take(&set, me)?;
    set.recover(count)?;
    let listing = set.list()?;
    state::settle(&set, &listing)?;
    if cfg.mode == OpenMode::Truncate {
        // A main file that must be refused is refused before anything of
        // the set is deleted.
        if let Some(m) = &listing.main {
            set.check_main(m)?;
        }
        for b in &listing.backups {
            set.delete(&b.name)?;
        }
        if let Some(m) = &listing.main {
            set.truncate(&m.name)?;
        }
    }
    let name = listing
        .main
        .map_or_else(|| set.naming.main_name(count), |m| m.name);
    let how = match cfg.mode {
        OpenMode::Exclusive => Create::New,
        OpenMode::Append | OpenMode::Truncate => Create::IfMissing,
    };
    let opened = set.open_main(&name, how, cfg.perm)?;
    claim.listen(&set);
    let writer = Writer::new(set, opened, cfg.policy, cfg.fsync, cfg.perm);
    let opts = Options {
        partial_timeout: cfg.partial_timeout,
        timestamp: cfg.timestamp,
        tee: cfg.tee,
    };
    pipeline::run(writer, claim, opts)
}
