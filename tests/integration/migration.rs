//! What a machine migrated from logrotate relies on: its backups' names,
//! contents and times as logrotate made them, setting by setting.

use predicates::prelude::*;

use crate::util::Dir;

fn lines(n: usize, tag: &str) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("{tag} {i:04}\n").into_bytes())
        .collect()
}

/// `--padding none` writes numbers as logrotate does (`.1` ... `.12`,
/// never `.01`), for the writer and `rotate`; `rotate` without it keeps
/// the padding the set's last writer used.
#[test]
fn padding_none_writes_numbers_as_logrotate_does() {
    let dir = Dir::new();
    dir.ok(
        &["--padding", "none", "-s", "100", "-c", "12", "app.log"],
        &lines(200, "line"),
    );
    let names = dir.names();
    assert!(names.contains(&"app.log.1".to_string()), "{names:?}");
    assert!(names.contains(&"app.log.12".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains(".0")), "{names:?}");
    dir.write("app.log", b"more\n");
    dir.assert(&["rotate", "app.log"], b"").success();
    assert!(dir.exists("app.log.1") && !dir.exists("app.log.01"));
    assert_eq!(dir.read("app.log.1"), b"more\n");

    // A logrotate history: rotate keeps its names and moves each one up.
    let lr = Dir::new();
    lr.write("access.log", b"today\n");
    lr.write("access.log.1", b"yesterday\n");
    for n in 2..=9 {
        lr.write(&format!("access.log.{n}.gz"), format!("{n}").as_bytes());
    }
    lr.assert(
        &["rotate", "--padding", "none", "-c", "14", "access.log"],
        b"",
    )
    .success()
    .stderr(predicate::str::is_empty());
    let mut want = vec![
        "access.log".to_string(),
        "access.log.1".into(),
        "access.log.2".into(),
    ];
    want.extend((3..=10).map(|n| format!("access.log.{n}.gz")));
    want.sort();
    assert_eq!(lr.names(), want);
    assert_eq!(lr.read("access.log.2"), b"yesterday\n");
    assert_eq!(lr.read("access.log.10.gz"), b"9");

    // And in a configuration file.
    let cf = Dir::new();
    cf.write("a.log", b"a\n");
    cf.write(
        "r.toml",
        b"[[set]]\npaths = [\"a.log\"]\nmax-count = 20\npadding = \"none\"\n",
    );
    cf.assert(&["rotate", "--config", "r.toml"], b"").success();
    assert_eq!(cf.names(), ["a.log", "a.log.1", "r.toml"]);
}

/// `rollover rotate logs/*` as a shell expands it over a tree with a
/// subdirectory and a logrotate date backup: each set is rotated once, the
/// directory and the backups are skipped with one warning, exit 0.
#[test]
fn a_shell_expanded_star_skips_directories_and_date_backups() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    dir.write("a.log", b"a\n");
    dir.write("a.log.1", b"older a\n");
    dir.write("b.log", b"b\n");
    dir.write("b.log-20261201", b"older b\n");
    dir.write("b.log-20261202.gz", b"gz");
    let mut args = vec!["rotate".to_string()];
    let mut names = dir.names();
    names.sort();
    args.extend(names.iter().map(|n| dir.join(n).display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    dir.assert(&args, b"").success().stderr(
        predicate::str::contains("skipped 4 arguments named as a set")
            .and(predicate::str::contains("b.log-20261201 (of"))
            .and(predicate::str::contains("sub (a directory)"))
            .and(predicate::function(|e: &str| e.lines().count() == 1)),
    );
    assert_eq!(
        dir.names(),
        [
            "a.log",
            "a.log.1",
            "a.log.2",
            "b.log",
            "b.log-20261201",
            "b.log-20261202.gz",
            "b.log.1",
            "sub"
        ]
    );
    assert_eq!(dir.read("a.log.2"), b"older a\n");
}

/// `--no-create` renames the main file and makes no new one (its program
/// makes its own, logrotate's nocreate); `--method copy` copies it to
/// backup 1 and leaves it as it is (logrotate's copy).
#[test]
fn no_create_leaves_no_main_file_and_copy_leaves_it_whole() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.assert(&["rotate", "--no-create", "a.log"], b"")
        .success();
    assert_eq!(dir.names(), ["a.log.1"]);
    assert_eq!(dir.read("a.log.1"), b"a\n");

    dir.write("c.log", b"c\n");
    dir.assert(&["rotate", "--method", "copy", "c.log"], b"")
        .success();
    assert_eq!(dir.read("c.log"), b"c\n", "left as it is");
    assert_eq!(dir.read("c.log.1"), b"c\n");
}

/// `--date-of` names a date-named backup for its rotation, the day before
/// it or an hour before it (logrotate's dateext, dateyesterday,
/// datehourago), where the default names it for its start.
#[test]
fn date_of_names_a_backup_for_the_time_asked() {
    let day = |d: chrono::DateTime<chrono::Local>| d.format("%Y%m%d").to_string();
    let now = chrono::Local::now();
    let cases = [
        ("rotation", day(now)),
        ("yesterday", day(now - chrono::Duration::days(1))),
        ("hour-ago", day(now - chrono::Duration::hours(1))),
    ];
    for (of, want) in cases {
        let dir = Dir::new();
        dir.write("a.log", b"a\n");
        dir.assert(
            &[
                "rotate",
                "--backup-names",
                "date:-%Y%m%d",
                "--date-of",
                of,
                "a.log",
            ],
            b"",
        )
        .success();
        let names = dir.names();
        // The day may turn between the test's clock and rollover's: for
        // each case the name the later clock gives is as good.
        let later = chrono::Local::now();
        let also = match of {
            "rotation" => day(later),
            "yesterday" => day(later - chrono::Duration::days(1)),
            _ => day(later - chrono::Duration::hours(1)),
        };
        assert!(
            names.contains(&format!("a.log-{want}")) || names.contains(&format!("a.log-{also}")),
            "{of}: {names:?}, want a.log-{want}"
        );
    }
}

/// logrotate's other scripts: first-action, before-rotate (per set, or
/// once with on-rotate-once), last-action and before-remove run in
/// logrotate's order, only where a set is due, each with logrotate's `$1`;
/// a failing before-rotate skips its set, a failing first-action every set.
#[test]
fn the_hooks_around_a_rotation_run_in_logrotates_order() {
    let dir = Dir::new();
    let rec = dir.join("hooks");
    let rec = rec.display();
    for (name, data) in [("a.log", "a\n"), ("b.log", "b\n"), ("c.log", "")] {
        dir.write(name, data.as_bytes());
    }
    dir.write("a.log.1", b"old a\n");
    let hook = |what: &str| format!("echo {what} \"$1\" >> {rec}");
    let args = |once: bool| {
        let mut v = vec![
            "rotate".to_string(),
            "-c".into(),
            "1".into(),
            "--first-action".into(),
            hook("first"),
            "--before-rotate".into(),
            hook("before"),
            "--on-rotate".into(),
            hook("on"),
            "--last-action".into(),
            hook("last"),
            "--before-remove".into(),
            hook("remove"),
        ];
        if once {
            v.push("--on-rotate-once".into());
        }
        v.extend(["a.log", "b.log", "c.log"].map(String::from));
        v
    };
    let run = |once: bool| {
        let a = args(once);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        dir.assert(&a, b"").success();
        let text = std::fs::read_to_string(dir.join("hooks")).unwrap_or_default();
        std::fs::remove_file(dir.join("hooks")).ok();
        text
    };
    // c.log is empty: never due, no hook for it.
    assert_eq!(
        run(false),
        "first a.log b.log c.log\nbefore a.log\nremove a.log.1\non a.log\n\
         before b.log\non b.log\nlast a.log b.log c.log\n"
    );
    assert_eq!(dir.read("a.log.1"), b"a\n");
    // Shared: before-rotate and on-rotate once for all.
    dir.write("a.log", b"a2\n");
    assert_eq!(
        run(true),
        "first a.log b.log c.log\nbefore a.log b.log c.log\nremove a.log.1\n\
         on a.log b.log c.log\nlast a.log b.log c.log\n"
    );
    // Nothing due: nothing runs at all.
    assert_eq!(run(true), "");

    // A failing before-rotate skips its set, and only it.
    dir.write("a.log", b"a3\n");
    dir.write("b.log", b"b3\n");
    dir.assert(
        &[
            "rotate",
            "--before-rotate",
            "case $1 in *a.log) exit 3;; esac",
            "a.log",
            "b.log",
        ],
        b"",
    )
    .code(1)
    .stderr(
        predicate::str::contains("before-rotate")
            .and(predicate::str::contains("a.log not rotated")),
    );
    assert_eq!(dir.read("a.log"), b"a3\n");
    assert_eq!(dir.read("b.log"), b"");
    // A failing first-action skips them all.
    dir.write("b.log", b"b4\n");
    dir.assert(
        &["rotate", "--first-action", "exit 1", "a.log", "b.log"],
        b"",
    )
    .code(1)
    .stderr(predicate::str::contains("first-action"));
    assert_eq!(dir.read("a.log"), b"a3\n");
    assert_eq!(dir.read("b.log"), b"b4\n");
    // A failing before-remove is a warning; the backup goes all the same.
    dir.assert(
        &["rotate", "-c", "1", "--before-remove", "exit 2", "a.log"],
        b"",
    )
    .success()
    .stderr(predicate::str::contains("deleted all the same"));
    assert_eq!(dir.read("a.log.1"), b"a3\n");
}

/// `--su`: as root, a directory a group can write is refused without it,
/// naming the group, and taken with it (logrotate's rule); the set's files
/// are changed as that identity, so it cannot change what that user could
/// not, and files it makes are that user's; hooks run as rollover's user.
#[test]
fn su_changes_the_set_as_its_user_and_runs_hooks_as_root() {
    if !crate::util::is_root() {
        crate::util::cannot_run("--su needs root");
        return;
    }
    let Some((uid, gid)) = nobody() else {
        crate::util::cannot_run("--su needs user nobody");
        return;
    };
    let dir = Dir::new();
    let logs = dir.join("pg");
    std::fs::create_dir(&logs).expect("mkdir");
    std::os::unix::fs::chown(&logs, Some(0), Some(gid)).expect("chown");
    set_mode(&logs, 0o1775);
    dir.write("pg/main.log", b"one\n");
    dir.assert(&["rotate", "pg/main.log"], b"").code(1).stderr(
        predicate::str::contains("refusing to work in pg: it is writable by group ")
            .and(predicate::str::contains("give --su, or --insecure-dir")),
    );
    assert_eq!(dir.read("pg/main.log"), b"one\n");

    // A dry run checks what the real run would: as nobody, in a directory
    // only root may write, both refuse alike.
    let su = format!("{uid}:{gid}");
    set_mode(&logs, 0o755);
    for dry in [true, false] {
        let mut args = vec!["rotate", "--su", &su, "pg/main.log"];
        if dry {
            args.push("--dry-run");
        }
        dir.assert(&args, b"")
            .code(1)
            .stderr(predicate::str::contains("no write access to directory"));
    }
    assert_eq!(dir.read("pg/main.log"), b"one\n");
    set_mode(&logs, 0o1775);

    // As nobody, who may write this directory (its group) but not root's
    // file in it: refused, nothing changed.
    dir.assert(&["rotate", "--su", &su, "pg/main.log"], b"")
        .code(1)
        .stderr(predicate::str::contains("no write access to pg/main.log"));
    assert_eq!(dir.read("pg/main.log"), b"one\n");
    let left: Vec<String> = std::fs::read_dir(&logs)
        .expect("ls")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        left.iter()
            .filter(|n| !n.ends_with("rollover-lock"))
            .count(),
        1,
        "{left:?}"
    );

    // Where nobody may write, it rotates; the hidden files are nobody's,
    // and the hooks (and the compression) ran, the hooks as root.
    std::os::unix::fs::chown(&logs, Some(uid), Some(gid)).expect("chown");
    set_mode(&logs, 0o755);
    std::os::unix::fs::chown(dir.join("pg/main.log"), Some(uid), Some(gid)).expect("chown");
    dir.assert(
        &[
            "rotate",
            "--su",
            &su,
            "-c",
            "2",
            "--compress",
            "gzip",
            "--before-rotate",
            "id -u > before",
            "--on-rotate",
            "id -u > after",
            "pg/main.log",
        ],
        b"",
    )
    .success();
    assert_eq!(dir.read("before"), b"0\n");
    assert_eq!(dir.read("after"), b"0\n");
    assert_eq!(
        crate::util::decompressed(&dir.join("pg/main.log.1.gz")),
        b"one\n"
    );
    use std::os::unix::fs::MetadataExt;
    let lock = std::fs::read_dir(&logs)
        .expect("ls")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with('.'));
    if let Some(lock) = lock {
        assert_eq!(lock.metadata().expect("stat").uid(), uid);
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn nobody() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("nobody:"))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

/// `--backup-dir` (logrotate's olddir): the writer and rotate keep the
/// backups there under the same names, compressed there, counted there;
/// a missing one is an error naming it unless asked to make it (with the
/// mode asked); status and a later rotate find the backups there without
/// the option; one on another file system gets them by copy.
#[test]
fn backups_live_in_the_backup_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let input = lines(3000, "line");
    dir.assert(
        &["-s", "8K", "-c", "3", "--backup-dir", "old", "app.log"],
        &input,
    )
    .code(1)
    .stderr(predicate::str::contains(
        "backup directory ./old does not exist",
    ));
    assert!(!dir.exists("old"));
    dir.ok(
        &[
            "-s",
            "8K",
            "-c",
            "3",
            "--compress",
            "gzip",
            "--backup-dir",
            "old",
            "--backup-dir-perm",
            "0750",
            "app.log",
        ],
        &input,
    );
    let mode = std::fs::metadata(dir.join("old"))
        .expect("old/")
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o750);
    let mut old: Vec<String> = std::fs::read_dir(dir.join("old"))
        .expect("ls old")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    old.sort();
    assert_eq!(old, ["app.log.1.gz", "app.log.2.gz", "app.log.3.gz"]);
    // The newest lines, whole and in order, across both directories.
    let mut kept = Vec::new();
    for n in [3, 2, 1] {
        kept.extend(crate::util::decompressed(
            &dir.join(&format!("old/app.log.{n}.gz")),
        ));
    }
    kept.extend(dir.read("app.log"));
    assert!(input.ends_with(&kept), "not the input's tail");
    assert!(
        !dir.names().iter().any(|n| n.starts_with("app.log.")),
        "{}",
        dir.listing()
    );
    // status and rotate find them there, as the set's state says.
    dir.assert(&["status", "app.log"], b"")
        .success()
        .stdout(predicate::str::contains("app.log.3.gz"));
    dir.assert(&["rotate", "-c", "2", "app.log"], b"").success();
    assert!(dir.exists("old/app.log.1") && dir.exists("old/app.log.2.gz"));
    assert!(!dir.exists("old/app.log.3.gz") && !dir.exists("app.log.1"));

    // Another file system: a backup is copied there, synced, named, and
    // only then deleted here; for rotate, after the hook, so that what the
    // program writes until it reopens is kept.
    if !crate::util::is_root() {
        crate::util::cannot_run("a tmpfs for another file system needs root");
        return;
    }
    let Some(_fs) = crate::util::Tmpfs::mount(dir.join("elsewhere"), "4m") else {
        return;
    };
    dir.write("b.log", b"b\n");
    // A program that holds b.log open and writes one more line to it when
    // the hook asks it to reopen (as nginx would), then reopens.
    let program = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec 3>>b.log; : > ready; while [ ! -e go ]; do sleep 0.01; done; echo late >&3; : > done")
        .current_dir(dir.path())
        .spawn()
        .expect("sh");
    let _program = crate::util::Running::new(program);
    crate::util::wait_until(
        "the program to open b.log",
        std::time::Duration::from_secs(10),
        || dir.exists("ready"),
    );
    dir.assert(
        &[
            "rotate",
            "--backup-dir",
            "elsewhere",
            "--on-rotate",
            ": > go; while [ ! -e done ]; do sleep 0.01; done",
            "b.log",
        ],
        b"",
    )
    .success();
    assert_eq!(dir.read("elsewhere/b.log.1"), b"b\nlate\n");
    assert!(
        !dir.all_names()
            .iter()
            .any(|n| n.contains("rollover-new") || n.starts_with("b.log.")),
        "{}",
        dir.listing()
    );
    // A crash after the copy took its name, before the original went:
    // the next run deletes the original (they compare equal), and moves
    // nothing else.
    dir.write(".b.log.rollover-new", b"b\nlate\n");
    dir.write("b.log", b"c\n");
    dir.assert(&["rotate", "b.log"], b"").success();
    assert_eq!(dir.read("elsewhere/b.log.1"), b"c\n");
    assert_eq!(dir.read("elsewhere/b.log.2"), b"b\nlate\n");
    assert!(!dir.exists("elsewhere/b.log.3") && !dir.exists(".b.log.rollover-new"));
    // The writer too: every line kept, across both file systems.
    let input = lines(4000, "w");
    dir.ok(
        &[
            "-s",
            "16K",
            "-c",
            "40",
            "--backup-dir",
            "elsewhere",
            "w.log",
        ],
        &input,
    );
    let mut kept = Vec::new();
    for n in (1..=40).rev() {
        let name = format!("elsewhere/w.log.{n:02}");
        if dir.exists(&name) {
            kept.extend(dir.read(&name));
        }
    }
    kept.extend(dir.read("w.log"));
    assert!(
        kept == input,
        "the writer's backups across file systems lost or split lines"
    );
}

/// `--extension` (logrotate's extension): the number goes before it, the
/// main file keeps its name, for the writer and rotate; recorded, so a
/// later rotate and a pattern over the directory take `mylog.1.foo` for
/// the backup it is, never a set.
#[test]
fn extension_numbers_backups_before_it() {
    let dir = Dir::new();
    let input = lines(2000, "x");
    dir.ok(
        &[
            "-s",
            "4K",
            "-c",
            "3",
            "--compress",
            "gzip",
            "--compress-from",
            "2",
            "--extension",
            ".foo",
            "mylog.foo",
        ],
        &input,
    );
    assert_eq!(
        dir.names(),
        [
            "mylog.1.foo",
            "mylog.2.foo.gz",
            "mylog.3.foo.gz",
            "mylog.foo"
        ]
    );
    dir.write("mylog.foo", b"more\n");
    dir.assert(&["rotate", "*.foo"], b"")
        .success()
        .stderr(predicate::str::is_empty());
    assert_eq!(
        dir.names(),
        ["mylog.1.foo", "mylog.2.foo", "mylog.3.foo.gz", "mylog.foo"]
    );
    assert_eq!(dir.read("mylog.1.foo"), b"more\n");
    assert_eq!(dir.read("mylog.foo"), b"");
    // A name that does not end in it is numbered as ever.
    dir.write("other.log", b"o\n");
    dir.assert(&["rotate", "--extension", ".foo", "other.log"], b"")
        .success();
    assert!(dir.exists("other.log.1"));
}

/// `--compress-command` with `--compress-ext` (logrotate's compresscmd):
/// any compressor, reading the backup on stdin, into the same hidden file;
/// the backups read back whole; a failing one is one warning naming it,
/// the backup stays plain and is compressed by the next run that can.
#[test]
fn another_compressor_through_compress_command() {
    if !crate::util::have("xz") {
        crate::util::cannot_run("xz is not installed");
        return;
    }
    let dir = Dir::new();
    let input = lines(3000, "x");
    dir.ok(
        &[
            "-s",
            "8K",
            "-c",
            "50",
            "--compress-command",
            "xz -1",
            "--compress-ext",
            ".xz",
            "app.log",
        ],
        &input,
    );
    let names = dir.names();
    assert!(
        names
            .iter()
            .filter(|n| n != &"app.log")
            .all(|n| n.ends_with(".xz")),
        "{names:?}"
    );
    // Every line, whole and in order, oldest backup first.
    let mut kept = Vec::new();
    for n in (1..=50).rev() {
        let name = format!("app.log.{n:02}.xz");
        if dir.exists(&name) {
            kept.extend(crate::util::decompressed(&dir.join(&name)));
        }
    }
    kept.extend(dir.read("app.log"));
    assert!(kept == input, "the backups do not read back as the input");
    dir.write("app.log", b"more\n");
    dir.assert(
        &[
            "rotate",
            "-c",
            "50",
            "--compress-command",
            "echo broken >&2; exit 3",
            "--compress-ext",
            "xz",
            "app.log",
        ],
        b"",
    )
    .success()
    .stderr(predicate::str::contains("failed (exit status: 3): broken"));
    assert_eq!(dir.read("app.log.01"), b"more\n");
    dir.assert(
        &[
            "rotate",
            "-c",
            "50",
            "--compress-command",
            "xz",
            "--compress-ext",
            "xz",
            "app.log",
        ],
        b"",
    )
    .success();
    // Nothing to rotate (the main file is empty); the owed one compressed.
    assert!(
        !dir.exists("app.log.01") && dir.exists("app.log.01.xz"),
        "{}",
        dir.listing()
    );
    assert_eq!(
        crate::util::decompressed(&dir.join("app.log.01.xz")),
        b"more\n"
    );
    // An extension rollover would not recognise is a usage error.
    dir.assert(
        &[
            "rotate",
            "--compress-command",
            "compress",
            "--compress-ext",
            "Z",
            "app.log",
        ],
        b"",
    )
    .code(2)
    .stderr(predicate::str::contains(
        "rollover recognises compressed backups by",
    ));
}

/// With a once hook (logrotate's sharedscripts), the backups are compressed
/// only after it has run: the program reopens its files then, and until
/// it does it may still write to them (MariaDB's compress + sharedscripts
/// stanza); without one, before rotate returns as ever.
#[test]
fn a_once_hook_runs_before_the_compression() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.write("b.log", b"b\n");
    dir.assert(
        &[
            "rotate",
            "--compress",
            "gzip",
            "--on-rotate",
            "for f in a.log.1 b.log.1; do test -f $f && ! test -f $f.gz && echo plain $f >> rec; done",
            "--on-rotate-once",
            "a.log",
            "b.log",
        ],
        b"",
    )
    .success();
    assert_eq!(dir.read("rec"), b"plain a.log.1\nplain b.log.1\n");
    assert!(
        dir.exists("a.log.1.gz") && dir.exists("b.log.1.gz"),
        "{}",
        dir.listing()
    );
    assert!(!dir.exists("a.log.1") && !dir.exists("b.log.1"));
    assert_eq!(crate::util::decompressed(&dir.join("a.log.1.gz")), b"a\n");
}

/// `rotate -v` says each hook it runs and each compression, besides the
/// renames; `--dry-run` says the hooks it would run and runs none.
#[test]
fn verbose_says_hooks_and_compressions() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.write("a.log.1", b"old\n");
    let args = [
        "rotate",
        "-v",
        "-c",
        "1",
        "--compress",
        "gzip",
        "--before-rotate",
        "touch ran-before",
        "--on-rotate",
        "touch ran-on",
        "--before-remove",
        "touch ran-remove",
        "a.log",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    dir.assert(&dry, b"")
        .success()
        .stdout(predicate::str::contains(
            "run before-rotate for a.log: touch ran-before",
        ));
    assert!(!dir.exists("ran-before") && dir.exists("a.log.1"));
    dir.assert(&args, b"").success().stdout(
        predicate::str::contains("run before-rotate for a.log: touch ran-before")
            .and(predicate::str::contains(
                "run before-remove for a.log.1: touch ran-remove",
            ))
            .and(predicate::str::contains(
                "run on-rotate for a.log.1: touch ran-on",
            ))
            .and(predicate::str::contains("compressed a.log.1 (gzip:6)")),
    );
    assert!(dir.exists("ran-before") && dir.exists("ran-on") && dir.exists("ran-remove"));
    assert_eq!(crate::util::decompressed(&dir.join("a.log.1.gz")), b"a\n");
}
