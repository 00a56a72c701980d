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

#[test]
fn rotate_config_killed_at_random_two_hundred_times_leaves_every_set_whole() {
    let dir = Dir::new();
    let logs = dir.join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    let sets = 200;
    let conf = dir.join("rollover.toml");
    std::fs::write(
        &conf,
        format!(
            "state-dir = \"{}\"\n[[set]]\npaths = [\"{}/*.log\"]\nmax-count = 6\ncompress = \"gzip\"\n",
            dir.join("state").display(),
            logs.display()
        ),
    )
    .expect("config");
    let mut written = vec![0u64; sets];
    let mut rng = crate::util::Rng::new();
    let mut below = |n: u64| rng.below(n);
    let rotate = || {
        Command::new(BIN)
            .args(["rotate", "--config"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rotate")
    };
    // How long a whole run takes here, to kill within it.
    for (s, w) in written.iter_mut().enumerate() {
        append(&logs, s, 0, 200);
        *w = 200;
    }
    let started = Instant::now();
    let out = rotate().wait_with_output().expect("rotate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let whole = started.elapsed().as_micros() as u64;
    let mut killed_midway = 0;
    for _ in 0..200 {
        for (s, w) in written.iter_mut().enumerate() {
            append(&logs, s, *w, *w + 200);
            *w += 200;
        }
        let mut child = rotate();
        std::thread::sleep(Duration::from_micros(below(whole + whole / 2)));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if !status.success() {
            killed_midway += 1;
        }
    }
    // A clean run finishes what the kills left.
    let out = rotate().wait_with_output().expect("rotate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = std::fs::read_dir(&logs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let hidden: Vec<&String> = names.iter().filter(|n| n.starts_with('.')).collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    for (s, w) in written.iter().enumerate() {
        let (got, twice) = content(&logs, s);
        assert!(!twice, "set {s}: a backup in two forms");
        let first = *got.first().expect("lines");
        let want: Vec<u64> = (first..*w).collect();
        assert!(
            got == want,
            "set {s}: not every line once in order ({} lines from {first}, {w} written)",
            got.len()
        );
    }
    assert!(
        killed_midway >= 100,
        "only {killed_midway} of 200 kills landed mid-run"
    );
    eprintln!(
        "{killed_midway} of 200 SIGKILLs landed mid-run (a whole run of {sets} sets: {} ms); \
         afterwards every set whole, one form per backup, no hidden file",
        whole / 1000
    );
}
