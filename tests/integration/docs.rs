//! The docs cannot drift: the committed man pages and completions equal
//! what the clap definitions generate, the man pages are lint-clean, and
//! the README's commands and claims match the binary.

use std::path::Path;

#[path = "../../examples/gen-docs/docs.rs"]
#[allow(dead_code)]
mod docs_gen;

#[test]
fn committed_man_pages_and_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, content) in docs_gen::generated() {
        match std::fs::read(root.join(&path)) {
            Ok(committed) if committed == content => {}
            _ => stale.push(path),
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `{}` and commit the result",
        docs_gen::REGENERATE
    );
}

#[test]
fn man_pages_are_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages: Vec<_> = docs_gen::generated()
        .into_iter()
        .filter(|(p, _)| p.ends_with(".1") || p.ends_with(".5"))
        .map(|(p, _)| root.join(p))
        .collect();
    let out = match std::process::Command::new("mandoc")
        .arg("-Tlint")
        .args(&pages)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            crate::util::cannot_run("mandoc is not installed");
            return;
        }
    };
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.trim().is_empty(), "mandoc -Tlint:\n{text}");
}

#[test]
fn man_page_has_the_sections_a_user_needs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("man/rollover.1")).expect("man page");
    for section in [
        "THE FILE SET",
        "ROTATION",
        "SIGNALS",
        "EXIT STATUS",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
        "CustomLog",
        "[Service]",
        "0 0 * * *",
        "logrotate (8)",
        "rotatelogs (8)",
        "multilog (8)",
        "svlogd (8)",
    ] {
        assert!(page.contains(section), "man page lacks {section}");
    }
}

#[test]
fn readme_names_the_two_commands_and_ci_runs_the_test_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(readme.contains("./demo.sh"), "README names the demo");
    assert!(
        readme.contains("cargo test --locked"),
        "README names the test command"
    );
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --locked"),
        ".ci/run runs the README's test command"
    );
}

/// Every rollover page a man page names exists: `rollover-help(1)` did not.
#[test]
fn man_pages_name_only_pages_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages: Vec<(String, Vec<u8>)> = docs_gen::generated()
        .into_iter()
        .filter(|(p, _)| p.starts_with("man/"))
        .collect();
    let exists = |name: &str, section: &str| root.join(format!("man/{name}.{section}")).exists();
    for (path, content) in &pages {
        let text = String::from_utf8_lossy(content).replace("\\-", "-");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("rollover") {
            let tail = &rest[at..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
                .collect();
            let after = tail[name.len()..].trim_start_matches([' ', '"']);
            if let Some(section) = after.strip_prefix('(').and_then(|a| a.get(..1))
                && (section == "1" || section == "5")
            {
                assert!(
                    exists(&name, section),
                    "{path} names {name}({section}), which is no page"
                );
            }
            rest = &tail[name.len().max(1)..];
        }
    }
}
