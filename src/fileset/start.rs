//! Where a member starts in the set's stream: how many bytes were written
//! to the set before its first one, recorded on the file as the extended
//! attribute `user.rollover.start` (decimal). A rotation gives the new
//! main file the old one's start plus its length; a compressed or moved
//! copy keeps its original's. `follow` subtracts the end of the last
//! member it read from the start of the first one there now to say how
//! many bytes were deleted before it could read them. Best effort: a file
//! system without user extended attributes records nothing, and the
//! reader says the bytes lost are unknown.

use std::os::fd::AsFd;

const NAME: &str = "user.rollover.start";

/// A file's recorded start, if it has one.
pub fn of(fd: impl AsFd) -> Option<u64> {
    let mut buf = [0u8; 24];
    let n = rustix::fs::fgetxattr(fd, NAME, &mut buf[..]).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.parse().ok()
}

/// Records a file's start (nothing where the file system cannot).
pub fn record(fd: impl AsFd, start: u64) {
    let _ = rustix::fs::fsetxattr(
        fd,
        NAME,
        start.to_string().as_bytes(),
        rustix::fs::XattrFlags::empty(),
    );
}

/// Gives `to` the start of `from`, if it has one.
pub fn copy(from: impl AsFd, to: impl AsFd) {
    if let Some(s) = of(from) {
        record(to, s);
    }
}

/// The start of the file that follows `old` (the main file being rotated,
/// `len` bytes long): `old`'s start (0, recorded, where it had none, so
/// that a set begins its count at its first rotation) plus its length.
pub fn after(old: impl AsFd, len: u64) -> u64 {
    let start = match of(&old) {
        Some(s) => s,
        None => {
            record(&old, 0);
            0
        }
    };
    start.saturating_add(len)
}

/// Moves a main file's start on by `len` bytes copied out of it and
/// removed from its head (copytruncate, collapse).
pub fn advance(fd: impl AsFd, len: u64) {
    if let Some(s) = of(&fd) {
        record(fd, s.saturating_add(len));
    }
}
