//! `PRODUCER | rollover PATH`: opens the set, takes its lock, and runs the
//! pipeline until end of input or a stop signal.

use anyhow::{Result, bail};

use crate::cmd::targets::{self, Target};
use crate::cmd::{check_may_modify, recover};
use crate::config::{DirTrust, OpenMode, WriteConfig};
use crate::control::Claim;
use crate::fileset::{Create, FileSet, Opened};
use crate::lock::{self, AlreadyWritten, Holder, Role};
use crate::messages;
use crate::naming::Naming;
use crate::pipeline::{self, Options};
use crate::signals::Signals;
use crate::state::State;
use crate::writer::{Settings, Writer};

/// Runs the writer: checks everything that can refuse the run, takes
/// the set, opens its main file, and runs the pipeline.
pub fn run(cfg: WriteConfig) -> Result<()> {
    // `app.0.log` where the `%` set `app.%.log` lives is that set.
    let naming = match targets::resolve(cfg.set.path())? {
        Target::Set(n) => n
            .with_dates(cfg.set.dates())
            .map_err(anyhow::Error::msg)?
            .with_padding(cfg.set.padding())
            .with_extension(cfg.set.extension()),
        Target::Backup { .. } => cfg.set.clone(),
    };
    let mut set = FileSet::open(naming, cfg.trust)?;
    if let Some(b) = &cfg.backup_dir {
        set = set.with_backup_dir(&b.dir, b.make)?;
    }
    refuse(&set, &cfg)?;
    let me = Holder {
        pid: std::process::id(),
        role: Role::Writer,
        count: cfg.policy.count,
        max_size: cfg.policy.max_size,
        max_age: cfg.policy.max_age,
        every: cfg.policy.every,
        finishing: cfg.finishing.clone(),
        cascading: false,
    };
    let mut claim = Claim::take(&set, me)?;
    let (opened, owed_hooks) = open_main(&set, &cfg)?;
    // Handlers first: a signal sent once the socket answers is acted on,
    // never the default action.
    let signals = Signals::install()?;
    claim.listen(&set);
    if rustix::termios::isatty(std::io::stdin()) {
        messages::note("reading from the terminal (end with Ctrl-D)");
    }
    let settings = Settings {
        policy: cfg.policy,
        fsync: cfg.fsync,
        finishing: cfg.finishing,
        date_of: cfg.date_of,
        perm: cfg.perm,
    };
    let mut writer = Writer::new(set, opened, settings)?;
    writer.owed_work(owed_hooks)?;
    writer.retain();
    let opts = Options {
        partial_timeout: cfg.partial_timeout,
        timestamp: cfg.timestamp,
        tee: cfg.tee,
        rules: cfg.rules,
        rate_limit: cfg.rate_limit,
        drop_buffer: cfg.drop_buffer,
    };
    pipeline::run(writer, claim, &signals, opts)
}

/// Everything that can refuse the run, checked before the lock file is
/// made, so that a refusal leaves the directory exactly as it was.
fn refuse(set: &FileSet, cfg: &WriteConfig) -> Result<()> {
    let before = set.list()?;
    if cfg.mode == OpenMode::Exclusive {
        if let Some(m) = &before.main {
            bail!(
                "cannot create {}: it already exists (mode x)",
                set.show(&m.name)
            );
        }
        if let Some(b) = before.backups.last() {
            bail!(
                "cannot create {}: backup {} already exists (mode x)",
                set.naming.path().display(),
                set.show(&b.name)
            );
        }
    }
    let main = before.main.as_ref().map(|m| m.name.as_slice());
    if let Some(m) = &before.main {
        set.check_main(m)?;
    }
    check_may_modify(set, main, "write")?;
    refuse_plain_writer(set, main)
}

/// With the set's lock held: finishes what a crash left, records what
/// this writer keeps, clears the set in mode `w`, and opens (or creates)
/// the main file, its age counting from its birth or the last time it
/// was emptied; also the hooks a crash left owed, for the finisher.
fn open_main(set: &FileSet, cfg: &WriteConfig) -> Result<(Opened, OwedHooks)> {
    let count = cfg.policy.count;
    let mut state = State::load(set)?;
    let listing = recover(set, count, &mut state, set.list()?)?;
    let owed_hooks = state.owed_hooks(set, &listing)?;
    let compress_from = cfg
        .finishing
        .compress
        .as_ref()
        .map(|_| cfg.finishing.compress_from);
    let backup_dir = cfg.backup_dir.as_ref().map(|b| b.dir.clone());
    state.record_writer(set, count, compress_from, backup_dir)?;
    state.record_space_rule(set, cfg.finishing.room.map(|r| r.describe()))?;
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
            state.record_origin(set)?;
        }
    }
    let name = listing
        .main
        .map_or_else(|| set.naming.main_name(count), |m| m.name);
    let how = match cfg.mode {
        OpenMode::Exclusive => Create::New,
        OpenMode::Append | OpenMode::Truncate => Create::IfMissing,
    };
    let mut opened = set.open_main(&name, how, cfg.perm)?;
    opened.born = state.origin(opened.born);
    Ok((opened, owed_hooks))
}

/// Hooks a crash left owed: each backup's name, identity and hook.
type OwedHooks = Vec<(Vec<u8>, crate::plan::FileId, crate::state::OwedHook)>;

/// A `%` set's main file may also have been named literally (`app.0.log`)
/// by a writer started before the set's own lock existed: that writer
/// holds the plain name's lock, and this one must not write beside it.
fn refuse_plain_writer(set: &FileSet, main: Option<&[u8]>) -> Result<()> {
    if !set.naming.is_percent() {
        return Ok(());
    }
    if let Some(main) = main {
        let plain = Naming::new(&set.path_of(main)).map_err(anyhow::Error::msg)?;
        let plain = FileSet::open(plain, DirTrust::Shared)?;
        if let Some(w) = lock::live_writer(&plain)? {
            return Err(AlreadyWritten {
                set: set.naming.path().display().to_string(),
                pid: w.pid,
            }
            .into());
        }
    }
    Ok(())
}
