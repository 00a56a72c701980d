//! `import-logrotate` and `rotate --config` against logrotate itself: the
//! files Debian's packages ship (and copies of typical stanzas kept in
//! tests/data/logrotate), translated and read back; and logrotate as an
//! oracle, run on a copy of the same files, round after round.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{BIN, Dir, decompressed, have, is_root};

fn import(files: &[PathBuf]) -> Output {
    Command::new(BIN)
        .arg("import-logrotate")
        .args(files)
        .output()
        .expect("run import-logrotate")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file translates, says once on stderr for each directive it left
/// out what that was, and reads back through `rotate --config --dry-run`
/// without an error in the configuration (sets that are missing here may
/// still fail).
fn check_translation(file: &Path) {
    let out = import(&[file.to_path_buf()]);
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        text(&out.stderr)
    );
    let toml = text(&out.stdout);
    let source = std::fs::read_to_string(file).expect("read");
    let stanzas = source
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains('{'))
        .count();
    assert_eq!(
        toml.matches("[[set]]").count(),
        stanzas,
        "{}: one [[set]] per stanza:\n{toml}",
        file.display()
    );
    assert_eq!(
        toml.matches("# not translated:").count(),
        text(&out.stderr).matches("not translated:").count(),
        "{}: one warning per comment",
        file.display()
    );
    // An owner whose user or group this machine lacks (mysql, say) is a
    // bad value here, as it is to logrotate: read the rest back as root's.
    let toml: String = toml
        .lines()
        .map(|l| match l.split_once(" = ") {
            Some((key @ ("owner" | "su"), o)) if !owner_exists(o.trim_matches('"')) => {
                format!("{key} = \"root:root\"")
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = Dir::new();
    dir.write("r.toml", toml.as_bytes());
    let back = dir
        .cmd(&["rotate", "--config", "r.toml", "--dry-run", "-v"])
        .output()
        .expect("run");
    let err = text(&back.stderr);
    for line in err.lines() {
        assert!(
            !line.contains("r.toml:") || line.contains("no file matches"),
            "{}: the translation does not read back:\n{toml}\n{err}",
            file.display()
        );
        assert!(
            line.contains("no file matches")
                || line.contains("No such file")
                || line.contains("it is writable by")
                || line.contains("is matched by the sets"),
            "{}: {line}",
            file.display()
        );
    }
    // Each set found is shown with its settings.
    let shown = text(&back.stdout);
    assert!(shown.lines().all(|l| !l.is_empty()), "{shown}");
}

fn owner_exists(owner: &str) -> bool {
    let (u, g) = owner.split_once(':').unwrap_or((owner, "root"));
    let known = |db: &str, name: &str| {
        std::fs::read_to_string(db)
            .unwrap_or_default()
            .lines()
            .any(|l| l.split(':').next() == Some(name))
    };
    known("/etc/passwd", u) && known("/etc/group", g)
}

#[test]
fn debian_packages_logrotate_files_translate_and_read_back() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "/etc/logrotate.d",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/logrotate"),
    ] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            files.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
    }
    files.sort();
    assert!(
        files.len() >= 8,
        "the copies in tests/data at least: {files:?}"
    );
    for f in &files {
        check_translation(f);
    }
    eprintln!(
        "import-logrotate: {} files: {}",
        files.len(),
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn what_cannot_be_translated_is_said_and_commented() {
    let file = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/logrotate/dateext-app"
    ));
    let out = import(&[file]);
    assert!(out.status.success());
    let toml = text(&out.stdout);
    // dateext (a global) with the stanza's dateformat.
    assert!(
        toml.contains("backup-names = \"date:-%Y%m%d-%s\"\n"),
        "{toml}"
    );
    assert!(toml.contains("su = \"app:app\"\n"), "{toml}");
    assert!(toml.contains("backup-dir = \"/srv/app/old\"\n"), "{toml}");
    for what in ["mail ops@example.com", "shred"] {
        assert!(
            toml.contains(&format!("# not translated: {what}\n")),
            "{what}: {toml}"
        );
        assert!(
            text(&out.stderr).contains(&format!("not translated: {what}")),
            "{what}"
        );
    }
    // size drops the inherited weekly; copytruncate is the lossless collapse.
    assert!(
        toml.contains("max-count = 5\nmax-size = \"50M\"\n"),
        "{toml}"
    );
    assert!(!toml.contains("every"), "{toml}");
    assert!(toml.contains("method = \"collapse\""), "{toml}");
}

/// Each file of a directory, decompressed, by name.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("ls") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            || name.ends_with(".conf")
            || name.ends_with(".toml")
            || name == "state"
        {
            continue;
        }
        m.insert(name, decompressed(&e.path()));
    }
    m
}

fn append(path: &Path, data: &[u8]) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(data))
        .expect("append");
}

/// logrotate is the oracle: the same stanzas, run by logrotate on one
/// copy of the files and by `import-logrotate` plus `rotate --config` on
/// another, round after round, leave the same names with the same
/// contents, and the hooks ran as often with the same argument.
#[test]
fn logrotate_and_rollover_leave_the_same_files_round_after_round() {
    if !is_root() || !have("logrotate") {
        return;
    }
    let root = Dir::new();
    let (lr, rr) = (root.join("lr"), root.join("rr"));
    let conf = |d: &Path| {
        let d = d.display();
        format!(
            "# logrotate's defaults: size 1M, rotate 0, nocreate; Debian's\n\
             # logrotate.conf says create, as rollover always does\n\
             create\n\
             compress\n\
             {d}/app.log {d}/other.log {{\n\
             \trotate 3\n\tsize 1\n\tdelaycompress\n\tmissingok\n\tnotifempty\n\tsharedscripts\n\
             \tpostrotate\n\t\techo \"$1\" >> {d}/hooks.txt\n\tendscript\n}}\n\
             {d}/big.log {{\n\tsize 1k\n\trotate 2\n\tcreate 0600 root root\n\tnocompress\n}}\n\
             {d}/none.log {{\n\tmissingok\n}}\n"
        )
    };
    for d in [&lr, &rr] {
        std::fs::create_dir_all(d).expect("mkdir");
        std::fs::write(d.join("c.conf"), conf(d)).expect("write");
    }
    let imported = import(&[rr.join("c.conf")]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    std::fs::write(rr.join("r.toml"), &imported.stdout).expect("write");

    for round in 1..=6u32 {
        for d in [&lr, &rr] {
            append(
                &d.join("app.log"),
                format!("app round {round}\n").as_bytes(),
            );
            if round % 2 == 1 {
                append(
                    &d.join("other.log"),
                    format!("other round {round}\n").as_bytes(),
                );
            }
            let big = if round == 3 { 100 } else { 700 };
            append(&d.join("big.log"), &vec![b'0' + round as u8; big]);
            append(&d.join("none.log"), format!("small {round}\n").as_bytes());
        }
        let l = Command::new("logrotate")
            .arg("-s")
            .arg(lr.join("state"))
            .arg(lr.join("c.conf"))
            .output()
            .expect("run logrotate");
        assert!(l.status.success(), "logrotate: {}", text(&l.stderr));
        let r = Command::new(BIN)
            .args(["rotate", "--config"])
            .arg(rr.join("r.toml"))
            .output()
            .expect("run rollover");
        assert!(r.status.success(), "rollover: {}", text(&r.stderr));
        let (a, b) = (contents(&lr), contents(&rr));
        // logrotate's $1 is the text before '{', trailing blank included;
        // rollover's is the paths, one space between.
        let hooks = |m: &BTreeMap<String, Vec<u8>>, d: &Path| {
            text(m.get("hooks.txt").map_or(&[][..], |v| v))
                .replace(&d.display().to_string(), "D")
                .replace(" \n", "\n")
        };
        assert_eq!(hooks(&a, &lr), hooks(&b, &rr), "round {round}: hooks");
        let strip = |mut m: BTreeMap<String, Vec<u8>>| {
            m.remove("hooks.txt");
            m
        };
        let (a, b) = (strip(a), strip(b));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "round {round}: names"
        );
        for (name, data) in &a {
            assert_eq!(Some(data), b.get(name), "round {round}: {name}");
        }
        use std::os::unix::fs::MetadataExt;
        let mode = |d: &Path| std::fs::metadata(d.join("big.log")).expect("stat").mode() & 0o7777;
        assert_eq!(mode(&lr), mode(&rr), "round {round}: big.log's mode");
    }
}
