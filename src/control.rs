//! How `rotate` and `reset` reach a live writer. The writer listens on a
//! Unix socket beside the set (`.NAME.rollover-sock`, mode 0600 from its
//! first moment); a client sends one line, `rotate|reset DEADLINE-MS`, and
//! reads `ok` or `error REASON` (`stats` is answered `ok JSON`, the
//! writer's counts of what it left out, for `status`). The writer reads
//! requests on threads of its own, so a silent client never delays
//! writing; it checks the peer's uid, drops a connection that sends no
//! request within 10 s, and drops a request whose deadline has passed, so
//! a client that gave up has changed nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use rustix::fs::{AtFlags, Mode};
use rustix::io::Errno;

use crate::fileset::FileSet;
use crate::lock::{Acquired, Holder, Lock, acquire, acquire_waiting};
use crate::messages;
use crate::naming::os;

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
            Err(e) => messages::warn(&format!("rotate and reset cannot reach this writer: {e:#}")),
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
            Ok(Acquired::Busy(h)) => messages::warn(&format!(
                "{} was created again and pid {} holds it now; this writer goes on without its lock",
                set.naming.path().display(),
                h.pid
            )),
            Err(e) => messages::warn(&format!("{e:#}")),
        }
    }

    /// Removes the socket and the lock file at exit.
    pub fn release(self, set: &FileSet) {
        if let Some(c) = self.control {
            c.remove(set);
        }
        if let Some(lock) = self.lock {
            lock.release(set);
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
    /// What the writer left out so far, for `status`.
    Stats,
}

/// A request received by the writer, answered through [`Request::answer`].
#[derive(Debug)]
pub struct Request {
    pub ask: Ask,
    stream: UnixStream,
}

impl Request {
    /// Answers the client with a line of facts.
    pub fn answer_with(mut self, facts: &str) {
        let _ = self
            .stream
            .write_all(format!("ok {}\n", facts.replace('\n', " ")).as_bytes());
    }

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

/// How long a client may take to send its request before the writer
/// drops the connection: `rotate`'s and `reset`'s default `--timeout`.
const REQUEST_WITHIN: Duration = Duration::from_secs(10);

/// Connections read at once; more are closed at once, so that a flood of
/// silent clients costs the writer a bounded number of threads.
const READING_AT_MOST: usize = 16;

/// The writer's end of the control socket. Connections are accepted and
/// their requests read on threads of their own: a client that connects
/// and sends nothing, or sends slowly, never holds up the writer's loop,
/// which only polls [`Control::fd`] and takes finished requests.
#[derive(Debug)]
pub struct Control {
    listener: Arc<UnixListener>,
    requests: Receiver<Request>,
    /// Readable once a request is waiting.
    wake: UnixStream,
}

impl Control {
    /// Binds the socket (removing one left by a dead writer: we hold the
    /// lock, so it cannot be a live writer's) and starts accepting.
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
        let listener = Arc::new(bound.with_context(|| format!("cannot create socket {show}"))?);
        let (wake, notify) = UnixStream::pair()
            .and_then(|(w, n)| w.set_nonblocking(true).map(|()| (w, n)))
            .with_context(|| format!("cannot set up socket {show}"))?;
        let (send, requests) = std::sync::mpsc::channel();
        let accepting = Arc::clone(&listener);
        std::thread::Builder::new()
            .name("control".into())
            .spawn(move || accept_loop(&accepting, &send, &notify))
            .with_context(|| format!("cannot set up socket {show}"))?;
        Ok(Control {
            listener,
            requests,
            wake,
        })
    }

    /// The fd to poll: readable once a request is waiting.
    pub fn fd(&self) -> &UnixStream {
        &self.wake
    }

    /// The requests that have arrived whole. A request from another user
    /// (other than root) was answered `Permission denied` on arrival.
    pub fn accept(&self) -> Vec<Request> {
        let mut sink = [0u8; 64];
        while matches!(rustix::io::read(&self.wake, &mut sink), Ok(n) if n > 0) {}
        self.requests.try_iter().collect()
    }

    /// Removes the socket when the writer exits.
    pub fn remove(self, set: &FileSet) {
        drop(self);
        let _ = rustix::fs::unlinkat(
            set.dir(),
            os(&set.naming.own_name("sock")).as_os_str(),
            AtFlags::empty(),
        );
    }
}

impl Drop for Control {
    /// Ends the accepting thread: `accept` on a listener shut down for
    /// reading fails at once.
    fn drop(&mut self) {
        let _ = rustix::net::shutdown(&*self.listener, rustix::net::Shutdown::Read);
    }
}

/// Accepts connections until the listener is shut down, reading each one's
/// request on a thread of its own (at most [`READING_AT_MOST`] at once).
fn accept_loop(listener: &UnixListener, send: &Sender<Request>, notify: &UnixStream) {
    let reading = Arc::new(AtomicUsize::new(0));
    while let Ok((stream, _)) = listener.accept() {
        if reading.load(Ordering::Relaxed) >= READING_AT_MOST {
            continue;
        }
        let Ok(notify) = notify.try_clone() else {
            continue;
        };
        reading.fetch_add(1, Ordering::Relaxed);
        let (send, count) = (send.clone(), Arc::clone(&reading));
        let spawned = std::thread::Builder::new()
            .name("control-request".into())
            .spawn(move || {
                if let Some(req) = read_request(stream) {
                    let _ = send.send(req);
                    let _ = (&notify).write_all(b"r");
                }
                count.fetch_sub(1, Ordering::Relaxed);
            });
        if spawned.is_err() {
            reading.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

fn read_request(mut stream: UnixStream) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(REQUEST_WITHIN)).ok()?;
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
        "stats" => Ask::Stats,
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
    ask_for(set, pid, what, timeout).map(drop)
}

/// [`ask`], returning the facts the writer answered with (`stats`).
pub fn ask_for(set: &FileSet, pid: u32, what: Ask, timeout: Duration) -> Result<String> {
    let start = Instant::now();
    let verb = match what {
        Ask::Rotate => "rotate",
        Ask::Reset => "reset",
        Ask::Stats => "stats",
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
        Ok(_) if reply == "ok\n" => Ok(String::new()),
        Ok(_) if reply.starts_with("ok ") => Ok(reply[3..].trim_end().to_string()),
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
