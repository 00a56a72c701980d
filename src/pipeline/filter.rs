//! Selection and the rate limit inside the read buffer: lines left out
//! are squeezed out of it in place, so what is written still goes in one
//! `write` per batch, and nothing is allocated per line. A marker line for
//! what the rate limit dropped goes in where those lines would have been.

use std::time::{Instant, SystemTime};

use super::{Gap, Left, Loop};
use crate::select::Windows;

impl Loop {
    /// Makes `buf[ready..to]` ready to write, leaving out the lines that
    /// selection or the rate limit drop, and putting in a marker that is
    /// due first.
    pub(super) fn advance_ready(&mut self, to: usize) {
        if self.rules.is_empty() && self.windows.is_none() && self.marker.is_none() {
            self.ready = to;
            return;
        }
        let now = Instant::now();
        let inserted = self.markers(now);
        let to = to + inserted;
        let wall = SystemTime::now();
        let (from, cut) = (self.ready, self.cut_after);
        // The common case, in one pass over the batch: no rule matches any
        // of its lines, and the rate limit has room for all of them.
        let matched = !self.rules.is_empty() && self.rules.begin(&self.buf[..to], from);
        let uniform = self.rules.is_empty() || (!matched && self.rules.default_keep());
        if uniform && self.cont.is_none_or(|k| k) {
            let tail = to > from && self.buf[to - 1] != b'\n';
            let room = match self.windows.as_mut() {
                Some(w) => {
                    // Lines count at their start: a line let through in
                    // part before counted then; one that starts here and
                    // has not ended counts now.
                    let lines = bytecount::count(&self.buf[from..to], b'\n') as u64;
                    let cont = u64::from(self.cont.is_some());
                    w.pass_all((lines + u64::from(tail)).saturating_sub(cont), now)
                }
                None => true,
            };
            if room {
                self.cont = tail.then_some(true);
                self.ready = to;
                return;
            }
        }
        let (mut r, mut w) = (from, from);
        let mut new_cut = None;
        while r < to {
            let nl = memchr::memchr(b'\n', &self.buf[r..to]).map(|i| r + i + 1);
            let end = nl.unwrap_or(to);
            let len = (end - r) as u64;
            let keep = match self.cont {
                Some(keep) => {
                    if !keep {
                        self.tally_bytes(len);
                    }
                    keep
                }
                None => {
                    let why = if !self.rules.is_empty()
                        && !self.rules.keeps_in(&self.buf[..to], r, end)
                    {
                        Some(Left::Deselected)
                    } else {
                        let pass = self.windows.as_mut().is_none_or(|w| w.pass(len, now, wall));
                        (!pass).then_some(Left::RateLimited)
                    };
                    if let Some(why) = why {
                        self.tally.add(why, 1, len);
                        self.dropped_by = Some(why);
                    }
                    why.is_none()
                }
            };
            if new_cut.is_none() && cut > r && cut <= end {
                new_cut = Some(if keep { w + (cut - r) } else { w });
            }
            if keep {
                if w != r {
                    self.buf.copy_within(r..end, w);
                }
                w += end - r;
            }
            self.cont = if nl.is_some() { None } else { Some(keep) };
            r = end;
        }
        let removed = to - w;
        if removed > 0 {
            self.buf.copy_within(to..self.held, w);
            self.held -= removed;
        }
        self.ready = w;
        if cut > to {
            self.cut_after = cut - removed;
        } else if let Some(c) = new_cut {
            self.cut_after = c;
        }
    }

    /// Bytes of a line whose start was left out, counted where it went.
    fn tally_bytes(&mut self, len: u64) {
        let Some(why) = self.dropped_by else {
            return;
        };
        self.tally.add(why, 0, len);
        if let (Left::RateLimited, Some(w)) = (why, self.windows.as_mut()) {
            w.gap.bytes += len;
        }
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
        if self.cont.is_some() || self.w.mid_line() && self.done == self.ready {
            return 0;
        }
        let Some(line) = self.marker.take() else {
            return 0;
        };
        let (at, len) = (self.ready, line.len());
        if self.held + len > self.buf.len() {
            // No room now: it goes in with the next batch.
            self.marker = Some(line);
            return 0;
        }
        self.buf.copy_within(at..self.held, at + len);
        self.buf[at..at + len].copy_from_slice(line.as_bytes());
        self.held += len;
        self.ready += len;
        if self.cut_after > at {
            self.cut_after += len;
        }
        len
    }
}
