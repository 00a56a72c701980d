//! `--on-stall drop`: while writing is stalled, reading goes on. Lines
//! wait in the read buffer (`--buffer` long); once it is full, whole
//! incoming lines are dropped, the oldest waiting ones kept, and dropping
//! goes on until the buffer has been written out, so that each gap is one
//! run of lines with one marker, which goes in where they would have been.

use std::borrow::Cow;
use std::os::fd::BorrowedFd;
use std::time::SystemTime;

use anyhow::{Context, Result};
use rustix::io::Errno;

use super::Loop;
use crate::select::Gap;

/// Lines being dropped, and whether the last one has not ended yet.
#[derive(Debug, Default)]
pub(super) struct Dropping {
    gap: Gap,
    mid_line: bool,
    /// Where the line being left out goes in the counts.
    cat: Option<Left>,
    cause: String,
}

/// Why a line read while dropping is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    Deselected,
    RateLimited,
    Dropped,
}

impl Loop {
    /// Whether input is read now: always in drop mode, else only while
    /// writing keeps up.
    pub(super) fn reading(&self) -> bool {
        !self.eof && (self.stall.is_none() || self.drop_mode)
    }

    /// Whether lines are being held for a stalled write in drop mode: a
    /// partial line then waits for its end (or is dropped whole), never
    /// written in part.
    pub(super) fn holding_lines(&self) -> bool {
        self.drop_mode && (self.stall.is_some() || self.dropping.is_some())
    }

    /// Reads once in drop mode when the buffer is full or lines are being
    /// dropped; false at end of input. `None`: not the case, read as usual.
    pub(super) fn read_dropping(&mut self, input: BorrowedFd<'_>) -> Result<Option<bool>> {
        if !self.drop_mode {
            return Ok(None);
        }
        if self.dropping.is_none() {
            if self.stall.is_none() || self.held < self.buf.len() {
                return Ok(None);
            }
            self.start_dropping();
        }
        let n = match rustix::io::read(input, &mut self.scratch[..]) {
            Ok(0) => {
                self.stop_dropping(true);
                return Ok(Some(false));
            }
            Ok(n) => n,
            Err(Errno::INTR | Errno::AGAIN) => return Ok(Some(true)),
            Err(e) => return Err(e).context("cannot read standard input"),
        };
        let now = SystemTime::now();
        let mut data = 0..n;
        while !data.is_empty() {
            let written_out = self.stall.is_none() && self.done == self.held;
            let Some(d) = self.dropping.as_mut() else {
                break;
            };
            if written_out && !d.mid_line {
                self.stop_dropping(false);
                break;
            }
            let chunk = &self.scratch[data.clone()];
            // Until the buffer is written out, everything is left out; then
            // only the rest of the line being dropped. Line by line: a line
            // that selection or the rate limit leaves out is theirs, not
            // the gap's (lines pass them before the buffer).
            let limit = match memchr::memchr(b'\n', chunk) {
                Some(i) if written_out => i + 1,
                _ => chunk.len(),
            };
            let mut at = 0;
            while at < limit {
                let end = memchr::memchr(b'\n', &chunk[at..limit]).map_or(limit, |i| at + i + 1);
                let seg = &chunk[at..end];
                let whole = seg.last() == Some(&b'\n');
                let Some(d) = self.dropping.as_ref() else {
                    break;
                };
                let cat = match d.cat {
                    Some(c) if d.mid_line => c,
                    _ => {
                        let body = seg.strip_suffix(b"\n").unwrap_or(seg);
                        if !self.rules.keeps(body) {
                            Left::Deselected
                        } else if let Some(w) = self.windows.as_mut()
                            && !w.pass(seg.len() as u64, std::time::Instant::now(), now)
                        {
                            Left::RateLimited
                        } else {
                            Left::Dropped
                        }
                    }
                };
                let Some(d) = self.dropping.as_mut() else {
                    break;
                };
                let (lines, bytes) = (u64::from(whole), seg.len() as u64);
                match cat {
                    Left::Deselected => {
                        self.tally.deselected.0 += lines;
                        self.tally.deselected.1 += bytes;
                    }
                    Left::RateLimited => {
                        self.tally.rate_limited.0 += lines;
                        self.tally.rate_limited.1 += bytes;
                    }
                    Left::Dropped => {
                        d.gap.lines += lines;
                        d.gap.bytes += bytes;
                        d.gap.first.get_or_insert(now);
                        d.gap.last = Some(now);
                        self.tally.dropped.0 += lines;
                        self.tally.dropped.1 += bytes;
                    }
                }
                d.mid_line = !whole;
                d.cat = Some(cat);
                at = end;
            }
            data.start += limit;
        }
        // What came after the gap is taken as input.
        if !data.is_empty() {
            let room = self.buf.len() - self.held;
            let take = data.len().min(room);
            let (from, to) = (data.start, data.start + take);
            self.buf[self.held..self.held + take].copy_from_slice(&self.scratch[from..to]);
            self.take(take)?;
        }
        Ok(Some(true))
    }

    /// The buffer is full while writing is stalled: the incomplete line at
    /// its end (if any) is dropped whole, and so is every line after it
    /// until the buffer has been written out.
    fn start_dropping(&mut self) {
        let now = SystemTime::now();
        let cause = self.stall_cause.clone();
        let mut d = Dropping {
            cause,
            ..Dropping::default()
        };
        if self.held > self.ready && self.cont.is_none() {
            let tail = (self.held - self.ready) as u64;
            d.mid_line = true;
            if self.rules.keeps(&self.buf[self.ready..self.held]) {
                d.gap.bytes += tail;
                d.gap.first = Some(now);
                d.gap.last = Some(now);
                d.cat = Some(Left::Dropped);
                self.tally.dropped.1 += tail;
            } else {
                d.cat = Some(Left::Deselected);
                self.tally.deselected.1 += tail;
            }
            self.held = self.ready;
            self.partial_since = None;
        }
        self.dropping = Some(d);
    }

    /// Ends a gap: its marker goes in next (at end of input a dropped line
    /// that never ended counts as one).
    fn stop_dropping(&mut self, eof: bool) {
        let Some(mut d) = self.dropping.take() else {
            return;
        };
        if eof && d.mid_line && d.cat == Some(Left::Dropped) {
            d.gap.lines += 1;
            self.tally.dropped.0 += 1;
        }
        if d.gap.lines > 0 || d.gap.bytes > 0 {
            let cause: Cow<str> = if d.cause.is_empty() {
                "writing stalled".into()
            } else {
                d.cause.as_str().into()
            };
            self.marker = Some(d.gap.marker(&cause));
            self.markers(std::time::Instant::now());
        }
    }

    /// After the buffer was written out: a gap whose last line has ended
    /// closes now, its marker first in line.
    pub(super) fn written_out(&mut self) {
        let done = self.stall.is_none() && self.done == self.held;
        if done && self.dropping.as_ref().is_some_and(|d| !d.mid_line) {
            self.stop_dropping(false);
        }
    }
}
