//! Compressed backups: standard formats that the usual tools read, every
//! byte kept, `--compress-from`, the backup's mode and mtime, and crash
//! safety under SIGKILL at random moments.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;
use std::time::Duration;

use rustix::process::Signal;

use crate::util::{Dir, Live, Running, have, numbered, wait_until};

/// A backup of `base`: its number and codec extension, if any.
fn member(base: &str, name: &str) -> Option<(u64, Option<String>)> {
    let rest = name.strip_prefix(base)?.strip_prefix('.')?;
    let (num, ext) = match rest.split_once('.') {
        Some((n, e)) => (n, Some(e.to_string())),
        None => (rest, None),
    };
    Some((num.parse().ok().filter(|&n| n > 0)?, ext))
}

fn decode(data: &[u8], ext: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    match ext {
        None => out.extend_from_slice(data),
        Some("gz") => {
            flate2::read::MultiGzDecoder::new(data)
                .read_to_end(&mut out)
                .expect("a gzip backup decodes");
        }
        Some("zst") => {
            zstd::stream::read::Decoder::new(data)
                .expect("zstd")
                .read_to_end(&mut out)
                .expect("a zstd backup decodes");
        }
        Some(other) => panic!("unexpected extension {other}"),
    }
    out
}

/// Asserts two byte strings are equal, showing where they part rather
/// than both whole.
fn same(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        let show = |d: &[u8]| {
            String::from_utf8_lossy(&d[at.saturating_sub(40)..(at + 40).min(d.len())]).into_owned()
        };
        panic!(
            "{what}: {} bytes, wanted {}; they part at byte {at}: {:?} vs {:?}",
            got.len(),
            want.len(),
            show(got),
            show(want)
        );
    }
}

/// The set decompressed, oldest backup first, main file last; asserts that
/// no backup number is there in two forms.
fn decoded_set(dir: &Dir, base: &str) -> Vec<u8> {
    let mut backups: Vec<(u64, Option<String>, String)> = dir
        .names()
        .into_iter()
        .filter_map(|n| member(base, &n).map(|(i, e)| (i, e, n)))
        .collect();
    backups.sort_by_key(|b| std::cmp::Reverse(b.0));
    for w in backups.windows(2) {
        assert_ne!(
            w[0].0,
            w[1].0,
            "backup {} in two forms: {:?}",
            w[0].0,
            dir.names()
        );
    }
    let mut out = Vec::new();
    for (_, ext, name) in &backups {
        out.extend(decode(&dir.read(name), ext.as_deref()));
    }
    if dir.exists(base) {
        out.extend(dir.read(base));
    }
    out
}

/// Small backups (compressed as one buffer) and large ones (streamed; with
/// zstd, split between threads once the input has ended).
#[test]
fn compressed_backups_keep_every_byte_in_standard_formats() {
    let small = numbered(30_000, 40);
    let large = numbered(400_000, 60);
    for (codec, ext, check, limit, input, at_least) in [
        ("gzip", "gz", "gzip", "64K", &small, 10),
        ("zstd:9", "zst", "zstd", "64K", &small, 10),
        ("gzip", "gz", "gzip", "5M", &large, 3),
        ("zstd", "zst", "zstd", "5M", &large, 3),
    ] {
        let dir = Dir::new();
        dir.ok(
            &["-s", limit, "-c", "1000", "--compress", codec, "app.log"],
            input,
        );
        let names = dir.names();
        let packed: Vec<&String> = names.iter().filter(|n| n.ends_with(ext)).collect();
        assert!(packed.len() >= at_least, "{codec}: {names:?}");
        assert_eq!(
            packed.len() + 1,
            names.len(),
            "every backup compressed: {names:?}"
        );
        same(&decoded_set(&dir, "app.log"), input, "the set");
        assert!(!dir.all_names().iter().any(|n| n.contains("rollover-zip")));
        if have(check) {
            for p in packed {
                let ok = Command::new(check)
                    .args(["-t", "-q"])
                    .arg(dir.join(p))
                    .status()
                    .expect("test")
                    .success();
                assert!(ok, "{check} -t {p}");
            }
        }
    }
}

#[test]
fn compress_from_two_leaves_the_newest_backup_plain() {
    let dir = Dir::new();
    let input = numbered(5_000, 20);
    dir.ok(
        &[
            "-s",
            "16K",
            "-c",
            "9",
            "--compress",
            "gzip:1",
            "--compress-from",
            "2",
            "app.log",
        ],
        &input,
    );
    assert!(dir.exists("app.log.1"), "{:?}", dir.names());
    assert!(dir.exists("app.log.2.gz"), "{:?}", dir.names());
    assert!(!dir.exists("app.log.2") && !dir.exists("app.log.1.gz"));
    same(&decoded_set(&dir, "app.log"), &input, "the set");
    // rotate with the same settings moves 1 to 2 and compresses it there.
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("app.log"))
        .and_then(|mut f| f.write_all(b"more\n"))
        .expect("append");
    let out = dir.run(
        &[
            "rotate",
            "-c",
            "9",
            "--compress",
            "gzip",
            "--compress-from",
            "2",
            "app.log",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.exists("app.log.2.gz") && dir.exists("app.log.1"));
    let mut all = input.clone();
    all.extend_from_slice(b"more\n");
    same(&decoded_set(&dir, "app.log"), &all, "the set");
}

#[test]
fn a_compressed_backup_keeps_the_mode_and_mtime_of_the_plain_one() {
    let dir = Dir::new();
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", b"one\n");
    std::fs::set_permissions(
        dir.join("app.log.1"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    let then = filetime::FileTime::from_unix_time(1_700_000_000, 0);
    filetime::set_file_mtime(dir.join("app.log.1"), then).expect("mtime");
    let out = dir.run(&["rotate", "--compress", "zstd", "app.log"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = std::fs::metadata(dir.join("app.log.2.zst")).expect("compressed");
    assert_eq!(m.permissions().mode() & 0o777, 0o640);
    assert_eq!(m.mtime(), 1_700_000_000);
    assert_eq!(decoded_set(&dir, "app.log"), b"one\nmain\n");
}

#[test]
fn leftovers_of_a_crash_are_finished_once() {
    let dir = Dir::new();
    // Both forms of backup 1 (the compressed one whole), both forms of
    // backup 2 (the compressed one truncated by a crash before its sync),
    // and a stale hidden file.
    let one = numbered(200, 5);
    let two = numbered(300, 7);
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("gz");
        e.finish().expect("gz")
    };
    dir.write("app.log", b"main\n");
    dir.write("app.log.1", &one);
    dir.write("app.log.1.gz", &gz(&one));
    dir.write("app.log.2", &two);
    let broken = gz(&two);
    dir.write("app.log.2.gz", &broken[..broken.len() / 2]);
    dir.write(".app.log.rollover-zip", b"half");
    let out = dir.run(
        &["rotate", "-s", "1G", "--compress", "gzip", "app.log"],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing rotated (-s 1G), but every backup is there once, compressed.
    assert_eq!(dir.names(), ["app.log", "app.log.1.gz", "app.log.2.gz"]);
    let mut all = two.clone();
    all.extend_from_slice(&one);
    all.extend_from_slice(b"main\n");
    same(&decoded_set(&dir, "app.log"), &all, "the set");
    assert!(!dir.exists(".app.log.rollover-zip"));
}

#[test]
fn sigkill_while_compressing_keeps_every_byte_once() {
    let dir = Dir::new();
    let input = numbered(60_000, 60);
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut at = 0;
    let mut kills = 0;
    while at < input.len() {
        let mut live = Live::ready(
            &dir,
            &[
                "-s",
                "32K",
                "-c",
                "100000",
                "--compress",
                "gzip:9",
                "app.log",
            ],
            "app.log",
        );
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // A chunk of whole lines, written and visible before the kill, so
        // that what the kill can hit is the finisher at work.
        let mut end = (at + 100_000 + (rng % 200_000) as usize).min(input.len());
        while end < input.len() && input[end - 1] != b'\n' {
            end += 1;
        }
        let chunk = input[at..end].to_vec();
        let last = chunk[chunk.iter().rposition(|&b| b == b'\n').map_or(0, |i| {
            chunk[..i]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |j| j + 1)
        })..]
            .to_vec();
        live.send(&chunk);
        wait_until(
            "the chunk in the main file",
            Duration::from_secs(10),
            || dir.read("app.log").ends_with(&last),
        );
        at = end;
        if at == input.len() {
            assert!(live.finish().status.success());
            break;
        }
        // Compression waits 100 ms after a read that filled the writer's
        // buffer (the producer ahead of it), so the kill lands anywhere in
        // that wait or in the compression after it.
        std::thread::sleep(Duration::from_micros(rng % 160_000));
        live.signal(Signal::KILL);
        let _ = live.wait();
        kills += 1;
    }
    assert!(kills >= 5, "only {kills} kills");
    eprintln!("{kills} SIGKILLs, then a last writer to the end of the input");
    same(&decoded_set(&dir, "app.log"), &input, "the set");
    assert!(
        !dir.all_names().iter().any(|n| n.contains("rollover-zip")),
        "{:?}",
        dir.all_names()
    );
    // Every backup compressed by the end.
    assert!(
        dir.names()
            .iter()
            .all(|n| n == "app.log" || n.ends_with(".gz")),
        "{:?}",
        dir.names()
    );
}

/// The backups of `app.log` in `dir`: (plain, compressed).
fn forms(dir: &Dir) -> (usize, usize) {
    let names = dir.names();
    let zst = names.iter().filter(|n| n.ends_with(".zst")).count();
    let plain = names
        .iter()
        .filter(|n| member("app.log", n).is_some_and(|(_, ext)| ext.is_none()))
        .count();
    (plain, zst)
}

/// Compression never competes with writing: while the producer keeps the
/// writer busy (`yes` as fast as it can, the pipe full at every read),
/// backups wait plain; once input ends, every kept one is compressed
/// before the writer exits. A writer whose producer leaves it waiting
/// between bursts compresses while it runs.
#[test]
fn compression_waits_while_the_producer_keeps_the_writer_busy() {
    let dir = Dir::new();
    let (yes, writer) = yes_into(
        &dir,
        // `--fsync always`: the writer waits for the disk, leaving the CPU
        // to a finisher that would not wait.
        &[
            "--fsync",
            "always",
            "--compress",
            "zstd",
            "-s",
            "1M",
            "-c",
            "20",
            "app.log",
        ],
    );
    wait_until("20 backups", Duration::from_secs(30), || {
        let (plain, zst) = forms(&dir);
        plain + zst >= 20
    });
    // A finisher that did not wait would have compressed nearly all of
    // them by now, each in a few milliseconds; look a few more times
    // while the set turns over.
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    while std::time::Instant::now() < deadline {
        let (plain, zst) = forms(&dir);
        assert_eq!(
            zst,
            0,
            "{plain} plain, {zst} compressed while busy: {:?}",
            dir.names()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // End of input.
    drop(yes);
    let out = crate::util::wait_output(writer.take(), Duration::from_secs(60));
    assert!(out.status.success(), "{out:?}");
    let (plain, zst) = forms(&dir);
    assert_eq!((plain, zst), (0, 20), "{:?}", dir.names());

    // Not busy: a producer that writes 300 KB bursts, 20 a second, gives
    // the writer one filling read per burst and leaves it waiting
    // between them; backups are compressed while it runs.
    let idle = Dir::new();
    let mut live = Live::ready(
        &idle,
        &["--compress", "zstd", "-s", "1M", "app.log"],
        "app.log",
    );
    let burst = numbered(9_000, 40);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while forms(&idle).1 == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing compressed in 5 s of bursts: {:?}",
            idle.names()
        );
        live.send(&burst);
        // The producer's own pace, not a wait for a condition.
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(live.finish().status.success());
}

/// `yes` as fast as it can into a writer run with `args` in `dir`: both
/// killed when the test lets go of them.
fn yes_into(dir: &Dir, args: &[&str]) -> (Running, Running) {
    let mut yes = Command::new("yes")
        .arg("GET /api/v1/items status=200 latency_ms=12")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn yes");
    let stdout = yes.stdout.take().expect("yes's stdout");
    let yes = Running::new(yes);
    let writer = dir
        .cmd(args)
        .stdin(stdout)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn rollover");
    (yes, Running::new(writer))
}

/// Compression's wait has a bound: where backups outlive it (a large
/// count), each waiting one is held open, so past a backlog compression
/// goes on although the writer stays busy, and the writer's open files
/// stay far below the usual limit of 1024.
#[test]
fn compression_stops_waiting_before_backups_pile_up() {
    let dir = Dir::new();
    let (yes, writer) = yes_into(
        &dir,
        &["--compress", "zstd", "-s", "64K", "-c", "100000", "app.log"],
    );
    let fds = format!("/proc/{}/fd", writer.id());
    let mut most = 0;
    let mut look = |dir: &Dir| {
        most = most.max(std::fs::read_dir(&fds).map_or(0, |d| d.count()));
        forms(dir)
    };
    // Past the backlog (about 3 tasks per rotation, 256 tasks)...
    wait_until("300 backups", Duration::from_secs(30), || {
        let (plain, zst) = look(&dir);
        plain + zst >= 300
    });
    // ...backups keep being compressed while `yes` keeps the writer busy
    // (one every 10 s at most, were the wait bounded per backup).
    let (_, before) = look(&dir);
    wait_until(
        "10 more compressed while busy",
        Duration::from_secs(8),
        || look(&dir).1 >= before + 10,
    );
    drop(yes);
    let out = crate::util::wait_output(writer.take(), Duration::from_secs(120));
    assert!(out.status.success(), "{out:?}");
    assert!(most < 512, "{most} files open");
}

#[test]
fn status_shows_codecs_and_owed_compression() {
    let dir = Dir::new();
    let input = numbered(3_000, 20);
    dir.ok(
        &[
            "-s",
            "16K",
            "-c",
            "9",
            "--compress",
            "zstd",
            "--compress-from",
            "2",
            "app.log",
        ],
        &input,
    );
    // A plain backup where the writer compresses: a crash left it so.
    let last = dir.names().iter().filter(|n| n.ends_with(".zst")).count() + 2;
    dir.write(&format!("app.log.{last}"), b"left plain by a crash\n");
    let out = dir.ok(&["status", "app.log"], b"");
    let text = String::from_utf8_lossy(&out);
    let row = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}: {text}"))
            .to_string()
    };
    assert!(row("app.log.2.zst").contains("zst"), "{text}");
    assert!(!row("app.log.1").contains("owed"), "{text}");
    assert!(
        row(&format!("app.log.{last}")).contains("(owed: compress)"),
        "{text}"
    );
    let json = String::from_utf8_lossy(&dir.ok(&["status", "--json", "app.log"], b"")).into_owned();
    assert!(json.contains("\"owed\": \"compress\""), "{json}");
    assert!(json.contains("\"codec\": \"zst\""), "{json}");
}

#[test]
fn a_backup_compressed_at_once_is_synced_only_in_its_compressed_form() {
    if !have("strace") {
        return;
    }
    let dir = Dir::new();
    let log = dir.join("trace");
    // strace names each descriptor's file (-y).
    let cmd = crate::util::strace(
        &dir,
        &["trace=fsync"],
        &log,
        &["-s", "100", "-c", "99", "--compress", "gzip", "app.log"],
    );
    let input: Vec<u8> = (0..100)
        .flat_map(|i| format!("{i:09}\n").into_bytes())
        .collect();
    let out = crate::util::run_with_input(cmd, &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = std::fs::read_to_string(&log).expect("trace");
    let files: Vec<&str> = trace.lines().filter(|l| l.contains("fsync(")).collect();
    // Nine backups: each synced once, compressed, and its directory once.
    assert_eq!(files.len(), 18, "{} syncs", files.len());
    assert_eq!(
        files.iter().filter(|l| l.contains(".rollover-zip")).count(),
        9,
        "{:?}",
        files
            .iter()
            .filter(|l| !l.contains(".rollover-zip"))
            .collect::<Vec<_>>()
    );
    // No sync of a plain backup (`/app.log.N`): only its compressed form.
    assert!(
        !files
            .iter()
            .any(|l| l.contains("/app.log.") && !l.contains(".gz")),
        "{trace}"
    );
    same(&decoded_set(&dir, "app.log"), &input, "the set");
}
