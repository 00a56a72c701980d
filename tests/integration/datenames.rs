//! `--backup-names date[:FORMAT]`: backups named for their start, never
//! renamed, ranked newest first for the count and compression, recorded
//! for `rotate`, and never taken for sets of their own.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use crate::util::{Dir, numbered};

/// The set's backups (names starting `base` plus `sep`), by name.
fn dated(dir: &Dir, base: &str, sep: &str) -> Vec<String> {
    dir.names()
        .into_iter()
        .filter(|n| n.starts_with(&format!("{base}{sep}")))
        .collect()
}

/// A name's stamp and `-N`, for ordering: `app.log.20261130-031500-2`.
fn rank_key(name: &str, base: &str) -> (String, u32) {
    let rest = name
        .strip_prefix(base)
        .unwrap_or(name)
        .trim_start_matches(['.', '-'])
        .trim_end_matches(".zst")
        .trim_end_matches(".gz");
    let mut parts = rest.splitn(3, '-');
    let stamp = format!(
        "{}-{}",
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("")
    );
    let seq = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    (stamp, seq)
}

/// A writer with date-named backups, 64 KiB files, enough kept for all.
const DATED: &[&str] = &[
    "-s",
    "64K",
    "-c",
    "1000",
    "--backup-names",
    "date",
    "app.log",
];

/// A writer's every byte is in its date-named backups, oldest first, and
/// then the main file; no backup is ever renamed (its inode keeps its
/// name), and the names are the main file's birth in local time.
#[test]
fn a_writer_names_backups_by_date_and_never_renames_them() {
    let dir = Dir::new();
    let input = numbered(20_000, 60);
    let before = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    dir.ok(DATED, &input);
    let after = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let mut names = dated(&dir, "app.log", ".");
    assert!(names.len() > 10, "{names:?}");
    names.sort_by_key(|n| rank_key(n, "app.log"));
    for n in &names {
        let (stamp, _) = rank_key(n, "app.log");
        assert!(stamp >= before && stamp <= after, "{n}: {before}..{after}");
    }
    let mut all: Vec<u8> = names.iter().flat_map(|n| dir.read(n)).collect();
    all.extend(dir.read("app.log"));
    assert!(all == input, "bytes in = bytes out, in rank order");

    // Another writer's run adds backups and renames none of these.
    let inodes: BTreeMap<String, u64> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                std::fs::metadata(dir.join(n)).expect("stat").ino(),
            )
        })
        .collect();
    dir.ok(DATED, &input);
    for (n, ino) in &inodes {
        assert_eq!(
            std::fs::metadata(dir.join(n)).expect("stat").ino(),
            *ino,
            "{n}"
        );
    }
}

/// The count and `--compress-from` go by rank: the newest backup plain,
/// the older ones compressed, the oldest beyond the count deleted.
#[test]
fn count_and_compression_go_by_rank() {
    let dir = Dir::new();
    let input = numbered(10_000, 60);
    dir.ok(
        &[
            "-s",
            "64K",
            "-c",
            "3",
            "--backup-names",
            "date",
            "--compress",
            "gzip",
            "--compress-from",
            "2",
            "app.log",
        ],
        &input,
    );
    let mut names = dated(&dir, "app.log", ".");
    names.sort_by_key(|n| std::cmp::Reverse(rank_key(n, "app.log")));
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names[0].ends_with(".gz"), "{names:?}");
    assert!(
        names[1].ends_with(".gz") && names[2].ends_with(".gz"),
        "{names:?}"
    );
    // What is kept is the input's tail, whole.
    let mut kept = Vec::new();
    for n in names.iter().rev() {
        let raw = dir.read(n);
        if n.ends_with(".gz") {
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut kept)
                .expect("gunzip");
        } else {
            kept.extend(raw);
        }
    }
    kept.extend(dir.read("app.log"));
    assert!(input.ends_with(&kept) && kept.len() > 3 * 60_000);
}

/// logrotate's dateext through `rotate`: recorded beside the set, so a
/// later `rotate` without the option names backups alike; a second
/// rotation the same day gets `-1`; a pattern never takes a dated backup
/// for a set; the count deletes the oldest.
#[test]
fn rotate_with_dateext_records_the_naming_and_globs_skip_dated_backups() {
    let dir = Dir::new();
    let day = chrono::Local::now().format("%Y%m%d").to_string();
    dir.write("b.log", b"one\n");
    dir.ok(&["rotate", "--backup-names", "date:-%Y%m%d", "b.log"], b"");
    dir.write("b.log", b"two\n");
    dir.ok(&["rotate", "b.log"], b"");
    dir.write("b.log", b"three\n");
    dir.ok(&["rotate", "*"], b"");
    let today = chrono::Local::now().format("%Y%m%d").to_string();
    if today != day {
        return; // Midnight passed mid-test: the names differ by a day.
    }
    assert_eq!(
        dir.names(),
        [
            "b.log".to_string(),
            format!("b.log-{day}"),
            format!("b.log-{day}-1"),
            format!("b.log-{day}-2"),
        ]
    );
    assert_eq!(dir.read(&format!("b.log-{day}-2")), b"three\n");
    dir.write("b.log", b"four\n");
    dir.ok(&["rotate", "-c", "2", "b.log"], b"");
    assert_eq!(
        dir.names(),
        [
            "b.log".to_string(),
            format!("b.log-{day}-2"),
            format!("b.log-{day}-3"),
        ]
    );
    assert_eq!(dir.read(&format!("b.log-{day}-3")), b"four\n");
}

#[test]
fn a_format_that_reads_as_numbers_is_a_usage_error_and_mixed_sets_an_error() {
    let dir = Dir::new();
    let out = dir.run(&["--backup-names", "date:.%Y%m%d", "app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("would read as a numbered backup"), "{err}");
    assert!(dir.names().is_empty(), "a refused run leaves nothing");

    dir.write("app.log", b"a\n");
    dir.write("app.log.1", b"old\n");
    let out = dir
        .cmd(&["rotate", "--backup-names", "date", "app.log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("numbered backups") && err.contains("app.log.1"),
        "{err}"
    );
    assert_eq!(dir.names(), ["app.log", "app.log.1"], "nothing rotated");
}

#[test]
fn a_percent_name_takes_the_date_in_place_of_the_percent() {
    let dir = Dir::new();
    dir.ok(
        &[
            "-s",
            "1K",
            "-c",
            "100",
            "--backup-names",
            "date",
            "app.%.log",
        ],
        &numbered(100, 30),
    );
    let names = dir.names();
    assert!(names.contains(&"app.000.log".to_string()), "{names:?}");
    let stamp = regex_like(&names);
    assert!(stamp > 1, "{names:?}");
}

/// How many names look like `app.YYYYMMDD-HHMMSS[-N].log`.
fn regex_like(names: &[String]) -> usize {
    names
        .iter()
        .filter(|n| {
            let Some(mid) = n.strip_prefix("app.").and_then(|r| r.strip_suffix(".log")) else {
                return false;
            };
            let b = mid.as_bytes();
            b.len() >= 15
                && b[..8].iter().all(u8::is_ascii_digit)
                && b[8] == b'-'
                && b[9..15].iter().all(u8::is_ascii_digit)
        })
        .count()
}

/// A rotation cut short between the swap and the rename leaves the old
/// main file under rollover's own name: the next `rotate` names it for its
/// start, ranked before the backup it makes itself.
#[test]
fn a_rotation_a_crash_cut_short_is_finished_with_a_date_name() {
    let dir = Dir::new();
    dir.write("b.log", b"first\n");
    dir.ok(&["rotate", "--backup-names", "date", "b.log"], b"");
    dir.write(".b.log.rollover-new", b"crashed\n");
    dir.write("b.log", b"new\n");
    dir.ok(&["rotate", "b.log"], b"");
    assert!(!dir.all_names().contains(&".b.log.rollover-new".to_string()));
    let mut names = dated(&dir, "b.log", ".");
    names.sort_by_key(|n| rank_key(n, "b.log"));
    let contents: Vec<Vec<u8>> = names.iter().map(|n| dir.read(n)).collect();
    assert_eq!(
        contents,
        [&b"first\n"[..], b"crashed\n", b"new\n"],
        "{names:?}"
    );
}
