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
    /// On this weekday (0 Sunday ... 6 Saturday; `week` alone is Monday),
    /// as logrotate's `weekly N`: once the origin's date is a day or more
    /// back on that weekday, or 7 or more days back on any.
    Week(u8),
    /// Once the origin's date is 7 or more days back (`weekly 7`).
    WeekAny,
    Month,
    Year,
}

/// Weekday names as `week:DAY` takes them, Sunday first (logrotate's 0).
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Every {
    /// Parses `--every hour|day|week[:DAY]|month|year` (DAY: `sun` ...
    /// `sat`, or `any`).
    pub fn parse(text: &str) -> Result<Every, String> {
        let bad = || {
            format!(
                "invalid period '{text}': use hour, day, week, week:DAY (sun, mon ... sat, or any), month or year"
            )
        };
        Ok(match text {
            "hour" => Every::Hour,
            "day" => Every::Day,
            "week" => Every::Week(1),
            "week:any" => Every::WeekAny,
            "month" => Every::Month,
            "year" => Every::Year,
            t => {
                let day = t.strip_prefix("week:").ok_or_else(bad)?;
                let n = WEEKDAYS.iter().position(|d| *d == day).ok_or_else(bad)?;
                Every::Week(n as u8)
            }
        })
    }
}

impl std::fmt::Display for Every {
    /// As `--every` takes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Every::Hour => f.write_str("hour"),
            Every::Day => f.write_str("day"),
            Every::Week(1) => f.write_str("week"),
            Every::Week(d) => write!(f, "week:{}", WEEKDAYS[usize::from(*d % 7)]),
            Every::WeekAny => f.write_str("week:any"),
            Every::Month => f.write_str("month"),
            Every::Year => f.write_str("year"),
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
        Every::Week(d) => {
            let back = (local.weekday().num_days_from_sunday() + 7 - u32::from(d % 7)) % 7;
            let start = day - chrono::Duration::days(i64::from(back));
            (start, start + chrono::Duration::days(7))
        }
        Every::WeekAny => (day, day + chrono::Duration::days(1)),
        Every::Month => {
            let (y, m) = (local.year(), local.month());
            let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            (month_start(y, m), month_start(next.0, next.1))
        }
        Every::Year => (
            month_start(local.year(), 1),
            month_start(local.year() + 1, 1),
        ),
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
    if let Every::Week(_) | Every::WeekAny = every {
        return week_due(born, now, every);
    }
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

/// Weeks as logrotate counts them: due once the origin's local date is 7
/// or more days back, or (`week:DAY`) a day or more back on DAY; how long
/// until then, zero when due.
fn week_due<Tz: TimeZone>(born: SystemTime, now: &DateTime<Tz>, every: Every) -> Duration {
    let tz = now.timezone();
    let born_date = DateTime::<chrono::Utc>::from(born)
        .with_timezone(&tz)
        .date_naive();
    let due_on = |date: NaiveDate| {
        let days = (date - born_date).num_days();
        days >= 7
            || (days >= 1
                && matches!(every, Every::Week(d)
                    if date.weekday().num_days_from_sunday() == u32::from(d % 7)))
    };
    let today = now.date_naive();
    if due_on(today) {
        return Duration::ZERO;
    }
    // A day within the next 7 is due (7 days after the origin's at the
    // latest, for an origin not in the future).
    let next = (1..=7)
        .map(|k| today + chrono::Duration::days(k))
        .find(|d| due_on(*d))
        .unwrap_or(born_date + chrono::Duration::days(7));
    let at = first_instant(&tz, next.and_hms_opt(0, 0, 0).unwrap_or_default());
    (at.with_timezone(&chrono::Utc) - now.with_timezone(&chrono::Utc))
        .to_std()
        .unwrap_or(Duration::ZERO)
}

/// The conditions under which a set is rotated. The writer's are its
/// time rules (`--max-age`, `--every`; its size rule works line by line,
/// see [`cut`]); `rotate`'s are `-s`, `-a` and `--every`, and without any
/// of them every non-empty set is rotated on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    /// Larger than this (`-s`).
    pub max_size: Option<u64>,
    /// As old as this, from the age origin (`-a`).
    pub max_age: Option<Duration>,
    /// Last rotated before the start of the current period (`--every`).
    pub every: Option<Every>,
    /// A period or age rotation waits until the main file holds at least
    /// this much (`--min-size`, logrotate's `minsize`).
    pub min_size: Option<u64>,
    /// An empty main file is rotated too (`--rotate-empty`, logrotate's
    /// `ifempty`).
    pub rotate_empty: bool,
    /// Rotated whatever the others say (`rotate --config --force`,
    /// logrotate's `-f`); an empty main file still only with
    /// `rotate_empty`. The others still count for what is recorded.
    pub force: bool,
}

impl Conditions {
    /// The writer's time conditions; `None` when it has none (it rotates
    /// by size or when asked only).
    pub fn of_writer(policy: &Policy) -> Option<Conditions> {
        (policy.max_age.is_some() || policy.every.is_some()).then_some(Conditions {
            max_age: policy.max_age,
            every: policy.every,
            ..Conditions::default()
        })
    }

    fn none(&self) -> bool {
        self.max_size.is_none() && self.max_age.is_none() && self.every.is_none()
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
    if size == 0 && !when.rotate_empty {
        return Decision::Skip(Skip::Empty);
    }
    if when.none() || when.force {
        return Decision::Rotate(Reason::Request);
    }
    if when.max_size.is_some_and(|s| size > s) {
        return Decision::Rotate(Reason::Size);
    }
    let age = now.duration_since(origin).unwrap_or(Duration::ZERO);
    let by_age = when.max_age.map(|a| a.saturating_sub(age));
    let by_period = when.every.map(|e| {
        let local: DateTime<chrono::Local> = now.into();
        every_due(origin, &local, e)
    });
    let due = by_age.into_iter().chain(by_period).min();
    let too_small = when.min_size.is_some_and(|m| size < m);
    match (by_age, by_period) {
        (Some(Duration::ZERO), _) if !too_small => Decision::Rotate(Reason::Age),
        (_, Some(Duration::ZERO)) if !too_small => Decision::Rotate(Reason::Every),
        _ => Decision::Skip(Skip::NotDue {
            size,
            origin,
            // Too small: due as soon as it is big enough, which no clock
            // tells.
            due: due.filter(|d| !d.is_zero()).map(|d| now + d),
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
        if let Some(s) = when.max_size {
            rules.push(format!("{size} bytes, not over max-size {s}"));
        }
        if let Some(m) = when.min_size.filter(|&m| *size < m) {
            rules.push(format!("{size} bytes, under min-size {m}"));
        }
        if let Some(a) = when.max_age {
            rules.push(format!("max-age {}", humantime::format_duration(a)));
        }
        if let Some(e) = when.every {
            rules.push(format!("every {e}"));
        }
        write!(f, "rotated {}, {}", minute(*origin), rules.join(", "))?;
        if let Some(t) = due {
            write!(f, "; due from {}", minute(*t))?;
        }
        Ok(())
    }
}

/// Why a set was rotated, as a hook's `ROLLOVER_REASON` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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
        let when = |max_size, max_age: Option<u64>| Conditions {
            max_size,
            max_age: max_age.map(Duration::from_secs),
            ..Conditions::default()
        };
        let d = |size, c: Conditions| decide(size, born, now, &c);
        // --min-size holds back a time rotation, not a size one; an empty
        // file goes with --rotate-empty.
        let small = Conditions {
            min_size: Some(100),
            ..when(Some(10), Some(50))
        };
        assert_eq!(d(50, small), Decision::Rotate(Reason::Size));
        assert!(matches!(
            d(5, small),
            Decision::Skip(Skip::NotDue { due: None, .. })
        ));
        assert_eq!(
            d(
                100,
                Conditions {
                    max_size: None,
                    ..small
                }
            ),
            Decision::Rotate(Reason::Age)
        );
        let empty = Conditions {
            rotate_empty: true,
            ..when(None, Some(50))
        };
        assert_eq!(d(0, empty), Decision::Rotate(Reason::Age));
        assert_eq!(
            d(
                0,
                Conditions {
                    rotate_empty: true,
                    ..when(None, None)
                }
            ),
            Decision::Rotate(Reason::Request)
        );
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
                show(Every::Week(1)),
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

        /// logrotate's `weekly N`: due on day N once the last rotation's
        /// date is a day or more back, on any day once it is 7 or more.
        #[test]
        fn weeks_as_logrotate_counts_them() {
            let sun = Every::Week(0);
            // Friday 4 December 2026, 10:00.
            let friday = at(Berlin, 2026, 12, 4, 10, 0);
            assert!(!every_due(sys(&friday), &at(Berlin, 2026, 12, 5, 23, 0), sun).is_zero());
            let sunday = at(Berlin, 2026, 12, 6, 0, 30);
            assert!(every_due(sys(&friday), &sunday, sun).is_zero());
            // Not due yet: when, to the minute.
            let wait = every_due(sys(&friday), &at(Berlin, 2026, 12, 5, 23, 0), sun);
            assert_eq!(wait, Duration::from_secs(3600));
            // Rotated on Sunday: not again that day, nor on Monday.
            assert!(!every_due(sys(&sunday), &at(Berlin, 2026, 12, 6, 23, 0), sun).is_zero());
            assert!(!every_due(sys(&sunday), &at(Berlin, 2026, 12, 7, 9, 0), sun).is_zero());
            assert!(every_due(sys(&sunday), &at(Berlin, 2026, 12, 13, 0, 5), sun).is_zero());
            // Rotated on a Wednesday, the machine off on Sunday: Monday is
            // not due (5 days), Wednesday is (7 days).
            let wednesday = at(Berlin, 2026, 12, 9, 6, 0);
            assert!(!every_due(sys(&wednesday), &at(Berlin, 2026, 12, 14, 6, 0), sun).is_zero());
            assert!(every_due(sys(&wednesday), &at(Berlin, 2026, 12, 16, 6, 0), sun).is_zero());
            // week:any: 7 calendar days, whatever the weekday and the hour.
            assert!(
                !every_due(
                    sys(&friday),
                    &at(Berlin, 2026, 12, 10, 23, 59),
                    Every::WeekAny
                )
                .is_zero()
            );
            assert!(
                every_due(
                    sys(&friday),
                    &at(Berlin, 2026, 12, 11, 0, 0),
                    Every::WeekAny
                )
                .is_zero()
            );
            // A year, across its end.
            let eve = at(Berlin, 2026, 12, 31, 23, 0);
            assert!(
                !every_due(sys(&eve), &at(Berlin, 2026, 12, 31, 23, 59), Every::Year).is_zero()
            );
            assert!(every_due(sys(&eve), &at(Berlin, 2027, 1, 1, 0, 5), Every::Year).is_zero());
        }

        #[test]
        fn periods_are_parsed_and_shown_as_given() {
            for text in [
                "hour", "day", "week", "week:sun", "week:sat", "week:any", "month", "year",
            ] {
                assert_eq!(
                    Every::parse(text).map(|e| e.to_string()),
                    Ok(text.to_string())
                );
            }
            assert_eq!(Every::parse("week:mon"), Ok(Every::Week(1)));
            for bad in ["weekly", "week:", "week:sunday", "daily", ""] {
                assert!(
                    Every::parse(bad).unwrap_err().contains("invalid period"),
                    "{bad}"
                );
            }
        }

        #[test]
        fn a_clock_stepped_back_delays_and_never_panics() {
            let born = at(Berlin, 2026, 11, 30, 10, 0);
            let earlier = at(Berlin, 2026, 11, 29, 10, 0);
            for e in [
                Every::Hour,
                Every::Day,
                Every::Week(1),
                Every::Week(0),
                Every::WeekAny,
                Every::Month,
                Every::Year,
            ] {
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
