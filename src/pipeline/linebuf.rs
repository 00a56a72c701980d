//! The writer's read buffer and its positions: what is written, what is
//! ready to write, what waits for its line's end, and where a wanted
//! rotation goes. Every change to a position goes through a method here,
//! which states and checks the rules below; the loop around it decides
//! when, never how.

use std::ops::Range;

/// One fixed buffer, read into at its end and written from its front.
///
/// The positions always satisfy `done <= ready <= held <= capacity` and
/// `cut <= held`:
/// - `bytes[..done]` is written (and goes at the next [`LineBuf::compact`]);
/// - `bytes[done..ready]` is ready to write: whole lines, or the start of
///   a line whose time is up;
/// - `bytes[ready..held]` is the start of a line waiting for its end;
/// - `cut`: a wanted rotation goes in after the first line end at or after
///   `bytes[cut]`, so that what was read before it was asked for lands in
///   the old file (0 when none is wanted, or when it may go at once).
#[derive(Debug)]
pub struct LineBuf {
    buf: Box<[u8]>,
    done: usize,
    ready: usize,
    held: usize,
    cut: usize,
}

impl LineBuf {
    /// An empty buffer of `capacity` bytes, allocated once.
    pub fn new(capacity: usize) -> LineBuf {
        LineBuf {
            buf: vec![0u8; capacity].into_boxed_slice(),
            done: 0,
            ready: 0,
            held: 0,
            cut: 0,
        }
    }

    fn check(&self) {
        debug_assert!(
            self.done <= self.ready
                && self.ready <= self.held
                && self.held <= self.buf.len()
                && self.cut <= self.held,
            "line buffer out of order: done {} ready {} held {} cut {} capacity {}",
            self.done,
            self.ready,
            self.held,
            self.cut,
            self.buf.len()
        );
    }

    pub fn done(&self) -> usize {
        self.done
    }

    pub fn ready(&self) -> usize {
        self.ready
    }

    pub fn held(&self) -> usize {
        self.held
    }

    #[cfg(test)]
    fn cut(&self) -> usize {
        self.cut
    }

    /// Everything held, written or not: `bytes[..held]`.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.held]
    }

    /// What is ready and not yet written.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.done..self.ready]
    }

    /// The start of a line waiting for its end.
    pub fn partial(&self) -> &[u8] {
        &self.buf[self.ready..self.held]
    }

    /// Bytes read and not yet written.
    pub fn unwritten(&self) -> usize {
        self.held - self.done
    }

    /// Free space after what is held.
    pub fn room(&self) -> usize {
        self.buf.len() - self.held
    }

    /// The free space to read at most `n` more bytes into; [`LineBuf::fill`]
    /// then takes in what was read.
    pub fn spare(&mut self, n: usize) -> &mut [u8] {
        let end = self.held + n.min(self.room());
        &mut self.buf[self.held..end]
    }

    /// Takes in `n` bytes read into [`LineBuf::spare`]; returns where they
    /// are. They wait until made ready.
    pub fn fill(&mut self, n: usize) -> Range<usize> {
        assert!(n <= self.room(), "filled past the buffer's end");
        let at = self.held;
        self.held += n;
        self.check();
        at..self.held
    }

    /// Copies `data` in after what is held (as much as fits); returns how
    /// much.
    #[cfg(test)]
    fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.room());
        self.spare(n).copy_from_slice(&data[..n]);
        self.fill(n);
        n
    }

    /// Makes everything up to `to` ready to write (`ready <= to <= held`).
    pub fn make_ready(&mut self, to: usize) {
        debug_assert!(to >= self.ready, "ready moved back");
        self.ready = to;
        self.check();
    }

    /// `n` bytes of what was pending are written.
    pub fn wrote(&mut self, n: usize) {
        assert!(n <= self.ready - self.done, "wrote more than was ready");
        self.done += n;
    }

    /// Moves what is not written yet to the front, making room.
    pub fn compact(&mut self) {
        if self.done == 0 {
            return;
        }
        self.buf.copy_within(self.done..self.held, 0);
        self.held -= self.done;
        self.ready -= self.done;
        self.cut = self.cut.saturating_sub(self.done);
        self.done = 0;
        self.check();
    }

    /// Forgets everything read and not yet written (a `reset`).
    pub fn clear(&mut self) {
        (self.done, self.ready, self.held, self.cut) = (0, 0, 0, 0);
    }

    /// Forgets the line waiting for its end (it is being dropped whole).
    pub fn forget_partial(&mut self) {
        self.held = self.ready;
        self.cut = self.cut.min(self.held);
    }

    /// A rotation is wanted after everything held now.
    pub fn cut_here(&mut self) {
        self.cut = self.held;
    }

    /// No rotation is waiting for a line's end any more.
    pub fn clear_cut(&mut self) {
        self.cut = 0;
    }

    /// Where the pending bytes to write before a wanted rotation end: the
    /// end of the first line that ends at or after the cut (or after what
    /// is already written); `None` when the rotation may go at once,
    /// before any pending byte (`mid_line`: the file ends in a line's
    /// start, which must be ended first).
    pub fn before_cut(&self, mid_line: bool) -> Option<usize> {
        let from = self.done.max(self.cut);
        if from == self.done && !mid_line {
            return None;
        }
        // The line end may be the byte just before the cut.
        let from = if from > self.done { from - 1 } else { from };
        let end = self.ready;
        Some(
            memchr::memchr(b'\n', &self.buf[from.min(end)..end])
                .map_or(end, |i| from.min(end) + i + 1),
        )
    }

    /// Puts `line` in at `ready`, ready to write, before the partial line;
    /// false when it does not fit now.
    pub fn insert_ready(&mut self, line: &[u8]) -> bool {
        let (at, len) = (self.ready, line.len());
        if len > self.room() {
            return false;
        }
        self.buf.copy_within(at..self.held, at + len);
        self.buf[at..at + len].copy_from_slice(line);
        self.held += len;
        self.ready += len;
        if self.cut > at {
            self.cut += len;
        }
        self.check();
        true
    }

    /// Makes `bytes[ready..to]` ready, keeping only the lines `keep` says
    /// (called once per line or line's start, in order, with the buffer,
    /// and the line's range); the others are squeezed out in place, what
    /// follows moves down, and the cut moves with the byte it stands at
    /// (or to where a line squeezed out stood).
    pub fn squeeze(&mut self, to: usize, mut keep: impl FnMut(&[u8], Range<usize>) -> bool) {
        let (mut r, mut w) = (self.ready, self.ready);
        let cut = self.cut;
        let mut new_cut = None;
        while r < to {
            let end = memchr::memchr(b'\n', &self.buf[r..to]).map_or(to, |i| r + i + 1);
            let kept = keep(&self.buf[..to], r..end);
            if new_cut.is_none() && cut > r && cut <= end {
                new_cut = Some(if kept { w + (cut - r) } else { w });
            }
            if kept {
                if w != r {
                    self.buf.copy_within(r..end, w);
                }
                w += end - r;
            }
            r = end;
        }
        let removed = to - w;
        if removed > 0 {
            self.buf.copy_within(to..self.held, w);
            self.held -= removed;
        }
        self.ready = w;
        if cut > to {
            self.cut = cut - removed;
        } else if let Some(c) = new_cut {
            self.cut = c;
        }
        self.check();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn read_ready_write_compact() {
        let mut b = LineBuf::new(16);
        assert_eq!(b.push(b"ab\ncd"), 5);
        assert_eq!(b.partial(), b"ab\ncd");
        b.make_ready(3);
        assert_eq!((b.pending(), b.partial()), (&b"ab\n"[..], &b"cd"[..]));
        b.wrote(2);
        assert_eq!(b.pending(), b"\n");
        b.wrote(1);
        b.compact();
        assert_eq!((b.done(), b.ready(), b.held()), (0, 0, 2));
        assert_eq!(b.bytes(), b"cd");
        assert_eq!(b.push(&[b'x'; 20]), 14, "as much as fits");
        assert_eq!(b.room(), 0);
    }

    #[test]
    fn a_marker_goes_in_before_the_partial_line_and_moves_the_cut() {
        let mut b = LineBuf::new(32);
        b.push(b"a\nbc");
        b.make_ready(2);
        b.cut_here();
        assert!(b.insert_ready(b"M\n"));
        assert_eq!(b.bytes(), b"a\nM\nbc");
        assert_eq!((b.ready(), b.cut()), (4, 6));
        assert!(!b.insert_ready(&[b'm'; 40]), "no room: nothing changes");
        assert_eq!(b.bytes(), b"a\nM\nbc");
    }

    #[test]
    fn before_cut_ends_at_the_first_line_end_after_the_cut() {
        let mut b = LineBuf::new(32);
        b.push(b"one\ntwo\nthree\n");
        b.make_ready(14);
        assert_eq!(b.before_cut(false), None, "nothing before: at once");
        assert_eq!(b.before_cut(true), Some(4), "end the file's line first");
        b.cut = 6; // asked while "two" was being read
        assert_eq!(b.before_cut(false), Some(8));
        b.cut = 4; // asked right after "one\n"
        assert_eq!(b.before_cut(false), Some(4));
    }

    #[test]
    #[should_panic(expected = "wrote more than was ready")]
    fn writing_what_is_not_ready_is_a_bug() {
        let mut b = LineBuf::new(8);
        b.push(b"ab");
        b.wrote(1);
    }

    proptest! {
        /// Squeezing keeps exactly the lines kept, in order, leaves what
        /// follows `to` as it was, and keeps the cut on its byte.
        #[test]
        fn squeeze_keeps_exactly_the_kept_lines(
            lines in proptest::collection::vec(("[a-z]{0,5}", any::<bool>()), 0..12),
            tail in "[a-z]{0,4}",
            cut_at in 0usize..80,
        ) {
            let mut b = LineBuf::new(256);
            let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
            b.push(text.as_bytes());
            b.push(tail.as_bytes());
            let to = text.len();
            let cut = cut_at.min(b.held());
            b.cut = cut;
            let mut verdicts = lines.iter().map(|(_, k)| *k);
            let mut seen = Vec::new();
            b.squeeze(to, |buf, r| {
                seen.push(buf[r].to_vec());
                verdicts.next().unwrap_or(true)
            });
            let kept: String = lines.iter().filter(|(_, k)| *k).map(|(l, _)| format!("{l}\n")).collect();
            prop_assert_eq!(seen.len(), lines.len());
            prop_assert_eq!(&b.bytes()[..b.ready()], kept.as_bytes());
            prop_assert_eq!(b.partial(), tail.as_bytes());
            // The cut stays on the byte it stood at, or where its line stood.
            let kept_before: usize = {
                let mut at = 0;
                let mut n = 0;
                for (l, k) in &lines {
                    let end = at + l.len() + 1;
                    if cut <= at { break; }
                    if *k { n += if cut < end { cut - at } else { end - at }; }
                    at = end;
                }
                if cut > to { n + (cut - to) } else { n }
            };
            prop_assert_eq!(b.cut(), kept_before);
        }
    }
}
