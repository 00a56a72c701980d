//! `--timestamp`: the prefix put before each line. The prefix is formatted
//! once per read (every line of one read was read at the same moment) and
//! copied before each line into a reused buffer: no syscall and no
//! allocation per line.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::format::{Item, StrftimeItems};

/// A timestamp format.
#[derive(Debug, Clone)]
pub enum Format {
    /// `2026-11-22T03:15:00.123456Z`, UTC.
    Rfc3339,
    /// `1795317300.123456`.
    Unix,
    /// `@400000006b02...`: TAI64N as multilog writes it.
    Tai64n,
    /// A strftime pattern, in local time.
    Strftime(Vec<Item<'static>>),
}

impl Format {
    /// Parses `--timestamp`'s value.
    pub fn parse(text: &str) -> Result<Format, String> {
        Ok(match text {
            "" | "rfc3339" => Format::Rfc3339,
            "unix" => Format::Unix,
            "tai64n" => Format::Tai64n,
            pattern => {
                let items: Vec<Item<'static>> = StrftimeItems::new(pattern)
                    .parse_to_owned()
                    .map_err(|_| format!("invalid timestamp format '{pattern}': use rfc3339, unix, tai64n or a strftime pattern such as '%Y-%m-%d %H:%M:%S'"))?;
                Format::Strftime(items)
            }
        })
    }
}

/// Puts the prefix before each line.
#[derive(Debug)]
pub struct Stamper {
    format: Format,
    prefix: String,
    at_line_start: bool,
    out: Vec<u8>,
    /// How much of `out` has been written; the rest waits (a stalled write).
    written: usize,
}

impl Stamper {
    /// A stamper whose output buffer holds about `capacity` bytes.
    pub fn new(format: Format, capacity: usize) -> Stamper {
        Stamper {
            format,
            prefix: String::with_capacity(128),
            at_line_start: true,
            out: Vec::with_capacity(capacity),
            written: 0,
        }
    }

    /// Formats the prefix for lines read at `now`.
    pub fn set_time(&mut self, now: SystemTime) {
        self.prefix.clear();
        let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let (secs, micros, nanos) = (since.as_secs(), since.subsec_micros(), since.subsec_nanos());
        // Writing into a String cannot fail.
        let _ = match &self.format {
            Format::Rfc3339 => {
                let t: chrono::DateTime<chrono::Utc> = now.into();
                write!(
                    self.prefix,
                    "{}.{micros:06}Z",
                    t.format("%Y-%m-%dT%H:%M:%S")
                )
            }
            Format::Unix => write!(self.prefix, "{secs}.{micros:06}"),
            Format::Tai64n => write!(self.prefix, "@{:016x}{nanos:08x}", (1u64 << 62) + 10 + secs),
            Format::Strftime(items) => {
                let t: chrono::DateTime<chrono::Local> = now.into();
                write!(self.prefix, "{}", t.format_with_items(items.iter()))
            }
        };
        self.prefix.push(' ');
    }

    /// Forgets a line in progress and any output not yet written (after a
    /// reset): the next byte starts a line.
    pub fn restart(&mut self) {
        self.at_line_start = true;
        self.out.clear();
        self.written = 0;
    }

    /// Stamped output not yet written.
    pub fn pending(&self) -> &[u8] {
        &self.out[self.written..]
    }

    /// Notes that `n` bytes of [`Stamper::pending`] were written.
    pub fn consume(&mut self, n: usize) {
        self.written = (self.written + n).min(self.out.len());
    }

    /// Stamps a leading part of `input`; returns the stamped bytes and how
    /// much of `input` they cover. Call again with the rest until it is
    /// all consumed. A line continued after a partial write gets no second
    /// prefix.
    pub fn stamp(&mut self, input: &[u8]) -> (&[u8], usize) {
        self.out.clear();
        self.written = 0;
        let cap = self.out.capacity().max(4096);
        let mut used = 0;
        while used < input.len() {
            let rest = &input[used..];
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let need = end
                + if self.at_line_start {
                    self.prefix.len()
                } else {
                    0
                };
            if !self.out.is_empty() && self.out.len() + need > cap {
                break;
            }
            if self.at_line_start {
                self.out.extend_from_slice(self.prefix.as_bytes());
            }
            self.out.extend_from_slice(&rest[..end]);
            self.at_line_start = rest[end - 1] == b'\n';
            used += end;
        }
        (&self.out, used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, micros * 1000)
    }

    fn prefix(format: &str, t: SystemTime) -> String {
        let mut s = Stamper::new(Format::parse(format).unwrap(), 64);
        s.set_time(t);
        s.prefix.clone()
    }

    #[test]
    fn formats() {
        let t = at(1_795_317_300, 123_456);
        assert_eq!(prefix("rfc3339", t), "2026-11-22T03:15:00.123456Z ");
        assert_eq!(prefix("", t), "2026-11-22T03:15:00.123456Z ");
        assert_eq!(prefix("unix", t), "1795317300.123456 ");
        assert_eq!(
            prefix("tai64n", t),
            format!(
                "@{:016x}{:08x} ",
                (1u64 << 62) + 10 + 1_795_317_300,
                123_456_000
            )
        );
        assert!(Format::parse("%Q").is_err());
    }

    #[test]
    fn stamps_each_line_once() {
        let mut s = Stamper::new(Format::Unix, 16);
        s.set_time(at(5, 0));
        let (out, used) = s.stamp(b"a\nbc");
        assert_eq!(
            (out.to_vec(), used),
            (b"5.000000 a\n5.000000 bc".to_vec(), 4)
        );
        let (out, used) = s.stamp(b"d\n\n");
        assert_eq!((out.to_vec(), used), (b"d\n5.000000 \n".to_vec(), 3));
    }

    #[test]
    fn output_is_bounded() {
        let mut s = Stamper::new(Format::Unix, 4096);
        s.set_time(at(5, 0));
        let input = vec![b'\n'; 10_000];
        let mut total = 0;
        let mut rounds = 0;
        while total < input.len() {
            let (out, used) = s.stamp(&input[total..]);
            assert!(out.len() <= 4096);
            total += used;
            rounds += 1;
        }
        assert!(rounds > 1);
    }
}

#[cfg(test)]
mod fuzz {
    //! Any format text: a format or an error, never a panic, and any input
    //! split anywhere stamps each line exactly once.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_format(text in "\\PC{0,16}") {
            if let Ok(f) = Format::parse(&text) {
                let mut s = Stamper::new(f, 64);
                s.set_time(SystemTime::now());
            }
        }

        #[test]
        fn every_line_once(input in prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'x')], 0..200), cut in 0usize..200) {
            let mut s = Stamper::new(Format::Unix, 32);
            s.set_time(UNIX_EPOCH);
            let cut = cut.min(input.len());
            let mut out = Vec::new();
            for part in [&input[..cut], &input[cut..]] {
                let mut rest = part;
                while !rest.is_empty() {
                    let (o, used) = s.stamp(rest);
                    out.extend_from_slice(o);
                    rest = &rest[used..];
                }
            }
            let lines = input.split_inclusive(|&b| b == b'\n').count();
            prop_assert_eq!(out.len(), input.len() + lines * "0.000000 ".len());
        }
    }
}
