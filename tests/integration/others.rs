//! Rotating files that other programs write (`rotate --method`, `--owner`,
//! `--perm`): a real appending producer, a real tmpfs, real owners.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{BIN, Dir, Tmpfs, is_root, one_line_naming, wait_until};

const LINE: &str = "of a producer that cannot reopen its file";

/// A shell that appends numbered lines to `name` (`>>`, O_APPEND) as fast
/// as it can, one write per line, until it is killed.
fn appending_producer(dir: &Dir, name: &str) -> std::process::Child {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "i=0; while :; do i=$((i+1)); echo \"line $i {LINE}\"; done >> {name}"
        ))
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn the producer")
}

fn size(dir: &Dir, name: &str) -> u64 {
    std::fs::metadata(dir.join(name)).map_or(0, |m| m.len())
}

/// The SPEC's promise for `collapse`: the set, oldest backup first and the
/// main file last, is exactly what the producer wrote, however many times
/// it was rotated while the producer kept appending.
#[test]
fn collapse_keeps_every_byte_an_appending_producer_writes() {
    let dir = Dir::new();
    let mut producer = appending_producer(&dir, "app.log");
    let rotations = 300;
    for _ in 0..rotations {
        let before = size(&dir, "app.log");
        wait_until(
            "the producer fills a block",
            Duration::from_secs(30),
            || size(&dir, "app.log") > before.max(4096) + 100,
        );
        let out = dir
            .cmd(&["rotate", "--method", "collapse", "-c", "1000", "app.log"])
            .output()
            .expect("run rotate");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = producer.kill();
    let _ = producer.wait();

    let files = dir.set_files("app.log");
    assert_eq!(files.len(), rotations + 1, "one backup per rotation");
    let content = files.concat();
    // Every line the producer wrote, once, in order, none missing: the
    // lines read back are line 1, 2, 3 ... with nothing else in between.
    let text = String::from_utf8(content.clone()).expect("text");
    assert!(text.ends_with('\n'), "the last line is whole");
    let mut n = 0u64;
    for line in text.lines() {
        n += 1;
        assert_eq!(line, format!("line {n} {LINE}"), "line {n}");
    }
    let split = files[..files.len() - 1]
        .iter()
        .filter(|b| !b.ends_with(b"\n"))
        .count();
    for b in &files[..files.len() - 1] {
        assert_eq!(b.len() % 4096, 0, "a backup is whole blocks");
    }
    eprintln!(
        "collapse: {rotations} rotations, {} bytes, {n} lines, {split} lines split at cuts",
        content.len()
    );
}

#[test]
fn collapse_where_the_file_system_cannot_is_an_error_that_changes_nothing() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    let Some(fs) = Tmpfs::mount(dir.join("mnt"), "8M") else {
        return;
    };
    let main = fs.path.join("app.log");
    let body: Vec<u8> = (0..2000)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    std::fs::write(&main, &body).expect("write");
    std::fs::write(fs.path.join("app.log.1"), b"old\n").expect("write");
    let ls = || {
        let mut v: Vec<_> = std::fs::read_dir(&fs.path)
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        v.sort();
        v
    };
    let before = ls();
    let out = Command::new(BIN)
        .args(["rotate", "--method", "collapse"])
        .arg(&main)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    one_line_naming(&out.stderr, &main.display().to_string());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(tmpfs)"),
        "names the file system: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ls(), before, "no file made or moved");
    assert_eq!(std::fs::read(&main).expect("read"), body);
    assert_eq!(
        std::fs::read(fs.path.join("app.log.1")).expect("read"),
        b"old\n"
    );

    // Asked for by name, copytruncate works there.
    let out = Command::new(BIN)
        .args(["rotate", "--method", "copytruncate"])
        .arg(&main)
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(fs.path.join("app.log.1")).expect("read"),
        body
    );
    assert_eq!(
        std::fs::read(fs.path.join("app.log.2")).expect("read"),
        b"old\n"
    );
    assert_eq!(std::fs::metadata(&main).expect("stat").len(), 0);
}

/// A main file no longer than one block is left as it is; a longer one
/// keeps its inode and its tail, and backup 1 gets whole blocks.
#[test]
fn collapse_moves_whole_blocks_and_keeps_the_file() {
    let dir = Dir::new();
    dir.write("short.log", &[b'x'; 4095]);
    dir.ok(&["rotate", "--method", "collapse", "short.log"], b"");
    assert_eq!(dir.names(), ["short.log"]);

    let body: Vec<u8> = (0..3000)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    dir.write("app.log", &body);
    let ino = std::fs::metadata(dir.join("app.log")).expect("stat").ino();
    dir.ok(&["rotate", "--method", "collapse", "app.log"], b"");
    let backup = dir.read("app.log.1");
    assert_eq!(backup.len() as u64 % 4096, 0);
    assert!(backup.len() < body.len() && body.len() - backup.len() <= 4096);
    assert_eq!([backup, dir.read("app.log")].concat(), body);
    assert_eq!(
        std::fs::metadata(dir.join("app.log")).expect("stat").ino(),
        ino
    );
}

#[test]
fn copytruncate_copies_then_empties_the_same_file() {
    let dir = Dir::new();
    dir.write("app.log", b"one\ntwo\n");
    let ino = std::fs::metadata(dir.join("app.log")).expect("stat").ino();
    dir.ok(&["rotate", "--method", "copytruncate", "app.log"], b"");
    assert_eq!(dir.read("app.log.1"), b"one\ntwo\n");
    assert_eq!(dir.read("app.log"), b"");
    assert_eq!(
        std::fs::metadata(dir.join("app.log")).expect("stat").ino(),
        ino
    );
}

fn owner_and_mode(dir: &Dir, name: &str) -> (u32, u32, u32) {
    let m = std::fs::metadata(dir.join(name)).expect("stat");
    (m.uid(), m.gid(), m.permissions().mode() & 0o7777)
}

#[test]
fn as_root_the_new_main_file_keeps_the_old_owner_or_takes_the_one_asked_for() {
    if !is_root() {
        return;
    }
    let dir = Dir::new();
    dir.write("app.log", b"a\n");
    std::os::unix::fs::chown(dir.join("app.log"), Some(65534), Some(65534)).expect("chown");
    std::fs::set_permissions(dir.join("app.log"), std::fs::Permissions::from_mode(0o640))
        .expect("chmod");
    dir.ok(&["rotate", "app.log"], b"");
    assert_eq!(owner_and_mode(&dir, "app.log"), (65534, 65534, 0o640));
    assert_eq!(owner_and_mode(&dir, "app.log.1"), (65534, 65534, 0o640));

    // daemon is uid 1, primary group 1, on Debian.
    dir.write("app.log", b"b\n");
    dir.ok(
        &["rotate", "--owner", "daemon", "--perm", "0600", "app.log"],
        b"",
    );
    assert_eq!(owner_and_mode(&dir, "app.log"), (1, 1, 0o600));
    assert_eq!(owner_and_mode(&dir, "app.log.1"), (65534, 65534, 0o640));

    dir.write("app.log", b"c\n");
    dir.ok(&["rotate", "--owner", "daemon:0", "app.log"], b"");
    assert_eq!(owner_and_mode(&dir, "app.log"), (1, 0, 0o600));

    // A collapse leaves the main file as it is; the backup is the old
    // file's owner and mode.
    std::fs::write(dir.join("app.log"), vec![b'z'; 9000]).expect("write");
    dir.ok(&["rotate", "--method", "collapse", "app.log"], b"");
    assert_eq!(owner_and_mode(&dir, "app.log"), (1, 0, 0o600));
    assert_eq!(owner_and_mode(&dir, "app.log.1"), (1, 0, 0o600));
}

#[test]
fn an_owner_that_does_not_exist_is_a_usage_error() {
    let dir = Dir::new();
    dir.write("app.log", b"a\n");
    let out = dir
        .cmd(&["rotate", "--owner", "no-such-user-here", "app.log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named 'no-such-user-here'"));
    assert_eq!(dir.names(), ["app.log"]);
}

/// The main file stays in place with copytruncate and collapse: its age
/// counts from when rollover last emptied it, recorded beside the set,
/// not from its birth, so `-a` does not rotate it again at once. The
/// record is in whole seconds, so the limit is 3 s: a second rotate
/// within one second of the first is never due, however loaded the host.
#[test]
fn in_place_methods_restart_the_age_from_the_last_rotation() {
    let dir = Dir::new();
    dir.write("app.log", b"one\n");
    let rotate = |dir: &Dir| {
        let out = dir
            .cmd(&["rotate", "-a", "3s", "--method", "copytruncate", "app.log"])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    wait_until("the file is 3 seconds old", Duration::from_secs(20), || {
        rotate(&dir);
        dir.exists("app.log.1")
    });
    // Born more than 3 seconds ago, but emptied just now: not due.
    std::fs::write(dir.join("app.log"), b"two\n").expect("write");
    rotate(&dir);
    assert!(!dir.exists("app.log.2"), "rotated again at once");
    wait_until(
        "3 seconds since the last rotation",
        Duration::from_secs(20),
        || {
            rotate(&dir);
            dir.exists("app.log.2")
        },
    );
    assert_eq!(dir.read("app.log.1"), b"two\n");
    assert_eq!(dir.read("app.log.2"), b"one\n");
}
