//! `rollover cat` and `rollover follow` beside a live writer that rotates
//! and compresses: every line once, in order; `follow --checkpoint` killed
//! and restarted; `--since`/`--until` against a model; bad input.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use proptest::prelude::*;

use crate::util::{BIN, Dir, Running, wait_until};

/// Line `i`: fixed width, so that a torn one is told from a whole one.
fn line(i: u64) -> Vec<u8> {
    format!("L{i:09}|\n").into_bytes()
}

/// The numbers of the whole lines in `data`, and how many torn ones.
fn numbers(data: &[u8]) -> (Vec<u64>, usize) {
    let mut out = Vec::new();
    let mut torn = 0;
    for l in data.split_inclusive(|&b| b == b'\n') {
        match (l.len() == 12 && l[0] == b'L' && l[10] == b'|')
            .then(|| std::str::from_utf8(&l[1..10]).ok()?.parse().ok())
            .flatten()
        {
            Some(n) => out.push(n),
            None => torn += 1,
        }
    }
    (out, torn)
}

/// Waits until follow's output file ends with line `last`.
fn wait_for_line(out: &std::path::Path, last: u64) {
    wait_until(
        "follow to print the last line",
        Duration::from_secs(60),
        || std::fs::read(out).is_ok_and(|d| d.ends_with(&line(last))),
    );
}

/// Stops follow by SIGTERM, which must end it with 0.
fn term(f: Running) -> std::process::Output {
    f.signal(rustix::process::Signal::TERM);
    let done = f.take().wait_with_output().expect("wait");
    assert!(done.status.success(), "SIGTERM ends follow with 0");
    done
}

/// A writer at full speed on `app.log` in `dir` (no sync, 1 MiB files,
/// 50 kept, each compressed with zstd as it becomes a backup), fed
/// `total` lines in chunks by a thread, `pause` between chunks.
fn writer(dir: &Dir, total: u64, pause: Duration) -> (Running, std::thread::JoinHandle<()>) {
    let mut child = dir
        .cmd(&[
            "--fsync",
            "never",
            "-s",
            "1M",
            "-c",
            "50",
            "--compress",
            "zstd",
            "--compress-from",
            "1",
            "app.log",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("writer");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let chunk = 20_000;
        let mut i = 0;
        while i < total {
            let data: Vec<u8> = (i..(i + chunk).min(total)).flat_map(line).collect();
            stdin.write_all(&data).expect("feed");
            i += chunk;
            std::thread::sleep(pause);
        }
    });
    (Running::new(child), feeder)
}

#[test]
fn cat_beside_a_live_writer_prints_a_contiguous_run_once() {
    let dir = Dir::new();
    dir.write("app.log", b"");
    let total = 1_000_000;
    let (w, feeder) = writer(&dir, total, Duration::from_millis(30));
    let mut rng = crate::util::Rng::new();
    let started = Instant::now();
    let mut runs = 0;
    while !feeder.is_finished() {
        std::thread::sleep(Duration::from_millis(100 + rng.below(300)));
        let out = dir.cmd(&["cat", "app.log"]).output().expect("cat");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (got, torn) = numbers(&out.stdout);
        assert_eq!(torn, 0, "a split line");
        if let (Some(first), Some(last)) = (got.first(), got.last()) {
            assert_eq!(*first, 0, "the oldest line first (50 backups hold it all)");
            let want: Vec<u64> = (*first..=*last).collect();
            assert!(
                got == want,
                "not a contiguous run once: {} lines, {first}..={last}",
                got.len()
            );
        }
        runs += 1;
    }
    feeder.join().expect("feeder");
    drop(w);
    assert!(runs >= 5, "{runs} cats");
    eprintln!(
        "{runs} cats in {:.1}s, each a contiguous run once",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn follow_with_a_checkpoint_killed_five_times_misses_nothing() {
    let dir = Dir::new();
    dir.write("app.log", b"");
    let total = 1_000_000;
    let cp = dir.join("cp");
    let out_path = dir.join("out");
    let out_file = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out_path)
            .expect("out")
    };
    let follow = || {
        Running::new(
            Command::new(BIN)
                .args(["follow", "-n", "0", "--checkpoint"])
                .arg(&cp)
                .arg(dir.join("app.log"))
                .stdout(out_file())
                .stderr(Stdio::piped())
                .spawn()
                .expect("follow"),
        )
    };
    let mut f = follow();
    let (w, feeder) = writer(&dir, total, Duration::from_millis(60));
    // Killed before its first record, follow would start again at the
    // end, as a first start does.
    wait_until("the first checkpoint", Duration::from_secs(10), || {
        dir.exists("cp")
    });
    let mut rng = crate::util::Rng::new();
    let mut kills = 0;
    while kills < 5 {
        std::thread::sleep(Duration::from_millis(200 + rng.below(400)));
        f.signal(rustix::process::Signal::KILL);
        drop(f);
        kills += 1;
        f = follow();
    }
    feeder.join().expect("feeder");
    wait_for_line(&out_path, total - 1);
    term(f);
    drop(w);
    let data = std::fs::read(&out_path).expect("out");
    let (got, torn) = numbers(&data);
    assert!(torn <= kills, "{torn} torn lines for {kills} kills");
    // Every line in order; each kill may repeat one batch (1 MiB at most).
    let mut next = 0;
    let mut repeats = 0;
    let mut i = 0;
    while i < got.len() {
        if got[i] == next {
            next += 1;
            i += 1;
            continue;
        }
        assert!(
            got[i] < next,
            "line {next} missing (found {} there)",
            got[i]
        );
        repeats += 1;
        let from = i;
        while i < got.len() && got[i] < next {
            i += 1;
        }
        assert!((i - from) * 11 <= 1 << 20, "a repeat longer than a batch");
    }
    assert_eq!(next, total, "every line");
    assert!(repeats <= kills, "{repeats} repeats for {kills} kills");
    eprintln!(
        "follow: {kills} kills, {repeats} batches repeated, {torn} torn lines, {total} lines all there in order"
    );
}

/// A writer that rotates hundreds of times a second renames its whole
/// cascade each time: follow, behind it, must find every member it made,
/// whatever moment its listing lands on.
#[test]
fn follow_behind_hundreds_of_rotations_a_second_prints_every_line_once() {
    let dir = Dir::new();
    dir.write("app.log", &line(0));
    let total: u64 = 3_000_000;
    let out_path = dir.join("out");
    let out = std::fs::File::create(&out_path).expect("out");
    let f = Running::new(
        Command::new(BIN)
            .args(["follow", "-n", "1"])
            .arg(dir.join("app.log"))
            .stdout(out)
            .stderr(Stdio::piped())
            .spawn()
            .expect("follow"),
    );
    wait_until("follow to print line 0", Duration::from_secs(10), || {
        std::fs::read(&out_path).is_ok_and(|d| d == line(0))
    });
    let mut child = dir
        .cmd(&["--fsync", "never", "-s", "64K", "-c", "200", "app.log"])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("writer");
    let mut stdin = child.stdin.take().expect("stdin");
    let started = Instant::now();
    let mut i = 1;
    while i < total {
        let data: Vec<u8> = (i..(i + 50_000).min(total)).flat_map(line).collect();
        stdin.write_all(&data).expect("feed");
        i += 50_000;
    }
    drop(stdin);
    assert!(child.wait().expect("writer").success());
    let wrote = started.elapsed();
    wait_for_line(&out_path, total - 1);
    let done = term(f);
    assert!(
        done.stderr.is_empty(),
        "no marker: nothing was deleted unread ({})",
        String::from_utf8_lossy(&done.stderr)
    );
    let (got, torn) = numbers(&std::fs::read(&out_path).expect("out"));
    assert_eq!(torn, 0, "a split line");
    let missing = got.windows(2).filter(|w| w[1] != w[0] + 1).count();
    assert!(
        missing == 0 && got.len() as u64 == total,
        "{} lines of {total}, {missing} places where the next is not the one after",
        got.len()
    );
    let rotations = total * 12 / (64 << 10);
    eprintln!(
        "follow: all {total} lines once, in order, behind {rotations} rotations in {:.1}s ({:.0} a second)",
        wrote.as_secs_f64(),
        rotations as f64 / wrote.as_secs_f64()
    );
}

/// Follow held up by a reader that stops reading while the writer rotates
/// through its whole count: the backups made and deleted meanwhile are
/// lost to it, and its markers say exactly how many bytes.
#[test]
fn follow_blocked_past_the_count_marks_each_gap_with_the_bytes_lost() {
    for compress in [&[][..], &["--compress", "zstd", "--compress-from", "1"]] {
        blocked_follow(compress);
    }
}

fn blocked_follow(compress: &[&str]) {
    let dir = Dir::new();
    dir.write("app.log", &line(0));
    let total: u64 = 1_000_000;
    let mut f = Running::new(
        dir.cmd(&["follow", "-n", "1", "app.log"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("follow"),
    );
    let mut stdout = f.stdout().expect("stdout");
    let mut got = vec![0u8; 12];
    std::io::Read::read_exact(&mut stdout, &mut got).expect("line 0");
    assert_eq!(got, line(0));
    // Nobody reads follow's output now: it blocks on the full pipe.
    let input: Vec<u8> = (1..total).flat_map(line).collect();
    dir.ok(
        &["--fsync", "never", "-s", "64K", "-c", "5", "app.log"],
        &input,
    );
    let mut all = got;
    let mut buf = vec![0u8; 1 << 16];
    while !all.ends_with(&line(total - 1)) {
        match std::io::Read::read(&mut stdout, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    let done = term(f);
    let (got, torn) = numbers(&all);
    assert_eq!(torn, 0, "a split line");
    assert_eq!(got.last(), Some(&(total - 1)), "up to the last line");
    assert!(got.windows(2).all(|w| w[1] > w[0]), "in order, none twice");
    let lost: Vec<u64> = got
        .windows(2)
        .filter(|w| w[1] != w[0] + 1)
        .map(|w| (w[1] - w[0] - 1) * 12)
        .collect();
    let stderr = String::from_utf8_lossy(&done.stderr);
    let marked: Vec<u64> = stderr
        .lines()
        .map(|l| {
            let (_, rest) = l
                .split_once("fell behind the set's count: ")
                .unwrap_or_else(|| panic!("not a marker: {l}"));
            rest.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no bytes in {l}"))
        })
        .collect();
    assert!(!lost.is_empty(), "5 backups of 64K cannot hold 12 MB");
    assert_eq!(marked, lost, "one marker per gap, with its bytes: {stderr}");
    eprintln!(
        "follow {compress:?}: {} gaps, marked with their bytes {marked:?}",
        lost.len()
    );
}

/// What follow's markers count from: each member records where it starts
/// in the set's stream, and each starts where the one before it ends,
/// across writers, `rotate` (by rename and by copytruncate) and
/// compression.
#[test]
fn every_member_starts_where_the_one_before_it_ends() {
    let dir = Dir::new();
    let mut next = 0;
    let mut feed = |dir: &Dir, args: &[&str]| {
        let input: Vec<u8> = (next..next + 300).flat_map(line).collect();
        next += 300;
        let mut all = vec!["-s", "1K", "-c", "100"];
        all.extend(args);
        all.push("app.log");
        dir.ok(&all, &input);
    };
    feed(&dir, &[]);
    dir.ok(&["rotate", "app.log"], b"");
    feed(&dir, &["--compress", "gzip"]);
    dir.ok(&["rotate", "--method", "copytruncate", "app.log"], b"");
    feed(&dir, &["--compress", "zstd"]);
    let start = |name: &str| {
        let f = std::fs::File::open(dir.join(name)).expect("member");
        let mut buf = [0u8; 24];
        let n = rustix::fs::fgetxattr(&f, "user.rollover.start", &mut buf[..])
            .unwrap_or_else(|e| panic!("{name} has no start: {e}"));
        std::str::from_utf8(&buf[..n])
            .expect("utf-8")
            .parse::<u64>()
            .expect("number")
    };
    // Oldest first: backups by number, highest first, then the main file.
    let mut names: Vec<(u64, String)> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| {
            let rest = n.strip_prefix("app.log")?;
            let num = rest.trim_start_matches('.').split('.').next()?;
            match num {
                "" => Some((0, n)),
                d => Some((d.parse().ok()?, n)),
            }
        })
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.0));
    assert!(names.len() > 10, "{names:?}");
    let mut total = 0;
    for w in names.windows(2) {
        let (a, b) = (&w[0].1, &w[1].1);
        let len = member_len(&dir.join(a));
        assert_eq!(start(b), start(a) + len, "{b} starts where {a} ends");
        total += len;
    }
    let main_len = std::fs::metadata(dir.join("app.log")).expect("main").len();
    assert_eq!(
        (start(&names[0].1), total + main_len),
        (0, next * 12),
        "the stream's every byte counted once"
    );
}

/// A member's length decoded.
fn member_len(path: &std::path::Path) -> u64 {
    let name = path.to_string_lossy();
    let tool = if name.ends_with(".gz") {
        Some("gzip")
    } else if name.ends_with(".zst") {
        Some("zstd")
    } else {
        None
    };
    match tool {
        Some(t) => Command::new(t)
            .args(["-dc"])
            .arg(path)
            .output()
            .expect("decode")
            .stdout
            .len() as u64,
        None => std::fs::metadata(path).expect("member").len(),
    }
}

#[test]
fn cat_reads_past_a_corrupt_member_and_names_it() {
    let dir = Dir::new();
    let input: Vec<u8> = (0..3000).flat_map(line).collect();
    dir.ok(
        &["-s", "12000", "-c", "5", "--compress", "gzip", "app.log"],
        &input,
    );
    let mut gz = dir.read("app.log.2.gz");
    let mid = gz.len() / 2;
    gz[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    dir.write("app.log.2.gz", &gz);
    let out = dir.run(&["cat", "app.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("app.log.2.gz") && stderr.contains("warning"),
        "{stderr}"
    );
    // The members after it are all there.
    let (got, _) = numbers(&out.stdout);
    assert!(
        got.ends_with(&(2000..3000).collect::<Vec<u64>>()),
        "the newer members read"
    );
}

#[test]
fn bad_sets_and_checkpoints() {
    let dir = Dir::new();
    let out = dir.run(&["cat", "none.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    crate::util::one_line_naming(&out.stderr, "none.log");
    let input: Vec<u8> = (0..100).flat_map(line).collect();
    dir.ok(&["-s", "300", "-c", "50", "app.log"], &input);
    for (content, says) in [
        (&b"garbage"[..], "cannot be read"),
        (
            br#"{"print":1,"len":64,"offset":5,"dev":1,"ino":2}"#,
            "no longer there",
        ),
    ] {
        dir.write("cp", content);
        let f = Running::new(
            dir.cmd(&["follow", "--checkpoint", "cp", "app.log"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("follow"),
        );
        wait_until(
            "follow to record the main file's end",
            Duration::from_secs(10),
            || {
                use std::os::unix::fs::MetadataExt;
                let main = std::fs::metadata(dir.join("app.log")).expect("main");
                std::fs::read(dir.join("cp")).is_ok_and(|c| {
                    let text = String::from_utf8_lossy(&c);
                    text.contains(&format!("\"offset\":{},", main.size()))
                        && text.contains(&format!("\"ino\":{}}}", main.ino()))
                })
            },
        );
        // SIGTERM ends it with 0 (`term` asserts so).
        let out = term(f);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(says) && stderr.lines().count() == 1,
            "{stderr}"
        );
        // From the oldest member still there: every line.
        assert_eq!(out.stdout, input, "{stderr}");
    }
}

/// A stamp of `secs` in a format: 0 rfc3339, 1 unix, 2 tai64n.
fn stamp(format: u8, secs: u64) -> String {
    match format {
        0 => {
            let t: chrono::DateTime<chrono::Utc> = (UNIX_EPOCH + Duration::from_secs(secs)).into();
            format!("{}.000000Z", t.format("%Y-%m-%dT%H:%M:%S"))
        }
        1 => format!("{secs}.000000"),
        _ => format!("@{:016x}{:08x}", (1u64 << 62) + 10 + secs, 0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random sets of plain and compressed members whose lines carry
    /// stamps in one format, and random spans: cat keeps exactly the lines
    /// whose stamp is in the span.
    #[test]
    fn since_and_until_keep_the_lines_stamped_in_the_span(
        format in 0u8..3,
        members in prop::collection::vec((1usize..20, 0u8..3), 1..6),
        since in 0u64..200,
        len in 0u64..200,
    ) {
        let dir = Dir::new();
        let base = 1_800_000_000u64;
        let mut t = base;
        let mut all = Vec::new();
        let count = members.len();
        for (k, (lines, codec)) in members.iter().enumerate() {
            let mut data = Vec::new();
            for _ in 0..*lines {
                t += 3;
                let l = format!("{} event {t}\n", stamp(format, t));
                data.extend_from_slice(l.as_bytes());
                all.push((t, l));
            }
            let number = count - 1 - k;
            let name = if number == 0 { "app.log".to_string() } else { format!("app.log.{number}") };
            let (name, bytes) = match (number, codec) {
                (0, _) | (_, 0) => (name, data),
                (_, 1) => {
                    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    e.write_all(&data).expect("gz");
                    (format!("{name}.gz"), e.finish().expect("gz"))
                }
                _ => (format!("{name}.zst"), zstd::encode_all(&data[..], 1).expect("zst")),
            };
            dir.write(&name, &bytes);
            let mtime = filetime::FileTime::from_unix_time(t as i64, 0);
            filetime::set_file_mtime(dir.join(&name), mtime).expect("mtime");
        }
        let from = base + since;
        let to = from + len;
        let show = |s: u64| stamp(0, s);
        let out = dir.run(&["cat", "--since", &show(from), "--until", &show(to), "app.log"], b"");
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let want: String = all.iter().filter(|(s, _)| *s >= from && *s <= to).map(|(_, l)| l.as_str()).collect();
        prop_assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    }
}

#[test]
fn without_stamps_members_are_kept_whole_by_their_time_span_and_the_rest_unread() {
    let dir = Dir::new();
    // Backups 3, 2, 1 last written at 1000, 2000, 3000; the main file at 4000.
    for (name, at) in [
        ("app.log.3", 1000),
        ("app.log.2", 2000),
        ("app.log.1", 3000),
        ("app.log", 4000),
    ] {
        dir.write(name, format!("{name}\n").as_bytes());
        filetime::set_file_mtime(dir.join(name), filetime::FileTime::from_unix_time(at, 0))
            .expect("mtime");
    }
    let t = |s: i64| {
        let t: chrono::DateTime<chrono::Utc> = (UNIX_EPOCH + Duration::from_secs(s as u64)).into();
        t.to_rfc3339()
    };
    let out = dir.run(
        &["cat", "--since", &t(2500), "--until", &t(3500), "app.log"],
        b"",
    );
    assert!(out.status.success());
    assert_eq!(out.stdout, b"app.log.1\napp.log\n");
    let out = dir.run(
        &["cat", "--since", &t(1500), "--until", &t(1800), "app.log"],
        b"",
    );
    assert_eq!(out.stdout, b"app.log.2\n");
}

#[test]
fn follow_prints_the_last_lines_then_new_ones_as_the_rules_select() {
    let dir = Dir::new();
    let input: Vec<u8> = (0..100).flat_map(line).collect();
    dir.ok(&["-s", "300", "-c", "50", "app.log"], &input);
    let mut f = Running::new(
        dir.cmd(&["follow", "-n", "3", "--deselect", "5\\|", "app.log"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("follow"),
    );
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut stdout = f.stdout().expect("stdout");
    let sink = std::sync::Arc::clone(&got);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").extend_from_slice(&buf[..n]);
        }
    });
    let printed = |n: u64| got.lock().expect("lock").ends_with(&line(n));
    // The last 3 lines first (then it is following).
    wait_until("the last lines", Duration::from_secs(10), || printed(99));
    let more: Vec<u8> = (100..200).flat_map(line).collect();
    dir.ok(&["-s", "300", "-c", "50", "app.log"], &more);
    wait_until("line 199", Duration::from_secs(20), || printed(199));
    term(f);
    let (got, _) = numbers(&got.lock().expect("lock"));
    let want: Vec<u64> = (97..200).filter(|n| n % 10 != 5).collect();
    assert_eq!(
        got, want,
        "the last 3 lines, then every new one, none ending in 5"
    );
}

/// `-n` counts the set's lines: a main file just rotated holds fewer, and
/// the rest come from the newest backups, decompressed.
#[test]
fn follow_n_takes_what_the_main_file_lacks_from_the_newest_backups() {
    let dir = Dir::new();
    let input: Vec<u8> = (0..90).flat_map(line).collect();
    // 300-byte files: 25 lines each, the backups gzipped; 15 in the main.
    dir.ok(
        &["-s", "300", "-c", "50", "--compress", "gzip", "app.log"],
        &input,
    );
    let main = std::fs::read(dir.join("app.log")).expect("main").len() / 12;
    assert!(main < 25, "the main file holds {main} lines");
    for n in [3, main as u64 + 1, 40, 1000] {
        let out_path = dir.join(&format!("out{n}"));
        let f = Running::new(
            Command::new(BIN)
                .args(["follow", "-n", &n.to_string()])
                .arg(dir.join("app.log"))
                .stdout(std::fs::File::create(&out_path).expect("out"))
                .stderr(Stdio::piped())
                .spawn()
                .expect("follow"),
        );
        wait_for_line(&out_path, 89);
        term(f);
        let (got, _) = numbers(&std::fs::read(&out_path).expect("out"));
        let want: Vec<u64> = (90 - n.min(90)..90).collect();
        assert_eq!(got, want, "-n {n}");
    }
}

#[test]
fn cat_reads_another_codec_through_the_uncompress_command() {
    if !crate::util::have("xz") {
        return;
    }
    let dir = Dir::new();
    let input: Vec<u8> = (0..3000).flat_map(line).collect();
    dir.ok(
        &[
            "-s",
            "12000",
            "-c",
            "5",
            "--compress-command",
            "xz -1",
            "--compress-ext",
            "xz",
            "app.log",
        ],
        &input,
    );
    assert!(dir.exists("app.log.1.xz"), "{:?}", dir.names());
    let out = dir.run(&["cat", "--uncompress-command", "xz -dc", "app.log"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == input, "every line once, in order");
    // Without it: each xz backup is one warning, the rest is printed.
    let out = dir.run(&["cat", "app.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .all(|l| l.contains("no --uncompress-command for .xz")),
        "{stderr}"
    );
    assert!(input.ends_with(&out.stdout));
}
