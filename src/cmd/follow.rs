//! `rollover follow PATH`: `tail -F` that knows the set. It holds every
//! member it has listed, oldest first, and reads each to its end before it
//! goes on with the next: a member rotated, renumbered, compressed or
//! moved to the backup directory meanwhile is still read whole through its
//! handle. With `--checkpoint FILE` it records, after each batch written
//! to stdout, the member (a fingerprint of its first bytes, which survives
//! renumbering and compression) and the offset, and resumes there.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cmd::open_to_read;
use crate::config::FollowConfig;
use crate::fileset::{FileSet, start};
use crate::messages;
use crate::plan::FileId;
use crate::reading::{self, Member, PRINT_LEN};
use crate::signals::Signals;

/// A batch: what is read, printed and recorded at once (at most 1 MiB).
const BATCH: usize = 1 << 20;

/// How long follow waits between looks when it has read everything.
const IDLE: Duration = Duration::from_millis(20);

/// How long a line may wait for its end before it is printed as it is.
const PARTIAL: Duration = Duration::from_secs(1);

/// Where follow is, as the checkpoint file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    /// FNV-1a of the member's first `len` decoded bytes.
    print: u64,
    len: usize,
    /// Bytes of the member printed (decoded).
    offset: u64,
    /// The member's identity while it is plain.
    dev: u64,
    ino: u64,
}

/// The member being read, and what comes after it.
struct Reader {
    set: FileSet,
    /// The main file's name.
    main: Vec<u8>,
    queue: VecDeque<Member>,
    /// Decoded bytes of `queue[0]` consumed (printed, or held in `line`).
    offset: u64,
    /// `queue[0]` decoded, where it is compressed.
    stream: Option<Box<dyn Read + Send>>,
    /// The start of a line whose end has not come.
    line: Vec<u8>,
    /// `queue[0]`'s fingerprint, once it has `PRINT_LEN` bytes.
    print: Option<(u64, usize)>,
    /// The read buffer, one batch.
    buf: Box<[u8]>,
    uncompress: Option<String>,
}

pub fn run(cfg: &FollowConfig) -> Result<ExitCode> {
    let (set, members) = open_to_read(&cfg.path, cfg.state_dir.as_ref(), "follow")?;
    let signals = Signals::install()?;
    let main = members
        .iter()
        .find(|m| m.number.is_none())
        .map_or_else(|| set.naming.main_name(1), |m| m.name.clone());
    let mut r = Reader {
        set,
        main,
        queue: VecDeque::new(),
        offset: 0,
        stream: None,
        line: Vec::new(),
        print: None,
        buf: vec![0u8; BATCH].into_boxed_slice(),
        uncompress: cfg.uncompress.clone(),
    };
    let resumed = match &cfg.checkpoint {
        Some(file) if file.exists() => r.resume(file, members)?,
        _ => false,
    };
    if !resumed && r.queue.is_empty() {
        r.start_at_tail(cfg.lines)?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut idle: Option<std::time::Instant> = None;
    loop {
        if signals.take_stop() {
            return Ok(ExitCode::SUCCESS);
        }
        let n = r.batch(cfg, &mut out)?;
        if n == usize::MAX {
            // Standard output went away.
            return Ok(ExitCode::SUCCESS);
        }
        if n > 0 {
            idle = None;
            if let Some(file) = &cfg.checkpoint {
                r.record(file)?;
            }
            // Behind a writer that rotates faster than this reads, every
            // member it makes is held from its first sight on (one stat
            // a batch while the main file is still the newest held).
            r.find_newer()?;
            continue;
        }
        // At the end of the member: go on with the next, if the writer has
        // moved on; else wait. A line without its end for a second is
        // printed as it is, where no rule has to judge it whole.
        if r.next(cfg, &mut out)? {
            idle = None;
            if let Some(file) = &cfg.checkpoint {
                r.record(file)?;
            }
            continue;
        }
        let since = *idle.get_or_insert_with(std::time::Instant::now);
        if !r.line.is_empty() && cfg.rules.is_empty() && since.elapsed() >= PARTIAL {
            if r.print(cfg, r.line.len(), &mut out).is_err() {
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(file) = &cfg.checkpoint {
                r.record(file)?;
            }
        }
        std::thread::sleep(IDLE);
    }
}

impl Reader {
    /// Starts at the set's last `n` lines: the main file's, and where it
    /// holds fewer (it was just rotated), the rest from the newest
    /// backups (decoded), as far back as the set goes.
    fn start_at_tail(&mut self, n: u64) -> Result<()> {
        let mut members = reading::open_members(&self.set, false)?;
        let Some(main) = members.pop().filter(|m| m.number.is_none()) else {
            anyhow::bail!(
                "cannot follow {}: no main file",
                self.set.naming.path().display()
            );
        };
        let (start, seen) = tail_of_main(&main, n);
        self.queue.push_back(main);
        self.offset = start;
        let mut need = n - seen;
        while need > 0 {
            let Some(b) = members.pop() else {
                break;
            };
            let lines = count_lines(&b, u64::MAX, self.uncompress.as_deref()).1;
            self.queue.push_front(b);
            self.offset = 0;
            if lines >= need {
                let (at, _) = count_lines(&self.queue[0], lines - need, self.uncompress.as_deref());
                self.offset = at;
                break;
            }
            need -= lines;
        }
        Ok(())
    }

    /// Resumes from a checkpoint file; false (with one warning) where it
    /// cannot be read or names a member no longer there: then from the
    /// oldest member.
    fn resume(&mut self, file: &Path, members: Vec<Member>) -> Result<bool> {
        let show = file.display();
        let found = std::fs::read(file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Checkpoint>(&b).ok());
        let Some(cp) = found else {
            messages::warn(&format!(
                "checkpoint {show} cannot be read; following {} from its oldest member",
                self.set.naming.path().display()
            ));
            self.queue = members.into();
            return Ok(false);
        };
        let id = FileId {
            dev: cp.dev,
            ino: cp.ino,
        };
        let matches = |m: &Member| {
            reading::fingerprint(m, cp.len, self.uncompress.as_deref())
                .is_ok_and(|(p, len)| p == cp.print && len == cp.len)
        };
        let at = members
            .iter()
            .position(|m| m.id == id && matches(m))
            .or_else(|| members.iter().position(&matches));
        let mut members: VecDeque<Member> = members.into();
        match at {
            Some(i) => {
                members.drain(..i);
                self.queue = members;
                self.offset = cp.offset;
                self.seek(cp.offset)?;
                Ok(true)
            }
            None => {
                messages::warn(&format!(
                    "checkpoint {show} names a member of {} that is no longer there; following from its oldest member",
                    self.set.naming.path().display()
                ));
                self.queue = members;
                Ok(false)
            }
        }
    }

    /// Opens the current member's decoded stream at `offset` decoded
    /// bytes (what was printed, then what is held).
    fn seek(&mut self, offset: u64) -> Result<()> {
        let Some(m) = self.queue.front() else {
            return Ok(());
        };
        if m.codec.is_some() {
            let mut s = reading::decoded(m, self.uncompress.as_deref())?;
            std::io::copy(&mut (&mut s).take(offset), &mut std::io::sink())
                .with_context(|| format!("cannot read {}", m.show))?;
            self.stream = Some(s);
        }
        Ok(())
    }

    /// Reads and prints one batch of whole lines from the current member;
    /// how many bytes were read (0 at its end; `usize::MAX`: stdout is
    /// gone).
    fn batch(&mut self, cfg: &FollowConfig, out: &mut impl Write) -> Result<usize> {
        if self.stream.is_none() && self.queue.front().is_some_and(|m| m.codec.is_some()) {
            self.seek(self.offset + self.line.len() as u64)?;
        }
        let Some(m) = self.queue.front() else {
            return Ok(0);
        };
        let want = BATCH.saturating_sub(self.line.len()).max(4096);
        let buf = &mut self.buf[..want];
        let n = match self.stream.as_mut() {
            Some(s) => loop {
                match s.read(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        messages::warn(&format!(
                            "cannot read {}: {e}; going on with the next",
                            m.show
                        ));
                        break 0;
                    }
                }
            },
            None => {
                match rustix::io::pread(&m.fd, &mut *buf, self.offset + self.line.len() as u64) {
                    Ok(n) => n,
                    Err(e) => {
                        return Err(std::io::Error::from(e))
                            .with_context(|| format!("cannot read {}", m.show));
                    }
                }
            }
        };
        if n == 0 {
            return Ok(0);
        }
        self.line.extend_from_slice(&buf[..n]);
        let cut = memchr::memrchr(b'\n', &self.line).map_or(0, |i| i + 1);
        if cut > 0 && self.print(cfg, cut, out).is_err() {
            return Ok(usize::MAX);
        }
        Ok(n)
    }

    /// Prints the first `cut` bytes of the held lines (whole lines), as the
    /// rules select them, and flushes.
    fn print(
        &mut self,
        cfg: &FollowConfig,
        cut: usize,
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        let lines = &self.line[..cut];
        if cfg.rules.is_empty() {
            out.write_all(lines)?;
        } else {
            for l in lines.split_inclusive(|&b| b == b'\n') {
                let body = l.strip_suffix(b"\n").unwrap_or(l);
                if cfg.rules.keeps(body) {
                    out.write_all(l)?;
                }
            }
        }
        out.flush()?;
        self.line.drain(..cut);
        self.offset += cut as u64;
        Ok(())
    }

    /// At the current member's end: if the writer has moved on (a newer
    /// member exists), reads what is left of it, prints a last line
    /// without its newline, and goes on with the next; true if it did.
    fn next(&mut self, cfg: &FollowConfig, out: &mut impl Write) -> Result<bool> {
        self.find_newer()?;
        if self.queue.len() < 2 {
            return Ok(false);
        }
        // Anything written before the rotation is there now.
        let Some(m) = self.queue.front() else {
            return Ok(false);
        };
        if m.codec.is_none() && self.stream.is_none() {
            let mut rest = Vec::new();
            let mut at = self.offset + self.line.len() as u64;
            let buf = &mut self.buf;
            loop {
                match rustix::io::pread(&m.fd, &mut buf[..], at) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        rest.extend_from_slice(&buf[..n]);
                        at += n as u64;
                    }
                }
                if rest.len() >= BATCH {
                    // More than a batch: the batch loop reads it.
                    return Ok(false);
                }
            }
            self.line.extend_from_slice(&rest);
        }
        if !self.line.is_empty() && self.print(cfg, self.line.len(), out).is_err() {
            return Ok(false);
        }
        self.queue.pop_front();
        self.offset = 0;
        self.stream = None;
        self.print = None;
        Ok(true)
    }

    /// Looks for members newer than the newest held, where the main file
    /// is no longer the newest held: opens, in one consistent look (see
    /// [`reading::look`]), every member newer than that one. One found
    /// nowhere (deleted, and what came between it and the oldest there
    /// now) is one marker line on stderr.
    fn find_newer(&mut self) -> Result<()> {
        let Some(newest) = self.queue.back_mut() else {
            return Ok(());
        };
        match self.set.stat(&self.main)? {
            Some(e) if e.id() == newest.id => return Ok(()),
            // Renamed away, and no new main file yet.
            None if newest.number.is_none() => return Ok(()),
            _ => {}
        }
        newest.refresh();
        let (id, mtime) = (newest.id, newest.mtime);
        let uncompress = self.uncompress.as_deref();
        let print = reading::fingerprint(newest, PRINT_LEN, uncompress).ok();
        // Compressed, it keeps its last write and its first bytes.
        let its_compressed_form = |m: &Member| {
            m.codec.is_some()
                && print
                    .is_some_and(|p| reading::fingerprint(m, p.1, uncompress).is_ok_and(|q| q == p))
        };
        let is_newest = |m: &Member| m.id == id || (m.mtime == mtime && its_compressed_form(m));
        let (members, found) = reading::look(&self.set, false, Some(&is_newest))?;
        let newer: Vec<Member> = if found {
            members
        } else {
            // The newest held is gone in both forms: the count deleted it,
            // and everything older, so every member there is newer (those
            // written in the same clock tick as it included; its own
            // compressed form left out). Any between it and the oldest
            // there now were deleted unread.
            let newer: Vec<Member> = members
                .into_iter()
                .filter(|m| m.mtime >= mtime && !its_compressed_form(m))
                .collect();
            if let (Some(first), Some(last)) = (newer.first(), self.queue.back()) {
                let end = start::of(&last.fd).zip(decoded_len(last, uncompress));
                match (end, start::of(&first.fd)) {
                    (Some((s, len)), Some(next)) if next == s + len => {}
                    (Some((s, len)), Some(next)) if next > s + len => {
                        let lost = next - (s + len);
                        messages::warn(&format!(
                            "follow fell behind the set's count: {lost} bytes ({}) written after {} (the name it was listed under) and before {} were deleted before they were read",
                            crate::units::human_size(lost),
                            last.show,
                            first.show
                        ));
                    }
                    _ => messages::warn(&format!(
                        "follow fell behind the set's count: what was written after {} (the name it was listed under) and before {} may have been deleted before it was read (how many bytes is not recorded)",
                        last.show, first.show
                    )),
                }
            }
            newer
        };
        self.queue.extend(newer);
        Ok(())
    }

    /// Records where follow is: written beside FILE and renamed over it.
    fn record(&mut self, file: &Path) -> Result<()> {
        let Some(m) = self.queue.front() else {
            return Ok(());
        };
        let print = match self.print {
            Some(p) => p,
            None => {
                let p = reading::fingerprint(m, PRINT_LEN, self.uncompress.as_deref())?;
                if p.1 == PRINT_LEN {
                    self.print = Some(p);
                }
                p
            }
        };
        let cp = Checkpoint {
            print: print.0,
            len: print.1,
            offset: self.offset,
            dev: m.id.dev,
            ino: m.id.ino,
        };
        let text = serde_json::to_vec(&cp).context("cannot encode the checkpoint")?;
        let mut tmp = file.as_os_str().to_owned();
        tmp.push(".new");
        std::fs::write(&tmp, text)
            .with_context(|| format!("cannot write {}", Path::new(&tmp).display()))?;
        std::fs::rename(&tmp, file).with_context(|| format!("cannot write {}", file.display()))
    }
}

/// A member's length decoded: its size while plain, else read through.
fn decoded_len(m: &Member, uncompress: Option<&str>) -> Option<u64> {
    if m.codec.is_none() {
        return rustix::fs::fstat(&m.fd).ok().map(|st| st.st_size as u64);
    }
    let mut r = reading::decoded(m, uncompress).ok()?;
    std::io::copy(&mut r, &mut std::io::sink()).ok()
}

/// Where the main file's last `n` lines start (a last line without its
/// newline counts as one), and how many lines that is (fewer than `n`
/// where it holds fewer: then from 0).
fn tail_of_main(main: &Member, n: u64) -> (u64, u64) {
    let size = main.size;
    if n == 0 {
        return (size, 0);
    }
    let mut seen = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    let mut end = size;
    let mut skip_last = true;
    while end > 0 {
        let from = end.saturating_sub(buf.len() as u64);
        let len = (end - from) as usize;
        let got = rustix::io::pread(&main.fd, &mut buf[..len], from).unwrap_or(0);
        for i in (0..got).rev() {
            if buf[i] == b'\n' {
                if skip_last && from + i as u64 + 1 == size {
                    skip_last = false;
                    continue;
                }
                seen += 1;
                if seen == n {
                    return (from + i as u64 + 1, n);
                }
            }
        }
        skip_last = false;
        end = from;
    }
    // The first line has no newline before it.
    (0, if size > 0 { seen + 1 } else { 0 })
}

/// Reads a member decoded up to `upto` newlines: the offset just after the
/// last one read, and how many were read (all of them, with `u64::MAX`).
fn count_lines(m: &Member, upto: u64, uncompress: Option<&str>) -> (u64, u64) {
    let Ok(mut r) = reading::decoded(m, uncompress) else {
        return (0, 0);
    };
    let mut buf = vec![0u8; 64 << 10];
    let (mut at, mut lines) = (0u64, 0u64);
    while lines < upto {
        let got = match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(got) => got,
        };
        for i in memchr::memchr_iter(b'\n', &buf[..got]) {
            lines += 1;
            if lines == upto {
                return (at + i as u64 + 1, lines);
            }
        }
        at += got as u64;
    }
    (at, lines)
}
