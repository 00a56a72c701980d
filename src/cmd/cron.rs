//! `rollover rotate --config FILE`: every set a configuration file names,
//! rotated in parallel, each with its stanza's settings; then each
//! stanza's `on-rotate-once` hook, where any of its sets rotated.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use crate::cmd::rotate::{self, Group, Outcome};
use crate::cmd::{Failures, targets};
use crate::conffile::{self, Stanza};
use crate::config::{ConfigRun, RotateConfig};
use crate::messages;
use crate::naming::Naming;

/// Runs a configuration file. An error in it rotates nothing (exit 1); a
/// failing set does not stop the others.
pub fn run(run: &ConfigRun) -> Result<ExitCode> {
    let stanzas = match conffile::load(&run.file) {
        Ok(s) => s,
        Err(e) => {
            messages::error(&format!("{e:#}"));
            return Ok(ExitCode::FAILURE);
        }
    };
    // Each stanza's settings as this run applies them.
    let configs: Vec<RotateConfig> = stanzas.iter().map(|s| as_run(&s.rotate, run)).collect();
    let failures = Failures::default();
    if !run.dry_run {
        crate::batch::begin();
    }
    let (mut work, listed) = sets_of(&stanzas, &configs, &failures);
    if !run.only.is_empty() {
        work = only(work, &run.only, &run.file, &failures);
    }
    let groups: Vec<Group> = stanzas
        .iter()
        .zip(&configs)
        .map(|(stanza, cfg)| Group {
            around: &cfg.around,
            written: stanza.written.clone(),
            dry_run: run.dry_run,
            verbose: run.verbose,
        })
        .collect();
    // What runs before a stanza's first rename runs before any set is
    // rotated; a stanza whose hook failed is left out.
    let mut skipped = vec![false; stanzas.len()];
    for (s, group) in groups.iter().enumerate() {
        let mut ours = work.iter().filter(|(_, of)| *of == s);
        let go = group.before(|| ours.any(|(n, _)| rotate::due(n, &configs[s]).unwrap_or(false)));
        skipped[s] = failures
            .check(go.with_context(|| stanzas[s].place.clone()))
            .is_none();
    }
    work.retain(|(_, s)| !skipped[*s]);

    let outcomes = rotate_all(run, &stanzas, &configs, &work, &listed, &failures);
    for (s, (stanza, group)) in stanzas.iter().zip(&groups).enumerate() {
        let rotated: Vec<&Naming> = work
            .iter()
            .zip(&outcomes)
            .filter(|((_, of), o)| *of == s && **o == Some(Outcome::Rotated))
            .map(|((n, _), _)| n)
            .collect();
        let mains: Vec<PathBuf> = rotated.iter().map(|n| n.path().to_path_buf()).collect();
        failures.check(group.after(&mains).with_context(|| stanza.place.clone()));
        let compressed = rotate::compress_after_once(&rotated, &configs[s]);
        failures.check(compressed.with_context(|| stanza.place.clone()));
    }
    failures.check(crate::batch::finish());
    // --keep-free across the stanzas that have it, oldest backup first.
    let all: Vec<(&Naming, &RotateConfig)> = work.iter().map(|(n, s)| (n, &configs[*s])).collect();
    crate::cmd::room::keep_free(&all, &failures);
    Ok(failures.exit_code())
}

/// A stanza's settings as the run applies them: dry run, `-v`, `--force`,
/// `--state-dir`.
fn as_run(stanza: &RotateConfig, run: &ConfigRun) -> RotateConfig {
    let mut cfg = stanza.clone();
    cfg.dry_run = run.dry_run;
    cfg.verbose = run.verbose;
    cfg.finishing.verbose = run.verbose;
    if run.force {
        cfg.when = forced(&cfg.when);
    }
    if let Some(d) = &run.state_dir {
        cfg.state_dir = Some(crate::config::StateDir(d.clone()));
    }
    cfg
}

/// Rotates the sets in parallel (`--jobs`; a dry run one at a time, so
/// that each set's settings and steps print in order): each set's outcome,
/// `None` where it failed.
fn rotate_all(
    run: &ConfigRun,
    stanzas: &[Stanza],
    configs: &[RotateConfig],
    work: &[(Naming, usize)],
    listed: &Listed,
    failures: &Failures,
) -> Vec<Option<Outcome>> {
    let names_in = |dir: &std::path::Path| listed.get(dir).map(Vec::as_slice);
    let jobs = if run.dry_run { 1 } else { run.jobs.max(1) };
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; work.len()]);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(work.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((naming, s)) = work.get(i) else {
                        break;
                    };
                    if run.dry_run && run.verbose {
                        let stanza = &stanzas[*s];
                        messages::print(&format!(
                            "{} ({}): {}",
                            naming.path().display(),
                            stanza.place,
                            stanza.settings
                        ));
                    }
                    let outcome = failures.check(rotate::rotate_one(
                        naming,
                        &configs[*s],
                        names_in(naming.dir()),
                    ));
                    if let (Some(o), Ok(mut v)) = (outcome, outcomes.lock()) {
                        v[i] = Some(o);
                    }
                }
            });
        }
    });
    outcomes.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// `--force`: whatever its conditions; an empty main file still only as
/// the stanza says.
fn forced(when: &crate::policy::Conditions) -> crate::policy::Conditions {
    crate::policy::Conditions {
        force: true,
        ..*when
    }
}

/// The sets whose main file is one of `paths` (compared as absolute
/// paths); a path that is no set of the file is a failure.
fn only(
    work: Vec<(Naming, usize)>,
    paths: &[PathBuf],
    file: &std::path::Path,
    failures: &Failures,
) -> Vec<(Naming, usize)> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let wanted: Vec<PathBuf> = paths.iter().map(|p| cwd.join(p)).collect();
    for (p, w) in paths.iter().zip(&wanted) {
        if !work.iter().any(|(n, _)| n.path() == w.as_path()) {
            failures.fail(&anyhow::anyhow!(
                "{} is no set of {}",
                p.display(),
                file.display()
            ));
        }
    }
    work.into_iter()
        .filter(|(n, _)| wanted.iter().any(|w| w.as_path() == n.path()))
        .collect()
}

/// Every set the stanzas name, each with the stanza it belongs to: a set
/// that the patterns of two stanzas match belongs to the first, with one
/// warning.
/// Also the names of each directory, as listed while expanding, in byte
/// order.
type Listed = std::collections::HashMap<PathBuf, Vec<Vec<u8>>>;

fn sets_of(
    stanzas: &[Stanza],
    configs: &[RotateConfig],
    failures: &Failures,
) -> (Vec<(Naming, usize)>, Listed) {
    let mut work: Vec<(Naming, usize)> = Vec::new();
    let mut first: std::collections::HashMap<Naming, usize> = std::collections::HashMap::new();
    let mut listed = Listed::new();
    for (s, (stanza, cfg)) in stanzas.iter().zip(configs).enumerate() {
        let (mut found, errors) = targets::collect(&cfg.paths, cfg.state_dir.as_ref());
        for (dir, names) in found.take_names() {
            listed.entry(dir).or_insert(names);
        }
        errors.iter().for_each(|e| failures.fail(e));
        for d in &found.directories {
            failures.fail(&anyhow::anyhow!(
                "{}: {} is a directory, not a log",
                stanza.place,
                d.display()
            ));
        }
        if !cfg.missing_ok {
            for arg in &found.unmatched {
                failures.fail(&anyhow::anyhow!(
                    "{}: no file matches {}",
                    stanza.place,
                    arg.display()
                ));
            }
        }
        for naming in found.sets {
            match first.get(&naming) {
                Some(&at) => messages::warn(&format!(
                    "{} is matched by the sets at {} and {}; it belongs to the first",
                    naming.path().display(),
                    stanzas[at].place,
                    stanza.place
                )),
                None => {
                    first.insert(naming.clone(), s);
                    work.push((naming, s));
                }
            }
        }
    }
    (work, listed)
}
