//! The set's own file, `.NAME.rollover-state` (mode 0600, never opened
//! through a link): what must outlive a writer. The count its last writer
//! kept (which `rotate` then keeps too), where its compression starts, how
//! its backups are named, when `rotate` last rotated the set (or rollover
//! emptied its main file in place), and the backups still owed their sync when a writer was stopped at once
//! (a second SIGTERM); the next writer or `rotate` on the set syncs them,
//! and `status` shows them. One JSON object; a file of the line format
//! earlier versions wrote (`key value...`) is still read.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::fileset::{FileSet, sync_file};
use crate::naming::Padding;
use crate::plan::{FileId, Listing};

/// What the file holds. Read once by each command that works on a set,
/// and changed through the methods below, each of which saves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct State {
    /// The count the set's last writer kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Its writer compresses backups numbered this and above (so a plain
    /// one there is owed its compression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compress_from: Option<u64>,
    /// Backups owed a sync.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owed: Vec<FileId>,
    /// The FORMAT of its date-named backups (`--backup-names date:FORMAT`);
    /// `None`: numbered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dates: Option<String>,
    /// How its backup numbers are written (`--padding`); `None`: padded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<Padding>,
    /// When `rotate` last rotated the set, or rollover emptied its main
    /// file in place (count 0, `reset`, mode `w`, `--method collapse` or
    /// `copytruncate`), in Unix seconds: the main file's age counts from
    /// then, if later than its birth (a clock `faketime` sets reaches
    /// this, never a file's birth, which the kernel stamps).
    #[serde(alias = "emptied", skip_serializing_if = "Option::is_none")]
    pub rotated: Option<u64>,
}

impl State {
    /// Reads the set's state; a missing file is the empty state.
    pub fn load(set: &FileSet) -> Result<State> {
        Ok(set
            .read_own("state")?
            .map(|b| State::decode(&b))
            .unwrap_or_default())
    }

    /// The state a file's bytes hold: JSON, or earlier versions' lines;
    /// what cannot be read counts as nothing recorded.
    fn decode(bytes: &[u8]) -> State {
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| State::decode_lines(&String::from_utf8_lossy(bytes)))
    }

    /// Earlier versions' format: lines of `key value...`.
    fn decode_lines(text: &str) -> State {
        let mut s = State::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let key = words.next();
            let mut number = || words.next().and_then(|w| w.parse().ok());
            match key {
                Some("count") => s.count = number(),
                Some("compress-from") => s.compress_from = number(),
                Some("emptied") => s.rotated = number(),
                Some("backup-names") => {
                    let rest = line["backup-names".len()..].trim_start();
                    s.dates = rest.strip_prefix("date:").map(str::to_string);
                }
                Some("owe-sync") => {
                    if let (Some(dev), Some(ino)) = (number(), number()) {
                        s.owed.push(FileId { dev, ino });
                    }
                }
                _ => {}
            }
        }
        s
    }

    /// Writes the state (atomically: a new file renamed over the old); the
    /// empty state removes the file.
    pub fn save(&self, set: &FileSet) -> Result<()> {
        if *self == State::default() {
            return set.remove_own("state");
        }
        let text = serde_json::to_vec(self).context("cannot encode the set's state")?;
        set.write_own("state", &text)
    }

    /// Syncs the backups a stopped writer still owed, where they are now
    /// (renames do not matter: they are found by identity), then forgets
    /// them. Called by whoever holds the set's lock, before it changes the
    /// set.
    pub fn settle(&mut self, set: &FileSet, listing: &Listing) -> Result<()> {
        if self.owed.is_empty() {
            return Ok(());
        }
        for b in &listing.backups {
            let Some(e) = set.stat(&b.name)? else {
                continue;
            };
            if self.owed.contains(&e.id()) {
                let fd = set.open_backup(&b.name)?;
                sync_file(&fd, &set.show(&b.name))?;
            }
        }
        sync_file(set.dir(), &set.naming.dir().display().to_string())?;
        self.owed.clear();
        self.save(set)
    }

    /// Records backups a writer stopped at once still owes their sync.
    pub fn record_owed(&mut self, set: &FileSet, owed: Vec<FileId>) -> Result<()> {
        self.owed.extend(owed);
        self.save(set)
    }

    /// Records what a writer keeps: its count, for a later `rotate` without
    /// `-c`, where its compression starts, for `status`, and how its
    /// backups are named, for `rotate`.
    pub fn record_writer(
        &mut self,
        set: &FileSet,
        count: u64,
        compress_from: Option<u64>,
    ) -> Result<()> {
        let dates = set.naming.dates().map(str::to_string);
        let padding = padding_of(set);
        if (&self.count, &self.compress_from, &self.dates, &self.padding)
            != (&Some(count), &compress_from, &dates, &padding)
        {
            self.count = Some(count);
            self.compress_from = compress_from;
            self.dates = dates;
            self.padding = padding;
            self.save(set)?;
        }
        Ok(())
    }

    /// Records that the set was rotated, or its main file emptied in
    /// place, now: its age starts again.
    pub fn record_origin(&mut self, set: &FileSet) -> Result<()> {
        self.rotated = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        self.save(set)
    }

    /// Records how a set's backups are named, when `rotate` was told.
    pub fn record_names(&mut self, set: &FileSet) -> Result<()> {
        let dates = set.naming.dates().map(str::to_string);
        let padding = padding_of(set);
        if (&self.dates, &self.padding) != (&dates, &padding) {
            self.dates = dates;
            self.padding = padding;
            self.save(set)?;
        }
        Ok(())
    }

    /// The main file's age origin: its birth, or when rollover last rotated
    /// the set or emptied the file in place, whichever is later.
    pub fn origin(&self, born: SystemTime) -> SystemTime {
        match self.rotated {
            Some(t) => born.max(UNIX_EPOCH + Duration::from_secs(t)),
            None => born,
        }
    }

    /// Whether a member is owed its sync, for `status`.
    pub fn owes(&self, id: FileId) -> bool {
        self.owed.contains(&id)
    }
}

/// A set's padding as recorded: nothing for the default.
fn padding_of(set: &FileSet) -> Option<Padding> {
    Some(set.naming.padding()).filter(|&p| p != Padding::default())
}

/// The date FORMAT recorded in a state file's bytes, for telling a
/// date-named backup from a set without a handle on its directory.
pub fn dates_in(bytes: &[u8]) -> Option<String> {
    State::decode(bytes).dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_earlier_lines_and_garbage() {
        let s = State {
            count: Some(7),
            compress_from: Some(2),
            owed: vec![FileId { dev: 1, ino: 2 }, FileId { dev: 3, ino: 4 }],
            dates: Some("-%Y%m%d %H".into()),
            padding: None,
            rotated: Some(1_790_000_000),
        };
        let json = serde_json::to_vec(&s).expect("json");
        assert_eq!(State::decode(&json), s);
        let lines = "count 7\ncompress-from 2\nbackup-names date:-%Y%m%d %H\n\
                     emptied 1790000000\nowe-sync 1 2\nowe-sync 3 4\n";
        assert_eq!(State::decode(lines.as_bytes()), s);
        assert_eq!(
            State::decode(b"owe-sync x 1\nnonsense\n\n"),
            State::default()
        );
        assert_eq!(State::decode(b"{\"count\": \"x\"}"), State::default());
    }
}
