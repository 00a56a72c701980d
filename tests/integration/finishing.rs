//! Hooks, retention and calendar rotation, for the writer and `rotate`.

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::util::{Dir, Ext4, Live, numbered, wait_until};

#[test]
fn a_writer_runs_the_hook_once_per_finished_backup() {
    let dir = Dir::new();
    let hook = "read x && echo STDIN-NOT-NULL; \
                echo \"$1|$2|$ROLLOVER_MAIN|$ROLLOVER_BACKUP|$ROLLOVER_REASON\" >> hooks.txt; \
                echo from-the-hook";
    let out = dir.run(
        &[
            "-s",
            "100",
            "-c",
            "50",
            "--compress",
            "gzip",
            "--on-rotate",
            hook,
            "app.log",
        ],
        &numbered(20, 5),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Standard output goes to rollover's standard error; stdin is empty.
    assert!(stderr.contains("from-the-hook"), "{stderr}");
    assert!(!stderr.contains("STDIN-NOT-NULL"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("from-the-hook"));
    let calls = String::from_utf8_lossy(&dir.read("hooks.txt")).into_owned();
    let backups = dir.names().iter().filter(|n| n.ends_with(".gz")).count();
    assert_eq!(calls.lines().count(), backups, "{calls}");
    for line in calls.lines() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f[0], "app.log");
        assert_eq!(f[2], "app.log");
        assert_eq!(f[1], f[3], "$2 is ROLLOVER_BACKUP");
        assert!(
            f[3].ends_with(".gz"),
            "the finished (compressed) name: {line}"
        );
        assert_eq!(f[4], "size");
    }
}

#[test]
fn the_writer_never_waits_for_a_slow_hook_and_warns_when_one_fails() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &[
            "--on-rotate",
            "sleep 3; exit 7",
            "--hook-timeout",
            "1s",
            "app.log",
        ],
        "app.log",
    );
    live.send_visible(&dir, "app.log", b"one\n");
    live.signal(rustix::process::Signal::ALARM);
    wait_until("the rotation", Duration::from_secs(5), || {
        dir.exists("app.log.1")
    });
    // The hook sleeps; lines still go through at once.
    let sent = Instant::now();
    live.send_visible(&dir, "app.log", b"two\n");
    assert!(
        sent.elapsed() < Duration::from_millis(900),
        "waited for the hook"
    );
    let out = live.finish();
    assert!(out.status.success(), "a failed hook is a warning");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: hook 'sleep 3; exit 7' for app.log was killed after 1s"),
        "{err}"
    );
}

#[test]
fn rotate_runs_the_hook_right_after_the_rename_and_fails_with_it() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    // The backup is still plain when the hook runs (the program writing the
    // file may still be writing to it); it is compressed after.
    let out = dir
        .cmd(&[
            "rotate",
            "--compress",
            "gzip",
            "--on-rotate",
            "test -f \"$ROLLOVER_BACKUP\" && echo \"$ROLLOVER_REASON $2\" > seen; exit 3",
            "app.log",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("rotate");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hook 'test -f"), "{err}");
    assert_eq!(dir.read("seen"), b"request app.log.1\n");
    assert_eq!(dir.names(), ["app.log", "app.log.1.gz", "seen"]);
}

#[test]
fn max_total_keeps_the_backups_within_a_size() {
    let dir = Dir::new();
    let input = numbered(20_000, 30);
    dir.ok(
        &["-s", "32K", "-c", "1000", "--max-total", "100K", "app.log"],
        &input,
    );
    let backups = dir.backups("app.log");
    let total: usize = backups.iter().map(|(_, d)| d.len()).sum();
    assert!(total <= 100 * 1024, "{total} bytes of backups");
    assert!(total > 60 * 1024, "deleted too much: {total}");
    // The newest ones are kept, whole and in order.
    let kept: Vec<u8> = dir.set_content("app.log");
    assert!(input.ends_with(&kept));
    assert_eq!(backups.last().map(|b| b.0), Some(1));
}

#[test]
fn max_backup_age_deletes_old_backups_even_without_a_rotation() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    for n in 1..=3 {
        dir.write(&format!("app.log.{n}"), b"old\n");
    }
    let old = filetime::FileTime::from_unix_time(1_000_000_000, 0);
    for n in [2, 3] {
        filetime::set_file_mtime(dir.join(&format!("app.log.{n}")), old).expect("mtime");
    }
    // Not due (-s 1G): nothing rotates, but the old backups go.
    let out = dir.run(
        &["rotate", "-s", "1G", "--max-backup-age", "30d", "app.log"],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.names(), ["app.log", "app.log.1"]);
}

/// A POSIX TZ whose local hour begins `secs` seconds from now.
fn zone_with_an_hour_starting_in(secs: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    // Local time is UTC plus `off`; an hour starts where (utc + off) is a
    // multiple of 3600.
    let off = (3600 - (now + secs) % 3600) % 3600;
    // POSIX counts west of UTC as positive: local ahead is negative.
    format!("ROT-{}:{:02}:{:02}", off / 3600, off / 60 % 60, off % 60)
}

#[test]
fn every_hour_rotates_within_a_second_of_the_boundary() {
    let dir = Dir::new();
    let tz = zone_with_an_hour_starting_in(3);
    let boundary = Instant::now() + Duration::from_secs(3);
    let mut cmd = dir.cmd(&["--every", "hour", "app.log"]);
    cmd.env("TZ", &tz);
    let mut live = Live::spawn(cmd);
    wait_until("the main file", Duration::from_secs(5), || {
        dir.exists("app.log")
    });
    live.send_visible(&dir, "app.log", b"before the hour\n");
    wait_until("the rotation", Duration::from_secs(10), || {
        dir.exists("app.log.1")
    });
    let at = Instant::now();
    assert!(
        at + Duration::from_millis(100) >= boundary,
        "rotated {:?} before the hour ({tz})",
        boundary - at
    );
    assert!(
        at <= boundary + Duration::from_millis(1500),
        "rotated {:?} after the hour",
        at - boundary
    );
    assert_eq!(dir.read("app.log.1"), b"before the hour\n");
    live.send_visible(&dir, "app.log", b"after\n");
    assert!(live.finish().status.success());
}

#[test]
fn rotate_every_day_leaves_a_file_born_today() {
    let dir = Dir::new();
    dir.write("app.log", b"today\n");
    let out = dir.run(&["rotate", "-v", "--every", "day", "app.log"], b"");
    assert!(out.status.success());
    // Why, and when it is next due: the start of tomorrow.
    let tomorrow = chrono::Local::now()
        .date_naive()
        .succ_opt()
        .expect("a tomorrow")
        .format("%Y-%m-%d 00:00");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.starts_with("skip app.log: rotated "), "{said}");
    assert!(
        said.ends_with(&format!(", every day; due from {tomorrow}\n")),
        "{said}"
    );
    assert_eq!(dir.names(), ["app.log"]);
}

#[test]
fn a_slow_hook_reads_its_own_backup_while_the_writer_renumbers_it() {
    let dir = Dir::new();
    // Each hook takes a while; meanwhile the writer rotates again and the
    // backup's number changes. The stable name still reads that backup.
    let mut live = Live::ready(
        &dir,
        &[
            "-s",
            "100",
            "-c",
            "100",
            "--on-rotate",
            "sleep 0.2; cat \"$ROLLOVER_BACKUP_FILE\" >> shipped.txt",
            "app.log",
        ],
        "app.log",
    );
    for i in 0..12 {
        // One line of 80 bytes: a rotation at each line but the first.
        let line = format!("{i:079}\n");
        live.send_visible(&dir, "app.log", line.as_bytes());
        let backups = i;
        wait_until("the rotation", Duration::from_secs(5), || {
            dir.backups("app.log").len() >= backups
        });
    }
    let out = live.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let backups = dir.backups("app.log");
    assert_eq!(backups.len(), 11);
    let all: Vec<u8> = backups.into_iter().flat_map(|(_, d)| d).collect();
    // Hooks run oldest backup first: shipped is the backups, in order.
    assert_eq!(
        String::from_utf8_lossy(&dir.read("shipped.txt")),
        String::from_utf8_lossy(&all)
    );
    assert!(!dir.all_names().iter().any(|n| n.contains("rollover-hook")));
}

/// Each hook gets its own backup, where the file system gives a freed
/// inode number to the next new file at once: compression frees the plain
/// backup's number, the next main file takes it, and that file's hook, a
/// rotation later, must not be handed the backup compressed before under
/// the same number. One rotation at a time, each finished before the next.
#[test]
fn each_hook_ships_its_own_backup_where_inode_numbers_come_back_at_once() {
    let dir = Dir::new();
    let Some(fs) = Ext4::mount(dir.join("fs"), 64) else {
        return;
    };
    std::fs::create_dir(dir.join("shipped")).expect("mkdir");
    let mut w = Live::start(
        &dir,
        &[
            "-s",
            "2K",
            "-c",
            "1000",
            "--compress",
            "gzip",
            "--on-rotate",
            "cat \"$ROLLOVER_BACKUP_FILE\" > \"$(mktemp -p shipped)\"",
            "fs/app.log",
        ],
    );
    // The files of a directory whose names `keep` takes.
    let files = |d: &std::path::Path, keep: &dyn Fn(&str) -> bool| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(d)
            .expect("ls")
            .map(|e| e.expect("entry").path())
            .filter(|p| keep(&p.file_name().unwrap_or_default().to_string_lossy()))
            .collect()
    };
    let count = |d: &std::path::Path, keep: &dyn Fn(&str) -> bool| files(d, keep).len();
    let plain = |n: &str| {
        n.strip_prefix("app.log.")
            .is_some_and(|r| r.bytes().all(|b| b.is_ascii_digit()))
    };
    // 32 lines of 64 bytes: each chunk fills the main file to its limit,
    // so each one after the first makes one rotation.
    for chunk in 0..40 {
        let data: Vec<u8> = (0..32)
            .flat_map(|i| format!("line {:08} {}\n", chunk * 32 + i, "x".repeat(49)).into_bytes())
            .collect();
        w.send(&data);
        wait_until(
            "the backup compressed and shipped",
            Duration::from_secs(10),
            || {
                count(&fs.path, &|n| n.ends_with(".gz")) == chunk
                    && count(&dir.join("shipped"), &|_| true) == chunk
                    && count(&fs.path, &plain) == 0
            },
        );
    }
    let out = w.finish();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read_all = |d: &std::path::Path, keep: &dyn Fn(&str) -> bool| {
        let mut v: Vec<Vec<u8>> = files(d, keep)
            .into_iter()
            .map(|p| std::fs::read(p).expect("read"))
            .collect();
        v.sort();
        v
    };
    let local = read_all(&fs.path, &|n| n.ends_with(".gz"));
    let shipped = read_all(&dir.join("shipped"), &|_| true);
    assert_eq!(local.len(), 39);
    assert!(shipped == local, "each backup shipped once, byte-identical");
}

#[test]
fn a_hook_killed_at_its_timeout_takes_what_it_started_with_it() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    // The hook starts a pipeline whose `sleep` would outlive a kill of the
    // shell alone; it records its own process group first.
    let out = dir
        .cmd(&[
            "rotate",
            "--on-rotate",
            "cut -d' ' -f5 /proc/$$/stat > group; sleep 77 | cat; true",
            "--hook-timeout",
            "1s",
            "app.log",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("rotate");
    assert_eq!(out.status.code(), Some(1), "a killed hook fails rotate");
    let group: i32 = String::from_utf8_lossy(&dir.read("group"))
        .trim()
        .parse()
        .expect("a process group id");
    // Nothing of the hook's group is left once rotate has returned (the
    // kernel may take a moment to reap a killed process's children).
    let in_group = || {
        std::fs::read_dir("/proc")
            .expect("/proc")
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|stat| {
                // The fields after the command's closing parenthesis:
                // state, ppid, pgrp.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(2))
                    .and_then(|g| g.parse::<i32>().ok())
                    == Some(group)
            })
            .filter(|stat| {
                !stat
                    .rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .count()
    };
    wait_until(
        "the hook's group to be gone",
        Duration::from_secs(5),
        || in_group() == 0,
    );
}

/// A failed hook is one line naming its command's first line and the
/// set's file, not the whole script.
#[test]
fn a_failed_hook_is_one_line_naming_its_first_line_and_the_file() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    let out = dir
        .cmd(&["rotate", "--on-rotate", "true\nexit 4", "app.log"])
        .stdin(Stdio::null())
        .output()
        .expect("rotate");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "rollover: hook 'true ...' for app.log failed: exit status: 4\n"
    );
}
