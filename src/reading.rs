//! Reading a set, for `cat` and `follow`: its members oldest first, each
//! held open from the moment it is listed (a backup renamed, compressed or
//! deleted afterwards is still read whole through its handle), decoded
//! whatever its codec; a member's identity that survives renumbering and
//! compression (its last write and a fingerprint of its first bytes); and
//! the time of a line's `--timestamp` stamp.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::fileset::FileSet;
use crate::plan::FileId;

/// A member of the set as listed, held open.
#[derive(Debug)]
pub struct Member {
    /// Its name when listed, for messages.
    pub name: Vec<u8>,
    pub show: String,
    /// `None`: the main file.
    pub number: Option<u64>,
    pub codec: Option<&'static str>,
    pub fd: OwnedFd,
    pub id: FileId,
    pub mtime: SystemTime,
    pub size: u64,
}

impl Member {
    /// Its size and last write now.
    pub fn refresh(&mut self) {
        if let Ok(st) = rustix::fs::fstat(&self.fd) {
            self.size = st.st_size as u64;
            self.mtime = mtime_of(&st);
        }
    }
}

fn mtime_of(st: &rustix::fs::Stat) -> SystemTime {
    UNIX_EPOCH + Duration::new(st.st_mtime as u64, st.st_mtime_nsec as u32)
}

/// Lists the set and opens every member, oldest first (backups highest
/// number first, the main file last), in one consistent look (see
/// [`look`]). A backup in both forms (compression between its rename and
/// its deletion of the plain one) is the plain one. A member that cannot
/// be opened even after the looks allowed is one warning by name where
/// `warn`.
pub fn open_members(set: &FileSet, warn: bool) -> Result<Vec<Member>> {
    Ok(look(set, warn, None)?.0)
}

/// How many times a look is taken again before what it saw is used.
const LOOKS: u32 = 400;

/// Opens the set's members newest first, down to the one `stop` matches
/// (that one left out) or to the oldest, and returns them oldest first,
/// with whether `stop` matched one.
///
/// A writer renames a whole cascade of backups at each rotation, and its
/// newest backup sits under rollover's own name (`.NAME.rollover-new`)
/// between the exchange that swaps in the new main file and its rename to
/// backup 1: a directory listing taken meanwhile, and names opened one by
/// one after it, can skip a member or take one twice. So a look lists
/// the names (that one included, as the newest backup), opens them, and
/// then checks that every name opened still holds the file it gave and
/// that a second listing shows the same names: each name held its file
/// from its opening to that check, so at one moment in between all of
/// them did, and the members are what the set held then, in order. A look
/// that fails this is taken again (up to `LOOKS` times, a fraction of a
/// millisecond apart).
pub fn look(
    set: &FileSet,
    warn: bool,
    stop: Option<&dyn Fn(&Member) -> bool>,
) -> Result<(Vec<Member>, bool)> {
    let leftover = set.naming.own_name("new");
    let mut tries = 0;
    loop {
        tries += 1;
        let last = tries >= LOOKS;
        let listing = set.list()?;
        let names = newest_first(&listing, &leftover);
        let mut out = Vec::new();
        let mut seen: Vec<(Vec<u8>, FileId)> = Vec::new();
        let mut steady = true;
        let mut found = false;
        for (name, number, codec) in &names {
            let fd = match set.open_backup(name) {
                Ok(fd) => fd,
                Err(_) => {
                    steady = false;
                    if last && warn {
                        crate::messages::warn(&format!(
                            "{} was deleted before it was read",
                            set.show(name)
                        ));
                    }
                    continue;
                }
            };
            let st = rustix::fs::fstat(&fd)
                .with_context(|| format!("cannot stat {}", set.show(name)))?;
            let m = Member {
                show: set.show(name),
                name: name.clone(),
                number: *number,
                codec: *codec,
                id: FileId {
                    dev: st.st_dev,
                    ino: st.st_ino,
                },
                mtime: mtime_of(&st),
                size: st.st_size as u64,
                fd,
            };
            seen.push((name.clone(), m.id));
            if stop.is_some_and(|f| f(&m)) {
                found = true;
                break;
            }
            // The new main file, empty, before the exchange that names it.
            if *name != leftover || m.size > 0 {
                out.push(m);
            }
        }
        if steady {
            steady = seen.iter().all(|(name, id)| {
                set.stat(name)
                    .is_ok_and(|e| e.is_some_and(|e| e.id() == *id))
            }) && set
                .list()
                .is_ok_and(|again| newest_first(&again, &leftover) == names);
        }
        if steady || last {
            // A move to a backup directory on another file system copies
            // the new backup before it deletes it here: both are one.
            if let Some(i) = out.iter().position(|m| m.name == leftover)
                && out.iter().any(|m| {
                    m.number.is_some_and(|n| n > 0)
                        && m.codec.is_none()
                        && m.size == out[i].size
                        && m.mtime == out[i].mtime
                })
            {
                out.remove(i);
            }
            out.reverse();
            return Ok((out, found));
        }
        if tries > 4 {
            std::thread::sleep(Duration::from_micros(200));
        } else {
            std::thread::yield_now();
        }
    }
}

/// A listing's members newest first: the main file, a new backup still
/// under rollover's name (numbered 0), then the backups by number, the
/// plain form of one found in both.
fn newest_first(
    listing: &crate::plan::Listing,
    leftover: &[u8],
) -> Vec<(Vec<u8>, Option<u64>, Option<&'static str>)> {
    let plain: std::collections::HashSet<u64> = listing
        .backups
        .iter()
        .filter(|b| b.codec.is_none())
        .map(|b| b.index)
        .collect();
    let mut backups: Vec<_> = listing
        .backups
        .iter()
        .filter(|b| b.codec.is_none() || !plain.contains(&b.index))
        .map(|b| (b.name.clone(), Some(b.index), b.codec))
        .collect();
    backups.sort_by_key(|b| b.1);
    let mut names = Vec::with_capacity(backups.len() + 2);
    if let Some(m) = &listing.main {
        names.push((m.name.clone(), None, None));
    }
    if listing.leftover.is_some() {
        names.push((leftover.to_vec(), Some(0), None));
    }
    names.extend(backups);
    names
}

/// Reads a member from its start, decoded: gzip and zstd built in, any
/// other codec through `--uncompress-command` (`sh -c`, the member on its
/// standard input).
pub fn decoded(m: &Member, uncompress: Option<&str>) -> Result<Box<dyn Read + Send>> {
    let file = std::fs::File::from(
        m.fd.try_clone()
            .with_context(|| format!("cannot read {}", m.show))?,
    );
    std::io::Seek::rewind(&mut &file).with_context(|| format!("cannot read {}", m.show))?;
    Ok(match m.codec {
        None => Box::new(file),
        Some("gz") => Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(1 << 20, file),
        )),
        Some("zst") => Box::new(
            zstd::stream::read::Decoder::new(file)
                .with_context(|| format!("cannot read {}", m.show))?,
        ),
        Some(ext) => {
            let Some(cmd) = uncompress else {
                anyhow::bail!("cannot read {}: no --uncompress-command for .{ext}", m.show);
            };
            let child = Command::new("/bin/sh")
                .arg("-c")
                .arg(cmd)
                .stdin(Stdio::from(file))
                .stdout(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot run '{cmd}' for {}", m.show))?;
            Box::new(ChildOut(child))
        }
    })
}

/// A decompressor's standard output; the child is reaped when done.
struct ChildOut(std::process::Child);

impl Read for ChildOut {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.stdout.as_mut() {
            Some(out) => out.read(buf),
            None => Ok(0),
        }
    }
}

impl Drop for ChildOut {
    fn drop(&mut self) {
        drop(self.0.stdout.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How many first bytes identify a member.
pub const PRINT_LEN: usize = 64;

/// A fingerprint of a member's first `len` decoded bytes (FNV-1a), and
/// how many there were (fewer where the member is shorter).
pub fn fingerprint(m: &Member, len: usize, uncompress: Option<&str>) -> Result<(u64, usize)> {
    let mut r = decoded(m, uncompress)?;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", m.show)),
        }
    }
    Ok((hash(&buf[..got]), got))
}

/// FNV-1a: stable whatever Rust's own hasher does.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The time of a line's `--timestamp` stamp (rfc3339 as rollover writes
/// it or with an offset, unix seconds with a fraction, or TAI64N), if it
/// starts with one followed by a space.
pub fn stamp_of(line: &[u8]) -> Option<SystemTime> {
    let end = memchr::memchr(b' ', &line[..line.len().min(64)])?;
    let word = std::str::from_utf8(&line[..end]).ok()?;
    if let Some(hex) = word.strip_prefix('@') {
        if hex.len() != 24 {
            return None;
        }
        let secs = u64::from_str_radix(&hex[..16], 16).ok()?;
        let nanos = u32::from_str_radix(&hex[16..], 16).ok()?;
        let unix = secs.checked_sub((1u64 << 62) + 10)?;
        return Some(UNIX_EPOCH + Duration::new(unix, nanos.min(999_999_999)));
    }
    if word.as_bytes().first().is_some_and(u8::is_ascii_digit) && !word.contains('-') {
        let (whole, frac) = word.split_once('.').unwrap_or((word, ""));
        let secs: u64 = whole.parse().ok()?;
        if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
            return None;
        }
        let nanos: u32 = format!("{frac:0<9}").parse().ok()?;
        return Some(UNIX_EPOCH + Duration::new(secs, nanos));
    }
    let t = chrono::DateTime::parse_from_rfc3339(word).ok()?;
    Some(t.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_of_each_format() {
        let t = UNIX_EPOCH + Duration::new(1_796_379_619, 123_456_000);
        assert_eq!(stamp_of(b"2026-12-04T10:20:19.123456Z hello\n"), Some(t));
        assert_eq!(stamp_of(b"2026-12-04T11:20:19.123456+01:00 x\n"), Some(t));
        assert_eq!(stamp_of(b"1796379619.123456 hello\n"), Some(t));
        let tai = format!(
            "@{:016x}{:08x} hello\n",
            (1u64 << 62) + 10 + 1_796_379_619,
            123_456_000
        );
        assert_eq!(stamp_of(tai.as_bytes()), Some(t));
        for none in [
            &b"hello world\n"[..],
            b"2026-12-04 x\n",
            b"@zz x\n",
            b"12.x y\n",
            b"nospace",
        ] {
            assert_eq!(stamp_of(none), None, "{}", String::from_utf8_lossy(none));
        }
    }
}
