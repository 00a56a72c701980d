//! The configuration file for cron, `rotate --config FILE`: TOML whose
//! keys are `rotate`'s long option names. `[defaults]` apply to every
//! `[[set]]`; `include` globs read more files, whose own `[defaults]`
//! cover only themselves. Each stanza becomes a [`Stanza`]: its paths and
//! the [`RotateConfig`] they are rotated with. Every error names the file,
//! the line and the key, and a file with an error rotates nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::config::{Conditions, DirTrust, Finishing, Hook, OnBusy, RotateConfig};
use crate::plan::{Fresh, Method};
use crate::policy::Every;
use crate::units::{self, Owner};

/// One `[[set]]`, ready to rotate.
#[derive(Debug, Clone)]
pub struct Stanza {
    /// `FILE:LINE` of its `[[set]]`, for messages.
    pub place: String,
    /// Its `paths` as written, joined by spaces (`$1` of a once hook).
    pub written: String,
    /// The effective settings; `paths` are resolved against the file's
    /// directory.
    pub rotate: RotateConfig,
    /// `on-rotate-once`: the hook that runs once after all its sets.
    pub once: Option<Hook>,
}

/// The keys a table may hold, for the unknown-key message.
const KEYS: &[&str] = &[
    "paths",
    "max-count",
    "max-size",
    "max-age",
    "every",
    "compress",
    "compress-from",
    "max-total",
    "max-backup-age",
    "on-rotate",
    "on-rotate-once",
    "hook-timeout",
    "method",
    "backup-names",
    "owner",
    "perm",
    "missing-ok",
    "timeout",
    "insecure-dir",
];

/// Settings as written: every one optional, so a stanza's override its
/// file's `[defaults]`, which override the main file's.
#[derive(Debug, Clone, Default)]
struct Settings {
    count: Option<u64>,
    max_size: Option<u64>,
    max_age: Option<Duration>,
    every: Option<Every>,
    compress: Option<Option<crate::config::Codec>>,
    compress_from: Option<u64>,
    max_total: Option<u64>,
    max_backup_age: Option<Duration>,
    on_rotate: Option<String>,
    once: Option<bool>,
    hook_timeout: Option<Duration>,
    method: Option<Method>,
    names: Option<crate::config::Names>,
    owner: Option<Owner>,
    perm: Option<u32>,
    missing_ok: Option<bool>,
    timeout: Option<Duration>,
    insecure_dir: Option<bool>,
}

impl Settings {
    /// These settings over `base`.
    fn over(self, base: &Settings) -> Settings {
        let b = base.clone();
        Settings {
            count: self.count.or(b.count),
            max_size: self.max_size.or(b.max_size),
            max_age: self.max_age.or(b.max_age),
            every: self.every.or(b.every),
            compress: self.compress.or(b.compress),
            compress_from: self.compress_from.or(b.compress_from),
            max_total: self.max_total.or(b.max_total),
            max_backup_age: self.max_backup_age.or(b.max_backup_age),
            on_rotate: self.on_rotate.or(b.on_rotate),
            once: self.once.or(b.once),
            hook_timeout: self.hook_timeout.or(b.hook_timeout),
            method: self.method.or(b.method),
            names: self.names.or(b.names),
            owner: self.owner.or(b.owner),
            perm: self.perm.or(b.perm),
            missing_ok: self.missing_ok.or(b.missing_ok),
            timeout: self.timeout.or(b.timeout),
            insecure_dir: self.insecure_dir.or(b.insecure_dir),
        }
    }

    /// The `rotate` configuration these settings make, for `paths`.
    fn into_stanza(self, paths: Vec<PathBuf>, written: String, place: String) -> Stanza {
        let hook = self.on_rotate.map(|command| Hook {
            command,
            timeout: self.hook_timeout.unwrap_or(Duration::from_secs(600)),
        });
        let once = self.once.unwrap_or(false);
        let (hook, once) = if once { (None, hook) } else { (hook, None) };
        Stanza {
            place,
            written,
            once,
            rotate: RotateConfig {
                paths,
                count: self.count,
                when: Conditions {
                    min_size: self.max_size,
                    min_age: self.max_age.filter(|d| !d.is_zero()),
                    every: self.every,
                },
                finishing: Finishing {
                    compress: self.compress.flatten(),
                    compress_from: self.compress_from.unwrap_or(1).max(1),
                    max_total: self.max_total.filter(|&t| t > 0),
                    max_backup_age: self.max_backup_age,
                    hook,
                },
                method: self.method.unwrap_or_default(),
                names: self.names,
                fresh: Fresh {
                    uid: self.owner.map(|o| o.uid),
                    gid: self.owner.map(|o| o.gid),
                    mode: self.perm,
                },
                missing_ok: self.missing_ok.unwrap_or(false),
                dry_run: false,
                verbose: false,
                timeout: self.timeout.unwrap_or(Duration::from_secs(10)),
                trust: if self.insecure_dir.unwrap_or(false) {
                    DirTrust::Shared
                } else {
                    DirTrust::OwnOnly
                },
                on_busy: OnBusy::Skip,
            },
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

    fn place(&self, at: usize) -> String {
        format!("{}:{}", self.path.display(), self.line(at))
    }
}

/// Reads a configuration file and the files it includes.
pub fn load(path: &Path) -> Result<Vec<Stanza>> {
    let mut stanzas = Vec::new();
    read(
        path,
        &Settings::default(),
        true,
        &mut stanzas,
        &mut Vec::new(),
    )?;
    check_literal_paths(&stanzas)?;
    Ok(stanzas)
}

/// Reads one file: its `[defaults]` over `inherited`, then its stanzas;
/// includes (main file only) are read in place, in sorted order.
fn read(
    path: &Path,
    inherited: &Settings,
    main: bool,
    out: &mut Vec<Stanza>,
    seen: &mut Vec<PathBuf>,
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
    let doc = DeTable::parse(&text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        let key = key_on_line(&text, at).map_or_else(String::new, |k| format!("{k}: "));
        anyhow::anyhow!(
            "{}:{}: {key}{}",
            path.display(),
            src.line(at),
            e.message().trim_end()
        )
    })?;
    // Paths are relative to the directory of the file that names them;
    // they are made absolute, so that one set has one name whichever
    // file or spelling names it.
    let dir = real
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);

    let mut defaults = inherited.clone();
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
            }
            "include" if !main => {
                return Err(src.error(
                    at,
                    "include",
                    "only the main configuration file may include others",
                ));
            }
            "include" => includes = strings(&src, "include", value)?,
            "set" => match value.get_ref() {
                DeValue::Array(items) => sets.extend(items.iter()),
                _ => return Err(src.error(value.span().start, "set", "write each set as [[set]]")),
            },
            other => return Err(unknown(&src, at, other, &["include", "defaults", "set"])),
        }
    }
    for item in sets {
        let table = as_table(&src, "set", item)?;
        let Some((pkey, pvalue)) = table.get_key_value("paths") else {
            return Err(src.error(
                item.span().start,
                "paths",
                "every [[set]] needs paths = [\"...\"]",
            ));
        };
        let written = strings(&src, "paths", pvalue)?;
        if written.is_empty() {
            return Err(src.error(pkey.span().start, "paths", "is empty"));
        }
        let paths = written.iter().map(|(p, _)| clean(&dir.join(p))).collect();
        let joined = written
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let own = settings(&src, table)?;
        if let (Some(true), None, None, Some((k, _))) = (
            own.once,
            &own.on_rotate,
            &defaults.on_rotate,
            table.get_key_value("on-rotate-once"),
        ) {
            return Err(src.error(
                k.span().start,
                "on-rotate-once",
                "needs an on-rotate command",
            ));
        }
        out.push(
            own.over(&defaults)
                .into_stanza(paths, joined, src.place(item.span().start)),
        );
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
            read(&f, &defaults, false, out, seen)?;
        }
    }
    Ok(())
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
    if !crate::fileset::is_root() {
        return Ok(());
    }
    let st = rustix::fs::stat(path).with_context(|| format!("cannot stat {}", path.display()))?;
    let others = st.st_mode & 0o002 != 0 || (st.st_mode & 0o020 != 0 && st.st_gid != 0);
    if st.st_uid != 0 || others {
        bail!(
            "refusing {}: {}; a configuration that another user can write would let them run commands as root",
            path.display(),
            if st.st_uid != 0 {
                format!("it is owned by uid {}", st.st_uid)
            } else {
                "it is writable by other users".to_string()
            }
        );
    }
    Ok(())
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

fn unknown(src: &Source, at: usize, key: &str, keys: &[&str]) -> anyhow::Error {
    let near = keys
        .iter()
        .chain(KEYS)
        .find(|k| strsim::levenshtein(key, k) <= 2);
    let hint = match near {
        Some(k) => format!("; did you mean '{k}'?"),
        None if key.contains('_') => {
            format!("; keys are written with '-': '{}'", key.replace('_', "-"))
        }
        None => "; the keys are rotate's long option names".into(),
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

/// The settings a table holds.
fn settings(src: &Source, table: &Table) -> Result<Settings> {
    let mut s = Settings::default();
    for (key, value) in table {
        let name: &str = key.get_ref().as_ref();
        let at = value.span().start;
        let err = |what: String| src.error(at, name, what);
        let text = || -> Result<String> {
            match value.get_ref() {
                DeValue::String(t) => Ok(t.to_string()),
                DeValue::Integer(i) => Ok(i.as_str().replace('_', "")),
                _ => Err(err("must be a string".into())),
            }
        };
        let flag = || -> Result<bool> {
            match value.get_ref() {
                DeValue::Boolean(b) => Ok(*b),
                _ => Err(err("must be true or false".into())),
            }
        };
        let num = |t: &str| -> Result<u64> {
            t.parse::<u64>()
                .map_err(|_| err(format!("'{t}' is not a whole number")))
        };
        match name {
            "paths" => {}
            "max-count" => s.count = Some(num(&text()?)?),
            "max-size" => s.max_size = Some(units::parse_size(&text()?).map_err(err)?),
            "max-age" => s.max_age = Some(units::parse_duration(&text()?).map_err(err)?),
            "every" => {
                s.every = Some(match text()?.as_str() {
                    "hour" => Every::Hour,
                    "day" => Every::Day,
                    "week" => Every::Week,
                    "month" => Every::Month,
                    t => return Err(err(format!("'{t}' is not hour, day, week or month"))),
                })
            }
            "compress" => {
                s.compress = Some(match value.get_ref() {
                    DeValue::Boolean(false) => None,
                    DeValue::Boolean(true) => Some(crate::config::Codec::Gzip(6)),
                    _ => Some(units::parse_codec(&text()?).map_err(err)?),
                })
            }
            "compress-from" => s.compress_from = Some(num(&text()?)?.max(1)),
            "max-total" => s.max_total = Some(units::parse_size(&text()?).map_err(err)?),
            "max-backup-age" => {
                s.max_backup_age = Some(units::parse_duration(&text()?).map_err(err)?)
            }
            "on-rotate" => {
                s.on_rotate = match value.get_ref() {
                    DeValue::String(t) => Some(t.to_string()),
                    _ => return Err(err("must be a string (a command for /bin/sh -c)".into())),
                }
            }
            "on-rotate-once" => s.once = Some(flag()?),
            "hook-timeout" => s.hook_timeout = Some(units::parse_duration(&text()?).map_err(err)?),
            "method" => {
                s.method = Some(match text()?.as_str() {
                    "rename" => Method::Rename,
                    "collapse" => Method::Collapse,
                    "copytruncate" => Method::CopyTruncate,
                    t => {
                        return Err(err(format!(
                            "'{t}' is not rename, collapse or copytruncate"
                        )));
                    }
                })
            }
            "backup-names" => s.names = Some(units::parse_names(&text()?).map_err(err)?),
            "owner" => s.owner = Some(units::parse_owner(&text()?).map_err(err)?),
            "perm" => {
                s.perm = Some(match value.get_ref() {
                    DeValue::String(t) => units::parse_perm(t).map_err(err)?,
                    _ => return Err(err("write the mode as a string, e.g. \"0640\"".into())),
                })
            }
            "missing-ok" => s.missing_ok = Some(flag()?),
            "timeout" => s.timeout = Some(units::parse_duration(&text()?).map_err(err)?),
            "insecure-dir" => s.insecure_dir = Some(flag()?),
            other => return Err(unknown(src, key.span().start, other, &[])),
        }
    }
    Ok(s)
}

/// A set's effective settings, one line, for `--dry-run -v`.
pub fn describe(cfg: &RotateConfig, once: Option<&Hook>) -> String {
    let mut v = vec![match cfg.count {
        Some(c) => format!("max-count={c}"),
        None => "max-count=(last writer's, else 5)".into(),
    }];
    if let Some(s) = cfg.when.min_size {
        v.push(format!("max-size={}", units::human_size(s)));
    }
    if let Some(a) = cfg.when.min_age {
        v.push(format!("max-age={}", humantime::format_duration(a)));
    }
    if let Some(e) = cfg.when.every {
        v.push(format!("every={}", e.as_str()));
    }
    let f = &cfg.finishing;
    if let Some(c) = f.compress {
        v.push(format!("compress={c} compress-from={}", f.compress_from));
    }
    if let Some(t) = f.max_total {
        v.push(format!("max-total={}", units::human_size(t)));
    }
    if let Some(a) = f.max_backup_age {
        v.push(format!("max-backup-age={}", humantime::format_duration(a)));
    }
    v.push(format!("method={}", cfg.method.as_str()));
    if let Some(crate::config::Names::Date(f)) = &cfg.names {
        v.push(format!("backup-names=date:{f}"));
    }
    if let (Some(u), Some(g)) = (cfg.fresh.uid, cfg.fresh.gid) {
        v.push(format!("owner={u}:{g}"));
    }
    if let Some(m) = cfg.fresh.mode {
        v.push(format!("perm={m:04o}"));
    }
    if let Some(h) = &f.hook {
        v.push(format!("on-rotate={:?}", h.command));
    }
    if let Some(h) = once {
        v.push(format!("on-rotate-once={:?}", h.command));
    }
    if cfg.missing_ok {
        v.push("missing-ok".into());
    }
    v.join(" ")
}
