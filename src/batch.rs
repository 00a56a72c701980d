//! A `rotate` run's syncs, batched, as the SPEC's performance budget
//! allows: every set's new backup and compressed file is written without a
//! sync of its own; then one `syncfs` per file system makes them durable;
//! then each compressed file takes its name and its plain form is deleted;
//! then one more `syncfs`. Every crash-safety promise holds: until the
//! first `syncfs` a compressed file is only a hidden file of the set's own
//! (a crash leaves it stale, and the next run deletes it and compresses
//! again); it takes its name only once durable; a crash between its rename
//! and the deletion of the plain form leaves both forms, which the next
//! run resolves as ever. Linux reports write-back errors through `syncfs`
//! only from 5.8 on: before that, nothing is batched.
//!
//! One batch per process, begun by the command and finished by it after
//! its last set; a writer never begins one.

use std::collections::{HashMap, HashSet};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::fileset::FileSet;
use crate::plan::FileId;

/// A compressed file written and waiting for its name.
#[derive(Debug)]
struct Pending {
    set: FileSet,
    /// The hidden file it was written to.
    work: Vec<u8>,
    /// The plain backup it is the compressed form of, and where it was.
    plain: FileId,
    queued_as: Vec<u8>,
    ext: String,
}

#[derive(Debug, Default)]
struct Batch {
    /// A directory handle on each file system written to, by device.
    fss: HashMap<u64, (OwnedFd, String)>,
    pending: Vec<Pending>,
    /// The sets with a compressed file pending, by path: a set's next
    /// compression looks here, not through every pending one (which made
    /// a run over n sets take n² comparisons).
    waiting: HashSet<PathBuf>,
}

static BATCH: Mutex<Option<Batch>> = Mutex::new(None);

fn lock() -> std::sync::MutexGuard<'static, Option<Batch>> {
    BATCH.lock().unwrap_or_else(|e| e.into_inner())
}

/// Begins batching this process's syncs, where the kernel reports
/// write-back errors through `syncfs`.
pub fn begin() {
    if kernel_reports_syncfs_errors() {
        crate::fileset::hold_many_files();
        *lock() = Some(Batch::default());
    }
}

/// Whether syncs are being batched.
pub fn on() -> bool {
    lock().is_some()
}

/// Linux 5.8 or later.
fn kernel_reports_syncfs_errors() -> bool {
    let uname = rustix::system::uname();
    let release = uname.release().to_string_lossy();
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (5, 8)
}

/// Notes a file system that holds something written for the set (its
/// backups' directory), to be synced at the end. False when no batch is
/// on: the caller syncs at once.
pub fn note(set: &FileSet) -> bool {
    let mut b = lock();
    let Some(b) = b.as_mut() else {
        return false;
    };
    if let Ok(st) = rustix::fs::fstat(set.backups_dir())
        && !b.fss.contains_key(&st.st_dev)
        && let Ok(fd) = set.backups_dir().try_clone()
    {
        b.fss
            .insert(st.st_dev, (fd, set.naming.dir().display().to_string()));
    }
    true
}

/// Defers a compressed file's naming: `work` (a hidden file of the set's
/// own, written and not synced) becomes the compressed form of the plain
/// backup `plain` once the batch is synced. A set's earlier pending one
/// (which shares the hidden name) is finished first, synced on its own.
/// False when no batch is on.
pub fn defer(
    set: &FileSet,
    work: &[u8],
    plain: FileId,
    queued_as: &[u8],
    ext: &str,
) -> Result<bool> {
    if !note(set) {
        return Ok(false);
    }
    let pending = Pending {
        set: set.try_clone()?,
        work: work.to_vec(),
        plain,
        queued_as: queued_as.to_vec(),
        ext: ext.to_string(),
    };
    if let Some(b) = lock().as_mut() {
        b.waiting.insert(set.naming.path().to_path_buf());
        b.pending.push(pending);
    }
    Ok(true)
}

/// Finishes, at once and synced, a pending compression of `set` (a set
/// has one hidden file for compression, which a new one is about to
/// reuse).
pub fn flush_set(set: &FileSet) -> Result<()> {
    let mine = {
        let mut b = lock();
        let Some(b) = b.as_mut() else {
            return Ok(());
        };
        if !b.waiting.remove(set.naming.path()) {
            return Ok(());
        }
        let (mine, rest): (Vec<Pending>, Vec<Pending>) = b
            .pending
            .drain(..)
            .partition(|p| p.set.naming.path() == set.naming.path());
        b.pending = rest;
        mine
    };
    for p in mine {
        let fd = p.set.open_backup(&p.work)?;
        crate::fileset::sync_file(&fd, &p.set.show(&p.work))?;
        name(&p)?;
        crate::fileset::sync_file(
            p.set.backups_dir(),
            &p.set.naming.dir().display().to_string(),
        )?;
    }
    Ok(())
}

/// Ends the batch: one `syncfs` per file system, then every compressed
/// file takes its name and its plain form goes, then one more `syncfs`.
/// A failed `syncfs` leaves the compressed files hidden (the next run
/// compresses again) and is the run's failure.
pub fn finish() -> Result<()> {
    let Some(b) = lock().take() else {
        return Ok(());
    };
    sync_all(&b)?;
    let mut failed = None;
    for p in &b.pending {
        if let Err(e) = name(p) {
            crate::messages::warn(&format!("{e:#}"));
            failed.get_or_insert(e);
        }
    }
    sync_all(&b)?;
    failed.map_or(Ok(()), Err)
}

fn sync_all(b: &Batch) -> Result<()> {
    for (fd, show) in b.fss.values() {
        rustix::fs::syncfs(fd)
            .with_context(|| format!("cannot sync the file system of {show} to disk"))?;
    }
    Ok(())
}

/// Gives a durable compressed file its name (the plain backup's current
/// one and the codec's extension) and deletes the plain form; a plain
/// backup deleted meanwhile takes its compressed form with it.
fn name(p: &Pending) -> Result<()> {
    let set = &p.set;
    let Some(plain) = set.name_now(&p.queued_as, p.plain)? else {
        return set.delete(&p.work);
    };
    let mut target = plain.clone();
    target.push(b'.');
    target.extend_from_slice(p.ext.as_bytes());
    set.rename(&p.work, &target)?;
    set.delete(&plain)
}
