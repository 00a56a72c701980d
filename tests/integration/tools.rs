//! `rotate`, `reset` and `status`: alone on a set, beside a live writer,
//! over globs, on damaged sets, and from a user who may not modify the set.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use predicates::prelude::*;
use rustix::process::Signal;

use crate::util::{BIN, Dir, Live, as_nobody, one_line_naming, wait_until};

/// Runs a tool and returns (exit code, stdout, stderr).
fn outcome(dir: &Dir, args: &[&str]) -> (i32, String, String) {
    let out = dir.cmd(args).stdin(Stdio::null()).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_whole_lines_no_empty_backup(dir: &Dir, base: &str) {
    for (n, data) in dir.backups(base) {
        assert!(!data.is_empty(), "backup {n} is empty");
        assert!(data.ends_with(b"\n"), "backup {n} ends mid-line");
    }
}

#[test]
fn rotate_alone_renames_and_is_silent() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", b"one\n");
    let (code, out, err) = outcome(&dir, &["rotate", "app.log"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(dir.names(), ["app.log", "app.log.1", "app.log.2"]);
    assert_eq!(dir.read("app.log"), b"");
    assert_eq!(dir.read("app.log.1"), b"main\n");
    assert_eq!(dir.read("app.log.2"), b"one\n");
    // An empty main file is not rotated.
    let (code, _, _) = outcome(&dir, &["rotate", "app.log"]);
    assert_eq!(code, 0);
    assert_eq!(dir.names(), ["app.log", "app.log.1", "app.log.2"]);
}

#[test]
fn rotate_count_and_conditions() {
    let dir = Dir::new();
    dir.write("app.log", &[b'x'; 50]);
    for n in 1..=4 {
        dir.write(&format!("app.log.{n}"), format!("{n}\n").as_bytes());
    }
    // Conditions not met: nothing happens.
    assert_eq!(outcome(&dir, &["rotate", "-s", "100", "app.log"]).0, 0);
    assert_eq!(outcome(&dir, &["rotate", "-a", "1h", "app.log"]).0, 0);
    assert_eq!(dir.read("app.log").len(), 50);
    // Either condition suffices.
    assert_eq!(
        outcome(
            &dir,
            &["rotate", "-s", "10", "-a", "1h", "-c", "3", "app.log"]
        )
        .0,
        0
    );
    assert_eq!(
        dir.names(),
        ["app.log", "app.log.1", "app.log.2", "app.log.3"]
    );
    assert_eq!(dir.read("app.log.2"), b"1\n");
    assert_eq!(dir.read("app.log.3"), b"2\n");
}

#[test]
fn dry_run_changes_nothing_and_verbose_tells() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", b"one\n");
    dir.write("app.log.2", b"two\n");
    let before = dir.all_names();
    let (code, out, _) = outcome(&dir, &["rotate", "--dry-run", "-c", "2", "app.log"]);
    assert_eq!(code, 0);
    assert_eq!(dir.all_names(), before, "dry run changed the directory");
    assert!(out.contains("delete app.log.2"), "{out}");
    assert!(out.contains("rename app.log.1 to app.log.2"), "{out}");
    assert!(out.contains("rename app.log to app.log.1"), "{out}");
    let (code, out2, _) = outcome(&dir, &["rotate", "-v", "-c", "2", "app.log"]);
    assert_eq!(code, 0);
    assert_eq!(out, out2, "-v prints what --dry-run promised");
    assert_eq!(dir.read("app.log.2"), b"one\n");
}

#[test]
fn globs_never_take_a_backup_for_a_set() {
    let dir = Dir::new();
    std::fs::create_dir_all(dir.join("logs/sub")).expect("mkdir");
    for (name, data) in [
        ("logs/app.log", "app\n"),
        ("logs/app.log.1", "app1\n"),
        ("logs/app.log.2.gz", "gz"),
        ("logs/web.log", "web\n"),
        ("logs/web.log.01", "web1\n"),
        ("logs/sub/deep.log", "deep\n"),
    ] {
        dir.write(name, data.as_bytes());
    }
    let (code, _, err) = outcome(&dir, &["rotate", "logs/*"]);
    assert_eq!(code, 0, "{err}");
    let logs: Vec<String> = std::fs::read_dir(dir.join("logs"))
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        logs,
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.3.gz",
            "sub",
            "web.log",
            "web.log.1",
            "web.log.2"
        ]
    );
    assert_eq!(dir.read("logs/app.log.1"), b"app\n");
    assert_eq!(dir.read("logs/web.log.2"), b"web1\n");
    assert_eq!(
        dir.read("logs/sub/deep.log"),
        b"deep\n",
        "* does not descend"
    );
    // ** descends.
    let (code, _, _) = outcome(&dir, &["rotate", "logs/**/*.log"]);
    assert_eq!(code, 0);
    assert_eq!(dir.read("logs/sub/deep.log.1"), b"deep\n");
}

#[test]
fn missing_sets_fail_unless_missing_ok_and_others_go_on() {
    let dir = Dir::new();
    dir.write("good.log", b"g\n");
    let (code, _, err) = outcome(&dir, &["rotate", "nothing*.log", "missing.log", "good.log"]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 2, "one line per failure: {err}");
    assert!(
        err.contains("nothing*.log") && err.contains("missing.log"),
        "{err}"
    );
    assert_eq!(
        dir.read("good.log.1"),
        b"g\n",
        "the good set was rotated anyway"
    );
    let (code, _, err) = outcome(
        &dir,
        &["rotate", "--missing-ok", "nothing*.log", "missing.log"],
    );
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn damaged_sets_are_rotated_without_overwriting_anything() {
    let dir = Dir::new();
    // A gap at 2 and a half-done cascade (4 moved to 5, 3 not yet moved),
    // with the mark a crashed cascade leaves.
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", b"one\n");
    dir.write("app.log.3", b"three\n");
    dir.write("app.log.5", b"four\n");
    dir.write(".app.log.rollover-lock", br#"{"cascading":true}"#);
    // Names that are not the set's.
    for other in [
        "app.log.txt",
        "app.logx",
        "other.log.1",
        "app.log.0",
        "app.log.1x",
    ] {
        dir.write(other, b"not ours\n");
    }
    assert_eq!(outcome(&dir, &["rotate", "-c", "9", "app.log"]).0, 0);
    // The crash's gaps are closed on the way: numbered 1..4 in age order,
    // and the mark is gone.
    assert_eq!(dir.read("app.log.1"), b"main\n");
    assert_eq!(dir.read("app.log.2"), b"one\n");
    assert_eq!(dir.read("app.log.3"), b"three\n");
    assert_eq!(dir.read("app.log.4"), b"four\n");
    assert!(!dir.exists("app.log.5") && !dir.exists("app.log.6"));
    // The mark went with the lock file, which rotate removes when done.
    assert!(!dir.exists(".app.log.rollover-lock"), "{}", dir.listing());
    // With a count below the number of backups, the oldest go.
    dir.write("app.log", b"next\n");
    assert_eq!(outcome(&dir, &["rotate", "-c", "3", "app.log"]).0, 0);
    assert_eq!(dir.set_content("app.log"), b"one\nmain\nnext\n");
    for other in [
        "app.log.txt",
        "app.logx",
        "other.log.1",
        "app.log.0",
        "app.log.1x",
    ] {
        assert_eq!(dir.read(other), b"not ours\n", "{other} was touched");
    }
}

/// A gap that no crashed cascade left (someone deleted a backup) moves up
/// with the rest, as logrotate moves it: 1, 3, 4 become 2, 4, 5.
#[test]
fn a_gap_from_elsewhere_moves_up_with_the_rest() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    for n in [1, 3, 4] {
        dir.write(&format!("app.log.{n}"), format!("{n}\n").as_bytes());
    }
    assert_eq!(outcome(&dir, &["rotate", "-c", "5", "app.log"]).0, 0);
    assert_eq!(
        dir.names(),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.4",
            "app.log.5"
        ]
    );
    assert_eq!(dir.read("app.log.1"), b"main\n");
    assert_eq!(dir.read("app.log.2"), b"1\n");
    assert_eq!(dir.read("app.log.4"), b"3\n");
    assert_eq!(dir.read("app.log.5"), b"4\n");
    // At the count, the one that would move past it goes.
    dir.write("app.log", b"next\n");
    assert_eq!(outcome(&dir, &["rotate", "-c", "5", "app.log"]).0, 0);
    assert_eq!(
        dir.names(),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.3",
            "app.log.5"
        ]
    );
    assert_eq!(dir.read("app.log.5"), b"3\n");
}

#[test]
fn a_crash_between_swap_and_rename_is_finished() {
    // The old main file waits under rollover's own name, backup 1 is free.
    let dir = Dir::new();
    dir.write("app.log", b"newest\n");
    dir.write(".app.log.rollover-new", b"crashed main\n");
    dir.write("app.log.2", b"older\n");
    assert_eq!(outcome(&dir, &["rotate", "app.log"]).0, 0);
    assert!(!dir.exists(".app.log.rollover-new"));
    assert_eq!(dir.set_content("app.log"), b"older\ncrashed main\nnewest\n");
    assert_eq!(dir.read("app.log.1"), b"newest\n");
}

#[test]
fn reset_alone_empties_the_main_file_only() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", b"one\n");
    assert_eq!(outcome(&dir, &["reset", "app.log"]).0, 0);
    assert_eq!(dir.read("app.log"), b"");
    assert_eq!(dir.read("app.log.1"), b"one\n");
    let (code, _, err) = outcome(&dir, &["reset", "missing.log"]);
    assert_eq!(code, 1);
    one_line_naming(err.as_bytes(), "missing.log");
}

/// A feeder writing numbered lines to a live writer until told to stop;
/// returns everything it sent.
fn feeder(
    mut stdin: std::process::ChildStdin,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut sent = Vec::new();
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let mut batch = Vec::new();
            for _ in 0..50 {
                batch.extend_from_slice(
                    format!("line {i:08} {}\n", "x".repeat((i % 97) as usize)).as_bytes(),
                );
                i += 1;
            }
            stdin.write_all(&batch).expect("feed");
            sent.extend_from_slice(&batch);
            std::thread::sleep(Duration::from_micros(200));
        }
        sent
    })
}

fn rotate_loops_beside_a_live_writer(loops: usize, each: usize) {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["-s", "0", "-c", "100000", "app.log"], "app.log");
    let stop = Arc::new(AtomicBool::new(false));
    let feed = feeder(live.stdin.take().expect("stdin"), Arc::clone(&stop));
    let workers: Vec<_> = (0..loops)
        .map(|_| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for _ in 0..each {
                    let out = std::process::Command::new(BIN)
                        .args(["rotate", "-c", "100000", "app.log"])
                        .current_dir(&path)
                        .output()
                        .expect("rotate");
                    assert!(
                        out.status.success(),
                        "rotate failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("rotate loop");
    }
    stop.store(true, Ordering::Relaxed);
    let sent = feed.join().expect("feeder");
    let out = live.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        dir.set_content("app.log"),
        sent,
        "every byte exactly once, in order"
    );
    assert_whole_lines_no_empty_backup(&dir, "app.log");
    // Requests that arrive together share one rotation, and an empty main
    // file is not rotated: fewer rotations than requests, but many.
    let rotations = dir.backups("app.log").len();
    assert!(
        rotations >= 20,
        "only {rotations} rotations for {} requests",
        loops * each
    );
}

#[test]
fn two_hundred_rotates_beside_a_live_writer() {
    rotate_loops_beside_a_live_writer(1, 200);
}

#[test]
fn two_parallel_rotate_loops_beside_a_live_writer() {
    rotate_loops_beside_a_live_writer(2, 100);
}

#[test]
fn rotate_with_another_count_warns_and_uses_the_writers() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["-c", "7", "app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"a\n");
    let (code, _, err) = outcome(&dir, &["rotate", "-c", "3", "app.log"]);
    assert_eq!(code, 0);
    assert!(err.contains("-c 7"), "{err}");
    assert_eq!(
        dir.read("app.log.1"),
        b"a\n",
        "rotated by the writer, which returned once done"
    );
    assert!(live.finish().status.success());
}

#[test]
fn reset_beside_a_live_writer() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["--partial-timeout", "60s", "app.log"], "app.log");
    dir.write("app.log.1", b"backup\n");
    live.send(b"before\nheld partial");
    wait_until("the line", Duration::from_secs(5), || {
        dir.read("app.log") == b"before\n"
    });
    let (code, _, err) = outcome(&dir, &["reset", "app.log"]);
    assert_eq!(code, 0, "{err}");
    // Done when the command returns; the partial line was dropped.
    assert_eq!(dir.read("app.log"), b"");
    live.send(b"\nafter\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log"), b"\nafter\n");
    assert_eq!(dir.read("app.log.1"), b"backup\n");
}

#[test]
fn rotate_after_the_writer_was_killed_works_alone() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"a\n");
    live.signal(Signal::KILL);
    let _ = live.wait();
    let (code, _, err) = outcome(&dir, &["rotate", "app.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(dir.read("app.log.1"), b"a\n");
}

#[test]
fn a_writer_that_does_not_answer_changes_nothing() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"a\n");
    live.signal(Signal::STOP);
    let (code, _, err) = outcome(&dir, &["rotate", "--timeout", "300ms", "app.log"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("pid {}", live.pid())) && err.contains("did not answer"),
        "{err}"
    );
    live.signal(Signal::CONT);
    live.send(b"b\n");
    wait_until("the next line", Duration::from_secs(5), || {
        dir.read("app.log") == b"a\nb\n"
    });
    assert!(
        !dir.exists("app.log.1"),
        "a request that timed out was carried out later"
    );
    assert!(live.finish().status.success());
}

#[test]
fn another_user_cannot_make_the_writer_rotate_or_reset() {
    let dir = Dir::new();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"keep\n");
    for verb in ["rotate", "reset"] {
        let Some((code, err)) = as_nobody(&dir, &[verb, "app.log"]) else {
            return;
        };
        assert_eq!(code, 1, "{verb}: {err}");
        assert!(err.contains("Permission denied"), "{verb}: {err}");
    }
    live.send(b"more\n");
    assert!(live.finish().status.success());
    assert_eq!(
        dir.read("app.log"),
        b"keep\nmore\n",
        "the writer carried on untouched"
    );
    assert!(!dir.exists("app.log.1"));
}

#[test]
fn status_text_and_json_agree() {
    let dir = Dir::new();
    dir.write("app.log.2.gz", b"gzipped");
    dir.write("app.log.1", b"one\n");
    let mut live = Live::ready(
        &dir,
        &["-s", "1M", "-a", "1h", "-c", "4", "app.log"],
        "app.log",
    );
    live.send_visible(&dir, "app.log", b"hello\n");
    let (code, text, _) = outcome(&dir, &["status", "app.log"]);
    assert_eq!(code, 0);
    let (code, json, _) = outcome(&dir, &["status", "--json", "app.log"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("status --json parses");
    let set = &v["sets"][0];
    let pid = live.pid();
    assert_eq!(set["writer"]["pid"], pid);
    assert_eq!(set["writer"]["max_size"], 1 << 20);
    assert_eq!(set["writer"]["max_count"], 4);
    assert_eq!(set["writer"]["max_age_secs"], 3600.0);
    let next = set["writer"]["next_age_rotation_secs"]
        .as_f64()
        .expect("next age rotation");
    assert!(next > 3500.0 && next <= 3600.0, "{next}");
    assert!(text.contains(&format!("writer pid {pid}")), "{text}");
    let members = set["members"].as_array().expect("members");
    let got: Vec<(u64, &str, u64)> = members
        .iter()
        .map(|m| {
            (
                m["number"].as_u64().unwrap_or(99),
                m["name"].as_str().unwrap_or(""),
                m["size"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, "app.log", 6),
            (1, "app.log.1", 4),
            (2, "app.log.2.gz", 7)
        ]
    );
    assert_eq!(members[2]["codec"], "gz");
    // The text form lists the same members in the same order, under a
    // line of column headers.
    let header: Vec<&str> = text
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["#", "NAME", "SIZE", "AGE", "CODEC"], "{text}");
    let listed: Vec<&str> = text
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(listed, ["app.log", "app.log.1", "app.log.2.gz"]);
    assert!(live.finish().status.success());
    let (_, json, _) = outcome(&dir, &["status", "--json", "app.log"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(
        v["sets"][0]["writer"].is_null(),
        "no writer after it exited"
    );
}

#[test]
fn status_escapes_odd_names() {
    let dir = Dir::new();
    dir.write("a\nb.log", b"x\n");
    dir.write("a\nb.log.1", b"y\n");
    let (code, text, _) = outcome(&dir, &["status", "a\nb.log"]);
    assert_eq!(code, 0);
    assert_eq!(
        text.lines().count(),
        4,
        "a newline in a name forged a line: {text:?}"
    );
    assert!(text.contains("a\\x0ab.log.1"), "{text}");
    let (_, json, _) = outcome(&dir, &["status", "--json", "a\nb.log"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["sets"][0]["members"][1]["name"], "a\\x0ab.log.1");
}

#[test]
fn percent_sets_need_no_count_to_be_found() {
    let dir = Dir::new();
    dir.write("app.00.log", b"main\n");
    dir.write("app.01.log", b"one\n");
    // rotate with the default count: renamed to width 1, the main file
    // keeps its name.
    let (code, _, err) = outcome(&dir, &["rotate", "app.%.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(dir.names(), ["app.00.log", "app.1.log", "app.2.log"]);
    assert_eq!(dir.read("app.1.log"), b"main\n");
    dir.write("app.00.log", b"again\n");
    let (_, json, _) = outcome(&dir, &["status", "--json", "app.%.log"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let names: Vec<&str> = v["sets"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names, ["app.00.log", "app.1.log", "app.2.log"]);
    assert_eq!(outcome(&dir, &["reset", "app.%.log"]).0, 0);
    assert_eq!(dir.read("app.00.log"), b"");
}

#[test]
fn symlinks_numbered_at_or_above_the_count_are_deleted_not_followed() {
    let dir = Dir::new();
    dir.write("target1", b"first target\n");
    dir.write("target3", b"third target\n");
    std::os::unix::fs::symlink("target1", dir.join("app.log.1")).expect("symlink");
    std::os::unix::fs::symlink("target3", dir.join("app.log.3")).expect("symlink");
    dir.write("app.log", b"main\n");
    assert_eq!(outcome(&dir, &["rotate", "-c", "3", "app.log"]).0, 0);
    // Backup 3 was at the count: deleted (the link, never its target);
    // the link at 1 moved up like any backup.
    assert_eq!(
        dir.names(),
        ["app.log", "app.log.1", "app.log.2", "target1", "target3"]
    );
    assert!(
        dir.join("app.log.2")
            .symlink_metadata()
            .expect("2")
            .is_symlink()
    );
    assert_eq!(dir.read("target1"), b"first target\n");
    assert_eq!(dir.read("target3"), b"third target\n");
    // The writer's rotation does the same.
    std::os::unix::fs::symlink("target3", dir.join("app.log.3")).expect("symlink");
    dir.ok(&["-s", "6", "-c", "3", "app.log"], b"line1\nline2\n");
    assert_eq!(
        dir.names(),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.3",
            "target1",
            "target3"
        ]
    );
    // The new link at 3 was deleted; the one at 2 moved up into its place.
    assert_eq!(
        std::fs::read_link(dir.join("app.log.3")).expect("link"),
        std::path::Path::new("target1")
    );
    assert_eq!(dir.read("target3"), b"third target\n");
}

/// Beside a live writer, rotate uses the writer's settings; each value it
/// was given that differs is one warning naming both, and what it was not
/// given warns of nothing.
#[test]
fn rotate_beside_a_writer_warns_of_each_setting_it_gave_that_differs() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["-c", "4", "--compress", "gzip", "app.log"],
        "app.log",
    );
    live.send_visible(&dir, "app.log", b"one\n");
    let warning = |text: &'static str| {
        predicate::str::starts_with("rollover: warning: ")
            .and(predicate::str::contains("app.log is written by pid"))
            .and(predicate::str::contains(text))
    };
    dir.assert(&["rotate", "--compress", "zstd", "-c", "4", "app.log"], b"")
        .success()
        .stderr(
            warning("with --compress gzip:6, not zstd:3; its own applies")
                .and(predicate::function(|e: &str| e.lines().count() == 1)),
        );
    live.send_visible(&dir, "app.log", b"two\n");
    dir.assert(&["rotate", "app.log"], b"")
        .success()
        .stderr(predicate::str::is_empty());
    dir.assert(&["rotate", "-c", "7", "--max-total", "1M", "app.log"], b"")
        .success()
        .stderr(
            predicate::str::contains("with -c 4, not 7")
                .and(predicate::str::contains("with --max-total none, not 1.0M"))
                .and(predicate::function(|e: &str| e.lines().count() == 2)),
        );
    assert!(live.finish().status.success());
}
