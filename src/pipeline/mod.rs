//! The stdin loop and its state. It reads large batches, writes each
//! batch's whole lines with one `write`, holds a trailing partial line until
//! its newline, end of input or the partial-line timeout, and between reads
//! wakes for timers (age, partial lines, a once-a-second look at PATH, a
//! stalled write's retry), signals, and requests from `rotate`/`reset`.
//! A write that a fault stopped short (full disk, EIO, vanished directory)
//! is a state of this loop, not a sleep: reading stops (the producer blocks
//! on the full pipe: back-pressure, nothing lost) while requests, timers
//! and signals are still served. Memory is one fixed buffer.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;
use serde::{Deserialize, Serialize};

use crate::control::{Ask, Claim, Request};
use crate::messages::Warner;
use crate::policy::{Decision, Reason};
use crate::select::{Gap, RateLimit, Rules, Windows};
use crate::signals::Signals;
use crate::stamp::{Format, Stamper};
use crate::writer::Writer;

mod filter;
mod linebuf;
mod overflow;
mod pump;

use linebuf::LineBuf;
use pump::Tee;

/// The read buffer: large reads, few syscalls; bounded memory.
pub const BUF: usize = 256 * 1024;

/// How often the writer checks that PATH is still its file.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How often a writer applies `--max-backup-age` between rotations.
const RETAIN_EVERY: Duration = Duration::from_secs(3600);

/// The longest pause between two tries of a stalled write.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The pipeline's options beyond the writer's.
#[derive(Debug, Clone)]
pub struct Options {
    pub partial_timeout: Duration,
    pub timestamp: Option<Format>,
    pub tee: bool,
    /// `--select` / `--deselect`, in order.
    pub rules: Rules,
    pub rate_limit: Option<RateLimit>,
    /// `--on-stall drop`, with a buffer of this many bytes.
    pub drop_buffer: Option<usize>,
}

/// Lines and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub lines: u64,
    pub bytes: u64,
}

/// Lines and bytes left out since the writer started, by cause, for
/// `status` (the writer's answer to `stats`, as JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub deselected: Count,
    pub rate_limited: Count,
    pub dropped: Count,
}

/// Why a line was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    Deselected,
    RateLimited,
    /// The buffer was full while writing stalled (`--on-stall drop`).
    Dropped,
}

impl Tally {
    /// Counts lines (or, at 0, the rest of a line) left out.
    fn add(&mut self, why: Left, lines: u64, bytes: u64) {
        let n = match why {
            Left::Deselected => &mut self.deselected,
            Left::RateLimited => &mut self.rate_limited,
            Left::Dropped => &mut self.dropped,
        };
        n.lines += lines;
        n.bytes += bytes;
    }
}

/// A write stopped short by a fault, and when to try again.
#[derive(Debug, Clone, Copy)]
struct Stall {
    retry_at: Instant,
    pause: Duration,
}

/// Whether a line whose start was judged, and whose end has not come, is
/// written or left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    LeaveOut,
}

struct Loop {
    writer: Writer,
    /// What was read, what is ready, what waits for its line's end, and
    /// where a wanted rotation goes.
    lines: LineBuf,
    partial_since: Option<Instant>,
    stamper: Option<Stamper>,
    tee: Tee,
    partial_timeout: Duration,
    /// A rotation is wanted (signal, request, age) since then; it goes in
    /// at the buffer's cut: what was read before it was asked for lands in
    /// the old file.
    want: Option<Instant>,
    /// Why, for the hook.
    reason: Reason,
    /// Requests answered once the rotation is done.
    waiting: Vec<Request>,
    last_check: Instant,
    /// When retention was last looked at (hourly, between rotations).
    last_retain: Instant,
    stall: Option<Stall>,
    trouble: Warner,
    space: Warner,
    eof: bool,
    rules: Rules,
    windows: Option<Windows>,
    /// The verdict on a line whose start was already let through or left
    /// out, while its end has not come.
    open_line: Option<Verdict>,
    /// A marker waiting to go in (a line was incomplete when it was due).
    marker: Option<String>,
    /// What left out the line in `open_line`, for counting its later bytes.
    dropped_by: Option<Left>,
    tally: Tally,
    /// `--on-stall drop`.
    drop_mode: bool,
    /// `--buffer`: in drop mode, what may wait while writing is stalled
    /// (the last read may bring it past this, never more).
    hold: usize,
    dropping: Option<overflow::Dropping>,
    /// Reads that are dropped land here.
    scratch: Box<[u8]>,
    /// Why writing last stalled, for the marker.
    stall_cause: String,
}

/// Runs the writer until end of input, `SIGTERM` or `SIGINT`; then waits
/// for the finisher (a second signal stops at once).
pub fn run(w: Writer, mut claim: Claim, signals: &Signals, opts: Options) -> Result<()> {
    let stdin = std::io::stdin();
    let input = stdin.as_fd();
    // A larger pipe means fewer, larger reads. Not a pipe, or not allowed:
    // no matter.
    let _ = rustix::pipe::fcntl_setpipe_size(input, 1 << 20);
    let mut lp = Loop::new(w, opts);
    let written = lp.run(input, signals, &mut claim);
    let closed = lp.writer.close(|| signals.take_stop());
    claim.release(lp.writer.set());
    written.and(closed)
}

/// Runs the write path of [`run`] over `input`, handed over in reads of
/// at most `chunk` bytes, without stdin, signals or a control socket; then
/// ends the input as at end of input (the caller closes the writer). For
/// measuring the hot path (allocations, speed) in-process.
pub fn feed(w: Writer, opts: Options, input: &[u8], chunk: usize) -> Result<Writer> {
    let mut lp = Loop::new(w, opts);
    let mut rest = input;
    while !rest.is_empty() {
        let n = chunk.min(lp.lines.room()).min(rest.len());
        lp.lines.spare(n).copy_from_slice(&rest[..n]);
        lp.take(n)?;
        if lp.stall.is_some() {
            bail!("a write stalled");
        }
        rest = &rest[n..];
    }
    lp.end_of_input()?;
    Ok(lp.writer)
}

impl Loop {
    fn new(w: Writer, opts: Options) -> Loop {
        Loop {
            writer: w,
            lines: LineBuf::new(opts.drop_buffer.map_or(BUF, |b| b.max(BUF))),
            partial_since: None,
            stamper: opts.timestamp.map(|f| Stamper::new(f, BUF + BUF / 2)),
            tee: Tee { on: opts.tee },
            partial_timeout: opts.partial_timeout,
            want: None,
            reason: Reason::Request,
            waiting: Vec::new(),
            last_check: Instant::now(),
            last_retain: Instant::now(),
            stall: None,
            trouble: Warner::default(),
            space: Warner::default(),
            eof: false,
            rules: opts.rules,
            windows: opts.rate_limit.map(Windows::new),
            open_line: None,
            marker: None,
            dropped_by: None,
            tally: Tally::default(),
            drop_mode: opts.drop_buffer.is_some(),
            hold: opts.drop_buffer.unwrap_or(usize::MAX),
            dropping: None,
            scratch: vec![
                0u8;
                if opts.drop_buffer.is_some() {
                    64 * 1024
                } else {
                    0
                }
            ]
            .into_boxed_slice(),
            stall_cause: String::new(),
        }
    }

    fn run(&mut self, input: BorrowedFd<'_>, signals: &Signals, claim: &mut Claim) -> Result<()> {
        let mut generation = self.writer.set().generation();
        loop {
            if self.writer.set().generation() != generation {
                // The directory was removed and created again.
                generation = self.writer.set().generation();
                claim.renew(self.writer.set());
            }
            self.timers()?;
            if self.eof && self.stall.is_none() {
                return self.end_of_input();
            }
            let control = claim.control();
            let timeout = self.timeout();
            let ts = rustix::time::Timespec {
                tv_sec: timeout.as_secs() as i64,
                tv_nsec: timeout.subsec_nanos() as _,
            };
            // Input is read only while writing keeps up: a stalled write
            // leaves it in the pipe. A slot with nothing to poll holds the
            // signal socket with no events: unlike a closed stdin, it never
            // reports a hang-up, so poll does not spin.
            let reading = self.reading();
            let idle = || PollFd::new(signals.wake(), PollFlags::empty());
            let mut fds = [
                if reading {
                    PollFd::from_borrowed_fd(input, PollFlags::IN)
                } else {
                    idle()
                },
                PollFd::new(signals.wake(), PollFlags::IN),
                match control {
                    Some(c) => PollFd::new(c.fd(), PollFlags::IN),
                    None => idle(),
                },
            ];
            match rustix::event::poll(&mut fds, Some(&ts)) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e).context("cannot wait for input"),
            }
            let ready = fds.map(|f| !f.revents().is_empty());
            if ready[1] {
                signals.drain_wake();
            }
            // Signals before input: whatever a signal's sender wrote after
            // sending it is read after the signal is acted on.
            if signals.take_stop() {
                return self.stop(input);
            }
            if signals.take_alarm() {
                self.want_rotation(Reason::Signal);
            }
            if signals.take_hup()
                && let Err(e) = self.writer.reopen()
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
            // A wanted rotation with nothing left to write goes now.
            self.pump()?;
            if reading && ready[0] && !self.read_once(input)? {
                self.eof = true;
                self.advance_ready(self.lines.held());
                self.pump()?;
            }
        }
    }

    /// Reads once; false at end of input.
    fn read_once(&mut self, input: BorrowedFd<'_>) -> Result<bool> {
        if let Some(more) = self.read_dropping(input)? {
            return Ok(more);
        }
        let room = self.room();
        if room == 0 {
            // Stalled with the buffer full, and not dropping: wait.
            return Ok(true);
        }
        let n = match rustix::io::read(input, self.lines.spare(room)) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(Errno::INTR | Errno::AGAIN) => return Ok(true),
            Err(e) => return Err(e).context("cannot read standard input"),
        };
        self.writer.read_done(n == room);
        self.take(n)?;
        Ok(true)
    }

    fn want_rotation(&mut self, reason: Reason) {
        if self.want.is_none() {
            self.want = Some(Instant::now());
            self.reason = reason;
            self.lines.cut_here();
        }
    }

    /// Rotates and answers whoever asked. A failed rotation is reported
    /// (to the asker, and once a minute on stderr) and writing goes on.
    fn rotate_now(&mut self) {
        let outcome = self
            .writer
            .rotate(self.reason)
            .map_err(|e| format!("{e:#}"));
        if let Err(e) = &outcome {
            self.trouble.warn(|| e.clone());
        }
        for req in self.waiting.drain(..) {
            req.answer(outcome.clone());
        }
        self.want = None;
        self.lines.clear_cut();
    }

    fn request(&mut self, req: Request) {
        match req.ask {
            Ask::Rotate => {
                self.waiting.push(req);
                self.want_rotation(Reason::Request);
            }
            Ask::Stats => {
                // Plain numbers: encoding cannot fail.
                req.answer_with(&serde_json::to_string(&self.tally).unwrap_or_default());
            }
            Ask::Reset => {
                // What was read and not yet written is dropped.
                self.lines.clear();
                self.open_line = None;
                self.partial_since = None;
                self.stall = None;
                if let Some(s) = self.stamper.as_mut() {
                    s.restart();
                }
                let outcome = self.writer.reset().map_err(|e| format!("{e:#}"));
                req.answer(outcome);
            }
        }
    }

    fn timers(&mut self) -> Result<()> {
        let now = Instant::now();
        // A rate-limit window that dropped lines has ended: its marker
        // goes in, input or not.
        if self
            .windows
            .as_ref()
            .and_then(Windows::due)
            .is_some_and(|t| now >= t)
        {
            self.markers(now);
            self.pump()?;
        }
        if self.stall.is_some_and(|s| now >= s.retry_at) {
            self.pump()?;
        }
        if self
            .partial_since
            .is_some_and(|t| now >= t + self.partial_timeout)
            && !self.holding_lines()
        {
            self.flush_partial()?;
        }
        if self.writer.may_rotate()
            && let Some(Decision::Rotate(reason)) = self.writer.time_decision(SystemTime::now())
        {
            self.want_rotation(reason);
        }
        if now >= self.last_retain + RETAIN_EVERY {
            self.last_retain = now;
            self.writer.retain();
        }
        if now >= self.last_check + CHECK_EVERY {
            self.last_check = now;
            if let Err(e) = self.writer.follow_path() {
                self.trouble.warn(|| format!("{e:#}"));
            }
        }
        if let Some(since) = self.want
            && now >= since + self.partial_timeout
            && self.stall.is_none()
        {
            // The line did not end in time: rotate anyway.
            self.flush_partial()?;
            self.writer.end_line();
            self.lines.clear_cut();
            self.pump()?;
        }
        Ok(())
    }

    fn timeout(&self) -> Duration {
        let now = Instant::now();
        let mut wake = self.last_check + CHECK_EVERY;
        if let Some(t) = self.partial_since {
            wake = wake.min(t + self.partial_timeout);
        }
        if let Some(t) = self.want {
            wake = wake.min(t + self.partial_timeout);
        }
        if let Some(s) = self.stall {
            wake = wake.min(s.retry_at);
        }
        if let Some(t) = self.windows.as_ref().and_then(Windows::due) {
            wake = wake.min(t);
        }
        let mut timeout = wake.saturating_duration_since(now);
        // An age rotation already wanted (waiting for a line's end) or just
        // failed has its own wake-up above; counting it again would spin.
        let waiting = self.want.is_some() || !self.writer.may_rotate();
        let at = SystemTime::now();
        if !waiting && let Some(due) = self.writer.time_decision(at).and_then(|d| d.wait(at)) {
            timeout = timeout.min(due);
        }
        timeout.max(Duration::from_millis(1))
    }

    /// `SIGTERM`/`SIGINT`: writes what was read and what is already waiting
    /// in the pipe (not what a producer writes later), so nothing sent is
    /// lost; a write that stays stalled loses what it holds, and says so.
    fn stop(&mut self, input: BorrowedFd<'_>) -> Result<()> {
        let mut left = if self.eof {
            0
        } else {
            rustix::io::ioctl_fionread(input).unwrap_or(0)
        };
        loop {
            if let Some(s) = self.stall.as_mut() {
                s.retry_at = Instant::now();
                self.pump()?;
            }
            if self.stall.is_some() {
                bail!(
                    "stopped by a signal while a write was stalled; data read and not yet written is lost"
                );
            }
            if left == 0 {
                break;
            }
            let room = self.lines.room().min(left as usize);
            match rustix::io::read(input, self.lines.spare(room)) {
                Ok(0) => break,
                Ok(n) => {
                    left = left.saturating_sub(n as u64);
                    self.take(n)?;
                }
                Err(Errno::INTR) => {}
                Err(_) => break,
            }
        }
        self.end_of_input()
    }

    /// End of input or a stop signal: the partial line is written as it
    /// is, and a wanted rotation is done.
    fn end_of_input(&mut self) -> Result<()> {
        self.flush_partial()?;
        // What the rate limit dropped in the window input ended in is said
        // now: no later window will.
        if self.marker.is_none()
            && let Some(gap) = self.windows.as_mut().and_then(Windows::take_gap)
        {
            let cause = self
                .windows
                .as_ref()
                .map_or_else(String::new, Windows::describe);
            self.marker = Some(gap.marker(&cause));
        }
        if self.marker.is_some() {
            self.markers(Instant::now());
            self.pump()?;
        }
        if self.stall.is_some() {
            bail!(
                "the input ended while a write was stalled; data read and not yet written is lost"
            );
        }
        if self.want.is_some() {
            self.rotate_now();
        }
        Ok(())
    }
}
