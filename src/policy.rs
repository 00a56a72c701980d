//! When to rotate: pure decisions that take sizes, times and bytes as
//! arguments and touch nothing, so that they can be tested exhaustively.

use std::time::{Duration, SystemTime};

/// What the writer rotates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// 0: no size limit.
    pub max_size: u64,
    pub max_age: Option<Duration>,
    /// Backups kept; 0 truncates the main file in place.
    pub count: u64,
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
/// non-empty file always qualifies; otherwise it must be larger than the
/// size or older than the age.
pub fn should_rotate(
    size: u64,
    born: SystemTime,
    now: SystemTime,
    min_size: Option<u64>,
    min_age: Option<Duration>,
) -> bool {
    if size == 0 {
        return false;
    }
    if min_size.is_none() && min_age.is_none() {
        return true;
    }
    let age = now.duration_since(born).unwrap_or(Duration::ZERO);
    min_size.is_some_and(|s| size > s) || min_age.is_some_and(|a| age > a)
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
        assert!(should_rotate(1, born, now, None, None));
        assert!(!should_rotate(0, born, now, None, None));
        assert!(should_rotate(11, born, now, Some(10), None));
        assert!(!should_rotate(10, born, now, Some(10), None));
        assert!(should_rotate(
            1,
            born,
            now,
            Some(10),
            Some(Duration::from_secs(99))
        ));
        assert!(!should_rotate(
            1,
            born,
            now,
            Some(10),
            Some(Duration::from_secs(100))
        ));
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
