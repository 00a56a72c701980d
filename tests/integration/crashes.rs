//! `rotate --config` batches its syncs (every compressed file written, one
//! `syncfs`, the renames and deletions, one more): killed by `SIGKILL` at
//! random moments, again and again, it still leaves every set whole for
//! the next run: every line written is there once and in order (but those
//! the count deleted), each backup in one form, no hidden file left.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{BIN, Dir, decompressed};

/// Appends lines `from..to` of set `s` to its main file.
fn append(dir: &Path, s: usize, from: u64, to: u64) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("s{s:03}.log")))
        .expect("main");
    let text: String = (from..to)
        .map(|j| format!("s{s:03} line {j:08} ........................\n"))
        .collect();
    f.write_all(text.as_bytes()).expect("append");
}

/// The set's lines' numbers, oldest backup first, main file last; and
/// whether any backup was in two forms.
fn content(dir: &Path, s: usize) -> (Vec<u64>, bool) {
    let base = format!("s{s:03}.log");
    let mut backups: Vec<(u64, String)> = Vec::new();
    let mut twice = false;
    for e in std::fs::read_dir(dir).expect("ls") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&format!("{base}.")) else {
            continue;
        };
        let n: u64 = rest
            .split('.')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a number");
        twice |= backups.iter().any(|b| b.0 == n);
        backups.push((n, name));
    }
    backups.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut data = Vec::new();
    for (_, name) in &backups {
        data.extend(decompressed(&dir.join(name)));
    }
    data.extend(std::fs::read(dir.join(&base)).unwrap_or_default());
    let numbers = data
        .split_inclusive(|&b| b == b'\n')
        .map(|l| {
            let text = String::from_utf8_lossy(l);
            assert!(
                text.starts_with(&format!("s{s:03} line ")) && text.ends_with('\n'),
                "a torn or foreign line in {base}: {text:?}"
            );
            text[10..18].parse().expect("a number")
        })
        .collect();
    (numbers, twice)
}

/// `rotate --config` over 200 sets of `logs`, each `max-count 6` with
/// gzip, its state in `state`.
struct Run {
    conf: std::path::PathBuf,
    logs: std::path::PathBuf,
    written: Vec<u64>,
}

impl Run {
    fn new(conf: std::path::PathBuf, logs: std::path::PathBuf, state: &Path) -> Run {
        std::fs::create_dir_all(&logs).expect("mkdir");
        std::fs::write(
            &conf,
            format!(
                "state-dir = \"{}\"\n[[set]]\npaths = [\"{}/*.log\"]\nmax-count = 6\ncompress = \"gzip\"\n",
                state.display(),
                logs.display()
            ),
        )
        .expect("config");
        Run {
            conf,
            logs,
            written: vec![0; 200],
        }
    }

    /// 200 more lines into every set.
    fn feed(&mut self) {
        for (s, w) in self.written.iter_mut().enumerate() {
            append(&self.logs, s, *w, *w + 200);
            *w += 200;
        }
    }

    fn rotate(&self) -> std::process::Child {
        Command::new(BIN)
            .args(["rotate", "--config"])
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rotate")
    }

    /// A whole run, timed (microseconds).
    fn clean(&self) -> u64 {
        let started = Instant::now();
        let out = self.rotate().wait_with_output().expect("rotate");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        started.elapsed().as_micros() as u64
    }

    /// Every set holds every line once and in order (but those the count
    /// deleted), each backup in one form, and no hidden file is left.
    fn check(&self) {
        let names: Vec<String> = std::fs::read_dir(&self.logs)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        let hidden: Vec<&String> = names.iter().filter(|n| n.starts_with('.')).collect();
        assert!(hidden.is_empty(), "left behind: {hidden:?}");
        for (s, w) in self.written.iter().enumerate() {
            let (got, twice) = content(&self.logs, s);
            assert!(!twice, "set {s}: a backup in two forms");
            let first = *got.first().expect("lines");
            let want: Vec<u64> = (first..*w).collect();
            assert!(
                got == want,
                "set {s}: not every line once in order ({} lines from {first}, {w} written)",
                got.len()
            );
        }
    }
}

#[test]
fn rotate_config_killed_at_random_two_hundred_times_leaves_every_set_whole() {
    let dir = Dir::new();
    let mut run = Run::new(
        dir.join("rollover.toml"),
        dir.join("logs"),
        &dir.join("state"),
    );
    let mut rng = crate::util::Rng::new();
    // How long a whole run takes here, to kill within it.
    run.feed();
    let whole = run.clean();
    let mut killed_midway = 0;
    for _ in 0..200 {
        run.feed();
        let mut child = run.rotate();
        std::thread::sleep(Duration::from_micros(rng.below(whole + whole / 2)));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if !status.success() {
            killed_midway += 1;
        }
    }
    // A clean run finishes what the kills left.
    run.clean();
    run.check();
    assert!(
        killed_midway >= 100,
        "only {killed_midway} of 200 kills landed mid-run"
    );
    eprintln!(
        "{killed_midway} of 200 SIGKILLs landed mid-run (a whole run of 200 sets: {} ms); \
         afterwards every set whole, one form per backup, no hidden file",
        whole / 1000
    );
}

/// A frozen file system, thawed when dropped (a failed test must not
/// leave it frozen: unmounting would hang).
struct Frozen<'a>(&'a Path);

impl<'a> Frozen<'a> {
    fn freeze(at: &'a Path) -> Frozen<'a> {
        let ok = Command::new("fsfreeze")
            .arg("-f")
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "fsfreeze -f {}", at.display());
        Frozen(at)
    }
}

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        let _ = Command::new("fsfreeze").arg("-u").arg(self.0).status();
    }
}

/// The same on a loop-mounted ext4 frozen (`fsfreeze`) at a random moment
/// of each run and thawed a moment later, the run SIGKILLed while frozen,
/// after the thaw, or not at all.
#[test]
fn rotate_config_frozen_and_thawed_mid_run_then_killed_leaves_every_set_whole() {
    let dir = Dir::new();
    if !crate::util::have("fsfreeze") {
        return;
    }
    let Some(fs) = crate::util::Ext4::mount(dir.join("fs"), 256) else {
        return;
    };
    let mut run = Run::new(
        dir.join("rollover.toml"),
        fs.path.join("logs"),
        &fs.path.join("state"),
    );
    let mut rng = crate::util::Rng::new();
    run.feed();
    let whole = run.clean();
    let rounds = 100;
    let (mut frozen_midway, mut killed_frozen, mut killed_after, mut finished) = (0, 0, 0, 0);
    for _ in 0..rounds {
        run.feed();
        let mut child = run.rotate();
        std::thread::sleep(Duration::from_micros(rng.below(whole)));
        let way = rng.below(3);
        {
            let _frozen = Frozen::freeze(&fs.path);
            if child.try_wait().expect("wait").is_none() {
                frozen_midway += 1;
            }
            std::thread::sleep(Duration::from_micros(rng.below(20_000)));
            if way == 0 {
                // Blocked on the frozen file system, it dies at the thaw.
                let _ = child.kill();
            }
        }
        if way == 1 {
            std::thread::sleep(Duration::from_micros(rng.below(whole / 2)));
            let _ = child.kill();
        }
        let status = child.wait().expect("wait");
        match (way, status.success()) {
            (_, true) => finished += 1,
            (0, false) => killed_frozen += 1,
            _ => killed_after += 1,
        }
    }
    run.clean();
    run.check();
    assert!(
        frozen_midway >= rounds / 2,
        "only {frozen_midway} of {rounds} freezes landed mid-run"
    );
    eprintln!(
        "{rounds} runs frozen and thawed ({frozen_midway} mid-run; a whole run {} ms): \
         {killed_frozen} SIGKILLed while frozen, {killed_after} after the thaw, {finished} finished; \
         afterwards every set whole, one form per backup, no hidden file",
        whole / 1000
    );
}
