//! The configuration file for cron, `rotate --config FILE`: TOML whose
//! keys are `rotate`'s long option names. `[defaults]` apply to every
//! `[[set]]`; `include` globs read more files, whose own `[defaults]`
//! cover only themselves. Each stanza becomes a [`Stanza`]: its paths and
//! the [`RotateConfig`] they are rotated with. Every error names the file,
//! the line and the key, and a file with an error rotates nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use std::ffi::OsString;
use std::sync::Arc;

use clap::error::{ContextKind, ContextValue};

use crate::cli;
use crate::config::RotateConfig;
use crate::fileset::{is_root, writable_by_others};
use crate::logrotate::{self, LastRotated};
use crate::messages;

/// One `[[set]]`, ready to rotate.
#[derive(Debug, Clone)]
pub struct Stanza {
    /// `FILE:LINE` of its `[[set]]`, for messages.
    pub place: String,
    /// Its `paths` as written, joined by spaces (`$1` of a once hook).
    pub written: String,
    /// The effective settings, `key=value` in the order they were given,
    /// for `--dry-run -v`.
    pub settings: String,
    /// The settings as `rotate`'s parser made them; `paths` are resolved
    /// against the file's directory.
    pub rotate: RotateConfig,
}

/// Keys of `rotate`'s command line that are not a set's settings: they
/// belong to the run (`rotate --config FILE --dry-run -v`).
pub const NOT_KEYS: &[&str] = &[
    "config",
    "jobs",
    "force",
    "dry-run",
    "verbose",
    "help",
    "state-dir",
];

/// One key as written: its value as the text of an option, and where it
/// was written.
#[derive(Debug, Clone)]
struct Setting {
    key: String,
    /// `None`: a flag (`--missing-ok`) that is on.
    value: Option<String>,
    file: PathBuf,
    line: usize,
}

impl Setting {
    fn error(&self, what: impl std::fmt::Display) -> anyhow::Error {
        anyhow::anyhow!(
            "{}:{}: {}: {what}",
            self.file.display(),
            self.line,
            self.key
        )
    }
}

/// Settings as written, in order: a stanza's override its file's
/// `[defaults]`, which override the main file's. A key set to `false`
/// is removed, so that a stanza can turn off what a default turned on.
#[derive(Debug, Clone, Default)]
struct Settings(Vec<(String, Option<Setting>)>);

impl Settings {
    /// These settings over `base`.
    fn over(self, base: &Settings) -> Settings {
        let mut out = base.clone();
        for (key, s) in self.0 {
            match out.0.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = s,
                None => out.0.push((key, s)),
            }
        }
        out
    }

    fn given(&self) -> impl Iterator<Item = &Setting> {
        self.0.iter().filter_map(|(_, s)| s.as_ref())
    }

    /// `rotate`'s arguments for these settings and `paths`.
    fn args(&self, paths: &[PathBuf]) -> Vec<OsString> {
        let mut args: Vec<OsString> = self
            .given()
            .map(|s| match &s.value {
                None => format!("--{}", s.key).into(),
                Some(v) => format!("--{}={v}", s.key).into(),
            })
            .collect();
        args.push("--".into());
        args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        args
    }

    /// `key=value ...`, for `--dry-run -v`.
    fn describe(&self) -> String {
        self.given()
            .map(|s| match &s.value {
                None => s.key.clone(),
                Some(v) if v.contains(|c: char| c.is_whitespace() || c == '"') => {
                    format!("{}={v:?}", s.key)
                }
                Some(v) => format!("{}={v}", s.key),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses these settings for `paths` with `rotate`'s own parser; an
    /// error names the file, the line and the key that caused it.
    fn parse(&self, paths: &[PathBuf], place: &str) -> Result<RotateConfig> {
        let err = match cli::parse_set(&self.args(paths)) {
            Ok(cfg) => return Ok(cfg),
            Err(e) => e,
        };
        let what = clap_message(&err);
        // The option clap names, where it names one of ours; else the
        // setting without which the stanza parses (a `requires`).
        let named = err.get(ContextKind::InvalidArg).and_then(|v| match v {
            ContextValue::String(s) => Some(s.clone()),
            _ => None,
        });
        let key = named.as_deref().and_then(|a| {
            let long = a.strip_prefix("--")?;
            Some(long.split([' ', '=']).next().unwrap_or(long).to_string())
        });
        if let Some(s) = self.given().find(|s| Some(&s.key) == key.as_ref()) {
            return Err(s.error(what));
        }
        for s in self.given() {
            let mut without = self.clone();
            without.0.retain(|(k, _)| *k != s.key);
            if cli::parse_set(&without.args(paths)).is_ok() {
                return Err(s.error(what));
            }
        }
        Err(anyhow::anyhow!("{place}: {what}"))
    }
}

/// What a clap error says, in one line, without its `error:` and usage.
fn clap_message(err: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(err) {
        return source.to_string();
    }
    match (
        err.kind(),
        err.get(ContextKind::InvalidValue),
        err.get(ContextKind::ValidValue),
    ) {
        (
            clap::error::ErrorKind::InvalidValue,
            Some(ContextValue::String(v)),
            Some(ContextValue::Strings(valid)),
        ) => format!("'{v}' is not one of {}", valid.join(", ")),
        (clap::error::ErrorKind::MissingRequiredArgument, _, _) => {
            let missing = match err.get(ContextKind::InvalidArg) {
                // `--max-size <SIZE>`, or a group's
                // `<--on-rotate <COMMAND>|--before-rotate <COMMAND>>`.
                Some(ContextValue::Strings(v)) => v
                    .iter()
                    .map(|arg| {
                        arg.strip_prefix('<')
                            .and_then(|a| a.strip_suffix('>'))
                            .unwrap_or(arg)
                            .split('|')
                            .map(|a| {
                                let a = a.trim_start_matches('-');
                                a.split(' ').next().unwrap_or(a).to_string()
                            })
                            .collect::<Vec<_>>()
                            .join(" or ")
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => String::new(),
            };
            format!("needs {missing}")
        }
        _ => {
            let text = err.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            first.strip_prefix("error: ").unwrap_or(first).to_string()
        }
    }
}

/// One file being read: its path and text, for locations.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn line(&self, at: usize) -> usize {
        self.text[..at.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    /// An error at a span: `FILE:LINE: KEY: WHAT`.
    fn error(&self, at: usize, key: &str, what: impl std::fmt::Display) -> anyhow::Error {
        anyhow::anyhow!("{}:{}: {key}: {what}", self.path.display(), self.line(at))
    }

    /// The TOML document; a syntax error names the file, the line and,
    /// where it can, the key.
    fn parse(&self) -> Result<Spanned<DeTable<'_>>> {
        DeTable::parse(self.text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            let key = key_on_line(self.text, at);
            // A mode written as a bare number (`perm = 0640`) is no TOML.
            let hint = match key {
                Some(k) if k.ends_with("perm") => "; write the mode as a string: \"0640\"",
                _ => "",
            };
            let key = key.map_or_else(String::new, |k| format!("{k}: "));
            anyhow::anyhow!(
                "{}:{}: {key}{}{hint}",
                self.path.display(),
                self.line(at),
                e.message().trim_end()
            )
        })
    }

    fn place(&self, at: usize) -> String {
        format!("{}:{}", self.path.display(), self.line(at))
    }
}

/// Reads a configuration file and the files it includes.
pub fn load(path: &Path) -> Result<Vec<Stanza>> {
    let mut stanzas = Vec::new();
    let mut top = Top::default();
    read(
        path,
        &Settings::default(),
        true,
        &mut stanzas,
        &mut Vec::new(),
        &mut top,
    )?;
    check_literal_paths(&stanzas)?;
    for s in &mut stanzas {
        s.rotate.logrotate_state.clone_from(&top.last_rotated);
        if let Some(d) = &top.state_dir {
            s.rotate.state_dir = Some(crate::config::StateDir(d.clone()));
        }
    }
    Ok(stanzas)
}

/// The main file's top-level keys besides its sets, for every set.
#[derive(Default)]
struct Top {
    /// `logrotate-state`, read.
    last_rotated: Option<Arc<LastRotated>>,
    /// `state-dir`.
    state_dir: Option<PathBuf>,
}

/// Reads one file: its `[defaults]` over `inherited`, then its stanzas;
/// includes (main file only) are read in place, in sorted order.
fn read(
    path: &Path,
    inherited: &Settings,
    main: bool,
    out: &mut Vec<Stanza>,
    seen: &mut Vec<PathBuf>,
    top: &mut Top,
) -> Result<()> {
    let real =
        std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
    if seen.contains(&real) {
        bail!("{}: included twice (an include loop?)", path.display());
    }
    seen.push(real.clone());
    check_trusted(path)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let src = Source { path, text: &text };
    let doc = src.parse()?;
    // Paths are relative to the directory of the file that names them;
    // they are made absolute, so that one set has one name whichever
    // file or spelling names it.
    let dir = real
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);

    let mut defaults = inherited.clone();
    let mut logrotate_state = None;
    let mut includes = Vec::new();
    let mut sets = Vec::new();
    for (key, value) in doc.get_ref() {
        let at = key.span().start;
        match key.get_ref().as_ref() {
            "defaults" => {
                let table = as_table(&src, "defaults", value)?;
                if let Some((k, _)) = table.get_key_value("paths") {
                    return Err(src.error(
                        k.span().start,
                        "paths",
                        "belongs in a [[set]], not in [defaults]",
                    ));
                }
                defaults = settings(&src, table)?.over(inherited);
                // Checked here too, so that a bad default is an error even
                // in a file whose stanzas all override it.
                defaults.parse(&[PathBuf::from("x")], &src.place(at))?;
            }
            "include" if !main => {
                return Err(src.error(
                    at,
                    "include",
                    "only the main configuration file may include others",
                ));
            }
            "include" => includes = strings(&src, "include", value)?,
            "state-dir" if main => {
                let (d, _) = strings(&src, "state-dir", value)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| src.error(at, "state-dir", "names no directory"))?;
                top.state_dir = Some(dir.join(d));
            }
            "logrotate-state" if main => {
                let (file, _) = strings(&src, "logrotate-state", value)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| src.error(at, "logrotate-state", "names no file"))?;
                logrotate_state = Some(read_logrotate_state(&dir.join(file)));
            }
            "set" => match value.get_ref() {
                DeValue::Array(items) => sets.extend(items.iter()),
                _ => return Err(src.error(value.span().start, "set", "write each set as [[set]]")),
            },
            other => {
                let top = ["include", "defaults", "set", "logrotate-state", "state-dir"];
                return Err(unknown(&src, at, other, &top));
            }
        }
    }
    for item in sets {
        out.push(stanza(&src, &dir, item, &defaults)?);
    }
    if let Some(last) = logrotate_state {
        // The main file's, read first: every set of every file is told.
        top.last_rotated = Some(last);
    }
    for (pattern, at) in includes {
        let full = dir.join(&pattern);
        let text = full.to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = glob::glob(&text)
            .map_err(|e| src.error(at, "include", format!("bad pattern '{pattern}': {e}")))?
            .filter_map(Result::ok)
            .collect();
        files.sort();
        for f in files {
            read(&f, &defaults, false, out, seen, top)?;
        }
    }
    Ok(())
}

/// One `[[set]]`: its paths, made absolute against `dir`, and its
/// settings over `defaults`, parsed by `rotate`'s parser.
fn stanza(
    src: &Source,
    dir: &Path,
    item: &Spanned<DeValue>,
    defaults: &Settings,
) -> Result<Stanza> {
    let table = as_table(src, "set", item)?;
    let Some((pkey, pvalue)) = table.get_key_value("paths") else {
        return Err(src.error(
            item.span().start,
            "paths",
            "every [[set]] needs paths = [\"...\"]",
        ));
    };
    let written = strings(src, "paths", pvalue)?;
    if written.is_empty() {
        return Err(src.error(pkey.span().start, "paths", "is empty"));
    }
    let paths: Vec<PathBuf> = written.iter().map(|(p, _)| clean(&dir.join(p))).collect();
    let joined = written
        .iter()
        .map(|(p, _)| p.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let place = src.place(item.span().start);
    let effective = settings(src, table)?.over(defaults);
    Ok(Stanza {
        rotate: effective.parse(&paths, &place)?,
        settings: effective.describe(),
        written: joined,
        place,
    })
}

/// logrotate's state, for the sets rollover has no record of yet; one that
/// cannot be read is a warning (after the first nights it no longer
/// matters), and those sets count their age from their birth.
fn read_logrotate_state(path: &Path) -> Arc<LastRotated> {
    Arc::new(logrotate::read_state(path).unwrap_or_else(|e| {
        messages::warn(&format!(
            "{e:#}; sets rollover has no record of count their age from their birth"
        ));
        LastRotated::new()
    }))
}

/// The key a TOML line sets (`max-size = ...`), for a syntax error's
/// message.
fn key_on_line(text: &str, at: usize) -> Option<&str> {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then_some(key)
}

/// A path with `.` and `..` components resolved by name, as a person
/// reads them (`/etc/rollover.d/../logs` is `/etc/logs`).
fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Run as root, a configuration file that another user can write is
/// refused, as logrotate does: it could make root rotate, delete or run
/// anything.
fn check_trusted(path: &Path) -> Result<()> {
    if !is_root() {
        return Ok(());
    }
    let st = rustix::fs::stat(path).with_context(|| format!("cannot stat {}", path.display()))?;
    let why = match writable_by_others(st.st_mode, st.st_gid) {
        _ if st.st_uid != 0 => format!("it is owned by uid {}", st.st_uid),
        Some(who) => format!("it is writable by {who}"),
        None => return Ok(()),
    };
    bail!(
        "refusing {}: {why}; a configuration that another user can write would let them run commands as root",
        path.display()
    )
}

/// A literal path (no pattern) claimed by two stanzas is an error.
fn check_literal_paths(stanzas: &[Stanza]) -> Result<()> {
    let mut seen: Vec<(&Path, &str)> = Vec::new();
    for s in stanzas {
        for p in &s.rotate.paths {
            if crate::naming::is_pattern(p) {
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(q, _)| *q == p.as_path()) {
                bail!(
                    "{}: paths: {} is also named at {first}; a set belongs to one stanza",
                    s.place,
                    p.display()
                );
            }
            seen.push((p, &s.place));
        }
    }
    Ok(())
}

type Table<'i> = DeTable<'i>;

fn as_table<'a, 'i>(src: &Source, key: &str, v: &'a Spanned<DeValue<'i>>) -> Result<&'a Table<'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Ok(t),
        _ => Err(src.error(v.span().start, key, "must be a table")),
    }
}

/// logrotate's directives that people write as keys, and the key that
/// says the same here.
const LOGROTATE_WORDS: &[(&str, &str)] = &[
    ("rotate", "max-count"),
    ("size", "max-size"),
    ("maxsize", "max-size"),
    ("maxage", "max-backup-age"),
    ("missingok", "missing-ok"),
    ("postrotate", "on-rotate"),
    ("sharedscripts", "on-rotate-once"),
    ("create", "perm' and 'owner"),
    ("dateext", "backup-names = \"date:-%Y%m%d\""),
    ("daily", "every = \"day\""),
    ("weekly", "every = \"week\""),
    ("monthly", "every = \"month\""),
    ("hourly", "every = \"hour\""),
];

/// An unknown key: the nearest known one (or the rollover word for a
/// logrotate directive) as a suggestion.
fn unknown(src: &Source, at: usize, key: &str, keys: &[&str]) -> anyhow::Error {
    let command = cli::set_command();
    let longs: Vec<&str> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !NOT_KEYS.contains(l))
        .chain(["paths"])
        .collect();
    let logrotate = LOGROTATE_WORDS.iter().find(|(w, _)| *w == key);
    let near = keys
        .iter()
        .chain(&longs)
        .find(|k| strsim::levenshtein(key, k) <= 2);
    let hint = match (logrotate, near) {
        (Some((_, ours)), _) => format!("; logrotate's '{key}' is '{ours}' here"),
        (None, Some(k)) => format!("; did you mean '{k}'?"),
        (None, None) if key.contains('_') => {
            format!("; keys are written with '-': '{}'", key.replace('_', "-"))
        }
        (None, None) => "; the keys are rotate's long option names".into(),
    };
    src.error(at, key, format!("unknown key{hint}"))
}

/// A list of strings (or one string), with where each was written.
fn strings(src: &Source, key: &str, v: &Spanned<DeValue>) -> Result<Vec<(String, usize)>> {
    match v.get_ref() {
        DeValue::String(s) => Ok(vec![(s.to_string(), v.span().start)]),
        DeValue::Array(items) => items
            .iter()
            .map(|i| match i.get_ref() {
                DeValue::String(s) => Ok((s.to_string(), i.span().start)),
                _ => Err(src.error(i.span().start, key, "must be a list of strings")),
            })
            .collect(),
        _ => Err(src.error(v.span().start, key, "must be a list of strings")),
    }
}

/// The settings a table holds, each checked against `rotate`'s options:
/// a key is a long option's name, a flag's value `true` or `false`, an
/// option's value a string (a number may stand bare).
fn settings(src: &Source, table: &Table) -> Result<Settings> {
    let command = cli::set_command();
    let mut out = Settings::default();
    for (key, value) in table {
        let name: &str = key.get_ref().as_ref();
        if name == "paths" {
            continue;
        }
        let at = value.span().start;
        let arg = command
            .get_arguments()
            .find(|a| a.get_long() == Some(name) && !NOT_KEYS.contains(&name));
        let Some(arg) = arg else {
            return Err(unknown(src, key.span().start, name, &[]));
        };
        let err = |what: &str| src.error(at, name, what);
        let flag = !arg.get_action().takes_values();
        let text = match (value.get_ref(), flag) {
            (DeValue::Boolean(b), true) => b.then_some(None),
            (_, true) => return Err(err("must be true or false")),
            // `compress = true` is gzip at its default level.
            (DeValue::Boolean(true), false) if name == "compress" => Some(Some("gzip".into())),
            (DeValue::Boolean(false), false) => None,
            (DeValue::String(t), false) => Some(Some(t.to_string())),
            (DeValue::Integer(_), false) if name == "perm" => {
                return Err(err(
                    "write the mode as a string, e.g. \"0640\" (a TOML number is decimal)",
                ));
            }
            (DeValue::Integer(i), false) => Some(Some(i.as_str().replace('_', ""))),
            (DeValue::Float(f), false) => Some(Some(f.as_str().replace('_', ""))),
            (_, false) => return Err(err("must be a string")),
        };
        let setting = text.map(|value| Setting {
            key: name.to_string(),
            value,
            file: src.path.to_path_buf(),
            line: src.line(at),
        });
        out.0.push((name.to_string(), setting));
    }
    Ok(out)
}
