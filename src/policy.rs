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

/// The next time-based rotation of a non-empty main file (by `--max-age`
/// or `--every`, in local time), and why; zero when due now. `None`: no
/// such rule, or an empty file.
pub fn time_due(
    size: u64,
    born: SystemTime,
    now: SystemTime,
    policy: &Policy,
) -> Option<(Duration, Reason)> {
    if size == 0 {
        return None;
    }
    let age = age_due(size, born, now, policy).map(|d| (d, Reason::Age));
    let every = policy.every.map(|e| {
        let local: DateTime<chrono::Local> = now.into();
        (every_due(born, &local, e), Reason::Every)
    });
    match (age, every) {
        (Some(a), Some(e)) => Some(if e.0 < a.0 { e } else { a }),
        (a, e) => a.or(e),
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

/// How long until the main file is due for age rotation: `None` when there
/// is no age limit or the file is empty, zero when it is due now. A clock
/// that stepped back before the file's birth delays the rotation.
pub fn age_due(size: u64, born: SystemTime, now: SystemTime, policy: &Policy) -> Option<Duration> {
    let max_age = policy.max_age?;
    if size == 0 {
        return None;
    }
    let age = now.duration_since(born).unwrap_or(Duration::ZERO);
    Some(max_age.saturating_sub(age))
}

/// The `rotate` command's conditions: with neither a size nor an age, a
/// non-empty file always qualifies (a `request`); otherwise it must be
/// larger than the size or older than the age, and the reason is the
/// condition that held. `None`: not due.
pub fn should_rotate(
    size: u64,
    born: SystemTime,
    now: SystemTime,
    min_size: Option<u64>,
    min_age: Option<Duration>,
    every: Option<Every>,
) -> Option<Reason> {
    if size == 0 {
        return None;
    }
    if min_size.is_none() && min_age.is_none() && every.is_none() {
        return Some(Reason::Request);
    }
    let age = now.duration_since(born).unwrap_or(Duration::ZERO);
    let local: DateTime<chrono::Local> = now.into();
    if min_size.is_some_and(|s| size > s) {
        Some(Reason::Size)
    } else if min_age.is_some_and(|a| age > a) {
        Some(Reason::Age)
    } else if every.is_some_and(|e| every_due(born, &local, e).is_zero()) {
        Some(Reason::Every)
    } else {
        None
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
    fn age_rules() {
        let born = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let p = Policy {
            max_size: 0,
            max_age: Some(Duration::from_secs(60)),
            every: None,
            count: 5,
        };
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(
            age_due(1, born, at(1030), &p),
            Some(Duration::from_secs(30))
        );
        assert_eq!(age_due(1, born, at(1090), &p), Some(Duration::ZERO));
        assert_eq!(age_due(0, born, at(1090), &p), None);
        // The clock stepped back: not due, and no panic.
        assert_eq!(age_due(1, born, at(10), &p), Some(Duration::from_secs(60)));
        let off = Policy { max_age: None, ..p };
        assert_eq!(age_due(1, born, at(5000), &off), None);
    }

    #[test]
    fn rotate_conditions() {
        let born = SystemTime::UNIX_EPOCH;
        let now = born + Duration::from_secs(100);
        assert_eq!(
            should_rotate(1, born, now, None, None, None),
            Some(Reason::Request)
        );
        assert_eq!(should_rotate(0, born, now, None, None, None), None);
        assert_eq!(
            should_rotate(11, born, now, Some(10), None, None),
            Some(Reason::Size)
        );
        assert_eq!(should_rotate(10, born, now, Some(10), None, None), None);
        assert!(
            should_rotate(1, born, now, Some(10), Some(Duration::from_secs(99)), None)
                .is_some_and(|r| r == Reason::Age)
        );
        assert!(
            should_rotate(1, born, now, Some(10), Some(Duration::from_secs(100)), None).is_none()
        );
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
