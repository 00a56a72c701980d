//! The commands: the writer and the tools for cron and scripts.

pub mod cat;
pub mod cron;
pub mod follow;
pub mod import;
pub mod reset;
pub mod room;
pub mod rotate;
pub mod status;
pub mod targets;
pub mod write;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::compress;
use crate::config::{OnBusy, RotateConfig};
use crate::fileset::FileSet;
use crate::lock::{self, Acquired, Holder, Lock, Role};
use crate::messages;
use crate::naming::Naming;
use crate::plan::Listing;
use crate::state::{State, StateDir};

/// What a process that holds a set's lock does before it changes the set,
/// writer and `rotate` alike: finishes a rotation a crash left half done,
/// resolves backups a crash left in two forms or half compressed, and
/// syncs what a writer stopped at once still owed. `listing` is the set as
/// already listed; returns it as it is after.
pub fn recover(set: &FileSet, count: u64, state: &mut State, listing: Listing) -> Result<Listing> {
    let mut listing = listing;
    lock::note_cascade(set, &mut listing)?;
    if listing.leftover.is_some() {
        set.recover(count, &listing)?;
        listing = set.list()?;
        lock::note_cascade(set, &mut listing)?;
    }
    if compress::recover(set, &listing)? {
        listing = set.list()?;
        lock::note_cascade(set, &mut listing)?;
    }
    state.settle(set, &listing)?;
    Ok(listing)
}

/// The failures of a command that works on many sets: each is one line on
/// stderr as it happens, and any of them makes the exit status 1 (fd's
/// `merge_exitcodes`). Shared by the threads of a parallel run.
#[derive(Debug, Default)]
pub struct Failures(AtomicBool);

impl Failures {
    /// Reports one failure.
    pub fn fail(&self, e: &anyhow::Error) {
        messages::error(&format!("{e:#}"));
        self.0.store(true, Ordering::Relaxed);
    }

    /// Reports the error of a result, if it is one; the value otherwise.
    pub fn check<T>(&self, r: Result<T>) -> Option<T> {
        r.map_err(|e| self.fail(&e)).ok()
    }

    /// The command's exit status: 1 if anything failed, else 0.
    pub fn exit_code(&self) -> ExitCode {
        if self.0.load(Ordering::Relaxed) {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Whether what a tool read of a set before it took the set's lock is
/// still true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// The lock was free at once: nobody changed the set meanwhile.
    Fresh,
    /// Another tool held the lock first and may have changed the set.
    Stale,
}

/// Who holds a set, as a tool sees it.
pub enum Access {
    /// No writer: the tool holds the lock and may change the set itself.
    Alone(Lock, Listed),
    /// A live writer, to be asked.
    Writer(Holder),
    /// Another tool holds the lock, and the caller does not wait.
    Busy(Holder),
}

/// Takes the set's lock for a tool, or finds its live writer; waits up to
/// `timeout` for another tool to finish, or with [`OnBusy::Skip`] not at all.
pub fn access(set: &FileSet, timeout: Duration, on_busy: OnBusy) -> Result<Access> {
    let me = Holder {
        pid: std::process::id(),
        role: Role::Tool,
        ..Holder::default()
    };
    let deadline = std::time::Instant::now() + timeout;
    let mut listed = Listed::Fresh;
    loop {
        match lock::acquire(set, &me)? {
            Acquired::Held(l) => return Ok(Access::Alone(l, listed)),
            Acquired::Busy(h) if h.is_writer() => return Ok(Access::Writer(*h)),
            Acquired::Busy(h) if on_busy == OnBusy::Skip => return Ok(Access::Busy(*h)),
            Acquired::Busy(h) if std::time::Instant::now() >= deadline => {
                bail!(
                    "{} is busy: pid {} holds its lock",
                    set.naming.path().display(),
                    h.pid
                )
            }
            Acquired::Busy(_) => {
                listed = Listed::Stale;
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Refuses a user who may not modify the set: write access to its
/// directory and to its main file (`None`: none yet) is needed, as the
/// thread's effective identity (a set's `--su`) has it.
pub fn check_may_modify(set: &FileSet, main: Option<&[u8]>, verb: &str) -> Result<()> {
    use rustix::fs::{Access as A, AtFlags};
    let dir = set.naming.dir().display().to_string();
    let mut checks = vec![(std::ffi::OsString::from("."), format!("directory {dir}"))];
    if let Some(main) = main {
        checks.push((crate::naming::os(main), set.show(main)));
    }
    for (what, show) in checks {
        if let Err(e) = rustix::fs::accessat(
            set.dir(),
            &what,
            A::WRITE_OK,
            AtFlags::SYMLINK_NOFOLLOW | AtFlags::EACCESS,
        ) {
            bail!(
                "cannot {verb} {}: no write access to {show}: {}",
                set.naming.path().display(),
                std::io::Error::from(e)
            );
        }
    }
    Ok(())
}

/// Opens a set for `rotate` and reads its state, once: its backups are
/// named and numbers padded as asked, else as its last writer (or rotate)
/// did. `names`: its directory as listed when the arguments were expanded
/// (see [`rotate_one`]), which tells whether a state file is beside it.
pub fn open_set(
    naming: &Naming,
    cfg: &RotateConfig,
    names: Option<&[Vec<u8>]>,
) -> Result<(FileSet, State)> {
    // rotate's own rotations are of sets no rollover writer holds: a
    // backup that goes to another file system moves after the hook.
    let mut set = FileSet::open(naming.clone(), cfg.trust)?.defer_moves();
    let beside = names.is_none_or(|n| n.binary_search(&naming.own_name("state")).is_ok());
    let state = State::load_kept(&set, cfg.state_dir.as_ref(), beside)?;
    let dates = match &cfg.names {
        Some(n) => n.format().map(str::to_string),
        None => state.dates.clone(),
    };
    let padding = cfg.padding.or(state.padding).unwrap_or_default();
    set.naming = set
        .naming
        .clone()
        .with_dates(dates.as_deref())
        .map_err(anyhow::Error::msg)?
        .with_padding(padding)
        .with_extension(cfg.extension.as_deref().or(state.extension.as_deref()));
    let backup_dir = cfg.backup_dir.clone().or_else(|| {
        state
            .backup_dir
            .clone()
            .map(|dir| crate::config::BackupDir { dir, make: None })
    });
    if let Some(b) = backup_dir {
        let missing = !set.naming.dir().join(&b.dir).exists();
        if cfg.dry_run && b.make.is_some() && missing {
            // A dry run makes nothing; the real run would make it.
            messages::print(&format!(
                "create backup directory {}",
                set.naming.dir().join(&b.dir).display()
            ));
        } else {
            set = set.with_backup_dir(&b.dir, b.make)?;
        }
    }
    Ok((set, state))
}

/// Opens a set to read it (harmless in any directory), as its state
/// records it: its backup directory, how its backups are named. State it
/// may not read (mode 0600, another user's) is left aside: the names show
/// what they can.
pub fn open_recorded(naming: &Naming, state_dir: Option<&StateDir>) -> Result<(FileSet, State)> {
    let mut set = FileSet::open(naming.clone(), crate::config::DirTrust::Shared)?;
    let state = State::load_kept(&set, state_dir, true).unwrap_or_default();
    if let Some(dir) = &state.backup_dir {
        set = set.with_backup_dir(dir, None)?;
    }
    // Date-named backups are told by the FORMAT their writer recorded.
    if let Some(format) = &state.dates {
        set.naming = set
            .naming
            .clone()
            .with_dates(Some(format))
            .map_err(anyhow::Error::msg)?;
    }
    set.naming = set
        .naming
        .clone()
        .with_extension(state.extension.as_deref());
    Ok((set, state))
}

/// Opens the set a path names to read it (`cat`, `follow`): as its state
/// records it, with every member held open, oldest first; a set with no
/// member at all is an error (`cannot VERB PATH`).
pub fn open_to_read(
    path: &std::path::Path,
    state_dir: Option<&StateDir>,
    verb: &str,
) -> Result<(FileSet, Vec<crate::reading::Member>)> {
    let naming = targets::one_set(path)?;
    let (set, _) = open_recorded(&naming, state_dir)?;
    crate::fileset::hold_many_files();
    let members = crate::reading::open_members(&set, true)?;
    if members.is_empty() {
        return Err(std::io::Error::from(rustix::io::Errno::NOENT))
            .with_context(|| format!("cannot {verb} {}", path.display()));
    }
    Ok((set, members))
}
