//! Retention beyond the count: `--max-total` (the oldest backups go until
//! the backups take at most SIZE; backup 1 never goes by this rule) and
//! `--max-backup-age` (backups last written longer ago than DURATION go).
//! The choice is pure ([`doomed`]); [`apply`] deletes under the rename
//! gate, so never in the middle of a rotation's cascade.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::Result;

use crate::config::Finishing;
use crate::fileset::FileSet;
use crate::hook;
use crate::messages;

/// What retention knows of a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub index: u64,
    pub name: Vec<u8>,
    pub size: u64,
    pub mtime: SystemTime,
    /// Still owed its compression: its size is not yet what it will take,
    /// so it costs no older backup its place.
    pub owed: bool,
}

/// The backups the rules delete, oldest first. `backups` is in any order.
pub fn doomed(
    backups: &[Kept],
    max_total: Option<u64>,
    max_age: Option<Duration>,
    now: SystemTime,
) -> Vec<Vec<u8>> {
    let mut by_age: Vec<&Kept> = backups.iter().collect();
    // Oldest first: highest number first.
    by_age.sort_by_key(|b| std::cmp::Reverse(b.index));
    let mut out = Vec::new();
    let too_old =
        |k: &Kept| max_age.is_some_and(|a| now.duration_since(k.mtime).is_ok_and(|age| age > a));
    let mut total: u64 = by_age.iter().filter(|k| !k.owed).map(|k| k.size).sum();
    for k in by_age {
        let over = max_total.is_some_and(|m| total > m) && k.index > 1;
        if too_old(k) || over {
            if !k.owed {
                total -= k.size;
            }
            out.push(k.name.clone());
        }
    }
    out
}

/// Applies the rules to the set now.
pub fn apply(set: &FileSet, finishing: &Finishing, gate: &Mutex<()>) -> Result<()> {
    if !finishing.retains() {
        return Ok(());
    }
    let _held = gate.lock().unwrap_or_else(|e| e.into_inner());
    let listing = set.list()?;
    let mut kept = Vec::new();
    for b in &listing.backups {
        if let Some(e) = set.stat(&b.name)? {
            kept.push(Kept {
                index: b.index,
                name: b.name.clone(),
                size: e.size,
                mtime: e.mtime,
                owed: finishing.compress.is_some()
                    && b.codec.is_none()
                    && b.index >= finishing.compress_from,
            });
        }
    }
    let gone = doomed(
        &kept,
        finishing.max_total,
        finishing.max_backup_age,
        SystemTime::now(),
    );
    for name in gone {
        hook::before_remove(
            finishing.before_remove.as_ref(),
            &set.path_of(&name),
            finishing.verbose,
        );
        if finishing.verbose {
            messages::print(&format!("delete {} (retention)", set.show(&name)));
        }
        set.delete(&name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(index: u64, size: u64, age_secs: u64, owed: bool) -> Kept {
        Kept {
            index,
            name: format!("b{index}").into_bytes(),
            size,
            mtime: SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 - age_secs),
            owed,
        }
    }

    fn names(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|n| String::from_utf8(n).unwrap())
            .collect()
    }

    #[test]
    fn rules() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let set = [
            k(1, 10, 10, false),
            k(2, 10, 20, false),
            k(3, 10, 30, false),
        ];
        // Size: oldest first, until at most the total.
        assert_eq!(names(doomed(&set, Some(20), None, now)), ["b3"]);
        assert_eq!(names(doomed(&set, Some(5), None, now)), ["b3", "b2"]);
        assert!(doomed(&set, Some(30), None, now).is_empty());
        // Age: each one older than the limit, backup 1 included.
        assert_eq!(
            names(doomed(&set, None, Some(Duration::from_secs(15)), now)),
            ["b3", "b2"]
        );
        assert_eq!(
            names(doomed(&set, None, Some(Duration::from_secs(5)), now)),
            ["b3", "b2", "b1"]
        );
        // A backup owed its compression costs no older one its place.
        let owed = [k(1, 10, 1, false), k(2, 100, 2, true), k(3, 10, 3, false)];
        assert!(doomed(&owed, Some(20), None, now).is_empty());
        // Both rules: whichever deletes more.
        assert_eq!(
            names(doomed(&set, Some(25), Some(Duration::from_secs(25)), now)),
            ["b3"]
        );
        // A clock stepped back: nothing is too old.
        assert!(
            doomed(
                &set,
                None,
                Some(Duration::from_secs(1)),
                SystemTime::UNIX_EPOCH
            )
            .is_empty()
        );
    }
}
