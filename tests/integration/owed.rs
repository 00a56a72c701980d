//! A hook owed when its writer died, even by `SIGKILL`, runs on the next
//! writer or `rotate` of the set, with the command recorded for it: every
//! kept backup's hook runs at least once. Then random kills of a writer
//! that deletes for space and ships each backup to S3 (moto's server, the
//! README's recipe): afterwards the set is whole and every kept backup
//! has arrived.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{BIN, Dir, Live, Rng, Running, S3, Tmpfs, have, is_root, wait_until};

/// Kills a process group.
fn kill_group(pgid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// A hook that says its pid, waits for a file `go`, then records its
/// backup and reason in `hooked`.
const WAITING_HOOK: &str = "echo $$ >> hook.pids; while [ ! -e go ]; do sleep 0.01; done; \
                            echo \"$2 $ROLLOVER_REASON\" >> hooked";

/// A writer whose hook waits, killed by `SIGKILL` (its hook too) with the
/// hook for `app.log.1` owed.
fn killed_with_a_hook_owed(dir: &Dir) {
    let mut w = Live::start(
        dir,
        &[
            "-s",
            "1K",
            "-c",
            "5",
            "--on-rotate",
            WAITING_HOOK,
            "app.log",
        ],
    );
    w.send(
        &[b'a'; 99]
            .iter()
            .chain(b"\n")
            .copied()
            .collect::<Vec<u8>>()
            .repeat(15),
    );
    // Its pid written whole: the file exists from the shell's open on.
    wait_until("the hook to start", Duration::from_secs(10), || {
        std::fs::read(dir.join("hook.pids")).is_ok_and(|p| p.ends_with(b"\n"))
    });
    w.signal(rustix::process::Signal::KILL);
    // The hook outlives its writer (its own process group) and holds the
    // writer's stderr open: it goes first.
    for pid in String::from_utf8_lossy(&dir.read("hook.pids")).split_whitespace() {
        kill_group(pid.parse().expect("a pid"));
    }
    let _ = w.wait();
    std::fs::remove_file(dir.join("hook.pids")).expect("rm");
}

#[test]
fn a_hook_owed_by_a_killed_writer_runs_on_the_next_rotate_with_its_own_command() {
    let dir = Dir::new();
    killed_with_a_hook_owed(&dir);
    let status = String::from_utf8_lossy(&dir.ok(&["status", "app.log"], b"")).into_owned();
    let line = status
        .lines()
        .find(|l| l.contains("app.log.1"))
        .expect("backup 1");
    assert!(line.ends_with("(owed: hook)"), "{status}");
    assert!(!dir.exists("hooked"));
    dir.write("go", b"");
    // The next rotate runs the owed hook (its recorded command) for the
    // backup as named then, before it rotates; its own hook is for its own
    // new backup.
    dir.ok(
        &[
            "rotate",
            "-c",
            "5",
            "--on-rotate",
            "echo \"$2\" >> other",
            "app.log",
        ],
        b"",
    );
    // The set as its writer named it (relative to its directory).
    assert_eq!(dir.read("hooked"), b"app.log.1 size\n");
    assert_eq!(dir.read("other"), b"app.log.1\n");
    let status = String::from_utf8_lossy(&dir.ok(&["status", "app.log"], b"")).into_owned();
    assert!(!status.contains("owed"), "{status}");
    // Run once: a second rotate runs it no more.
    dir.ok(&["rotate", "-c", "5", "app.log"], b"");
    assert_eq!(
        dir.read("hooked").iter().filter(|&&b| b == b'\n').count(),
        1
    );
}

#[test]
fn a_hook_owed_by_a_killed_writer_runs_on_the_next_writer() {
    let dir = Dir::new();
    killed_with_a_hook_owed(&dir);
    dir.write("go", b"");
    // The next writer, without a hook of its own, runs it before it exits.
    dir.ok(&["-c", "5", "app.log"], b"more\n");
    let hooked = String::from_utf8_lossy(&dir.read("hooked")).into_owned();
    assert!(
        hooked.ends_with("app.log.1 size\n") && hooked.lines().count() == 1,
        "{hooked}"
    );
    let status = String::from_utf8_lossy(&dir.ok(&["status", "app.log"], b"")).into_owned();
    assert!(!status.contains("owed"), "{status}");
}

#[test]
fn a_hook_owed_for_a_backup_deleted_since_is_one_warning() {
    let dir = Dir::new();
    killed_with_a_hook_owed(&dir);
    std::fs::remove_file(dir.join("app.log.1")).expect("rm");
    let out = dir.run(&["rotate", "-c", "5", "app.log"], b"");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("skipped: its backup was deleted before its turn"),
        "{stderr}"
    );
    assert!(!dir.exists("hooked"));
    let again = dir.run(&["rotate", "-c", "5", "app.log"], b"");
    assert!(again.stderr.is_empty(), "warned once");
}

#[test]
fn killed_at_random_while_deleting_for_space_every_kept_backup_still_reaches_s3() {
    if !is_root() || !have("moto_server") || !have("aws") {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = Tmpfs::mount(dir.join("fs"), "8M") else {
        return;
    };
    let logs = fs.path.join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    let s3 = S3::start();
    assert!(
        s3.aws(dir.path(), &["s3", "mb", "s3://logs"])
            .status
            .success()
    );
    // The README's recipe.
    let hook = format!(
        "aws --endpoint-url {} s3 cp --quiet \"$ROLLOVER_BACKUP_FILE\" \
         \"s3://logs/app/$(date -u +%Y%m%dT%H%M%S.%N).gz\"",
        s3.endpoint
    );
    let main = logs.join("app.log");
    let args = [
        "-s",
        "128K",
        "-c",
        "40",
        "--compress",
        "gzip",
        "--keep-free",
        "6M",
        "--on-rotate",
        &hook,
    ];
    let mut rng = Rng::new();
    let mut next = 0u64;
    let mut kills = 0;
    let mut stderr = Vec::new();
    let started = Instant::now();
    // Rounds of a writer fed lines until a SIGKILL at a random moment; the
    // last round ends its input instead, and finishes what is owed.
    for round in 0..7 {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .arg(&main)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = S3::env(&mut cmd).spawn().expect("rollover");
        let mut stdin = child.stdin.take().expect("stdin");
        let err = child.stderr.take().expect("stderr");
        let reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut { err }, &mut v);
            v
        });
        let child = Running::new(child);
        let last = round == 6;
        let deadline = Instant::now() + Duration::from_millis(300 + rng.below(2500));
        let mut fed = 0;
        while if last {
            fed < 20
        } else {
            Instant::now() < deadline
        } {
            let chunk: Vec<u8> = (next..next + 1000)
                .flat_map(|i| format!("line {i:010} {}\n", noise(i)).into_bytes())
                .collect();
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            next += 1000;
            fed += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
        if last {
            drop(stdin);
            let status = child.take().wait().expect("wait");
            stderr.extend(reader.join().expect("stderr"));
            assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
        } else {
            child.signal(rustix::process::Signal::KILL);
            drop(child);
            drop(stdin);
            stderr.extend(reader.join().expect("stderr"));
            kills += 1;
        }
    }
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let deleted = stderr.lines().filter(|l| l.contains("for space")).count();
    assert!(deleted > 0, "nothing was deleted for space: {stderr}");
    // The set is whole: each backup in one form, compressed, no hidden
    // file but the state, lines whole and in order, none twice.
    let names: Vec<String> = std::fs::read_dir(&logs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let hidden: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with('.') && !n.ends_with("rollover-state"))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    let mut kept: Vec<(u64, Vec<u8>)> = names
        .iter()
        .filter_map(|n| {
            let rest = n.strip_prefix("app.log.")?;
            let number = rest.strip_suffix(".gz").unwrap_or(rest);
            assert!(rest.ends_with(".gz"), "{n} is not compressed");
            Some((
                number.parse().expect("a number"),
                std::fs::read(logs.join(n)).expect("read"),
            ))
        })
        .collect();
    kept.sort_by_key(|k| std::cmp::Reverse(k.0));
    let numbers: Vec<u64> = kept.iter().map(|k| k.0).collect();
    let mut seen = numbers.clone();
    seen.dedup();
    assert_eq!(seen, numbers, "a backup in two forms: {names:?}");
    let mut text = Vec::new();
    for (_, gz) in &kept {
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&gz[..]), &mut text)
            .expect("gunzip");
    }
    text.extend(std::fs::read(&main).expect("main"));
    let mut last_seen = None;
    for l in text.split_inclusive(|&b| b == b'\n') {
        let n: u64 = std::str::from_utf8(&l[5..15])
            .expect("utf8")
            .parse()
            .expect("whole line");
        assert!(l.ends_with(b"\n"));
        assert!(
            last_seen.is_none_or(|p| p < n),
            "line {n} out of order or twice"
        );
        last_seen = Some(n);
    }
    // Every kept backup arrived, byte for byte (a hook may have run twice:
    // at least once is the promise).
    let shipped = s3.objects(dir.path(), "s3://logs/app", "down");
    for (number, gz) in &kept {
        assert!(
            shipped.contains(gz),
            "app.log.{number}.gz never reached S3; {} objects; writers said:\n{}",
            shipped.len(),
            stderr
                .lines()
                .filter(|l| !l.contains("for space"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    eprintln!(
        "{kills} kills in {:.1}s, {} lines fed, {deleted} backups deleted for space, {} kept, \
         {} objects in S3, every kept backup among them",
        started.elapsed().as_secs_f64(),
        next,
        kept.len(),
        shipped.len()
    );
}

/// 64 hex digits that gzip cannot squeeze below half, so that the kept
/// backups alone (40 of 128 KiB, about 2.8 MiB gzipped) outgrow the 2 MiB
/// the rule leaves, whatever the random rounds feed: deleting for space
/// then happens in every run, not only when the hooks fall behind.
fn noise(i: u64) -> String {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..4).map(|k| format!("{:016x}", mix(i * 4 + k))).collect()
}
