//! Output options: timestamps in each format, `--tee`, `--fsync`, `--perm`.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::{BIN, Dir, Live, have, strace, wait_until};

/// Sends one line to a writer with `-t=FORMAT` and returns the stamped
/// line with the moments just before sending and just after it appeared.
fn stamped(format: &str) -> (String, SystemTime, SystemTime) {
    let dir = Dir::new();
    let arg = format!("--timestamp={format}");
    let mut live = Live::ready(&dir, &[&arg, "app.log"], "app.log");
    let before = SystemTime::now();
    live.send(b"hello world\n");
    wait_until("the stamped line", Duration::from_secs(5), || {
        dir.read("app.log").ends_with(b"\n")
    });
    let after = SystemTime::now();
    assert!(live.finish().status.success());
    (
        String::from_utf8(dir.read("app.log")).expect("utf-8"),
        before,
        after,
    )
}

fn within(t: SystemTime, before: SystemTime, after: SystemTime, precision: Duration) {
    assert!(
        t + precision >= before && t <= after,
        "stamp {t:?} not within {before:?}..{after:?}"
    );
}

#[test]
fn rfc3339_stamps_are_utc_microseconds() {
    let (line, before, after) = stamped("rfc3339");
    let (stamp, rest) = line.split_once(' ').expect("a space after the stamp");
    assert_eq!(rest, "hello world\n");
    assert_eq!(stamp.len(), "2026-11-22T03:15:00.123456Z".len(), "{stamp}");
    assert!(stamp.ends_with('Z'));
    let t: SystemTime = chrono::DateTime::parse_from_rfc3339(stamp)
        .expect("rfc3339")
        .into();
    within(t, before, after, Duration::from_micros(1));
}

#[test]
fn default_format_is_rfc3339() {
    let dir = Dir::new();
    dir.ok(&["-t", "app.log"], b"x\n");
    let text = String::from_utf8(dir.read("app.log")).expect("utf-8");
    assert!(
        chrono::DateTime::parse_from_rfc3339(text.split_once(' ').expect("space").0).is_ok(),
        "{text}"
    );
}

#[test]
fn unix_stamps() {
    let (line, before, after) = stamped("unix");
    let (stamp, rest) = line.split_once(' ').expect("space");
    assert_eq!(rest, "hello world\n");
    let (secs, micros) = stamp.split_once('.').expect("seconds.micros");
    assert_eq!(micros.len(), 6);
    let t = UNIX_EPOCH
        + Duration::new(
            secs.parse().expect("secs"),
            micros.parse::<u32>().expect("micros") * 1000,
        );
    within(t, before, after, Duration::from_micros(1));
}

#[test]
fn tai64n_stamps_as_multilog_writes_them() {
    let (line, before, after) = stamped("tai64n");
    let (stamp, rest) = line.split_once(' ').expect("space");
    assert_eq!(rest, "hello world\n");
    let hex = stamp.strip_prefix('@').expect("@");
    assert_eq!(hex.len(), 24);
    let label = u64::from_str_radix(&hex[..16], 16).expect("hex");
    let nanos = u32::from_str_radix(&hex[16..], 16).expect("hex");
    let t = UNIX_EPOCH + Duration::new(label - (1 << 62) - 10, nanos);
    within(t, before, after, Duration::ZERO);
    // tai64nlocal (daemontools) reads it.
    if let Ok(mut child) = std::process::Command::new("tai64nlocal")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(line.as_bytes())
            .expect("write");
        let mut out = String::new();
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read");
        let _ = child.wait();
        assert!(
            !out.starts_with('@') && out.ends_with(" hello world\n"),
            "{out}"
        );
    } else {
        crate::util::cannot_run("tai64nlocal (daemontools) is not installed");
    }
}

#[test]
fn strftime_stamps_in_local_time() {
    let (line, before, after) = stamped("%Y-%m-%d %H:%M:%S");
    let stamp = &line[..19];
    assert_eq!(&line[19..], " hello world\n");
    let naive =
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S").expect("strftime shape");
    let t: SystemTime = naive
        .and_local_timezone(chrono::Local)
        .single()
        .expect("local")
        .into();
    within(t, before, after, Duration::from_secs(1));
}

#[test]
fn sizes_count_the_stamps_and_lines_stay_whole() {
    let dir = Dir::new();
    let mut input = Vec::new();
    for i in 0..500 {
        input.extend_from_slice(format!("line {i} {}\n", "y".repeat(i % 40)).as_bytes());
    }
    dir.ok(&["-t=unix", "-s", "300", "-c", "1000", "app.log"], &input);
    let files = dir.set_files("app.log");
    let mut unstamped = Vec::new();
    for f in &files {
        assert!(
            f.len() <= 300,
            "a stamped file of {} bytes exceeds 300",
            f.len()
        );
        assert!(f.ends_with(b"\n"));
        for line in f.split_inclusive(|&b| b == b'\n') {
            let space = line.iter().position(|&b| b == b' ').expect("stamp");
            assert!(
                line[..space]
                    .iter()
                    .all(|b| b.is_ascii_digit() || *b == b'.')
            );
            unstamped.extend_from_slice(&line[space + 1..]);
        }
    }
    assert_eq!(unstamped, input, "bytes after the stamps equal the input");
}

#[test]
fn a_continued_line_gets_no_second_stamp() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["-t=unix", "--partial-timeout", "50ms", "app.log"],
        "app.log",
    );
    live.send(b"first half ");
    wait_until("the partial line", Duration::from_secs(5), || {
        dir.read("app.log").ends_with(b"half ")
    });
    live.send(b"second half\n");
    assert!(live.finish().status.success());
    let text = String::from_utf8(dir.read("app.log")).expect("utf-8");
    assert_eq!(text.matches(' ').count(), 4, "{text}");
    assert!(
        text.split_once(' ').expect("stamp").1 == "first half second half\n",
        "{text}"
    );
}

#[test]
fn tee_copies_the_input_byte_for_byte() {
    let dir = Dir::new();
    let mut input = Vec::new();
    for i in 0..20000 {
        input.extend_from_slice(format!("{i} \0\u{e9}\r\n").as_bytes());
    }
    input.extend_from_slice(b"tail");
    let out = dir.ok(&["--tee", "-s", "10K", "-c", "1000", "app.log"], &input);
    assert_eq!(out, input);
    assert_eq!(dir.set_content("app.log"), input);
}

#[test]
fn a_closed_stdout_stops_the_copy_not_the_files() {
    let dir = Dir::new();
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = dir
        .cmd(&["--tee", "app.log"])
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let input: Vec<u8> = (0..5000)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&input).expect("write");
    }
    let out = crate::util::wait_output(child, Duration::from_secs(30));
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("warning").count(), 1, "one warning: {err}");
    assert_eq!(dir.read("app.log"), input);
}

#[test]
fn new_main_files_get_0644_minus_the_umask_or_perm() {
    let dir = Dir::new();
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("umask 027; printf 'x\\n' | {BIN} app.log")])
        .current_dir(dir.path())
        .status()
        .expect("sh");
    assert!(status.success());
    let mode = |n: &str| dir.join(n).metadata().expect("meta").mode() & 0o7777;
    assert_eq!(mode("app.log"), 0o640);
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("umask 077; printf 'x\\n' | {BIN} --perm 644 other.log"),
        ])
        .current_dir(dir.path())
        .status()
        .expect("sh");
    assert!(status.success());
    assert_eq!(mode("other.log"), 0o644, "--perm is the exact mode");
    // An existing file keeps its mode; backups keep the main file's.
    dir.ok(&["--perm", "600", "-s", "2", "app.log"], b"y\n");
    assert_eq!(mode("app.log.1"), 0o640);
    assert_eq!(mode("app.log"), 0o640);
}

/// Counts the fsync calls a writer makes, with strace, if installed.
fn fsyncs(args: &[&str], input: &[u8]) -> Option<usize> {
    if !have("strace") {
        return None;
    }
    let dir = Dir::new();
    let log = dir.join("trace");
    let cmd = strace(&dir, &["trace=fsync,fdatasync"], &log, args);
    assert!(crate::util::run_with_input(cmd, input).status.success());
    let trace = std::fs::read_to_string(&log).expect("trace");
    Some(trace.lines().filter(|l| l.contains("fsync(")).count())
}

#[test]
fn fsync_policies() {
    let input: Vec<u8> = (0..100)
        .flat_map(|i| format!("{i:09}\n").into_bytes())
        .collect();
    // 1000 bytes into 100-byte files: 9 rotations.
    let Some(never) = fsyncs(
        &["--fsync", "never", "-s", "100", "-c", "99", "app.log"],
        &input,
    ) else {
        return;
    };
    assert_eq!(never, 0);
    let rotate = fsyncs(&["-s", "100", "-c", "99", "app.log"], &input).expect("strace");
    assert_eq!(
        rotate, 18,
        "one sync per file that became a backup, and one of its directory"
    );
    let always = fsyncs(
        &["--fsync", "always", "-s", "100", "-c", "99", "app.log"],
        &input,
    )
    .expect("strace");
    assert!(always >= 10, "{always} syncs with --fsync always");
}
