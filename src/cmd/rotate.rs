//! `rollover rotate`: rotates sets named by paths or glob patterns, alone
//! or by asking their live writer. One decision ([`decide`]) serves the
//! real run, `-v` and `--dry-run` alike.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow, bail};

use crate::cmd::targets;
use crate::cmd::{Access, Failures, Listed, access, check_may_modify, open_set, recover};
use crate::compress;
use crate::config::{Around, DEFAULT_COUNT, Finishing, OnBusy, RotateConfig};
use crate::control::{self, Ask};
use crate::fileset::{CollapseCheck, Collapsible, FileSet, birth_time_at};
use crate::finish::{Ending, Finisher, Handover};
use crate::hook;
use crate::lock::{self, Holder};
use crate::messages;
use crate::naming::Naming;
use crate::plan::{self, Action, Empty, Listing, Method};
use crate::policy::{self, Decision, Reason, Skip};
use crate::state::{Place, State};

/// Runs `rotate`; each failing set is one line on stderr and exit status 1.
pub fn run(cfg: &RotateConfig) -> Result<ExitCode> {
    let failures = Failures::default();
    if !cfg.dry_run {
        crate::batch::begin();
    }
    let (targets, errors) = targets::collect(&cfg.paths, cfg.state_dir.as_ref());
    errors.iter().for_each(|e| failures.fail(e));
    if !cfg.missing_ok {
        for arg in &targets.unmatched {
            failures.fail(&anyhow!("no file matches {}", arg.display()));
        }
    }
    if let Some(line) = skipped(&targets.skipped, &targets.directories) {
        messages::warn(&line);
    }
    let written: Vec<String> = cfg.paths.iter().map(|p| p.display().to_string()).collect();
    let group = Group {
        around: &cfg.around,
        written: written.join(" "),
        dry_run: cfg.dry_run,
        verbose: cfg.verbose,
    };
    let names_in = |n: &Naming| targets.names_in(n.dir());
    let go = group.before(|| targets.sets.iter().any(|n| due(n, cfg).unwrap_or(false)));
    let mut rotated = Vec::new();
    if failures.check(go).is_some() {
        for naming in &targets.sets {
            let outcome = failures.check(rotate_one(naming, cfg, names_in(naming)));
            if outcome == Some(Outcome::Rotated) {
                rotated.push(naming.path().to_path_buf());
            }
        }
    }
    failures.check(group.after(&rotated));
    let rotated_sets: Vec<&Naming> = targets
        .sets
        .iter()
        .filter(|n| rotated.iter().any(|r| r.as_path() == n.path()))
        .collect();
    failures.check(compress_after_once(&rotated_sets, cfg));
    let all: Vec<(&Naming, &RotateConfig)> = targets.sets.iter().map(|n| (n, cfg)).collect();
    failures.check(crate::batch::finish());
    crate::cmd::room::keep_free(&all, &failures);
    Ok(failures.exit_code())
}

/// Compresses what the sets' rotations left owed because a once hook was
/// to run first (see [`rotate_alone`]): each set that no writer holds,
/// under its lock; one another tool holds is left to its next run.
pub fn compress_after_once(sets: &[&Naming], cfg: &RotateConfig) -> Result<()> {
    if cfg.around.once.is_none() || cfg.finishing.compress.is_none() || cfg.dry_run {
        return Ok(());
    }
    let mut failed = None;
    for naming in sets {
        let done = (|| {
            let _su = cfg.su.map(crate::su::Su::enter).transpose()?;
            let (set, _) = open_set(naming, cfg, None)?;
            if let Access::Alone(lock, _) = access(&set, cfg.timeout, OnBusy::Skip)? {
                let mut finisher = Finisher::inline(set.try_clone()?, cfg.finishing.clone());
                let queued = finisher.compress_owed(&set, &cfg.finishing);
                let ending = finisher.close(|| false);
                lock.release(&set);
                queued?;
                if ending != (Ending::Done { failures: 0 }) {
                    bail!(
                        "{}: a compression failed (see above)",
                        naming.path().display()
                    );
                }
            }
            Ok(())
        })();
        if let Err(e) = done {
            failed.get_or_insert(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// The sets of one command line or one configuration stanza, with the
/// hooks run around their rotations (logrotate's firstaction, shared
/// prerotate and postrotate, lastaction); `written` is their paths as
/// given, the hooks' `$1`.
pub struct Group<'a> {
    pub around: &'a Around,
    pub written: String,
    pub dry_run: bool,
    pub verbose: bool,
}

impl Group<'_> {
    /// Before the first rename, if any set is due (`any_due` is asked
    /// only where a hook runs then): `--first-action`, then the once
    /// `--before-rotate`. An error (either failed) skips every set of the
    /// group.
    pub fn before(&self, any_due: impl FnOnce() -> bool) -> Result<()> {
        let hooks = [
            ("first-action", &self.around.first),
            ("before-rotate", &self.around.before_once),
        ];
        if !self.around.before_any() || !any_due() {
            return Ok(());
        }
        for (name, hook) in hooks {
            if let Some(hook) = hook {
                self.run(name, hook, &[])
                    .map_err(|e| e.context(format!("{} not rotated", self.written)))?;
            }
        }
        Ok(())
    }

    /// After the last set, if any rotated (`mains`): `--on-rotate-once`,
    /// then `--last-action`, each with `ROLLOVER_MAINS`.
    pub fn after(&self, mains: &[PathBuf]) -> Result<()> {
        if mains.is_empty() {
            return Ok(());
        }
        let once = match &self.around.once {
            Some(hook) => self.run("on-rotate-once", hook, mains),
            None => Ok(()),
        };
        let last = match &self.around.last {
            Some(hook) => self.run("last-action", hook, mains),
            None => Ok(()),
        };
        once.and(last)
    }

    fn run(&self, name: &str, hook: &crate::config::Hook, mains: &[PathBuf]) -> Result<()> {
        if self.dry_run || self.verbose {
            hook::say(name, &self.written, hook);
        }
        if self.dry_run {
            return Ok(());
        }
        hook::run_once(hook, &self.written, mains).map_err(|e| e.context(name.to_string()))
    }
}

/// One line for every backup and directory given as an argument (a
/// shell's expansion of `logs/*`): a backup is rotated with its set, never
/// as a set of its own, and a directory is no set.
fn skipped(backups: &[(PathBuf, PathBuf)], dirs: &[PathBuf]) -> Option<String> {
    let n = backups.len() + dirs.len();
    if n == 0 {
        return None;
    }
    let list: Vec<String> = backups
        .iter()
        .map(|(b, of)| format!("{} (of {})", b.display(), of.display()))
        .chain(
            dirs.iter()
                .map(|d| format!("{} (a directory)", d.display())),
        )
        .collect();
    let what = match (backups.is_empty(), dirs.is_empty()) {
        (false, true) => "backup",
        (true, false) => "director",
        _ => "argument",
    };
    let plural = match (what, n) {
        (_, 1) if what == "director" => "y",
        (_, 1) => "",
        ("director", _) => "ies",
        _ => "s",
    };
    Some(format!(
        "skipped {n} {what}{plural} named as a set: {}; a backup is rotated with its set",
        list.join(", ")
    ))
}

/// What `rotate` does to one set, and why.
#[derive(Debug)]
enum Plan {
    /// No main file.
    Missing,
    /// Not now, as the one decision says why.
    Skip(Skip),
    /// `--method collapse` on a main file no longer than one block.
    TooShort,
    /// A live writer holds the set: ask it.
    AskWriter(Holder),
    /// Rotate alone with these steps, for this reason.
    Steps(Vec<Action>, Reason),
}

/// Plans what to do with a set, from its listing, its state, its writer
/// and the conditions; the decision itself is [`policy::decide`]'s.
/// Changes nothing.
fn plan_for(
    set: &FileSet,
    cfg: &RotateConfig,
    count: u64,
    writer: Option<Holder>,
    listing: &Listing,
    state: &State,
) -> Result<Plan> {
    let Some(main) = &listing.main else {
        return Ok(Plan::Missing);
    };
    set.check_main(main)?;
    // The age origin: birth, or the last time rollover rotated the set or
    // emptied the file in place (count 0, reset), if later; for a set
    // rollover has no record of, when logrotate last rotated it, where its
    // state says (its word is the truth, as it was the night before).
    let born = birth_time_at(set, &main.name).unwrap_or_else(SystemTime::now);
    let logrotate = cfg
        .logrotate_state
        .as_ref()
        .and_then(|last| last.get(set.naming.path()));
    let origin = match (state.rotated, logrotate) {
        (None, Some(&t)) => t,
        _ => state.origin(born),
    };
    let now = SystemTime::now();
    let reason = match policy::decide(main.size, origin, now, &cfg.when) {
        Decision::Skip(why) => return Ok(Plan::Skip(why)),
        Decision::Rotate(reason) => reason,
    };
    if let Some(w) = writer {
        return Ok(Plan::AskWriter(w));
    }
    if cfg.method == Method::Collapse
        && set.collapsible(&main.name, collapse_check(cfg))? == Collapsible::TooShort
    {
        return Ok(Plan::TooShort);
    }
    let empty = if cfg.when.rotate_empty {
        Empty::Rotate
    } else {
        Empty::Keep
    };
    let named_for = cfg.date_of.at(origin, now);
    let steps = plan::rotation(&set.naming, listing, count, named_for, empty);
    Ok(Plan::Steps(
        plan::with_method(steps, cfg.method, cfg.fresh),
        reason,
    ))
}

/// What `rotate` was given that differs from the live writer's own
/// settings, which are the ones used: one clause each, for a warning.
/// Only what was given is compared (an option left out differs from
/// nothing).
fn unlike_writer(cfg: &RotateConfig, w: &Holder) -> Vec<String> {
    let mine = &cfg.finishing;
    let its = &w.finishing;
    let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let mut out = Vec::new();
    if cfg.method != Method::Rename {
        out.push("which rotates it by renaming; --method does not apply".to_string());
    }
    if let Some(c) = cfg.count.filter(|&c| c != w.count) {
        out.push(format!(
            "with -c {}, not {c}; rotating with its count",
            w.count
        ));
    }
    let mut differ = |name: &str, given: Option<String>, theirs: Option<String>| {
        if let Some(given) = given.filter(|g| Some(g) != theirs.as_ref()) {
            out.push(format!(
                "with --{name} {}, not {given}; its own applies",
                show(theirs)
            ));
        }
    };
    differ(
        "compress",
        mine.compress.as_ref().map(|c| c.to_string()),
        its.compress.as_ref().map(|c| c.to_string()),
    );
    differ(
        "compress-from",
        (mine.compress_from != 1).then(|| mine.compress_from.to_string()),
        Some(its.compress_from.to_string()),
    );
    differ(
        "max-total",
        mine.max_total.map(crate::units::human_size),
        its.max_total.map(crate::units::human_size),
    );
    let age = |d: Duration| humantime::format_duration(d).to_string();
    differ(
        "max-backup-age",
        mine.max_backup_age.map(age),
        its.max_backup_age.map(age),
    );
    differ(
        "on-rotate",
        mine.hook.as_ref().map(|h| format!("'{}'", h.command)),
        its.hook.as_ref().map(|h| format!("'{}'", h.command)),
    );
    out
}

/// A dry run changes nothing, not even a time stamp: it asks the file
/// system nothing that could touch the file.
fn collapse_check(cfg: &RotateConfig) -> CollapseCheck {
    if cfg.dry_run {
        CollapseCheck::ByType
    } else {
        CollapseCheck::Probe
    }
}

/// What a plan does, for `-v` and `--dry-run`.
fn describe(set: &FileSet, plan: &Plan) -> Vec<String> {
    let path = set.naming.path().display();
    match plan {
        Plan::Missing => vec![format!("skip {path}: it does not exist")],
        Plan::Skip(why) => vec![format!("skip {path}: {why}")],
        Plan::TooShort => vec![format!(
            "skip {path}: it is no longer than one block, the least a collapse moves"
        )],
        Plan::AskWriter(w) => vec![format!("ask the writer (pid {}) to rotate {path}", w.pid)],
        Plan::Steps(steps, _) => steps.iter().map(|s| s.describe(|n| set.show(n))).collect(),
    }
}

/// What became of one set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Rotated here, or by its writer when asked (in a dry run: would be).
    Rotated,
    /// Nothing to do (missing with --missing-ok, empty, not due).
    Left,
    /// Another tool held its lock ([`OnBusy::Skip`]): skipped with a warning.
    Busy,
}

/// Rotates one set, or asks its writer to: reads the set and its state
/// once, plans, changes the set (or asks its writer), and hands the new
/// backup to the finisher.
///
/// `names` is the set's directory as listed when the arguments were
/// expanded, in byte order: used when nothing else held the set meanwhile,
/// so that 1,000 sets in one directory do not read it 1,000 times.
pub fn rotate_one(
    naming: &Naming,
    cfg: &RotateConfig,
    names: Option<&[Vec<u8>]>,
) -> Result<Outcome> {
    // This thread changes the set as --su says, until it returns.
    let _su = cfg.su.map(crate::su::Su::enter).transpose()?;
    let (set, mut state) = open_set(naming, cfg, names)?;
    let say = |plan: &Plan| {
        if cfg.verbose || cfg.dry_run {
            for line in describe(&set, plan) {
                messages::print(&line);
            }
        }
    };
    let plan = if cfg.dry_run {
        // What the real run checks first, a dry run checks too.
        if let Some(main) = set.main_entry()? {
            set.check_main(&main)?;
            check_may_modify(&set, Some(&main.name), "rotate")?;
        }
        let plan = plan_unlocked(&set, cfg, &state)?;
        say(&plan);
        if matches!(plan, Plan::Steps(..) | Plan::AskWriter(_)) {
            before_rotate(&set, cfg)?;
        }
        plan
    } else {
        let Some(main) = set.main_entry()? else {
            return missing(naming.path(), cfg).map(|()| Outcome::Left);
        };
        set.check_main(&main)?;
        check_may_modify(&set, Some(&main.name), "rotate")?;
        if cfg.method == Method::Collapse {
            // A file system that cannot collapse is refused before
            // anything, the lock file included, is made.
            set.collapsible(&main.name, collapse_check(cfg))?;
        }
        match access(&set, cfg.timeout, cfg.on_busy)? {
            Access::Busy(h) => {
                messages::warn(&format!(
                    "skipped {}: pid {} (another rotate) holds it",
                    naming.path().display(),
                    h.pid
                ));
                return Ok(Outcome::Busy);
            }
            Access::Alone(lock, waited) => {
                if waited == Listed::Stale {
                    // Another tool held it first and may have changed it.
                    state = State::load_kept(&set, cfg.state_dir.as_ref(), true)?;
                }
                let listing = match names {
                    Some(names) if waited == Listed::Fresh => set.listing_of_sorted(names)?,
                    _ => set.list()?,
                };
                let plan = rotate_alone(&set, cfg, &mut state, listing, &say);
                lock.release(&set);
                plan?
            }
            Access::Writer(w) => rotate_by_writer(&set, cfg, &state, w, &say)?,
        }
    };
    match plan {
        Plan::Missing => missing(naming.path(), cfg).map(|()| Outcome::Left),
        Plan::Steps(..) | Plan::AskWriter(_) => Ok(Outcome::Rotated),
        _ => Ok(Outcome::Left),
    }
}

/// What a set's plan is now, read without its lock: a dry run's, and
/// whether a hook that runs before the first rename is wanted. Changes
/// nothing, not even by creating a lock file.
fn plan_unlocked(set: &FileSet, cfg: &RotateConfig, state: &State) -> Result<Plan> {
    let (count, _) = count_for(state, cfg);
    let mut listing = set.list()?;
    lock::note_cascade(set, &mut listing)?;
    let writer = lock::live_writer(set)?;
    plan_for(set, cfg, count, writer, &listing, state)
}

/// Whether a set is due now (it would be rotated, or its writer asked
/// to), as far as can be told without its lock.
pub fn due(naming: &Naming, cfg: &RotateConfig) -> Result<bool> {
    let _su = cfg.su.map(crate::su::Su::enter).transpose()?;
    let (set, state) = open_set(naming, cfg, None)?;
    let plan = plan_unlocked(&set, cfg, &state)?;
    Ok(matches!(plan, Plan::Steps(..) | Plan::AskWriter(_)))
}

/// Asks a set's live writer to rotate it, with the writer's own settings;
/// what `rotate` was given that differs is a warning each.
fn rotate_by_writer(
    set: &FileSet,
    cfg: &RotateConfig,
    state: &State,
    w: Holder,
    say: &dyn Fn(&Plan),
) -> Result<Plan> {
    for line in unlike_writer(cfg, &w) {
        messages::warn(&format!(
            "{} is written by pid {}, {line}",
            set.naming.path().display(),
            w.pid
        ));
    }
    let plan = plan_for(set, cfg, w.count, Some(w), &set.list()?, state)?;
    say(&plan);
    if let Plan::AskWriter(w) = &plan {
        before_rotate(set, cfg)?;
        control::ask(set, w.pid, Ask::Rotate, cfg.timeout)?;
    }
    Ok(plan)
}

/// Rotates a set that no writer holds, under its lock: first what a crash
/// left, then the plan, the renames and the new backup's finishing.
fn rotate_alone(
    set: &FileSet,
    cfg: &RotateConfig,
    state: &mut State,
    listing: Listing,
    say: &dyn Fn(&Plan),
) -> Result<Plan> {
    let (count, from) = count_for(state, cfg);
    let listing = recover(set, count, state, listing)?;
    run_owed_hooks(set, cfg, state, &listing)?;
    let plan = plan_for(set, cfg, count, None, &listing, state)?;
    say(&plan);
    if matches!(plan, Plan::Steps(..)) {
        before_rotate(set, cfg)?;
    }
    let (steps, reason) = match &plan {
        Plan::Steps(steps, reason) => (steps.as_slice(), *reason),
        _ => (&[][..], Reason::Request),
    };
    // Plain backups at --compress-from and above before the rotation are
    // owed beyond the one the rotation brings there.
    let owed = cfg.finishing.compress.is_some()
        && compress::owed(&listing, cfg.finishing.compress_from)
            .next()
            .is_some();
    // With a once hook (logrotate's sharedscripts), the program reopens
    // its files only when the hook runs, after all the sets: compressing
    // before would lose what it writes to the backup meanwhile. The
    // backups are compressed after the hook ([`compress_after_once`]).
    let finishing = match (&cfg.around.once, !steps.is_empty()) {
        (Some(_), true) => Finishing {
            compress: None,
            ..cfg.finishing.clone()
        },
        _ => cfg.finishing.clone(),
    };
    execute(
        set,
        steps,
        &finishing,
        reason,
        owed && finishing.compress.is_some(),
        &state.place(),
    )?;
    if (cfg.names.is_some()
        || cfg.padding.is_some()
        || cfg.backup_dir.is_some()
        || cfg.extension.is_some())
        && !steps.is_empty()
    {
        let dir = cfg.backup_dir.as_ref().map(|b| b.dir.clone());
        state.record_names(set, dir.or_else(|| state.backup_dir.clone()))?;
    }
    // The set's age starts again now, as this run's clock tells (a new
    // main file's birth is the kernel's, which faketime cannot reach; an
    // emptied or kept main file has none that says so). Only where the
    // origin is ever read: a time condition, a backup named for its start,
    // a main file that stays, or logrotate's word to be replaced.
    if !steps.is_empty() && origin_counts(set, cfg, state) {
        state.record_origin(set)?;
    }
    warn_unasked_deletions(set, steps, count, from);
    Ok(plan)
}

/// Runs the hooks a crash left owed (a writer or rotate killed before its
/// hook ran), each with its recorded command, for its backup as named now;
/// a failed one is a warning, as a writer's is.
fn run_owed_hooks(
    set: &FileSet,
    cfg: &RotateConfig,
    state: &mut State,
    listing: &Listing,
) -> Result<()> {
    let main = set.naming.path().to_path_buf();
    for (name, id, h) in state.owed_hooks(set, listing)? {
        let backup = set.path_of(&name);
        let paths = hook::Paths {
            main: main.clone(),
            stable: backup.clone(),
            backup,
        };
        if let Err(e) = hook::run_said(&h.hook, &paths, h.reason, cfg.verbose) {
            messages::warn(&format!("{e:#}"));
        }
        State::hook_done(set, &state.place(), id)?;
    }
    Ok(())
}

/// Runs a set's own `--before-rotate` (logrotate's prerotate, `$1` the
/// main file) before its rename; its failure leaves the set as it is.
fn before_rotate(set: &FileSet, cfg: &RotateConfig) -> Result<()> {
    let Some(hook) = &cfg.around.before else {
        return Ok(());
    };
    let main = set.naming.path();
    if cfg.verbose || cfg.dry_run {
        hook::say("before-rotate", &main.display(), hook);
    }
    if cfg.dry_run {
        return Ok(());
    }
    hook::run_for(hook, "ROLLOVER_MAIN", main)
        .map_err(|e| e.context(format!("before-rotate; {} not rotated", main.display())))
}

/// Whether a set's age origin is read by anything: its time conditions,
/// its date-named backups (named for their start), a method that keeps
/// the main file (no new birth), or logrotate's state, whose entry for it
/// stands until rollover records its own.
fn origin_counts(set: &FileSet, cfg: &RotateConfig, state: &State) -> bool {
    cfg.when.max_age.is_some()
        || cfg.when.every.is_some()
        || set.naming.dates().is_some()
        || cfg.method != Method::Rename
        || state.rotated.is_some()
        || cfg
            .logrotate_state
            .as_ref()
            .is_some_and(|last| last.contains_key(set.naming.path()))
}

/// Where the count `rotate` keeps comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CountFrom {
    Given,
    LastWriter,
    Default,
}

/// The count for a set with no live writer: `-c`, else the count its last
/// writer kept (recorded in the set's state), else the default.
fn count_for(state: &State, cfg: &RotateConfig) -> (u64, CountFrom) {
    match (cfg.count, state.count) {
        (Some(c), _) => (c, CountFrom::Given),
        (None, Some(c)) => (c, CountFrom::LastWriter),
        (None, None) => (DEFAULT_COUNT, CountFrom::Default),
    }
}

/// A rotation of a set at its count deletes its oldest backup: that is the
/// count at work, and cron hears nothing of it. Deleting more (the set held
/// more backups than the count keeps) because of a count nobody gave on
/// the command line is said, with how many.
fn warn_unasked_deletions(set: &FileSet, steps: &[Action], count: u64, from: CountFrom) {
    let deleted = steps
        .iter()
        .filter(|s| matches!(s, Action::Delete(_)))
        .count();
    if from == CountFrom::Given || deleted <= 1 {
        return;
    }
    let whose = match from {
        CountFrom::LastWriter => "its last writer's count",
        _ => "the default count",
    };
    messages::warn(&format!(
        "deleted {deleted} backups of {} to keep {count} ({whose}); give -c to keep another number",
        set.naming.path().display()
    ));
}

/// Carries out the steps (maybe none), and finishes the new backup (its
/// sync) and every compression owed before returning, through the same
/// finisher a writer uses: a `rotate` that rotates nothing still finishes
/// what a crash left.
fn execute(
    set: &FileSet,
    steps: &[Action],
    finishing: &Finishing,
    reason: Reason,
    owed: bool,
    place: &Place,
) -> Result<()> {
    for step in steps {
        if let Action::Delete(name) = step {
            hook::before_remove(
                finishing.before_remove.as_ref(),
                &set.path_of(name),
                finishing.verbose,
            );
        }
    }
    let mut finisher =
        Finisher::inline(set.try_clone()?, finishing.clone()).with_state(place.clone());
    // The hook is owed from before the rename: a rotate killed after it
    // leaves the hook to the next writer or rotate.
    // A backup made by copying (copytruncate, collapse) is a new file:
    // it is owed once it exists.
    let renamed = steps.iter().any(|s| {
        matches!(
            s,
            Action::SwapIn {
                method: Method::Rename,
                ..
            }
        )
    });
    let owe = |name: &[u8]| -> Result<Option<crate::plan::FileId>> {
        match (&finishing.hook, set.stat(name)?) {
            (Some(hook), Some(e)) => {
                State::owe_hook(set, place, e.id(), hook, reason)?;
                Ok(Some(e.id()))
            }
            _ => Ok(None),
        }
    };
    let mut owes = match swapped_in(steps) {
        Some(main) if renamed => owe(&main)?,
        _ => None,
    };
    let gate = finisher.gate();
    let held = gate.lock().unwrap_or_else(|e| e.into_inner());
    let done = finisher.execute(set, steps, None, held)?;
    if let (Some(b), false) = (&done.backup, renamed) {
        owes = owe(done.pending_move.as_ref().unwrap_or(b))?;
    }
    // The program writing the file may go on writing to the backup until
    // it reopens its file: the hook (which asks it to) runs right after
    // the rename, and the backup is finished once it has exited.
    let main = swapped_in(steps);
    // A backup bound for another file system is still beside the main
    // file, under rollover's name, until the hook has run.
    let now_at = done.pending_move.as_ref().or(done.backup.as_ref());
    let hooked = match (&finishing.hook, &main, now_at) {
        // Nothing renumbers the backup meanwhile: its name stays put.
        (Some(hook), Some(main), Some(backup)) => Some(hook::run_said(
            hook,
            &hook::Paths {
                main: set.path_of(main),
                backup: set.path_of(backup),
                stable: set.path_of(backup),
            },
            reason,
            finishing.verbose,
        )),
        _ => None,
    };
    if let Some(id) = owes {
        State::hook_done(set, place, id)?;
    }
    if let (Some(from), Some(to)) = (&done.pending_move, &done.backup) {
        set.move_across(from, to)?;
    }
    let handover = Handover {
        steps,
        old: done.old,
        main: main.as_deref().unwrap_or_default(),
        reason,
        hook_done: true,
    };
    finisher.after_rotation(set, finishing, handover);
    if owed {
        finisher.compress_owed(set, finishing)?;
    }
    if finisher.close(|| false) != (Ending::Done { failures: 0 }) {
        bail!(
            "{} was rotated, but its new backup could not be synced (see above)",
            set.naming.path().display()
        );
    }
    hooked.unwrap_or(Ok(()))
}

/// The main file a rotation's steps make a backup of.
fn swapped_in(steps: &[Action]) -> Option<Vec<u8>> {
    steps.iter().find_map(|s| match s {
        Action::SwapIn { main, .. } => Some(main.clone()),
        _ => None,
    })
}

fn missing(path: &Path, cfg: &RotateConfig) -> Result<()> {
    if cfg.missing_ok {
        return Ok(());
    }
    Err(std::io::Error::from(rustix::io::Errno::NOENT))
        .with_context(|| format!("cannot rotate {}", path.display()))
}
