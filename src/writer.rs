//! The open main file: its size, its age, and the write path that applies
//! the size rule, follows the file at PATH when an outside tool moves it,
//! and rides out full disks.

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
            eprintln!("rollover: warning: {}", msg());
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
        Writer {
            set,
            main,
            policy,
            fsync,
            perm,
            mid_line: false,
            space: Warner::default(),
            moved: Warner::default(),
        }
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
                Err(Errno::FBIG) if self.main.size > 0 => {
                    self.rotate()?;
                }
                Err(e @ (Errno::NOSPC | Errno::DQUOT | Errno::IO | Errno::FBIG)) => {
                    // Keep the data and try again, backing off up to 30 s;
                    // the producer meanwhile blocks on the full pipe.
                    let show = self.set.show(&self.main.name);
                    self.space.warn(|| {
                        format!(
                            "cannot write to {show}: {}; keeping the data and retrying",
                            std::io::Error::from(e)
                        )
                    });
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(30));
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
        if self.fsync == Fsync::Always {
            sync_file(&self.main.fd, &self.set.show(&self.main.name))?;
        }
        Ok(())
    }

    /// Rotates the set now: the main file becomes backup 1 (or is
    /// truncated, with count 0). An empty main file is not rotated.
    pub fn rotate(&mut self) -> Result<()> {
        self.follow_path()?;
        if self.main.size == 0 {
            return Ok(());
        }
        let mut listing = self.set.list()?;
        listing.main = self.set.stat(&self.main.name)?;
        let steps = self.set.plan(&listing, self.policy.count);
        let fresh = self
            .set
            .execute(&steps, Some(&self.main.fd), self.fsync != Fsync::Never)?;
        match fresh {
            Some(fd) => self.main = self.set.adopt(fd, &self.main.name)?,
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
    /// (`SIGHUP`, or after an outside tool moved it).
    pub fn reopen(&mut self) -> Result<()> {
        let name = self.main.name.clone();
        let opened = self.set.open_main(&name, true, false, self.perm)?;
        if opened.ino != self.main.ino || opened.dev != self.main.dev {
            self.mid_line = false;
        }
        self.main = opened;
        Ok(())
    }
}
