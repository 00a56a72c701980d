//! The finisher beside the writer: slow syncs never hold up a line, every
//! kept backup is synced by exit, and a second stop signal leaves what is
//! owed to the next run.

use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::util::{Dir, Live, have, strace, wait_until};

/// A 32-byte line.
fn line(i: usize) -> Vec<u8> {
    format!("line {i:05} ....................\n").into_bytes()
}

/// A writer under strace whose every sync is `delay_us` late, rotating
/// every 50 lines; started once its main file exists.
fn slow_writer(dir: &Dir, log: &std::path::Path, delay_us: u32) -> Live {
    let inject = format!("inject=fsync:delay_exit={delay_us}");
    let cmd = strace(
        dir,
        &["trace=fsync", &inject],
        log,
        &["-s", "1600", "-c", "1000", "app.log"],
    );
    let live = Live::spawn(cmd);
    wait_until("the main file", Duration::from_secs(10), || {
        dir.exists("app.log")
    });
    live
}

#[test]
fn slow_syncs_never_hold_up_a_line() {
    if !have("strace") {
        return;
    }
    let dir = Dir::new();
    let log = dir.join("trace");
    // Every sync takes 200 ms; a rotation every 50 lines (1600 bytes),
    // 20 a second at 1,000 lines a second: the syncs fall far behind.
    let started = Instant::now();
    let mut live = slow_writer(&dir, &log, 200_000);
    let lines = 600;
    let mut latencies = Vec::with_capacity(lines);
    let mut input = Vec::new();
    let pace = Instant::now();
    for i in 0..lines {
        let l = line(i);
        input.extend_from_slice(&l);
        live.send(&l);
        let sent = Instant::now();
        // The size rule rotates before a line that does not fit: each line
        // ends the main file once it is written.
        loop {
            if dir.read("app.log").ends_with(&l) {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "line {i} never came"
            );
            std::thread::sleep(Duration::from_micros(100));
        }
        latencies.push(sent.elapsed());
        let next = pace + Duration::from_millis(i as u64 + 1);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    // Every line was in its file while the syncs were still far behind:
    // a writer that waited for them could not have written the last line
    // before they were done. (The latency itself is the benchmark's row.)
    let synced_by_then = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("fsync(") && l.contains("= 0"))
        .count();
    let out = live.finish();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.set_content("app.log"), input);
    latencies.sort();
    eprintln!(
        "line latency with 200 ms syncs: p99 {:?}, max {:?} (measured, not asserted: see the benchmark)",
        latencies[lines * 99 / 100],
        latencies[lines - 1]
    );
    // Every kept backup was synced, file and directory, before the writer
    // exited: the syncs, one after another, took at least that long.
    let backups = dir.backups("app.log").len();
    assert_eq!(backups, lines / 50 - 1);
    let trace = std::fs::read_to_string(&log).expect("trace");
    let syncs = trace
        .lines()
        .filter(|l| l.contains("fsync(") && l.contains("= 0"))
        .count();
    assert_eq!(syncs, 2 * backups, "{trace}");
    assert!(
        synced_by_then < syncs,
        "all {syncs} syncs were done before the last line was written"
    );
    assert!(
        took >= Duration::from_millis(200) * (2 * backups) as u32,
        "exited after {took:?}, before its {backups} backups were synced"
    );
}

#[test]
fn a_second_stop_signal_leaves_the_owed_syncs_to_the_next_run() {
    if !have("strace") {
        return;
    }
    let dir = Dir::new();
    let log = dir.join("trace");
    let mut live = slow_writer(&dir, &log, 300_000);
    let input: Vec<u8> = (0..400).flat_map(line).collect();
    live.send(&input);
    wait_until("every line", Duration::from_secs(10), || {
        dir.set_content("app.log") == input
    });
    // Seven backups owe 4.2 s of syncs. Stop signals until it exits: the
    // first ends the input, a later one ends the wait.
    // The writer is strace's child.
    let strace_pid = live.pid();
    let children = format!("/proc/{strace_pid}/task/{strace_pid}/children");
    let writer: i32 = std::fs::read_to_string(children)
        .expect("children")
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the writer's pid");
    let writer = rustix::process::Pid::from_raw(writer).expect("pid");
    let stopping = Instant::now();
    let child = live.child.as_mut().expect("child");
    while child.try_wait().expect("try_wait").is_none() {
        assert!(
            stopping.elapsed() < Duration::from_secs(3),
            "did not stop at once"
        );
        let _ = rustix::process::kill_process(writer, Signal::TERM);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = live.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not yet synced"), "{err}");
    assert_eq!(dir.set_content("app.log"), input, "nothing lost");
    // The set's state says what is owed; status shows it; the next rotate
    // syncs it and clears it.
    assert!(dir.exists(".app.log.rollover-state"));
    let status = dir.ok(&["status", "app.log"], b"");
    assert!(
        String::from_utf8_lossy(&status).contains("(owed: sync)"),
        "{}",
        String::from_utf8_lossy(&status)
    );
    let json = String::from_utf8_lossy(&dir.ok(&["status", "--json", "app.log"], b"")).into_owned();
    assert!(json.contains("\"owed\": \"sync\""), "{json}");
    let log2 = dir.join("trace2");
    let cmd = strace(&dir, &["trace=fsync"], &log2, &["rotate", "app.log"]);
    let out = crate::util::run_with_input(cmd, b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = std::fs::read(dir.join(".app.log.rollover-state")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&state).contains("owe-sync"),
        "the owed syncs were not cleared"
    );
    let synced = std::fs::read_to_string(&log2)
        .expect("trace")
        .lines()
        .filter(|l| l.contains("fsync("))
        .count();
    assert!(
        synced >= 2,
        "the owed backups were not synced: {synced} syncs"
    );
    let status = dir.ok(&["status", "app.log"], b"");
    assert!(!String::from_utf8_lossy(&status).contains("owed"));
}
