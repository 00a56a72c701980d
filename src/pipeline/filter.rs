//! Selection and the rate limit inside the read buffer: lines left out
//! are squeezed out of it in place, so what is written still goes in one
//! `write` per batch, and nothing is allocated per line. A marker line for
//! what the rate limit dropped goes in where those lines would have been.

use std::time::{Instant, SystemTime};

use super::{Gap, Left, Loop, Tally, Verdict};
use crate::select::Windows;

impl Loop {
    /// Makes the buffer's bytes up to `to` ready to write, leaving out the
    /// lines that selection or the rate limit drop, and putting in a
    /// marker that is due first.
    pub(super) fn advance_ready(&mut self, to: usize) {
        if self.rules.is_empty() && self.windows.is_none() && self.marker.is_none() {
            self.lines.make_ready(to);
            return;
        }
        let now = Instant::now();
        let inserted = self.markers(now);
        let to = to + inserted;
        let wall = SystemTime::now();
        let from = self.lines.ready();
        // The common case, in one pass over the batch: no rule matches any
        // of its lines, and the rate limit has room for all of them.
        let batch = &self.lines.bytes()[..to];
        let matched = !self.rules.is_empty() && self.rules.begin(batch, from);
        let uniform = self.rules.is_empty() || (!matched && self.rules.default_keep());
        if uniform && self.open_line != Some(Verdict::LeaveOut) {
            let tail = to > from && batch[to - 1] != b'\n';
            let room = match self.windows.as_mut() {
                Some(w) => {
                    // Lines count at their start: a line let through in
                    // part before counted then; one that starts here and
                    // has not ended counts now.
                    let lines = bytecount::count(&batch[from..to], b'\n') as u64;
                    let open = u64::from(self.open_line.is_some());
                    w.pass_all((lines + u64::from(tail)).saturating_sub(open), now)
                }
                None => true,
            };
            if room {
                self.open_line = tail.then_some(Verdict::Keep);
                self.lines.make_ready(to);
                return;
            }
        }
        let Loop {
            lines,
            rules,
            windows,
            tally,
            open_line,
            dropped_by,
            ..
        } = self;
        lines.squeeze(to, |buf, line| {
            let len = line.len() as u64;
            let whole = buf[line.end - 1] == b'\n';
            let verdict = match *open_line {
                Some(v) => {
                    if v == Verdict::LeaveOut {
                        left_out_more(tally, windows, *dropped_by, len);
                    }
                    v
                }
                None => {
                    let why = if !rules.is_empty() && !rules.keeps_in(buf, line.start, line.end) {
                        Some(Left::Deselected)
                    } else {
                        let pass = windows.as_mut().is_none_or(|w| w.pass(len, now, wall));
                        (!pass).then_some(Left::RateLimited)
                    };
                    if let Some(why) = why {
                        tally.add(why, 1, len);
                        *dropped_by = Some(why);
                    }
                    if why.is_none() {
                        Verdict::Keep
                    } else {
                        Verdict::LeaveOut
                    }
                }
            };
            *open_line = (!whole).then_some(verdict);
            verdict == Verdict::Keep
        });
    }

    /// Puts in the marker of a rate-limit window that has ended, where the
    /// lines it dropped would have been; after a line that was let through
    /// only in part, it waits for that line's end. Returns the bytes put in.
    pub(super) fn markers(&mut self, now: Instant) -> usize {
        if self.marker.is_none()
            && let Some(gap) = self.windows.as_mut().and_then(|w| w.close_due(now))
        {
            let cause = self
                .windows
                .as_ref()
                .map_or_else(String::new, Windows::describe);
            self.marker = Some(Gap::marker(&gap, &cause));
        }
        if self.open_line.is_some() || self.writer.mid_line() && self.lines.pending().is_empty() {
            return 0;
        }
        let Some(line) = self.marker.take() else {
            return 0;
        };
        if !self.lines.insert_ready(line.as_bytes()) {
            // No room now: it goes in with the next batch.
            self.marker = Some(line);
            return 0;
        }
        line.len()
    }
}

/// Bytes of a line whose start was left out, counted where it went.
fn left_out_more(tally: &mut Tally, windows: &mut Option<Windows>, why: Option<Left>, len: u64) {
    let Some(why) = why else {
        return;
    };
    tally.add(why, 0, len);
    if let (Left::RateLimited, Some(w)) = (why, windows.as_mut()) {
        w.gap.bytes += len;
    }
}
