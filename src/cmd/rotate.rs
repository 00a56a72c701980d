//! `rollover rotate`: rotates sets named by paths or glob patterns, alone
//! or by asking their live writer. One decision ([`decide`]) serves the
//! real run, `-v` and `--dry-run` alike.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow, bail};

use crate::cmd::{Access, access, check_may_modify};
use crate::config::{DEFAULT_COUNT, RotateConfig};
use crate::control::{self, Ask};
use crate::fileset::{FileSet, birth_time_at};
use crate::finish::{Ending, Finisher, NewBackup};
use crate::lock::{self, Holder};
use crate::messages;
use crate::naming::{Naming, looks_like_backup};
use crate::plan::{self, Action};
use crate::policy::should_rotate;
use crate::state;

/// Runs `rotate`; each failing set is one line on stderr and exit status 1.
pub fn run(cfg: &RotateConfig) -> Result<ExitCode> {
    let mut failed = false;
    let mut fail = |e: anyhow::Error| {
        messages::error(&format!("{e:#}"));
        failed = true;
    };
    for arg in &cfg.paths {
        let sets = match expand(arg) {
            Ok(sets) => sets,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        if sets.is_empty() && !cfg.missing_ok {
            fail(anyhow!("no file matches {}", arg.display()));
        }
        for set in sets {
            if let Err(e) = rotate_one(&set, cfg) {
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

/// What `rotate` does to one set.
#[derive(Debug)]
enum Decision {
    /// No main file.
    Missing,
    /// The conditions do not hold (or the main file is empty).
    NotDue,
    /// A live writer holds the set: ask it.
    AskWriter(Holder),
    /// Rotate alone with these steps.
    Steps(Vec<Action>),
}

/// Decides what to do with a set, from its listing, its writer and the
/// conditions. Changes nothing.
fn decide(set: &FileSet, cfg: &RotateConfig, writer: Option<Holder>) -> Result<Decision> {
    let listing = set.list()?;
    let Some(main) = &listing.main else {
        return Ok(Decision::Missing);
    };
    set.check_main(main)?;
    let born = birth_time_at(set, &main.name).unwrap_or_else(SystemTime::now);
    let due = should_rotate(
        main.size,
        born,
        SystemTime::now(),
        cfg.when.min_size,
        cfg.when.min_age,
    );
    Ok(match writer {
        _ if !due => Decision::NotDue,
        Some(w) => Decision::AskWriter(w),
        None => {
            let count = cfg.count.unwrap_or(DEFAULT_COUNT);
            Decision::Steps(plan::rotation(&set.naming, &listing, count))
        }
    })
}

/// Prints what a decision does, for `-v` and `--dry-run`.
fn describe(set: &FileSet, decision: &Decision) -> Vec<String> {
    let path = set.naming.path().display();
    match decision {
        Decision::Missing => vec![format!("skip {path}: it does not exist")],
        Decision::NotDue => vec![format!("skip {path}: conditions not met")],
        Decision::AskWriter(w) => vec![format!("ask the writer (pid {}) to rotate {path}", w.pid)],
        Decision::Steps(steps) if steps.is_empty() => {
            vec![format!("skip {path}: its main file is empty")]
        }
        Decision::Steps(steps) => steps.iter().map(|s| s.describe(&set.naming)).collect(),
    }
}

fn rotate_one(path: &Path, cfg: &RotateConfig) -> Result<()> {
    let naming = Naming::new(path).map_err(anyhow::Error::msg)?;
    let set = FileSet::open(naming, cfg.trust)?;
    let say = |decision: &Decision| {
        if cfg.verbose || cfg.dry_run {
            for line in describe(&set, decision) {
                messages::print(&line);
            }
        }
    };
    if cfg.dry_run {
        // Changes nothing, not even by creating a lock file.
        let decision = decide(&set, cfg, lock::live_writer(&set)?)?;
        say(&decision);
        return match decision {
            Decision::Missing => missing(path, cfg),
            _ => Ok(()),
        };
    }
    let Some(main) = set.list()?.main else {
        return missing(path, cfg);
    };
    set.check_main(&main)?;
    check_may_modify(&set, &main.name, "rotate")?;
    let decision = match access(&set, cfg.timeout)? {
        Access::Alone(lock) => {
            let count = cfg.count.unwrap_or(DEFAULT_COUNT);
            set.recover(count)?;
            state::settle(&set, &set.list()?)?;
            let decision = decide(&set, cfg, None)?;
            say(&decision);
            if let Decision::Steps(steps) = &decision {
                execute(&set, steps)?;
            }
            drop(lock);
            decision
        }
        Access::Writer(w) => {
            if cfg.count.is_some_and(|c| c != w.count) {
                messages::warn(&format!(
                    "{} is written by pid {} with -c {}; rotating with its count",
                    path.display(),
                    w.pid,
                    w.count
                ));
            }
            let decision = decide(&set, cfg, Some(w))?;
            say(&decision);
            if let Decision::AskWriter(w) = &decision {
                control::ask(&set, w.pid, Ask::Rotate, cfg.timeout)?;
            }
            decision
        }
    };
    match decision {
        Decision::Missing => missing(path, cfg),
        _ => Ok(()),
    }
}

/// Carries out the steps, and finishes the new backup (its sync) before
/// returning, through the same finisher a writer uses.
fn execute(set: &FileSet, steps: &[Action]) -> Result<()> {
    let done = set.execute(steps, None)?;
    let mut finisher = Finisher::start();
    finisher.free(done.deleted);
    if let (Some(fd), Some(backup)) = (done.old, &done.backup) {
        finisher.sync(NewBackup {
            fd,
            dir: set.dup_dir()?,
            show: set.show(backup),
        });
    }
    match finisher.close(|| false) {
        Ending::Done { failures: 0 } => Ok(()),
        _ => bail!(
            "{} was rotated, but its new backup could not be synced (see above)",
            set.naming.path().display()
        ),
    }
}

fn missing(path: &Path, cfg: &RotateConfig) -> Result<()> {
    if cfg.missing_ok {
        return Ok(());
    }
    bail!(
        "cannot rotate {}: No such file or directory (os error 2)",
        path.display()
    )
}
