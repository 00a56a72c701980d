//! `rollover rotate`: rotates sets named by paths or glob patterns, alone
//! or by asking their live writer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow, bail};

use crate::cli::RotateArgs;
use crate::cmd::{Access, access, check_may_modify};
use crate::fileset::{FileSet, birth_time_at};
use crate::lock::{self, Ask};
use crate::naming::{Naming, looks_like_backup};
use crate::policy::should_rotate;

const DEFAULT_COUNT: u64 = 5;

/// Runs `rotate`; each failing set is one line on stderr and exit status 1.
pub fn run(args: &RotateArgs) -> Result<ExitCode> {
    let mut failed = false;
    let mut fail = |e: anyhow::Error| {
        crate::report(&format!("{e:#}"));
        failed = true;
    };
    for arg in &args.paths {
        let sets = match expand(arg) {
            Ok(sets) => sets,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        if sets.is_empty() && !args.missing_ok {
            fail(anyhow!("no file matches {}", arg.display()));
        }
        for set in sets {
            if let Err(e) = rotate_one(&set, args) {
                fail(e);
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn is_pattern(p: &Path) -> bool {
    p.as_os_str()
        .as_encoded_bytes()
        .iter()
        .any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// A literal argument is itself; a pattern is the main files it matches:
/// never a backup (`NAME.N`, `NAME.N.gz`), never a hidden file, never a
/// directory.
fn expand(arg: &Path) -> Result<Vec<PathBuf>> {
    if !is_pattern(arg) {
        return Ok(vec![arg.to_path_buf()]);
    }
    let text = arg
        .to_str()
        .ok_or_else(|| anyhow!("pattern {} is not valid UTF-8", arg.display()))?;
    let opts = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    for entry in glob::glob_with(text, opts).with_context(|| format!("invalid pattern {text}"))? {
        let path = entry.with_context(|| format!("cannot expand {text}"))?;
        let Some(name) = path.file_name() else {
            continue;
        };
        if looks_like_backup(name) || path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        out.push(path);
    }
    Ok(out)
}

fn rotate_one(path: &Path, args: &RotateArgs) -> Result<()> {
    let naming = Naming::new(path).map_err(anyhow::Error::msg)?;
    let set = FileSet::open(naming, args.insecure_dir)?;
    let count = args.max_count.unwrap_or(DEFAULT_COUNT);
    let say = |line: String| {
        if args.verbose || args.dry_run {
            crate::print(&line);
        }
    };
    if args.dry_run {
        // Changes nothing, not even by creating a lock file.
        let listing = set.list()?;
        let Some(main) = listing.main.clone() else {
            return missing(path, args);
        };
        set.check_main(&main)?;
        if !due(&set, &main.name, main.size, args) {
            say(format!("skip {}: conditions not met", path.display()));
            return Ok(());
        }
        if let Some(w) = lock::live_writer(&set)? {
            say(format!(
                "ask the writer (pid {}) to rotate {}",
                w.pid,
                path.display()
            ));
            return Ok(());
        }
        for step in set.plan(&listing, count) {
            say(step.describe(&set.naming));
        }
        return Ok(());
    }
    let peek = set.list()?;
    let Some(main) = peek.main else {
        return missing(path, args);
    };
    set.check_main(&main)?;
    check_may_modify(&set, &main.name, "rotate")?;
    match access(&set, args.timeout)? {
        Access::Alone(_lock) => {
            set.recover(count)?;
            let listing = set.list()?;
            let Some(main) = listing.main.clone() else {
                return missing(path, args);
            };
            set.check_main(&main)?;
            if !due(&set, &main.name, main.size, args) {
                return Ok(());
            }
            let steps = set.plan(&listing, count);
            for step in &steps {
                say(step.describe(&set.naming));
            }
            set.execute(&steps, None, true)?;
            Ok(())
        }
        Access::Writer(w) => {
            if args.max_count.is_some_and(|c| c != w.count) {
                crate::report(&format!(
                    "warning: {} is written by pid {} with -c {}; rotating with its count",
                    path.display(),
                    w.pid,
                    w.count
                ));
            }
            if !due(&set, &main.name, main.size, args) {
                return Ok(());
            }
            say(format!(
                "ask the writer (pid {}) to rotate {}",
                w.pid,
                path.display()
            ));
            lock::ask(&set, w.pid, Ask::Rotate, args.timeout)
        }
    }
}

fn due(set: &FileSet, main: &[u8], size: u64, args: &RotateArgs) -> bool {
    let born = birth_time_at(set, main).unwrap_or_else(SystemTime::now);
    should_rotate(size, born, SystemTime::now(), args.max_size, args.max_age)
}

fn missing(path: &Path, args: &RotateArgs) -> Result<()> {
    if args.missing_ok {
        return Ok(());
    }
    bail!(
        "cannot rotate {}: No such file or directory (os error 2)",
        path.display()
    )
}
