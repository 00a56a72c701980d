//! `--keep-free SIZE|PCT%` with `--min-keep N`: a log never fills its
//! disk. Before a write or a rotation would leave the file system that
//! holds the backups with less free space than the rule asks (as an
//! unprivileged user sees it, `f_bavail`), the set's oldest backups are
//! deleted, one at a time, never the main file and never below `--min-keep`
//! backups. The rule ([`Room`]) and the choice of what goes ([`oldest`])
//! are pure; [`delete_oldest`] deletes under the set's rename gate, so
//! never in the middle of a rotation's cascade.

use std::os::fd::AsFd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

pub use crate::config::{KeepFree, Room};
use crate::fileset::FileSet;
use crate::hook;
use crate::messages;
use crate::plan::Listing;
use crate::units::human_size;

impl Room {
    /// The bytes the rule keeps free on `fs`.
    pub fn want(&self, fs: Fs) -> u64 {
        self.keep_free.bytes(fs.size)
    }

    /// Whether writing `more` bytes onto `fs` with `avail` free would
    /// leave less free than the rule asks.
    pub fn short(&self, fs: Fs, avail: u64, more: u64) -> bool {
        avail.saturating_sub(more) < self.want(fs)
    }

    /// The rule as status shows it and the state records it.
    pub fn describe(&self) -> (String, u64) {
        (self.keep_free.to_string(), self.min_keep)
    }

    /// One warning, at the start, where the rule asks for as much as the
    /// file system holds or more: then only `--min-keep` backups stay.
    pub fn warn_if_impossible(&self, fs: Fs, set: &FileSet) {
        if self.want(fs) >= fs.size {
            messages::warn(&format!(
                "--keep-free {} is as much as the file system holding {} has ({}): backups beyond --min-keep {} are deleted as soon as they are made",
                self.keep_free,
                set.naming.dir().display(),
                human_size(fs.size),
                self.min_keep
            ));
        }
    }
}

/// A file system's size and the space free on it for unprivileged users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fs {
    pub size: u64,
    pub avail: u64,
}

/// Reads the space of the file system that holds `fd`.
pub fn read(fd: impl AsFd, show: &dyn std::fmt::Display) -> Result<Fs> {
    let st = rustix::fs::fstatvfs(fd)
        .with_context(|| format!("cannot read the free space of {show}"))?;
    let unit = if st.f_frsize > 0 {
        st.f_frsize
    } else {
        st.f_bsize
    };
    Ok(Fs {
        size: st.f_blocks.saturating_mul(unit),
        avail: st.f_bavail.saturating_mul(unit),
    })
}

/// Reads the space where a set's backups are.
pub fn read_for(set: &FileSet) -> Result<Fs> {
    read(set.backups_dir(), &set.naming.dir().display())
}

/// The oldest backup of a listing that the rule lets go: all forms of
/// the highest number (or oldest date), where more than `min_keep`
/// backups are kept.
pub fn oldest(listing: &Listing, min_keep: u64) -> Vec<Vec<u8>> {
    let mut indexes: Vec<u64> = listing.backups.iter().map(|b| b.index).collect();
    indexes.sort_unstable();
    indexes.dedup();
    match indexes.last() {
        Some(&last) if indexes.len() as u64 > min_keep => listing
            .backups
            .iter()
            .filter(|b| b.index == last)
            .map(|b| b.name.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// A writer's view of the free space: read at most once a second and at
/// each rotation; in between, what it wrote since is taken as spent.
#[derive(Debug)]
pub struct Watch {
    pub room: Room,
    /// As last read.
    fs: Fs,
    read_at: Instant,
    /// Bytes written since.
    written: u64,
    /// Only `--min-keep` backups were left: nothing more goes until the
    /// next rotation makes a backup.
    pub spent: bool,
}

/// How often a writer reads the free space at most, between rotations.
const READ_EVERY: Duration = Duration::from_secs(1);

impl Watch {
    /// Starts watching the space where the set's backups are; a rule that
    /// asks for the whole file system is one warning.
    pub fn start(set: &FileSet, room: Room) -> Result<Watch> {
        let fs = read_for(set)?;
        room.warn_if_impossible(fs, set);
        Ok(Watch {
            room,
            fs,
            read_at: Instant::now(),
            written: 0,
            spent: false,
        })
    }

    /// Reads the free space again; a failure keeps the last reading.
    pub fn read(&mut self, set: &FileSet) {
        if let Ok(fs) = read_for(set) {
            self.fs = fs;
            self.written = 0;
        }
        self.read_at = Instant::now();
    }

    /// Reads the free space again if the last reading is a second old.
    pub fn read_if_due(&mut self, set: &FileSet) {
        if self.read_at.elapsed() >= READ_EVERY {
            self.read(set);
        }
    }

    /// `n` bytes were written.
    pub fn wrote(&mut self, n: u64) {
        self.written += n;
    }

    /// Whether writing `more` bytes would leave less free than the rule.
    pub fn short(&self, more: u64) -> bool {
        !self.spent
            && self
                .room
                .short(self.fs, self.fs.avail.saturating_sub(self.written), more)
    }

    /// The file system as last read.
    pub fn fs(&self) -> Fs {
        self.fs
    }
}

/// A backup deleted for space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freed {
    /// Its path, as messages show it.
    pub show: String,
    pub bytes: u64,
}

/// Deletes the set's oldest backup (all its forms), if the rule lets one
/// go, under the gate; `None` when only `--min-keep` backups are left.
/// `before_remove`: logrotate's preremove, run first.
pub fn delete_oldest(
    set: &FileSet,
    room: &Room,
    gate: &Mutex<()>,
    before_remove: Option<&crate::config::Hook>,
    verbose: bool,
) -> Result<Option<Freed>> {
    let _held = gate.lock().unwrap_or_else(|e| e.into_inner());
    let listing = set.list()?;
    let names = oldest(&listing, room.min_keep);
    let Some(first) = names.first() else {
        return Ok(None);
    };
    let mut bytes = 0;
    for name in &names {
        hook::before_remove(before_remove, &set.path_of(name), verbose);
        if let Some(e) = set.stat(name)? {
            bytes += e.size;
        }
        set.delete(name)?;
    }
    Ok(Some(Freed {
        show: set.show(first),
        bytes,
    }))
}

/// The one warning line a deletion for space is.
pub fn say_freed(freed: &Freed, room: &Room, fs: Fs, why: &str) {
    messages::warn(&format!(
        "deleted {} ({}) for space: {} free{why}, --keep-free {} keeps {}",
        freed.show,
        human_size(freed.bytes),
        human_size(fs.avail),
        room.keep_free,
        human_size(room.want(fs)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_shares() {
        assert_eq!(KeepFree::parse("15%"), Ok(KeepFree::Share(1500)));
        assert_eq!(KeepFree::parse("2.5%"), Ok(KeepFree::Share(250)));
        assert_eq!(KeepFree::parse("100%"), Ok(KeepFree::Share(10_000)));
        assert_eq!(KeepFree::parse("0%"), Ok(KeepFree::Share(0)));
        assert_eq!(KeepFree::parse("1G"), Ok(KeepFree::Bytes(1 << 30)));
        for bad in ["150%", "-1", "-1%", "%", "x%", "100.5%", "1Q"] {
            assert!(KeepFree::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(KeepFree::Share(1500).to_string(), "15%");
        assert_eq!(KeepFree::Share(250).to_string(), "2.5%");
        assert_eq!(KeepFree::Bytes(1 << 20).to_string(), "1.0M");
    }

    #[test]
    fn a_share_is_of_the_file_systems_size() {
        let fs = Fs {
            size: 1000,
            avail: 300,
        };
        let room = Room {
            keep_free: KeepFree::Share(2500),
            min_keep: 1,
        };
        assert_eq!(room.want(fs), 250);
        assert!(!room.short(fs, 300, 50));
        assert!(room.short(fs, 300, 51));
        assert!(room.short(fs, 100, 0));
    }

    #[test]
    fn the_oldest_goes_in_all_its_forms_and_never_below_min_keep() {
        let names = ["app.log.1", "app.log.2", "app.log.3", "app.log.3.gz"];
        let listing = Listing {
            backups: names
                .iter()
                .map(|n| crate::plan::Backup {
                    index: n.as_bytes()[8].into(),
                    codec: None,
                    name: n.as_bytes().to_vec(),
                    stamp: None,
                })
                .collect(),
            ..Listing::default()
        };
        let s = |v: Vec<Vec<u8>>| -> Vec<String> {
            v.into_iter()
                .map(|n| String::from_utf8(n).expect("utf8"))
                .collect()
        };
        assert_eq!(s(oldest(&listing, 1)), ["app.log.3", "app.log.3.gz"]);
        assert_eq!(s(oldest(&listing, 2)), ["app.log.3", "app.log.3.gz"]);
        assert!(oldest(&listing, 3).is_empty());
        assert!(oldest(&crate::plan::Listing::default(), 0).is_empty());
    }
}
