//! Signals: SIGALRM rotates at a line boundary, SIGHUP reopens, SIGTERM and
//! SIGINT write everything already read or waiting in the pipe.

use std::time::Duration;

use rustix::process::Signal;

use crate::util::{Dir, Live, wait_until};

#[test]
fn sigalrm_rotates_now() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"first\n");
    live.signal(Signal::ALARM);
    wait_until("the rotation", Duration::from_secs(5), || {
        dir.exists("app.log.1")
    });
    assert_eq!(dir.read("app.log.1"), b"first\n");
    assert_eq!(dir.read("app.log"), b"");
    // Nothing to rotate: an empty main file makes no empty backup.
    live.signal(Signal::ALARM);
    live.send(b"second\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.names(), ["app.log", "app.log.1"]);
    assert_eq!(dir.read("app.log"), b"second\n");
}

#[test]
fn sigalrm_waits_for_the_line_in_progress() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["--partial-timeout", "60s", "app.log"], "app.log");
    live.send(b"whole\npar");
    wait_until("the whole line", Duration::from_secs(5), || {
        dir.read("app.log") == b"whole\n"
    });
    live.signal(Signal::ALARM);
    // Sent after the signal: the end of the line goes to the old file,
    // the next line to the new one.
    live.send(b"tial\nnext\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log.1"), b"whole\npartial\n");
    assert_eq!(dir.read("app.log"), b"next\n");
}

#[test]
fn sigalrm_after_the_partial_timeout_rotates_anyway() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["--partial-timeout", "200ms", "app.log"], "app.log");
    live.send(b"no end yet");
    // Written without its newline once the partial-line timeout passed;
    // the rotation then waits one more timeout for the line's end.
    wait_until("the partial line", Duration::from_secs(5), || {
        dir.read("app.log") == b"no end yet"
    });
    live.signal(Signal::ALARM);
    wait_until("the rotation", Duration::from_secs(5), || {
        dir.exists("app.log.1")
    });
    assert_eq!(dir.read("app.log.1"), b"no end yet");
    live.send(b"\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log"), b"\n");
}

#[test]
fn sighup_reopens_a_file_moved_away() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    live.send_visible(&dir, "app.log", b"one\n");
    std::fs::rename(dir.join("app.log"), dir.join("app.log.old")).expect("mv");
    live.signal(Signal::HUP);
    wait_until("a new app.log", Duration::from_secs(5), || {
        dir.exists("app.log")
    });
    live.send(b"two\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log.old"), b"one\n");
    assert_eq!(dir.read("app.log"), b"two\n");
}

fn stop_signal_writes_everything(sig: Signal) {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["-s", "64K", "-c", "100", "app.log"], "app.log");
    // Stopped, the writer cannot read: all of this waits in the pipe when
    // the stop signal arrives.
    live.signal(Signal::STOP);
    let mut input = Vec::new();
    for i in 0..4000 {
        input.extend_from_slice(format!("line {i} \0 \u{e9}\n").as_bytes());
    }
    input.extend_from_slice(b"last line without newline \0");
    live.send(&input);
    live.signal(sig);
    live.signal(Signal::CONT);
    // Stdin stays open: the signal alone ends the writer.
    let out = live.wait();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.set_content("app.log"), input);
}

#[test]
fn sigterm_writes_what_waits_in_the_pipe() {
    stop_signal_writes_everything(Signal::TERM);
}

#[test]
fn sigint_writes_what_waits_in_the_pipe() {
    stop_signal_writes_everything(Signal::INT);
}
