//! What a machine migrated from logrotate relies on: its backups' names,
//! contents and times as logrotate made them, setting by setting.

use predicates::prelude::*;

use crate::util::Dir;

fn lines(n: usize, tag: &str) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("{tag} {i:04}\n").into_bytes())
        .collect()
}

/// `--padding none` writes numbers as logrotate does (`.1` ... `.12`,
/// never `.01`), for the writer and `rotate`; `rotate` without it keeps
/// the padding the set's last writer used.
#[test]
fn padding_none_writes_numbers_as_logrotate_does() {
    let dir = Dir::new();
    dir.ok(
        &["--padding", "none", "-s", "100", "-c", "12", "app.log"],
        &lines(200, "line"),
    );
    let names = dir.names();
    assert!(names.contains(&"app.log.1".to_string()), "{names:?}");
    assert!(names.contains(&"app.log.12".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains(".0")), "{names:?}");
    dir.write("app.log", b"more\n");
    dir.assert(&["rotate", "app.log"], b"").success();
    assert!(dir.exists("app.log.1") && !dir.exists("app.log.01"));
    assert_eq!(dir.read("app.log.1"), b"more\n");

    // A logrotate history: rotate keeps its names and moves each one up.
    let lr = Dir::new();
    lr.write("access.log", b"today\n");
    lr.write("access.log.1", b"yesterday\n");
    for n in 2..=9 {
        lr.write(&format!("access.log.{n}.gz"), format!("{n}").as_bytes());
    }
    lr.assert(
        &["rotate", "--padding", "none", "-c", "14", "access.log"],
        b"",
    )
    .success()
    .stderr(predicate::str::is_empty());
    let mut want = vec![
        "access.log".to_string(),
        "access.log.1".into(),
        "access.log.2".into(),
    ];
    want.extend((3..=10).map(|n| format!("access.log.{n}.gz")));
    want.sort();
    assert_eq!(lr.names(), want);
    assert_eq!(lr.read("access.log.2"), b"yesterday\n");
    assert_eq!(lr.read("access.log.10.gz"), b"9");

    // And in a configuration file.
    let cf = Dir::new();
    cf.write("a.log", b"a\n");
    cf.write(
        "r.toml",
        b"[[set]]\npaths = [\"a.log\"]\nmax-count = 20\npadding = \"none\"\n",
    );
    cf.assert(&["rotate", "--config", "r.toml"], b"").success();
    assert_eq!(cf.names(), ["a.log", "a.log.1", "r.toml"]);
}
