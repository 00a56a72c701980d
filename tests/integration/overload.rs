//! Line selection and the rate limit, through the real binary: random
//! input and random rules against the same rules applied here; a live
//! writer whose rate-limit marker counts exactly what is missing; `status`
//! showing what was left out.

use std::time::Duration;

use proptest::prelude::*;

use crate::util::{Dir, Live, wait_until};

/// The lines a rule list keeps, computed here with the same semantics.
fn expected(input: &[u8], rules: &[(bool, &str)]) -> Vec<u8> {
    let compiled: Vec<(bool, regex::bytes::Regex)> = rules
        .iter()
        .map(|(k, r)| (*k, regex::bytes::Regex::new(r).expect("regex")))
        .collect();
    let mut out = Vec::new();
    for line in input.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let mut keep = compiled.first().is_none_or(|(k, _)| !k);
        for (k, re) in &compiled {
            if re.is_match(body) {
                keep = *k;
            }
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out
}

fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![
            &b"INFO "[..],
            b"ERROR ",
            b"DEBUG ",
            b"disk ",
            b"net ",
            b"x",
            b"\xff",
            b"\0",
        ]),
        0..8,
    )
    .prop_map(|parts| {
        let mut l = parts.concat();
        l.push(b'\n');
        l
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the input and the rules, the set holds exactly the lines
    /// the rules keep, whole and in order, across rotations.
    #[test]
    fn selection_keeps_exactly_the_lines_the_rules_keep(
        lines in prop::collection::vec(line_strategy(), 0..400),
        rules in prop::collection::vec(
            (any::<bool>(), prop::sample::select(vec![
                "ERROR", "^INFO", "disk", "net $", "DEBUG", "x{2}", "\\x00",
                // Patterns that could match across a line end in a batch.
                "\\s(x|ERROR)", "^$", "[^a-z]DEBUG", "\\ADEBUG", "net\\s*$", "\\bnet\\b", "x\\z",
            ])),
            1..4,
        ),
    ) {
        let input = lines.concat();
        let dir = Dir::new();
        let mut args: Vec<String> = vec!["-s".into(), "512".into(), "-c".into(), "100000".into()];
        for (keep, re) in &rules {
            args.push(if *keep { "--select" } else { "--deselect" }.into());
            args.push((*re).into());
        }
        args.push("app.log".into());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        dir.ok(&argv, &input);
        let want = expected(&input, &rules);
        prop_assert!(dir.set_content("app.log") == want, "rules {:?}", rules);
        for f in dir.set_files("app.log") {
            prop_assert!(f.is_empty() || f.ends_with(b"\n"), "a line split");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Within one window the first N lines are written and the rest are
    /// dropped; at end of input one marker counts exactly the dropped
    /// lines and bytes.
    #[test]
    fn the_rate_limit_keeps_the_first_lines_and_counts_the_rest(
        lines in prop::collection::vec(line_strategy(), 0..300),
        n in 1u64..200,
    ) {
        let input = lines.concat();
        let dir = Dir::new();
        let rate = format!("{n}/1h");
        dir.ok(&["--rate-limit", &rate, "-s", "0", "app.log"], &input);
        let got = dir.read("app.log");
        let keep = (n as usize).min(lines.len());
        let kept = lines[..keep].concat();
        prop_assert!(got.starts_with(&kept));
        let rest = &got[kept.len()..];
        let dropped = &lines[keep..];
        if dropped.is_empty() {
            prop_assert!(rest.is_empty());
        } else {
            let bytes: usize = dropped.iter().map(Vec::len).sum();
            let text = String::from_utf8_lossy(rest).into_owned();
            let want = format!(
                "rollover: dropped {} line{} ({bytes} bytes) from ",
                dropped.len(),
                if dropped.len() == 1 { "" } else { "s" }
            );
            prop_assert!(text.starts_with(&want), "{text}");
            prop_assert!(text.ends_with(": rate limit 1h\n") || text.ends_with(&format!(": rate limit {n}/1h\n")), "{text}");
            prop_assert_eq!(text.lines().count(), 1);
        }
    }
}

/// A line longer than the read buffer streams through: deselected, none
/// of it is written; selected, all of it, whole.
#[test]
fn selection_decides_a_long_line_by_its_start() {
    let dir = Dir::new();
    let mut input = Vec::new();
    input.extend_from_slice(b"keep 1\n");
    input.extend_from_slice(b"DEBUG ");
    input.extend(std::iter::repeat_n(b'd', 1 << 20));
    input.extend_from_slice(b"\nkeep 2 ");
    input.extend(std::iter::repeat_n(b'k', 1 << 20));
    input.extend_from_slice(b"\nkeep 3\n");
    dir.ok(&["-s", "0", "--deselect", "DEBUG", "app.log"], &input);
    assert!(dir.read("app.log") == expected(&input, &[(false, "DEBUG")]));
}

/// A rate limit keeps the first N lines of each window; when a window that
/// dropped lines ends, with no more input, one marker line says how many
/// lines and bytes are missing, and they are exactly those; stamped like
/// any line.
#[test]
fn the_rate_limits_marker_counts_exactly_what_is_missing() {
    let dir = Dir::new();
    let mut live = Live::ready(
        &dir,
        &["--rate-limit", "50/2s", "-t", "-s", "0", "app.log"],
        "app.log",
    );
    let sent: Vec<Vec<u8>> = (0..500)
        .map(|i| format!("line {i} {}\n", "p".repeat(i % 17)).into_bytes())
        .collect();
    live.send(&sent.concat());
    wait_until("the marker", Duration::from_secs(10), || {
        String::from_utf8_lossy(&dir.read("app.log")).contains("rollover: dropped")
    });
    let text = String::from_utf8(dir.read("app.log")).expect("text");
    // Each line carries an RFC 3339 stamp and a space.
    let bodies: Vec<&str> = text
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |x| x.1))
        .collect();
    let marker = bodies.last().expect("a marker");
    let kept = &bodies[..bodies.len() - 1];
    // The first 50 lines, in order, whole (there may be more windows if
    // the machine was slow to read; each begins where the last ended).
    assert!(kept.len() >= 50, "{}", kept.len());
    for (i, k) in kept.iter().enumerate() {
        assert_eq!(format!("{k}\n").as_bytes(), sent[i].as_slice());
    }
    let missing = &sent[kept.len()..];
    let bytes: usize = missing.iter().map(Vec::len).sum();
    assert!(
        marker.starts_with(&format!(
            "rollover: dropped {} lines ({bytes} bytes) from ",
            missing.len()
        )) && marker.ends_with(": rate limit 50/2s"),
        "{marker}"
    );
    // status shows what the writer left out.
    let out = dir
        .cmd(&["status", "--json", "app.log"])
        .output()
        .expect("status");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let left = &json["sets"][0]["writer"]["left_out"];
    assert_eq!(left["rate_limited_lines"], missing.len() as u64, "{json}");
    assert_eq!(left["rate_limited_bytes"], bytes as u64);
    assert_eq!(left["deselected_lines"], 0);
    let out = live.finish();
    assert!(out.status.success());
}

#[test]
fn status_counts_deselected_lines_of_a_live_writer() {
    let dir = Dir::new();
    let mut live = Live::ready(&dir, &["--deselect", "DEBUG", "app.log"], "app.log");
    live.send(b"DEBUG one\nDEBUG two\n");
    live.send_visible(&dir, "app.log", b"INFO three\n");
    let out = dir.cmd(&["status", "app.log"]).output().expect("status");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(
            "left out: 2 lines (20) deselected, 0 lines (0) over the rate limit, \
             0 lines (0) dropped while writing stalled"
        ),
        "{text}"
    );
    assert_eq!(dir.read("app.log"), b"INFO three\n");
    live.finish();
}

/// A full file system under a writer in drop mode while a producer writes
/// as fast as it can: no write into the pipe blocks for long; once space
/// returns, the marker's counts are exactly the lines missing where it
/// stands, and the kept lines are whole, in order and unduplicated.
#[test]
fn drop_mode_never_stalls_the_producer_and_counts_what_it_dropped() {
    use std::io::Write;
    if !crate::util::is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = crate::util::Tmpfs::mount(dir.join("small"), "256k") else {
        return;
    };
    let mut live = Live::ready(
        &dir,
        &[
            "--on-stall",
            "drop",
            "--buffer",
            "64K",
            // Selection comes before the buffer: what it leaves out is
            // never counted as dropped.
            "--deselect",
            "^line [0-9]{7}7 ",
            "-s",
            "0",
            "--fsync",
            "never",
            "small/app.log",
        ],
        "small/app.log",
    );
    let mut stdin = live.stdin.take().expect("stdin");
    let line = |i: u64| format!("line {i:08} {}\n", "x".repeat((i % 40) as usize));
    let mut i = 0u64;
    let mut worst = Duration::ZERO;
    // Until the file system is full and well past it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while fs.free() > 0 || i < 200_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the writer stopped reading"
        );
        let t = std::time::Instant::now();
        stdin.write_all(line(i).as_bytes()).expect("write");
        worst = worst.max(t.elapsed());
        i += 1;
    }
    // Space returns.
    let grown = std::process::Command::new("mount")
        .args(["-o", "remount,size=64M"])
        .arg(&fs.path)
        .status()
        .expect("remount");
    assert!(grown.success());
    // Writing resumes: the buffer goes out, then the gap's marker.
    let main = fs.path.join("app.log");
    wait_until("the marker", Duration::from_secs(20), || {
        if let Ok(Some(st)) = live.child.as_mut().expect("child").try_wait() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(
                live.child
                    .as_mut()
                    .expect("child")
                    .stderr
                    .as_mut()
                    .expect("stderr"),
                &mut err,
            );
            panic!("the writer exited: {st}: {err}");
        }
        String::from_utf8_lossy(&std::fs::read(&main).unwrap_or_default())
            .contains("rollover: dropped")
    });
    for _ in 0..1000 {
        stdin.write_all(line(i).as_bytes()).expect("write");
        i += 1;
    }
    drop(stdin);
    let out = live.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("drop mode: {i} lines sent, the slowest write into the pipe took {worst:?}");
    assert!(
        worst < Duration::from_millis(500),
        "a write blocked for {worst:?}"
    );

    let text =
        String::from_utf8(std::fs::read(fs.path.join("app.log")).expect("read")).expect("text");
    assert!(text.ends_with('\n'));
    let mut next = 0u64;
    let mut markers = 0;
    let mut pending: Option<(u64, u64)> = None;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("rollover: dropped ") {
            let mut w = rest.split_whitespace();
            let n: u64 = w.next().and_then(|x| x.parse().ok()).expect("N");
            let b: u64 = w
                .nth(1)
                .and_then(|x| x.trim_start_matches('(').parse().ok())
                .expect("B");
            assert!(l.contains("No space left on device"), "{l}");
            pending = Some((n, b));
            markers += 1;
            continue;
        }
        let k: u64 = l[5..13].parse().expect("a numbered line");
        assert_eq!(format!("{l}\n"), line(k), "a whole line");
        assert!(k % 10 != 7, "a deselected line was written");
        if let Some((n, b)) = pending.take() {
            let missing: Vec<u64> = (next..k).filter(|m| m % 10 != 7).collect();
            assert_eq!(
                missing.len() as u64,
                n,
                "the marker counts the missing lines"
            );
            let bytes: u64 = missing.iter().map(|&m| line(m).len() as u64).sum();
            assert_eq!(bytes, b, "and their bytes");
        } else {
            let skipped = if next % 10 == 7 { next + 1 } else { next };
            assert_eq!(k, skipped, "in order, none missing without a marker");
        }
        next = k + 1;
    }
    assert!(
        next == i || (next == i - 1 && next % 10 == 7),
        "the lines after the gap are all there"
    );
    assert!(markers >= 1, "nothing was dropped");
}

/// `--buffer` bounds what waits while writing is stalled, pipe included:
/// fed in small reads on a full disk, a writer with `--buffer 64K` holds
/// at most 64 KiB and one read (it used to hold a whole 256 KiB read
/// buffer, wrote it all once space returned, filled the disk again and
/// never exited); once space returns and the input ends, it writes what it
/// held and its marker, and exits.
#[test]
fn drop_mode_holds_no_more_than_its_buffer_and_exits_when_input_ends() {
    use std::io::Write;
    if !crate::util::is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = crate::util::Tmpfs::mount(dir.join("small"), "256k") else {
        return;
    };
    let mut live = Live::ready(
        &dir,
        &[
            "--on-stall",
            "drop",
            "--buffer",
            "64K",
            "-s",
            "0",
            "--fsync",
            "never",
            "small/app.log",
        ],
        "small/app.log",
    );
    // The disk is full before the first line comes.
    let filler = fs.path.join("filler");
    {
        let mut f = std::fs::File::create(&filler).expect("filler");
        let block = vec![b'f'; 4096];
        while f.write_all(&block).is_ok() {}
    }
    let mut stdin = live.stdin.take().expect("stdin");
    // 64-byte lines, 32 to a chunk; each chunk is read before the next is
    // sent, so that every read is small.
    let line = |i: u64| format!("line {i:08} {}\n", "x".repeat(50));
    const CHUNK: u64 = 32;
    let chunks = 200u64;
    for c in 0..chunks {
        let chunk: String = (c * CHUNK..(c + 1) * CHUNK).map(line).collect();
        stdin.write_all(chunk.as_bytes()).expect("write");
        wait_until("the writer to read", Duration::from_secs(10), || {
            rustix::io::ioctl_fionread(&stdin).is_ok_and(|n| n == 0)
        });
    }
    std::fs::remove_file(&filler).expect("rm filler");
    drop(stdin);
    let out = crate::util::wait_output(live.child.take().expect("child"), Duration::from_secs(20));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let text =
        String::from_utf8(std::fs::read(fs.path.join("app.log")).expect("read")).expect("text");
    let (kept, after) = text.split_once("rollover: dropped ").expect("one marker");
    let n: u64 = after
        .split_whitespace()
        .next()
        .and_then(|x| x.parse().ok())
        .expect("N");
    let kept_lines = kept.lines().count() as u64;
    assert_eq!(
        kept,
        (0..kept_lines).map(line).collect::<String>(),
        "the oldest lines kept, whole and in order"
    );
    assert_eq!(kept_lines + n, chunks * CHUNK, "the marker counts the rest");
    eprintln!(
        "--buffer 64K: {} bytes held of {} sent",
        kept.len(),
        chunks * CHUNK * 64
    );
    assert!(
        kept.len() <= 64 * 1024 + (CHUNK * 64) as usize,
        "held {} bytes, more than --buffer and one read",
        kept.len()
    );
}
