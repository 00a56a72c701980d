//! The set's own file, `.NAME.rollover-state` (mode 0600, never opened
//! through a link): what must outlive a writer. The count its last writer
//! kept (which `rotate` then keeps too), where its compression starts, how
//! its backups are named, when `rotate` last rotated the set (or rollover
//! emptied its main file in place), the backups still owed their sync when a writer was stopped at once
//! (a second SIGTERM), the hooks owed for backups (recorded before the
//! rotation that makes the backup, forgotten once the hook has run, so
//! that a writer killed even by `SIGKILL` leaves them to the next writer
//! or `rotate`), and what `--keep-free` deleted. `status` shows them. Every
//! change reads the file afresh and saves it under one lock per process
//! (a writer's finisher changes it beside the writer). One JSON object; a
//! file of the line format earlier versions wrote (`key value...`) is
//! still read.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rustix::fs::{Mode, OFlags};
use serde::{Deserialize, Serialize};

use crate::config::Hook;
pub use crate::config::StateDir;
use crate::fileset::{FileSet, sync_file};
use crate::naming::Padding;
use crate::plan::{FileId, Listing};
use crate::policy::Reason;

/// Held while a state is read, changed and saved: a writer and its
/// finisher change the same file.
static CHANGING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A hook owed for a backup: recorded before the rotation that makes it
/// (under the identity of the file that becomes the backup), with the
/// identity of its compressed form added before that form takes its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedHook {
    /// The backup's identities: its plain form, and its compressed one.
    pub ids: Vec<FileId>,
    /// The command and its timeout, run as recorded whatever the next run
    /// is told.
    pub hook: Hook,
    pub reason: Reason,
}

/// `--keep-free` as the set's last writer or `rotate` applied it, and what
/// it deleted for space, for `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SpaceNote {
    /// The rule, as `--keep-free X --min-keep N` would give it.
    pub keep_free: String,
    pub min_keep: u64,
    /// Backups deleted for space, and their bytes.
    pub deleted: u64,
    pub bytes: u64,
    /// The last one deleted, and when (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
}

/// Where a set's state is kept: beside it, or in the state directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place(Option<PathBuf>);

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
    /// The extension its backup numbers go before (`--extension`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Where its backups live (`--backup-dir`), relative to the main
    /// file's directory; `None`: beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_dir: Option<PathBuf>,
    /// Hooks owed for backups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<OwedHook>,
    /// What `--keep-free` deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<SpaceNote>,
    /// Where it is kept in the state directory; `None`: beside the set.
    #[serde(skip)]
    kept: Option<PathBuf>,
}

/// Where a state directory keeps each set's state.
impl StateDir {
    /// The bytes of the state kept here for the set whose main file is
    /// `main`, where there is one that can be read.
    pub fn read_for(&self, main: &Path) -> Option<Vec<u8>> {
        read_kept(&self.file_for(main)).ok().flatten()
    }

    /// The file that keeps the state of the set whose main file is
    /// `main`: its absolute path (directory resolved), `/` written `-`
    /// and `-`, a backslash and any byte not printable `\xNN`, as systemd
    /// escapes paths (`/var/log/apt/term.log` is `var-log-apt-term.log`);
    /// a long one keeps its end and a hash of the whole.
    fn file_for(&self, main: &Path) -> PathBuf {
        let dir = match main.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = resolved(&dir);
        let full = dir.join(main.file_name().unwrap_or_default());
        let bytes = full.as_os_str().as_encoded_bytes();
        let mut name = String::new();
        for &b in bytes.strip_prefix(b"/").unwrap_or(bytes) {
            match b {
                b'/' => name.push('-'),
                b'-' | b'\\' => name.push_str(&format!("\\x{b:02x}")),
                b if b.is_ascii_graphic() => name.push(char::from(b)),
                b => name.push_str(&format!("\\x{b:02x}")),
            }
        }
        if name.starts_with('.') {
            name.replace_range(..1, "\\x2e");
        }
        if name.len() > 200 {
            // FNV-1a: a stable hash, whatever Rust's own hasher does.
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            // All ASCII: any byte is a boundary.
            name = format!("{hash:016x}-{}", &name[name.len() - 150..]);
        }
        self.0.join(format!("{name}.state"))
    }
}

impl State {
    /// Reads the set's state from beside it (a writer's); a missing file
    /// is the empty state.
    pub fn load(set: &FileSet) -> Result<State> {
        Ok(set
            .read_own("state")?
            .map(|b| State::decode(&b))
            .unwrap_or_default())
    }

    /// Reads the set's state from beside it, else from the state
    /// directory, where it is then kept (also when there is none yet).
    /// `beside`: whether one may be beside it (a listing of the directory
    /// that shows none spares the look).
    pub fn load_kept(set: &FileSet, dir: Option<&StateDir>, beside: bool) -> Result<State> {
        if beside && let Some(bytes) = set.read_own("state")? {
            return Ok(State::decode(&bytes));
        }
        let Some(dir) = dir else {
            return Ok(State::default());
        };
        let file = dir.file_for(set.naming.path());
        // As rollover's own user, whatever --su the set works as: the
        // state directory is rollover's. One that does not exist yet (the
        // first run) holds nothing, asked once a run.
        let bytes = if known_missing(&dir.0) {
            None
        } else {
            crate::su::as_own(|| read_kept(&file))?
        };
        Ok(State {
            kept: Some(file),
            ..bytes.map(|b| State::decode(&b)).unwrap_or_default()
        })
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
        let empty = State {
            kept: self.kept.clone(),
            ..State::default()
        };
        let text = serde_json::to_vec(self).context("cannot encode the set's state")?;
        match &self.kept {
            Some(file) => crate::su::as_own(|| write_kept(file, (*self != empty).then_some(&text))),
            None if *self == empty => set.remove_own("state"),
            None => set.write_own("state", &text),
        }
    }

    /// Where this state is kept.
    pub fn place(&self) -> Place {
        Place(self.kept.clone())
    }

    /// Changes the state as kept now (read afresh, so that what another
    /// thread of this process changed meanwhile stays) and saves it where
    /// `f` says anything changed; this copy becomes the saved one.
    pub fn change(&mut self, set: &FileSet, f: impl FnOnce(&mut State) -> bool) -> Result<()> {
        let _held = CHANGING.lock().unwrap_or_else(|e| e.into_inner());
        let mut fresh = self.place().read(set)?;
        if f(&mut fresh) {
            fresh.save(set)?;
        }
        *self = fresh;
        Ok(())
    }

    /// [`State::change`] on the state kept at `place`.
    pub fn change_at(
        set: &FileSet,
        place: &Place,
        f: impl FnOnce(&mut State) -> bool,
    ) -> Result<()> {
        place.read(set)?.change(set, f)
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
        sync_file(set.backups_dir(), &set.naming.dir().display().to_string())?;
        self.change(set, |s| {
            s.owed.clear();
            true
        })
    }

    /// Records backups a writer stopped at once still owes their sync.
    pub fn record_owed(&mut self, set: &FileSet, owed: Vec<FileId>) -> Result<()> {
        self.change(set, |s| {
            s.owed.extend(owed);
            true
        })
    }

    /// Records what a writer keeps: its count, for a later `rotate` without
    /// `-c`, where its compression starts, for `status`, and how its
    /// backups are named, for `rotate`.
    pub fn record_writer(
        &mut self,
        set: &FileSet,
        count: u64,
        compress_from: Option<u64>,
        backup_dir: Option<PathBuf>,
    ) -> Result<()> {
        self.change(set, |s| {
            let renamed = s.take_names(set, backup_dir);
            let changed = (s.count, s.compress_from) != (Some(count), compress_from);
            s.count = Some(count);
            s.compress_from = compress_from;
            renamed || changed
        })
    }

    /// Takes how the set's backups are named and where they live from the
    /// set as opened; whether anything changed.
    fn take_names(&mut self, set: &FileSet, backup_dir: Option<PathBuf>) -> bool {
        let dates = set.naming.dates().map(str::to_string);
        let padding = padding_of(set);
        let extension = set.naming.extension().map(str::to_string);
        let changed = (
            &self.dates,
            &self.padding,
            &self.backup_dir,
            &self.extension,
        ) != (&dates, &padding, &backup_dir, &extension);
        self.dates = dates;
        self.padding = padding;
        self.backup_dir = backup_dir;
        self.extension = extension;
        changed
    }

    /// Records that the set was rotated, or its main file emptied in
    /// place, now: its age starts again.
    pub fn record_origin(&mut self, set: &FileSet) -> Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        self.change(set, |s| {
            s.rotated = now;
            true
        })
    }

    /// Records how a set's backups are named, when `rotate` was told.
    pub fn record_names(&mut self, set: &FileSet, backup_dir: Option<PathBuf>) -> Result<()> {
        self.change(set, |s| s.take_names(set, backup_dir))
    }

    /// Records the `--keep-free` rule the set is kept by (`None`: none).
    pub fn record_space_rule(&mut self, set: &FileSet, rule: Option<(String, u64)>) -> Result<()> {
        let same = match (&self.space, &rule) {
            (Some(n), Some((k, m))) => n.keep_free == *k && n.min_keep == *m,
            (None, None) => true,
            _ => false,
        };
        if same {
            return Ok(());
        }
        self.change(set, |s| {
            s.space = rule.map(|(keep_free, min_keep)| SpaceNote {
                keep_free,
                min_keep,
                ..s.space.take().unwrap_or_default()
            });
            true
        })
    }

    /// Records a backup deleted for space.
    pub fn record_freed(set: &FileSet, place: &Place, name: &str, bytes: u64) -> Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        State::change_at(set, place, |s| {
            let note = s.space.get_or_insert_with(SpaceNote::default);
            note.deleted += 1;
            note.bytes += bytes;
            note.last = Some(name.to_string());
            note.at = now;
            true
        })
    }

    /// Records a hook owed for the file `id` (about to become a backup).
    pub fn owe_hook(
        set: &FileSet,
        place: &Place,
        id: FileId,
        hook: &Hook,
        reason: Reason,
    ) -> Result<()> {
        State::change_at(set, place, |s| {
            s.hooks.retain(|h| !h.ids.contains(&id));
            s.hooks.push(OwedHook {
                ids: vec![id],
                hook: hook.clone(),
                reason,
            });
            true
        })
    }

    /// Adds a backup's compressed identity to the hook owed for its plain
    /// one, before the compressed form takes its name.
    pub fn hook_follows(set: &FileSet, place: &Place, plain: FileId, packed: FileId) -> Result<()> {
        State::change_at(set, place, |s| {
            let mut changed = false;
            for h in s.hooks.iter_mut().filter(|h| h.ids.contains(&plain)) {
                h.ids.push(packed);
                changed = true;
            }
            changed
        })
    }

    /// Forgets the hook owed for the backup `id` (it has run, or its backup
    /// is gone).
    pub fn hook_done(set: &FileSet, place: &Place, id: FileId) -> Result<()> {
        State::change_at(set, place, |s| {
            let before = s.hooks.len();
            s.hooks.retain(|h| !h.ids.contains(&id));
            s.hooks.len() != before
        })
    }

    /// The owed hooks whose backups are in the listing, each with the
    /// backup's name; forgets (and saves) those whose file never became a
    /// backup (a rotation a crash stopped before its rename: it is the
    /// main file still) or was deleted, the latter with a warning.
    pub fn owed_hooks(
        &mut self,
        set: &FileSet,
        listing: &Listing,
    ) -> Result<Vec<(Vec<u8>, FileId, OwedHook)>> {
        if self.hooks.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        let mut ids = Vec::new();
        for b in &listing.backups {
            if let Some(e) = set.stat(&b.name)? {
                ids.push((b.name.clone(), e.id()));
            }
        }
        let mut gone = Vec::new();
        for h in &self.hooks {
            match ids.iter().find(|(_, id)| h.ids.contains(id)) {
                Some((name, id)) => found.push((name.clone(), *id, h.clone())),
                None => gone.push(h.clone()),
            }
        }
        let main = listing.main.as_ref().map(|m| m.id());
        for h in &gone {
            if !main.is_some_and(|m| h.ids.contains(&m)) {
                crate::messages::warn(&format!(
                    "owed hook '{}' of {} skipped: its backup was deleted before its turn",
                    h.hook.command,
                    set.naming.path().display()
                ));
            }
        }
        if !gone.is_empty() {
            self.change(set, |s| {
                s.hooks.retain(|h| !gone.contains(h));
                true
            })?;
        }
        Ok(found)
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

    /// Whether a member is owed its hook, for `status`.
    pub fn owes_hook(&self, id: FileId) -> bool {
        self.hooks.iter().any(|h| h.ids.contains(&id))
    }
}

impl Place {
    /// The state kept here for `set` (beside it: its own file).
    fn read(&self, set: &FileSet) -> Result<State> {
        let Some(file) = &self.0 else {
            return State::load(set);
        };
        let bytes = crate::su::as_own(|| read_kept(file))?;
        Ok(State {
            kept: Some(file.clone()),
            ..bytes.map(|b| State::decode(&b)).unwrap_or_default()
        })
    }
}

/// A directory's path with its links resolved, once per directory and
/// run: 1,000 sets in one directory resolve it once, not 1,000 times.
fn resolved(dir: &Path) -> PathBuf {
    type Seen = std::collections::HashMap<PathBuf, PathBuf>;
    static SEEN: std::sync::Mutex<Option<Seen>> = std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(Seen::new);
    if let Some(r) = seen.get(dir) {
        return r.clone();
    }
    let r = std::fs::canonicalize(dir).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    });
    seen.insert(dir.to_path_buf(), r.clone());
    r
}

/// Whether the state directory is known not to exist: looked up once a
/// run, until a state is written there.
fn known_missing(dir: &Path) -> bool {
    *MISSING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(|| !dir.exists())
}

/// See [`known_missing`]; one state directory a run.
static MISSING: std::sync::Mutex<Option<bool>> = std::sync::Mutex::new(None);

/// Reads a file of the state directory (never through a link); `None`:
/// there is none.
fn read_kept(file: &Path) -> Result<Option<Vec<u8>>> {
    let show = || file.display().to_string();
    let fd = match rustix::fs::open(
        file,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", show())),
    };
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut std::fs::File::from(fd), &mut out)
        .with_context(|| format!("cannot read {}", show()))?;
    Ok(Some(out))
}

/// Replaces a file of the state directory (mode 0600; written beside and
/// renamed over, so a reader never sees half of it), making the directory
/// where it is missing; `None` removes it.
fn write_kept(file: &Path, data: Option<&[u8]>) -> Result<()> {
    let Some(data) = data else {
        return match std::fs::remove_file(file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot remove {}", file.display()))
            }
            _ => Ok(()),
        };
    };
    if let Some(dir) = file.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .with_context(|| format!("cannot create state directory {}", dir.display()))?;
    }
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let fd = rustix::fs::open(
        &tmp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .with_context(|| format!("cannot create {}", tmp.display()))?;
    std::io::Write::write_all(&mut std::fs::File::from(fd), data)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("cannot write {}", file.display()))?;
    *MISSING.lock().unwrap_or_else(|e| e.into_inner()) = Some(false);
    Ok(())
}

/// A set's padding as recorded: nothing for the default.
fn padding_of(set: &FileSet) -> Option<Padding> {
    Some(set.naming.padding()).filter(|&p| p != Padding::default())
}

/// The extension recorded in a state file's bytes (`--extension`).
pub fn extension_in(bytes: &[u8]) -> Option<String> {
    State::decode(bytes).extension
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
            backup_dir: None,
            extension: None,
            hooks: Vec::new(),
            space: None,
            kept: None,
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

    #[test]
    fn state_files_are_named_by_the_sets_resolved_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(tmp.path()).expect("realpath");
        std::fs::create_dir(real.join("my-app")).expect("mkdir");
        std::os::unix::fs::symlink(real.join("my-app"), real.join("link")).expect("symlink");
        let d = StateDir(PathBuf::from("/st"));
        let escaped: String = real
            .to_string_lossy()
            .trim_start_matches('/')
            .replace('-', "\\x2d")
            .replace('/', "-");
        let want = PathBuf::from(format!("/st/{escaped}-my\\x2dapp-a\\x20b.log.state"));
        assert_eq!(d.file_for(&real.join("my-app/a b.log")), want);
        // The directory resolved: a link to it names the same set.
        assert_eq!(d.file_for(&real.join("link/a b.log")), want);
        let long = real.join(format!("my-app/{}.log", "x".repeat(240)));
        let name = d.file_for(&long);
        let name = name.file_name().expect("a name").to_string_lossy();
        assert!(
            name.len() < 255 && name.ends_with("xxx.log.state"),
            "{name}"
        );
        assert_ne!(
            d.file_for(&long),
            d.file_for(&real.join(format!("my-app/{}.log", "y".repeat(240))))
        );
    }
}
