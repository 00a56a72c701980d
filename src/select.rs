//! Line selection (`--select` / `--deselect`, s6-log's `+` and `-`) and
//! the rate limit (`--rate-limit N/DURATION`): which lines are written.
//! Pure: no I/O, no allocation per line.

use std::time::{Duration, Instant};

/// How much of a line the rules see.
pub const SEEN: usize = 64 * 1024;

/// One rule: a line that the regex matches (anywhere) is selected
/// (`keep`) or deselected.
#[derive(Debug, Clone)]
pub struct Rule {
    pub keep: bool,
    pub regex: regex::bytes::Regex,
}

/// The rules, in the order given, and where each next matches in the
/// batch being read: most lines match no rule, and one search over the
/// batch finds that out for all of them at once.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Rule>,
    /// Each rule for searching a batch of lines: multi-line, so that `^`
    /// and `$` hold at line ends; `None` where the pattern uses `\A` or
    /// `\z`, which only a line on its own can tell.
    batch: Vec<Option<regex::bytes::Regex>>,
    /// Where each rule next matches in the batch (`usize::MAX`: nowhere).
    hits: Vec<usize>,
}

impl Rules {
    pub fn new(rules: Vec<Rule>) -> Rules {
        let batch = rules
            .iter()
            .map(|r| {
                let p = r.regex.as_str();
                if p.contains("\\A") || p.contains("\\z") {
                    return None;
                }
                regex::bytes::Regex::new(&format!("(?m:{p})")).ok()
            })
            .collect();
        let hits = vec![0; rules.len()];
        Rules { rules, batch, hits }
    }

    /// The decision for a line that no rule matches.
    pub fn default_keep(&self) -> bool {
        self.rules.first().is_none_or(|r| !r.keep)
    }

    /// Starts on a batch: `hay[from..]` holds whole lines (and maybe a
    /// partial last one). Returns whether any rule matches anywhere in it.
    pub fn begin(&mut self, hay: &[u8], from: usize) -> bool {
        for (i, re) in self.batch.iter().enumerate() {
            self.hits[i] = match re {
                Some(re) => re.find_at(hay, from).map_or(usize::MAX, |m| m.start()),
                None => from,
            };
        }
        self.hits.iter().any(|&h| h < hay.len())
    }

    /// Whether the line `hay[start..end]` (its newline included) is
    /// written, after [`Rules::begin`] on the batch it is in.
    pub fn keeps_in(&mut self, hay: &[u8], start: usize, end: usize) -> bool {
        let mut maybe = false;
        for (i, re) in self.batch.iter().enumerate() {
            if self.hits[i] < start {
                // Behind us: look again from this line on.
                self.hits[i] = match re {
                    Some(re) => re.find_at(hay, start).map_or(usize::MAX, |m| m.start()),
                    None => start,
                };
            }
            // A match inside this line starts at or after the leftmost
            // match from its start: none before its end, none in it.
            maybe |= self.hits[i] < end;
        }
        if !maybe {
            return self.default_keep();
        }
        let line = &hay[start..end];
        self.keeps(line.strip_suffix(b"\n").unwrap_or(line))
    }

    /// Whether there are any rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a line (without its newline) is written: it starts selected
    /// if the first rule deselects, deselected if it selects; each rule
    /// that matches sets it; the last match decides. The rules see its
    /// first [`SEEN`] bytes.
    pub fn keeps(&self, line: &[u8]) -> bool {
        let seen = &line[..line.len().min(SEEN)];
        self.rules
            .iter()
            .rev()
            .find(|r| r.regex.is_match(seen))
            // A line that no rule matches keeps its start value.
            .map_or(self.default_keep(), |r| r.keep)
    }
}

/// `--rate-limit N/DURATION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub lines: u64,
    pub per: Duration,
}

/// Lines and bytes left out, and when the first and the last of them came.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gap {
    pub lines: u64,
    pub bytes: u64,
    pub first: Option<std::time::SystemTime>,
    pub last: Option<std::time::SystemTime>,
}

impl Gap {
    /// Counts one line of `bytes` left out at `now`.
    pub fn add(&mut self, bytes: u64, now: std::time::SystemTime) {
        self.lines += 1;
        self.bytes += bytes;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// The marker line for this gap: `rollover: dropped N lines (B bytes)
    /// from T1 to T2: CAUSE`, T1 and T2 in RFC 3339, UTC.
    pub fn marker(&self, cause: &str) -> String {
        let t = |t: Option<std::time::SystemTime>| {
            let t: chrono::DateTime<chrono::Utc> = t.unwrap_or(std::time::UNIX_EPOCH).into();
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        format!(
            "rollover: dropped {} line{} ({} bytes) from {} to {}: {cause}\n",
            self.lines,
            if self.lines == 1 { "" } else { "s" },
            self.bytes,
            t(self.first),
            t(self.last)
        )
    }
}

/// The rate limit's windows: DURATION long, one after another from the
/// first line.
#[derive(Debug, Clone)]
pub struct Windows {
    limit: RateLimit,
    start: Option<Instant>,
    passed: u64,
    /// What the current window dropped.
    pub gap: Gap,
}

impl Windows {
    pub fn new(limit: RateLimit) -> Windows {
        Windows {
            limit,
            start: None,
            passed: 0,
            gap: Gap::default(),
        }
    }

    /// The cause a marker names: `rate limit 2000/1s`.
    pub fn describe(&self) -> String {
        format!(
            "rate limit {}/{}",
            self.limit.lines,
            humantime::format_duration(self.limit.per)
        )
    }

    /// Whether a line arriving at `now` passes; a dropped one is counted.
    pub fn pass(&mut self, bytes: u64, now: Instant, wall: std::time::SystemTime) -> bool {
        self.roll(now);
        if self.passed < self.limit.lines {
            self.passed += 1;
            true
        } else {
            self.gap.add(bytes, wall);
            false
        }
    }

    /// Lets `lines` lines arriving at `now` pass at once if the window has
    /// room for all of them; false (and nothing counted) if not.
    pub fn pass_all(&mut self, lines: u64, now: Instant) -> bool {
        // A window that dropped lines is full until its marker is taken.
        if self.gap.lines > 0 {
            return false;
        }
        self.roll(now);
        if self.passed.saturating_add(lines) > self.limit.lines {
            return false;
        }
        self.passed += lines;
        true
    }

    /// Moves on to the window `now` is in. One that dropped lines must
    /// have been closed (its marker taken) by [`Windows::close_due`] first.
    fn roll(&mut self, now: Instant) {
        let start = *self.start.get_or_insert(now);
        if now >= start + self.limit.per {
            let elapsed = now.duration_since(start).as_nanos();
            let per = self.limit.per.as_nanos().max(1);
            self.start = Some(start + self.limit.per * ((elapsed / per) as u32));
            self.passed = 0;
        }
    }

    /// The end of the current window, if it dropped lines (when its marker
    /// is due).
    pub fn due(&self) -> Option<Instant> {
        match (self.start, self.gap.lines) {
            (Some(s), n) if n > 0 => Some(s + self.limit.per),
            _ => None,
        }
    }

    /// Takes what the current window dropped so far (at end of input).
    pub fn take_gap(&mut self) -> Option<Gap> {
        (self.gap.lines > 0).then(|| std::mem::take(&mut self.gap))
    }

    /// Takes the gap of a window that has ended by `now`, for its marker.
    pub fn close_due(&mut self, now: Instant) -> Option<Gap> {
        let end = self.due()?;
        if now < end {
            return None;
        }
        Some(std::mem::take(&mut self.gap))
    }
}

/// Parses `N/DURATION` (`2000/1s`).
pub fn parse_rate(text: &str) -> Result<RateLimit, String> {
    let bad = || format!("invalid rate limit '{text}': use LINES/DURATION, e.g. 2000/1s");
    let (n, d) = text.split_once('/').ok_or_else(bad)?;
    let lines: u64 = n.trim().parse().map_err(|_| bad())?;
    let per = humantime::parse_duration(d.trim()).map_err(|_| bad())?;
    if lines == 0 || per.is_zero() {
        return Err(bad());
    }
    Ok(RateLimit { lines, per })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(spec: &[(bool, &str)]) -> Rules {
        Rules::new(
            spec.iter()
                .map(|(keep, re)| Rule {
                    keep: *keep,
                    regex: regex::bytes::Regex::new(re).unwrap(),
                })
                .collect(),
        )
    }

    #[test]
    fn the_last_match_decides_and_the_first_rule_sets_the_start() {
        let select_error = rules(&[(true, "ERROR")]);
        assert!(select_error.keeps(b"an ERROR here"));
        assert!(!select_error.keeps(b"all fine"));
        let no_debug = rules(&[(false, "DEBUG")]);
        assert!(!no_debug.keeps(b"DEBUG x"));
        assert!(no_debug.keeps(b"INFO x"));
        // s6-log's "-.* +ERROR -ERROR: harmless".
        let r = rules(&[(false, "."), (true, "ERROR"), (false, "ERROR: harmless")]);
        assert!(r.keeps(b"ERROR: disk"));
        assert!(!r.keeps(b"ERROR: harmless, really"));
        assert!(!r.keeps(b"INFO"));
        assert!(rules(&[]).keeps(b"anything"));
        // Only the first 64 KiB are seen.
        let mut long = vec![b'x'; SEEN];
        long.extend_from_slice(b"ERROR");
        assert!(!select_error.keeps(&long));
    }

    #[test]
    fn windows_drop_beyond_the_limit_and_close_with_their_gap() {
        let t0 = Instant::now();
        let wall = std::time::UNIX_EPOCH;
        let mut w = Windows::new(RateLimit {
            lines: 2,
            per: Duration::from_secs(1),
        });
        assert!(w.pass(10, t0, wall));
        assert!(w.pass(10, t0, wall));
        assert!(!w.pass(7, t0 + Duration::from_millis(500), wall));
        assert_eq!(w.due(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(w.close_due(t0 + Duration::from_millis(999)), None);
        let gap = w.close_due(t0 + Duration::from_secs(1)).unwrap();
        assert_eq!((gap.lines, gap.bytes), (1, 7));
        assert!(w.pass(10, t0 + Duration::from_millis(2500), wall));
        assert!(w.pass(10, t0 + Duration::from_millis(2600), wall));
        assert!(!w.pass(10, t0 + Duration::from_millis(2999), wall));
        let gap = w.close_due(t0 + Duration::from_secs(3)).unwrap();
        assert_eq!(gap.lines, 1);
        assert!(w.pass(10, t0 + Duration::from_secs(3), wall));
    }

    #[test]
    fn rates_parse() {
        assert_eq!(
            parse_rate("2000/1s"),
            Ok(RateLimit {
                lines: 2000,
                per: Duration::from_secs(1)
            })
        );
        assert!(parse_rate("0/1s").is_err());
        assert!(parse_rate("10").is_err());
        assert!(parse_rate("10/0s").is_err());
    }
}
