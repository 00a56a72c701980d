//! The one place that changes a set on disk: listing it, rotating it,
//! truncating it. Every change goes through a handle on the set's directory
//! (`openat`, `renameat`, `unlinkat`), so swapping a directory component
//! mid-rotation cannot redirect a rename, and no file is opened through a
//! symlink.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

use crate::config::{DirTrust, MakeDir};
use crate::naming::{Naming, os};
use crate::plan::{self, Action, Backup, Entry, Fresh, Listing, Method};

mod copyout;
mod open;
pub mod start;

pub use copyout::{CollapseCheck, Collapsible};
pub use open::{Create, Opened, birth_time, birth_time_at, sync_file};

/// A set: its names and an open handle on its directory.
#[derive(Debug)]
pub struct FileSet {
    pub naming: Naming,
    dir: OwnedFd,
    /// `--backup-dir`: where the backups live, when not beside the main
    /// file (with rollover's files that name a backup: its compression
    /// under way, its hook's link).
    backups: Option<BackupDir>,
    /// See [`FileSet::defer_moves`].
    defer: bool,
    trust: DirTrust,
    /// How many times the directory was opened anew after it vanished.
    generation: u64,
}

/// A set's backup directory (`--backup-dir`, logrotate's `olddir`).
#[derive(Debug)]
struct BackupDir {
    fd: OwnedFd,
    /// As given joined to the main file's directory, for messages and hooks.
    path: PathBuf,
    /// On another file system than the main file: a backup gets there by
    /// a copy ([`FileSet::move_across`]), not a rename.
    across: bool,
}

/// What a rotation left to do beyond the renames: the new main file to
/// write, the old one to finish, the deleted backups to let go of.
#[derive(Debug, Default)]
pub struct Rotated {
    /// The new empty main file, when one was swapped in.
    pub fresh: Option<OwnedFd>,
    /// The new backup's name, when one was made.
    pub backup: Option<Vec<u8>>,
    /// A new backup still under rollover's own name beside the main file,
    /// to be moved to `backup` across file systems once the program that
    /// may still write to it has reopened its file
    /// ([`FileSet::defer_moves`]).
    pub pending_move: Option<Vec<u8>>,
    /// A handle on the new backup, opened here when the caller had none.
    pub old: Option<OwnedFd>,
    /// Handles on deleted backups. A deleted file's blocks are freed when
    /// its last handle closes, which for a large file takes a while: the
    /// caller closes them where that does no harm.
    pub deleted: Vec<OwnedFd>,
}

fn entry_of(name: &[u8], st: &rustix::fs::Stat) -> Entry {
    Entry {
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

/// Whether the running process is root, for the insecure-directory rule.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Who besides root and the owner can write a file or directory with
/// mode `mode` and group `gid`: every user, or a group other than root's
/// (`group adm`); `None`: nobody. What logrotate and rollover refuse to
/// work in or read their orders from, run as root.
pub fn writable_by_others(mode: u32, gid: u32) -> Option<String> {
    if mode & 0o002 != 0 {
        return Some("every user".into());
    }
    if mode & 0o020 != 0 && gid != 0 {
        let name = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
            .ok()
            .flatten()
            .map_or_else(|| gid.to_string(), |g| g.name);
        return Some(format!("group {name}"));
    }
    None
}

impl FileSet {
    /// Opens the set's directory. Run as root, a directory that another
    /// user can write is refused unless trusted (as logrotate does).
    pub fn open(naming: Naming, trust: DirTrust) -> Result<FileSet> {
        let dir_path = naming.dir().to_path_buf();
        let dir = rustix::fs::open(
            &dir_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| format!("cannot open directory {}", dir_path.display()))?;
        let st = rustix::fs::fstat(&dir)
            .with_context(|| format!("cannot stat directory {}", dir_path.display()))?;
        if let (true, DirTrust::OwnOnly, Some(who)) =
            (is_root(), trust, writable_by_others(st.st_mode, st.st_gid))
        {
            bail!(
                "refusing to work in {}: it is writable by {who}: give --su, or --insecure-dir",
                dir_path.display()
            );
        }
        Ok(FileSet {
            naming,
            dir,
            backups: None,
            defer: false,
            trust,
            generation: 0,
        })
    }

    /// Keeps the set's backups in `dir` (relative to the main file's
    /// directory), made as `make` says where it is missing (else a missing
    /// one is an error naming it). It must be on the main file's file
    /// system, and trusted as the set's directory is.
    pub fn with_backup_dir(mut self, dir: &Path, make: Option<MakeDir>) -> Result<FileSet> {
        let path = self.naming.dir().join(dir);
        let show = path.display().to_string();
        let open = || {
            rustix::fs::openat(
                &self.dir,
                dir,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
        };
        let fd = match (open(), make) {
            (Ok(fd), _) => fd,
            (Err(Errno::NOENT), Some(make)) => {
                let mode = Mode::from_raw_mode(make.mode.unwrap_or(0o755));
                match rustix::fs::mkdirat(&self.dir, dir, mode) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("cannot create backup directory {show}"));
                    }
                }
                let fd = open().with_context(|| format!("cannot open backup directory {show}"))?;
                if make.uid.is_some() || make.gid.is_some() {
                    rustix::fs::fchown(
                        &fd,
                        make.uid.map(rustix::fs::Uid::from_raw),
                        make.gid.map(rustix::fs::Gid::from_raw),
                    )
                    .with_context(|| format!("cannot give backup directory {show} its owner"))?;
                }
                // The mode as asked, umask aside (chown clears set-id bits).
                rustix::fs::fchmod(&fd, mode)
                    .with_context(|| format!("cannot set the mode of backup directory {show}"))?;
                fd
            }
            (Err(Errno::NOENT), None) => bail!(
                "backup directory {show} does not exist (give --backup-dir-perm or --backup-dir-owner to create it)"
            ),
            (Err(e), _) => {
                return Err(e).with_context(|| format!("cannot open backup directory {show}"));
            }
        };
        let st = rustix::fs::fstat(&fd)
            .with_context(|| format!("cannot stat backup directory {show}"))?;
        let main = rustix::fs::fstat(&self.dir)
            .with_context(|| format!("cannot stat directory {}", self.naming.dir().display()))?;
        if let (true, DirTrust::OwnOnly, Some(who)) = (
            is_root(),
            self.trust,
            writable_by_others(st.st_mode, st.st_gid),
        ) {
            bail!(
                "refusing to work in {show}: it is writable by {who}: give --su, or --insecure-dir"
            );
        }
        let across = st.st_dev != main.st_dev;
        self.backups = Some(BackupDir { fd, path, across });
        Ok(self)
    }

    /// A new backup that must be copied to another file system is left
    /// under rollover's own name beside the main file by the rotation
    /// ([`Rotated::pending_move`]), for the caller to move once the
    /// program that may still write to it has reopened its file: `rotate`
    /// of a set no rollover writer holds.
    pub fn defer_moves(mut self) -> FileSet {
        self.defer = true;
        self
    }

    /// Whether a new backup is copied to its directory rather than renamed.
    fn across(&self) -> bool {
        self.backups.as_ref().is_some_and(|b| b.across)
    }

    /// Moves a file from beside the main file to the backup directory on
    /// another file system: copied to a hidden name there, synced, renamed
    /// to its name, the directory synced, and only then deleted here. A
    /// crash leaves it whole in at least one place; where both hold it,
    /// the next run deletes the one here once they compare equal
    /// ([`FileSet::recover`]).
    pub fn move_across(&self, from: &[u8], to: &[u8]) -> Result<()> {
        let ctx = || format!("cannot move {} to {}", self.show(from), self.show(to));
        let src = self.open_existing(from, OFlags::RDONLY).with_context(ctx)?;
        let st = rustix::fs::fstat(&src).with_context(ctx)?;
        let tmp = self.naming.own_name("move");
        unlink(self, &tmp)?;
        let dst = self
            .create_exclusive(&tmp, st.st_mode & 0o7777)
            .with_context(ctx)?;
        let copied = (|| -> Result<()> {
            copyout::copy(&src, &dst, st.st_size as u64)?;
            // Root keeps the owner; another user's copy is its own.
            let _ = rustix::fs::fchown(
                &dst,
                Some(rustix::fs::Uid::from_raw(st.st_uid)),
                Some(rustix::fs::Gid::from_raw(st.st_gid)),
            );
            rustix::fs::fchmod(&dst, Mode::from_raw_mode(st.st_mode & 0o7777))?;
            let times = rustix::fs::Timestamps {
                last_access: rustix::fs::Timespec {
                    tv_sec: st.st_atime as _,
                    tv_nsec: st.st_atime_nsec as _,
                },
                last_modification: rustix::fs::Timespec {
                    tv_sec: st.st_mtime as _,
                    tv_nsec: st.st_mtime_nsec as _,
                },
            };
            rustix::fs::futimens(&dst, &times)?;
            start::copy(&src, &dst);
            sync_file(&dst, &self.show(&tmp))?;
            self.rename(&tmp, to)?;
            sync_file(self.backups_dir(), &self.show(to))
        })();
        if let Err(e) = copied {
            let _ = unlink(self, &tmp);
            return Err(e).with_context(ctx);
        }
        unlink(self, from)
    }

    /// Whether two members hold the same bytes.
    fn same_content(&self, a: &[u8], b: &[u8]) -> Result<bool> {
        use std::io::Read;
        let open = |n: &[u8]| {
            self.open_existing(n, OFlags::RDONLY)
                .map(std::fs::File::from)
        };
        let (mut x, mut y) = (open(a)?, open(b)?);
        let (mut bx, mut by) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        loop {
            let n = x.read(&mut bx)?;
            let m = y.read_exact(&mut by[..n]).map(|()| n);
            match m {
                Ok(_) if n == 0 => return Ok(y.read(&mut by[..1])? == 0),
                Ok(_) if bx[..n] == by[..n] => {}
                _ => return Ok(false),
            }
        }
    }

    /// The directory a name of the set lives in: a backup's (and the
    /// files of rollover's own that name a backup), or the main file's.
    pub fn dir_of(&self, name: &[u8]) -> &OwnedFd {
        match &self.backups {
            Some(b) if self.is_backup_name(name) => &b.fd,
            _ => &self.dir,
        }
    }

    /// Whether a name lives in the backup directory.
    fn is_backup_name(&self, name: &[u8]) -> bool {
        let own = |what: &str| name.starts_with(&self.naming.own_name(what));
        self.naming.parse(name).is_some_and(|m| m.index > 0)
            || self.naming.parse_dated(name).is_some()
            || own("zip")
            || own("hook")
            || own("move")
    }

    /// The directory the backups live in, to sync their names.
    pub fn backups_dir(&self) -> &OwnedFd {
        self.backups.as_ref().map_or(&self.dir, |b| &b.fd)
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
        let fresh = FileSet::open(self.naming.clone(), self.trust)?;
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
        self.path_of(name).display().to_string()
    }

    /// The path of a member.
    pub fn path_of(&self, name: &[u8]) -> PathBuf {
        match &self.backups {
            Some(b) if self.is_backup_name(name) => b.path.join(os(name)),
            _ => self.naming.in_dir(name),
        }
    }

    /// Lists the set by reading its directory once: never by probing
    /// numbers one by one, so a huge `max-count` costs nothing.
    pub fn list(&self) -> Result<Listing> {
        let mut names = read_names(&self.dir, self.naming.dir())?;
        if let Some(b) = &self.backups {
            // The main file (and a crashed rotation's new one) from its
            // directory, the backups from theirs.
            names.retain(|n| !self.is_backup_name(n));
            let mut backups = read_names(&b.fd, &b.path)?;
            backups.retain(|n| self.is_backup_name(n));
            names.extend(backups);
        }
        self.listing_of(&names)
    }

    /// The set as a listing of its directory's names in byte order, taken
    /// by the caller: only the names that can be the set's are looked at
    /// (a binary search for its lead), so listing 1,000 sets of one
    /// directory does not read every name 1,000 times.
    pub fn listing_of_sorted(&self, sorted: &[Vec<u8>]) -> Result<Listing> {
        if self.backups.is_some() {
            return self.list();
        }
        let lead = self.naming.lead();
        let from = sorted.partition_point(|n| n.as_slice() < lead);
        let len = sorted[from..].partition_point(|n| n.starts_with(lead));
        let mut names: Vec<Vec<u8>> = sorted[from..from + len].to_vec();
        let leftover = self.naming.own_name("new");
        if sorted.binary_search(&leftover).is_ok() {
            names.push(leftover);
        }
        self.listing_of(&names)
    }

    /// The set as a listing of its directory's names, taken by the caller
    /// (`rotate` over many sets in one directory reads it once for all;
    /// names gone since are tolerated by every step, names added since
    /// make a step fail, never overwrite).
    pub fn listing_of(&self, names: &[Vec<u8>]) -> Result<Listing> {
        let leftover_name = self.naming.own_name("new");
        let mut mains: Vec<Vec<u8>> = Vec::new();
        let mut backups = Vec::new();
        let mut leftover = None;
        for name in names {
            let name = name.as_slice();
            if name == leftover_name.as_slice() {
                leftover = Some(self.stat(name)?.map_or(0, |m| m.size));
                continue;
            }
            if let Some((stamp, codec)) = self.naming.parse_dated(name) {
                backups.push(Backup {
                    index: 0,
                    codec,
                    name: name.to_vec(),
                    stamp: Some(stamp),
                });
                continue;
            }
            match self.naming.parse(name) {
                Some(m) if m.index == 0 => mains.push(name.to_vec()),
                Some(m) => backups.push(Backup {
                    index: m.index,
                    codec: m.codec,
                    name: name.to_vec(),
                    stamp: None,
                }),
                None => {}
            }
        }
        if self.naming.dates().is_some() {
            rank(&mut backups).map_err(|(numbered, dated)| match dated {
                Some(d) => anyhow::anyhow!(
                    "{} has backups with numbers and with dates: {} and {}; rename or remove one kind",
                    self.naming.path().display(),
                    self.show(&numbered),
                    self.show(&d)
                ),
                None => anyhow::anyhow!(
                    "{} has numbered backups ({}), and its backups are to be named by date; \
                     rename or remove them, or use --backup-names number",
                    self.naming.path().display(),
                    self.show(&numbered)
                ),
            })?;
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
            cascading: false,
        })
    }

    /// The main file, if it exists: found by its name, or, for a `%` set
    /// (whose main file may be at any padding), by a listing.
    pub fn main_entry(&self) -> Result<Option<Entry>> {
        if self.naming.is_percent() {
            return Ok(self.list()?.main);
        }
        self.stat(self.naming.template())
    }

    /// Stats a member without following a symlink; `None` if it is absent.
    pub fn stat(&self, name: &[u8]) -> Result<Option<Entry>> {
        match rustix::fs::statat(
            self.dir_of(name),
            os(name).as_os_str(),
            AtFlags::SYMLINK_NOFOLLOW,
        ) {
            Ok(st) => Ok(Some(entry_of(name, &st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot stat {}", self.show(name))),
        }
    }

    /// Refuses a main file that is a symlink, not a regular file, or has
    /// more than one hard link: rotating or truncating it would act on a
    /// file that is not the set's own.
    pub fn check_main(&self, main: &Entry) -> Result<()> {
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

    /// Finishes a rotation that crashed after the new main file was swapped
    /// in but before the old one was named backup 1 (see
    /// [`plan::recovery`]).
    pub fn recover(&self, count: u64, listing: &Listing) -> Result<()> {
        let leftover = self.naming.own_name("new");
        // A move to a backup directory on another file system that a crash
        // cut short after the copy took its name: the original goes once
        // they compare equal, and nothing else moves.
        if self.across() && listing.leftover.is_some_and(|n| n > 0) {
            let newest = listing
                .backups
                .iter()
                .filter(|b| b.codec.is_none())
                .min_by_key(|b| b.index);
            if let Some(b) = newest
                && self.same_content(&leftover, &b.name)?
            {
                return unlink(self, &leftover);
            }
        }
        // A date-named backup is named for its start: the leftover's birth.
        let dated = match (listing.leftover, self.naming.dates()) {
            (Some(n), Some(_)) if n > 0 => {
                let start = birth_time_at(self, &leftover).unwrap_or_else(SystemTime::now);
                Some(plan::free_dated_name(&self.naming, listing, start))
            }
            _ => None,
        };
        let steps = plan::recovery(&self.naming, listing, count, &leftover, dated.as_deref());
        self.execute(&steps, None).map(drop)
    }

    /// Carries out the steps of a plan. `main_fd` is the writer's handle on
    /// the main file (truncated through it); without one, a handle on the
    /// new backup is opened for whoever finishes it.
    pub fn execute(&self, steps: &[Action], main_fd: Option<&OwnedFd>) -> Result<Rotated> {
        let mut done = Rotated::default();
        for step in steps {
            match step {
                Action::Delete(name) => done.deleted.extend(self.delete_keeping(name)?),
                Action::Rename(from, to) => self.rename(from, to)?,
                Action::Truncate(name) => match main_fd {
                    Some(fd) => rustix::fs::ftruncate(fd, 0)
                        .with_context(|| format!("cannot truncate {}", self.show(name)))?,
                    None => self.truncate(name)?,
                },
                Action::SwapIn {
                    main,
                    backup,
                    method: Method::Rename,
                    fresh,
                } => {
                    let (new, old, pending) = self.swap_in(main, backup, main_fd, fresh)?;
                    done.fresh = Some(new);
                    done.old = old;
                    done.backup = Some(backup.clone());
                    done.pending_move = pending;
                }
                Action::SwapIn {
                    main,
                    backup,
                    method: Method::RenameOnly,
                    ..
                } => {
                    let entry = self.stat(main)?;
                    if let Some(e) = &entry {
                        self.check_main(e)?;
                    }
                    done.old = match main_fd {
                        None => Some(self.open_existing(main, OFlags::RDONLY)?),
                        Some(_) => None,
                    };
                    if self.defer && self.across() {
                        // Under rollover's name until the caller moves it.
                        let new = self.naming.own_name("new");
                        self.rename(main, &new)?;
                        done.pending_move = Some(new);
                    } else {
                        self.rename(main, backup)?;
                    }
                    done.backup = Some(backup.clone());
                }
                Action::SwapIn {
                    main,
                    backup,
                    method,
                    ..
                } => {
                    done.old = Some(self.copy_out(main, backup, *method)?);
                    done.backup = Some(backup.clone());
                }
            }
        }
        Ok(done)
    }

    /// A second handle on the set, for the finisher's thread.
    pub fn try_clone(&self) -> Result<FileSet> {
        let backups = match &self.backups {
            Some(b) => Some(BackupDir {
                fd: rustix::io::fcntl_dupfd_cloexec(&b.fd, 0).with_context(|| {
                    format!("cannot duplicate the handle on {}", b.path.display())
                })?,
                path: b.path.clone(),
                across: b.across,
            }),
            None => None,
        };
        Ok(FileSet {
            naming: self.naming.clone(),
            dir: self.dup_dir()?,
            backups,
            defer: self.defer,
            trust: self.trust,
            generation: self.generation,
        })
    }

    /// A second handle on the set's directory, for the finisher.
    pub fn dup_dir(&self) -> Result<OwnedFd> {
        rustix::io::fcntl_dupfd_cloexec(&self.dir, 0).with_context(|| {
            format!(
                "cannot duplicate the handle on {}",
                self.naming.dir().display()
            )
        })
    }

    /// Deletes a member, and returns a handle that holds on to its data
    /// (`None` if it could not be opened): the name is gone at once, the
    /// blocks are freed when the handle closes. `O_PATH` opens anything,
    /// a FIFO or a file rollover may not read included, without blocking
    /// and without following a symlink.
    fn delete_keeping(&self, name: &[u8]) -> Result<Option<OwnedFd>> {
        let fd = rustix::fs::openat(
            self.dir_of(name),
            os(name).as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok();
        unlink(self, name)?;
        Ok(fd)
    }

    /// Renames a file of rollover's own over its old version.
    fn rename_over(&self, from: &[u8], to: &[u8]) -> Result<()> {
        rustix::fs::renameat(
            self.dir_of(from),
            os(from).as_os_str(),
            self.dir_of(to),
            os(to).as_os_str(),
        )
        .with_context(|| format!("cannot rename {} to {}", self.show(from), self.show(to)))
    }

    /// Renames without replacing: a rename never overwrites another member.
    pub fn rename(&self, from: &[u8], to: &[u8]) -> Result<()> {
        let ctx = || format!("cannot rename {} to {}", self.show(from), self.show(to));
        let (a, b) = (os(from), os(to));
        let (da, db) = (self.dir_of(from), self.dir_of(to));
        match rustix::fs::renameat_with(da, &a, db, &b, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            // To a backup directory on another file system.
            Err(Errno::XDEV) => self.move_across(from, to),
            Err(Errno::INVAL | Errno::NOSYS) => {
                // The file system lacks RENAME_NOREPLACE: check, then rename.
                if self.stat(to)?.is_some() {
                    return Err(Errno::EXIST).with_context(ctx);
                }
                rustix::fs::renameat(da, &a, db, &b).with_context(ctx)
            }
            Err(e) => Err(e).with_context(ctx),
        }
    }

    /// A new empty file with the main file's mode and owner (or those
    /// `fresh` names) takes its place in one atomic exchange, so PATH never goes missing; the old one,
    /// now under rollover's own name, is named `backup` at once (a crash in
    /// between is finished by [`FileSet::recover`]), or, where it is to be
    /// copied to another file system for a caller that defers that, stays
    /// so (its name is returned third). Without `held` (the writer's
    /// handle on the main file), a handle on the old file is returned, for
    /// syncing it. The new file starts where the old one ends
    /// ([`start`]).
    fn swap_in(
        &self,
        main: &[u8],
        backup: &[u8],
        held: Option<&OwnedFd>,
        fresh: &Fresh,
    ) -> Result<(OwnedFd, Option<OwnedFd>, Option<Vec<u8>>)> {
        let entry = match self.stat(main)? {
            Some(e) => e,
            None => bail!("cannot rotate {}: it disappeared", self.show(main)),
        };
        self.check_main(&entry)?;
        let old = match held {
            None => Some(self.open_existing(main, OFlags::RDONLY)?),
            Some(_) => None,
        };
        let new = self.naming.own_name("new");
        let fd = self.create_exclusive(&new, fresh.mode.unwrap_or(entry.mode))?;
        if let Some(h) = held.or(old.as_ref()) {
            start::record(&fd, start::after(h, entry.size));
        }
        let (uid, gid) = (
            fresh.uid.unwrap_or(entry.uid),
            fresh.gid.unwrap_or(entry.gid),
        );
        if uid != rustix::process::geteuid().as_raw() || gid != rustix::process::getegid().as_raw()
        {
            // Root rotating a user's log must hand the new file to that user,
            // or the user's writer could no longer open it. Not root: the
            // kernel refuses, and the file stays ours, as it must; an owner
            // asked for by name is an error then.
            let owned = rustix::fs::fchown(
                &fd,
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
            );
            // chown clears set-id bits: the mode asked for goes on last.
            let done = owned.and_then(|()| match fresh.mode {
                Some(m) => rustix::fs::fchmod(&fd, rustix::fs::Mode::from_raw_mode(m)),
                None => Ok(()),
            });
            let asked = fresh.uid.is_some() || fresh.gid.is_some();
            if let (Err(e), true) = (done, asked) {
                let _ = unlink(self, &new);
                return Err(e).with_context(|| {
                    format!("cannot give the new {} to {uid}:{gid}", self.show(main))
                });
            }
        }
        let (m, n) = (os(main), os(&new));
        let mut pending = None;
        match rustix::fs::renameat_with(&self.dir, &n, &self.dir, &m, RenameFlags::EXCHANGE) {
            // The old file stays under rollover's name until the caller
            // moves it (the program writing it may still write to it).
            Ok(()) if self.defer && self.across() => pending = Some(new),
            Ok(()) => self.rename(&new, backup)?,
            Err(Errno::INVAL | Errno::NOSYS) => {
                // No RENAME_EXCHANGE here: the old file moves first, leaving
                // PATH missing until the new one is renamed in.
                self.rename(main, backup)?;
                self.rename(&new, main)?;
            }
            Err(e) => {
                let _ = unlink(self, &new);
                return Err(e).with_context(|| {
                    format!("cannot exchange {} with a new empty file", self.show(main))
                });
            }
        }
        Ok((fd, old, pending))
    }

    /// Deletes a member.
    pub fn delete(&self, name: &[u8]) -> Result<()> {
        unlink(self, name)
    }

    /// A backup's name now: `was` if it is still there (the likely case),
    /// else wherever its identity is; `None`: deleted.
    pub fn name_now(&self, was: &[u8], id: crate::plan::FileId) -> Result<Option<Vec<u8>>> {
        if self.stat(was)?.is_some_and(|e| e.id() == id) {
            return Ok(Some(was.to_vec()));
        }
        self.name_of(id)
    }

    /// A backup's name now, found by its identity (renames change names,
    /// not inodes).
    pub fn name_of(&self, id: crate::plan::FileId) -> Result<Option<Vec<u8>>> {
        for b in &self.list()?.backups {
            if let Some(e) = self.stat(&b.name)?
                && e.id() == id
            {
                return Ok(Some(b.name.clone()));
            }
        }
        Ok(None)
    }
}

/// Numbers date-named backups by rank, newest 1, by their parsed start
/// and then their `-N` (both forms of one backup share a rank). A set that
/// holds numbered backups is refused, naming one (and a dated one).
fn rank(backups: &mut [Backup]) -> Result<(), (Vec<u8>, Option<Vec<u8>>)> {
    let dated = backups.iter().find(|b| b.stamp.is_some());
    if let Some(n) = backups.iter().find(|b| b.stamp.is_none()) {
        return Err((n.name.clone(), dated.map(|d| d.name.clone())));
    }
    let mut stamps: Vec<_> = backups.iter().filter_map(|b| b.stamp).collect();
    stamps.sort_unstable_by(|a, b| b.cmp(a));
    stamps.dedup();
    for b in backups.iter_mut() {
        if let Some(s) = b.stamp {
            b.index = stamps
                .iter()
                .position(|x| *x == s)
                .map_or(0, |i| i as u64 + 1);
        }
    }
    Ok(())
}

/// The names in a directory.
fn read_names(fd: &OwnedFd, path: &Path) -> Result<Vec<Vec<u8>>> {
    let show_dir = || path.display().to_string();
    let mut dir = rustix::fs::Dir::read_from(fd)
        .with_context(|| format!("cannot read directory {}", show_dir()))?;
    let mut names = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry.with_context(|| format!("cannot read directory {}", show_dir()))?;
        names.push(entry.file_name().to_bytes().to_vec());
    }
    Ok(names)
}

fn unlink(set: &FileSet, name: &[u8]) -> Result<()> {
    match rustix::fs::unlinkat(set.dir_of(name), os(name).as_os_str(), AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot delete {}", set.show(name))),
    }
}

/// Lets this process hold as many files as it may (the soft limit up to
/// the hard one): `cat` and `follow` hold a set of thousands of backups
/// open whole, a batched `rotate` a handle on every set it compresses.
pub fn hold_many_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current < lim.maximum {
        lim.current = lim.maximum;
        let _ = setrlimit(Resource::Nofile, lim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Listing a set from its directory's sorted names (the binary search)
    /// finds exactly what looking at every name finds, for plain, `%` and
    /// date-named sets among neighbours whose names share their beginning.
    #[test]
    fn a_sorted_listing_finds_what_every_name_finds() {
        let d = tempfile::tempdir().expect("tempdir");
        let names = [
            "app.log",
            "app.log.1",
            "app.log.2.gz",
            "app.log.10.zst",
            "dated.log",
            "dated.log.20261130-101500",
            "dated.log.20261129-101500-2.gz",
            "dated.logs",
            ".app.log.rollover-new",
            ".app.log.rollover-lock",
            "app.logger",
            "app.logger.1",
            "app.lo",
            "ap",
            "a",
            "web.0.log",
            "web.1.log",
            "web.02.log.gz",
            "day.20261130-101500.log",
            "day.20261129-101500.log.gz",
            "day.x.log",
            ".web.%.log.rollover-new",
            "web.x.log",
            "zzz",
        ];
        for n in names {
            std::fs::write(d.path().join(n), n).expect("write");
        }
        let mut sorted: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes().to_vec()).collect();
        let unsorted = sorted.clone();
        sorted.sort();
        let (mut members, mut leftovers) = (0, 0);
        for (template, dates) in [
            ("app.log", None),
            ("dated.log", Some(crate::naming::DATE_FORMAT)),
            ("app.lo", None),
            ("web.%.log", None),
            ("day.%.log", Some(crate::naming::DATE_FORMAT)),
            ("a", None),
        ] {
            let naming = Naming::new(&d.path().join(template))
                .and_then(|n| n.with_dates(dates))
                .expect("naming");
            let set = FileSet::open(naming, DirTrust::Shared).expect("open");
            if let Ok(l) = set.listing_of(&unsorted) {
                members += l.backups.len() + usize::from(l.main.is_some());
                leftovers += usize::from(l.leftover.is_some());
            }
            let all = set.listing_of(&unsorted).map(|l| format!("{l:?}"));
            let found = set.listing_of_sorted(&sorted).map(|l| format!("{l:?}"));
            assert_eq!(
                all.map_err(|e| e.to_string()),
                found.map_err(|e| e.to_string()),
                "{template} {dates:?}"
            );
        }
        // app.log 4, dated.log 3, app.lo 1, web 3, day 2, a 1.
        assert_eq!((members, leftovers), (14, 2));
    }
}
