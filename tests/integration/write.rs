//! The writer, bullet by bullet of the SPEC's "The file set", "Rotation",
//! "Triggers while writing", "Lines and bytes", "Open modes" and "One
//! writer per set".

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

use crate::util::{Dir, Live, one_line_naming, wait_until};

fn lines(n: usize, width: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let s = format!("{i:0width$}\n", width = width - 1);
        out.extend_from_slice(s.as_bytes());
    }
    out
}

#[test]
fn file_may_reach_exactly_max_size() {
    let dir = Dir::new();
    // Ten 10-byte lines with a 30-byte limit: files of exactly 30 bytes.
    dir.ok(&["-s", "30", "-c", "9", "app.log"], &lines(10, 10));
    assert_eq!(
        dir.names(),
        ["app.log", "app.log.1", "app.log.2", "app.log.3"]
    );
    for n in ["app.log.1", "app.log.2", "app.log.3"] {
        assert_eq!(dir.read(n).len(), 30, "{n}");
    }
    assert_eq!(dir.read("app.log"), b"000000009\n");
    assert_eq!(dir.read("app.log.3"), &lines(3, 10)[..]);
}

#[test]
fn long_line_goes_whole_into_an_empty_file() {
    let dir = Dir::new();
    let long = [b'x'; 50];
    let mut input = b"short\n".to_vec();
    input.extend_from_slice(&long);
    input.extend_from_slice(b"\nafter\n");
    dir.ok(&["-s", "20", "app.log"], &input);
    assert_eq!(dir.read("app.log.2"), b"short\n");
    let mut expect = long.to_vec();
    expect.push(b'\n');
    assert_eq!(dir.read("app.log.1"), expect);
    assert_eq!(dir.read("app.log"), b"after\n");
}

#[test]
fn padding_follows_count() {
    for (count, name) in [
        ("5", "app.log.1"),
        ("10", "app.log.01"),
        ("100", "app.log.001"),
    ] {
        let dir = Dir::new();
        dir.ok(&["-s", "4", "-c", count, "app.log"], b"one\ntwo\n");
        assert_eq!(dir.names(), ["app.log", name], "count {count}");
        assert_eq!(dir.read(name), b"one\n");
    }
}

#[test]
fn percent_names_number_the_main_file_zero() {
    let dir = Dir::new();
    dir.ok(&["-s", "4", "-c", "10", "app.%.log"], b"one\ntwo\nsix\n");
    assert_eq!(dir.names(), ["app.00.log", "app.01.log", "app.02.log"]);
    assert_eq!(dir.read("app.02.log"), b"one\n");
    assert_eq!(dir.read("app.01.log"), b"two\n");
    assert_eq!(dir.read("app.00.log"), b"six\n");
    // The main file is found at any padding on the next run, with a
    // different count: app.00.log is still the main file.
    dir.ok(&["-s", "4", "-c", "3", "app.%.log"], b"ten\n");
    assert_eq!(
        dir.names(),
        ["app.00.log", "app.1.log", "app.2.log", "app.3.log"]
    );
    assert_eq!(dir.read("app.3.log"), b"one\n");
    assert_eq!(dir.read("app.1.log"), b"six\n");
    assert_eq!(dir.read("app.00.log"), b"ten\n");
}

#[test]
fn percent_in_a_directory_is_ordinary() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("100%")).expect("mkdir");
    dir.ok(&["-s", "4", "100%/app.log"], b"one\ntwo\n");
    assert_eq!(
        std::fs::read(dir.join("100%/app.log.1")).expect("backup"),
        b"one\n"
    );
}

#[test]
fn changing_count_renames_to_the_new_width_and_drops_the_excess() {
    let dir = Dir::new();
    dir.ok(&["-s", "4", "-c", "5", "app.log"], b"aaa\nbbb\nccc\nddd\n");
    assert_eq!(
        dir.names(),
        ["app.log", "app.log.1", "app.log.2", "app.log.3"]
    );
    // Wider: every backup is renamed to two digits at the next rotation.
    dir.ok(&["-s", "4", "-c", "10", "app.log"], b"eee\n");
    assert_eq!(
        dir.names(),
        [
            "app.log",
            "app.log.01",
            "app.log.02",
            "app.log.03",
            "app.log.04"
        ]
    );
    assert_eq!(dir.set_content("app.log"), b"aaa\nbbb\nccc\nddd\neee\n");
    // Narrower: backups above the count are deleted.
    dir.ok(&["-s", "4", "-c", "2", "app.log"], b"fff\n");
    assert_eq!(dir.names(), ["app.log", "app.log.1", "app.log.2"]);
    assert_eq!(dir.set_content("app.log"), b"ddd\neee\nfff\n");
}

#[test]
fn compressed_backups_are_members() {
    let dir = Dir::new();
    dir.write("app.log", b"new\n");
    dir.write("app.log.1.gz", b"gz1");
    dir.write("app.log.2", b"two\n");
    dir.ok(&["-s", "4", "-c", "2", "app.log"], b"x\n");
    // The rotation renamed .1.gz up to .2.gz and deleted the old .2.
    assert_eq!(dir.names(), ["app.log", "app.log.1", "app.log.2.gz"]);
    assert_eq!(dir.read("app.log.2.gz"), b"gz1");
}

#[test]
fn count_zero_truncates_in_place_and_keeps_nothing() {
    let dir = Dir::new();
    dir.write("app.log.1", b"old\n");
    dir.write("app.log.2", b"older\n");
    dir.ok(&["-s", "8", "-c", "0", "app.log"], b"1234567\nabc\n");
    assert_eq!(dir.names(), ["app.log"]);
    assert_eq!(dir.read("app.log"), b"abc\n");
}

/// The writer's handles on files that are gone from the directory.
fn deleted_handles(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.to_string_lossy().ends_with(" (deleted)"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn deleted_backups_are_let_go() {
    // A deleted backup's blocks are freed on a thread that closes the
    // writer's last handle on it; a handle kept for good would hold the
    // space of every backup ever deleted.
    for fsync in ["never", "rotate"] {
        let dir = Dir::new();
        let args = ["--fsync", fsync, "-s", "100", "-c", "2", "app.log"];
        let mut live = Live::ready(&dir, &args, "app.log");
        let mut sent = Vec::new();
        for i in 0..50 {
            // Each line fills a file: the next one rotates it.
            let line = format!("{i:099}\n");
            live.send_visible(&dir, "app.log", line.as_bytes());
            sent.extend_from_slice(line.as_bytes());
        }
        let pid = live.pid();
        wait_until(
            "the writer to let go of the deleted backups",
            Duration::from_secs(10),
            || deleted_handles(pid) == 0,
        );
        assert!(live.finish().status.success());
        assert_eq!(dir.names(), ["app.log", "app.log.1", "app.log.2"]);
        assert!(
            sent.ends_with(&dir.set_content("app.log")),
            "--fsync {fsync}"
        );
    }
}

#[test]
fn huge_count_lists_the_directory_once() {
    // A writer that probed numbers one by one would never finish here.
    let dir = Dir::new();
    dir.ok(
        &["-s", "4", "-c", "1000000000", "app.log"],
        b"one\ntwo\nsix\n",
    );
    assert_eq!(
        dir.names(),
        ["app.log", "app.log.0000000001", "app.log.0000000002"]
    );
    assert_eq!(dir.set_content("app.log"), b"one\ntwo\nsix\n");
}

#[test]
fn no_empty_backup_is_ever_made() {
    let dir = Dir::new();
    // Lines each exactly the limit, and empty input runs.
    dir.ok(&["-s", "4", "app.log"], b"abc\nabc\n");
    dir.ok(&["-s", "4", "app.log"], b"");
    for (n, data) in dir.backups("app.log") {
        assert!(!data.is_empty(), "backup {n} is empty");
    }
    assert_eq!(dir.set_content("app.log"), b"abc\nabc\n");
}

#[test]
fn mode_a_appends_and_keeps_history() {
    let dir = Dir::new();
    dir.ok(&["-s", "8", "app.log"], b"one\n");
    dir.ok(&["-s", "8", "app.log"], b"two\nsix\n");
    assert_eq!(dir.read("app.log.1"), b"one\ntwo\n");
    assert_eq!(dir.read("app.log"), b"six\n");
}

#[test]
fn mode_w_clears_the_whole_set_first() {
    let dir = Dir::new();
    dir.write("app.log", b"old main\n");
    dir.write("app.log.1", b"b1\n");
    dir.write("app.log.002", b"b2\n");
    dir.write("app.log.3.zst", b"b3");
    dir.write("other.log.1", b"not ours\n");
    dir.ok(&["-m", "w", "app.log"], b"fresh\n");
    assert_eq!(dir.names(), ["app.log", "other.log.1"]);
    assert_eq!(dir.read("app.log"), b"fresh\n");
}

#[test]
fn mode_x_refuses_an_existing_set_and_creates_nothing() {
    for existing in ["app.log", "app.log.3", "app.log.01.gz"] {
        let dir = Dir::new();
        dir.write(existing, b"keep\n");
        let before = dir.all_names();
        let out = dir.run(&["-m", "x", "app.log"], b"new\n");
        assert_eq!(out.status.code(), Some(1), "{existing}");
        one_line_naming(&out.stderr, existing);
        assert_eq!(dir.all_names(), before, "mode x created something");
        assert_eq!(dir.read(existing), b"keep\n");
    }
    let dir = Dir::new();
    dir.ok(&["-m", "x", "app.log"], b"new\n");
    assert_eq!(dir.read("app.log"), b"new\n");
}

#[test]
fn main_file_is_created_at_start_before_any_input() {
    let dir = Dir::new();
    let live = Live::start(&dir, &["app.log"]);
    wait_until("app.log to exist", Duration::from_secs(10), || {
        dir.exists("app.log")
    });
    let out = live.finish();
    assert!(out.status.success());
    assert_eq!(dir.read("app.log"), b"");
}

#[test]
fn missing_directory_is_an_error_naming_it() {
    let dir = Dir::new();
    let out = dir.run(&["nodir/app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, "nodir");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such file or directory"));
}

#[test]
fn symlink_at_path_is_refused_and_its_target_untouched() {
    let dir = Dir::new();
    dir.write("target", b"precious\n");
    std::os::unix::fs::symlink(dir.join("target"), dir.join("app.log")).expect("symlink");
    let out = dir.run(&["app.log"], b"evil\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, "app.log");
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert_eq!(dir.read("target"), b"precious\n");
}

#[test]
fn default_permissions_and_backups_keep_the_mode() {
    let dir = Dir::new();
    dir.write("app.log", b"");
    std::fs::set_permissions(dir.join("app.log"), std::fs::Permissions::from_mode(0o640))
        .expect("chmod");
    dir.ok(&["-s", "4", "app.log"], b"one\ntwo\n");
    let mode = |n: &str| dir.join(n).metadata().expect("meta").mode() & 0o7777;
    assert_eq!(mode("app.log.1"), 0o640);
    assert_eq!(
        mode("app.log"),
        0o640,
        "the new main file keeps the old one's mode"
    );
    // The lock file is 0600 while a writer holds it, and gone once it
    // has exited.
    let live = crate::util::Live::ready(&dir, &["-s", "4", "app.log"], "app.log");
    assert_eq!(mode(".app.log.rollover-lock"), 0o600);
    assert!(live.finish().status.success());
    assert!(!dir.exists(".app.log.rollover-lock"), "{}", dir.listing());
}

#[test]
fn perm_sets_the_mode_of_a_new_main_file() {
    let dir = Dir::new();
    dir.ok(&["--perm", "0604", "app.log"], b"x\n");
    assert_eq!(
        dir.join("app.log").metadata().expect("meta").mode() & 0o7777,
        0o604
    );
}

#[test]
fn lines_are_visible_before_input_ends() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send(b"first line\n");
    wait_until("the line in app.log", Duration::from_secs(5), || {
        dir.read("app.log") == b"first line\n"
    });
    live.send(b"second\n");
    wait_until("the second line", Duration::from_secs(5), || {
        dir.read("app.log") == b"first line\nsecond\n"
    });
    assert!(live.finish().status.success());
}

#[test]
fn partial_line_is_written_after_the_timeout_and_continued_in_the_same_file() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["-s", "10", "--partial-timeout", "100ms", "app.log"],
        "app.log",
    );
    live.send(b"0123456");
    wait_until("the partial line", Duration::from_secs(5), || {
        dir.read("app.log") == b"0123456"
    });
    // The rest of the line follows into the same file even past the limit.
    live.send(b"789abcdef\nnext\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log.1"), b"0123456789abcdef\n");
    assert_eq!(dir.read("app.log"), b"next\n");
}

#[test]
fn a_continued_line_that_fits_rotates_nothing() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["-s", "100", "--partial-timeout", "100ms", "app.log"],
        "app.log",
    );
    live.send(b"abc");
    wait_until("the partial line", Duration::from_secs(5), || {
        dir.read("app.log") == b"abc"
    });
    // The end of the line and the next one fit: one file, no rotation.
    live.send(b"def\nx\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.names(), ["app.log"]);
    assert_eq!(dir.read("app.log"), b"abcdef\nx\n");
}

#[test]
fn last_line_without_newline_stays_without_one() {
    let dir = Dir::new();
    dir.ok(&["app.log"], b"a\nb\0\xff\r\nno newline");
    assert_eq!(dir.read("app.log"), b"a\nb\0\xff\r\nno newline");
}

#[test]
fn huge_line_streams_through_in_bounded_memory() {
    // 64 MiB without a newline, then a short line: memory must not grow
    // with the line. VmHWM is the peak resident set of the writer.
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["-s", "1M", "app.log"], "app.log");
    let chunk = vec![b'z'; 1 << 20];
    for _ in 0..64 {
        live.send(&chunk);
    }
    live.send(b"\nend\n");
    wait_until("the end line", Duration::from_secs(30), || {
        dir.read("app.log") == b"end\n"
    });
    let hwm = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    };
    let hwm_kb = hwm(live.pid());
    // The same writer after one short line: the binary's own pages, which
    // a debug build has many of, are in both.
    let mut small = Live::ready(&dir, &["-s", "1M", "small.log"], "small.log");
    small.send_visible(&dir, "small.log", b"short\n");
    let base_kb = hwm(small.pid());
    assert!(small.finish().status.success());
    assert!(live.finish().status.success());
    assert!(
        hwm_kb < base_kb + 4 * 1024,
        "peak RSS {hwm_kb} kB for a 64 MiB line, {base_kb} kB for a short one"
    );
    let backup = dir.read("app.log.1");
    assert_eq!(backup.len(), (64 << 20) + 1);
    assert!(backup.ends_with(b"z\n"));
}

#[test]
fn age_rotation_of_an_idle_writer() {
    let dir = Dir::new();
    let start = Instant::now();
    let mut live = Live::ready(&dir, &["-a", "2s", "app.log"], "app.log");
    live.send(b"idle line\n");
    wait_until("an age rotation", Duration::from_secs(10), || {
        dir.exists("app.log.1")
    });
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1900),
        "rotated after {elapsed:?}, before the age"
    );
    assert_eq!(dir.read("app.log.1"), b"idle line\n");
    assert_eq!(dir.read("app.log"), b"");
    // An empty main file is not rotated again however old it gets.
    live.send(b"more\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.set_content("app.log"), b"idle line\nmore\n");
}

#[test]
fn age_survives_a_restart_of_the_writer() {
    let dir = Dir::new();
    let born = Instant::now();
    let mut first = Live::ready(&dir, &["-a", "6s", "app.log"], "app.log");
    first.send(b"before restart\n");
    wait_until("the line", Duration::from_secs(5), || {
        !dir.read("app.log").is_empty()
    });
    // Restart 3 s into the file's life.
    wait_until("3 s to pass", Duration::from_secs(5), || {
        born.elapsed() >= Duration::from_secs(3)
    });
    assert!(first.finish().status.success());
    let restarted = Instant::now();
    let mut second = Live::ready(&dir, &["-a", "6s", "app.log"], "app.log");
    second.send(b"after restart\n");
    wait_until("the age rotation", Duration::from_secs(10), || {
        dir.exists("app.log.1")
    });
    // Counting from the restart it would come 6 s after it; counting from
    // the file's birth, about 3 s after it (within the one-second check).
    // The margin between the two is wide, for a loaded machine.
    let since = restarted.elapsed();
    assert!(
        since < Duration::from_millis(5000),
        "rotated {since:?} after the restart: the age was lost"
    );
    assert_eq!(dir.read("app.log.1"), b"before restart\nafter restart\n");
    assert!(second.finish().status.success());
}

#[test]
fn max_days_takes_fractions() {
    let dir = Dir::new();
    let start = Instant::now();
    // 0.00003 days is about 2.6 s.
    let mut live = Live::ready(&dir, &["--max-days", "0.00003", "app.log"], "app.log");
    live.send(b"x\n");
    wait_until("an age rotation", Duration::from_secs(10), || {
        dir.exists("app.log.1")
    });
    assert!(start.elapsed() >= Duration::from_millis(2400));
    assert!(live.finish().status.success());
}

#[test]
fn second_writer_names_the_first_and_a_killed_writer_blocks_nobody() {
    let dir = Dir::new();
    let mut first = Live::ready(&dir, &["app.log"], "app.log");
    first.send(b"one\n");
    let out = dir.run(&["app.log"], b"two\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, &format!("pid {}", first.pid()));
    first.signal(rustix::process::Signal::KILL);
    let _ = first.wait();
    dir.ok(&["app.log"], b"three\n");
    assert_eq!(dir.read("app.log"), b"one\nthree\n");
}

#[test]
fn deleted_main_file_is_noticed_and_recreated() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"one\n");
    std::fs::remove_file(dir.join("app.log")).expect("rm");
    wait_until("a new app.log", Duration::from_secs(5), || {
        dir.exists("app.log")
    });
    live.send(b"two\n");
    wait_until("the second line", Duration::from_secs(5), || {
        dir.read("app.log") == b"two\n"
    });
    assert!(live.finish().status.success());
}

#[test]
fn main_file_moved_away_and_replaced_is_followed() {
    // logrotate's create mode: mv the file, create a new one.
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"one\n");
    std::fs::rename(dir.join("app.log"), dir.join("moved.log")).expect("mv");
    dir.write("app.log", b"");
    let replaced = dir.join("app.log").metadata().expect("meta").ino();
    // Within a second the writer writes into the new file, not the moved one.
    wait_until("the writer to follow", Duration::from_secs(5), || {
        live.send(b"ping\n");
        std::thread::sleep(Duration::from_millis(20));
        !dir.read("app.log").is_empty()
    });
    assert_eq!(
        dir.join("app.log").metadata().expect("meta").ino(),
        replaced
    );
    assert!(live.finish().status.success());
    let moved = dir.read("moved.log");
    assert!(moved.starts_with(b"one\n"));
    let total = [moved, dir.read("app.log")].concat();
    assert!(
        total
            .split(|&b| b == b'\n')
            .all(|l| l.is_empty() || l == b"one" || l == b"ping")
    );
}

/// Voluntary context switches of a process: one per wake-up from `poll`.
fn wakeups(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("voluntary_ctxt_switches")
}

#[test]
fn a_waiting_writer_sleeps() {
    // An age rotation due while a line is incomplete waits for the line's
    // end, up to the partial timeout: the writer must sleep meanwhile, not
    // wake up every millisecond.
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["-a", "1s", "--partial-timeout", "4s", "app.log"],
        "app.log",
    );
    live.send_visible(&dir, "app.log", b"whole\n");
    live.send(b"incomplete");
    // Due, as the writer's own status says (its age rule against the main
    // file's birth), about 1 s in.
    wait_until("the age rotation to be due", Duration::from_secs(5), || {
        let out = dir.ok(&["status", "--json", "app.log"], b"");
        String::from_utf8_lossy(&out).contains("\"next_age_rotation_secs\": 0.0")
    });
    let before = wakeups(live.pid());
    // The partial timeout, 4 s after the line began, ends the wait by
    // itself: the line's start is written and the rotation goes in.
    wait_until(
        "the partial timeout's rotation",
        Duration::from_secs(10),
        || dir.exists("app.log.1"),
    );
    let woke = wakeups(live.pid()) - before;
    assert!(woke < 50, "{woke} wake-ups while the rotation waited");
    assert_eq!(dir.read("app.log.1"), b"whole\nincomplete");
    live.send(b" now\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log"), b" now\n");
}

/// A main file whose last line has no newline (torn by a crash, or left
/// unterminated by an earlier run) gets one before the writer's first
/// line, at start and when the writer adopts such a file after SIGHUP;
/// a file that ends in a newline gets nothing more.
#[test]
fn a_torn_last_line_is_ended_before_the_first_new_line() {
    let dir = Dir::new();
    dir.write("app.log", b"whole\nK00351773 zzz");
    dir.ok(&["app.log"], b"K00354067 zzz\n");
    assert_eq!(
        dir.read("app.log"),
        b"whole\nK00351773 zzz\nK00354067 zzz\n"
    );
    dir.ok(&["app.log"], b"next\n");
    assert_eq!(
        dir.read("app.log"),
        b"whole\nK00351773 zzz\nK00354067 zzz\nnext\n",
        "nothing added to a file that ends a line"
    );
    // An unterminated last line this writer itself leaves stays so (the
    // next writer ends it).
    dir.ok(&["app.log"], b"no newline");
    assert!(dir.read("app.log").ends_with(b"\nno newline"));

    let mut live = Live::ready(&dir, &["other.log"], "other.log");
    live.send_visible(&dir, "other.log", b"before\n");
    std::fs::rename(dir.join("other.log"), dir.join("moved.log")).expect("mv");
    dir.write("other.log", b"an outside tool's torn");
    live.signal(rustix::process::Signal::HUP);
    live.send_visible(&dir, "other.log", b"after\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("other.log"), b"an outside tool's torn\nafter\n");
}
