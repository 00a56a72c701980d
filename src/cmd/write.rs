//! `PRODUCER | rollover PATH`: opens the set, takes its lock, and runs the
//! pipeline until end of input or a stop signal.

use anyhow::{Result, bail};

use crate::cli::OpenMode;
use crate::config::WriteConfig;
use crate::fileset::FileSet;
use crate::lock::{Claim, Holder};
use crate::naming::Naming;
use crate::pipeline::{self, Options};
use crate::writer::Writer;

/// Runs the writer.
pub fn run(cfg: WriteConfig) -> Result<()> {
    let naming = Naming::new(&cfg.path).map_err(anyhow::Error::msg)?;
    let set = FileSet::open(naming, cfg.insecure_dir)?;
    let count = cfg.policy.count;

    if cfg.mode == OpenMode::X {
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
                cfg.path.display(),
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
    if cfg.mode == OpenMode::W {
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
    let opened = set.open_main(&name, true, cfg.mode == OpenMode::X, cfg.perm)?;
    claim.listen(&set);
    let writer = Writer::new(set, opened, cfg.policy, cfg.fsync, cfg.perm);
    let opts = Options {
        partial_timeout: cfg.partial_timeout,
        timestamp: cfg.timestamp,
        tee: cfg.tee,
    };
    pipeline::run(writer, claim, opts)
}
