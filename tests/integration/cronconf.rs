//! `rotate --config FILE`: the configuration file for cron, its errors,
//! its parallel runs, a second run beside the first, and on-rotate-once.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use predicates::prelude::*;

use crate::util::{Dir, is_root, wait_output, wait_until};

fn config(dir: &Dir, name: &str, text: &str) {
    dir.write(name, text.as_bytes());
}

fn rotate_config(dir: &Dir, args: &[&str]) -> Output {
    let mut all = vec!["rotate", "--config"];
    all.extend_from_slice(args);
    dir.cmd(&all).output().expect("run rotate --config")
}

fn lines(n: usize, tag: &str) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("{tag} {i}\n").into_bytes())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Defaults, stanzas overriding them, an included file with its own
/// defaults, relative paths: each set rotated once with its own settings.
#[test]
fn each_set_rotates_with_its_stanzas_settings_over_the_defaults() {
    let dir = Dir::new();
    std::fs::create_dir_all(dir.join("logs")).expect("mkdir");
    std::fs::create_dir_all(dir.join("conf.d")).expect("mkdir");
    for name in ["a.log", "b.log", "big.log", "small.log", "inc.log"] {
        dir.write(&format!("logs/{name}"), &lines(100, name));
    }
    dir.write("logs/small.log", b"tiny\n");
    dir.write("logs/big.log", &lines(10_000, "big"));
    // Old backups, to see each stanza's count at work.
    for n in 1..=5 {
        dir.write(
            &format!("logs/a.log.{n}"),
            format!("a old {n}\n").as_bytes(),
        );
    }
    config(
        &dir,
        "rollover.toml",
        r#"
include = ["conf.d/*.toml"]

[defaults]
max-count = 2
compress = "gzip"

[[set]]
paths = ["logs/a.log", "logs/b.log"]
compress = false

[[set]]
paths = ["logs/big.log", "logs/small.log"]
max-size = "10K"
compress = "zstd"
perm = "0600"
"#,
    );
    config(
        &dir,
        "conf.d/more.toml",
        r#"
[defaults]
max-count = 1

[[set]]
paths = ["../logs/inc.log"]
"#,
    );
    let out = rotate_config(&dir, &["rollover.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "silent on success");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("logs"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.log",
            "a.log.1",
            "a.log.2",
            "b.log",
            "b.log.1",
            "big.log",
            "big.log.1.zst",
            "inc.log",
            "inc.log.1.gz",
            "small.log",
        ]
    );
    assert_eq!(dir.read("logs/a.log.1"), lines(100, "a.log"));
    assert_eq!(dir.read("logs/a.log.2"), b"a old 1\n");
    let zst = Command::new("zstd")
        .args(["-dc"])
        .arg(dir.join("logs/big.log.1.zst"))
        .output();
    if let Ok(z) = zst {
        assert_eq!(z.stdout, lines(10_000, "big"));
    }
    let mode = std::fs::metadata(dir.join("logs/big.log"))
        .expect("stat")
        .mode();
    assert_eq!(mode & 0o7777, 0o600, "perm applies to the new main file");
    // The main file's [defaults] reach the included file, under its own.
    let gz = std::fs::read(dir.join("logs/inc.log.1.gz")).expect("read");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
        .expect("gunzip");
    assert_eq!(plain, lines(100, "inc.log"));
}

/// Every bad file: exit 1, one line naming the file, the line and the key,
/// and nothing rotated (even the sets of its good stanzas).
#[test]
fn an_error_names_the_file_line_and_key_and_rotates_nothing() {
    let cases: &[(&str, &str)] = &[
        (
            "maxsize = \"1M\"",
            "r.toml:5: maxsize: unknown key; logrotate's 'maxsize' is 'max-size' here",
        ),
        (
            "max_count = 4",
            "r.toml:5: max_count: unknown key; did you mean 'max-count'?",
        ),
        (
            "rotate = 7",
            "r.toml:5: rotate: unknown key; logrotate's 'rotate' is 'max-count' here",
        ),
        ("dry-run = true", "r.toml:5: dry-run: unknown key"),
        ("max-size = \"1Q\"", "r.toml:5: max-size: invalid size '1Q'"),
        (
            "every = \"daily\"",
            "r.toml:5: every: invalid period 'daily'",
        ),
        ("perm = 640", "r.toml:5: perm: write the mode as a string"),
        (
            "perm = 0640",
            "r.toml:5: perm: unexpected leading zero, expected nothing; write the mode as a string: \"0640\"",
        ),
        (
            "method = \"move\"",
            "r.toml:5: method: 'move' is not one of rename, collapse, copytruncate",
        ),
        (
            "missing-ok = \"yes\"",
            "r.toml:5: missing-ok: must be true or false",
        ),
        (
            "owner = \"no-such-user-here\"",
            "r.toml:5: owner: invalid owner",
        ),
        (
            "on-rotate-once = true",
            "r.toml:5: on-rotate-once: needs on-rotate or before-rotate",
        ),
        ("paths = [\"a.log\"]", "r.toml:6: paths: duplicate key"),
        ("compress = \"lz4\"", "r.toml:5: compress: "),
        (
            "max-count = \"x\"",
            "r.toml:5: max-count: invalid count 'x'",
        ),
    ];
    for (line, want) in cases {
        let dir = Dir::new();
        dir.write("a.log", b"a\n");
        dir.write("b.log", b"b\n");
        config(
            &dir,
            "r.toml",
            &format!("[[set]]\npaths = [\"a.log\"]\n\n[[set]]\n{line}\npaths = [\"b.log\"]\n"),
        );
        dir.assert(&["rotate", "--config", "r.toml"], b"")
            .code(1)
            .stderr(
                predicate::str::starts_with(format!("rollover: {want}"))
                    .and(predicate::function(|err: &str| err.lines().count() == 1)),
            );
        assert_eq!(dir.names(), ["a.log", "b.log", "r.toml"], "{line}");
    }
    // A syntax error has a line, and so does an include's error.
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    config(
        &dir,
        "r.toml",
        "include = [\"inc.toml\"]\n[[set]]\npaths = [\"a.log\"]\n",
    );
    config(&dir, "inc.toml", "\n[[set]]\npaths = [\"b.log\"\n");
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("inc.toml:3: "), "{}", stderr(&out));
    assert_eq!(dir.names(), ["a.log", "inc.toml", "r.toml"]);
}

#[test]
fn a_path_two_stanzas_name_is_an_error_and_a_pattern_overlap_goes_to_the_first() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.write("b.log", b"b\n");
    config(
        &dir,
        "r.toml",
        "[[set]]\npaths = [\"a.log\"]\n[[set]]\npaths = [\"./a.log\"]\n",
    );
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("rollover: r.toml:3: paths: ")
            && stderr(&out).contains("also named at r.toml:1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dir.names(), ["a.log", "b.log", "r.toml"]);

    config(
        &dir,
        "r.toml",
        "[[set]]\npaths = [\"*.log\"]\nmax-count = 1\n[[set]]\npaths = [\"a.log\"]\nmax-count = 3\n",
    );
    let out = rotate_config(&dir, &["r.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("a.log is matched by the sets at r.toml:1 and r.toml:4"),
        "{err}"
    );
    assert_eq!(
        dir.names(),
        ["a.log", "a.log.1", "b.log", "b.log.1", "r.toml"],
        "rotated once each"
    );
}

/// logrotate's sharedscripts: the hook runs once after all the stanza's
/// sets, with every rotated main file, and not at all when none rotated.
#[test]
fn on_rotate_once_runs_once_with_every_rotated_main_file() {
    let dir = Dir::new();
    for name in ["a.log", "b.log", "c.log"] {
        dir.write(name, b"x\n");
    }
    dir.write("c.log", b"");
    config(
        &dir,
        "r.toml",
        r#"
[[set]]
paths = ["*.log"]
on-rotate = 'printf "%s|%s\n" "$1" "$ROLLOVER_MAINS" >> calls'
on-rotate-once = true
"#,
    );
    let out = rotate_config(&dir, &["r.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let main = |n: &str| dir.join(n).display().to_string();
    assert_eq!(
        String::from_utf8(dir.read("calls")).expect("text"),
        format!("*.log|{}\n{}\n", main("a.log"), main("b.log"))
    );
    // Nothing to rotate now (empty main files): no call.
    let out = rotate_config(&dir, &["r.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(dir.read("calls").iter().filter(|&&b| b == b'\n').count(), 2);
}

#[test]
fn dry_run_verbose_prints_each_sets_settings_and_changes_nothing() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    config(
        &dir,
        "r.toml",
        "[defaults]\nmax-count = 4\n[[set]]\npaths = [\"a.log\"]\ncompress = \"zstd:5\"\ncompress-from = 2\nmax-size = \"1\"\n",
    );
    let out = rotate_config(&dir, &["r.toml", "--dry-run", "-v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let a = dir.join("a.log").display().to_string();
    assert_eq!(
        text,
        format!(
            "{a} (r.toml:3): max-count=4 compress=zstd:5 compress-from=2 max-size=1\n\
             rename {a} to {a}.1 and create a new empty {a}\n"
        )
    );
    assert_eq!(dir.all_names(), ["a.log", "r.toml"]);
}

#[test]
fn as_root_a_configuration_another_user_can_write_is_refused() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    config(&dir, "r.toml", "include = [\"inc.toml\"]\n");
    config(&dir, "inc.toml", "[[set]]\npaths = [\"a.log\"]\n");
    std::fs::set_permissions(dir.join("inc.toml"), std::fs::Permissions::from_mode(0o646))
        .expect("chmod");
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("refusing") && stderr(&out).contains("inc.toml"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(dir.join("inc.toml"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    std::os::unix::fs::chown(dir.join("inc.toml"), Some(65534), None).expect("chown");
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("owned by uid 65534"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dir.names(), ["a.log", "inc.toml", "r.toml"]);
}

/// Sets rotate at once: two hooks that each wait for the other to start
/// finish only if they run side by side. A set that fails does not stop
/// the others.
#[test]
fn sets_rotate_in_parallel_and_a_failing_one_stops_no_other() {
    let dir = Dir::new();
    for name in ["a.log", "b.log"] {
        dir.write(name, b"x\n");
    }
    dir.write("target", b"t\n");
    std::os::unix::fs::symlink("target", dir.join("link.log")).expect("symlink");
    config(
        &dir,
        "r.toml",
        r#"
[[set]]
paths = ["a.log", "b.log"]
hook-timeout = "20s"
on-rotate = 'touch "$1.started"; until [ -e a.log.started ] && [ -e b.log.started ]; do sleep 0.01; done'

[[set]]
paths = ["link.log"]
"#,
    );
    let child = dir
        .cmd(&["rotate", "--config", "r.toml", "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = wait_output(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("link.log") && err.contains("symbolic link"),
        "{err}"
    );
    assert!(dir.exists("a.log.1") && dir.exists("b.log.1"));
    assert_eq!(dir.read("target"), b"t\n");
}

/// A second run started while the first holds a set skips that set with
/// one warning naming it, and rotates it neither twice nor beside the
/// first.
#[test]
fn a_second_run_skips_the_sets_the_first_holds() {
    let dir = Dir::new();
    dir.write("slow.log", b"s\n");
    config(
        &dir,
        "r.toml",
        r#"
[[set]]
paths = ["slow.log"]
on-rotate = 'touch started; until [ -e go ]; do sleep 0.01; done'
"#,
    );
    let first = dir
        .cmd(&["rotate", "--config", "r.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the first run's hook", Duration::from_secs(20), || {
        dir.exists("started")
    });
    // New lines arrive: the second run would rotate them if it could.
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("slow.log"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"more\n"))
        .expect("append");
    let second = rotate_config(&dir, &["r.toml"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let err = stderr(&second);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("skipped {}", dir.join("slow.log").display()))
            && err.contains(&format!("pid {}", first.id())),
        "{err}"
    );
    dir.write("go", b"");
    let out = wait_output(first, Duration::from_secs(20));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(dir.read("slow.log.1"), b"s\n");
    assert!(!dir.exists("slow.log.2"));
    assert_eq!(dir.read("slow.log"), b"more\n");
}

/// The file's keys go through `rotate`'s own parser: a stanza's `false`
/// turns off what `[defaults]` turned on, a bad default is an error even
/// where every stanza overrides it, and the command line's
/// `--on-rotate-once` is the key's twin.
#[test]
fn a_stanza_turns_a_default_off_and_a_bad_default_is_an_error() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.write("b.log", b"b\n");
    config(
        &dir,
        "r.toml",
        "[defaults]\ncompress = \"zstd\"\nmissing-ok = true\n\
         [[set]]\npaths = [\"a.log\"]\ncompress = false\n\
         [[set]]\npaths = [\"b.log\", \"none.log\"]\nmissing-ok = false\n",
    );
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1), "none.log is missing");
    assert!(stderr(&out).contains("none.log"), "{}", stderr(&out));
    assert_eq!(
        dir.names(),
        ["a.log", "a.log.1", "b.log", "b.log.1.zst", "r.toml"]
    );

    config(
        &dir,
        "r.toml",
        "[defaults]\nmax-size = \"1Q\"\n[[set]]\npaths = [\"a.log\"]\nmax-size = \"1\"\n",
    );
    let out = rotate_config(&dir, &["r.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("rollover: r.toml:2: max-size: invalid size '1Q'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rotate_on_rotate_once_runs_the_hook_once_after_every_set() {
    let dir = Dir::new();
    for name in ["a.log", "b.log", "c.log"] {
        dir.write(name, b"x\n");
    }
    dir.write("c.log", b"");
    let out = dir
        .cmd(&[
            "rotate",
            "--on-rotate",
            "printf '%s|%s\\n' \"$1\" \"$ROLLOVER_MAINS\" >> calls",
            "--on-rotate-once",
            "a.log",
            "b.log",
            "c.log",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("rotate");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(dir.read("calls")).expect("text"),
        "a.log b.log c.log|a.log\nb.log\n"
    );
    let out = dir
        .cmd(&["rotate", "--on-rotate-once", "a.log"])
        .stdin(Stdio::null())
        .output()
        .expect("rotate");
    assert_eq!(out.status.code(), Some(2), "needs --on-rotate");
}

/// A dry run changes nothing, not even a time stamp: with
/// `method = "collapse"` it used to probe the file system with a
/// `fallocate` that ext4 counts as a modification.
#[test]
fn a_dry_run_of_a_collapse_leaves_the_main_files_times_alone() {
    let dir = Dir::new();
    dir.write("a.log", &lines(20_000, "a"));
    config(
        &dir,
        "r.toml",
        "[[set]]\npaths = [\"a.log\"]\nmethod = \"collapse\"\n",
    );
    let before = std::fs::metadata(dir.join("a.log")).expect("stat");
    let out = rotate_config(&dir, &["r.toml", "--dry-run", "-v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("collapse them out of it"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let after = std::fs::metadata(dir.join("a.log")).expect("stat");
    assert_eq!(
        (
            after.mtime(),
            after.mtime_nsec(),
            after.ctime(),
            after.ctime_nsec()
        ),
        (
            before.mtime(),
            before.mtime_nsec(),
            before.ctime(),
            before.ctime_nsec()
        ),
        "the dry run touched the main file"
    );
    assert_eq!(dir.names(), ["a.log", "r.toml"]);
}

/// `rotate --config FILE PATH...` rotates only those sets (a PATH that is
/// no set of the file is an error), and `--force` rotates them whatever
/// their conditions, an empty main file still only with rotate-empty.
#[test]
fn paths_pick_sets_and_force_rotates_whatever_the_conditions() {
    let dir = Dir::new();
    dir.write("a.log", b"a\n");
    dir.write("b.log", b"b\n");
    dir.write("e.log", b"");
    config(
        &dir,
        "r.toml",
        "[defaults]\nmax-size = \"1G\"\n[[set]]\npaths = [\"a.log\", \"b.log\", \"e.log\"]\n",
    );
    dir.assert(&["rotate", "--config", "r.toml", "a.log"], b"")
        .success();
    assert_eq!(
        dir.names(),
        ["a.log", "b.log", "e.log", "r.toml"],
        "not due"
    );
    dir.assert(&["rotate", "--config", "r.toml", "--force", "a.log"], b"")
        .success();
    assert_eq!(
        dir.names(),
        ["a.log", "a.log.1", "b.log", "e.log", "r.toml"]
    );
    dir.assert(&["rotate", "--config", "r.toml", "-f"], b"")
        .success();
    assert_eq!(
        dir.names(),
        ["a.log", "a.log.1", "b.log", "b.log.1", "e.log", "r.toml"],
        "a.log is empty now, and so is e.log: neither rotated"
    );
    dir.assert(&["rotate", "--config", "r.toml", "nope.log", "b.log"], b"")
        .code(1)
        .stderr(predicate::str::contains("nope.log is no set of r.toml"));
}

/// A cron run keeps what it must remember of a set in the state
/// directory (`state-dir`, or `--state-dir` over it), never beside the
/// log: afterwards the log directory holds the logs and their backups and
/// nothing else; the next run reads it back from there (a set rotated
/// today is not due again today), and `status` finds the naming it says.
#[test]
fn a_cron_run_leaves_nothing_beside_the_logs_and_remembers_in_the_state_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    std::fs::create_dir(dir.join("logs")).expect("mkdir");
    dir.write("logs/a.log", b"a1\n");
    dir.write("logs/b.log", b"b1\n");
    config(
        &dir,
        "r.toml",
        "state-dir = \"st\"\n\n[[set]]\npaths = [\"logs/a.log\"]\nevery = \"day\"\n\n\
         [[set]]\npaths = [\"logs/b.log\"]\nbackup-names = \"date:-%Y%m%d\"\n",
    );
    dir.assert(&["rotate", "--config", "r.toml", "--force"], b"")
        .success();
    let day = chrono::Local::now().format("%Y%m%d").to_string();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("logs"))
        .expect("ls")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a.log", "a.log.1", "b.log", &format!("b.log-{day}")]
    );
    let kept: Vec<_> = std::fs::read_dir(dir.join("st"))
        .expect("the state directory")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(kept.len(), 2, "one state file per set");
    for k in &kept {
        let mode = k.metadata().expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", k.file_name());
    }
    // Read back: a is not due again today; b's naming is remembered, so a
    // command line run names its backup by date too, and a pattern takes
    // the dated backup for no set.
    dir.write("logs/a.log", b"a2\n");
    dir.write("logs/b.log", b"b2\n");
    dir.assert(&["rotate", "--config", "r.toml", "-v"], b"")
        .success()
        .stdout(predicate::str::contains("skip").and(predicate::str::contains("a.log")));
    assert_eq!(dir.read("logs/a.log"), b"a2\n");
    dir.write("logs/b.log", b"b3\n");
    let st = dir.join("st");
    let st = st.to_str().expect("utf-8");
    dir.assert(&["rotate", "--state-dir", st, "logs/*"], b"")
        .success();
    assert!(
        dir.exists(&format!("logs/b.log-{day}-1")),
        "{}",
        dir.listing()
    );
    assert!(!dir.exists(&format!("logs/b.log-{day}.1")));
    dir.assert(&["status", "--state-dir", st, "logs/b.log"], b"")
        .success()
        .stdout(predicate::str::contains(format!("b.log-{day}-1")));
}
