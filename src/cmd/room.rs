//! `--keep-free` for `rotate`: after a run's rotations, the sets that have
//! the rule give up their oldest backups, oldest first across them, while
//! the file system holding them has less free space than a rule asks. A
//! set whose rule is met loses nothing for another's; a set that a live
//! writer holds is left to that writer, which keeps its own rule.

use std::collections::HashMap;
use std::time::SystemTime;

use anyhow::Result;

use crate::cmd::{Access, Failures, access, open_set};
use crate::config::{OnBusy, RotateConfig};
use crate::fileset::FileSet;
use crate::hook;
use crate::lock;
use crate::messages;
use crate::naming::Naming;
use crate::plan::FileId;
use crate::space::{self, Freed, Fs, Room};
use crate::state::{Place, State};

/// A backup that may go for space: all forms of one number (or date).
#[derive(Debug, Clone)]
struct Candidate {
    /// Which set (an index into the run's sets).
    set: usize,
    /// Its forms' names, each with the identity it had when listed.
    names: Vec<(Vec<u8>, FileId)>,
    /// Its last write: the oldest goes first.
    mtime: SystemTime,
}

/// One set of the run with the rule, as opened for this pass.
struct Kept<'a> {
    naming: &'a Naming,
    cfg: &'a RotateConfig,
    room: Room,
    set: FileSet,
    place: Place,
    /// Backups it has now.
    backups: u64,
}

/// Deletes for space among `sets` (each with its settings); the sets
/// without the rule are left out. A failure is one line each; the others
/// go on.
pub fn keep_free(sets: &[(&Naming, &RotateConfig)], failures: &Failures) {
    let mut kept = Vec::new();
    let mut candidates = Vec::new();
    for &(naming, cfg) in sets {
        let Some(room) = cfg.finishing.room else {
            continue;
        };
        match open(naming, cfg, room, kept.len(), &mut candidates) {
            Ok(Some(k)) => kept.push(k),
            Ok(None) => {}
            Err(e) => failures.fail(&e),
        }
    }
    candidates.sort_by_key(|c| c.mtime);
    // One pass per file system, by the device of each set's backups.
    let mut by_fs: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, k) in kept.iter().enumerate() {
        if let Ok(st) = rustix::fs::fstat(k.set.backups_dir()) {
            by_fs.entry(st.st_dev).or_default().push(i);
        }
    }
    for members in by_fs.values() {
        failures.check(free_on(&mut kept, members, &candidates));
    }
}

/// Opens a set for the pass, records its rule for `status`, and adds its
/// backups to the candidates; `None` for a set a live writer holds, or
/// that is gone.
fn open<'a>(
    naming: &'a Naming,
    cfg: &'a RotateConfig,
    room: Room,
    at: usize,
    candidates: &mut Vec<Candidate>,
) -> Result<Option<Kept<'a>>> {
    let _su = cfg.su.map(crate::su::Su::enter).transpose()?;
    if !naming.dir().is_dir() {
        return Ok(None);
    }
    let (set, mut state) = open_set(naming, cfg, None)?;
    if lock::live_writer(&set)?.is_some() {
        return Ok(None);
    }
    if !cfg.dry_run {
        state.record_space_rule(&set, Some(room.describe()))?;
    }
    let listing = set.list()?;
    let mut indexes: Vec<u64> = listing.backups.iter().map(|b| b.index).collect();
    indexes.dedup();
    for &index in &indexes {
        let mut names = Vec::new();
        let mut mtime = SystemTime::UNIX_EPOCH;
        for b in listing.backups.iter().filter(|b| b.index == index) {
            if let Some(e) = set.stat(&b.name)? {
                mtime = mtime.max(e.mtime);
                names.push((b.name.clone(), e.id()));
            }
        }
        candidates.push(Candidate {
            set: at,
            names,
            mtime,
        });
    }
    Ok(Some(Kept {
        naming,
        cfg,
        room,
        place: state.place(),
        set,
        backups: indexes.len() as u64,
    }))
}

/// Deletes on one file system (`members`: the sets there) while a set's
/// rule is not met: the oldest candidate of the sets whose rule is not
/// met and that keep more than their `--min-keep`.
fn free_on(kept: &mut [Kept], members: &[usize], candidates: &[Candidate]) -> Result<()> {
    let Some(&first) = members.first() else {
        return Ok(());
    };
    let mut fs = space::read_for(&kept[first].set)?;
    let mut gone = vec![false; candidates.len()];
    loop {
        let wanting = |k: &Kept, fs: Fs| k.room.want(fs) > fs.avail;
        let next = candidates.iter().enumerate().find(|(i, c)| {
            let k = &kept[c.set];
            !gone[*i] && members.contains(&c.set) && wanting(k, fs) && k.backups > k.room.min_keep
        });
        let Some((i, c)) = next else {
            return Ok(());
        };
        gone[i] = true;
        let k = &mut kept[c.set];
        let Some(freed) = delete(k, c)? else {
            continue;
        };
        k.backups -= 1;
        if k.cfg.dry_run {
            fs.avail += freed.bytes;
            continue;
        }
        fs = space::read_for(&k.set)?;
        space::say_freed(&freed, &k.room, fs, "");
        State::record_freed(&k.set, &k.place, &freed.show, freed.bytes)?;
    }
}

/// Deletes one candidate under its set's lock, each form only if it is
/// still the file listed (a rotation meanwhile may have renumbered the
/// set); a dry run says so and deletes nothing. `None` where its set is
/// busy or the backup is gone.
fn delete(k: &Kept, c: &Candidate) -> Result<Option<Freed>> {
    let _su = k.cfg.su.map(crate::su::Su::enter).transpose()?;
    let set = &k.set;
    let verbose = k.cfg.finishing.verbose;
    let show = |n: &[u8]| set.show(n);
    if k.cfg.dry_run {
        let first = c.names.first().map(|(n, _)| show(n)).unwrap_or_default();
        messages::print(&format!("delete {first} (for space)"));
        let bytes = c
            .names
            .iter()
            .filter_map(|(n, _)| set.stat(n).ok().flatten())
            .map(|e| e.size)
            .sum();
        return Ok(Some(Freed { show: first, bytes }));
    }
    let Access::Alone(lock, _) = access(set, k.cfg.timeout, OnBusy::Skip)? else {
        return Ok(None);
    };
    let done = (|| -> Result<Option<Freed>> {
        let mut freed: Option<Freed> = None;
        for (n, id) in &c.names {
            let Some(e) = set.stat(n)?.filter(|e| e.id() == *id) else {
                continue;
            };
            hook::before_remove(
                k.cfg.finishing.before_remove.as_ref(),
                &set.path_of(n),
                verbose,
            );
            if verbose {
                messages::print(&format!("delete {} (for space)", show(n)));
            }
            set.delete(n)?;
            let f = freed.get_or_insert_with(|| Freed {
                show: show(n),
                bytes: 0,
            });
            f.bytes += e.size;
        }
        Ok(freed)
    })();
    lock.release(set);
    done.map_err(|e| {
        e.context(format!(
            "{}: cannot delete for space",
            k.naming.path().display()
        ))
    })
}
