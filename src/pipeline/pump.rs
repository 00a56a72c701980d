//! The write half of the loop: what a read brought becomes ready lines,
//! written with one `write` per batch, through the stamper when there is
//! one; a wanted rotation goes in at its place; a write that a fault stops
//! short leaves the rest where it is, for a later try. Also `--tee`.

use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;

use super::{Loop, MAX_PAUSE, Stall};
use crate::messages;

/// `--tee`: a copy of the input on stdout, until stdout goes away.
pub(super) struct Tee {
    pub(super) on: bool,
}

impl Tee {
    pub(super) fn copy(&mut self, data: &[u8]) {
        if !self.on || data.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) =
            std::io::Write::write_all(&mut out, data).and_then(|()| std::io::Write::flush(&mut out))
        {
            messages::warn(&format!(
                "stopped copying to stdout: {e}; the files are still written"
            ));
            self.on = false;
        }
    }
}

impl Loop {
    /// Takes in what a read of `n` bytes into the buffer's spare room
    /// brought, and writes what it can.
    pub(super) fn take(&mut self, n: usize) -> Result<()> {
        let new = self.lines.fill(n);
        self.tee.copy(&self.lines.bytes()[new.clone()]);
        if let Some(s) = self.stamper.as_mut() {
            s.set_time(SystemTime::now());
        }
        match memchr::memrchr(b'\n', &self.lines.bytes()[new.clone()]) {
            Some(i) => {
                self.advance_ready(new.start + i + 1);
                self.partial_since = (!self.lines.partial().is_empty()).then(Instant::now);
            }
            // Dropping lines while stalled, a partial line waits: written
            // in part, its rest might be dropped. A full buffer drops it.
            None if self.lines.room() == 0 && !self.holding_lines() => {
                // A line longer than the buffer: it streams through.
                self.advance_ready(self.lines.held());
                self.partial_since = None;
            }
            None => {
                self.partial_since.get_or_insert_with(Instant::now);
            }
        }
        self.pump()
    }

    /// Writes what is ready, doing a wanted rotation at its place. Stops
    /// short when a write stalls, and then tries again only when the
    /// stall's pause is over.
    pub(super) fn pump(&mut self) -> Result<()> {
        if self.stall.is_some_and(|s| Instant::now() < s.retry_at) {
            return Ok(());
        }
        loop {
            if let Some(s) = self.stamper.as_mut()
                && !s.pending().is_empty()
            {
                let n = self.writer.write_lines(s.pending())?;
                s.consume(n);
                if !s.pending().is_empty() {
                    return self.stalled();
                }
            }
            let mut end = self.lines.ready();
            if self.want.is_some() {
                match self.lines.before_cut(self.writer.mid_line()) {
                    None => self.rotate_now(),
                    // What was read before the rotation was asked for, up
                    // to its line's end, goes first.
                    Some(before) => end = before,
                }
            }
            if self.lines.pending().is_empty() {
                break;
            }
            let chunk = &self.lines.bytes()[self.lines.done()..end];
            let n = match self.stamper.as_mut() {
                Some(s) => s.stamp(chunk).1,
                None => {
                    let n = self.writer.write_lines(chunk)?;
                    if n < chunk.len() {
                        self.lines.wrote(n);
                        return self.stalled();
                    }
                    n
                }
            };
            self.lines.wrote(n);
        }
        self.stall = None;
        self.lines.compact();
        if self.dropping.is_some() {
            self.written_out();
            if !self.lines.pending().is_empty() {
                // The gap's marker went in: write it.
                return self.pump();
            }
        }
        Ok(())
    }

    /// A write stopped short: keep the data, say why (once a minute), and
    /// try again after a pause that doubles up to 30 s.
    fn stalled(&mut self) -> Result<()> {
        let cause = self.writer.take_stall().unwrap_or_default();
        self.stall_cause.clone_from(&cause);
        // Dropping lines meanwhile, a writer looks again each second, so
        // that a gap ends soon after space returns.
        let longest = if self.drop_mode {
            Duration::from_secs(1)
        } else {
            MAX_PAUSE
        };
        let pause = self
            .stall
            .map_or(Duration::from_millis(10), |s| (s.pause * 2).min(longest));
        self.space
            .warn(|| format!("{cause}; keeping the data and retrying"));
        self.stall = Some(Stall {
            retry_at: Instant::now() + pause,
            pause,
        });
        Ok(())
    }

    /// Writes the held partial line as it is.
    pub(super) fn flush_partial(&mut self) -> Result<()> {
        self.advance_ready(self.lines.held());
        self.partial_since = None;
        self.pump()
    }
}
