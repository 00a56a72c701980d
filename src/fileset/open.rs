//! Opening a set's files: the main file (created with its mode, checked
//! to be a regular file with one link), backups for syncing, and the files
//! of rollover's own beside the set; never through a symlink, never
//! blocking on a FIFO. Also the file facts read through a handle.

use std::os::fd::{AsFd, OwnedFd};
use std::time::SystemTime;

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, Mode, OFlags, StatxFlags};
use rustix::io::Errno;

use super::{FileSet, entry_of, unlink};
use crate::naming::os;

/// How [`FileSet::open_main`] treats a missing or existing main file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Open it, or create it if it is missing.
    IfMissing,
    /// Create it; an existing one is an error (mode x).
    New,
}

/// An open main file and the facts the writer tracks about it.
#[derive(Debug)]
pub struct Opened {
    pub fd: OwnedFd,
    pub name: Vec<u8>,
    pub size: u64,
    pub ino: u64,
    pub dev: u64,
    /// Birth time, or when rollover opened it where the file system keeps none.
    pub born: SystemTime,
}

impl Opened {
    fn of(fd: OwnedFd, name: &[u8], st: &rustix::fs::Stat) -> Opened {
        Opened {
            size: st.st_size as u64,
            ino: st.st_ino,
            dev: st.st_dev,
            // Where the file system keeps no birth time, age counts from
            // when rollover first opened the file.
            born: birth_time(&fd).unwrap_or_else(SystemTime::now),
            fd,
            name: name.to_vec(),
        }
    }
}

impl FileSet {
    pub(super) fn create_exclusive(&self, name: &[u8], mode: u32) -> Result<OwnedFd> {
        let fd = rustix::fs::openat(
            self.dir_of(name),
            os(name).as_os_str(),
            OFlags::WRONLY
                | OFlags::APPEND
                | OFlags::CREATE
                | OFlags::EXCL
                | OFlags::NOFOLLOW
                | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .with_context(|| format!("cannot create {}", self.show(name)))?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
            .with_context(|| format!("cannot set the mode of {}", self.show(name)))?;
        Ok(fd)
    }

    /// Opens an existing member without following a symlink or blocking on
    /// a FIFO, and checks that it is a regular file with one link.
    pub(super) fn open_existing(&self, name: &[u8], access: OFlags) -> Result<OwnedFd> {
        let fd = rustix::fs::openat(
            self.dir_of(name),
            os(name).as_os_str(),
            access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(symlink_hint)
        .with_context(|| format!("cannot open {}", self.show(name)))?;
        self.check_fd(&fd, name)?;
        Ok(fd)
    }

    fn check_fd(&self, fd: &OwnedFd, name: &[u8]) -> Result<rustix::fs::Stat> {
        let st =
            rustix::fs::fstat(fd).with_context(|| format!("cannot stat {}", self.show(name)))?;
        self.check_main(&entry_of(name, &st))?;
        Ok(st)
    }

    /// Whether the open main file's last byte is something other than a
    /// newline: a line torn by a crash, or a last line left unterminated.
    /// Read through a second handle on the same name (the writer's own is
    /// write-only); false where that name holds another file by now or
    /// cannot be read.
    pub fn ends_mid_line(&self, main: &Opened) -> bool {
        if main.size == 0 {
            return false;
        }
        let Ok(fd) = self.open_existing(&main.name, OFlags::RDONLY) else {
            return false;
        };
        let same = rustix::fs::fstat(&fd)
            .is_ok_and(|st| st.st_ino == main.ino && st.st_dev == main.dev && st.st_size > 0);
        let mut last = [0u8; 1];
        let at = main.size - 1;
        same && matches!(rustix::io::pread(&fd, &mut last, at), Ok(1) if last[0] != b'\n')
    }

    /// Truncates a member to zero through a checked handle.
    pub fn truncate(&self, name: &[u8]) -> Result<()> {
        let fd = self.open_existing(name, OFlags::WRONLY)?;
        rustix::fs::ftruncate(&fd, 0)
            .with_context(|| format!("cannot truncate {}", self.show(name)))
    }

    /// Opens the main file for appending. A missing one is created with
    /// mode `perm` exactly, or 0644 minus the umask; with [`Create::New`]
    /// an existing one is an error.
    pub fn open_main(&self, name: &[u8], how: Create, perm: Option<u32>) -> Result<Opened> {
        let exclusive = how == Create::New;
        let flags = OFlags::WRONLY
            | OFlags::APPEND
            | OFlags::NOFOLLOW
            | OFlags::NONBLOCK
            | OFlags::NOCTTY
            | OFlags::CLOEXEC;
        let open = |extra: OFlags| {
            rustix::fs::openat(
                &self.dir,
                os(name).as_os_str(),
                flags | extra,
                Mode::from_raw_mode(0o644),
            )
        };
        let created;
        let fd = loop {
            if !exclusive {
                match open(OFlags::empty()) {
                    Ok(fd) => {
                        created = false;
                        break fd;
                    }
                    Err(Errno::NOENT) => {}
                    Err(e) => {
                        return Err(symlink_hint(e))
                            .with_context(|| format!("cannot open {}", self.show(name)));
                    }
                }
            }
            match open(OFlags::CREATE | OFlags::EXCL) {
                Ok(fd) => {
                    created = true;
                    break fd;
                }
                // Created by someone else in between: open that one.
                Err(Errno::EXIST) if !exclusive => continue,
                Err(e) => {
                    return Err(symlink_hint(e))
                        .with_context(|| format!("cannot create {}", self.show(name)));
                }
            }
        };
        let st = self.check_fd(&fd, name)?;
        if let (true, Some(mode)) = (created, perm) {
            rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
                .with_context(|| format!("cannot set the mode of {}", self.show(name)))?;
        }
        // Writes must block (back-pressure), not fail with EAGAIN.
        rustix::fs::fcntl_setfl(&fd, OFlags::APPEND)
            .with_context(|| format!("cannot set flags of {}", self.show(name)))?;
        Ok(Opened::of(fd, name, &st))
    }

    /// Wraps an fd freshly swapped in by a rotation.
    pub fn adopt(&self, fd: OwnedFd, name: &[u8]) -> Result<Opened> {
        let st =
            rustix::fs::fstat(&fd).with_context(|| format!("cannot stat {}", self.show(name)))?;
        Ok(Opened::of(fd, name, &st))
    }

    /// Opens a backup for reading (to sync it), never through a link.
    pub fn open_backup(&self, name: &[u8]) -> Result<OwnedFd> {
        rustix::fs::openat(
            self.dir_of(name),
            os(name).as_os_str(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(symlink_hint)
        .with_context(|| format!("cannot open {}", self.show(name)))
    }

    /// Reads a file of rollover's own beside the set; `None` if absent.
    pub fn read_own(&self, what: &str) -> Result<Option<Vec<u8>>> {
        let name = self.naming.own_name(what);
        let fd = match rustix::fs::openat(
            self.dir_of(&name),
            os(&name).as_os_str(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => {
                return Err(symlink_hint(e))
                    .with_context(|| format!("cannot open {}", self.show(&name)));
            }
        };
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(fd), &mut out)
            .with_context(|| format!("cannot read {}", self.show(&name)))?;
        Ok(Some(out))
    }

    /// Replaces a file of rollover's own beside the set (mode 0600): a new
    /// file is written and renamed over the old, so a reader never sees
    /// half of it.
    pub fn write_own(&self, what: &str, data: &[u8]) -> Result<()> {
        let tmp = format!("{what}-new");
        let fd = self.create_own(&tmp)?;
        std::io::Write::write_all(&mut std::fs::File::from(fd), data)
            .with_context(|| format!("cannot write {}", self.show(&self.naming.own_name(&tmp))))?;
        let name = self.naming.own_name(what);
        self.rename_over(&self.naming.own_name(&tmp), &name)
    }

    /// Creates a file of rollover's own beside the set, exclusively, mode
    /// 0600, for reading and writing; one left by a crash is removed first.
    pub fn create_own(&self, what: &str) -> Result<OwnedFd> {
        let name = self.naming.own_name(what);
        unlink(self, &name)?;
        rustix::fs::openat(
            self.dir_of(&name),
            os(&name).as_os_str(),
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .with_context(|| format!("cannot create {}", self.show(&name)))
    }

    /// Gives a member a second, hidden name of rollover's own (a hard
    /// link, `.NAME.rollover-WHAT` plus the member's codec extension), and
    /// returns it; one left by a crash is replaced.
    pub fn link_own(&self, what: &str, member: &[u8]) -> Result<Vec<u8>> {
        let mut name = self.naming.own_name(what);
        if let Some(codec) = self.naming.parse(member).and_then(|m| m.codec) {
            name.push(b'.');
            name.extend_from_slice(codec.as_bytes());
        }
        unlink(self, &name)?;
        rustix::fs::linkat(
            self.dir_of(member),
            os(member).as_os_str(),
            self.dir_of(&name),
            os(&name).as_os_str(),
            AtFlags::empty(),
        )
        .with_context(|| format!("cannot link {} to {}", self.show(member), self.show(&name)))?;
        Ok(name)
    }

    /// Removes a file of rollover's own beside the set.
    pub fn remove_own(&self, what: &str) -> Result<()> {
        unlink(self, &self.naming.own_name(what))
    }
}

/// `open` with `O_NOFOLLOW` on a symlink fails with `ELOOP`, and a FIFO
/// with no reader opened with `O_NONBLOCK` with `ENXIO`; say what they mean.
pub(super) fn symlink_hint(e: Errno) -> std::io::Error {
    match e {
        Errno::LOOP => {
            std::io::Error::other("it is a symbolic link, and rollover never writes through one")
        }
        Errno::NXIO => std::io::Error::other("it is not a regular file"),
        e => e.into(),
    }
}

/// Syncs a file. A failure is reported and never retried: after a failed
/// fsync Linux may have dropped the data.
pub fn sync_file(fd: &impl AsFd, show: &str) -> Result<()> {
    rustix::fs::fsync(fd).with_context(|| format!("cannot sync {show} to disk"))
}

/// The file's birth time, where the file system keeps one.
pub fn birth_time(fd: &impl AsFd) -> Option<SystemTime> {
    let st = rustix::fs::statx(fd, "", AtFlags::EMPTY_PATH, StatxFlags::BTIME).ok()?;
    if st.stx_mask & StatxFlags::BTIME.bits() == 0 {
        return None;
    }
    let t = st.stx_btime;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::new(t.tv_sec as u64, t.tv_nsec))
}

/// The birth time of a member found by name, falling back to its mtime.
pub fn birth_time_at(set: &FileSet, name: &[u8]) -> Option<SystemTime> {
    let st = rustix::fs::statx(
        set.dir_of(name),
        os(name).as_os_str(),
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BTIME | StatxFlags::MTIME,
    )
    .ok()?;
    let t = if st.stx_mask & StatxFlags::BTIME.bits() != 0 {
        st.stx_btime
    } else {
        st.stx_mtime
    };
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::new(t.tv_sec as u64, t.tv_nsec))
}
