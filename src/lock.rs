//! One writer per set. A lock file beside the set (`.NAME.rollover-lock`,
//! mode 0600, opened without following links) is held with `flock` by the
//! writer, or briefly by a `rotate`/`reset` working on a set with no writer.
//! The kernel drops the lock when its holder dies, even by `SIGKILL`, so a
//! dead writer never blocks the next one. Only the process holding the lock
//! ever renames the set's files.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use serde::{Deserialize, Serialize};

use crate::config::Finishing;
use crate::fileset::FileSet;
use crate::naming::os;
use crate::plan::Listing;
use crate::policy::Every;

/// What kind of process holds a set's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A live writer, for as long as it runs.
    Writer,
    /// A short-lived `rotate` or `reset`.
    #[default]
    Tool,
}

/// Who holds a set's lock, as its lock file says (JSON, one object): for
/// a writer, the settings that `rotate` uses or warns about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Holder {
    pub pid: u32,
    pub role: Role,
    pub count: u64,
    pub max_size: u64,
    pub max_age: Option<Duration>,
    pub every: Option<Every>,
    /// How the writer finishes its backups.
    pub finishing: Finishing,
    /// A cascade of renames began and has not ended (a crash, if the
    /// holder is gone): its gap closes at the next rotation. Carried over
    /// from one holder to the next.
    pub cascading: bool,
}

impl Holder {
    /// Whether the holder is a writer (not a short-lived tool).
    pub fn is_writer(&self) -> bool {
        self.role == Role::Writer
    }
}

/// A held lock; dropping it (closing the file) releases it, and
/// [`Lock::release`] removes the lock file first, so that no lock file
/// stays beside a set nobody holds.
#[derive(Debug)]
pub struct Lock {
    file: OwnedFd,
}

impl Lock {
    /// Removes the lock file while still holding it, then releases it:
    /// whoever opened it meanwhile and gets the lock next finds it is no
    /// longer the file at its path, and opens the one there (see
    /// [`acquire`]). Only a holder removes it, so the file at its path is
    /// this one. One that marks a cascade a failed rotation left
    /// unfinished stays, for the next run, while the set shows the gap
    /// that cascade left (a cascade killed after its last rename left
    /// none: its mark means nothing any more).
    pub fn release(self, set: &FileSet) {
        if !marks_cascade(&self.file) || !set.list().is_ok_and(|l| l.has_gap()) {
            let name = set.naming.own_name("lock");
            let _ = rustix::fs::unlinkat(set.dir(), os(&name).as_os_str(), AtFlags::empty());
        }
    }
}

/// Whether `fd` is still the file named `name` in `dir`.
fn is_at_path(dir: &OwnedFd, name: &[u8], fd: &OwnedFd) -> bool {
    let (Ok(held), Ok(there)) = (
        rustix::fs::fstat(fd),
        rustix::fs::statat(dir, os(name).as_os_str(), AtFlags::SYMLINK_NOFOLLOW),
    ) else {
        return false;
    };
    (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
}

/// The outcome of trying to take a set's lock.
#[derive(Debug)]
pub enum Acquired {
    Held(Lock),
    /// Another process holds it; what its lock file says.
    Busy(Box<Holder>),
}

/// The error a second writer gets, naming the live writer's pid.
#[derive(Debug)]
pub struct AlreadyWritten {
    pub set: String,
    pub pid: u32,
}

impl std::fmt::Display for AlreadyWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is already being written by rollover (pid {})",
            self.set, self.pid
        )
    }
}

impl std::error::Error for AlreadyWritten {}

fn open_lock(set: &FileSet, create: bool) -> Result<Option<OwnedFd>> {
    let name = set.naming.own_name("lock");
    let show = set.show(&name);
    let mut flags = OFlags::RDWR | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    if create {
        flags |= OFlags::CREATE;
    }
    let fd = match rustix::fs::openat(
        set.dir(),
        os(&name).as_os_str(),
        flags,
        Mode::from_raw_mode(0o600),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) if !create => return Ok(None),
        Err(Errno::LOOP) => bail!("refusing lock file {show}: it is a symbolic link"),
        Err(e) => return Err(e).with_context(|| format!("cannot open lock file {show}")),
    };
    let st = rustix::fs::fstat(&fd).with_context(|| format!("cannot stat lock file {show}"))?;
    if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::RegularFile {
        bail!("refusing lock file {show}: it is not a regular file");
    }
    let me = rustix::process::geteuid();
    if st.st_uid != me.as_raw() && !me.is_root() {
        bail!(
            "refusing lock file {show}: it belongs to uid {}, not to you",
            st.st_uid
        );
    }
    if st.st_mode & 0o077 != 0 {
        // Nobody else may open it, or they could hold it and block the writer.
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o600))
            .with_context(|| format!("cannot set the mode of lock file {show}"))?;
    }
    if me.is_root() && st.st_size == 0 && st.st_uid == 0 {
        // Root created it for a set another user owns: hand it to the owner
        // of the set's directory, or that user's writer could never lock it.
        if let Ok(dir) = rustix::fs::fstat(set.dir())
            && dir.st_uid != 0
        {
            let _ = rustix::fs::fchown(
                &fd,
                Some(rustix::fs::Uid::from_raw(dir.st_uid)),
                Some(rustix::fs::Gid::from_raw(dir.st_gid)),
            );
        }
    }
    Ok(Some(fd))
}

/// What the lock file says of its holder; one that cannot be read (being
/// written this moment, or left by another version) is a tool's with pid
/// 0, which nothing waits for.
fn read_holder(fd: &OwnedFd) -> Holder {
    let size = rustix::fs::fstat(fd).map_or(0, |st| st.st_size as usize);
    let mut buf = vec![0u8; size.min(64 * 1024)];
    let n = rustix::io::pread(fd, &mut buf, 0).unwrap_or(0);
    serde_json::from_slice(&buf[..n]).unwrap_or_default()
}

/// Whether the lock file marks a cascade begun: read in one call where it
/// is small, as a tool's always is.
fn marks_cascade(fd: &OwnedFd) -> bool {
    let mut buf = [0u8; 4096];
    match rustix::io::pread(fd, &mut buf, 0) {
        Ok(n) if n < buf.len() => {
            serde_json::from_slice::<Holder>(&buf[..n]).is_ok_and(|h| h.cascading)
        }
        _ => read_holder(fd).cascading,
    }
}

/// Whether a process with this pid exists.
pub fn alive(pid: u32) -> bool {
    match rustix::process::Pid::from_raw(pid as i32) {
        Some(p) => !matches!(rustix::process::test_kill_process(p), Err(Errno::SRCH)),
        None => false,
    }
}

/// Tries once to take the set's lock, recording `me` in the lock file.
pub fn acquire(set: &FileSet, me: &Holder) -> Result<Acquired> {
    let name = set.naming.own_name("lock");
    let show = || set.show(&name);
    // A lock file is removed by its last holder, under the lock: one held
    // here that is no longer at its path was removed meanwhile, and the
    // set's lock is the file there now.
    let mut tries = 0;
    let fd = loop {
        let Some(fd) = open_lock(set, true)? else {
            bail!("cannot open lock file {}", show())
        };
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => return Ok(Acquired::Busy(Box::new(read_holder(&fd)))),
            Err(e) => return Err(e).with_context(|| format!("cannot lock {}", show())),
        }
        if is_at_path(set.dir(), &name, &fd) {
            break fd;
        }
        tries += 1;
        if tries > 100 {
            bail!("cannot lock {}: it keeps being replaced", show());
        }
    };
    let me = Holder {
        cascading: read_holder(&fd).cascading,
        ..me.clone()
    };
    let text = serde_json::to_string(&me).context("cannot encode the lock file")?;
    // Written over what was there, padded to its length, never cut to
    // nothing first: a file cut to nothing and written again is flushed
    // to disk when closed (ext4's auto_da_alloc), an I/O per set of a
    // `rotate --config` run for a file deleted at once.
    write_over(&fd, text).with_context(|| format!("cannot write lock file {}", show()))?;
    Ok(Acquired::Held(Lock { file: fd }))
}

/// Takes the set's lock, waiting up to `patience` while another process
/// holds it only briefly (a `rotate` or `reset` at work, or a writer that
/// is exiting). A live writer is an [`AlreadyWritten`] error at once.
pub fn acquire_waiting(set: &FileSet, me: &Holder, patience: Duration) -> Result<Lock> {
    let deadline = Instant::now() + patience;
    loop {
        match acquire(set, me)? {
            Acquired::Held(lock) => return Ok(lock),
            Acquired::Busy(h) if h.is_writer() && alive(h.pid) || Instant::now() >= deadline => {
                return Err(AlreadyWritten {
                    set: set.naming.path().display().to_string(),
                    pid: h.pid,
                }
                .into());
            }
            Acquired::Busy(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Records in the set's lock file, which the caller holds, that a cascade
/// of renames begins (`true`) or has ended: no new file is made for it, so
/// the mark costs a rewrite of a file that exists.
pub fn mark_cascade(set: &FileSet, on: bool) -> Result<()> {
    let Some(fd) = open_lock(set, false)? else {
        return Ok(());
    };
    let holder = Holder {
        cascading: on,
        ..read_holder(&fd)
    };
    let show = || set.show(&set.naming.own_name("lock"));
    let text = serde_json::to_string(&holder).context("cannot encode the lock file")?;
    write_over(&fd, text).with_context(|| format!("cannot write lock file {}", show()))
}

/// Writes the holder's text over the old one in place, padded with blanks
/// to its length and never truncated first: a tool that reads the holder
/// meanwhile (rotate, status) never finds the file empty or half of it
/// gone.
fn write_over(fd: &OwnedFd, mut text: String) -> std::io::Result<()> {
    let old = rustix::fs::fstat(fd).map_or(0, |st| st.st_size as usize);
    if text.len() < old {
        text.push_str(&" ".repeat(old - text.len()));
    }
    rustix::io::pwrite(fd, text.as_bytes(), 0)?;
    Ok(())
}

/// Tells a listing whether its gap (where it has one) is a crashed
/// cascade's, as the set's lock file says; the file is read only then.
pub fn note_cascade(set: &FileSet, listing: &mut Listing) -> Result<()> {
    if listing.has_gap() {
        listing.cascading = open_lock(set, false)?.is_some_and(|fd| read_holder(&fd).cascading);
    }
    Ok(())
}

/// The live writer of a set, if one holds its lock. Takes no lock that
/// could block a writer for longer than this call.
pub fn live_writer(set: &FileSet) -> Result<Option<Holder>> {
    let Some(fd) = open_lock(set, false)? else {
        return Ok(None);
    };
    match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockShared) {
        Ok(()) => Ok(None),
        Err(Errno::WOULDBLOCK) => {
            let h = read_holder(&fd);
            Ok(h.is_writer().then_some(h))
        }
        Err(e) => Err(e)
            .with_context(|| format!("cannot lock {}", set.show(&set.naming.own_name("lock")))),
    }
}
