//! When to rotate: pure decisions that take sizes, times and bytes as
//! arguments and touch nothing, so that they can be tested exhaustively.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike};

/// What the writer rotates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// 0: no size limit.
    pub max_size: u64,
    pub max_age: Option<Duration>,
    /// Calendar rotation (`--every`).
    pub every: Option<Every>,
    /// Backups kept; 0 truncates the main file in place.
    pub count: u64,
}

/// A calendar period (`--every`), in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Hour,
    Day,
    /// From Monday.
    Week,
    Month,
}

impl Every {
    /// The period's name, as `--every` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Every::Hour => "hour",
            Every::Day => "day",
            Every::Week => "week",
            Every::Month => "month",
        }
    }
}

/// The first existing instant at or after the local wall-clock time
/// `naive`: in a daylight-saving gap, the end of the gap; of a repeated
/// hour, the first time round. So a change of the clocks neither skips nor
/// repeats a period.
fn first_instant<Tz: TimeZone>(tz: &Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    let mut t = naive;
    // Gaps are whole quarter hours, a few hours at most.
    for _ in 0..24 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => return d,
            LocalResult::None => t += chrono::Duration::minutes(15),
        }
    }
    tz.from_utc_datetime(&naive)
}

fn month_start(year: i32, month: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, 1)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
}

/// The start of the period `now` is in, and of the next one.
pub fn period<Tz: TimeZone>(now: &DateTime<Tz>, every: Every) -> (DateTime<Tz>, DateTime<Tz>) {
    let tz = now.timezone();
    let local = now.naive_local();
    let day = local.date().and_hms_opt(0, 0, 0).unwrap_or(local);
    let (start, next) = match every {
        Every::Hour => {
            let h = day + chrono::Duration::hours(i64::from(local.hour()));
            (h, h + chrono::Duration::hours(1))
        }
        Every::Day => (day, day + chrono::Duration::days(1)),
        Every::Week => {
            let monday =
                day - chrono::Duration::days(i64::from(local.weekday().num_days_from_monday()));
            (monday, monday + chrono::Duration::days(7))
        }
        Every::Month => {
            let (y, m) = (local.year(), local.month());
            let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            (month_start(y, m), month_start(next.0, next.1))
        }
    };
    let mut start = first_instant(&tz, start);
    // A time inside a repeated hour's second round belongs to the period
    // that started at its first round; the start found is never after now.
    if start > *now {
        start = now.clone();
    }
    (start, first_instant(&tz, next))
}

/// Calendar rotation: how long until a file born at `born` is due, at
/// `now`, in the time zone of `now`; zero when due.
pub fn every_due<Tz: TimeZone>(born: SystemTime, now: &DateTime<Tz>, every: Every) -> Duration {
    let (start, next) = period(now, every);
    let born: DateTime<chrono::Utc> = born.into();
    if born < start.with_timezone(&chrono::Utc) {
        Duration::ZERO
    } else {
        (next.with_timezone(&chrono::Utc) - now.with_timezone(&chrono::Utc))
            .to_std()
            .unwrap_or(Duration::ZERO)
    }
}

/// The conditions under which a set is rotated. The writer's are its
/// time rules (`--max-age`, `--every`; its size rule works line by line,
/// see [`cut`]); `rotate`'s are `-s`, `-a` and `--every`, and without any
/// of them every non-empty set is rotated on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    /// Larger than this.
    pub min_size: Option<u64>,
    /// As old as this, from the age origin.
    pub min_age: Option<Duration>,
    /// Born before the start of the current period.
    pub every: Option<Every>,
}

impl Conditions {
    /// The writer's time conditions; `None` when it has none (it rotates
    /// by size or when asked only).
    pub fn of_writer(policy: &Policy) -> Option<Conditions> {
        (policy.max_age.is_some() || policy.every.is_some()).then_some(Conditions {
            min_size: None,
            min_age: policy.max_age,
            every: policy.every,
        })
    }

    fn none(&self) -> bool {
        self.min_size.is_none() && self.min_age.is_none() && self.every.is_none()
    }
}

/// Whether to rotate a set now, and why or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Rotate(Reason),
    Skip(Skip),
}

/// Why a set is not rotated now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// An empty main file is never rotated.
    Empty,
    /// No condition holds yet.
    NotDue {
        size: u64,
        /// The age origin: the last rotation, or the main file's birth.
        origin: SystemTime,
        /// When a time condition comes due; `None`: none will (only a
        /// size condition, or none that applies).
        due: Option<SystemTime>,
        when: Conditions,
    },
}

/// The one rotation decision, for the writer's timers, `rotate`,
/// `--dry-run` and `-v` alike: a main file of `size` bytes whose age
/// counts from `origin`, at `now`, against `when`. With no condition at
/// all, a non-empty file is rotated on request; a clock that stepped back
/// before the origin delays a rotation.
pub fn decide(size: u64, origin: SystemTime, now: SystemTime, when: &Conditions) -> Decision {
    if size == 0 {
        return Decision::Skip(Skip::Empty);
    }
    if when.none() {
        return Decision::Rotate(Reason::Request);
    }
    if when.min_size.is_some_and(|s| size > s) {
        return Decision::Rotate(Reason::Size);
    }
    let age = now.duration_since(origin).unwrap_or(Duration::ZERO);
    let by_age = when.min_age.map(|a| a.saturating_sub(age));
    let by_period = when.every.map(|e| {
        let local: DateTime<chrono::Local> = now.into();
        every_due(origin, &local, e)
    });
    match (by_age, by_period) {
        (Some(Duration::ZERO), _) => Decision::Rotate(Reason::Age),
        (_, Some(Duration::ZERO)) => Decision::Rotate(Reason::Every),
        (a, e) => Decision::Skip(Skip::NotDue {
            size,
            origin,
            due: a.into_iter().chain(e).min().map(|d| now + d),
            when: *when,
        }),
    }
}

impl Decision {
    /// How long until a time condition is due: zero when the decision is
    /// to rotate, `None` when no time will make it so.
    pub fn wait(&self, now: SystemTime) -> Option<Duration> {
        match self {
            Decision::Rotate(_) => Some(Duration::ZERO),
            Decision::Skip(Skip::NotDue { due: Some(t), .. }) => {
                Some(t.duration_since(now).unwrap_or(Duration::ZERO))
            }
            Decision::Skip(_) => None,
        }
    }
}

/// A local time to the minute, as `-v` shows it.
fn minute(t: SystemTime) -> String {
    let local: DateTime<chrono::Local> = t.into();
    local.format("%Y-%m-%d %H:%M").to_string()
}

impl std::fmt::Display for Skip {
    /// Why not, for `-v`: `rotated 2026-12-20 06:25, every week; due from
    /// 2026-12-27 00:00`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Skip::NotDue {
            size,
            origin,
            due,
            when,
        } = self
        else {
            return write!(f, "its main file is empty");
        };
        let mut rules = Vec::new();
        if let Some(s) = when.min_size {
            rules.push(format!("{size} bytes, not over max-size {s}"));
        }
        if let Some(a) = when.min_age {
            rules.push(format!("max-age {}", humantime::format_duration(a)));
        }
        if let Some(e) = when.every {
            rules.push(format!("every {}", e.as_str()));
        }
        write!(f, "rotated {}, {}", minute(*origin), rules.join(", "))?;
        if let Some(t) = due {
            write!(f, "; due from {}", minute(*t))?;
        }
        Ok(())
    }
}

/// Why a set was rotated, as a hook's `ROLLOVER_REASON` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Size,
    Age,
    Every,
    Signal,
    Request,
}

impl Reason {
    /// The word a hook sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Size => "size",
            Reason::Age => "age",
            Reason::Every => "every",
            Reason::Signal => "signal",
            Reason::Request => "request",
        }
    }
}

/// How much of a run of bytes, starting at a line boundary, goes into the
/// current file before the next rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// All of it fits (or a line longer than the limit starts an empty file).
    All,
    /// Write the first `n` bytes (whole lines), then rotate.
    Then(usize),
    /// Rotate before writing anything: the first line does not fit.
    RotateFirst,
}

/// The size rule: before a line is written, if the file is not empty and
/// its size plus the line's length would exceed `max`, rotate first. A line
/// longer than `max` goes whole into an empty file. `data` starts at a line
/// boundary; it may end mid-line (a forced partial write). Looks for
/// newlines only near the limit, never line by line.
pub fn cut(data: &[u8], size: u64, max: u64) -> Cut {
    if max == 0 || size.saturating_add(data.len() as u64) <= max {
        return Cut::All;
    }
    let room = max.saturating_sub(size) as usize; // < data.len()
    if let Some(i) = memchr::memrchr(b'\n', &data[..room]) {
        return Cut::Then(i + 1);
    }
    if size > 0 {
        return Cut::RotateFirst;
    }
    // An empty file and a first line longer than the limit: it goes whole.
    match memchr::memchr(b'\n', &data[room..]) {
        Some(j) if room + j + 1 < data.len() => Cut::Then(room + j + 1),
        _ => Cut::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cut_examples() {
        assert_eq!(cut(b"ab\ncd\n", 0, 0), Cut::All);
        assert_eq!(cut(b"ab\ncd\n", 0, 6), Cut::All);
        assert_eq!(cut(b"ab\ncd\n", 0, 5), Cut::Then(3));
        assert_eq!(cut(b"ab\ncd\n", 3, 5), Cut::RotateFirst);
        assert_eq!(cut(b"abcdefgh\nx\n", 0, 4), Cut::Then(9));
        assert_eq!(cut(b"abcdefgh\n", 0, 4), Cut::All);
        assert_eq!(cut(b"abcdefgh", 0, 4), Cut::All);
        assert_eq!(cut(b"abcdefgh", 1, 4), Cut::RotateFirst);
    }

    #[test]
    fn one_decision_with_reasons_and_why_not() {
        let born = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let now = born + Duration::from_secs(100);
        let when = |min_size, min_age: Option<u64>| Conditions {
            min_size,
            min_age: min_age.map(Duration::from_secs),
            every: None,
        };
        let d = |size, c: Conditions| decide(size, born, now, &c);
        assert_eq!(d(1, when(None, None)), Decision::Rotate(Reason::Request));
        assert_eq!(d(0, when(None, None)), Decision::Skip(Skip::Empty));
        assert_eq!(d(11, when(Some(10), None)), Decision::Rotate(Reason::Size));
        assert_eq!(
            d(1, when(Some(10), Some(99))),
            Decision::Rotate(Reason::Age)
        );
        assert_eq!(d(1, when(None, Some(100))), Decision::Rotate(Reason::Age));
        let not_yet = d(1, when(Some(10), Some(160)));
        assert_eq!(
            not_yet,
            Decision::Skip(Skip::NotDue {
                size: 1,
                origin: born,
                due: Some(born + Duration::from_secs(160)),
                when: when(Some(10), Some(160)),
            })
        );
        assert_eq!(not_yet.wait(now), Some(Duration::from_secs(60)));
        // Only a size condition: no time makes it due.
        assert_eq!(d(10, when(Some(10), None)).wait(now), None);
        // A clock that stepped back before the origin: the age counts as
        // zero, so the rotation is delayed; no panic.
        assert_eq!(
            decide(
                1,
                born,
                born - Duration::from_secs(5),
                &when(None, Some(60))
            )
            .wait(born - Duration::from_secs(5)),
            Some(Duration::from_secs(60))
        );
        if let Decision::Skip(skip) = not_yet {
            let text = skip.to_string();
            assert!(text.starts_with("rotated "), "{text}");
            assert!(
                text.contains("1 bytes, not over max-size 10, max-age 2m 40s; due from "),
                "{text}"
            );
        }
    }

    mod every {
        use super::super::*;
        use chrono_tz::{America::Sao_Paulo, Europe::Berlin, Tz};

        fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
            match tz.with_ymd_and_hms(y, mo, d, h, mi, 0) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
                LocalResult::None => panic!("no such local time"),
            }
        }

        fn sys<T: TimeZone>(t: &DateTime<T>) -> SystemTime {
            SystemTime::UNIX_EPOCH + Duration::from_secs(t.timestamp() as u64)
        }

        fn local(t: &DateTime<Tz>) -> String {
            t.format("%Y-%m-%d %H:%M %Z").to_string()
        }

        #[test]
        fn periods_start_at_hour_day_monday_and_month() {
            let now = at(Berlin, 2026, 11, 25, 14, 37); // a Wednesday
            let show = |e| {
                let (s, n) = period(&now, e);
                (local(&s), local(&n))
            };
            assert_eq!(
                show(Every::Hour),
                ("2026-11-25 14:00 CET".into(), "2026-11-25 15:00 CET".into())
            );
            assert_eq!(
                show(Every::Day),
                ("2026-11-25 00:00 CET".into(), "2026-11-26 00:00 CET".into())
            );
            assert_eq!(
                show(Every::Week),
                ("2026-11-23 00:00 CET".into(), "2026-11-30 00:00 CET".into())
            );
            assert_eq!(
                show(Every::Month),
                ("2026-11-01 00:00 CET".into(), "2026-12-01 00:00 CET".into())
            );
            let dec = at(Berlin, 2026, 12, 31, 23, 59);
            assert_eq!(local(&period(&dec, Every::Month).1), "2027-01-01 00:00 CET");
        }

        #[test]
        fn daylight_saving_neither_skips_nor_repeats() {
            // Spring forward: 02:00 CET becomes 03:00 CEST; the hour from
            // 02:00 does not exist, so the period after 01:00 starts at 03:00.
            let before = at(Berlin, 2026, 3, 29, 1, 30);
            assert_eq!(
                local(&period(&before, Every::Hour).1),
                "2026-03-29 03:00 CEST"
            );
            let after = at(Berlin, 2026, 3, 29, 3, 10);
            assert_eq!(
                local(&period(&after, Every::Hour).0),
                "2026-03-29 03:00 CEST"
            );
            // One rotation at that boundary, of a file born at 01:30.
            assert!(every_due(sys(&before), &after, Every::Hour).is_zero());
            // Fall back: 03:00 CEST becomes 02:00 CET; 02:00-03:00 comes twice
            // and is one period, from its first round: a file born in the
            // first round is not rotated again at the second.
            let first = Berlin.from_utc_datetime(
                &NaiveDate::from_ymd_opt(2026, 10, 25)
                    .unwrap()
                    .and_hms_opt(0, 10, 0)
                    .unwrap(),
            );
            let second = Berlin.from_utc_datetime(
                &NaiveDate::from_ymd_opt(2026, 10, 25)
                    .unwrap()
                    .and_hms_opt(1, 30, 0)
                    .unwrap(),
            );
            assert_eq!(local(&first), "2026-10-25 02:10 CEST");
            assert_eq!(local(&second), "2026-10-25 02:30 CET");
            assert!(!every_due(sys(&first), &second, Every::Hour).is_zero());
            assert_eq!(
                local(&period(&second, Every::Hour).1),
                "2026-10-25 03:00 CET"
            );
            // A day that starts in a gap (Sao Paulo, 2018: midnight became
            // 01:00) starts at its first existing instant.
            let noon = at(Sao_Paulo, 2018, 11, 4, 12, 0);
            assert_eq!(
                period(&noon, Every::Day).0.format("%H:%M").to_string(),
                "01:00"
            );
        }

        #[test]
        fn a_cron_run_after_midnight_rotates_yesterdays_file() {
            let born = at(Berlin, 2026, 11, 29, 0, 5);
            let cron = at(Berlin, 2026, 11, 30, 0, 5);
            assert!(every_due(sys(&born), &cron, Every::Day).is_zero());
            // Born today: due at the next midnight.
            let today = at(Berlin, 2026, 11, 30, 0, 1);
            assert_eq!(
                every_due(sys(&today), &cron, Every::Day),
                Duration::from_secs(24 * 3600 - 5 * 60)
            );
        }

        #[test]
        fn a_clock_stepped_back_delays_and_never_panics() {
            let born = at(Berlin, 2026, 11, 30, 10, 0);
            let earlier = at(Berlin, 2026, 11, 29, 10, 0);
            for e in [Every::Hour, Every::Day, Every::Week, Every::Month] {
                assert!(!every_due(sys(&born), &earlier, e).is_zero());
            }
        }
    }

    /// Feeds `input` through `cut` as the writer does and returns the files.
    fn simulate(input: &[u8], max: u64) -> Vec<Vec<u8>> {
        let mut files = vec![Vec::new()];
        let mut data = input;
        while !data.is_empty() {
            let cur = files.last_mut().unwrap();
            match cut(data, cur.len() as u64, max) {
                Cut::All => {
                    cur.extend_from_slice(data);
                    data = &[];
                }
                Cut::Then(n) => {
                    cur.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    files.push(Vec::new());
                }
                Cut::RotateFirst => {
                    assert!(!cur.is_empty(), "rotation of an empty file");
                    files.push(Vec::new());
                }
            }
        }
        files.retain(|f| !f.is_empty());
        files
    }

    proptest! {
        #[test]
        fn cut_keeps_lines_whole_and_files_small(
            lines in prop::collection::vec(0usize..40, 0..60),
            max in 1u64..64,
        ) {
            let mut input = Vec::new();
            for (i, len) in lines.iter().enumerate() {
                input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, *len));
                input.push(b'\n');
            }
            let files = simulate(&input, max);
            prop_assert_eq!(files.concat(), input);
            for f in &files {
                prop_assert!(f.ends_with(b"\n"), "a line was split");
                let one_line = memchr::memchr(b'\n', f) == Some(f.len() - 1);
                prop_assert!(f.len() as u64 <= max || one_line, "file of {} over {}", f.len(), max);
            }
            // Greedy: each file but the last could not take the next line.
            for w in files.windows(2) {
                let next = memchr::memchr(b'\n', &w[1]).unwrap() + 1;
                prop_assert!((w[0].len() + next) as u64 > max);
            }
        }
    }
}
