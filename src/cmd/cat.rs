//! `rollover cat PATH`: every line of the set, oldest backup first, main
//! file last, compressed backups decoded. Every member is held open from
//! the listing at the start, so a live writer that renumbers, compresses
//! or deletes meanwhile changes nothing of what is printed: each line that
//! was in the set then, once, in order (the main file up to what it held).
//! `--since`/`--until` keep a span: by the lines' stamps where they have
//! them, else by whole members, by their time spans; a member wholly
//! outside the span is not read.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow};

use crate::cmd::open_to_read;
use crate::config::{CatConfig, Side, Span};
use crate::messages;
use crate::reading::{self, Member};

/// The read buffer.
const BUF: usize = 1 << 20;

/// Runs `cat`: exit 1 for a set that does not exist, or a member that
/// could not be read (one warning each; the rest is still printed).
pub fn run(cfg: &CatConfig) -> Result<ExitCode> {
    let (_, members) = open_to_read(&cfg.path, cfg.state_dir.as_ref(), "read")?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(BUF, stdout.lock());
    let mut failed = false;
    let mut prev: Option<SystemTime> = None;
    for m in &members {
        let span = (prev, m.mtime);
        prev = Some(m.mtime);
        match cfg.span.place(span) {
            Side::Before => continue,
            Side::After => break,
            Side::Within => {}
        }
        if let Err(e) = print(m, cfg, &mut out) {
            if is_closed(&e) {
                return Ok(ExitCode::SUCCESS);
            }
            messages::warn(&format!("{e:#}; the rest is still read"));
            failed = true;
        }
    }
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("cannot write to standard output");
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether writing failed because the reader went away (`| head`).
fn is_closed(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Prints one member: a backup whole, the main file up to what it held
/// when listed (and the rest of the line there, if one was being
/// written); with a span, the lines whose stamp is in it (a line without a
/// stamp goes with the line before; a member without stamps goes whole).
fn print(m: &Member, cfg: &CatConfig, out: &mut impl Write) -> Result<()> {
    let input = reading::decoded(m, cfg.uncompress.as_deref())?;
    let mut lines = Lines::new(cfg.span);
    if m.number.is_none() {
        let last = lines.copy(input.take(m.size), out, &m.show)?;
        if last.is_some_and(|b| b != b'\n') {
            // The line being written when listed: its end, if it came.
            let rest = std::fs::File::from(m.fd.try_clone()?);
            let mut tail = Vec::new();
            let mut at = m.size;
            let mut byte = [0u8; 4096];
            'read: loop {
                let n = std::os::unix::fs::FileExt::read_at(&rest, &mut byte, at).unwrap_or(0);
                if n == 0 {
                    break;
                }
                for &b in &byte[..n] {
                    tail.push(b);
                    if b == b'\n' {
                        break 'read;
                    }
                }
                at += n as u64;
            }
            lines.copy(&tail[..], out, &m.show)?;
        }
    } else {
        lines.copy(input, out, &m.show)?;
    }
    lines.finish(out)
}

/// Copies lines through the span's filter.
struct Lines {
    span: Span,
    buf: Vec<u8>,
    held: usize,
    keep: bool,
}

impl Lines {
    fn new(span: Span) -> Lines {
        Lines {
            span,
            buf: vec![0u8; BUF],
            held: 0,
            keep: true,
        }
    }

    /// Copies what `input` holds; returns the last byte read.
    fn copy(
        &mut self,
        mut input: impl Read,
        out: &mut impl Write,
        show: &str,
    ) -> Result<Option<u8>> {
        let mut last = None;
        loop {
            let n = match input.read(&mut self.buf[self.held..]) {
                Ok(0) => return Ok(last),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(anyhow!(e)).with_context(|| format!("cannot read {show}")),
            };
            let end = self.held + n;
            last = Some(self.buf[end - 1]);
            if self.span.is_whole() {
                out.write_all(&self.buf[..end])?;
                continue;
            }
            // Whole lines only; a partial one waits for its end.
            let cut = memchr::memrchr(b'\n', &self.buf[..end]).map_or(0, |i| i + 1);
            for line in self.buf[..cut].split_inclusive(|&b| b == b'\n') {
                if let Some(t) = reading::stamp_of(line) {
                    self.keep = self.span.holds(t);
                }
                if self.keep {
                    out.write_all(line)?;
                }
            }
            self.buf.copy_within(cut..end, 0);
            self.held = end - cut;
            if self.held == self.buf.len() {
                // A line longer than the buffer: its start decided.
                if let Some(t) = reading::stamp_of(&self.buf) {
                    self.keep = self.span.holds(t);
                }
                if self.keep {
                    out.write_all(&self.buf)?;
                }
                self.held = 0;
            }
        }
    }

    /// Writes a last line without its newline.
    fn finish(&mut self, out: &mut impl Write) -> Result<()> {
        if self.held > 0 {
            if let Some(t) = reading::stamp_of(&self.buf[..self.held]) {
                self.keep = self.span.holds(t);
            }
            if self.keep {
                out.write_all(&self.buf[..self.held])?;
            }
            self.held = 0;
        }
        Ok(())
    }
}
