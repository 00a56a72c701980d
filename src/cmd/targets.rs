//! From arguments to sets. A glob pattern is expanded to main files; an
//! argument that is a backup of a set whose main file exists (`app.log.1`
//! beside `app.log`, `app.1.log` beside `app.0.log`) is told from a set,
//! so that `rollover rotate logs/*` unquoted does what the quoted form
//! does; and `app.0.log` is recognised as the `%` set `app.%.log` wherever
//! that set has left its own files (its lock), so that both names mean one
//! set: one lock, one writer, one rotation.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use crate::naming::{CODECS, Naming, is_pattern, looks_like_backup};
use crate::state::{self, StateDir};

/// What one path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A set, by its names.
    Set(Naming),
    /// A backup of the set whose main file is `of`.
    Backup { of: PathBuf },
}

/// The sets a list of arguments names, each once, in the order first
/// named.
#[derive(Debug, Default)]
pub struct Targets {
    pub sets: Vec<Naming>,
    /// Backups given literally (a shell's expansion), with their main file.
    pub skipped: Vec<(PathBuf, PathBuf)>,
    /// Directories given literally (a shell's expansion of `logs/*`).
    pub directories: Vec<PathBuf>,
    /// Arguments that matched nothing (patterns only; a literal path is a
    /// set whether or not it exists).
    pub unmatched: Vec<PathBuf>,
    /// The names in each directory, as read once while resolving, in
    /// byte order.
    names: std::collections::HashMap<PathBuf, Vec<Vec<u8>>>,
}

impl Targets {
    /// The names of a directory as read while resolving, in byte order,
    /// if it was read.
    pub fn names_in(&self, dir: &Path) -> Option<&[Vec<u8>]> {
        self.names.get(dir).map(Vec::as_slice)
    }

    /// Hands over the names read, by directory.
    pub fn take_names(&mut self) -> std::collections::HashMap<PathBuf, Vec<Vec<u8>>> {
        std::mem::take(&mut self.names)
    }
}

/// Resolves every argument; a pattern that cannot be read is an error of
/// its own, and the others go on.
pub fn collect(args: &[PathBuf], state_dir: Option<&StateDir>) -> (Targets, Vec<anyhow::Error>) {
    let mut t = Targets::default();
    let mut errors = Vec::new();
    // Each directory is read once, however many of its files are named:
    // a pattern over 1,000 sets in one directory must not read it 1,000
    // times.
    let mut dirs = DirCache {
        state_dir: state_dir.cloned(),
        ..DirCache::default()
    };
    let mut seen = std::collections::HashSet::new();
    for arg in args {
        let pattern = is_pattern(arg);
        let paths = if pattern {
            match expand(arg) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        } else {
            vec![arg.clone()]
        };
        if paths.is_empty() {
            t.unmatched.push(arg.clone());
        }
        for path in paths {
            if !pattern && path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                t.directories.push(path);
                continue;
            }
            if let (false, Some(of)) = (pattern, dated_backup_of_arg(&path, args)) {
                t.skipped.push((path, of));
                continue;
            }
            match resolve_in(&path, &mut dirs) {
                Ok(Target::Set(n)) => {
                    if seen.insert(n.path().to_path_buf()) {
                        t.sets.push(n);
                    }
                }
                // A pattern never treats a backup as a set: no word needed.
                Ok(Target::Backup { .. }) if pattern => {}
                Ok(Target::Backup { of }) => t.skipped.push((path, of)),
                Err(e) => errors.push(e),
            }
        }
    }
    t.names = dirs
        .dirs
        .into_iter()
        .map(|(d, (mut names, _))| {
            names.sort_unstable();
            (d, names)
        })
        .collect();
    (t, errors)
}

/// The other argument whose date-named backup `path` is, by its name: that
/// argument's name and a date after `-`, `_` or `.` (at least 8 digits:
/// logrotate's dateext, `b.log-20261201`), with perhaps more digits and
/// separators and a codec's extension (`b.log-20261201-1733.gz`).
fn dated_backup_of_arg(path: &Path, args: &[PathBuf]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let name = path.file_name()?.as_bytes();
    let dir = path.parent();
    args.iter().find_map(|other| {
        let base = other.file_name()?.as_bytes();
        if other.parent() != dir || is_pattern(other) || base.len() >= name.len() {
            return None;
        }
        let rest = strip_codec(name.strip_prefix(base)?);
        let (sep, date) = rest.split_first()?;
        let digits = date.iter().take_while(|b| b.is_ascii_digit()).count();
        let dated = matches!(sep, b'-' | b'_' | b'.')
            && digits >= 8
            && date
                .iter()
                .all(|&b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
        dated.then(|| other.clone())
    })
}

/// The main files a pattern matches: never a backup shape (`NAME.N`,
/// `NAME.N.gz`), never a hidden file, never a directory.
fn expand(arg: &Path) -> Result<Vec<PathBuf>> {
    let text = arg
        .to_str()
        .ok_or_else(|| anyhow!("pattern {} is not valid UTF-8", arg.display()))?;
    let opts = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    for entry in glob::glob_with(text, opts).with_context(|| format!("invalid pattern {text}"))? {
        let path = entry.with_context(|| format!("cannot expand {text}"))?;
        let Some(name) = path.file_name() else {
            continue;
        };
        if looks_like_backup(name) || path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        out.push(path);
    }
    Ok(out)
}

/// The one set a path names (a backup named stands for its set), for
/// `cat` and `follow`; a path that is neither a set nor a backup of one is
/// an error.
pub fn one_set(path: &Path) -> Result<Naming> {
    match resolve(path)? {
        Target::Set(n) => Ok(n),
        Target::Backup { of } => match resolve(&of)? {
            Target::Set(n) => Ok(n),
            Target::Backup { .. } => anyhow::bail!("cannot read {}: not a set", path.display()),
        },
    }
}

/// What a path names: a set (a `%` one where `app.0.log` belongs to it),
/// or a backup of a set whose main file exists.
pub fn resolve(path: &Path) -> Result<Target> {
    resolve_in(path, &mut DirCache::default())
}

/// A directory's names, in order and as a set for lookups.
type Names = (Vec<Vec<u8>>, std::collections::HashSet<Vec<u8>>);

/// Directories' names, each read once.
#[derive(Default)]
struct DirCache {
    dirs: std::collections::HashMap<PathBuf, Names>,
    /// Where the state of sets no writer keeps is, which tells their
    /// date-named backups.
    state_dir: Option<StateDir>,
}

fn resolve_in(path: &Path, cache: &mut DirCache) -> Result<Target> {
    let naming = Naming::new(path).map_err(anyhow::Error::msg)?;
    if naming.is_percent() {
        return Ok(Target::Set(naming));
    }
    let name = naming.template().to_vec();
    // An unreadable directory: the path is taken as it is, and the command
    // reports the directory when it gets there.
    let state_dir = cache.state_dir.as_ref();
    let (entries, set) = cache
        .dirs
        .entry(naming.dir().to_path_buf())
        .or_insert_with(|| {
            let names = dir_names(naming.dir()).unwrap_or_default();
            let set = names.iter().cloned().collect();
            (names, set)
        });
    let entries: &[Vec<u8>] = entries;
    let has = |n: &[u8]| set.contains(n);
    if let Some(base) = plain_backup_base(&name)
        && has(base)
    {
        return Ok(Target::Backup {
            of: naming.in_dir(base),
        });
    }
    if let Some(main) = dated_backup_of(&naming, has, state_dir) {
        return Ok(Target::Backup {
            of: naming.in_dir(&main),
        });
    }
    let stem = strip_codec(&name);
    for &(start, end) in &digit_runs(stem) {
        // `mylog.1.foo` of `mylog.foo` whose backups go before `.foo`
        // (`--extension`), as its state says.
        if start > 0 && stem[start - 1] == b'.' {
            let main = [&stem[..start - 1], &stem[end..]].concat();
            let ext = recorded(&naming, &main, has, state_dir)
                .and_then(|bytes| state::extension_in(&bytes));
            if has(&main) && ext.is_some_and(|e| !e.is_empty() && stem[end..] == *e.as_bytes()) {
                return Ok(Target::Backup {
                    of: naming.in_dir(&main),
                });
            }
        }
        let template = [&stem[..start], b"%", &stem[end..]].concat();
        let Ok(t) = Naming::new(&naming.in_dir(&template)) else {
            continue;
        };
        // Only a set rollover has worked on counts: `node0.log` and
        // `node1.log` may well be two sets of their own.
        if !(has(&t.own_name("lock")) || has(&t.own_name("state"))) {
            continue;
        }
        if stem[start..end].iter().all(|&b| b == b'0') && stem.len() == name.len() {
            return Ok(Target::Set(t));
        }
        if let Some(main) = entries
            .iter()
            .find(|e| t.parse(e).is_some_and(|m| m.index == 0))
        {
            return Ok(Target::Backup {
                of: naming.in_dir(main),
            });
        }
    }
    Ok(Target::Set(naming))
}

/// The main file whose date-named backup `naming`'s file is: a set beside
/// it whose state says its backups are named by date, and whose names
/// read this one as a backup. Such a main file's name is a beginning of
/// this one's, so only those are looked up (longest first), never every
/// name of the directory.
fn dated_backup_of(
    naming: &Naming,
    has: impl Fn(&[u8]) -> bool,
    state_dir: Option<&StateDir>,
) -> Option<Vec<u8>> {
    let name = naming.template();
    for end in (1..name.len()).rev() {
        let main = &name[..end];
        // An unreadable state tells nothing: the other sets may.
        let Some(text) = recorded(naming, main, &has, state_dir) else {
            continue;
        };
        let Some(format) = state::dates_in(&text) else {
            continue;
        };
        let Ok(set) = Naming::new(&naming.in_dir(main)).and_then(|n| n.with_dates(Some(&format)))
        else {
            continue;
        };
        if set.parse_dated(name).is_some() {
            return Some(main.to_vec());
        }
    }
    None
}

/// The state recorded for the set whose main file is `main` (a name in
/// `naming`'s directory): beside it, else (for a main file that is there)
/// in the state directory.
fn recorded(
    naming: &Naming,
    main: &[u8],
    has: impl Fn(&[u8]) -> bool,
    state_dir: Option<&StateDir>,
) -> Option<Vec<u8>> {
    let state_name = [b".", main, b".rollover-state"].concat();
    if has(&state_name) {
        std::fs::read(naming.in_dir(&state_name)).ok()
    } else if has(main) {
        state_dir.and_then(|d| d.read_for(&naming.in_dir(main)))
    } else {
        None
    }
}

fn dir_names(dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    use std::os::unix::ffi::OsStrExt;
    std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().as_bytes().to_vec()))
        .collect()
}

/// `NAME` of a `NAME.N` or `NAME.N.codec` name.
fn plain_backup_base(name: &[u8]) -> Option<&[u8]> {
    let stem = strip_codec(name);
    let dot = stem.iter().rposition(|&b| b == b'.')?;
    let digits = &stem[dot + 1..];
    let number = !digits.is_empty() && digits.iter().all(u8::is_ascii_digit);
    (dot > 0 && number && digits.iter().any(|&b| b != b'0')).then_some(&stem[..dot])
}

/// A name without its codec extension, if it has one.
fn strip_codec(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b'.') {
        Some(dot) if CODECS.iter().any(|c| c.as_bytes() == &name[dot + 1..]) => &name[..dot],
        _ => name,
    }
}

/// The maximal runs of ASCII digits in a name, as (start, end).
fn digit_runs(name: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < name.len() {
        if name[i].is_ascii_digit() {
            let start = i;
            while i < name.len() && name[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(names: &[&str]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for n in names {
            std::fs::write(d.path().join(n), b"x\n").unwrap();
        }
        d
    }

    fn set(d: &tempfile::TempDir, template: &str) -> Target {
        Target::Set(Naming::new(&d.path().join(template)).unwrap())
    }

    #[test]
    fn plain_backups_beside_their_main_file() {
        let d = dir_with(&["app.log", "app.log.1", "app.log.02.gz", "lone.log.3"]);
        let r = |n: &str| resolve(&d.path().join(n)).unwrap();
        let of = Target::Backup {
            of: d.path().join("app.log"),
        };
        assert_eq!(r("app.log.1"), of);
        assert_eq!(r("app.log.02.gz"), of);
        assert_eq!(r("app.log"), set(&d, "app.log"));
        // No main file beside it: a set of its own, as named.
        assert_eq!(r("lone.log.3"), set(&d, "lone.log.3"));
    }

    #[test]
    fn percent_sets_by_their_lock() {
        let d = dir_with(&[
            "app.0.log",
            "app.1.log",
            "app.2.log.gz",
            ".app.%.log.rollover-lock",
            "node0.log",
            "node1.log",
        ]);
        let r = |n: &str| resolve(&d.path().join(n)).unwrap();
        assert_eq!(r("app.0.log"), set(&d, "app.%.log"));
        assert_eq!(r("app.00.log"), set(&d, "app.%.log"));
        let of = Target::Backup {
            of: d.path().join("app.0.log"),
        };
        assert_eq!(r("app.1.log"), of);
        assert_eq!(r("app.2.log.gz"), of);
        // No rollover history: two sets of their own.
        assert_eq!(r("node0.log"), set(&d, "node0.log"));
        assert_eq!(r("node1.log"), set(&d, "node1.log"));
    }

    #[test]
    fn collect_names_each_set_once_and_reports_literal_backups() {
        let d = dir_with(&["app.log", "app.log.1", "app.0.log", "app.1.log"]);
        std::fs::write(d.path().join(".app.%.log.rollover-lock"), b"").unwrap();
        let p = |n: &str| d.path().join(n);
        let args = [
            p("app.log"),
            p("app.log.1"),
            p("app.0.log"),
            p("app.1.log"),
            p("*.log"),
        ];
        let (t, errors) = collect(&args, None);
        assert!(errors.is_empty());
        assert_eq!(t.sets.len(), 2, "{:?}", t.sets);
        assert_eq!(
            t.skipped,
            [
                (p("app.log.1"), p("app.log")),
                (p("app.1.log"), p("app.0.log"))
            ]
        );
    }
}
