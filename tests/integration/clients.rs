//! Real programs beside rollover: GNU `tail -F`, rsyslog's `imfile` and
//! syslog-ng's `file()` source follow a set while it rotates and compresses, and a hook ships every
//! finished backup to S3-compatible storage (moto's server, with the AWS
//! CLI). Each test starts and stops its own instance, and skips when the
//! program is not installed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{Dir, Running, S3, have, wait_until};

/// A child killed when the test ends, however it ends.
/// Lines `line 1` .. `line n`.
fn lines(n: usize) -> Vec<u8> {
    (1..=n)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect()
}

/// Runs a writer that rotates every 2 KiB and compresses each backup when
/// it moves to number 2 (what a follower needs, as logrotate's
/// delaycompress), fed `input` a hundred lines at a time; before the next
/// hundred, the follower's output `out` must have caught up.
fn write_slowly(dir: &Dir, input: &[u8], out: &str) {
    let mut child = dir
        .cmd(&[
            "-s",
            "2K",
            "-c",
            "1000",
            "--compress",
            "gzip",
            "--compress-from",
            "2",
            "app.log",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollover");
    let mut stdin = child.stdin.take().expect("stdin");
    let all: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
    for chunk in all.chunks(100) {
        stdin.write_all(&chunk.concat()).expect("feed");
        // The follower sees rotations one by one, as in real life: the
        // chunk's last line ends the main file once it is written.
        let last = chunk.last().copied().unwrap_or_default();
        wait_until(
            "the writer to take the chunk",
            Duration::from_secs(10),
            || std::fs::read(dir.join("app.log")).is_ok_and(|m| m.ends_with(last)),
        );
        wait_until("the follower to catch up", Duration::from_secs(30), || {
            std::fs::read(dir.join(out)).is_ok_and(|o| o.ends_with(last))
        });
    }
    drop(stdin);
    let out = crate::util::wait_output(child, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a follower went through, for the test's output.
fn followed(dir: &Dir, input: &[u8]) -> String {
    let names = dir.names();
    let gz = names.iter().filter(|n| n.ends_with(".gz")).count();
    format!(
        "{} lines once and in order across {} rotations ({gz} backups compressed)",
        input.iter().filter(|&&b| b == b'\n').count(),
        names.iter().filter(|n| n.starts_with("app.log.")).count()
    )
}

#[test]
fn tail_follow_name_sees_every_line_once() {
    if !have("tail") {
        return;
    }
    let dir = Dir::new();
    dir.write("app.log", b"");
    let out = std::fs::File::create(dir.join("out.txt")).expect("out");
    let _tail = Running::new(
        Command::new("tail")
            .args(["-F", "-n", "+1", "-s", "0.05", "app.log"])
            .current_dir(dir.path())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("tail"),
    );
    let input = lines(3_000);
    write_slowly(&dir, &input, "out.txt");
    wait_until("tail to print every line", Duration::from_secs(20), || {
        std::fs::read(dir.join("out.txt")).unwrap_or_default().len() >= input.len()
    });
    assert_eq!(dir.read("out.txt"), input);
    eprintln!("tail -F: {}", followed(&dir, &input));
}

#[test]
fn rsyslog_imfile_sees_every_line_once() {
    if !std::path::Path::new("/usr/sbin/rsyslogd").exists() {
        crate::util::cannot_run("rsyslogd is not installed");
        return;
    }
    let dir = Dir::new();
    std::fs::create_dir(dir.join("work")).expect("mkdir");
    dir.write("app.log", b"");
    let p = |n: &str| dir.join(n).display().to_string();
    let conf = format!(
        "global(workDirectory=\"{work}\")\n\
         module(load=\"imfile\" mode=\"inotify\")\n\
         template(name=\"raw\" type=\"string\" string=\"%msg%\\n\")\n\
         input(type=\"imfile\" File=\"{main}\" Tag=\"app\" ruleset=\"out\")\n\
         ruleset(name=\"out\") {{ action(type=\"omfile\" file=\"{out}\" template=\"raw\") }}\n",
        work = p("work"),
        main = p("app.log"),
        out = p("out.log"),
    );
    dir.write("rsyslog.conf", conf.as_bytes());
    let rsyslogd = Running::new(
        Command::new("/usr/sbin/rsyslogd")
            .args(["-n", "-f"])
            .arg(dir.join("rsyslog.conf"))
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsyslogd"),
    );
    // Up once imfile has looked at the file: its state file appears.
    wait_until("rsyslogd to start", Duration::from_secs(20), || {
        dir.exists("rsyslogd.pid")
    });
    let input = lines(3_000);
    write_slowly(&dir, &input, "out.log");
    wait_until(
        "rsyslog to pass every line",
        Duration::from_secs(30),
        || std::fs::read(dir.join("out.log")).unwrap_or_default().len() >= input.len(),
    );
    drop(rsyslogd);
    assert_eq!(dir.read("out.log"), input);
    eprintln!("rsyslog imfile: {}", followed(&dir, &input));
}

#[test]
fn syslog_ng_file_source_sees_every_line_once() {
    // Installed, or unpacked beside rsyslog (the packages conflict).
    let unpacked = std::path::Path::new("/opt/syslog-ng/usr/sbin/syslog-ng");
    let mut cmd = if std::path::Path::new("/usr/sbin/syslog-ng").exists() {
        Command::new("/usr/sbin/syslog-ng")
    } else if unpacked.exists() {
        let mut c = Command::new(unpacked);
        c.env("LD_LIBRARY_PATH", "/opt/syslog-ng/usr/lib/syslog-ng")
            .arg("--module-path=/opt/syslog-ng/usr/lib/syslog-ng/3.38");
        c
    } else {
        crate::util::cannot_run(
            "syslog-ng is not installed (syslog-ng-core, or unpacked in /opt/syslog-ng)",
        );
        return;
    };
    let dir = Dir::new();
    dir.write("app.log", b"");
    let p = |n: &str| dir.join(n).display().to_string();
    let conf = format!(
        "@version: 3.38\n\
         source s {{ file(\"{main}\" follow-freq(0.05) flags(no-parse)); }};\n\
         destination d {{ file(\"{out}\" template(\"${{MESSAGE}}\\n\")); }};\n\
         log {{ source(s); destination(d); }};\n",
        main = p("app.log"),
        out = p("out.log"),
    );
    dir.write("syslog-ng.conf", conf.as_bytes());
    let syslog_ng = Running::new(
        cmd.args(["-F", "--no-caps", "-f"])
            .arg(dir.join("syslog-ng.conf"))
            .arg("-R")
            .arg(dir.join("persist"))
            .arg("-p")
            .arg(dir.join("syslog-ng.pid"))
            .arg("-c")
            .arg(dir.join("syslog-ng.ctl"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("syslog-ng"),
    );
    // Up once it has written its pid file.
    wait_until("syslog-ng to start", Duration::from_secs(20), || {
        dir.exists("syslog-ng.pid")
    });
    let input = lines(3_000);
    write_slowly(&dir, &input, "out.log");
    wait_until(
        "syslog-ng to pass every line",
        Duration::from_secs(30),
        || std::fs::read(dir.join("out.log")).unwrap_or_default().len() >= input.len(),
    );
    drop(syslog_ng);
    assert_eq!(dir.read("out.log"), input);
    eprintln!("syslog-ng file(): {}", followed(&dir, &input));
}

#[test]
fn a_hook_ships_every_finished_backup_to_s3() {
    if !have("moto_server") || !have("aws") {
        return;
    }
    let dir = Dir::new();
    let s3 = S3::start();
    let endpoint = s3.endpoint.clone();
    let aws = |args: &[&str]| s3.aws(dir.path(), args);
    assert!(aws(&["s3", "mb", "s3://logs"]).status.success());
    // The README's recipe: the backup by the name that stays put while the
    // hook runs, and a key of its own for each backup (numbers shift as the
    // set rotates).
    let hook = format!(
        "aws --endpoint-url {endpoint} s3 cp --quiet \"$ROLLOVER_BACKUP_FILE\" \
         \"s3://logs/app/$(date -u +%Y%m%dT%H%M%S.%N).gz\""
    );
    let input = lines(20_000);
    let out = dir
        .cmd(&[
            "-s",
            "20K",
            "-c",
            "100",
            "--compress",
            "gzip",
            "--on-rotate",
            &hook,
            "app.log",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(|mut c| {
            let mut stdin = c.stdin.take().expect("stdin");
            stdin.write_all(&input).expect("feed");
            drop(stdin);
            crate::util::wait_output(c, Duration::from_secs(120))
        })
        .expect("rollover");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir(dir.join("down")).expect("mkdir");
    assert!(
        aws(&[
            "s3",
            "cp",
            "--quiet",
            "--recursive",
            "s3://logs/app",
            "down"
        ])
        .status
        .success()
    );
    let mut shipped: Vec<Vec<u8>> = std::fs::read_dir(dir.join("down"))
        .expect("ls")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    let mut local: Vec<Vec<u8>> = dir
        .names()
        .iter()
        .filter(|n| n.ends_with(".gz"))
        .map(|n| dir.read(n))
        .collect();
    assert!(local.len() >= 5, "{} backups", local.len());
    shipped.sort();
    local.sort();
    assert_eq!(shipped.len(), local.len(), "every backup arrives once");
    assert!(shipped == local, "every backup arrives byte-identical");
    eprintln!(
        "{} backups shipped, each once and byte-identical",
        local.len()
    );
}
