//! Real faults: a full file system, injected I/O errors, a vanished
//! directory, a file-size limit, a failed fsync, SIGKILL at random moments,
//! and attacks through symlinks, hard links, open directories and other
//! users. Tests that need root or a tool say so and skip otherwise.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::util::{
    BIN, Dir, Live, Tmpfs, have, is_root, numbered, one_line_naming, run_with_input, strace,
    wait_until,
};

/// Backups of `base` in `dir`, highest number (oldest) first.
fn backups_in(dir: &Path, base: &str) -> Vec<(u64, PathBuf)> {
    let mut v: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .expect("ls")
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix(base)?.strip_prefix('.')?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.0));
    v
}

#[test]
fn a_full_file_system_loses_nothing() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = Tmpfs::mount(dir.join("small"), "256k") else {
        return;
    };
    let moved = dir.join("moved");
    std::fs::create_dir(&moved).expect("mkdir");
    // Ten times the file system's size.
    let input = numbered(80_000, 40);
    assert!(input.len() > 10 * 256 * 1024);
    let mut live = Live::ready(
        &dir,
        &[
            "--fsync",
            "never",
            "-s",
            "16K",
            "-c",
            "100000",
            "small/app.log",
        ],
        "small/app.log",
    );
    let mut stdin = live.stdin.take().expect("stdin");
    let data = input.clone();
    let feeder = std::thread::spawn(move || stdin.write_all(&data).expect("feed"));
    // Free space only once the file system is full, so that the writer
    // meets ENOSPC again and again; with the writer stopped, so that no
    // rotation renames a backup while it is moved.
    let mut seq = 0u64;
    let mut full = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    // Until the writer has written everything and exited.
    while live
        .child
        .as_mut()
        .expect("child")
        .try_wait()
        .expect("try_wait")
        .is_none()
    {
        assert!(Instant::now() < deadline, "the writer made no progress");
        if fs.free() < 8192 {
            full += 1;
            live.signal(Signal::STOP);
            for (_, path) in backups_in(&fs.path, "app.log") {
                seq += 1;
                std::fs::rename(&path, moved.join(format!("{seq:08}"))).unwrap_or_else(|_| {
                    std::fs::copy(&path, moved.join(format!("{seq:08}"))).expect("copy");
                    std::fs::remove_file(&path).expect("rm");
                });
            }
            live.signal(Signal::CONT);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    feeder.join().expect("feeder");
    let out = live.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(full >= 5, "the file system was full only {full} times");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(
        err.lines().count(),
        1,
        "one warning a minute at most: {err}"
    );
    let mut got = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&moved)
        .expect("ls")
        .map(|e| e.expect("e").path())
        .collect();
    names.sort();
    for p in names {
        got.extend(std::fs::read(p).expect("read"));
    }
    for (_, p) in backups_in(&fs.path, "app.log") {
        got.extend(std::fs::read(p).expect("read"));
    }
    got.extend(std::fs::read(fs.path.join("app.log")).expect("main"));
    assert_eq!(got.len(), input.len(), "bytes lost or written twice");
    assert!(got == input, "every byte exactly once, in order");
}

#[test]
fn injected_io_errors_are_retried_without_loss() {
    if !have("strace") {
        return;
    }
    let input = numbered(20_000, 50);
    // Every 7th write call from the 2nd on fails with EIO (the warnings on
    // stderr too); the writer retries.
    let (code, err, dir) = with_injected(
        "write",
        "2+7",
        &["-s", "64K", "-c", "1000", "app.log"],
        &input,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("Input/output error"), "{err}");
    assert_eq!(
        dir.set_content("app.log"),
        input,
        "nothing lost or written twice"
    );
}

/// Runs a writer under strace with its syscall `call` failing with EIO at
/// the `when`-th call of each thread (`1+`: every call); returns (exit
/// code, stderr, dir).
fn with_injected(
    call: &str,
    when: &str,
    args: &[&str],
    input: &[u8],
) -> (Option<i32>, String, Dir) {
    let dir = Dir::new();
    let cmd = strace(
        &dir,
        &[
            &format!("trace={call}"),
            &format!("inject={call}:error=EIO:when={when}"),
        ],
        Path::new("/dev/null"),
        args,
    );
    let out = run_with_input(cmd, input);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    )
}

#[test]
fn a_failed_fsync_is_reported_not_retried() {
    if !have("strace") {
        return;
    }
    let input = numbered(200, 10);
    // --fsync always: the first sync fails (strace counts per thread).
    let (code, err, dir) = with_injected(
        "fsync",
        "1",
        &["--fsync", "always", "-s", "0", "app.log"],
        &input,
    );
    assert_eq!(code, Some(1), "a failed sync makes the run fail: {err}");
    assert!(
        err.contains("cannot sync") && err.contains("Input/output error"),
        "{err}"
    );
    assert_eq!(
        err.matches("cannot sync").count(),
        1,
        "reported once, never retried: {err}"
    );
    assert_eq!(dir.set_content("app.log"), input, "writing went on");
    // --fsync rotate, every sync failing: each backup's failure is
    // reported once (its directory is then not synced), and the backups
    // still have their names.
    let (code, err, dir) = with_injected(
        "fsync",
        "1+",
        &["-s", "1K", "-c", "1000", "app.log"],
        &input,
    );
    assert_eq!(code, Some(1), "{err}");
    let backups = dir.backups("app.log").len();
    assert!(backups >= 2);
    assert_eq!(err.matches("cannot sync").count(), backups, "{err}");
    assert_eq!(dir.set_content("app.log"), input);
}

#[test]
fn the_directory_removed_and_recreated_under_a_live_writer() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("d")).expect("mkdir");
    let mut live = Live::ready(&dir, &["d/app.log"], "d/app.log");
    live.send_visible(&dir, "d/app.log", b"before\n");
    std::fs::remove_dir_all(dir.join("d")).expect("rm -rf");
    let after = numbered(100, 5);
    live.send(&after);
    // The writer holds the data while there is no directory.
    std::fs::create_dir(dir.join("d")).expect("mkdir");
    wait_until("the held lines", Duration::from_secs(10), || {
        dir.exists("d/app.log") && dir.read("d/app.log") == after
    });
    // The writer took its lock and socket anew in the new directory:
    // status sees it, and rotate reaches it.
    let st = dir
        .cmd(&["status", "--json", "d/app.log"])
        .output()
        .expect("status");
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).expect("json");
    assert_eq!(v["sets"][0]["writer"]["pid"], live.pid());
    let rot = dir.cmd(&["rotate", "d/app.log"]).output().expect("rotate");
    assert!(
        rot.status.success(),
        "{}",
        String::from_utf8_lossy(&rot.stderr)
    );
    assert_eq!(dir.read("d/app.log.1"), after);
    assert!(
        dir.run(&["d/app.log"], b"second writer\n").status.code() == Some(1),
        "a second writer started"
    );
    live.send(b"later\n");
    let out = live.finish();
    assert!(out.status.success());
    assert_eq!(dir.read("d/app.log"), b"later\n");
}

#[test]
fn a_file_size_limit_below_max_size_keeps_lines_whole() {
    let dir = Dir::new();
    let input = numbered(5_000, 60);
    let mut bash = Command::new("bash");
    bash.args([
        "-c",
        &format!("ulimit -f 16; exec {BIN} -s 1M -c 1000 app.log"),
    ])
    .current_dir(dir.path());
    let out = run_with_input(bash, &input);
    assert!(
        out.status.success(),
        "killed or failed: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.set_content("app.log"), input);
    for f in dir.set_files("app.log") {
        assert!(
            f.len() <= 16 * 1024,
            "a file of {} bytes past ulimit -f",
            f.len()
        );
        assert!(f.ends_with(b"\n"), "a line was split");
    }
}

#[test]
fn a_line_longer_than_the_file_size_limit_never_kills_the_writer() {
    let dir = Dir::new();
    let mut input = b"short\n".to_vec();
    input.extend(std::iter::repeat_n(b'L', 40 * 1024));
    input.extend_from_slice(b"\nafter\n");
    let mut bash = Command::new("bash");
    bash.args(["-c", &format!("ulimit -f 16; exec {BIN} -c 1000 app.log")])
        .current_dir(dir.path());
    let out = run_with_input(bash, &input);
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.set_content("app.log"), input, "every byte kept");
}

/// Where a set that writers killed at random moments left stands against
/// their input. A kill can cut a write short, leaving a line torn; the
/// next writer ends it with a newline before its own first line. So each
/// line of `got` is the next input line whole, or a proper start of it
/// and a newline (torn), and the last may be such a start without its
/// newline yet (the next writer ends it). Returns the input offset of the
/// next line after those `got` holds or began (where the next writer is
/// fed from) and how many lines were torn; or what is wrong.
fn torn_prefix(got: &[u8], input: &[u8]) -> Result<(usize, usize), String> {
    let (mut at, mut torn) = (0, 0);
    for g in got.split_inclusive(|&b| b == b'\n') {
        let Some(len) = input[at..].iter().position(|&b| b == b'\n').map(|i| i + 1) else {
            return Err(format!("more than the input at byte {at}"));
        };
        let want = &input[at..at + len];
        let glued = || {
            format!(
                "{:?} is no start of input line {:?} (byte {at})",
                String::from_utf8_lossy(g),
                String::from_utf8_lossy(want)
            )
        };
        if g != want {
            let body = g.strip_suffix(b"\n").unwrap_or(g);
            if body.is_empty() || !want.starts_with(body) {
                return Err(glued());
            }
            torn += usize::from(g.ends_with(b"\n"));
        }
        at += len;
    }
    Ok((at, torn))
}

/// Backups hold whole lines and are never empty.
fn check_backups(files: &[Vec<u8>], kill: usize) {
    let last = files.len().saturating_sub(1);
    for (i, f) in files.iter().enumerate() {
        if i < last {
            assert!(!f.is_empty(), "kill {kill}: an empty backup");
            assert!(f.ends_with(b"\n"), "kill {kill}: a backup ends mid-line");
        }
    }
}

#[test]
fn two_hundred_sigkills_lose_nothing_already_written() {
    let dir = Dir::new();
    let input = numbered(400_000, 30);
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let kills = 200;
    for kill in 0..=kills {
        // A writer restarted in append mode on what the last one left: once
        // it is up (a rotation the kill interrupted is finished by then),
        // the set must be a prefix of the input with whole lines but the
        // last. It is fed from where the set ends, busy with rotations,
        // and killed at a random moment.
        let fsync = if kill % 2 == 0 { "rotate" } else { "never" };
        let mut live = Live::ready(
            &dir,
            &["-s", "8K", "-c", "100000", "--fsync", fsync, "app.log"],
            "app.log",
        );
        let files = dir.set_files("app.log");
        let got: Vec<u8> = files.concat();
        let (at, _) = torn_prefix(&got, &input).unwrap_or_else(|e| {
            let sizes: Vec<usize> = files.iter().map(Vec::len).collect();
            panic!(
                "kill {kill}: {e}; files {:?} sizes {sizes:?}",
                dir.all_names()
            )
        });
        check_backups(&files, kill);
        if kill == kills {
            assert!(at > 100_000, "only {at} bytes got through {kills} kills");
            live.send(&input[at..]);
            assert!(live.finish().status.success());
            break;
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let chunk = 20_000 + (rng % 60_000) as usize;
        let data = input[at..(at + chunk).min(input.len())].to_vec();
        let mut stdin = live.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        std::thread::sleep(Duration::from_micros(rng % 4000));
        live.signal(Signal::KILL);
        let _ = live.wait();
        let _ = feeder.join();
    }
    // Every line whole but those a kill tore, each ended before the next
    // writer's first line (never glued to it), and the input's end there.
    let (at, torn) = torn_prefix(&dir.set_content("app.log"), &input).expect("the set");
    assert_eq!(at, input.len(), "the set ends with the input's end");
    assert!(torn <= kills, "{torn} torn lines in {kills} kills");
    eprintln!("{kills} SIGKILLs: {torn} lines torn by a kill, each ended by the next writer");
    // A kill in the middle of a cascade of renames may leave a gap in the
    // numbers; the next rotation closes it.
    let numbers: Vec<u64> = dir
        .backups("app.log")
        .iter()
        .rev()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(
        numbers,
        (1..=numbers.len() as u64).collect::<Vec<_>>(),
        "backups not numbered 1..k"
    );
    assert!(
        !dir.exists(".app.log.rollover-new"),
        "a crashed rotation was left unfinished"
    );
}

#[test]
fn symlinks_at_backups_and_at_the_lock_are_never_followed() {
    let dir = Dir::new();
    dir.write("target", b"precious\n");
    std::os::unix::fs::symlink(dir.join("target"), dir.join("app.log.1")).expect("symlink");
    // Rotations rename and finally delete the link, never the target.
    dir.ok(&["-s", "4", "-c", "2", "app.log"], b"one\ntwo\nsix\nten\n");
    assert_eq!(dir.read("target"), b"precious\n");
    assert!(!dir.exists("app.log.3"));

    let dir = Dir::new();
    dir.write("target", b"precious\n");
    std::os::unix::fs::symlink(dir.join("target"), dir.join(".app.log.rollover-lock"))
        .expect("symlink");
    let out = dir.run(&["app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, ".app.log.rollover-lock");
    assert_eq!(dir.read("target"), b"precious\n");
    let (code, err) = {
        let o = dir.cmd(&["rotate", "app.log"]).output().expect("rotate");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(dir.read("target"), b"precious\n");
}

#[test]
fn a_hard_linked_main_file_is_refused() {
    let dir = Dir::new();
    dir.write("other", b"shared\n");
    std::fs::hard_link(dir.join("other"), dir.join("app.log")).expect("link");
    let out = dir.run(&["app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, "hard links");
    let o = dir.cmd(&["rotate", "app.log"]).output().expect("rotate");
    assert_eq!(o.status.code(), Some(1));
    let o = dir.cmd(&["reset", "app.log"]).output().expect("reset");
    assert_eq!(o.status.code(), Some(1));
    // Mode w refuses it before deleting any backup.
    dir.write("app.log.1", b"backup\n");
    assert_eq!(
        dir.run(&["-m", "w", "app.log"], b"x\n").status.code(),
        Some(1)
    );
    assert_eq!(dir.read("app.log.1"), b"backup\n");
    std::fs::remove_file(dir.join("app.log.1")).expect("rm");
    assert_eq!(dir.read("other"), b"shared\n");
    assert_eq!(dir.names(), ["app.log", "other"]);
}

#[test]
fn a_fifo_at_path_is_refused() {
    let dir = Dir::new();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        dir.join("app.log"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");
    let out = dir.run(&["app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, "not a regular file");
}

#[test]
fn as_root_a_directory_others_can_write_is_refused() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    std::fs::create_dir(dir.join("open")).expect("mkdir");
    std::fs::set_permissions(dir.join("open"), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let out = dir.run(&["open/app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, "it is writable by every user");
    assert!(
        !dir.exists("open/app.log"),
        "created a file in an unsafe directory"
    );
    dir.ok(&["--insecure-dir", "open/app.log"], b"x\n");
    assert_eq!(dir.read("open/app.log"), b"x\n");
    // A group other than root's that can write it is named.
    std::fs::create_dir(dir.join("shared")).expect("mkdir");
    std::os::unix::fs::chown(dir.join("shared"), Some(0), Some(1)).expect("chown");
    std::fs::set_permissions(dir.join("shared"), std::fs::Permissions::from_mode(0o775))
        .expect("chmod");
    let out = dir.run(&["shared/app.log"], b"x\n");
    assert_eq!(out.status.code(), Some(1));
    let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(1))
        .ok()
        .flatten()
        .map_or_else(|| "1".to_string(), |g| g.name);
    one_line_naming(&out.stderr, &format!("it is writable by group {group}"));
}

#[test]
fn another_user_cannot_take_the_lock() {
    if !is_root() || !have("setpriv") {
        return;
    }
    let dir = Dir::new();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    let lock = dir.join(".app.log.rollover-lock");
    let meta = std::fs::metadata(&lock).expect("lock");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // flock(1) as nobody: the lock file cannot even be opened.
    let out = Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "flock",
            "-n",
            "-s",
        ])
        .arg(&lock)
        .arg("true")
        .output()
        .expect("setpriv");
    assert!(!out.status.success(), "nobody took the lock");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    let sock = dir.join(".app.log.rollover-sock");
    assert_eq!(
        std::fs::metadata(&sock).expect("sock").permissions().mode() & 0o777,
        0o600
    );
    live.send(b"still writing\n");
    assert!(live.finish().status.success());
    assert_eq!(dir.read("app.log"), b"still writing\n");
}

#[test]
fn a_stalled_writer_still_answers_a_reset() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = Tmpfs::mount(dir.join("small"), "64k") else {
        return;
    };
    let mut live = Live::ready(&dir, &["-s", "0", "small/app.log"], "small/app.log");
    // More than the file system holds, less than twice: the writer stalls
    // on a full disk, and what is left after a reset fits.
    let input = numbered(4_000, 20);
    assert!(input.len() > 64 * 1024 && input.len() < 120 * 1024);
    live.send(&input);
    wait_until("the file system to fill", Duration::from_secs(10), || {
        fs.free() < 4096
    });
    // A stall is a state of the loop, not a sleep in a write: a reset is
    // answered (dropping what was read, emptying the main file, which
    // frees the space), and writing resumes.
    let out = dir
        .cmd(&["reset", "--timeout", "5s", "small/app.log"])
        .output()
        .expect("reset");
    assert!(
        out.status.success(),
        "reset during a stall: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tail = b"after the reset\n";
    live.send_visible(&dir, "small/app.log", tail);
    let out = live.finish();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    // After the reset: whole input lines that were still in the pipe, in
    // order up to the input's end, then the tail.
    let rest = dir.read("small/app.log");
    let before = rest
        .strip_suffix(&tail[..])
        .expect("the tail ends the file");
    assert!(input.ends_with(before), "not the input's tail");
    let at = input.len() - before.len();
    assert!(
        at == 0 || input[at - 1] == b'\n',
        "a line was split at the reset"
    );
}

/// CPU time a process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces): utime is the
    // 12th and stime the 13th of them.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

/// How many write calls a process has made (`syscw` in /proc/PID/io),
/// failed ones included.
fn write_calls(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .expect("io")
        .lines()
        .find_map(|l| l.strip_prefix("syscw:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("syscw")
}

#[test]
fn a_stalled_writer_whose_input_ended_sleeps_until_space_returns() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = Tmpfs::mount(dir.join("small"), "64k") else {
        return;
    };
    let mut live = Live::ready(&dir, &["small/app.log"], "small/app.log");
    // Fill the file system, then give the writer a line and end its input.
    let filler = fs.path.join("filler");
    let _ = std::fs::write(&filler, vec![b'x'; 128 * 1024]);
    live.send(b"kept through the stall\n");
    drop(live.stdin.take());
    let pid = live.pid();
    let before = cpu_ticks(pid);
    // Seven more tries of the write, as the kernel counts the writer's
    // write calls: with a pause that doubles from 10 ms, over a second.
    let tries = write_calls(pid);
    wait_until("seven more tries", Duration::from_secs(10), || {
        write_calls(pid) >= tries + 7
    });
    // Retrying with back-off costs next to nothing; a loop woken by the
    // closed input at every turn would burn that whole second.
    let used = cpu_ticks(pid) - before;
    assert!(
        used < 30,
        "{used} ticks of CPU over seven tries while stalled"
    );
    std::fs::remove_file(&filler).expect("rm filler");
    let out = live.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.read("small/app.log"), b"kept through the stall\n");
}

/// Five clients that connect to a writer's socket and send nothing never
/// hold a line back: the line is in the file while all five are still
/// connected (the writer used to read each one on its own thread of work,
/// waiting a second per connection, and closed it before writing on).
/// A rotate asked meanwhile is answered too.
#[test]
fn silent_clients_of_the_writers_socket_never_delay_writing() {
    use std::io::Read;
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["app.log"], "app.log");
    let sock = dir.join(".app.log.rollover-sock");
    let silent: Vec<std::os::unix::net::UnixStream> = (0..5)
        .map(|_| std::os::unix::net::UnixStream::connect(&sock).expect("connect"))
        .collect();
    live.send_visible(&dir, "app.log", b"not held back\n");
    for mut s in &silent {
        s.set_nonblocking(true).expect("nonblocking");
        let mut byte = [0u8; 1];
        let still_open =
            matches!(s.read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        assert!(
            still_open,
            "the writer dealt with a silent client before writing"
        );
    }
    let out = dir.cmd(&["rotate", "app.log"]).output().expect("rotate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dir.read("app.log.1"), b"not held back\n");
    drop(silent);
    assert!(live.finish().status.success());
}
