//! `rollover status`: a set's members, newest first, and its live writer.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use rustix::fs::FileType;
use serde::Serialize;

use crate::cmd::targets::{self, Target};
use crate::cmd::{Failures, open_recorded};
use crate::config::StatusConfig;
use crate::control::{self, Ask};
use crate::fileset::{FileSet, birth_time_at};
use crate::lock::{self, Holder};
use crate::messages;
use crate::naming::Naming;
use crate::pipeline::Tally;
use crate::policy::{Conditions, Policy, decide};
use crate::state::StateDir;
use crate::units::{human_age, human_size};

#[derive(Debug, Serialize)]
struct Report {
    sets: Vec<SetReport>,
}

#[derive(Debug, Serialize)]
struct SetReport {
    path: String,
    writer: Option<WriterReport>,
    /// `--keep-free` as its last writer or rotate applied it, and what it
    /// deleted for space.
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_free: Option<SpaceReport>,
    members: Vec<MemberReport>,
}

#[derive(Debug, Serialize)]
struct SpaceReport {
    keep_free: String,
    min_keep: u64,
    deleted: u64,
    deleted_bytes: u64,
    last_deleted: Option<String>,
}

#[derive(Debug, Serialize)]
struct WriterReport {
    pid: u32,
    max_size: u64,
    max_age_secs: Option<f64>,
    max_count: u64,
    next_age_rotation_secs: Option<f64>,
    /// Lines and bytes left out so far, by cause (`None`: the writer did
    /// not say, e.g. to another user).
    left_out: Option<LeftOut>,
}

/// What a live writer left out, by cause.
#[derive(Debug, Serialize, Default, PartialEq, Eq)]
struct LeftOut {
    deselected_lines: u64,
    deselected_bytes: u64,
    rate_limited_lines: u64,
    rate_limited_bytes: u64,
    dropped_lines: u64,
    dropped_bytes: u64,
}

impl LeftOut {
    /// From the writer's answer to `stats`: its [`Tally`], as JSON.
    fn parse(text: &str) -> Option<LeftOut> {
        let t: Tally = serde_json::from_str(text).ok()?;
        Some(LeftOut {
            deselected_lines: t.deselected.lines,
            deselected_bytes: t.deselected.bytes,
            rate_limited_lines: t.rate_limited.lines,
            rate_limited_bytes: t.rate_limited.bytes,
            dropped_lines: t.dropped.lines,
            dropped_bytes: t.dropped.bytes,
        })
    }
}

#[derive(Debug, Serialize)]
struct MemberReport {
    number: u64,
    name: String,
    size: u64,
    age_secs: f64,
    codec: Option<&'static str>,
    /// Work still owed to it: `sync` (its writer was stopped at once),
    /// `compress` (not yet compressed, though its writer compresses),
    /// `hook` (its hook has not run yet), or two of them (`compress, hook`).
    owed: Option<&'static str>,
}

/// Runs `status` on every PATH.
pub fn run(cfg: &StatusConfig) -> Result<ExitCode> {
    let failures = Failures::default();
    let (targets, errors) = targets::collect(&cfg.paths, cfg.state_dir.as_ref());
    errors.iter().for_each(|e| failures.fail(e));
    for arg in &targets.unmatched {
        failures.fail(&anyhow::anyhow!("no file matches {}", arg.display()));
    }
    for d in &targets.directories {
        failures.fail(&anyhow::anyhow!(
            "cannot show {}: it is a directory",
            d.display()
        ));
    }
    // A backup named as an argument shows its whole set.
    let mut names = targets.sets;
    for (_, of) in &targets.skipped {
        if let Ok(Target::Set(n)) = targets::resolve(of)
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    let sets = names
        .iter()
        .filter_map(|naming| failures.check(report(naming, cfg.state_dir.as_ref())))
        .collect();
    let report = Report { sets };
    if cfg.json {
        let text = serde_json::to_string_pretty(&report).context("cannot format JSON")?;
        messages::print(&text);
    } else if !report.sets.is_empty() {
        messages::print(text(&report).trim_end_matches('\n'));
    }
    Ok(failures.exit_code())
}

/// A file name made safe for a terminal: printable ASCII and valid
/// non-control Unicode as they are, anything else as `\xNN` (and `\` as
/// `\\`), so a newline in a name never forges a line of output.
pub fn escape(name: &[u8]) -> String {
    let mut out = String::new();
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        out.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

fn report(naming: &Naming, state_dir: Option<&StateDir>) -> Result<SetReport> {
    let path = naming.path();
    let (set, state) = open_recorded(naming, state_dir)?;
    let listing = set.list()?;
    match &listing.main {
        Some(m) if m.file_type == FileType::Directory => {
            bail!("cannot show {}: it is a directory", path.display())
        }
        None if listing.backups.is_empty() => {
            return Err(std::io::Error::from(rustix::io::Errno::NOENT))
                .with_context(|| format!("cannot show {}", path.display()));
        }
        _ => {}
    }
    let now = SystemTime::now();
    let age_of = |t: SystemTime| now.duration_since(t).unwrap_or(Duration::ZERO);
    let mut members = Vec::new();
    let mut main_facts = None;
    if let Some(m) = &listing.main {
        let born = state.origin(birth_time_at(&set, &m.name).unwrap_or(m.mtime));
        main_facts = Some((m.size, born));
        members.push(MemberReport {
            number: 0,
            name: escape(&m.name),
            size: m.size,
            age_secs: age_of(born).as_secs_f64(),
            codec: None,
            owed: None,
        });
    }
    for b in listing.backups.iter().rev() {
        let Some(st) = set.stat(&b.name)? else {
            continue;
        };
        members.push(MemberReport {
            number: b.index,
            name: escape(&b.name),
            size: st.size,
            age_secs: age_of(st.mtime).as_secs_f64(),
            codec: b.codec,
            owed: owed(
                state.owes(st.id()),
                state
                    .compress_from
                    .is_some_and(|from| b.codec.is_none() && b.index >= from),
                state.owes_hook(st.id()),
            ),
        });
    }
    let writer = lock::live_writer(&set)?.map(|h| writer_report(&set, &h, main_facts, now));
    let keep_free = state.space.map(|n| SpaceReport {
        keep_free: n.keep_free,
        min_keep: n.min_keep,
        deleted: n.deleted,
        deleted_bytes: n.bytes,
        last_deleted: n.last,
    });
    Ok(SetReport {
        path: escape(path.as_os_str().as_encoded_bytes()),
        writer,
        keep_free,
        members,
    })
}

/// What a backup is owed, as status says it: a sync comes first (its
/// writer was stopped at once), then its compression, then its hook.
fn owed(sync: bool, compress: bool, hook: bool) -> Option<&'static str> {
    match (sync, compress, hook) {
        (true, _, true) => Some("sync, hook"),
        (true, _, false) => Some("sync"),
        (false, true, true) => Some("compress, hook"),
        (false, true, false) => Some("compress"),
        (false, false, true) => Some("hook"),
        (false, false, false) => None,
    }
}

/// A live writer, and when its time rules rotate the main file of `size`
/// bytes whose age counts from `origin` next.
fn writer_report(
    set: &FileSet,
    h: &Holder,
    main: Option<(u64, SystemTime)>,
    now: SystemTime,
) -> WriterReport {
    let policy = Policy {
        max_size: h.max_size,
        max_age: h.max_age,
        every: h.every,
        count: h.count,
    };
    let next = Conditions::of_writer(&policy)
        .zip(main)
        .and_then(|(when, (size, origin))| decide(size, origin, now, &when).wait(now));
    let left_out = control::ask_for(set, h.pid, Ask::Stats, Duration::from_secs(1))
        .ok()
        .and_then(|t| LeftOut::parse(&t));
    WriterReport {
        left_out,
        pid: h.pid,
        max_size: h.max_size,
        max_age_secs: h.max_age.map(|d| d.as_secs_f64()),
        max_count: h.count,
        next_age_rotation_secs: next.map(|d| d.as_secs_f64()),
    }
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    for set in &report.sets {
        out.push_str(&set.path);
        match &set.writer {
            Some(w) => {
                let size = if w.max_size == 0 {
                    "off".into()
                } else {
                    human_size(w.max_size)
                };
                let age = w
                    .max_age_secs
                    .map_or("off".into(), |s| human_age(Duration::from_secs_f64(s)));
                out.push_str(&format!(
                    ": writer pid {}, rotates at {size} or age {age}, keeps {}",
                    w.pid, w.max_count
                ));
                if let Some(next) = w.next_age_rotation_secs {
                    out.push_str(&format!(
                        ", next age rotation in {}",
                        human_age(Duration::from_secs_f64(next))
                    ));
                }
                if let Some(l) = w.left_out.as_ref().filter(|l| **l != LeftOut::default()) {
                    out.push_str(&format!(
                        "; left out: {} lines ({}) deselected, {} lines ({}) over the rate limit, \
                         {} lines ({}) dropped while writing stalled",
                        l.deselected_lines,
                        human_size(l.deselected_bytes),
                        l.rate_limited_lines,
                        human_size(l.rate_limited_bytes),
                        l.dropped_lines,
                        human_size(l.dropped_bytes)
                    ));
                }
            }
            None => out.push_str(": no writer"),
        }
        out.push('\n');
        if let Some(k) = &set.keep_free {
            out.push_str(&format!(
                "keep-free {} (min-keep {}): {} backup{} ({}) deleted for space",
                k.keep_free,
                k.min_keep,
                k.deleted,
                if k.deleted == 1 { "" } else { "s" },
                human_size(k.deleted_bytes)
            ));
            if let Some(last) = &k.last_deleted {
                out.push_str(&format!(", the last {}", escape(last.as_bytes())));
            }
            out.push('\n');
        }
        let width = set
            .members
            .iter()
            .map(|m| m.name.len())
            .chain([4])
            .max()
            .unwrap_or(4);
        out.push_str(&format!(
            "{:>4}  {:<width$}  {:>7}  {:>8}  CODEC\n",
            "#", "NAME", "SIZE", "AGE"
        ));
        for m in &set.members {
            out.push_str(&format!(
                "{:>4}  {:<width$}  {:>7}  {:>8}{}{}\n",
                m.number,
                m.name,
                human_size(m.size),
                human_age(Duration::from_secs_f64(m.age_secs)),
                m.codec.map(|c| format!("  {c}")).unwrap_or_default(),
                m.owed.map(|w| format!("  (owed: {w})")).unwrap_or_default(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn odd_names_are_escaped() {
        assert_eq!(escape(b"app.log"), "app.log");
        assert_eq!(escape(b"a\nb"), "a\\x0ab");
        assert_eq!(escape(b"a\xffb"), "a\\xffb");
        assert_eq!(escape(b"a\\b"), "a\\\\b");
        assert_eq!(escape("é.log".as_bytes()), "é.log");
    }
}
