//! `--keep-free` and `--min-keep` on real, small file systems (a tmpfs
//! mounted for each test) that another file fills while a live writer
//! runs: the writer keeps going by deleting its oldest backups, the kept
//! lines are the newest, whole and in order, free space never drops below
//! the rule by more than one write of the writer's own, `--min-keep`
//! holds, and with nothing left to delete it stalls or drops as before.
//! Then `rotate --config` across stanzas, and the rule's bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::util::{BIN, Dir, Running, Tmpfs, is_root, wait_output, wait_until};

/// The writer's largest single write: its read buffer (256 KiB).
const ONE_WRITE: u64 = 256 << 10;

/// Free space on the file system holding `path`, as an unprivileged user
/// sees it.
fn free(path: &Path) -> u64 {
    let st = rustix::fs::statvfs(path).expect("statvfs");
    st.f_bavail * st.f_frsize
}

/// Numbered lines `from..to`, each 64 bytes with its newline.
fn lines(from: u64, to: u64) -> Vec<u8> {
    (from..to)
        .flat_map(|i| format!("line {i:010} {}\n", "x".repeat(47)).into_bytes())
        .collect()
}

/// The numbers of the lines in `data`; panics on a line that is not one
/// of ours, whole.
fn numbers(data: &[u8]) -> Vec<u64> {
    data.split_inclusive(|&b| b == b'\n')
        .map(|l| {
            assert!(
                l.len() == 64 && l.ends_with(b"\n"),
                "a split or foreign line: {:?}",
                String::from_utf8_lossy(l)
            );
            std::str::from_utf8(&l[5..15])
                .expect("utf8")
                .parse()
                .expect("a number")
        })
        .collect()
}

/// The set's files in `dir`, oldest backup first, main file last.
fn set_files(dir: &Path, base: &str) -> Vec<PathBuf> {
    let mut backups: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .expect("ls")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix(base)?.strip_prefix('.')?.parse().ok()?;
            Some((n, dir.join(name)))
        })
        .collect();
    backups.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut files: Vec<PathBuf> = backups.into_iter().map(|b| b.1).collect();
    files.push(dir.join(base));
    files
}

/// The set's lines' numbers, oldest first.
fn kept(dir: &Path, base: &str) -> Vec<u64> {
    let data: Vec<u8> = set_files(dir, base)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap_or_default())
        .collect();
    numbers(&data)
}

/// Asserts the kept lines are exactly the newest run ending at `last`.
fn newest_run(kept: &[u64], last: u64) {
    let first = *kept.first().expect("some lines kept");
    let want: Vec<u64> = (first..=last).collect();
    assert!(
        kept == want,
        "kept lines are not {first}..={last} in order: {} lines, first {first}",
        kept.len()
    );
}

/// A tmpfs of `size` with a log directory in it.
fn small_disk(dir: &Dir, size: &str) -> Option<(Tmpfs, PathBuf)> {
    if !is_root() {
        return None;
    }
    let fs = Tmpfs::mount(dir.join("fs"), size)?;
    let logs = fs.path.join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    Some((fs, logs))
}

/// Another program's file: grows by `step` bytes at a time until it has
/// `bytes` more, or the disk is full.
fn grow(path: &Path, bytes: u64, step: usize) -> u64 {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("filler");
    let block = vec![b'f'; step];
    let mut done = 0;
    while done < bytes {
        let n = usize::try_from(bytes - done).unwrap_or(step).min(step);
        match f.write(&block[..n]) {
            Ok(0) | Err(_) => break,
            Ok(n) => done += n as u64,
        }
    }
    done
}

/// A writer on the set, fed through a pipe.
fn writer(logs: &Path, args: &[&str]) -> (Running, ChildStdin) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg(logs.join("app.log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollover");
    let stdin = child.stdin.take().expect("stdin");
    (Running::new(child), stdin)
}

/// Waits until the writer has written line `last` (its main file ends
/// with it).
fn written(logs: &Path, last: u64) {
    let want = lines(last, last + 1);
    wait_until(
        "the writer to write the last line",
        Duration::from_secs(60),
        || std::fs::read(logs.join("app.log")).is_ok_and(|d| d.ends_with(&want)),
    );
}

/// The lowest free space seen while `on`, sampled every millisecond.
struct Sampler {
    lowest: Arc<AtomicU64>,
    on: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(path: PathBuf) -> Sampler {
        let lowest = Arc::new(AtomicU64::new(u64::MAX));
        let on = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, o, s) = (Arc::clone(&lowest), Arc::clone(&on), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if o.load(Ordering::Relaxed) {
                    l.fetch_min(free(&path), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Sampler {
            lowest,
            on,
            stop,
            thread: Some(thread),
        }
    }

    fn lowest(&self) -> u64 {
        self.lowest.load(Ordering::Relaxed)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn finish(writer: Running, stdin: ChildStdin) -> (bool, String) {
    drop(stdin);
    let out = wait_output(writer.take(), Duration::from_secs(60));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_writer_on_a_filling_disk_keeps_going_by_deleting_its_oldest_backups() {
    let dir = Dir::new();
    let Some((fs, logs)) = small_disk(&dir, "24M") else {
        return;
    };
    let rule: u64 = 6 << 20;
    grow(&fs.path.join("filler"), 8 << 20, 64 << 10);
    let (w, mut stdin) = writer(&logs, &["-s", "256K", "-c", "100", "--keep-free", "6M"]);
    let sampler = Sampler::start(logs.clone());
    // 1: the writer alone fills the disk down to the rule (20 MiB in, 8
    // MiB of room above the rule).
    let mut next = 0;
    let mut feed = |stdin: &mut ChildStdin, n: u64| {
        stdin.write_all(&lines(next, next + n)).expect("feed");
        next += n;
        next - 1
    };
    let last = feed(&mut stdin, 20 << 14);
    written(&logs, last);
    let lowest_alone = sampler.lowest();
    // 2: another program takes 4 MiB more while the writer writes on.
    sampler.on.store(false, Ordering::Relaxed);
    let filler = {
        let path = fs.path.join("filler");
        std::thread::spawn(move || {
            let mut grown = 0;
            while grown < 4 << 20 {
                grown += grow(&path, 512 << 10, 64 << 10);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let last = feed(&mut stdin, 10 << 14);
    filler.join().expect("filler");
    written(&logs, last);
    // 3: the writer alone again.
    sampler.lowest.store(u64::MAX, Ordering::Relaxed);
    sampler.on.store(true, Ordering::Relaxed);
    let last = feed(&mut stdin, 8 << 14);
    written(&logs, last);
    let lowest_after = sampler.lowest();
    drop(sampler);
    let (ok, stderr) = finish(w, stdin);
    assert!(ok, "{stderr}");
    let deletions = stderr.lines().filter(|l| l.contains("for space")).count();
    assert!(deletions >= 40, "{deletions} deletions: {stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("rollover: warning: deleted ")),
        "{stderr}"
    );
    newest_run(&kept(&logs, "app.log"), last);
    for (phase, lowest) in [
        ("alone", lowest_alone),
        ("after the other program", lowest_after),
    ] {
        assert!(
            lowest + ONE_WRITE >= rule,
            "{phase}: free space fell to {lowest}, below the rule {rule} by more than one write"
        );
    }
    let backups = set_files(&logs, "app.log").len() - 1;
    eprintln!(
        "keep-free fill: {} MiB written, {deletions} backups deleted for space, {backups} kept; \
         lowest free {:.2} MiB alone and {:.2} MiB after the other program, against the rule's 6 MiB",
        (next * 64) >> 20,
        lowest_alone as f64 / 1048576.0,
        lowest_after as f64 / 1048576.0
    );
}

/// What [`full_disk`] leaves: the writer, the feeding thread (done once
/// the producer got rid of its input, returning the writer's stdin), the
/// last line fed, and the backups there were before the disk filled.
struct Full {
    writer: Running,
    feeder: std::thread::JoinHandle<ChildStdin>,
    last: u64,
    backups: usize,
}

/// Fills a disk with a writer running under `--keep-free 1M --min-keep
/// 1` and a size limit larger than the disk, so that no rotation makes a
/// backup to delete: 3 backups of 1.5 MiB (each made by `rollover
/// rotate`), then another program takes every byte left while 6 MiB more
/// are fed: deleting 2 backups frees 3 MiB, and the rest is more than the
/// pipe and the writer's buffer hold.
fn full_disk(logs: &Path, fs: &Tmpfs, extra: &[&str]) -> Full {
    let mut args = vec![
        "-s",
        "100M",
        "-c",
        "5",
        "--keep-free",
        "1M",
        "--min-keep",
        "1",
    ];
    args.extend_from_slice(extra);
    let (w, mut stdin) = writer(logs, &args);
    let chunk = 3 << 13;
    for i in 0..3 {
        stdin
            .write_all(&lines(i * chunk, (i + 1) * chunk))
            .expect("feed");
        written(logs, (i + 1) * chunk - 1);
        let rotated = Command::new(BIN)
            .arg("rotate")
            .arg(logs.join("app.log"))
            .status()
            .expect("rotate");
        assert!(rotated.success());
    }
    let backups = set_files(logs, "app.log").len() - 1;
    assert_eq!(backups, 3);
    grow(&fs.path.join("filler"), u64::MAX, 4096);
    assert!(free(logs) < 4096);
    let from = 3 * chunk;
    let feeder = std::thread::spawn(move || {
        stdin
            .write_all(&lines(from, from + (6 << 14)))
            .expect("feed");
        stdin
    });
    Full {
        writer: w,
        feeder,
        last: from + (6 << 14) - 1,
        backups,
    }
}

#[test]
fn with_only_min_keep_backups_left_a_full_disk_stalls_and_loses_nothing() {
    let dir = Dir::new();
    let Some((fs, logs)) = small_disk(&dir, "8M") else {
        return;
    };
    let Full {
        writer: w,
        feeder,
        last,
        backups,
    } = full_disk(&logs, &fs, &[]);
    // The writer deletes down to --min-keep and writes into what that
    // freed, until the disk is full again: then it stalls, and the
    // producer waits on the full pipe (its input cannot all fit).
    wait_until(
        "the writer to fill what it freed",
        Duration::from_secs(30),
        || set_files(&logs, "app.log").len() - 1 == 1 && free(&logs) < 64 << 10,
    );
    assert!(!feeder.is_finished(), "the producer was not held back");
    std::fs::remove_file(fs.path.join("filler")).expect("rm filler");
    let stdin = feeder.join().expect("feeder");
    let (ok, stderr) = finish(w, stdin);
    assert!(ok, "{stderr}");
    let deleted = stderr.lines().filter(|l| l.contains("for space")).count();
    assert_eq!(
        deleted,
        backups - 1,
        "down to --min-keep and no further: {stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("keeping the data and retrying"), "{stderr}");
    newest_run(&kept(&logs, "app.log"), last);
}

#[test]
fn with_only_min_keep_backups_left_a_full_disk_drops_whole_lines_with_a_marker() {
    let dir = Dir::new();
    let Some((fs, logs)) = small_disk(&dir, "8M") else {
        return;
    };
    let Full {
        writer: w,
        feeder,
        last,
        ..
    } = full_disk(&logs, &fs, &["--on-stall", "drop", "--buffer", "64K"]);
    // Reading never stops: the producer gets rid of all its input while
    // the disk is full.
    wait_until("the producer to be done", Duration::from_secs(30), || {
        feeder.is_finished()
    });
    assert_eq!(
        set_files(&logs, "app.log").len() - 1,
        1,
        "never below --min-keep"
    );
    std::fs::remove_file(fs.path.join("filler")).expect("rm filler");
    let mut stdin = feeder.join().expect("feeder");
    // The gap ends once the waiting lines are written, with its marker;
    // a line after that is written.
    wait_until("the gap's marker", Duration::from_secs(30), || {
        std::fs::read(logs.join("app.log"))
            .is_ok_and(|d| d.windows(18).any(|w| w == b"rollover: dropped "))
    });
    stdin.write_all(&lines(last + 1, last + 2)).expect("feed");
    written(&logs, last + 1);
    let (ok, stderr) = finish(w, stdin);
    assert!(ok, "{stderr}");
    let data: Vec<u8> = set_files(&logs, "app.log")
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap_or_default())
        .collect();
    let text = String::from_utf8_lossy(&data);
    let markers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("rollover: dropped "))
        .collect();
    assert_eq!(markers.len(), 1, "one gap, one marker: {markers:?}");
    let ours: Vec<u8> = data
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.starts_with(b"rollover: dropped "))
        .flatten()
        .copied()
        .collect();
    let kept = numbers(&ours);
    assert!(kept.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");
    assert_eq!(kept.last(), Some(&(last + 1)));
}

#[test]
fn a_rule_larger_than_the_disk_is_one_warning_and_keeps_min_keep_backups() {
    let dir = Dir::new();
    let Some((_fs, logs)) = small_disk(&dir, "4M") else {
        return;
    };
    for (min_keep, kept_backups) in [("1", 1), ("2", 2)] {
        let (w, mut stdin) = writer(
            &logs,
            &[
                "-s",
                "16K",
                "-c",
                "20",
                "--keep-free",
                "100%",
                "--min-keep",
                min_keep,
            ],
        );
        stdin.write_all(&lines(0, 4096)).expect("feed");
        let (ok, stderr) = finish(w, stdin);
        assert!(ok, "{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("rollover: warning: --keep-free 100% is as much as the file system"),
            "{stderr}"
        );
        assert_eq!(
            stderr.matches("--keep-free 100% is as much").count(),
            1,
            "{stderr}"
        );
        assert_eq!(
            set_files(&logs, "app.log").len() - 1,
            kept_backups,
            "{stderr}"
        );
        newest_run(&kept(&logs, "app.log"), 4095);
    }
}

#[test]
fn bad_rules_are_usage_errors() {
    let dir = Dir::new();
    for args in [
        &["--keep-free", "150%"][..],
        &["--keep-free", "-1"],
        &["--keep-free", "-1%"],
        &["--keep-free", "lots"],
        &["--keep-free", "1G", "--min-keep", "-1"],
        &["--keep-free", "1G", "--min-keep", "x"],
        &["--min-keep", "2"],
    ] {
        let out = dir.run(&[args, &["app.log"]].concat(), b"x\n");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.exists("app.log"), "{args:?} created the set");
    }
    let out = dir.run(&["rotate", "--keep-free", "101%", "app.log"], b"");
    assert_eq!(out.status.code(), Some(2));
}

/// Makes a set of numbered backups of `size` bytes each, the oldest
/// written `ages[0]` seconds ago, in `dir`.
fn backups(dir: &Path, ages: &[u64], size: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("app.log"), b"").expect("main");
    let now = std::time::SystemTime::now();
    for (i, age) in ages.iter().enumerate() {
        let path = dir.join(format!("app.log.{}", ages.len() - i));
        std::fs::write(&path, vec![b'b'; size]).expect("backup");
        let t = filetime::FileTime::from_system_time(now - Duration::from_secs(*age));
        filetime::set_file_mtime(&path, t).expect("mtime");
    }
}

#[test]
fn rotate_config_deletes_oldest_first_across_the_stanzas_with_the_rule() {
    let dir = Dir::new();
    let Some((fs, _)) = small_disk(&dir, "16M") else {
        return;
    };
    let size = 1 << 20;
    // a and b have the rule (b keeps at least 3), c has none.
    backups(&fs.path.join("a"), &[900, 700, 500, 300], size);
    backups(&fs.path.join("b"), &[1000, 800, 600, 400, 200], size);
    backups(&fs.path.join("c"), &[2000, 1900], size);
    // Leave 2 MiB free; the rule wants 6 MiB: four backups must go.
    let room = free(&fs.path);
    grow(&fs.path.join("filler"), room - (2 << 20), 1 << 20);
    let conf = dir.join("rollover.toml");
    std::fs::write(
        &conf,
        format!(
            "[[set]]\npaths = [\"{0}/a/app.log\"]\nkeep-free = \"6M\"\n\n\
             [[set]]\npaths = [\"{0}/b/app.log\"]\nkeep-free = \"6M\"\nmin-keep = 3\n\n\
             [[set]]\npaths = [\"{0}/c/app.log\"]\n",
            fs.path.display()
        ),
    )
    .expect("config");
    let out = Command::new(BIN)
        .args(["rotate", "--config"])
        .arg(&conf)
        .output()
        .expect("rotate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let names = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(fs.path.join(d))
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    };
    // By age: b.5 (1000 s), a.4 (900), b.4 (800), a.3 (700); b.3 (600)
    // would be next, but that is enough.
    assert_eq!(
        names("a"),
        ["app.log", "app.log.1", "app.log.2"],
        "{stderr}"
    );
    assert_eq!(
        names("b"),
        ["app.log", "app.log.1", "app.log.2", "app.log.3"],
        "{stderr}"
    );
    assert_eq!(
        names("c"),
        ["app.log", "app.log.1", "app.log.2"],
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        4,
        "one warning per deletion: {stderr}"
    );
    assert!(free(&fs.path) >= 6 << 20);
    // status says what the rule deleted.
    let status = Command::new(BIN)
        .arg("status")
        .arg(fs.path.join("b/app.log"))
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("keep-free 6.0M (min-keep 3): 2 backups (2.0M) deleted for space"),
        "{text}"
    );
    // Once the rule holds, nothing more goes; and b never below 3.
    std::fs::remove_file(fs.path.join("filler")).expect("rm");
    grow(&fs.path.join("filler"), free(&fs.path) - (1 << 20), 1 << 20);
    let out = Command::new(BIN)
        .args(["rotate", "--config"])
        .arg(&conf)
        .output()
        .expect("rotate");
    assert!(out.status.success());
    assert_eq!(names("a"), ["app.log", "app.log.1"]);
    assert_eq!(
        names("b"),
        ["app.log", "app.log.1", "app.log.2", "app.log.3"]
    );
    assert_eq!(names("c"), ["app.log", "app.log.1", "app.log.2"]);
}

#[test]
fn free_space_is_read_at_most_once_a_second_and_at_each_rotation() {
    if !crate::util::have("strace") {
        return;
    }
    let dir = Dir::new();
    let log = dir.join("trace");
    // 3 s of lines, one every 2 ms, each its own read and write; a
    // rotation every 500 lines (32000 bytes): 2 rotations.
    let cmd = crate::util::strace(
        &dir,
        &["trace=statfs,fstatfs"],
        &log,
        &["-s", "32000", "-c", "10", "--keep-free", "1%", "app.log"],
    );
    let mut live = crate::util::Live::spawn(cmd);
    let started = std::time::Instant::now();
    let mut n = 0;
    while n < 1500 {
        live.send(&lines(n, n + 1));
        n += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = live.finish();
    let secs = started.elapsed().as_secs();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = std::fs::read_to_string(&log).expect("trace");
    let reads = trace.lines().filter(|l| l.contains("statfs(")).count() as u64;
    let rotations = dir
        .names()
        .iter()
        .filter(|n| n.starts_with("app.log."))
        .count() as u64;
    assert_eq!(rotations, 2, "{:?}", dir.names());
    // At start, at most once a second, and at each rotation.
    assert!(
        reads <= 1 + secs + 1 + rotations,
        "{reads} reads of the free space in {secs} s with {rotations} rotations, for 1500 writes"
    );
    assert!(reads > rotations, "{reads}: not read at each rotation");
}

#[test]
fn rotate_keeps_free_space_for_a_set_it_names() {
    let dir = Dir::new();
    let Some((fs, logs)) = small_disk(&dir, "8M") else {
        return;
    };
    backups(&logs, &[500, 400, 300, 200], 1 << 20);
    std::fs::write(logs.join("app.log"), vec![b'm'; 1 << 20]).expect("main");
    let room = free(&fs.path);
    grow(&fs.path.join("filler"), room - (1 << 20), 1 << 20);
    // After its rotation (5 backups, 1 MiB free), two must go for 3 MiB.
    let out = Command::new(BIN)
        .args(["rotate", "-c", "10", "--keep-free", "3M", "--min-keep", "1"])
        .arg(logs.join("app.log"))
        .output()
        .expect("rotate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    let backups = set_files(&logs, "app.log").len() - 1;
    assert_eq!(backups, 3);
    assert!(free(&fs.path) >= 3 << 20);
}

#[test]
fn a_writer_over_its_quota_deletes_its_oldest_backups() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    let image = dir.join("q.img");
    let at = dir.join("q");
    std::fs::create_dir(&at).expect("mkdir");
    std::fs::File::create(&image)
        .and_then(|f| f.set_len(64 << 20))
        .expect("image");
    let made = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-O", "quota", "-E", "quotatype=usrquota"])
        .arg(&image)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfs.ext4 -O quota");
    let mounted = Command::new("mount")
        .args(["-o", "loop,usrquota"])
        .arg(&image)
        .arg(&at)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        // Not a missing tool: a kernel built without CONFIG_QUOTA cannot
        // mount a file system with quotas. ENOSPC takes the same path.
        eprintln!(
            "{}: this kernel cannot mount ext4 with quotas (CONFIG_QUOTA); EDQUOT not exercised here",
            std::thread::current().name().unwrap_or("quota test")
        );
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(at.clone());
    if !crate::util::have("setquota") || !crate::util::have("setpriv") {
        return;
    }
    let logs = at.join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    let chown = Command::new("chown")
        .args(["nobody:nogroup"])
        .arg(&logs)
        .status();
    assert!(chown.is_ok_and(|s| s.success()));
    // 2 MiB for nobody, hard.
    let quota = Command::new("setquota")
        .args(["-u", "nobody", "2048", "2048", "0", "0"])
        .arg(&at)
        .status();
    assert!(quota.is_ok_and(|s| s.success()), "setquota");
    let mut child = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN])
        .args(["-s", "256K", "-c", "50", "--keep-free", "1K"])
        .arg(logs.join("app.log"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setpriv");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&lines(0, 6 << 14)).expect("feed");
    drop(stdin);
    let out = wait_output(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Disk quota exceeded"), "{stderr}");
    newest_run(&kept(&logs, "app.log"), (6 << 14) - 1);
}
