//! The stdin loop. It reads large batches, writes each batch's whole lines
//! with one `write`, holds a trailing partial line until its newline, end of
//! input or the partial-line timeout, and between reads wakes for timers
//! (age, partial lines, a once-a-second look at PATH), signals, and requests
//! from `rotate`/`reset`. Memory is one fixed buffer, whatever the input.

use std::io::Write as _;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;

use crate::lock::{Ask, Claim, Request};
use crate::policy::age_due;
use crate::stamp::{Format, Stamper};
use crate::writer::{Warner, Writer};

/// The read buffer: large reads, few syscalls; bounded memory.
pub const BUF: usize = 256 * 1024;

/// How often the writer checks that PATH is still its file.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The pipeline's options beyond the writer's.
#[derive(Debug, Clone)]
pub struct Options {
    pub partial_timeout: Duration,
    pub timestamp: Option<Format>,
    pub tee: bool,
}

/// Signals the writer acts on, as flags, plus a socket the handlers write
/// to so that `poll` wakes.
struct Signals {
    term: Arc<AtomicBool>,
    alarm: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    wake: UnixStream,
}

impl Signals {
    fn install() -> Result<Signals> {
        use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGXFSZ};
        let (wake, notify) =
            UnixStream::pair().context("cannot create a socket pair for signals")?;
        wake.set_nonblocking(true)
            .context("cannot set up signal handling")?;
        notify
            .set_nonblocking(true)
            .context("cannot set up signal handling")?;
        let s = Signals {
            term: Arc::new(AtomicBool::new(false)),
            alarm: Arc::new(AtomicBool::new(false)),
            hup: Arc::new(AtomicBool::new(false)),
            wake,
        };
        let register = |sig, flag: &Arc<AtomicBool>| -> Result<()> {
            signal_hook::flag::register(sig, Arc::clone(flag))
                .context("cannot install a signal handler")?;
            let n = notify
                .try_clone()
                .context("cannot set up signal handling")?;
            signal_hook::low_level::pipe::register(sig, n)
                .context("cannot install a signal handler")?;
            Ok(())
        };
        register(SIGTERM, &s.term)?;
        register(SIGINT, &s.term)?;
        register(SIGALRM, &s.alarm)?;
        register(SIGHUP, &s.hup)?;
        // A file-size limit must not kill the writer: the write fails with
        // EFBIG instead, and the writer rotates. A closed stdout (--tee)
        // must not either: the write fails with EPIPE.
        let ignored = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(SIGXFSZ, Arc::clone(&ignored))
            .context("cannot ignore SIGXFSZ")?;
        signal_hook::flag::register(SIGPIPE, ignored).context("cannot ignore SIGPIPE")?;
        Ok(s)
    }

    fn drain_wake(&self) {
        let mut sink = [0u8; 64];
        while matches!(rustix::io::read(&self.wake, &mut sink), Ok(n) if n > 0) {}
    }
}

/// `--tee`: a copy of the input on stdout, until stdout goes away.
struct Tee {
    on: bool,
}

impl Tee {
    fn copy(&mut self, data: &[u8]) {
        if !self.on || data.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(data).and_then(|()| out.flush()) {
            crate::report(&format!(
                "warning: stopped copying to stdout: {e}; the files are still written"
            ));
            self.on = false;
        }
    }
}

struct Loop {
    w: Writer,
    buf: Box<[u8]>,
    /// Bytes of `buf` holding a partial line not yet written.
    held: usize,
    partial_since: Option<Instant>,
    stamper: Option<Stamper>,
    tee: Tee,
    partial_timeout: Duration,
    /// A rotation is wanted (signal, request, age) since then.
    rotate_since: Option<Instant>,
    /// Requests answered once the rotation is done.
    waiting: Vec<Request>,
    last_check: Instant,
    failed_rotation: Option<Instant>,
    trouble: Warner,
}

/// Runs the writer until end of input, `SIGTERM` or `SIGINT`.
pub fn run(mut w: Writer, mut claim: Claim, opts: Options) -> Result<()> {
    let signals = Signals::install()?;
    w.set_stop(Arc::clone(&signals.term));
    let stdin = std::io::stdin();
    let input = stdin.as_fd();
    // A larger pipe means fewer, larger reads. Not a pipe, or not allowed:
    // no matter.
    let _ = rustix::pipe::fcntl_setpipe_size(input, 1 << 20);
    let mut lp = Loop::new(w, opts);
    let result = lp.run(input, &signals, &mut claim);
    claim.release(&lp.w.set);
    result
}

/// Runs the write path of [`run`] over `input`, handed over in reads of
/// at most `chunk` bytes, without stdin, signals or a control socket; then
/// ends as at end of input. For measuring the hot path (allocations,
/// speed) in-process.
pub fn feed(w: Writer, opts: Options, input: &[u8], chunk: usize) -> Result<Writer> {
    let mut lp = Loop::new(w, opts);
    let mut rest = input;
    while !rest.is_empty() {
        let n = chunk.min(lp.buf.len() - lp.held).min(rest.len());
        lp.buf[lp.held..lp.held + n].copy_from_slice(&rest[..n]);
        lp.take(n)?;
        rest = &rest[n..];
    }
    lp.finish()?;
    Ok(lp.w)
}

impl Loop {
    fn new(w: Writer, opts: Options) -> Loop {
        Loop {
            w,
            buf: vec![0u8; BUF].into_boxed_slice(),
            held: 0,
            partial_since: None,
            stamper: opts.timestamp.map(|f| Stamper::new(f, BUF + BUF / 2)),
            tee: Tee { on: opts.tee },
            partial_timeout: opts.partial_timeout,
            rotate_since: None,
            waiting: Vec::new(),
            last_check: Instant::now(),
            failed_rotation: None,
            trouble: Warner::default(),
        }
    }

    fn run(&mut self, input: BorrowedFd<'_>, signals: &Signals, claim: &mut Claim) -> Result<()> {
        let mut generation = self.w.set.generation();
        loop {
            if self.w.set.generation() != generation {
                // The directory was removed and created again.
                generation = self.w.set.generation();
                claim.renew(&self.w.set);
            }
            let control = claim.control();
            self.timers()?;

            let timeout = self.timeout();
            let ts = rustix::time::Timespec {
                tv_sec: timeout.as_secs() as i64,
                tv_nsec: timeout.subsec_nanos() as _,
            };
            // The listener slot polls stdin for nothing when there is no
            // listener, and is then left out of the call.
            let mut fds = [
                PollFd::from_borrowed_fd(input, PollFlags::IN),
                PollFd::new(&signals.wake, PollFlags::IN),
                match control {
                    Some(c) => PollFd::new(c.fd(), PollFlags::IN),
                    None => PollFd::from_borrowed_fd(input, PollFlags::empty()),
                },
            ];
            let used = if control.is_some() { 3 } else { 2 };
            match rustix::event::poll(&mut fds[..used], Some(&ts)) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e).context("cannot wait for input"),
            }
            let ready = fds.map(|f| !f.revents().is_empty());
            if ready[1] {
                signals.drain_wake();
            }
            // Signals before input: whatever a signal's sender wrote after
            // sending it is read after the signal is acted on.
            if signals.term.load(Ordering::Relaxed) {
                self.drain(input)?;
                return self.finish();
            }
            if signals.alarm.swap(false, Ordering::Relaxed) {
                self.want_rotation();
            }
            if signals.hup.swap(false, Ordering::Relaxed)
                && let Err(e) = self.w.reopen()
            {
                // Writing goes on into the file the writer has.
                self.trouble.warn(|| format!("{e:#}"));
            }
            if ready[2]
                && let Some(c) = control
            {
                for req in c.accept() {
                    self.request(req);
                }
            }
            // A rotation asked for at a line boundary goes before whatever
            // is read next.
            if self.rotate_since.is_some() && self.at_line_boundary() {
                self.rotate_now();
            }
            if ready[0] && !self.read_once(input)? {
                return self.finish();
            }
        }
    }

    /// Reads once; false at end of input.
    fn read_once(&mut self, input: BorrowedFd<'_>) -> Result<bool> {
        let n = match rustix::io::read(input, &mut self.buf[self.held..]) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(Errno::INTR | Errno::AGAIN) => return Ok(true),
            Err(e) => return Err(e).context("cannot read standard input"),
        };
        self.take(n)?;
        Ok(true)
    }

    /// Writes what a read of `n` bytes completed.
    fn take(&mut self, n: usize) -> Result<()> {
        let old = self.held;
        let end = old + n;
        self.held = end;
        self.tee.copy(&self.buf[old..end]);
        if let Some(s) = self.stamper.as_mut() {
            s.set_time(SystemTime::now());
        }
        match memchr::memrchr(b'\n', &self.buf[old..end]) {
            Some(i) => {
                let last = old + i + 1;
                if self.rotate_since.is_some() && (old > 0 || self.w.mid_line) {
                    // A wanted rotation waits for the end of the line in
                    // progress, then goes before the rest.
                    let first = old + memchr::memchr(b'\n', &self.buf[old..last]).unwrap_or(i) + 1;
                    emit(&mut self.w, &mut self.stamper, &self.buf[..first])?;
                    self.rotate_now();
                    emit(&mut self.w, &mut self.stamper, &self.buf[first..last])?;
                } else {
                    emit(&mut self.w, &mut self.stamper, &self.buf[..last])?;
                }
                self.buf.copy_within(last..end, 0);
                self.held = end - last;
                self.partial_since = (self.held > 0).then(Instant::now);
            }
            None if end == self.buf.len() => {
                // A line longer than the buffer: it streams through.
                self.flush_partial()?;
            }
            None => {
                self.partial_since.get_or_insert_with(Instant::now);
            }
        }
        Ok(())
    }

    /// Writes the held partial line as it is.
    fn flush_partial(&mut self) -> Result<()> {
        if self.held > 0 {
            emit(&mut self.w, &mut self.stamper, &self.buf[..self.held])?;
            self.held = 0;
        }
        self.partial_since = None;
        Ok(())
    }

    fn want_rotation(&mut self) {
        self.rotate_since.get_or_insert_with(Instant::now);
    }

    fn at_line_boundary(&self) -> bool {
        self.held == 0 && !self.w.mid_line
    }

    /// Rotates and answers whoever asked. A failed rotation is reported
    /// (to the asker, and once a minute on stderr) and writing goes on.
    fn rotate_now(&mut self) {
        let mut outcome = self.w.rotate().map_err(|e| format!("{e:#}"));
        if outcome.is_ok() && !self.waiting.is_empty() {
            // Whoever asked is answered once the backup has its name.
            outcome = self.w.settle_for_answer();
        }
        if let Err(e) = &outcome {
            self.failed_rotation = Some(Instant::now());
            self.trouble.warn(|| e.clone());
        }
        for req in self.waiting.drain(..) {
            req.answer(outcome.clone());
        }
        self.rotate_since = None;
    }

    fn request(&mut self, req: Request) {
        match req.ask {
            Ask::Rotate => {
                self.waiting.push(req);
                self.want_rotation();
            }
            Ask::Reset => {
                // What was read and not yet written is dropped.
                self.held = 0;
                self.partial_since = None;
                if let Some(s) = self.stamper.as_mut() {
                    s.restart();
                }
                let outcome = self.w.reset().map_err(|e| format!("{e:#}"));
                req.answer(outcome);
            }
        }
    }

    fn timers(&mut self) -> Result<()> {
        let now = Instant::now();
        if self
            .partial_since
            .is_some_and(|t| now >= t + self.partial_timeout)
        {
            self.flush_partial()?;
        }
        let retry_ok = self.failed_rotation.is_none_or(|t| now >= t + CHECK_EVERY);
        if retry_ok
            && age_due(
                self.w.size(),
                self.w.born(),
                SystemTime::now(),
                &self.w.policy,
            ) == Some(Duration::ZERO)
        {
            self.want_rotation();
        }
        if now >= self.last_check + CHECK_EVERY {
            self.last_check = now;
            if let Err(e) = self.w.follow_path() {
                self.trouble.warn(|| format!("{e:#}"));
            }
        }
        if let Some(since) = self.rotate_since {
            if self.at_line_boundary() {
                self.rotate_now();
            } else if now >= since + self.partial_timeout {
                // The line did not end in time: rotate anyway.
                self.flush_partial()?;
                self.w.mid_line = false;
                self.rotate_now();
            }
        }
        Ok(())
    }

    fn timeout(&self) -> Duration {
        let now = Instant::now();
        let mut wake = self.last_check + CHECK_EVERY;
        if let Some(t) = self.partial_since {
            wake = wake.min(t + self.partial_timeout);
        }
        if let Some(t) = self.rotate_since {
            wake = wake.min(t + self.partial_timeout);
        }
        let mut timeout = wake.saturating_duration_since(now);
        // An age rotation already wanted (waiting for a line's end) or just
        // failed has its own wake-up above; counting it again would spin.
        let waiting = self.rotate_since.is_some()
            || self.failed_rotation.is_some_and(|t| now < t + CHECK_EVERY);
        if !waiting
            && let Some(due) = age_due(
                self.w.size(),
                self.w.born(),
                SystemTime::now(),
                &self.w.policy,
            )
        {
            timeout = timeout.min(due);
        }
        timeout.max(Duration::from_millis(1))
    }

    /// After `SIGTERM`/`SIGINT`: reads what is already waiting in the pipe
    /// (not what a producer writes later), so nothing sent is lost.
    fn drain(&mut self, input: BorrowedFd<'_>) -> Result<()> {
        let mut left = rustix::io::ioctl_fionread(input).unwrap_or(0);
        while left > 0 {
            let room = (self.buf.len() - self.held).min(left as usize);
            match rustix::io::read(input, &mut self.buf[self.held..self.held + room]) {
                Ok(0) => break,
                Ok(n) => {
                    left = left.saturating_sub(n as u64);
                    self.take(n)?;
                }
                Err(Errno::INTR) => {}
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// End of input or a stop signal: the partial line is written as it
    /// is, a wanted rotation is done, and the loop ends.
    fn finish(&mut self) -> Result<()> {
        self.flush_partial()?;
        if self.rotate_since.is_some() {
            self.rotate_now();
        }
        self.w.close()
    }
}

/// Writes bytes through the stamper (if any) into the set.
fn emit(w: &mut Writer, stamper: &mut Option<Stamper>, mut data: &[u8]) -> Result<()> {
    let Some(s) = stamper.as_mut() else {
        return w.write_lines(data);
    };
    while !data.is_empty() {
        let (out, used) = s.stamp(data);
        w.write_lines(out)?;
        data = &data[used..];
    }
    Ok(())
}
