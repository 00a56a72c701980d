//! What each command is asked to do, as validated domain types: `cli`
//! builds them from the command line and, through the same parser, from a
//! configuration file's stanzas (`conffile`). Nothing here or below sees
//! clap; each setting's default is written once, on its option in `cli`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::naming::Naming;
use crate::plan::{Fresh, Method};
use crate::policy::{Conditions, Policy};
use crate::stamp::Format;

/// Backups kept when nobody said how many.
pub const DEFAULT_COUNT: u64 = 5;

/// How the writer opens an existing set (`--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenMode {
    /// Append to the main file; existing backups are the set's history.
    #[default]
    Append,
    /// Truncate the main file and delete every backup before writing.
    Truncate,
    /// Fail if the main file or any backup exists, creating nothing.
    Exclusive,
}

/// When to sync the main file to disk (`--fsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fsync {
    Never,
    /// Every backup that is kept, beside the writer.
    #[default]
    Rotate,
    /// After every write.
    Always,
}

/// A compression codec and its level (`--compress`), or another
/// compressor (`--compress-command` with `--compress-ext`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// gzip, level 1-9.
    Gzip(u32),
    /// zstd, level 1-19.
    Zstd(i32),
    /// A command run with `/bin/sh -c`, reading the backup on stdin and
    /// writing the compressed form to stdout; its extension (one that
    /// rollover recognises, `xz`, without the dot).
    Command { command: String, ext: String },
}

impl Codec {
    /// Parses `--compress`: `gzip[:LEVEL]` (1-9, default 6) or
    /// `zstd[:LEVEL]` (1-19, default 3).
    pub fn parse(text: &str) -> Result<Codec, String> {
        let bad = || {
            format!(
                "invalid codec '{text}': use gzip or gzip:LEVEL (1-9, default 6), zstd or zstd:LEVEL (1-19, default 3)"
            )
        };
        let (name, level) = match text.split_once(':') {
            Some((n, l)) => (n, Some(l.parse::<u32>().map_err(|_| bad())?)),
            None => (text, None),
        };
        match (name, level) {
            ("gzip", None) => Ok(Codec::Gzip(6)),
            ("gzip", Some(l @ 1..=9)) => Ok(Codec::Gzip(l)),
            ("zstd", None) => Ok(Codec::Zstd(3)),
            ("zstd", Some(l @ 1..=19)) => Ok(Codec::Zstd(l as i32)),
            _ => Err(bad()),
        }
    }

    /// Checks `--compress-ext`: one that rollover recognises as a
    /// compressed backup's (dot or not), returned without the dot.
    pub fn parse_ext(text: &str) -> Result<String, String> {
        let ext = text.strip_prefix('.').unwrap_or(text);
        if !crate::naming::CODECS.contains(&ext) {
            return Err(format!(
                "invalid extension '{text}': rollover recognises compressed backups by {}",
                crate::naming::CODECS.join(", ")
            ));
        }
        Ok(ext.to_string())
    }

    /// The extension a compressed backup's name gets.
    pub fn ext(&self) -> &str {
        match self {
            Codec::Gzip(_) => "gz",
            Codec::Zstd(_) => "zst",
            Codec::Command { ext, .. } => ext,
        }
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Codec::Gzip(l) => write!(f, "gzip:{l}"),
            Codec::Zstd(l) => write!(f, "zstd:{l}"),
            Codec::Command { command, ext } => write!(f, "'{command}' (.{ext})"),
        }
    }
}

/// How backups are named (`--backup-names`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// `PATH.1` (newest) to `PATH.N`, renumbered at each rotation.
    Number,
    /// Named for their start with this strftime FORMAT, never renamed.
    Date(String),
}

impl Names {
    /// Parses `--backup-names number|date[:FORMAT]`; the FORMAT is checked
    /// against a plain name here, and against the set's own when used.
    pub fn parse(text: &str) -> Result<Names, String> {
        let names = match text {
            "number" => return Ok(Names::Number),
            "date" => Names::Date(crate::naming::DATE_FORMAT.into()),
            t => match t.strip_prefix("date:") {
                Some(f) => Names::Date(f.into()),
                None => {
                    return Err(format!(
                        "invalid backup names '{text}': use number, date or date:FORMAT (strftime)"
                    ));
                }
            },
        };
        Naming::new(std::path::Path::new("app.log"))
            .and_then(|n| n.with_dates(names.format()))
            .map(|_| names)
    }

    /// The date FORMAT, for [`crate::naming::Naming::with_dates`].
    pub fn format(&self) -> Option<&str> {
        match self {
            Names::Number => None,
            Names::Date(f) => Some(f),
        }
    }
}

/// A command run once a backup is finished (`--on-rotate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub command: String,
    /// Killed when still running after this long (`--hook-timeout`).
    pub timeout: Duration,
}

/// The state directory: where `rotate` keeps the state of a set that no
/// writer keeps beside it, so that a cron run leaves nothing of rollover's
/// in a log directory (`--state-dir`, the configuration's `state-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir(pub PathBuf);

impl StateDir {
    /// `/var/lib/rollover` as root, else `$XDG_STATE_HOME/rollover`, else
    /// `~/.local/state/rollover`; `None` where no home is known.
    pub fn default_for_user() -> Option<StateDir> {
        if rustix::process::geteuid().is_root() {
            return Some(StateDir(PathBuf::from("/var/lib/rollover")));
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let base = env("XDG_STATE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| env("HOME").map(|h| h.join(".local/state")))?;
        Some(StateDir(base.join("rollover")))
    }
}

/// `--backup-dir DIR` (logrotate's `olddir`), relative to the main file's
/// directory, and how to make it where it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDir {
    pub dir: PathBuf,
    /// `--backup-dir-perm`, `--backup-dir-owner` (logrotate's
    /// `createolddir`); `None`: a missing one is an error.
    pub make: Option<MakeDir>,
}

/// How a missing backup directory is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MakeDir {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// How much free space to keep: bytes, or a share of the file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeepFree {
    Bytes(u64),
    /// Hundredths of a percent (`15%` is 1500).
    Share(u32),
}

impl KeepFree {
    /// Parses `SIZE` (as `--max-size`) or `PCT%` (0 to 100, decimals
    /// allowed).
    pub fn parse(text: &str) -> Result<KeepFree, String> {
        let t = text.trim();
        let Some(pct) = t.strip_suffix('%') else {
            return crate::units::parse_size(t).map(KeepFree::Bytes);
        };
        let bad = || format!("invalid share '{text}': use a percentage from 0% to 100%, e.g. 15%");
        let value: f64 = pct.trim().parse().map_err(|_| bad())?;
        if !(0.0..=100.0).contains(&value) || pct.trim().starts_with(['+', '-']) {
            return Err(bad());
        }
        Ok(KeepFree::Share((value * 100.0).round() as u32))
    }

    /// The bytes to keep free on a file system of `size` bytes.
    pub fn bytes(self, size: u64) -> u64 {
        match self {
            KeepFree::Bytes(b) => b,
            KeepFree::Share(h) => (u128::from(size) * u128::from(h) / 10_000) as u64,
        }
    }
}

impl std::fmt::Display for KeepFree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepFree::Bytes(b) => write!(f, "{}", crate::units::human_size(*b)),
            KeepFree::Share(h) if h % 100 == 0 => write!(f, "{}%", h / 100),
            KeepFree::Share(h) => write!(f, "{}%", f64::from(*h) / 100.0),
        }
    }
}

/// The rule: keep this much free, and at least `min_keep` backups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Room {
    pub keep_free: KeepFree,
    pub min_keep: u64,
}

/// What the finisher does to a backup beyond syncing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finishing {
    pub compress: Option<Codec>,
    /// Backups numbered below this stay uncompressed (`--compress-from`).
    pub compress_from: u64,
    /// The oldest backups go until the backups take at most this much.
    pub max_total: Option<u64>,
    /// Backups last written longer ago than this go.
    pub max_backup_age: Option<Duration>,
    pub hook: Option<Hook>,
    /// `--keep-free` with `--min-keep`: the oldest backups go before the
    /// file system holding them has less free space than this.
    #[serde(default)]
    pub room: Option<Room>,
    /// Run before each backup is deleted, by count or retention, with the
    /// backup as `$1` (`rotate --before-remove`, logrotate's preremove).
    #[serde(skip)]
    pub before_remove: Option<Hook>,
    /// Say each compression, deletion by retention and hook on stdout
    /// (`rotate -v`).
    #[serde(skip)]
    pub verbose: bool,
}

impl Default for Finishing {
    fn default() -> Finishing {
        Finishing {
            compress: None,
            compress_from: 1,
            max_total: None,
            max_backup_age: None,
            hook: None,
            room: None,
            before_remove: None,
            verbose: false,
        }
    }
}

impl Finishing {
    /// Whether any retention rule is on.
    pub fn retains(&self) -> bool {
        self.max_total.is_some() || self.max_backup_age.is_some()
    }
}

/// Whether a directory that other users can write is accepted when run
/// as root (`--insecure-dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirTrust {
    /// Refused, as logrotate does.
    #[default]
    OwnOnly,
    /// Accepted.
    Shared,
}

/// Everything the writer needs.
#[derive(Debug, Clone)]
pub struct WriteConfig {
    pub set: Naming,
    /// `--backup-dir`.
    pub backup_dir: Option<BackupDir>,
    pub policy: Policy,
    pub mode: OpenMode,
    pub partial_timeout: Duration,
    pub timestamp: Option<Format>,
    pub tee: bool,
    /// `--select` / `--deselect`, in the order given.
    pub rules: crate::select::Rules,
    pub rate_limit: Option<crate::select::RateLimit>,
    /// `--on-stall drop`: the buffer's size; `None`: block.
    pub drop_buffer: Option<usize>,
    pub fsync: Fsync,
    pub finishing: Finishing,
    /// `--date-of`: the time a date-named backup's name shows.
    pub date_of: crate::naming::DateOf,
    pub perm: Option<u32>,
    pub trust: DirTrust,
}

/// `rollover rotate`.
#[derive(Debug, Clone)]
pub struct RotateConfig {
    /// Paths or glob patterns, as given.
    pub paths: Vec<PathBuf>,
    /// `-c`; `None`: the live writer's, else [`DEFAULT_COUNT`].
    pub count: Option<u64>,
    pub when: Conditions,
    pub finishing: Finishing,
    /// The hooks around the rotations of the run's sets.
    pub around: Around,
    /// How the main file's contents become a backup (`--method`).
    pub method: Method,
    /// `--backup-names`; `None`: as the set's state says, else numbers.
    pub names: Option<Names>,
    /// `--padding`; `None`: as the set's state says, else padded.
    pub padding: Option<crate::naming::Padding>,
    /// `--date-of`: the time a date-named backup's name shows.
    pub date_of: crate::naming::DateOf,
    /// Owner and mode of a swapped-in main file (`--owner`, `--perm`).
    pub fresh: Fresh,
    pub missing_ok: bool,
    pub dry_run: bool,
    pub verbose: bool,
    pub timeout: Duration,
    pub trust: DirTrust,
    /// What to do when another tool holds a set's lock.
    pub on_busy: OnBusy,
    /// When logrotate last rotated each log, from the configuration's
    /// `logrotate-state`: the age origin of a set rollover has no record of.
    pub logrotate_state: Option<std::sync::Arc<crate::logrotate::LastRotated>>,
    /// Where the state of a set no writer keeps is kept (`--state-dir`).
    pub state_dir: Option<StateDir>,
    /// `--backup-dir`; `None`: as the set's state says, else beside it.
    pub backup_dir: Option<BackupDir>,
    /// `--extension`; `None`: as the set's state says.
    pub extension: Option<String>,
    /// `--su`: the identity the set's files are changed with, by the
    /// thread that rotates it (and finishes its backups).
    pub su: Option<crate::su::Su>,
}

/// The hooks `rotate` runs around its sets' rotations (logrotate's
/// prerotate, sharedscripts' postrotate, firstaction and lastaction), for
/// the sets of one command line or one configuration stanza.
#[derive(Debug, Clone, Default)]
pub struct Around {
    /// `--before-rotate` per set: before its rename, `$1` its main file.
    pub before: Option<Hook>,
    /// `--before-rotate` with `--on-rotate-once`: once, before the first
    /// rename, `$1` the paths as given.
    pub before_once: Option<Hook>,
    /// `--on-rotate-once`: once after all the sets, if any rotated.
    pub once: Option<Hook>,
    /// `--first-action`: once, before anything else, if any set is due.
    pub first: Option<Hook>,
    /// `--last-action`: once, after everything else, if any set rotated.
    pub last: Option<Hook>,
}

impl Around {
    /// Whether anything runs before the first rename, which needs to know
    /// first whether any set is due.
    pub fn before_any(&self) -> bool {
        self.first.is_some() || self.before_once.is_some()
    }
}

/// What `rotate` does with a set whose lock another tool holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBusy {
    /// Wait for it, up to `--timeout` (the command line).
    #[default]
    Wait,
    /// Skip the set with a warning (`rotate --config`: a second run never
    /// waits behind the first, nor runs beside it on a set).
    Skip,
}

/// `rollover rotate --config FILE`.
#[derive(Debug, Clone)]
pub struct ConfigRun {
    pub file: PathBuf,
    /// Sets rotated at once (`--jobs`).
    pub jobs: usize,
    pub dry_run: bool,
    pub verbose: bool,
    /// `--force`: every set named is rotated, whatever its conditions.
    pub force: bool,
    /// The sets to rotate, by their main files; empty: all.
    pub only: Vec<PathBuf>,
    /// `--state-dir`, over the file's `state-dir`.
    pub state_dir: Option<PathBuf>,
}

/// `rollover reset`.
#[derive(Debug, Clone)]
pub struct ResetConfig {
    pub sets: Vec<Naming>,
    pub timeout: Duration,
    pub trust: DirTrust,
    pub state_dir: Option<StateDir>,
}

/// `rollover status`.
#[derive(Debug, Clone)]
pub struct StatusConfig {
    /// Paths or glob patterns, as given.
    pub paths: Vec<PathBuf>,
    pub json: bool,
    pub state_dir: Option<StateDir>,
}

/// A time span: `--since` and `--until`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub since: Option<SystemTime>,
    pub until: Option<SystemTime>,
}

/// Where a member's time span falls against the span asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    Within,
    After,
}

impl Span {
    /// Where a member whose lines were written after `from` (the older
    /// member's last write; `None`: the oldest) and up to `to` (its own
    /// last write) falls.
    pub fn place(&self, (from, to): (Option<SystemTime>, SystemTime)) -> Side {
        if self.since.is_some_and(|s| to < s) {
            return Side::Before;
        }
        if let (Some(u), Some(f)) = (self.until, from)
            && f > u
        {
            return Side::After;
        }
        Side::Within
    }

    /// Whether a time is in the span.
    pub fn holds(&self, t: SystemTime) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }

    pub fn is_whole(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

/// `rollover cat`.
#[derive(Debug, Clone)]
pub struct CatConfig {
    pub path: PathBuf,
    pub span: Span,
    pub uncompress: Option<String>,
    pub state_dir: Option<StateDir>,
}

/// `rollover follow`.
#[derive(Debug, Clone)]
pub struct FollowConfig {
    pub path: PathBuf,
    /// `-n`: the main file's last lines printed first.
    pub lines: u64,
    pub checkpoint: Option<PathBuf>,
    pub rules: crate::select::Rules,
    pub uncompress: Option<String>,
    pub state_dir: Option<StateDir>,
}

/// One command, ready to run.
#[derive(Debug, Clone)]
pub enum Job {
    Write(WriteConfig),
    Rotate(RotateConfig),
    RotateConfigFile(ConfigRun),
    Reset(ResetConfig),
    Status(StatusConfig),
    /// `rollover import-logrotate [--state FILE] FILE...`.
    ImportLogrotate {
        files: Vec<PathBuf>,
        state: Option<PathBuf>,
    },
    Cat(CatConfig),
    Follow(FollowConfig),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_and_levels() {
        assert_eq!(Codec::parse("gzip"), Ok(Codec::Gzip(6)));
        assert_eq!(Codec::parse("gzip:9"), Ok(Codec::Gzip(9)));
        assert_eq!(Codec::parse("zstd"), Ok(Codec::Zstd(3)));
        assert_eq!(Codec::parse("zstd:19"), Ok(Codec::Zstd(19)));
        for bad in ["gzip:0", "gzip:10", "zstd:20", "xz", "zstd:", "gzip:x"] {
            assert!(
                Codec::parse(bad).unwrap_err().contains("invalid codec"),
                "{bad}"
            );
        }
    }
}
