//! The suite's last test binary (cargo runs the test targets in name
//! order, and `skipped` comes after `alloc` and `integration`): it names
//! the tests that could not run here, as `cannot_run` in
//! `tests/integration/util.rs` listed them, and clears the list for the
//! next run. Under CI (`CI` set) no test may have been skipped.

use std::io::Write;

#[test]
fn the_tests_that_did_not_run_are_named() {
    let list = concat!(env!("CARGO_TARGET_TMPDIR"), "/skipped-tests");
    let text = std::fs::read_to_string(list).unwrap_or_default();
    let _ = std::fs::remove_file(list);
    let skipped: Vec<&str> = text.lines().collect();
    assert!(
        std::env::var_os("CI").is_none() || skipped.is_empty(),
        "tests skipped under CI: {skipped:?}"
    );
    if skipped.is_empty() {
        return;
    }
    // Past the harness's capture, so that it shows in a plain `cargo test`.
    let mut report = format!(
        "\n{} test{} did not run here (root or a tool missing; CI runs them all):\n",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" }
    );
    for line in &skipped {
        report.push_str(&format!("  {line}\n"));
    }
    let _ = std::io::stderr().write_all(report.as_bytes());
}
