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

use super::{Left, Loop, Tally};
use crate::select::{Gap, SEEN};

/// Lines being dropped, and whether the last one has not ended yet.
#[derive(Debug, Default)]
pub(super) struct Dropping {
    gap: Gap,
    mid_line: bool,
    /// Where the line being left out goes in the counts, once judged.
    cat: Option<Left>,
    /// The start of a line not judged yet (at most 64 KiB), and its bytes
    /// so far.
    head: Vec<u8>,
    pending: u64,
    cause: String,
}

/// Counts a line, or a piece of one, left out for `cat`; what the buffer
/// dropped also goes into the gap its marker tells of.
fn count(tally: &mut Tally, d: &mut Dropping, cat: Left, lines: u64, bytes: u64, now: SystemTime) {
    tally.add(cat, lines, bytes);
    if cat == Left::Dropped {
        d.gap.lines += lines;
        d.gap.bytes += bytes;
        d.gap.first.get_or_insert(now);
        d.gap.last = Some(now);
    }
}

impl Loop {
    /// Whether input is read now: always in drop mode, else only while
    /// writing keeps up.
    pub(super) fn reading(&self) -> bool {
        !self.eof && (self.stall.is_none() || self.drop_mode)
    }

    /// How many bytes the next read may bring: up to the buffer's end, and
    /// in drop mode while writing is stalled, no more than make
    /// `--buffer` waiting in all. A read before the stall may have brought
    /// more; that one read is the most `--buffer` is exceeded by.
    pub(super) fn room(&self) -> usize {
        let room = self.lines.room();
        if self.drop_mode && self.stall.is_some() {
            room.min(self.hold.saturating_sub(self.lines.unwritten()))
        } else {
            room
        }
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
            if self.stall.is_none() || self.room() > 0 {
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
        // Out of `self` while its pieces are counted (put back below).
        let scratch = std::mem::take(&mut self.scratch);
        let mut data = 0..n;
        while !data.is_empty() {
            let written_out = self.stall.is_none() && self.lines.unwritten() == 0;
            let Some(d) = self.dropping.as_mut() else {
                break;
            };
            if written_out && !d.mid_line {
                self.stop_dropping(false);
                break;
            }
            let chunk = &scratch[data.clone()];
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
                self.leave_out(seg, now);
                at = end;
            }
            data.start += limit;
        }
        // What came after the gap is taken as input.
        if !data.is_empty() {
            let take = data.len().min(self.room());
            let (from, to) = (data.start, data.start + take);
            self.lines.spare(take).copy_from_slice(&scratch[from..to]);
            self.scratch = scratch;
            self.take(take)?;
        } else {
            self.scratch = scratch;
        }
        Ok(Some(true))
    }

    /// Counts one piece of a line read while dropping (up to and including
    /// its newline, or the end of the read). A line is judged (selection,
    /// then the rate limit, else dropped) once its end or its first 64 KiB
    /// are in: the rules see no less than they would have.
    fn leave_out(&mut self, seg: &[u8], now: SystemTime) {
        let whole = seg.last() == Some(&b'\n');
        let Some(d) = self.dropping.as_mut() else {
            return;
        };
        d.pending += seg.len() as u64;
        if d.cat.is_none() {
            let body = seg.strip_suffix(b"\n").unwrap_or(seg);
            let room = SEEN.saturating_sub(d.head.len()).min(body.len());
            d.head.extend_from_slice(&body[..room]);
        }
        if d.cat.is_none() && (whole || d.head.len() >= SEEN) {
            let cat = if !self.rules.keeps(&d.head) {
                Left::Deselected
            } else if let Some(w) = self.windows.as_mut()
                && !w.pass(d.pending, std::time::Instant::now(), now)
            {
                Left::RateLimited
            } else {
                Left::Dropped
            };
            d.cat = Some(cat);
            d.head.clear();
        }
        if let Some(cat) = d.cat
            && d.pending > 0
        {
            let (lines, bytes) = (u64::from(whole), std::mem::take(&mut d.pending));
            count(&mut self.tally, d, cat, lines, bytes, now);
        }
        d.mid_line = !whole;
        if whole {
            d.cat = None;
        }
    }

    /// The buffer is full while writing is stalled: the incomplete line at
    /// its end (if any) is dropped whole, and so is every line after it
    /// until the buffer has been written out.
    fn start_dropping(&mut self) {
        let cause = self.stall_cause.clone();
        let mut d = Dropping {
            cause,
            ..Dropping::default()
        };
        let tail = self.lines.partial();
        if !tail.is_empty() && self.open_line.is_none() {
            // Judged with the rest of its line.
            d.head.extend_from_slice(&tail[..tail.len().min(SEEN)]);
            d.pending = tail.len() as u64;
            d.mid_line = true;
            self.lines.forget_partial();
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
        if eof && d.mid_line {
            // A line that never ended counts as one, where it belongs.
            let cat = d.cat.unwrap_or(if self.rules.keeps(&d.head) {
                Left::Dropped
            } else {
                Left::Deselected
            });
            let bytes = std::mem::take(&mut d.pending);
            count(&mut self.tally, &mut d, cat, 1, bytes, SystemTime::now());
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
        let done = self.stall.is_none() && self.lines.unwritten() == 0;
        if done && self.dropping.as_ref().is_some_and(|d| !d.mid_line) {
            self.stop_dropping(false);
        }
    }
}
