//! logrotate is the oracle for a migrated machine, night after night: the
//! same tree of logs and stanzas on two copies, logrotate running every
//! night on one, and on the other logrotate for the first nights, then
//! `import-logrotate --state` once and `rotate --config` every night
//! after, both under a faked clock (`faketime`, which both tools read).
//! After each night the two copies hold the same names, the same
//! (decompressed) contents, the same modes and owners, and the hooks ran
//! as often.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

use chrono::{Datelike, Duration as Days, NaiveDate};

use crate::util::{BIN, Dir, cannot_run, decompressed, have, is_root};

/// Debian's /etc/logrotate.conf and stanzas as Debian's packages ship
/// them (rsyslog, apt, dpkg, wtmp, btmp), plus a weekly one that only
/// inherits the globals and a yearly one; `D` is the log directory.
const DEBIAN: &str = "\
weekly
rotate 4
create

D/syslog
D/mail.log
{
\trotate 7
\tdaily
\tmissingok
\tnotifempty
\tcompress
\tdelaycompress
\tsharedscripts
\tpostrotate
\t\techo rsyslog >> D/hooks
\tendscript
}

D/term.log {
  rotate 12
  monthly
  compress
  missingok
  notifempty
}

D/dpkg.log {
\tmonthly
\trotate 12
\tcompress
\tdelaycompress
\tmissingok
\tnotifempty
\tcreate 644 root root
}

D/wtmp {
    missingok
    monthly
    create 0664 root utmp
    minsize 1M
    rotate 1
}

D/btmp {
    missingok
    monthly
    create 0660 root utmp
    rotate 1
}

D/weekly.log {
\tcompress
}

D/zstd.log {
\tdaily
\trotate 3
\tcompress
\tcompresscmd /usr/bin/zstd
\tcompressext .zst
\tcompressoptions -19
\tuncompresscmd /usr/bin/unzstd
}

D/old.log {
\tdaily
\trotate 3
\tcompress
\tdelaycompress
\tolddir archive
\tcreateolddir 0750 root adm
}

D/app.foo {
\tdaily
\trotate 3
\tcompress
\tdelaycompress
\textension .foo
}

D/dated.foo {
\tdaily
\trotate 2
\tdateext
\textension .foo
}

D/xz.log {
\tdaily
\trotate 2
\tcompress
\tcompresscmd /usr/bin/xz
\tcompressoptions -9
\tuncompresscmd /usr/bin/unxz
}

D/kept.log {
\tweekly
\trotate 2
\tolddir /KEPT
}

D/yearly.log {
\tyearly
\trotate 2
\tcreate 0640 root adm
}
";

/// A RHEL-style tree: a global dateext, and stanzas as RHEL's rsyslog,
/// dnf and util-linux packages ship them.
const RHEL: &str = "\
weekly
rotate 4
create
dateext

D/cron
D/maillog
D/messages
D/secure
D/spooler
{
    missingok
    sharedscripts
    postrotate
        echo rsyslog >> D/hooks
    endscript
}

D/hawkey.log {
    missingok
    notifempty
    rotate 4
    weekly
    create
}

D/wtmp {
    monthly
    create 0664 root utmp
\tminsize 1M
    rotate 1
}

D/btmp {
    missingok
    monthly
    create 0600 root utmp
    rotate 1
}

D/dnf.log {
    daily
    rotate 5
    compress
    delaycompress
    missingok
}
";

/// Which logs get a line on night `n` (1 first): some every night, some
/// now and then, so that empty files meet ifempty and notifempty.
fn lines_for(n: u32) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("syslog", format!("syslog night {n}\n")),
        ("zstd.log", format!("zstd night {n}\n")),
        ("old.log", format!("old night {n}\n")),
        ("kept.log", format!("kept night {n}\n")),
        ("app.foo", format!("app.foo night {n}\n")),
        ("dated.foo", format!("dated.foo night {n}\n")),
        ("xz.log", format!("xz night {n}\n")),
        ("wtmp", format!("wtmp night {n}\n")),
    ];
    if n % 2 == 1 {
        v.push(("mail.log", format!("mail night {n}\n")));
        v.push(("weekly.log", format!("weekly night {n}\n")));
    }
    if n % 3 == 1 {
        v.push(("term.log", format!("term night {n}\n")));
        v.push(("dpkg.log", format!("dpkg night {n}\n")));
        v.push(("btmp", format!("btmp night {n}\n")));
    }
    if n == 1 || n == 20 {
        v.push(("yearly.log", format!("yearly night {n}\n")));
    }
    v
}

/// The first Friday of December next year: 35 nights from it cross a
/// month's and a year's end, all after the logs' real birth.
fn first_night() -> NaiveDate {
    let today = chrono::Local::now().date_naive();
    let mut d = NaiveDate::from_ymd_opt(today.year() + 1, 12, 1).expect("a date");
    while d.weekday() != chrono::Weekday::Fri {
        d += Days::days(1);
    }
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn faked(when: NaiveDate, program: &str) -> Command {
    let mut c = Command::new("faketime");
    c.arg(format!("{} 06:25:00", when.format("%Y-%m-%d")))
        .arg(program);
    c
}

fn run_ok(mut c: Command, what: &str) -> Output {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// A log directory as the comparison sees it: each file's decompressed
/// contents, mode, owner and group, by name; the hooks' record aside.
/// Hidden files count: after a cron run nothing of rollover's is left
/// beside the logs.
fn tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32, u32, u32)> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("ls") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "hooks" {
            continue;
        }
        let meta = e.metadata().expect("stat");
        if meta.is_dir() {
            continue;
        }
        let data = decompressed(&e.path());
        m.insert(name, (data, meta.mode() & 0o7777, meta.uid(), meta.gid()));
    }
    m
}

fn append(path: &Path, data: &str) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(data.as_bytes()))
        .expect("append");
}

/// Both copies after one night: what differs, one line each.
fn differences(a: &Path, b: &Path) -> Vec<String> {
    let (ta, tb) = (tree(a), tree(b));
    let mut out = Vec::new();
    for name in ta
        .keys()
        .chain(tb.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (ta.get(name), tb.get(name)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) if x.0 != y.0 => out.push(format!(
                "{name}: logrotate has {:?}, rollover {:?}",
                text(&x.0),
                text(&y.0)
            )),
            (Some(x), Some(y)) => out.push(format!(
                "{name}: logrotate's mode/owner/group {:o} {} {}, rollover's {:o} {} {}",
                x.1, x.2, x.3, y.1, y.2, y.3
            )),
            (Some(_), None) => out.push(format!("{name}: only logrotate has it")),
            (None, _) => out.push(format!("{name}: only rollover has it")),
        }
    }
    // Each stanza's hook runs in order; stanzas rotate in parallel, so
    // the runs of different stanzas (each line's first word) interleave.
    let hooks = |d: &Path| {
        let text = std::fs::read_to_string(d.join("hooks")).unwrap_or_default();
        let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in text.lines() {
            let first = line.split_whitespace().next().unwrap_or_default();
            by.entry(first.to_string())
                .or_default()
                .push(line.to_string());
        }
        by
    };
    if hooks(a) != hooks(b) {
        out.push(format!(
            "hooks: logrotate ran {:?}, rollover {:?}",
            hooks(a),
            hooks(b)
        ));
    }
    out
}

/// Runs `nights` nights of a tree on two copies (see the module's
/// comment): `conf` with `D/` for the log directory, `feed` the lines of
/// each night; migrated after night `migrate_after`. Fails on the first
/// night the copies differ. Returns the names the logrotate copy ends with.
fn run_nights(
    tree_name: &str,
    conf: &str,
    feed: impl Fn(u32) -> Vec<(String, String)>,
    nights: u32,
    migrate_after: u32,
) -> Vec<String> {
    run_nights_in(tree_name, conf, |_| {}, feed, nights, migrate_after)
}

/// [`run_nights`], with `setup` making each copy's log directory (its
/// subdirectories, owners and modes) before the first night.
fn run_nights_in(
    tree_name: &str,
    conf: &str,
    setup: impl Fn(&Path),
    feed: impl Fn(u32) -> Vec<(String, String)>,
    nights: u32,
    migrate_after: u32,
) -> Vec<String> {
    let root = Dir::new();
    let (lr, rr) = (root.join("lr"), root.join("rr"));
    let conf_of = |d: &Path| root.join(&format!("{}.conf", name_of(d)));
    let state_of = |d: &Path| root.join(&format!("{}.state", name_of(d)));
    for d in [&lr, &rr] {
        std::fs::create_dir_all(d).expect("mkdir");
        setup(d);
        let text = conf
            .replace("D/", &format!("{}/", d.display()))
            .replace("/KEPT", &format!("{}/kept", d.display()));
        std::fs::write(conf_of(d), text).expect("conf");
    }
    let logrotate = |d: &Path, night: NaiveDate| {
        let mut c = faked(night, "logrotate");
        c.arg("-s").arg(state_of(d)).arg(conf_of(d));
        run_ok(c, &format!("{tree_name}: logrotate on {night}"));
    };
    let toml = root.join("rollover.toml");
    let start = first_night();
    for n in 1..=nights {
        let night = start + Days::days(i64::from(n) - 1);
        for d in [&lr, &rr] {
            for (log, line) in feed(n) {
                let path = d.join(&log);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).expect("mkdir");
                }
                append(&path, &line);
            }
        }
        logrotate(&lr, night);
        if n <= migrate_after {
            logrotate(&rr, night);
        } else {
            if n == migrate_after + 1 {
                let mut c = Command::new(BIN);
                c.arg("import-logrotate")
                    .arg("--state")
                    .arg(state_of(&rr))
                    .arg(conf_of(&rr));
                let out = run_ok(c, "import-logrotate");
                // The state directory, a top-level key, before the sets.
                let mut text = format!("state-dir = \"{}\"\n", root.join("state").display());
                text.push_str(&String::from_utf8_lossy(&out.stdout));
                std::fs::write(&toml, text).expect("write the configuration");
            }
            let mut c = faked(night, BIN);
            c.args(["rotate", "--config"]).arg(&toml);
            run_ok(c, &format!("{tree_name}: rollover on {night}"));
        }
        let mut diff = differences(&lr, &rr);
        for sub in subdirectories(&lr) {
            diff.extend(differences(&lr.join(&sub), &rr.join(&sub)));
        }
        assert!(
            diff.is_empty(),
            "{tree_name}: night {n} ({night}, {}):\n{}\nthe configuration:\n{}",
            night.weekday(),
            diff.join("\n"),
            std::fs::read_to_string(&toml).unwrap_or_default()
        );
    }
    let mut names: Vec<String> = tree(&lr).into_keys().collect();
    for sub in subdirectories(&lr) {
        names.extend(
            tree(&lr.join(&sub))
                .into_keys()
                .map(|n| format!("{sub}/{n}")),
        );
    }
    eprintln!(
        "{tree_name}: {nights} nights from {start} ({}), migrated after night {migrate_after}: every night agrees; at the end: {}",
        start.weekday(),
        names.join(" ")
    );
    names
}

/// The directories of a log directory (apt/, postgresql/ ...).
fn subdirectories(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("ls")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// A Debian tree, 35 nights from a Friday across a month's and a year's
/// end, migrated after the third night.
#[test]
fn a_debian_tree_migrated_after_three_nights_agrees_every_night() {
    if !can_run() {
        return;
    }
    let feed = |n| {
        lines_for(n)
            .into_iter()
            .map(|(log, line)| (log.to_string(), line))
            .collect()
    };
    // An olddir that exists (absolute), beside one createolddir makes.
    let setup = |d: &Path| std::fs::create_dir_all(d.join("kept")).expect("mkdir");
    let names = run_nights_in("Debian tree", DEBIAN, setup, feed, 35, 3);
    // The nights did rotate: daily, weekly, monthly and yearly backups.
    assert_has(
        &names,
        &[
            "syslog.7.gz",
            "mail.log.1",
            "weekly.log.4.gz",
            "term.log.1.gz",
            "dpkg.log.1",
            "yearly.log.1",
            "btmp.1",
            "zstd.log.3.zst",
            "archive/old.log.3.gz",
            "kept/kept.log.2",
            "app.1.foo",
            "app.3.foo.gz",
            "xz.log.2.xz",
        ],
    );
}

/// A RHEL-style tree, its backups named by date (dateext), 35 nights.
#[test]
fn a_rhel_tree_with_dateext_agrees_every_night() {
    if !can_run() {
        return;
    }
    let feed = |n: u32| {
        let mut v: Vec<(String, String)> = ["messages", "secure", "cron", "wtmp", "dnf.log"]
            .iter()
            .map(|l| (l.to_string(), format!("{l} night {n}\n")))
            .collect();
        if n % 4 == 1 {
            v.push(("maillog".into(), format!("maillog night {n}\n")));
            v.push(("hawkey.log".into(), format!("hawkey night {n}\n")));
            v.push(("btmp".into(), format!("btmp night {n}\n")));
        }
        v
    };
    let names = run_nights("RHEL tree", RHEL, feed, 35, 3);
    assert!(
        names.iter().filter(|n| n.starts_with("messages-")).count() == 4,
        "four weekly, date-named backups of messages: {names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("dnf.log-") && n.ends_with(".gz"))
    );
}

/// An Ubuntu-style tree: the global `su root adm` that Ubuntu's
/// /etc/logrotate.conf has, because its /var/log is group-writable (0775
/// root:syslog) and logrotate refuses such a directory without `su`; the
/// logs belong to syslog:adm. Beside it, a directory of MariaDB's own
/// (mysql:mysql 0750) whose stanza works as `su mysql mysql`, as MariaDB's
/// upstream stanza does, and a PostgreSQL directory (1775
/// root:postgres) with Debian's `su root root`.
const UBUNTU: &str = "\
weekly
su root adm
rotate 4
create

D/syslog
D/mail.log
D/auth.log
{
\trotate 4
\tweekly
\tmissingok
\tnotifempty
\tcompress
\tdelaycompress
\tsharedscripts
\tpostrotate
\t\techo rsyslog >> D/hooks
\tendscript
}

D/mysql/mysql.log D/mysql/mysql-slow.log {
\tsu mysql mysql
\tmissingok
\tcreate 660 mysql mysql
\tnotifempty
\tdaily
\trotate 30
\tcompress
\tdelaycompress
\tsharedscripts
\tpostrotate
\t\techo mariadb >> D/hooks
\tendscript
}

D/postgresql/*.log {
\tdaily
\trotate 10
\tdelaycompress
\tcompress
\tnotifempty
\tmissingok
\tsu root root
}
";

#[test]
fn an_ubuntu_tree_with_su_agrees_every_night() {
    if !can_run() {
        return;
    }
    for (user, group) in [("mysql", "mysql"), ("root", "syslog"), ("root", "postgres")] {
        if !known_user(user) || !known_group(group) {
            cannot_run(&format!(
                "the Ubuntu tree needs user {user} and group {group} (.ci/run creates them)"
            ));
            return;
        }
    }
    let setup = |d: &Path| {
        let own = |p: &Path, owner: &str, mode: &str| {
            let ok = Command::new("chown")
                .arg(owner)
                .arg(p)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new("chmod")
                    .arg(mode)
                    .arg(p)
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(ok, "chown {owner} / chmod {mode} {}", p.display());
        };
        own(d, "root:syslog", "0775");
        for log in ["syslog", "mail.log", "auth.log"] {
            append(&d.join(log), "");
            own(&d.join(log), "root:adm", "0640");
        }
        for sub in ["mysql", "postgresql"] {
            std::fs::create_dir_all(d.join(sub)).expect("mkdir");
        }
        own(&d.join("mysql"), "mysql:mysql", "0750");
        own(&d.join("postgresql"), "root:postgres", "1775");
        for log in ["mysql/mysql.log", "mysql/mysql-slow.log"] {
            append(&d.join(log), "");
            own(&d.join(log), "mysql:mysql", "0660");
        }
        append(&d.join("postgresql/postgresql-16-main.log"), "");
        own(
            &d.join("postgresql/postgresql-16-main.log"),
            "root:postgres",
            "0640",
        );
    };
    let feed = |n: u32| {
        let mut v: Vec<(String, String)> = ["syslog", "auth.log", "mysql/mysql.log"]
            .iter()
            .map(|l| (l.to_string(), format!("{l} night {n}\n")))
            .collect();
        if n % 3 == 1 {
            for l in [
                "mail.log",
                "mysql/mysql-slow.log",
                "postgresql/postgresql-16-main.log",
            ] {
                v.push((l.to_string(), format!("{l} night {n}\n")));
            }
        }
        v
    };
    let names = run_nights_in("Ubuntu tree", UBUNTU, setup, feed, 35, 3);
    assert_has(
        &names,
        &[
            "syslog.4.gz",
            "mysql/mysql.log.30.gz",
            "postgresql/postgresql-16-main.log.2.gz",
        ],
    );
}

/// The stanzas that nginx, apache2, MariaDB, redis, ufw, fail2ban,
/// php-fpm, samba and unattended-upgrades ship (copies in
/// tests/data/logrotate), under Debian's globals, their scripts made to
/// record their runs: prerotate and postrotate, shared and not.
#[test]
fn the_stanzas_packages_ship_agree_every_night() {
    if !can_run() {
        return;
    }
    for user in ["www-data", "mysql"] {
        if !known_user(user) {
            cannot_run(&format!(
                "the packages' stanzas need user {user} (.ci/run creates it)"
            ));
            return;
        }
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/logrotate");
    let mut conf = String::from("weekly\nrotate 4\ncreate\n\n");
    for name in [
        "apache2",
        "fail2ban",
        "mysql-server",
        "nginx",
        "php8.2-fpm",
        "redis-server",
        "samba",
        "ufw",
        "unattended-upgrades",
    ] {
        let text = std::fs::read_to_string(data.join(name)).expect("a stanza");
        conf.push_str(&scripts_recorded(&text, name));
        conf.push('\n');
    }
    let conf = conf.replace("/var/log/", "D/");
    let logs = [
        "apache2/access.log",
        "apache2/error.log",
        "fail2ban.log",
        "mysql/mysql.log",
        "mysql/error.log",
        "nginx/access.log",
        "nginx/error.log",
        "php8.2-fpm.log",
        "redis/redis-server.log",
        "samba/log.smbd",
        "samba/log.nmbd",
        "ufw.log",
        "unattended-upgrades/unattended-upgrades.log",
        "unattended-upgrades/unattended-upgrades-dpkg.log",
    ];
    // Busy logs every night, quiet ones now and then, so that empty files
    // meet notifempty.
    let feed = move |n: u32| {
        logs.iter()
            .enumerate()
            .filter(|(i, _)| *i < 4 || (n as usize + i).is_multiple_of(3))
            .map(|(_, log)| (log.to_string(), format!("{log} night {n}\n")))
            .collect()
    };
    let names = run_nights("the packages' stanzas", &conf, feed, 35, 3);
    assert_has(
        &names,
        &[
            "apache2/access.log.2.gz",
            "nginx/access.log.1",
            "mysql/mysql.log.7.gz",
            "fail2ban.log.4.gz",
            "unattended-upgrades/unattended-upgrades.log.1.gz",
        ],
    );
}

/// Root, logrotate and faketime, which every night needs (else said).
fn can_run() -> bool {
    is_root() && have("logrotate") && have("faketime")
}

/// Whether `name` is a user (`/etc/passwd`) or group (`/etc/group`) here.
fn known(file: &str, name: &str) -> bool {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(':').next() == Some(name))
}

fn known_user(name: &str) -> bool {
    known("/etc/passwd", name)
}

fn known_group(name: &str) -> bool {
    known("/etc/group", name)
}

/// Fails naming each of `wanted` that the logrotate copy does not end with.
fn assert_has(names: &[String], wanted: &[&str]) {
    for name in wanted {
        assert!(names.iter().any(|n| n == name), "no {name}: {names:?}");
    }
}

/// This machine's own /etc/logrotate.conf and the stanzas its packages
/// installed in /etc/logrotate.d, as they ship them, with /var/log moved
/// to the test's directory and each script replaced by one that records
/// its run. Stanzas with copytruncate are left out: rollover's lossless
/// collapse differs from it by design (a documented difference).
#[test]
fn this_machines_own_stanzas_agree_every_night() {
    if !can_run() {
        return;
    }
    let conf = machine_conf();
    // Each log the stanzas name gets a line most nights.
    let logs: Vec<String> = conf
        .lines()
        .flat_map(|l| l.split_whitespace())
        .filter_map(|w| w.strip_prefix("D/"))
        .filter(|w| !w.contains('*') && !w.contains("hooks"))
        .map(|w| w.trim_end_matches('{').to_string())
        .collect();
    assert!(logs.len() >= 4, "too few logs in {conf}");
    let feed = move |n: u32| {
        logs.iter()
            .enumerate()
            .filter(|(i, _)| !(n as usize + i).is_multiple_of(3))
            .map(|(_, log)| (log.clone(), format!("{log} night {n}\n")))
            .collect()
    };
    run_nights("this machine's stanzas", &conf, feed, 35, 3);
}

/// /etc/logrotate.conf with /etc/logrotate.d's files in place of its
/// include, paths under /var/log moved to `D/`, scripts made to record
/// their runs, copytruncate stanzas left out.
fn machine_conf() -> String {
    let main = std::fs::read_to_string("/etc/logrotate.conf").unwrap_or_default();
    let mut out = String::new();
    for line in main.lines() {
        if line.trim_start().starts_with("include") {
            let mut files: Vec<_> = std::fs::read_dir("/etc/logrotate.d")
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                if text.contains("copytruncate") {
                    continue;
                }
                out.push_str(&scripts_recorded(&text, &name_of(&f)));
                out.push('\n');
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.replace("/var/log/", "D/")
}

/// Every script's body replaced by a line that records which ran.
fn scripts_recorded(text: &str, name: &str) -> String {
    let mut out = String::new();
    let mut in_script = false;
    for line in text.lines() {
        let t = line.trim();
        if in_script {
            if t == "endscript" {
                in_script = false;
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if [
            "postrotate",
            "prerotate",
            "firstaction",
            "lastaction",
            "preremove",
        ]
        .contains(&t)
        {
            in_script = true;
            out.push_str(&format!("\techo {name} {t} >> D/hooks\n"));
        }
    }
    out
}

fn name_of(d: &Path) -> String {
    d.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
