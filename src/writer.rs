//! The open main file: its size, its age, and the write path that applies
//! the size rule, follows the file at PATH when an outside tool moves it,
//! and hands each new backup to the finisher. A fault that may pass (a full
//! disk, EIO, a vanished directory) is never waited out here: the write
//! stops short and says why, and the main loop decides what to do meanwhile.

use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use rustix::fs::FileType;
use rustix::io::Errno;

use crate::config::{Finishing, Fsync};
use crate::fileset::{Create, FileSet, Opened, sync_file};
use crate::finish::{Ending, Finisher, Handover};
use crate::messages::{self, Warner};
use crate::naming::DateOf;
use crate::plan::{self, Empty, Entry};
use crate::policy::{Conditions, Cut, Decision, Policy, Reason, cut, decide};
use crate::space::{self, Watch};
use crate::state::{OwedHook, Place, State};

/// How long the size rule waits before trying a failed rotation again.
const RETRY_ROTATION: Duration = Duration::from_secs(1);

/// What a writer is told to do with its set.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: Policy,
    pub fsync: Fsync,
    pub finishing: Finishing,
    /// The time a date-named backup's name shows (`--date-of`).
    pub date_of: DateOf,
    /// The mode of a main file it creates (`--perm`).
    pub perm: Option<u32>,
}

/// The writer's side of the set: the main file it writes.
#[derive(Debug)]
pub struct Writer {
    set: FileSet,
    main: Opened,
    settings: Settings,
    /// Part of a line is in the file: the rest follows into the same file.
    mid_line: bool,
    /// Why the last write stopped short, if it did.
    stall: Option<String>,
    moved: Warner,
    trouble: Warner,
    rotation_failed: Option<Instant>,
    finisher: Finisher,
    /// `--fsync always` syncs that failed: each reported at once, and the
    /// run fails at exit.
    sync_failures: u32,
    /// `--keep-free`: the free space as the writer last read it.
    space: Option<Watch>,
}

impl Writer {
    /// Wraps the opened main file of `set` and starts its finisher.
    pub fn new(set: FileSet, main: Opened, settings: Settings) -> Result<Writer> {
        // A file-size limit below the size limit (`ulimit -f`) is the real
        // limit: rotating before it keeps lines whole, where hitting it
        // (EFBIG) would cut one.
        let mut settings = settings;
        let policy = &mut settings.policy;
        if let Some(fsize) = rustix::process::getrlimit(rustix::process::Resource::Fsize).current
            && (policy.max_size == 0 || fsize < policy.max_size)
        {
            policy.max_size = fsize;
        }
        let finisher = Finisher::start(set.try_clone()?, settings.finishing.clone());
        let space = match settings.finishing.room {
            Some(room) => Some(Watch::start(&set, room)?),
            None => None,
        };
        let mut writer = Writer {
            set,
            main,
            settings,
            mid_line: false,
            stall: None,
            moved: Warner::default(),
            trouble: Warner::default(),
            rotation_failed: None,
            finisher,
            sync_failures: 0,
            space,
        };
        writer.end_torn_line();
        Ok(writer)
    }

    /// Ends a line that another run left without its newline (torn by a
    /// crash, or its last line unterminated), so that the first line
    /// written now is a line of its own, never glued to that one. Called
    /// whenever the writer starts on a file it did not write last; a write
    /// that fails is a warning, and writing goes on.
    fn end_torn_line(&mut self) {
        if self.mid_line || !self.set.ends_mid_line(&self.main) {
            return;
        }
        match rustix::io::write(&self.main.fd, b"\n") {
            Ok(1) => self.main.size += 1,
            Ok(_) => {}
            Err(e) => messages::warn(&format!(
                "cannot end the unterminated last line of {}: {}",
                self.set.show(&self.main.name),
                std::io::Error::from(e)
            )),
        }
    }

    /// The set written.
    pub fn set(&self) -> &FileSet {
        &self.set
    }

    /// Whether a rotation may be tried now: not within a second of one that
    /// failed, whatever asks (the size rule, the timers, a signal).
    pub fn may_rotate(&self) -> bool {
        self.rotation_failed
            .is_none_or(|t| t.elapsed() >= RETRY_ROTATION)
    }

    /// The one rotation decision ([`decide`]) on the writer's time rules
    /// (`--max-age`, `--every`) at `now`; `None` without such a rule. The
    /// size rule is [`cut`]'s, line by line.
    pub fn time_decision(&self, now: SystemTime) -> Option<Decision> {
        Conditions::of_writer(&self.settings.policy)
            .map(|when| decide(self.main.size, self.main.born, now, &when))
    }

    /// Whether part of a line is in the file, its rest still to come.
    pub fn mid_line(&self) -> bool {
        self.mid_line
    }

    /// Gives up on the line in progress (it did not end in time): what
    /// follows may go into another file.
    pub fn end_line(&mut self) {
        self.mid_line = false;
    }

    /// Why the last write stopped short, and forgets it.
    pub fn take_stall(&mut self) -> Option<String> {
        self.stall.take()
    }

    /// Writes bytes that start at a line boundary (or continue a line
    /// already in the file), rotating where the size rule says so. One
    /// `write` per run of whole lines that fits. Returns how many bytes were
    /// written: all, or fewer when a fault stopped it ([`Writer::take_stall`]
    /// says which); nothing is ever written twice.
    pub fn write_lines(&mut self, data: &[u8]) -> Result<usize> {
        self.make_room(data.len() as u64, false);
        let mut done = 0;
        while done < data.len() {
            let rest = &data[done..];
            // How much goes into this file, and whether the size rule
            // rotates after it.
            let (n, then_rotate) = if self.mid_line {
                let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                (end, false)
            } else if !self.may_rotate() {
                (rest.len(), false)
            } else {
                match cut(rest, self.main.size, self.settings.policy.max_size) {
                    Cut::All => (rest.len(), false),
                    Cut::Then(n) => (n, true),
                    Cut::RotateFirst => {
                        self.rotate_for_size();
                        if self.main.size == 0 {
                            continue;
                        }
                        // The file at PATH could not be rotated away: write
                        // on rather than loop.
                        (rest.len(), false)
                    }
                }
            };
            let wrote = self.write_raw(&rest[..n])?;
            done += wrote;
            if wrote < n {
                break;
            }
            if then_rotate {
                self.rotate_for_size();
            }
        }
        Ok(done)
    }

    /// A rotation the size rule wants; a failure is a warning (once a
    /// minute) and writing goes on in the current file.
    fn rotate_for_size(&mut self) {
        if let Err(e) = self.rotate(Reason::Size) {
            self.trouble.warn(|| format!("{e:#}"));
        }
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<usize> {
        if !self.ensure_linked()? {
            return Ok(0);
        }
        let mut off = 0;
        while off < data.len() {
            match rustix::io::write(&self.main.fd, &data[off..]) {
                Ok(n) => {
                    off += n;
                    self.main.size += n as u64;
                    if let Some(w) = self.space.as_mut() {
                        w.wrote(n as u64);
                    }
                }
                Err(Errno::INTR | Errno::AGAIN) => {}
                // A file-size limit (`ulimit -f`): SIGXFSZ is ignored, so
                // the write fails instead; rotate and carry on.
                Err(Errno::FBIG) if self.main.size > 0 && self.rotate(Reason::Size).is_ok() => {}
                // No room: the oldest backup goes (--keep-free), and the
                // write is tried again at once.
                Err(e @ (Errno::NOSPC | Errno::DQUOT))
                    if self.free_one(&std::io::Error::from(e)) => {}
                Err(e @ (Errno::NOSPC | Errno::DQUOT | Errno::IO | Errno::FBIG)) => {
                    // A failed write wrote nothing: keep the rest, and say
                    // why, for the main loop to try again later.
                    self.stall = Some(format!(
                        "cannot write to {}: {}",
                        self.set.show(&self.main.name),
                        std::io::Error::from(e)
                    ));
                    break;
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot write to {}", self.set.show(&self.main.name))
                    });
                }
            }
        }
        if off > 0 {
            self.mid_line = data[off - 1] != b'\n';
        }
        if off > 0
            && self.settings.fsync == Fsync::Always
            && let Err(e) = sync_file(&self.main.fd, &self.set.show(&self.main.name))
        {
            // Reported at once and never retried (after a failed fsync
            // Linux may have dropped the data); the run then ends with 1.
            messages::error(&format!("{e:#}"));
            self.sync_failures += 1;
        }
        Ok(off)
    }

    /// Makes sure the main file still has a name before writing into it:
    /// a file deleted behind the writer's back (alone, or with its whole
    /// directory) would swallow the data. One `fstat` per batch. False
    /// while the directory is gone.
    fn ensure_linked(&mut self) -> Result<bool> {
        match rustix::fs::fstat(&self.main.fd) {
            Ok(st) if st.st_nlink == 0 => self.reopen(),
            _ => Ok(true),
        }
    }

    /// Rotates the set now: the main file becomes backup 1 (or is
    /// truncated, with count 0), a new one takes its place, and the old
    /// one goes to the finisher. An empty main file is not rotated. After
    /// a failure the size rule waits a second before it tries again.
    pub fn rotate(&mut self, reason: Reason) -> Result<()> {
        let outcome = self.rotate_once(reason);
        self.rotation_failed = outcome.is_err().then(Instant::now);
        outcome
    }

    fn rotate_once(&mut self, reason: Reason) -> Result<()> {
        // The listing, the plan and the renames under one hold of the gate:
        // no compression or retention renames or deletes a backup between
        // the listing and the cascade planned from it.
        let gate = self.finisher.gate();
        let held = gate.lock().unwrap_or_else(|e| e.into_inner());
        let mut listing = self.set.list()?;
        // A crash's half-done cascade closes its gap (see plan::shift).
        crate::lock::note_cascade(&self.set, &mut listing)?;
        if listing
            .main
            .as_ref()
            .is_none_or(|m| m.name != self.main.name)
        {
            listing.main = self.set.stat(&self.main.name)?;
        }
        self.follow(listing.main.as_ref())?;
        if self.main.size == 0 {
            return Ok(());
        }
        let steps = plan::rotation(
            &self.set.naming,
            &listing,
            self.settings.policy.count,
            self.settings.date_of.at(self.main.born, SystemTime::now()),
            Empty::Keep,
        );
        // The hook is owed from before the rename: a writer killed after
        // it leaves the hook to the next writer or rotate.
        if let Some(hook) = &self.settings.finishing.hook
            && steps
                .iter()
                .any(|s| matches!(s, plan::Action::SwapIn { .. }))
        {
            let id = plan::FileId {
                dev: self.main.dev,
                ino: self.main.ino,
            };
            if let Err(e) = State::owe_hook(&self.set, &Place::default(), id, hook, reason) {
                self.trouble.warn(|| format!("{e:#}"));
            }
        }
        let done = self
            .finisher
            .execute(&self.set, &steps, Some(&self.main.fd), held)?;
        match done.fresh {
            Some(fd) => {
                let new = self.set.adopt(fd, &self.main.name)?;
                let old = std::mem::replace(&mut self.main, new);
                let handover = Handover {
                    steps: &steps,
                    old: (self.settings.fsync != Fsync::Never).then_some(old.fd),
                    main: &self.main.name,
                    reason,
                    hook_done: false,
                };
                self.finisher
                    .after_rotation(&self.set, &self.settings.finishing, handover);
                self.make_room(0, true);
            }
            _ if !steps.is_empty() => {
                // Truncated in place: the file's age starts again now.
                self.main.size = 0;
                self.emptied();
            }
            _ => {}
        }
        self.mid_line = false;
        Ok(())
    }

    /// `--keep-free`: before writing `more` bytes, and at each rotation
    /// (`rotated`: the free space is read again, and a new backup may go),
    /// deletes the oldest backups while the rule is not met. The free space
    /// is read at most once a second otherwise, never per line.
    fn make_room(&mut self, more: u64, rotated: bool) {
        let Some(w) = self.space.as_mut() else {
            return;
        };
        if rotated {
            w.spent = false;
            w.read(&self.set);
        } else {
            w.read_if_due(&self.set);
        }
        while self.space.as_ref().is_some_and(|w| w.short(more)) {
            if !self.free_one(&"") {
                break;
            }
        }
    }

    /// Frees space: first by letting go of the handles the finisher's
    /// queue holds on backups deleted since (their blocks are freed only
    /// then), else by deleting the oldest backup the rule lets go, which
    /// it says; then reads the free space again. False when neither frees
    /// anything: only `--min-keep` backups are left (or none could be
    /// deleted). `why`: a failed write's error, or nothing.
    fn free_one(&mut self, why: &dyn std::fmt::Display) -> bool {
        if self.space.is_none() {
            return false;
        }
        // Compressing backups frees space too: no more waiting for a
        // busy writer.
        self.finisher.busy().short_of_space();
        if self.finisher.let_go_of_deleted() {
            if let Some(w) = self.space.as_mut() {
                w.read(&self.set);
            }
            return true;
        }
        let gate = self.finisher.gate();
        let Some(w) = self.space.as_mut() else {
            return false;
        };
        let finishing = &self.settings.finishing;
        match space::delete_oldest(&self.set, &w.room, &gate, None, finishing.verbose) {
            Ok(Some(freed)) => {
                self.finisher.let_go_of_deleted();
                w.read(&self.set);
                let why = why.to_string();
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(" after a write failed ({why})")
                };
                space::say_freed(&freed, &w.room, w.fs(), &why);
                if let Err(e) =
                    State::record_freed(&self.set, &Place::default(), &freed.show, freed.bytes)
                {
                    self.trouble.warn(|| format!("{e:#}"));
                }
                true
            }
            Ok(None) => {
                w.spent = true;
                false
            }
            Err(e) => {
                w.spent = true;
                self.trouble
                    .warn(|| format!("cannot delete a backup for space: {e:#}"));
                false
            }
        }
    }

    /// Queues the compressions and hooks a crash or a stop left owed.
    pub fn owed_work(&mut self, hooks: Vec<(Vec<u8>, plan::FileId, OwedHook)>) -> Result<()> {
        self.finisher
            .owed_work(&self.set, &self.settings.finishing, hooks)
    }

    /// Queues a look at the retention rules (hourly).
    pub fn retain(&mut self) {
        self.finisher.retain(&self.settings.finishing);
    }

    /// Empties the main file (`rollover reset` beside a live writer).
    pub fn reset(&mut self) -> Result<()> {
        self.follow_path()?;
        rustix::fs::ftruncate(&self.main.fd, 0)
            .with_context(|| format!("cannot truncate {}", self.set.show(&self.main.name)))?;
        self.main.size = 0;
        self.mid_line = false;
        self.emptied();
        Ok(())
    }

    /// The main file was emptied in place: its age starts again now, and
    /// the set's own file says so for the next writer and `rotate`.
    fn emptied(&mut self) {
        self.main.born = SystemTime::now();
        if let Err(e) = State::load(&self.set).and_then(|mut st| st.record_origin(&self.set)) {
            crate::messages::warn(&format!("{e:#}"));
        }
    }

    /// Makes sure the writer writes the file now at PATH (see
    /// [`Writer::follow`]).
    pub fn follow_path(&mut self) -> Result<()> {
        let found = self.set.stat(&self.main.name)?;
        self.follow(found.as_ref())
    }

    /// Given what is at PATH now: a file deleted or moved away is replaced
    /// by a new one, one that an outside tool put in its place is adopted.
    /// Also catches up with a size that changed behind the writer's back
    /// (a truncation by hand).
    fn follow(&mut self, found: Option<&Entry>) -> Result<()> {
        match found {
            Some(e) if e.ino == self.main.ino && e.dev == self.main.dev => {
                self.main.size = e.size;
                return Ok(());
            }
            Some(e) if e.file_type == FileType::Symlink => {
                let show = self.set.show(&e.name);
                self.moved.warn(|| {
                    format!("{show} is now a symbolic link; writing on into the file it replaced")
                });
                return Ok(());
            }
            _ => {}
        }
        // A directory that is gone shows as a failed write, in time.
        self.reopen().map(drop)
    }

    /// Reopens the main file at PATH, creating it if it is missing
    /// (`SIGHUP`, or after an outside tool moved it). If the set's
    /// directory itself is gone and not back yet, returns false (the
    /// stall's cause says so); once it exists again, writes go there.
    pub fn reopen(&mut self) -> Result<bool> {
        let name = self.main.name.clone();
        let opened = match self
            .set
            .open_main(&name, Create::IfMissing, self.settings.perm)
        {
            Ok(o) => o,
            Err(e) if self.set.dir_gone() => {
                if self.set.reopen_dir().is_err() {
                    let dir = self.set.naming.dir().display().to_string();
                    self.stall = Some(format!("directory {dir} is gone ({e:#})"));
                    return Ok(false);
                }
                self.set
                    .open_main(&name, Create::IfMissing, self.settings.perm)?
            }
            Err(e) => return Err(e),
        };
        let other = opened.ino != self.main.ino || opened.dev != self.main.dev;
        self.main = opened;
        if other {
            self.mid_line = false;
            self.end_torn_line();
        }
        Ok(true)
    }

    /// Tells the finisher of a read, and whether it filled the buffer
    /// (reads that keep filling it: the producer is ahead, and compression
    /// waits).
    pub fn read_done(&self, filled: bool) {
        self.finisher.busy().read(filled);
    }

    /// Ends the writer's work: waits for the finisher to finish every
    /// backup handed over, unless `stop()` turns true meanwhile (a second
    /// SIGTERM), in which case what is still owed is recorded in the set's
    /// state for the next writer or `rotate`. Failed syncs make it fail.
    pub fn close(&mut self, stop: impl Fn() -> bool) -> Result<()> {
        let failures = match self.finisher.close(stop) {
            Ending::Done { failures } => failures + self.sync_failures,
            Ending::Abandoned(owed) => {
                let n = owed.len();
                State::load(&self.set)?.record_owed(&self.set, owed)?;
                bail!(
                    "stopped at once: {n} backup{} of {} not yet synced; the next writer or rotate on the set syncs {}",
                    if n == 1 { "" } else { "s" },
                    self.set.naming.path().display(),
                    if n == 1 { "it" } else { "them" }
                );
            }
        };
        match failures {
            0 => Ok(()),
            n => bail!(
                "{n} file{} could not be synced to disk (see above); its data may not be on disk",
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}
