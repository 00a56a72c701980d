//! What a person types: shell-expanded globs, `%` sets under two names,
//! `status` on what is not a set, refused runs, typos, strftime habits,
//! and a `rotate` that must keep the count the last writer kept.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::util::{BIN, Dir, Live, as_nobody, have};

/// Runs a command with no stdin; returns (exit code, stdout, stderr).
fn run(dir: &Dir, args: &[&str]) -> (i32, String, String) {
    let out = dir.cmd(args).stdin(Stdio::null()).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_unquoted_glob_rotates_each_set_once() {
    let dir = Dir::new();
    for (name, data) in [
        ("app.log", "main\n"),
        ("app.log.1", "one\n"),
        ("app.log.2.gz", "gz"),
        ("web.log", "web\n"),
    ] {
        dir.write(name, data.as_bytes());
    }
    // What the shell makes of `rollover rotate *`.
    let mut args = vec!["rotate"];
    let names = dir.names();
    args.extend(names.iter().map(String::as_str));
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "one warning: {err}");
    assert!(
        err.contains("skipped 2 backups") && err.contains("app.log.1 (of app.log)"),
        "{err}"
    );
    assert_eq!(
        dir.names(),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.3.gz",
            "web.log",
            "web.log.1"
        ]
    );
    assert_eq!(dir.set_content("app.log"), b"one\nmain\n");
}

#[test]
fn a_percent_set_is_one_set_under_both_names() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["-c", "5", "app.%.log"], "app.0.log");
    live.send_visible(&dir, "app.0.log", b"first\n");
    // A second writer by the main file's own name is the same set.
    let (code, _, err) = run(&dir, &["app.0.log"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("pid {}", live.pid())), "{err}");
    // rotate by that name asks the writer: no orphan app.0.log.1.
    let (code, _, err) = run(&dir, &["rotate", "app.0.log"]);
    assert_eq!(code, 0, "{err}");
    live.send_visible(&dir, "app.0.log", b"second\n");
    // A pattern that matches the backups too rotates the set once.
    let (code, _, err) = run(&dir, &["rotate", "*.log"]);
    assert_eq!(code, 0, "{err}");
    assert!(live.finish().status.success());
    assert_eq!(dir.names(), ["app.0.log", "app.1.log", "app.2.log"]);
    assert_eq!(dir.read("app.2.log"), b"first\n");
    assert_eq!(dir.read("app.1.log"), b"second\n");
    assert_eq!(dir.read("app.0.log"), b"");
}

#[test]
fn a_plain_writer_on_the_main_file_blocks_a_percent_writer() {
    let dir = Dir::new();
    // No `%` history yet: app.0.log is a set of its own name...
    let live = Live::ready(&dir, &["app.0.log"], "app.0.log");
    // ...and a writer on app.%.log, whose main file it is, must not write
    // beside it.
    let (code, _, err) = run(&dir, &["app.%.log"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("pid {}", live.pid())), "{err}");
    assert!(
        !dir.exists(".app.%.log.rollover-lock"),
        "the refusal left a lock"
    );
    assert!(live.finish().status.success());
}

#[test]
fn node_logs_without_rollover_history_stay_separate_sets() {
    let dir = Dir::new();
    dir.write("node0.log", b"zero\n");
    dir.write("node1.log", b"one\n");
    let (code, _, err) = run(&dir, &["rotate", "node0.log", "node1.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        dir.names(),
        ["node0.log", "node0.log.1", "node1.log", "node1.log.1"]
    );
}

#[test]
fn status_on_what_is_not_a_set() {
    let dir = Dir::new();
    let (code, out, err) = run(&dir, &["status", "missing.log"]);
    assert_eq!(code, 1);
    assert_eq!(out, "", "nothing, not a blank line");
    assert!(
        err.contains("cannot show missing.log: No such file or directory"),
        "{err}"
    );
    std::fs::create_dir(dir.join("adir")).expect("mkdir");
    let (code, _, err) = run(&dir, &["status", "adir"]);
    assert_eq!(code, 1);
    assert!(err.contains("adir: it is a directory"), "{err}");
    // A quoted pattern, as rotate takes it; sizes in the largest unit that
    // keeps them at least 1.
    dir.write("a.log", &vec![b'x'; (1 << 20) - 1]);
    dir.write("b.log", b"b\n");
    let (code, out, err) = run(&dir, &["status", "*.log"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("a.log") && out.contains("b.log"), "{out}");
    assert!(out.contains("1.0M") && !out.contains("1024.0K"), "{out}");
    assert!(dir.names().iter().all(|n| !n.contains(".rollover-")));
}

#[test]
fn refused_runs_leave_nothing_behind() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("adir")).expect("mkdir");
    std::os::unix::fs::symlink("elsewhere", dir.join("link.log")).expect("symlink");
    let before = dir.all_names();
    for (args, says) in [
        (&["adir"][..], "not a regular file"),
        (&["link.log"][..], "symbolic link"),
    ] {
        let (code, _, err) = run(&dir, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(dir.all_names(), before, "{args:?} left files behind");
    }
}

#[test]
fn typos_of_a_command_are_usage_errors_that_say_what_to_type() {
    let dir = Dir::new();
    for (typo, meant) in [("rotat", "rotate"), ("stauts", "status"), ("rset", "reset")] {
        let (code, _, err) = run(&dir, &[typo, "x.log"]);
        assert_eq!(code, 2, "{typo}: {err}");
        assert!(
            err.contains(&format!("did you mean 'rollover {meant}'")),
            "{err}"
        );
        assert!(err.contains(&format!("'rollover ./{typo}'")), "{err}");
    }
    assert!(dir.all_names().is_empty(), "a typo created files");
    let (code, out, _) = run(&dir, &["help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage:"), "{out}");
    let (code, out, _) = run(&dir, &["rotate", "-V"]);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    // The format must follow '='; a separate word would be the PATH.
    let (code, _, err) = run(&dir, &["--timestamp", "unix", "f.log"]);
    assert_eq!(code, 2);
    assert!(err.contains("--timestamp=unix"), "{err}");
    // A strftime habit from rotatelogs.
    let (code, _, err) = run(&dir, &["access.%Y.log"]);
    assert_eq!(code, 2);
    assert!(err.contains("--backup-names date"), "{err}");
    let (code, _, err) = run(&dir, &["-c", "-1", "app.log"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--max-count") && err.contains("whole number"),
        "{err}"
    );
    assert!(dir.all_names().is_empty(), "a usage error created files");
}

#[test]
fn a_writer_at_a_terminal_says_so_once() {
    if !have("script") {
        return;
    }
    let dir = Dir::new();
    // `script` gives the writer a terminal; its input ends at once.
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{BIN} t.log"), "/dev/null"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("reading from the terminal (end with Ctrl-D)")
            .count(),
        1,
        "{text}"
    );
    // Through a pipe it says nothing.
    let (code, _, err) = run(&dir, &["p.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn a_user_without_access_is_told_which_directory() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("logs")).expect("mkdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(dir.join("logs"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let Some((code, err)) = as_nobody(&dir, &["logs/app.log"]) else {
        return;
    };
    assert_eq!(code, 1);
    assert!(
        err.contains("no write access to directory logs") && err.contains("Permission denied"),
        "{err}"
    );
    assert!(
        !err.contains("rollover-lock"),
        "names an internal file: {err}"
    );
    assert!(dir.names().iter().all(|n| n == "logs"));
    assert!(
        std::fs::read_dir(dir.join("logs"))
            .expect("ls")
            .next()
            .is_none()
    );
}

#[test]
fn rotate_keeps_the_count_the_last_writer_kept() {
    let dir = Dir::new();
    // 19 backups written with -c 1000; then cron rotates without -c.
    let input: Vec<u8> = (0..20)
        .flat_map(|i| format!("line {i:02}\n").into_bytes())
        .collect();
    dir.ok(&["-s", "8", "-c", "1000", "app.log"], &input);
    assert_eq!(dir.backups("app.log").len(), 19);
    let (code, _, err) = run(&dir, &["rotate", "app.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(dir.backups("app.log").len(), 20, "history lost");
    assert_eq!(dir.set_content("app.log"), input);
    // A set with no recorded count loses backups to the default only with
    // a word on stderr naming how many.
    let other = Dir::new();
    other.write("x.log", b"main\n");
    for n in 1..=8 {
        other.write(&format!("x.log.{n}"), format!("{n}\n").as_bytes());
    }
    let (code, out, err) = run(&other, &["rotate", "x.log"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        err.contains("deleted 4 backups of x.log to keep 5 (the default count)"),
        "{err}"
    );
    assert_eq!(other.backups("x.log").len(), 5);
    // At its count, a rotation drops the oldest without a word (cron).
    other.write("x.log", b"again\n");
    let (code, _, err) = run(&other, &["rotate", "x.log"]);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn rotate_verbose_says_why_it_skips() {
    let dir = Dir::new();
    dir.write("empty.log", b"");
    dir.write("small.log", b"x\n");
    let (code, out, _) = run(
        &dir,
        &["rotate", "-v", "-s", "1M", "empty.log", "small.log"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("skip empty.log: its main file is empty"),
        "{out}"
    );
    assert!(out.contains("skip small.log: rotated "), "{out}");
    assert!(
        out.contains(", 2 bytes, not over max-size 1048576\n"),
        "{out}"
    );
    assert_eq!(dir.names(), ["empty.log", "small.log"]);
}
