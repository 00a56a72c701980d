//! The one place that changes a set on disk: listing it, rotating it,
//! truncating it. Every change goes through a handle on the set's directory
//! (`openat`, `renameat`, `unlinkat`), so swapping a directory component
//! mid-rotation cannot redirect a rename, and no file is opened through a
//! symlink.

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, StatxFlags};
use rustix::io::Errno;

use crate::naming::{Naming, os, width};

/// A set: its names and an open handle on its directory.
#[derive(Debug)]
pub struct FileSet {
    pub naming: Naming,
    dir: OwnedFd,
    insecure: bool,
    /// How many times the directory was opened anew after it vanished.
    generation: u64,
}

/// The main file as found on disk.
#[derive(Debug, Clone)]
pub struct MainEntry {
    pub name: Vec<u8>,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub ino: u64,
    pub dev: u64,
    pub nlink: u64,
    pub file_type: FileType,
    pub mtime: SystemTime,
}

/// A backup as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub index: u64,
    pub codec: Option<&'static str>,
    pub name: Vec<u8>,
}

/// The members of a set, read from one pass over its directory.
#[derive(Debug, Clone)]
pub struct Listing {
    pub main: Option<MainEntry>,
    /// Highest number first.
    pub backups: Vec<Backup>,
    /// Size of a main file left beside the set by a rotation that crashed
    /// between swapping in the new main file and naming the old one.
    pub leftover: Option<u64>,
}

/// One step of a rotation; `--dry-run` and `-v` print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Delete(Vec<u8>),
    Rename(Vec<u8>, Vec<u8>),
    /// The main file becomes `backup` and a new empty one takes its place.
    SwapIn {
        main: Vec<u8>,
        backup: Vec<u8>,
    },
    Truncate(Vec<u8>),
}

/// A rotation's last step, still to do: the old main file is to be synced
/// and, if it waits under rollover's own name, named `backup`; then the
/// handles on it and on the backups deleted on the way are closed.
#[derive(Debug)]
pub struct Handover {
    backup: Vec<u8>,
    waiting: bool,
    old: Option<OwnedFd>,
    /// Handles on deleted backups. A deleted file's blocks are freed when
    /// its last handle closes, which for a large file takes a while; the
    /// writer leaves that to whoever finishes the rotation.
    deleted: Vec<OwnedFd>,
}

impl Handover {
    /// The handles on the backups deleted on the way, for the caller to
    /// close where the time it takes does no harm.
    pub fn take_deleted(&mut self) -> Vec<OwnedFd> {
        std::mem::take(&mut self.deleted)
    }
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

impl MainEntry {
    fn of(name: &[u8], st: &rustix::fs::Stat) -> MainEntry {
        MainEntry {
            name: name.to_vec(),
            size: st.st_size as u64,
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            ino: st.st_ino,
            dev: st.st_dev,
            nlink: st.st_nlink,
            file_type: FileType::from_raw_mode(st.st_mode),
            mtime: SystemTime::UNIX_EPOCH
                + std::time::Duration::new(st.st_mtime as u64, st.st_mtime_nsec as u32),
        }
    }
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

impl Action {
    /// Describes the step for `-v` and `--dry-run`.
    pub fn describe(&self, set: &Naming) -> String {
        let p = |n: &[u8]| set.in_dir(n).display().to_string();
        match self {
            Action::Delete(n) => format!("delete {}", p(n)),
            Action::Rename(a, b) => format!("rename {} to {}", p(a), p(b)),
            Action::SwapIn { main, backup } => {
                format!(
                    "rename {} to {} and create a new empty {}",
                    p(main),
                    p(backup),
                    p(main)
                )
            }
            Action::Truncate(n) => format!("truncate {}", p(n)),
        }
    }
}

/// Whether the running process is root, for the insecure-directory rule.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

impl FileSet {
    /// Opens the set's directory. Run as root, a directory that another
    /// user can write is refused unless `insecure` (as logrotate does).
    pub fn open(naming: Naming, insecure: bool) -> Result<FileSet> {
        let dir_path = naming.dir().to_path_buf();
        let dir = rustix::fs::open(
            &dir_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("cannot open directory {}", dir_path.display()))?;
        let st = rustix::fs::fstat(&dir)
            .with_context(|| format!("cannot stat directory {}", dir_path.display()))?;
        let others_write = st.st_mode & 0o002 != 0 || (st.st_mode & 0o020 != 0 && st.st_gid != 0);
        if is_root() && others_write && !insecure {
            bail!(
                "refusing to work in {}: it is writable by other users (use --insecure-dir to allow it)",
                dir_path.display()
            );
        }
        Ok(FileSet {
            naming,
            dir,
            insecure,
            generation: 0,
        })
    }

    /// Whether the directory this handle holds was removed (or another
    /// one now stands at its path).
    pub fn dir_gone(&self) -> bool {
        let Ok(held) = rustix::fs::fstat(&self.dir) else {
            return true;
        };
        if held.st_nlink == 0 {
            return true;
        }
        match rustix::fs::stat(self.naming.dir()) {
            Ok(now) => now.st_ino != held.st_ino || now.st_dev != held.st_dev,
            Err(_) => true,
        }
    }

    /// Takes a new handle on the directory now at the set's path.
    pub fn reopen_dir(&mut self) -> Result<()> {
        let fresh = FileSet::open(self.naming.clone(), self.insecure)?;
        self.dir = fresh.dir;
        self.generation += 1;
        Ok(())
    }

    /// Changes each time [`FileSet::reopen_dir`] takes a new handle.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The directory handle.
    pub fn dir(&self) -> &OwnedFd {
        &self.dir
    }

    /// The path of a member, for messages.
    pub fn show(&self, name: &[u8]) -> String {
        self.naming.in_dir(name).display().to_string()
    }

    /// The path of a member.
    pub fn path_of(&self, name: &[u8]) -> PathBuf {
        self.naming.in_dir(name)
    }

    /// Lists the set by reading its directory once: never by probing
    /// numbers one by one, so a huge `max-count` costs nothing.
    pub fn list(&self) -> Result<Listing> {
        let show_dir = || self.naming.dir().display().to_string();
        let mut dir = rustix::fs::Dir::read_from(&self.dir)
            .with_context(|| format!("cannot read directory {}", show_dir()))?;
        let leftover_name = self.naming.own_name("new");
        let mut mains: Vec<Vec<u8>> = Vec::new();
        let mut backups = Vec::new();
        let mut leftover = None;
        while let Some(entry) = dir.read() {
            let entry = entry.with_context(|| format!("cannot read directory {}", show_dir()))?;
            let name = entry.file_name().to_bytes();
            if name == leftover_name.as_slice() {
                leftover = Some(self.stat(name)?.map_or(0, |m| m.size));
                continue;
            }
            match self.naming.parse(name) {
                Some(m) if m.index == 0 => mains.push(name.to_vec()),
                Some(m) => backups.push(Backup {
                    index: m.index,
                    codec: m.codec,
                    name: name.to_vec(),
                }),
                None => {}
            }
        }
        backups.sort_by(|a, b| b.index.cmp(&a.index).then_with(|| a.name.cmp(&b.name)));
        // With a `%` template the main file may exist at several paddings;
        // the shortest name is the one created last by the current count
        // only by accident, so take a stable choice: the first in order.
        mains.sort();
        let main = match mains.first() {
            Some(name) => self.stat(name)?,
            None => None,
        };
        Ok(Listing {
            main,
            backups,
            leftover,
        })
    }

    /// Stats a member without following a symlink; `None` if it is absent.
    pub fn stat(&self, name: &[u8]) -> Result<Option<MainEntry>> {
        match rustix::fs::statat(&self.dir, os(name).as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(MainEntry::of(name, &st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot stat {}", self.show(name))),
        }
    }

    /// Refuses a main file that is a symlink, not a regular file, or has
    /// more than one hard link: rotating or truncating it would act on a
    /// file that is not the set's own.
    pub fn check_main(&self, main: &MainEntry) -> Result<()> {
        let show = self.show(&main.name);
        match main.file_type {
            FileType::Symlink => bail!("refusing {show}: it is a symbolic link"),
            FileType::RegularFile => {}
            _ => bail!("refusing {show}: it is not a regular file"),
        }
        if main.nlink > 1 {
            bail!("refusing {show}: it has {} hard links", main.nlink);
        }
        Ok(())
    }

    /// The steps that rotate the set to `count` backups. Pure given the
    /// listing. An empty or missing main file is never rotated.
    pub fn plan(&self, listing: &Listing, count: u64) -> Vec<Action> {
        let Some(main) = listing.main.as_ref().filter(|m| m.size > 0) else {
            return Vec::new();
        };
        let mut steps = self.plan_shift(listing, count);
        if count == 0 {
            steps.push(Action::Truncate(main.name.clone()));
        } else {
            steps.push(Action::SwapIn {
                main: main.name.clone(),
                backup: self.naming.name(1, width(count), None),
            });
        }
        steps
    }

    /// Frees number 1: the newest `count - 1` backups are renumbered 2, 3
    /// ... in age order and the rest deleted. On an intact set that is
    /// "delete `count` and above, rename each one up, highest first". A set
    /// left with a gap by a crash (`.1 .2 .4`) has it closed on the way, so
    /// backups stay numbered 1..k. Renames that move a backup down go
    /// first, lowest first, then those that move one up, highest first:
    /// each target is free when it is taken, and at every step the numbers
    /// keep the backups in age order.
    fn plan_shift(&self, listing: &Listing, count: u64) -> Vec<Action> {
        let w = width(count);
        let keep = usize::try_from(count.saturating_sub(1)).unwrap_or(usize::MAX);
        // Newest first; listing.backups is highest number first.
        let newest_first: Vec<&Backup> = listing.backups.iter().rev().collect();
        let (kept, dropped) = newest_first.split_at(keep.min(newest_first.len()));
        let mut steps: Vec<Action> = dropped
            .iter()
            .map(|b| Action::Delete(b.name.clone()))
            .collect();
        let target = |rank: usize| rank as u64 + 2;
        let mut rename = |b: &Backup, to: u64| {
            let name = self.naming.name(to, w, b.codec);
            if name != b.name {
                steps.push(Action::Rename(b.name.clone(), name));
            }
        };
        for (rank, b) in kept.iter().enumerate() {
            if target(rank) <= b.index {
                rename(b, target(rank));
            }
        }
        for (rank, b) in kept.iter().enumerate().rev() {
            if target(rank) > b.index {
                rename(b, target(rank));
            }
        }
        steps
    }

    /// Finishes a rotation that crashed after the new main file was swapped
    /// in but before the old one was named backup 1: the old one waits
    /// under rollover's own name and becomes backup 1 now. An empty
    /// leftover (a crash before the swap) is removed.
    pub fn recover(&self, count: u64) -> Result<()> {
        let listing = self.list()?;
        let new = self.naming.own_name("new");
        match listing.leftover {
            None => Ok(()),
            Some(0) => unlink(self, &new),
            Some(_) if count == 0 => unlink(self, &new),
            Some(_) => {
                // Backup 1 is free (the shift came before the swap) unless
                // something else took it since: shift only then.
                let mut steps = if listing.backups.iter().any(|b| b.index == 1) {
                    self.plan_shift(&listing, count)
                } else {
                    Vec::new()
                };
                steps.push(Action::Rename(new, self.naming.name(1, width(count), None)));
                self.execute(&steps, None, false).map(drop)
            }
        }
    }

    /// Carries out the steps. `main_fd` is the writer's handle on the main
    /// file (truncated in place, synced before it becomes a backup); the
    /// new main file's handle is returned when one was swapped in.
    pub fn execute(
        &self,
        steps: &[Action],
        main_fd: Option<&OwnedFd>,
        sync: bool,
    ) -> Result<Option<OwnedFd>> {
        let (fresh, handover) = self.execute_deferred(steps, main_fd)?;
        if let Some(h) = handover {
            self.finish(h, main_fd, sync)?;
        }
        Ok(fresh)
    }

    /// Like [`FileSet::execute`], but stops after the new main file is in
    /// place: the old one waits under rollover's own name until
    /// [`FileSet::finish`] syncs it and names it backup 1. The writer does
    /// that on another thread, so that the sync's disk time overlaps the
    /// writing of the next file instead of stalling the producer.
    pub fn execute_deferred(
        &self,
        steps: &[Action],
        main_fd: Option<&OwnedFd>,
    ) -> Result<(Option<OwnedFd>, Option<Handover>)> {
        let mut fresh = None;
        let mut handover = None;
        let mut deleted = Vec::new();
        for step in steps {
            match step {
                Action::Delete(name) => deleted.extend(self.delete_keeping(name)?),
                Action::Rename(from, to) => self.rename(from, to)?,
                Action::Truncate(name) => match main_fd {
                    Some(fd) => rustix::fs::ftruncate(fd, 0)
                        .with_context(|| format!("cannot truncate {}", self.show(name)))?,
                    None => self.truncate(name)?,
                },
                Action::SwapIn { main, backup } => {
                    let (fd, h) = self.swap_in(main, backup, main_fd.is_none())?;
                    fresh = Some(fd);
                    handover = Some(h);
                }
            }
        }
        if let Some(h) = handover.as_mut() {
            h.deleted = deleted;
        }
        Ok((fresh, handover))
    }

    /// The last step of a rotation: syncs the old main file (through
    /// `old_fd`, or the handle taken at the swap) and names it backup 1.
    /// A failed sync is reported, never retried: after a failed fsync
    /// Linux may have dropped the data. The file is named all the same, so
    /// that what is left of it stays in the set. The handles the rotation
    /// still holds close here.
    pub fn finish(&self, h: Handover, old_fd: Option<&OwnedFd>, sync: bool) -> Result<()> {
        let synced = match (sync, old_fd.or(h.old.as_ref())) {
            (true, Some(fd)) => sync_file(fd, &self.show(&h.backup)),
            _ => Ok(()),
        };
        if h.waiting {
            self.rename(&self.naming.own_name("new"), &h.backup)?;
        }
        synced
    }

    /// A second handle on the same set, for the thread that finishes a
    /// rotation.
    pub fn try_clone(&self) -> Result<FileSet> {
        let dir = rustix::io::fcntl_dupfd_cloexec(&self.dir, 0).with_context(|| {
            format!(
                "cannot duplicate the handle on {}",
                self.naming.dir().display()
            )
        })?;
        Ok(FileSet {
            naming: self.naming.clone(),
            dir,
            insecure: self.insecure,
            generation: self.generation,
        })
    }

    /// Deletes a member, and returns a handle that holds on to its data
    /// (`None` if it could not be opened): the name is gone at once, the
    /// blocks are freed when the handle closes. `O_PATH` opens anything,
    /// a FIFO or a file rollover may not read included, without blocking
    /// and without following a symlink.
    fn delete_keeping(&self, name: &[u8]) -> Result<Option<OwnedFd>> {
        let fd = rustix::fs::openat(
            &self.dir,
            os(name).as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok();
        unlink(self, name)?;
        Ok(fd)
    }

    /// Renames without replacing: a rename never overwrites another member.
    fn rename(&self, from: &[u8], to: &[u8]) -> Result<()> {
        let ctx = || format!("cannot rename {} to {}", self.show(from), self.show(to));
        let (a, b) = (os(from), os(to));
        match rustix::fs::renameat_with(&self.dir, &a, &self.dir, &b, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(Errno::INVAL | Errno::NOSYS) => {
                // The file system lacks RENAME_NOREPLACE: check, then rename.
                if self.stat(to)?.is_some() {
                    return Err(Errno::EXIST).with_context(ctx);
                }
                rustix::fs::renameat(&self.dir, &a, &self.dir, &b).with_context(ctx)
            }
            Err(e) => Err(e).with_context(ctx),
        }
    }

    /// A new empty file with the main file's mode and owner takes its
    /// place in one atomic exchange, so PATH never goes missing; the old
    /// one waits under rollover's own name for [`FileSet::finish`]. With
    /// `open_old`, a handle on the old file is kept for syncing it.
    fn swap_in(&self, main: &[u8], backup: &[u8], open_old: bool) -> Result<(OwnedFd, Handover)> {
        let entry = match self.stat(main)? {
            Some(e) => e,
            None => bail!("cannot rotate {}: it disappeared", self.show(main)),
        };
        self.check_main(&entry)?;
        let old = if open_old {
            Some(self.open_existing(main, OFlags::RDONLY)?)
        } else {
            None
        };
        let new = self.naming.own_name("new");
        let fd = self.create_exclusive(&new, entry.mode)?;
        if entry.uid != rustix::process::geteuid().as_raw()
            || entry.gid != rustix::process::getegid().as_raw()
        {
            // Root rotating a user's log must hand the new file to that user,
            // or the user's writer could no longer open it. Not root: the
            // kernel refuses, and the file stays ours, as it must.
            let _ = rustix::fs::fchown(
                &fd,
                Some(rustix::fs::Uid::from_raw(entry.uid)),
                Some(rustix::fs::Gid::from_raw(entry.gid)),
            );
        }
        let (m, n, b) = (os(main), os(&new), os(backup));
        let waiting =
            match rustix::fs::renameat_with(&self.dir, &n, &self.dir, &m, RenameFlags::EXCHANGE) {
                Ok(()) => true,
                Err(Errno::INVAL | Errno::NOSYS) => {
                    // No RENAME_EXCHANGE here: the old file moves first, leaving
                    // PATH missing until the new one is renamed in.
                    rustix::fs::renameat_with(&self.dir, &m, &self.dir, &b, RenameFlags::NOREPLACE)
                        .with_context(|| {
                            format!("cannot rename {} to {}", self.show(main), self.show(backup))
                        })?;
                    self.rename(&new, main)?;
                    false
                }
                Err(e) => {
                    let _ = unlink(self, &new);
                    return Err(e).with_context(|| {
                        format!("cannot exchange {} with a new empty file", self.show(main))
                    });
                }
            };
        Ok((
            fd,
            Handover {
                backup: backup.to_vec(),
                waiting,
                old,
                deleted: Vec::new(),
            },
        ))
    }

    fn create_exclusive(&self, name: &[u8], mode: u32) -> Result<OwnedFd> {
        let fd = rustix::fs::openat(
            &self.dir,
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
    fn open_existing(&self, name: &[u8], access: OFlags) -> Result<OwnedFd> {
        let fd = rustix::fs::openat(
            &self.dir,
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
        self.check_main(&MainEntry::of(name, &st))?;
        Ok(st)
    }

    /// Truncates a member to zero through a checked handle.
    pub fn truncate(&self, name: &[u8]) -> Result<()> {
        let fd = self.open_existing(name, OFlags::WRONLY)?;
        rustix::fs::ftruncate(&fd, 0)
            .with_context(|| format!("cannot truncate {}", self.show(name)))
    }

    /// Opens the main file for appending. A missing one is created when
    /// `create`, with mode `perm` exactly, or 0644 minus the umask; with
    /// `exclusive` an existing one is an error.
    pub fn open_main(
        &self,
        name: &[u8],
        create: bool,
        exclusive: bool,
        perm: Option<u32>,
    ) -> Result<Opened> {
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
                    Err(Errno::NOENT) if create => {}
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

    /// Deletes a member.
    pub fn delete(&self, name: &[u8]) -> Result<()> {
        unlink(self, name)
    }
}

fn unlink(set: &FileSet, name: &[u8]) -> Result<()> {
    match rustix::fs::unlinkat(&set.dir, os(name).as_os_str(), AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot delete {}", set.show(name))),
    }
}

/// `open` with `O_NOFOLLOW` on a symlink fails with `ELOOP`, and a FIFO
/// with no reader opened with `O_NONBLOCK` with `ENXIO`; say what they mean.
fn symlink_hint(e: Errno) -> std::io::Error {
    match e {
        Errno::LOOP => {
            std::io::Error::other("it is a symbolic link, and rollover never writes through one")
        }
        Errno::NXIO => std::io::Error::other("it is not a regular file"),
        e => e.into(),
    }
}

/// Syncs a file before it becomes a backup. A failure is reported and
/// never retried: after a failed fsync Linux may have dropped the data.
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
        set.dir(),
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
