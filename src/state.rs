//! The set's own file, `.NAME.rollover-state` (mode 0600, never opened
//! through a link): what must outlive a writer. The count its last writer
//! kept (which `rotate` then keeps too), and the backups still owed their
//! sync when a writer was stopped at once (a second SIGTERM); the next
//! writer or `rotate` on the set syncs them, and `status` shows them.
//! Lines of `key value...`; unknown lines are ignored.

use anyhow::Result;

use crate::fileset::{FileSet, sync_file};
use crate::plan::Listing;

/// A backup owed work, by the identity that survives renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub dev: u64,
    pub ino: u64,
}

/// What the file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The count the set's last writer kept.
    pub count: Option<u64>,
    /// Its writer compresses backups numbered this and above (so a plain
    /// one there is owed its compression).
    pub compress_from: Option<u64>,
    /// Backups owed a sync.
    pub owed: Vec<Owed>,
    /// The FORMAT of its date-named backups (`--backup-names date:FORMAT`);
    /// `None`: numbered.
    pub dates: Option<String>,
    /// When rollover last emptied the main file in place (count 0,
    /// `reset`, mode `w`, `--method collapse` or `copytruncate`), in Unix
    /// seconds: the main file's age counts from then, if later than its
    /// birth.
    pub emptied: Option<u64>,
}

impl State {
    fn encode(&self) -> String {
        let count = self.count.map(|c| format!("count {c}\n"));
        let from = self.compress_from.map(|c| format!("compress-from {c}\n"));
        let owed = self
            .owed
            .iter()
            .map(|o| format!("owe-sync {} {}\n", o.dev, o.ino));
        let dates = self
            .dates
            .as_ref()
            .map(|f| format!("backup-names date:{f}\n"));
        let emptied = self.emptied.map(|t| format!("emptied {t}\n"));
        count
            .into_iter()
            .chain(from)
            .chain(dates)
            .chain(emptied)
            .chain(owed)
            .collect()
    }

    fn decode(text: &str) -> State {
        let mut s = State::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("count") => s.count = words.next().and_then(|c| c.parse().ok()),
                Some("compress-from") => {
                    s.compress_from = words.next().and_then(|c| c.parse().ok())
                }
                Some("emptied") => s.emptied = words.next().and_then(|t| t.parse().ok()),
                Some("backup-names") => {
                    let rest = line["backup-names".len()..].trim_start();
                    s.dates = rest.strip_prefix("date:").map(str::to_string);
                }
                Some("owe-sync") => {
                    if let (Some(Ok(dev)), Some(Ok(ino))) =
                        (words.next().map(str::parse), words.next().map(str::parse))
                    {
                        s.owed.push(Owed { dev, ino });
                    }
                }
                _ => {}
            }
        }
        s
    }
}

/// Reads the set's state; a missing file is the empty state.
pub fn load(set: &FileSet) -> Result<State> {
    Ok(set
        .read_own("state")?
        .map(|b| State::decode(&String::from_utf8_lossy(&b)))
        .unwrap_or_default())
}

/// Writes the set's state (atomically: a new file renamed over the old);
/// the empty state removes the file.
pub fn save(set: &FileSet, state: &State) -> Result<()> {
    if *state == State::default() {
        return set.remove_own("state");
    }
    set.write_own("state", state.encode().as_bytes())
}

/// Syncs the backups a stopped writer still owed, where they are now
/// (renames do not matter: they are found by inode), then forgets them.
/// Called by whoever holds the set's lock, before it changes the set.
pub fn settle(set: &FileSet, listing: &Listing) -> Result<()> {
    let state = load(set)?;
    if state.owed.is_empty() {
        return Ok(());
    }
    for b in &listing.backups {
        let Some(e) = set.stat(&b.name)? else {
            continue;
        };
        if state.owed.contains(&Owed {
            dev: e.dev,
            ino: e.ino,
        }) {
            let fd = set.open_backup(&b.name)?;
            sync_file(&fd, &set.show(&b.name))?;
        }
    }
    sync_file(set.dir(), &set.naming.dir().display().to_string())?;
    save(
        set,
        &State {
            owed: Vec::new(),
            ..state
        },
    )
}

/// Records what a writer keeps: its count, for a later `rotate` without
/// `-c`, where its compression starts, for `status`, and how its backups
/// are named, for `rotate`.
pub fn record_writer(set: &FileSet, count: u64, compress_from: Option<u64>) -> Result<()> {
    let mut state = load(set)?;
    let dates = set.naming.dates().map(str::to_string);
    if (&state.count, &state.compress_from, &state.dates) != (&Some(count), &compress_from, &dates)
    {
        state.count = Some(count);
        state.compress_from = compress_from;
        state.dates = dates;
        save(set, &state)?;
    }
    Ok(())
}

/// Records that the main file was emptied in place now: its age starts
/// again.
pub fn record_emptied(set: &FileSet) -> Result<()> {
    let mut state = load(set)?;
    state.emptied = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs());
    save(set, &state)
}

/// The main file's age origin: its birth, or when rollover last emptied
/// it in place, whichever is later.
pub fn origin(state: &State, born: std::time::SystemTime) -> std::time::SystemTime {
    match state.emptied {
        Some(t) => born.max(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t)),
        None => born,
    }
}

/// Records how a set's backups are named, when `rotate` named them.
pub fn record_names(set: &FileSet) -> Result<()> {
    let mut state = load(set)?;
    let dates = set.naming.dates().map(str::to_string);
    if state.dates != dates {
        state.dates = dates;
        save(set, &state)?;
    }
    Ok(())
}

/// The date FORMAT recorded in a state file's text, for telling a
/// date-named backup from a set without a handle on its directory.
pub fn dates_in(text: &str) -> Option<String> {
    State::decode(text).dates
}

/// Whether a member is owed work, for `status`.
pub fn owes(state: &State, dev: u64, ino: u64) -> bool {
    state.owed.contains(&Owed { dev, ino })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let s = State {
            count: Some(1000),
            compress_from: Some(2),
            owed: vec![Owed { dev: 1, ino: 2 }, Owed { dev: 3, ino: 4 }],
            dates: Some("-%Y%m%d %H".into()),
            emptied: Some(1_790_000_000),
        };
        assert_eq!(State::decode(&s.encode()), s);
        assert_eq!(
            State::decode("owe-sync x 1\nnonsense\n\n"),
            State::default()
        );
    }
}
