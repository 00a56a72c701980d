//! The command line: usage errors exit 2 with a message that says what is
//! wrong; subcommand names and file names.

use predicates::prelude::*;

use crate::util::Dir;

fn usage_error(args: &[&str], says: &str) {
    let dir = Dir::new();
    dir.assert(args, b"")
        .code(2)
        .stderr(predicate::str::contains(says));
    assert!(dir.names().is_empty(), "a usage error created files");
}

#[test]
fn bad_sizes_are_usage_errors() {
    usage_error(
        &["-s", "10XB", "app.log"],
        "invalid size '10XB': use a number with K, M, G, T (1024-based)",
    );
    usage_error(&["-s", "-1", "app.log"], "--max-size");
    usage_error(&["-s", "", "app.log"], "invalid size ''");
    usage_error(&["--max-size=1.5.5M", "app.log"], "invalid size");
}

#[test]
fn durations_need_units() {
    usage_error(&["-a", "5", "app.log"], "invalid duration '5'");
    usage_error(&["-a", "5", "app.log"], "s, m, h, d, w");
    usage_error(&["--partial-timeout", "2", "app.log"], "invalid duration");
    usage_error(&["--max-days", "soon", "app.log"], "invalid number of days");
}

#[test]
fn two_percent_signs_are_a_usage_error_in_every_command() {
    for cmd in [&[][..], &["rotate"], &["reset"], &["status"]] {
        let mut args = cmd.to_vec();
        args.push("a%b%.log");
        usage_error(&args, "more than one '%'");
    }
}

#[test]
fn other_usage_errors() {
    usage_error(&["-m", "z", "app.log"], "invalid value 'z'");
    usage_error(&["-c", "-3", "app.log"], "--max-count");
    usage_error(&["--perm", "999", "app.log"], "invalid mode");
    usage_error(&[], "PATH");
    usage_error(
        &["-a", "1h", "--max-days", "1", "app.log"],
        "cannot be used with",
    );
}

#[test]
fn subcommand_names_can_still_be_file_names() {
    let dir = Dir::new();
    dir.ok(&["--", "rotate"], b"to a file\n");
    dir.ok(&["./status"], b"another\n");
    assert_eq!(dir.read("rotate"), b"to a file\n");
    assert_eq!(dir.read("status"), b"another\n");
}

#[test]
fn short_help_fits_79_columns() {
    for args in [
        vec!["-h"],
        vec!["rotate", "-h"],
        vec!["reset", "-h"],
        vec!["status", "-h"],
    ] {
        Dir::new()
            .assert(&args, b"")
            .success()
            .stdout(predicate::function(|text: &str| {
                text.lines().all(|line| line.chars().count() <= 79)
            }));
    }
}
