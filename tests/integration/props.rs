//! Properties of the writer over random input: bytes in = bytes out, no
//! file over the limit unless it holds one line, no line split, backups
//! numbered 1..k with no empty one; with random line lengths, random pipe
//! chunking (some chunks ending mid-line, with pauses) and random limits.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use proptest::prelude::*;

use crate::util::{Dir, wait_output};

/// Feeds `chunks` of `input` to a writer, pausing after some, and returns
/// the directory.
fn feed(args: &[&str], input: &[u8], chunks: &[(usize, bool)]) -> Dir {
    let dir = Dir::new();
    let mut child = dir
        .cmd(args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut at = 0;
    let mut i = 0;
    while at < input.len() {
        let (len, pause) = chunks[i % chunks.len()];
        let end = (at + len).min(input.len());
        stdin.write_all(&input[at..end]).expect("write");
        stdin.flush().expect("flush");
        if pause {
            std::thread::sleep(Duration::from_millis(2));
        }
        at = end;
        i += 1;
    }
    drop(stdin);
    let out = wait_output(child, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Checks every property of a set written from `input` with limit `max`.
fn check_set(dir: &Dir, input: &[u8], max: usize) {
    let backups = dir.backups("app.log");
    let numbers: Vec<u64> = backups.iter().rev().map(|(n, _)| *n).collect();
    let expected: Vec<u64> = (1..=backups.len() as u64).collect();
    assert_eq!(numbers, expected, "backups must be numbered 1..k");
    let files = dir.set_files("app.log");
    assert_eq!(files.concat(), input, "bytes in must equal bytes out");
    let last = files.len() - 1;
    for (i, f) in files.iter().enumerate() {
        if i < last {
            assert!(!f.is_empty(), "empty backup");
            assert!(
                f.ends_with(b"\n"),
                "backup {} ends mid-line: a line was split",
                last - i
            );
        }
        let inner_newlines = f.is_empty() || memchr::memchr(b'\n', &f[..f.len() - 1]).is_some();
        assert!(
            f.len() <= max || !inner_newlines,
            "file {} of {} bytes exceeds {} and holds more than one line",
            last - i,
            f.len(),
            max
        );
    }
}

fn line_strategy(max: usize) -> impl Strategy<Value = Vec<u8>> {
    // Lengths cluster below the limit, with empty lines and a few longer
    // than the limit; bytes include NUL, invalid UTF-8 and CR.
    let len = prop_oneof![8 => 0..max, 1 => Just(0usize), 1 => max..max * 3];
    len.prop_flat_map(|n| {
        prop::collection::vec(
            prop_oneof![6 => b'a'..=b'z', 1 => Just(0u8), 1 => Just(0xffu8), 1 => Just(b'\r')],
            n,
        )
    })
    .prop_map(|mut line| {
        line.push(b'\n');
        line
    })
}

fn input_strategy(
    max: std::ops::Range<usize>,
    lines: std::ops::Range<usize>,
) -> impl Strategy<Value = (usize, Vec<u8>, bool)> {
    max.prop_flat_map(move |max| {
        (
            Just(max),
            prop::collection::vec(line_strategy(max), lines.clone()),
            any::<bool>(),
        )
            .prop_map(|(max, lines, cut_last)| {
                let mut input = lines.concat();
                if cut_last && !input.is_empty() {
                    // Input that ends without a newline.
                    input.pop();
                }
                (max, input, cut_last)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn sets_keep_every_byte_and_every_line_whole(
        (max, input, _) in input_strategy(16..2048, 0..120),
        chunks in prop::collection::vec((1usize..65536, prop::bool::weighted(0.2)), 1..20),
    ) {
        let max_s = max.to_string();
        let args = ["-s", &max_s, "-c", "100000", "--partial-timeout", "60s", "app.log"];
        let dir = feed(&args, &input, &chunks);
        check_set(&dir, &input, max);
    }

    #[test]
    fn tiny_chunks_never_split_lines(
        (max, input, _) in input_strategy(8..64, 0..60),
        chunks in prop::collection::vec((1usize..8, prop::bool::weighted(0.05)), 1..8),
    ) {
        let max_s = max.to_string();
        let args = ["-s", &max_s, "-c", "100000", "--partial-timeout", "60s", "app.log"];
        let dir = feed(&args, &input, &chunks);
        check_set(&dir, &input, max);
    }
}

/// A larger input through the default buffer sizes: 24 MiB of log-like
/// lines with 1 MiB files.
#[test]
fn large_input_round_trips() {
    let mut input = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    while input.len() < 24 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 60 + (x % 240) as usize;
        input.extend((0..len).map(|i| b'a' + ((x >> (i % 50)) % 26) as u8));
        input.push(b'\n');
    }
    let dir = Dir::new();
    dir.ok(&["-s", "1M", "-c", "100", "app.log"], &input);
    check_set(&dir, &input, 1 << 20);
    // Greedy filling: each backup but the newest is within a line of 1 MiB.
    for (n, b) in dir.backups("app.log") {
        assert!(
            b.len() > (1 << 20) - 301,
            "backup {n} holds only {} bytes",
            b.len()
        );
    }
}

/// One set of the mixed directory: plain (`pK.log`, backups `pK.log.N`) or
/// `%` (`qK.%.log`: main `qK.0.log`, backups `qK.N.log`, with the lock a
/// rollover run leaves), with a number of backups and maybe a live writer.
#[derive(Debug, Clone)]
struct SetSpec {
    percent: bool,
    backups: u64,
    live: bool,
}

impl SetSpec {
    fn member(&self, k: usize, n: u64) -> String {
        match (self.percent, n) {
            (false, 0) => format!("p{k}.log"),
            (false, n) => format!("p{k}.log.{n}"),
            (true, n) => format!("q{k}.{n}.log"),
        }
    }

    fn path(&self, k: usize) -> String {
        if self.percent {
            format!("q{k}.%.log")
        } else {
            self.member(k, 0)
        }
    }
}

fn set_strategy() -> impl Strategy<Value = SetSpec> {
    (any::<bool>(), 0u64..4, prop::bool::weighted(0.3)).prop_map(|(percent, backups, live)| {
        SetSpec {
            percent,
            backups,
            live,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever a shell expands from `dir/*` (or a narrower pattern), and
    /// whichever sets have live writers, `rotate` rotates each set whose
    /// main file was named exactly once, leaves the others alone, and makes
    /// no name that is not a member of some set.
    #[test]
    fn rotate_over_a_shell_expansion_rotates_each_set_once(
        specs in prop::collection::vec(set_strategy(), 1..5),
        pattern in prop::sample::select(vec!["", ".log", "p", "q"]),
    ) {
        let dir = Dir::new();
        for (k, s) in specs.iter().enumerate() {
            for n in 0..=s.backups {
                dir.write(&s.member(k, n), format!("set {k} member {n}\n").as_bytes());
            }
            if s.percent {
                dir.write(&format!(".q{k}.%.log.rollover-lock"), b"");
            }
        }
        let lives: Vec<crate::util::Live> = specs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.live)
            .map(|(k, s)| {
                crate::util::Live::ready(&dir, &["-c", "9", &s.path(k)], &s.member(k, 0))
            })
            .collect();
        // The shell's expansion: every visible name the pattern matches,
        // sorted.
        let args: Vec<String> = dir
            .names()
            .into_iter()
            .filter(|n| match pattern {
                ".log" => n.ends_with(".log"),
                "" => true,
                prefix => n.starts_with(prefix),
            })
            .collect();
        let mut cmd = vec!["rotate".to_string(), "--missing-ok".into(), "-c".into(), "9".into()];
        if args.is_empty() {
            // A pattern that matches nothing reaches rollover as it is.
            cmd.push(format!("{pattern}*"));
        }
        cmd.extend(args.iter().cloned());
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let out = dir.run(&cmd, b"");
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for live in lives {
            prop_assert!(live.finish().status.success());
        }
        let mut expected = std::collections::BTreeSet::new();
        for (k, s) in specs.iter().enumerate() {
            let named = args.contains(&s.member(k, 0));
            let shift = u64::from(named);
            // Every member in its place: the main file emptied and each
            // backup one up when the set was named, untouched otherwise.
            if named {
                prop_assert_eq!(dir.read(&s.member(k, 0)), b"");
            }
            for n in 0..=s.backups {
                let now = s.member(k, n + shift);
                prop_assert_eq!(
                    dir.read(&now),
                    format!("set {k} member {n}\n").into_bytes(),
                    "{} of {:?} (named: {})", now, s, named
                );
                expected.insert(now);
            }
            expected.insert(s.member(k, 0));
        }
        let found: std::collections::BTreeSet<String> = dir.names().into_iter().collect();
        prop_assert_eq!(found, expected, "names that are no set's members");
    }
}
