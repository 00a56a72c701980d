//! One writer per set. A lock file beside the set (`.NAME.rollover-lock`,
//! mode 0600, opened without following links) is held with `flock` by the
//! writer, or briefly by a `rotate`/`reset` working on a set with no writer.
//! The kernel drops the lock when its holder dies, even by `SIGKILL`, so a
//! dead writer never blocks the next one. A live writer listens on a Unix
//! socket beside the set (`.NAME.rollover-sock`, mode 0600) through which
//! `rotate` and `reset` ask it to act: only the process holding the lock
//! ever renames the set's files.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use crate::fileset::FileSet;
use crate::naming::os;

/// Who holds a set's lock, as its lock file says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holder {
    pub pid: u32,
    /// `writer`, or `tool` for a short-lived `rotate`/`reset`.
    pub role: String,
    pub count: u64,
    pub max_size: u64,
    pub max_age: Option<Duration>,
}

impl Holder {
    fn encode(&self) -> String {
        let age = self
            .max_age
            .map_or("off".to_string(), |a| a.as_secs_f64().to_string());
        format!(
            "pid {}\nrole {}\ncount {}\nmax_size {}\nmax_age {}\n",
            self.pid, self.role, self.count, self.max_size, age
        )
    }

    fn decode(text: &str) -> Holder {
        let mut h = Holder::default();
        for line in text.lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "pid" => h.pid = value.parse().unwrap_or(0),
                "role" => h.role = value.to_string(),
                "count" => h.count = value.parse().unwrap_or(0),
                "max_size" => h.max_size = value.parse().unwrap_or(0),
                "max_age" => {
                    h.max_age = value
                        .parse::<f64>()
                        .ok()
                        .and_then(|s| Duration::try_from_secs_f64(s).ok())
                }
                _ => {}
            }
        }
        h
    }

    /// Whether the holder is a writer (not a short-lived tool).
    pub fn is_writer(&self) -> bool {
        self.role == "writer"
    }
}

/// A held lock; dropping it (closing the file) releases it.
#[derive(Debug)]
pub struct Lock {
    _file: OwnedFd,
}

/// The outcome of trying to take a set's lock.
#[derive(Debug)]
pub enum Acquired {
    Held(Lock),
    /// Another process holds it; what its lock file says.
    Busy(Holder),
}

/// The error a second writer gets; callers branch on it.
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

fn read_holder(fd: &OwnedFd) -> Holder {
    let mut buf = [0u8; 512];
    let n = rustix::io::pread(fd, &mut buf, 0).unwrap_or(0);
    Holder::decode(&String::from_utf8_lossy(&buf[..n]))
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
    let Some(fd) = open_lock(set, true)? else {
        bail!(
            "cannot open lock file {}",
            set.show(&set.naming.own_name("lock"))
        )
    };
    let show = || set.show(&set.naming.own_name("lock"));
    match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(Errno::WOULDBLOCK) => return Ok(Acquired::Busy(read_holder(&fd))),
        Err(e) => return Err(e).with_context(|| format!("cannot lock {}", show())),
    }
    let text = me.encode();
    rustix::fs::ftruncate(&fd, 0).with_context(|| format!("cannot write lock file {}", show()))?;
    rustix::io::pwrite(&fd, text.as_bytes(), 0)
        .with_context(|| format!("cannot write lock file {}", show()))?;
    Ok(Acquired::Held(Lock { _file: fd }))
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

/// What a writer holds of its set: the lock, and the socket through which
/// `rotate` and `reset` reach it.
#[derive(Debug)]
pub struct Claim {
    me: Holder,
    lock: Option<Lock>,
    control: Option<Control>,
}

impl Claim {
    /// Takes the set's lock for a writer (see [`acquire_waiting`]).
    pub fn take(set: &FileSet, me: Holder) -> Result<Claim> {
        let lock = acquire_waiting(set, &me, Duration::from_secs(2))?;
        Ok(Claim {
            me,
            lock: Some(lock),
            control: None,
        })
    }

    /// Opens the socket; without one the writer still writes, but
    /// `rotate` and `reset` cannot reach it, and it says so.
    pub fn listen(&mut self, set: &FileSet) {
        match Control::bind(set) {
            Ok(c) => self.control = Some(c),
            Err(e) => crate::report(&format!(
                "warning: rotate and reset cannot reach this writer: {e:#}"
            )),
        }
    }

    /// The socket, if open.
    pub fn control(&self) -> Option<&Control> {
        self.control.as_ref()
    }

    /// Takes the lock and the socket anew in a directory that was removed
    /// and created again: the old ones went with the old directory.
    pub fn renew(&mut self, set: &FileSet) {
        match acquire(set, &self.me) {
            Ok(Acquired::Held(lock)) => {
                self.lock = Some(lock);
                self.listen(set);
            }
            Ok(Acquired::Busy(h)) => crate::report(&format!(
                "warning: {} was created again and pid {} holds it now; this writer goes on without its lock",
                set.naming.path().display(),
                h.pid
            )),
            Err(e) => crate::report(&format!("warning: {e:#}")),
        }
    }

    /// Removes the socket at exit; the lock goes with the process.
    pub fn release(self, set: &FileSet) {
        if let Some(c) = self.control {
            c.remove(set);
        }
    }
}

/// The socket's path, reached through the directory handle by way of
/// /proc so that a long directory path never exceeds the 108 bytes a
/// socket address holds, and so that it names the very directory we hold.
fn socket_path(set: &FileSet) -> PathBuf {
    let name = os(&set.naming.own_name("sock"));
    let proc = PathBuf::from(format!("/proc/self/fd/{}", set.dir().as_raw_fd()));
    if proc.exists() {
        proc.join(name)
    } else {
        set.path_of(&set.naming.own_name("sock"))
    }
}

/// What a client asks a writer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Rotate,
    Reset,
}

/// A request received by the writer, answered through [`Request::answer`].
#[derive(Debug)]
pub struct Request {
    pub ask: Ask,
    stream: UnixStream,
}

impl Request {
    /// Answers the client: `Ok` when done, or the reason it was not.
    pub fn answer(mut self, outcome: Result<(), String>) {
        let line = match outcome {
            Ok(()) => "ok\n".to_string(),
            Err(e) => format!("error {}\n", e.replace('\n', " ")),
        };
        // A client that gave up is no concern of the writer's.
        let _ = self.stream.write_all(line.as_bytes());
    }
}

/// The writer's end of the control socket.
#[derive(Debug)]
pub struct Control {
    listener: UnixListener,
}

impl Control {
    /// Binds the socket (removing one left by a dead writer: we hold the
    /// lock, so it cannot be a live writer's).
    pub fn bind(set: &FileSet) -> Result<Control> {
        let name = set.naming.own_name("sock");
        let show = set.show(&name);
        match rustix::fs::unlinkat(set.dir(), os(&name).as_os_str(), AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove stale socket {show}")),
        }
        // The socket is created with mode 0600 from the start: no moment
        // exists in which another user could connect.
        let old = rustix::process::umask(Mode::from_raw_mode(0o177));
        let bound = UnixListener::bind(socket_path(set));
        rustix::process::umask(old);
        let listener = bound.with_context(|| format!("cannot create socket {show}"))?;
        listener
            .set_nonblocking(true)
            .with_context(|| format!("cannot set up socket {show}"))?;
        Ok(Control { listener })
    }

    /// The socket's fd, for polling.
    pub fn fd(&self) -> &UnixListener {
        &self.listener
    }

    /// Accepts the requests waiting. A request from another user (other
    /// than root) is answered `Permission denied` at once.
    pub fn accept(&self) -> Vec<Request> {
        let mut out = Vec::new();
        while let Ok((stream, _)) = self.listener.accept() {
            if let Some(req) = read_request(stream) {
                out.push(req);
            }
        }
        out
    }

    /// Removes the socket when the writer exits.
    pub fn remove(self, set: &FileSet) {
        drop(self.listener);
        let _ = rustix::fs::unlinkat(
            set.dir(),
            os(&set.naming.own_name("sock")).as_os_str(),
            AtFlags::empty(),
        );
    }
}

fn read_request(mut stream: UnixStream) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(1)))
        .ok()?;
    let me = rustix::process::geteuid();
    let peer = rustix::net::sockopt::socket_peercred(&stream).ok()?;
    if peer.uid != me && !peer.uid.is_root() {
        let _ = stream.write_all(b"error Permission denied (os error 13)\n");
        return None;
    }
    let mut line = String::new();
    BufReader::new((&stream).take(128))
        .read_line(&mut line)
        .ok()?;
    let mut words = line.split_whitespace();
    let ask = match words.next()? {
        "rotate" => Ask::Rotate,
        "reset" => Ask::Reset,
        _ => return None,
    };
    // The client gives up at its deadline; acting after it would change
    // the set behind the back of a command that reported failure.
    let deadline: u128 = words.next()?.parse().ok()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis();
    if now + 50 >= deadline {
        return None;
    }
    Some(Request { ask, stream })
}

/// Asks the set's live writer to rotate or reset, and waits for it to be
/// done, at most `timeout`. Fails, having changed nothing, if it does not
/// answer in time.
pub fn ask(set: &FileSet, pid: u32, what: Ask, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    let verb = match what {
        Ask::Rotate => "rotate",
        Ask::Reset => "reset",
    };
    let main = set.naming.path().display().to_string();
    let too_late = || {
        anyhow::anyhow!(
            "cannot {verb} {main}: its writer (pid {pid}) did not answer within {}; nothing was changed",
            humantime::format_duration(timeout)
        )
    };
    let deadline = SystemTime::now() + timeout;
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut stream = loop {
        match UnixStream::connect(socket_path(set)) {
            Ok(s) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(e).with_context(|| format!("cannot {verb} {main}"));
            }
            // The writer is starting or has just exited: try again.
            Err(_) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => return Err(too_late()),
        }
    };
    let remaining = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(1));
    stream
        .set_read_timeout(Some(remaining))
        .with_context(|| format!("cannot {verb} {main}"))?;
    stream
        .set_write_timeout(Some(remaining))
        .with_context(|| format!("cannot {verb} {main}"))?;
    stream
        .write_all(format!("{verb} {deadline_ms}\n").as_bytes())
        .with_context(|| format!("cannot {verb} {main}: cannot reach its writer (pid {pid})"))?;
    let mut reply = String::new();
    match BufReader::new(stream).read_line(&mut reply) {
        Ok(_) if reply == "ok\n" => Ok(()),
        Ok(_) if reply.starts_with("error ") => {
            bail!("cannot {verb} {main}: {}", reply[6..].trim_end())
        }
        Ok(_) => Err(too_late()),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Err(too_late())
        }
        Err(e) => Err(e).with_context(|| {
            format!("cannot {verb} {main}: no answer from its writer (pid {pid})")
        }),
    }
}
