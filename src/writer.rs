//! The open main file: its size, its age, and the write path that applies
//! the size rule, follows the file at PATH when an outside tool moves it,
//! and rides out full disks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use rustix::fs::FileType;
use rustix::io::Errno;

use crate::fileset::{FileSet, Opened, sync_file};
use crate::policy::{Cut, Policy, cut};

/// When to sync the main file to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fsync {
    Never,
    /// Before a file becomes a backup.
    #[default]
    Rotate,
    /// After every write.
    Always,
}

/// Prints a warning at most once a minute per kind.
#[derive(Debug, Default)]
pub struct Warner {
    last: Option<Instant>,
}

impl Warner {
    /// Prints `msg` unless this warner printed within the last minute.
    pub fn warn(&mut self, msg: impl FnOnce() -> String) {
        if self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            crate::report(&format!("warning: {}", msg()));
            self.last = Some(Instant::now());
        }
    }
}

/// The writer's side of the set: the main file it writes.
#[derive(Debug)]
pub struct Writer {
    pub set: FileSet,
    main: Opened,
    pub policy: Policy,
    fsync: Fsync,
    perm: Option<u32>,
    /// Part of a line is in the file: the rest follows into the same file.
    pub mid_line: bool,
    space: Warner,
    moved: Warner,
    /// The thread finishing the last rotation: the sync, the backup name,
    /// and freeing the backups it deleted.
    pending: Option<std::thread::JoinHandle<Result<()>>>,
    /// Set by SIGTERM/SIGINT: a writer waiting out a fault gives up.
    stop: Arc<AtomicBool>,
    /// Syncs that failed: each reported at once, and the run fails at exit.
    sync_failures: u32,
}

impl Writer {
    /// Wraps the opened main file of `set`.
    pub fn new(
        set: FileSet,
        main: Opened,
        policy: Policy,
        fsync: Fsync,
        perm: Option<u32>,
    ) -> Writer {
        // A file-size limit below the size limit (`ulimit -f`) is the real
        // limit: rotating before it keeps lines whole, where hitting it
        // (EFBIG) would cut one.
        let mut policy = policy;
        if let Some(fsize) = rustix::process::getrlimit(rustix::process::Resource::Fsize).current
            && (policy.max_size == 0 || fsize < policy.max_size)
        {
            policy.max_size = fsize;
        }
        Writer {
            set,
            main,
            policy,
            fsync,
            perm,
            mid_line: false,
            space: Warner::default(),
            moved: Warner::default(),
            pending: None,
            stop: Arc::new(AtomicBool::new(false)),
            sync_failures: 0,
        }
    }

    /// The flag that tells a writer waiting out a fault (a full disk, a
    /// vanished directory) to give up.
    pub fn set_stop(&mut self, stop: Arc<AtomicBool>) {
        self.stop = stop;
    }

    /// Waits out a fault: warns at most once a minute, sleeps `pause`
    /// (doubled each time, at most 30 s) in short steps, and gives up with
    /// an error if a stop signal came meanwhile.
    fn stall(&mut self, pause: &mut Duration, what: impl FnOnce() -> String) -> Result<()> {
        let what = what();
        let until = Instant::now() + *pause;
        self.space
            .warn(|| format!("{what}; keeping the data and retrying"));
        while Instant::now() < until {
            if self.stop.load(Ordering::Relaxed) {
                anyhow::bail!(
                    "stopped by a signal while waiting: {what}; data read and not yet written is lost"
                );
            }
            std::thread::sleep(
                Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())),
            );
        }
        *pause = (*pause * 2).min(Duration::from_secs(30));
        Ok(())
    }

    /// The main file's size as the writer counts it.
    pub fn size(&self) -> u64 {
        self.main.size
    }

    /// The main file's birth (or first-open) time.
    pub fn born(&self) -> SystemTime {
        self.main.born
    }

    /// Writes bytes that start at a line boundary (or continue a line
    /// already in the file), rotating where the size rule says so. One
    /// `write` per run of whole lines that fits.
    pub fn write_lines(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            if self.mid_line {
                let end = memchr::memchr(b'\n', data).map_or(data.len(), |i| i + 1);
                self.write_raw(&data[..end])?;
                data = &data[end..];
                continue;
            }
            match cut(data, self.main.size, self.policy.max_size) {
                Cut::All => {
                    self.write_raw(data)?;
                    data = &[];
                }
                Cut::Then(n) => {
                    self.write_raw(&data[..n])?;
                    data = &data[n..];
                    self.rotate()?;
                }
                Cut::RotateFirst => {
                    self.rotate()?;
                    if self.main.size > 0 {
                        // The file at PATH could not be rotated away (a
                        // rotation that found a different file there):
                        // write on rather than loop.
                        self.write_raw(data)?;
                        data = &[];
                    }
                }
            }
        }
        Ok(())
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<()> {
        self.ensure_linked()?;
        let mut off = 0;
        let mut pause = Duration::from_millis(10);
        while off < data.len() {
            match rustix::io::write(&self.main.fd, &data[off..]) {
                Ok(n) => {
                    off += n;
                    self.main.size += n as u64;
                    pause = Duration::from_millis(10);
                }
                Err(Errno::INTR | Errno::AGAIN) => {}
                // A file-size limit (`ulimit -f`): SIGXFSZ is ignored, so
                // the write fails instead; rotate and carry on.
                Err(Errno::FBIG) if self.main.size > 0 => self.rotate()?,
                Err(e @ (Errno::NOSPC | Errno::DQUOT | Errno::IO | Errno::FBIG)) => {
                    // Keep the data and try again, backing off up to 30 s;
                    // the producer meanwhile blocks on the full pipe. A
                    // failed write wrote nothing, so nothing is written twice.
                    let show = self.set.show(&self.main.name);
                    self.stall(&mut pause, || {
                        format!("cannot write to {show}: {}", std::io::Error::from(e))
                    })?;
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot write to {}", self.set.show(&self.main.name))
                    });
                }
            }
        }
        if let Some(&last) = data.last() {
            self.mid_line = last != b'\n';
        }
        if self.fsync == Fsync::Always
            && let Err(e) = sync_file(&self.main.fd, &self.set.show(&self.main.name))
        {
            self.sync_failed(e);
        }
        Ok(())
    }

    /// A failed sync is reported at once and never retried (after a failed
    /// fsync Linux may have dropped the data, and a second fsync would
    /// report a false success); the run then ends with status 1.
    fn sync_failed(&mut self, e: anyhow::Error) {
        crate::report(&format!("{e:#}"));
        self.sync_failures += 1;
    }

    /// Waits for the last rotation to be finished, for an answer to whoever
    /// asked for it; a failed sync is reported (and counted) as always.
    pub fn settle_for_answer(&mut self) -> Result<(), String> {
        self.settle().map_err(|e| {
            let msg = format!("{e:#}");
            self.sync_failed(e);
            msg
        })
    }

    /// Ends the writer's work: the last rotation is finished, and failed
    /// syncs make the run fail.
    pub fn close(&mut self) -> Result<()> {
        if let Err(e) = self.settle() {
            self.sync_failed(e);
        }
        match self.sync_failures {
            0 => Ok(()),
            n => anyhow::bail!(
                "{n} file{} could not be synced to disk (see above); its data may not be on disk",
                if n == 1 { "" } else { "s" }
            ),
        }
    }

    /// Makes sure the main file still has a name before writing into it:
    /// a file deleted behind the writer's back (alone, or with its whole
    /// directory) would swallow the data. One `fstat` per batch.
    fn ensure_linked(&mut self) -> Result<()> {
        match rustix::fs::fstat(&self.main.fd) {
            Ok(st) if st.st_nlink == 0 => self.reopen(),
            _ => Ok(()),
        }
    }

    /// Rotates the set now: the main file becomes backup 1 (or is
    /// truncated, with count 0). An empty main file is not rotated. With
    /// `--fsync rotate` the old file is synced and named backup 1 on a
    /// thread of its own, while writing goes on into the new main file.
    /// A deleted backup's name goes at once; its blocks are freed on that
    /// thread too, since freeing a large file can take a while.
    pub fn rotate(&mut self) -> Result<()> {
        if let Err(e) = self.settle() {
            // Reported, not retried; a backup left under rollover's own
            // name is named now.
            self.sync_failed(e);
            self.set.recover(self.policy.count)?;
        }
        self.follow_path()?;
        if self.main.size == 0 {
            return Ok(());
        }
        let mut listing = self.set.list()?;
        listing.main = self.set.stat(&self.main.name)?;
        let steps = self.set.plan(&listing, self.policy.count);
        let (fresh, handover) = self.set.execute_deferred(&steps, Some(&self.main.fd))?;
        match fresh {
            Some(fd) => {
                let new = self.set.adopt(fd, &self.main.name)?;
                let old = std::mem::replace(&mut self.main, new);
                if let Some(mut h) = handover {
                    if self.fsync == Fsync::Never {
                        let deleted = h.take_deleted();
                        self.set.finish(h, Some(&old.fd), false)?;
                        if !deleted.is_empty() {
                            // Freeing a deleted backup's blocks is left to
                            // a thread, so the writer does not wait for it.
                            self.pending = Some(std::thread::spawn(move || {
                                drop(deleted);
                                Ok(())
                            }));
                        }
                    } else {
                        let set = self.set.try_clone()?;
                        self.pending = Some(std::thread::spawn(move || {
                            set.finish(h, Some(&old.fd), true)
                        }));
                    }
                }
            }
            None if !steps.is_empty() => {
                // Truncated in place: the file's age starts again now.
                self.main.size = 0;
                self.main.born = SystemTime::now();
            }
            None => {}
        }
        self.mid_line = false;
        Ok(())
    }

    /// Waits for the last rotation to be finished: its backup synced and
    /// named, the backups it deleted freed. Called before the next
    /// rotation, before answering a request, and at exit.
    pub fn settle(&mut self) -> Result<()> {
        match self.pending.take() {
            None => Ok(()),
            Some(job) => job
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the thread finishing a rotation failed"))),
        }
    }

    /// Empties the main file (`rollover reset` beside a live writer).
    pub fn reset(&mut self) -> Result<()> {
        self.follow_path()?;
        rustix::fs::ftruncate(&self.main.fd, 0)
            .with_context(|| format!("cannot truncate {}", self.set.show(&self.main.name)))?;
        self.main.size = 0;
        self.mid_line = false;
        Ok(())
    }

    /// Makes sure the writer writes the file now at PATH: one that was
    /// deleted or moved away is replaced by a new one, one that an outside
    /// tool put in its place is adopted. Also catches up with a size that
    /// changed behind the writer's back (a truncation by hand).
    pub fn follow_path(&mut self) -> Result<()> {
        let name = self.main.name.clone();
        match self.set.stat(&name)? {
            Some(e) if e.ino == self.main.ino && e.dev == self.main.dev => {
                self.main.size = e.size;
                return Ok(());
            }
            Some(e) if e.file_type == FileType::Symlink => {
                let show = self.set.show(&name);
                self.moved.warn(|| {
                    format!("{show} is now a symbolic link; writing on into the file it replaced")
                });
                return Ok(());
            }
            _ => {}
        }
        self.reopen()
    }

    /// Reopens the main file at PATH, creating it if it is missing
    /// (`SIGHUP`, or after an outside tool moved it). If the set's
    /// directory itself is gone, waits (keeping the data, the producer
    /// blocked on the pipe) until it exists again.
    pub fn reopen(&mut self) -> Result<()> {
        let name = self.main.name.clone();
        let mut pause = Duration::from_millis(10);
        let opened = loop {
            match self.set.open_main(&name, true, false, self.perm) {
                Ok(o) => break o,
                Err(e) if self.set.dir_gone() => {
                    let dir = self.set.naming.dir().display().to_string();
                    self.stall(&mut pause, || format!("directory {dir} is gone ({e:#})"))?;
                    // Back: write into the directory now at that path.
                    let _ = self.set.reopen_dir();
                }
                Err(e) => return Err(e),
            }
        };
        if opened.ino != self.main.ino || opened.dev != self.main.dev {
            self.mid_line = false;
        }
        self.main = opened;
        Ok(())
    }
}
