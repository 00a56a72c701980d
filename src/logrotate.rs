//! `rollover import-logrotate`: logrotate's configuration language read
//! and translated into rollover's TOML. Each logrotate stanza becomes one
//! `[[set]]` with its effective settings (logrotate's global directives
//! and its defaults folded in); each directive rollover has no equivalent
//! for becomes a `# not translated:` comment and one warning.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Settings in force, logrotate's way: globals, overridden per stanza.
#[derive(Debug, Clone, Default)]
struct Settings {
    rotate: Option<u64>,
    missing_ok: Option<bool>,
    compress: Option<bool>,
    delay: Option<bool>,
    /// `hourly`/`daily`/`weekly [N]`/`monthly`/`yearly` as rollover's
    /// `every`, or none after `size`.
    period: Option<Option<String>>,
    /// `size`: the criterion that replaces a period.
    size: Option<Option<String>>,
    /// `maxsize`: rotates early, beside a period.
    max_size: Option<String>,
    max_age: Option<u64>,
    /// `create MODE OWNER GROUP`: (mode, owner).
    create: Option<(Option<String>, Option<String>)>,
    copytruncate: Option<bool>,
    shared: Option<bool>,
    postrotate: Option<String>,
    /// `prerotate`, `firstaction`, `lastaction`, `preremove`.
    prerotate: Option<String>,
    firstaction: Option<String>,
    lastaction: Option<String>,
    preremove: Option<String>,
    /// `compresscmd`, `compressoptions`, `compressext`, each with where
    /// it was written.
    compress_cmd: Option<(String, String)>,
    compress_options: Option<(String, String)>,
    compress_ext: Option<(String, String)>,
    /// `olddir DIR` (`None` after `noolddir`), and `createolddir`'s mode
    /// and owner.
    olddir: Option<Option<String>>,
    createolddir: Option<(String, Option<String>)>,
    /// `extension EXT`.
    extension: Option<String>,
    /// `tabooext` and `taboopat` beyond logrotate's built-in list: an
    /// included directory's files they match are not read.
    taboo_ext: Option<Vec<String>>,
    taboo_pat: Vec<String>,
    /// `su USER GROUP`, as `USER:GROUP`.
    su: Option<String>,
    dateext: Option<bool>,
    dateformat: Option<String>,
    /// `ifempty` (logrotate's default) or `notifempty`.
    if_empty: Option<bool>,
    /// `minsize`.
    min_size: Option<String>,
    /// `copy`.
    copy: Option<bool>,
    /// `dateyesterday` or `datehourago`, as rollover's `date-of`.
    date_of: Option<&'static str>,
}

/// The translation: TOML on stdout, and one warning per directive left
/// out.
#[derive(Debug, Default)]
pub struct Translation {
    pub toml: String,
    pub warnings: Vec<String>,
}

/// Translates logrotate configuration files, in order, as logrotate reads
/// them: global directives hold for the stanzas after them, and `include`
/// reads a file, or every file of a directory in name order, in place.
pub fn translate(files: &[PathBuf], state: Option<&Path>) -> Result<Translation> {
    let mut out = Translation::default();
    if let Some(st) = state {
        // What logrotate last did is the truth for the first nights: the
        // age of a set rollover has no record of counts from it.
        let q = toml::Value::String(st.display().to_string()).to_string();
        let _ = writeln!(out.toml, "logrotate-state = {q}");
    }
    let mut globals = Settings::default();
    for f in files {
        read(f, &mut globals, &mut out, 0)?;
    }
    Ok(out)
}

/// When logrotate last rotated each log, as its state file says.
pub type LastRotated = std::collections::HashMap<PathBuf, std::time::SystemTime>;

/// Reads logrotate's state file (`logrotate state -- version 2`, then one
/// `"PATH" Y-M-D-H:M:S` line per log, in local time). A time that daylight
/// saving repeats is its earlier instant; one it skips, the end of the gap.
/// Lines that cannot be read are passed over.
pub fn read_state(path: &Path) -> Result<LastRotated> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read logrotate's state {}", path.display()))?;
    Ok(text.lines().filter_map(state_line).collect())
}

/// One line of logrotate's state: its log and when it was last rotated.
fn state_line(line: &str) -> Option<(PathBuf, std::time::SystemTime)> {
    use chrono::TimeZone;
    let line = line.trim();
    let rest = line.strip_prefix('"')?;
    // The path as logrotate quotes it: `\"` and `\\` escaped.
    let mut name = String::new();
    let mut chars = rest.char_indices();
    let end = loop {
        match chars.next()? {
            (_, '\\') => name.push(chars.next()?.1),
            (i, '"') => break i,
            (_, c) => name.push(c),
        }
    };
    let when = rest[end + 1..].trim();
    let n: Vec<u32> = when
        .split(['-', ':'])
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [y, mo, d, h, mi, sec] = n[..] else {
        return None;
    };
    let local =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?.and_hms_opt(h, mi, sec)?;
    let at = match chrono::Local.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t,
        chrono::LocalResult::None => chrono::Local.from_utc_datetime(&local),
    };
    Some((PathBuf::from(name), at.into()))
}

/// Where logrotate keeps its state by default: Debian's, then RHEL's.
pub fn default_state() -> Option<PathBuf> {
    [
        "/var/lib/logrotate/status",
        "/var/lib/logrotate/logrotate.status",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| std::fs::File::open(p).is_ok())
}

/// Names logrotate skips in an included directory.
const TABOO: &[&str] = &[
    ".dpkg-old",
    ".dpkg-dist",
    ".dpkg-new",
    ".dpkg-bak",
    ".dpkg-del",
    ".dpkg-tmp",
    ".disabled",
    ".rpmorig",
    ".rpmsave",
    ".rpmnew",
    ".swp",
    ".cfsaved",
    ".rhn-cfg-tmp-",
    ",v",
    ".bak",
    "~",
];

fn read(path: &Path, globals: &mut Settings, out: &mut Translation, depth: usize) -> Result<()> {
    if depth > 10 {
        bail!("{}: includes nest too deep (a loop?)", path.display());
    }
    if path.is_dir() {
        for n in included_files(path, globals)? {
            read(&n, globals, out, depth + 1)?;
        }
        return Ok(());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let _ = writeln!(out.toml, "# from {}", path.display());
    let mut lines = text.lines().enumerate().peekable();
    // Paths seen before a `{`, possibly over several lines.
    let mut pending: Vec<String> = Vec::new();
    let mut stanza: Option<(Vec<String>, Settings, Vec<String>)> = None;
    while let Some((i, raw)) = lines.next() {
        let at = format!("{}:{}", path.display(), i + 1);
        let mut line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if stanza.is_none() {
            // Outside a stanza: paths (ending in `{`), or a global.
            if let Some(before) = line
                .strip_suffix('{')
                .or_else(|| line.find('{').map(|k| &line[..k]))
            {
                pending.extend(words(before));
                if pending.is_empty() {
                    bail!("{at}: a '{{' with no path before it");
                }
                stanza = Some((std::mem::take(&mut pending), globals.clone(), Vec::new()));
                continue;
            }
            if looks_like_path(line) {
                pending.extend(words(line));
                continue;
            }
            let (word, rest) = split(line);
            if word == "include" {
                let target = PathBuf::from(unquote(rest));
                let target = if target.is_relative() {
                    path.parent().unwrap_or(Path::new(".")).join(target)
                } else {
                    target
                };
                read(&target, globals, out, depth + 1)?;
                continue;
            }
            let mut ignored = Vec::new();
            directive(word, rest, globals, &mut lines, &mut ignored, &at, out);
            for c in ignored {
                let _ = writeln!(out.toml, "{c}");
            }
            continue;
        }
        if line.starts_with('}') {
            if let Some((paths, s, notes)) = stanza.take() {
                emit(&paths, &s, &notes, out);
            }
            line = line[1..].trim();
            if !line.is_empty() && !line.starts_with('#') {
                bail!("{at}: text after '}}': {line}");
            }
            continue;
        }
        if let Some((_, s, notes)) = stanza.as_mut() {
            let (word, rest) = split(line);
            directive(word, rest, s, &mut lines, notes, &at, out);
        }
    }
    if stanza.is_some() {
        bail!("{}: a stanza is missing its closing '}}'", path.display());
    }
    Ok(())
}

/// The files an `include` of a directory reads, in name order: not hidden
/// ones, nor those with a `tabooext` ending (packaging leftovers).
fn included_files(dir: &Path, s: &Settings) -> Result<Vec<PathBuf>> {
    let exts: Vec<&str> = match &s.taboo_ext {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => TABOO.to_vec(),
    };
    let pats: Vec<glob::Pattern> = s
        .taboo_pat
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !n.starts_with('.')
                && !exts.iter().any(|t| n.ends_with(t))
                && !pats.iter().any(|t| t.matches(&n))
                && p.is_file()
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Applies one directive to `s`, or records it as not translated.
fn directive<'a>(
    word: &str,
    rest: &str,
    s: &mut Settings,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    notes: &mut Vec<String>,
    at: &str,
    out: &mut Translation,
) {
    let mut skip = |what: String, out: &mut Translation| {
        out.warnings.push(format!("{at}: not translated: {what}"));
        notes.push(format!("# not translated: {what}"));
    };
    let num = || rest.trim().parse::<u64>().ok();
    match word {
        "rotate" => match num() {
            Some(n) => s.rotate = Some(n),
            None => skip(format!("rotate {rest}"), out),
        },
        "missingok" => s.missing_ok = Some(true),
        "nomissingok" => s.missing_ok = Some(false),
        "ifempty" => s.if_empty = Some(true),
        "notifempty" => s.if_empty = Some(false),
        "compress" => s.compress = Some(true),
        "nocompress" => s.compress = Some(false),
        "delaycompress" => s.delay = Some(true),
        "nodelaycompress" => s.delay = Some(false),
        "hourly" | "daily" | "weekly" | "monthly" | "yearly" => match period(word, rest) {
            Some(p) => {
                s.period = Some(Some(p.to_string()));
                s.size = Some(None);
            }
            None => skip(format!("weekly {}", rest.trim()), out),
        },
        "minsize" => match size(rest) {
            Some(v) => s.min_size = Some(v),
            None => skip(format!("minsize {rest}"), out),
        },
        "size" => match size(rest) {
            Some(v) => {
                s.size = Some(Some(v));
                s.period = Some(None);
            }
            None => skip(format!("size {rest}"), out),
        },
        "maxsize" => match size(rest) {
            Some(v) => s.max_size = Some(v),
            None => skip(format!("maxsize {rest}"), out),
        },
        "maxage" => match num() {
            Some(n) => s.max_age = Some(n),
            None => skip(format!("maxage {rest}"), out),
        },
        "create" => s.create = Some(mode_owner(rest)),
        "copytruncate" => s.copytruncate = Some(true),
        "nocopytruncate" => s.copytruncate = Some(false),
        "copy" => s.copy = Some(true),
        "nocopy" => s.copy = Some(false),
        "nocreate" => s.create = None,
        "dateext" => s.dateext = Some(true),
        "nodateext" => s.dateext = Some(false),
        "dateformat" if !rest.is_empty() => s.dateformat = Some(unquote(rest)),
        "dateyesterday" => s.date_of = Some("yesterday"),
        "datehourago" => s.date_of = Some("hour-ago"),
        "sharedscripts" => s.shared = Some(true),
        "nosharedscripts" => s.shared = Some(false),
        "postrotate" => s.postrotate = Some(script(lines)),
        "olddir" if !rest.trim().is_empty() => s.olddir = Some(Some(unquote(rest.trim()))),
        "noolddir" => s.olddir = Some(None),
        "extension" if !rest.trim().is_empty() => s.extension = Some(unquote(rest.trim())),
        "createolddir" => s.createolddir = Some(createolddir(rest)),
        "nocreateolddir" => s.createolddir = None,
        // tabooext [+] LIST, taboopat [+] LIST: `+` adds to the list.
        "tabooext" => {
            let (add, list) = taboo_list(rest);
            let mut v: Vec<String> = match (&s.taboo_ext, add) {
                (Some(old), true) => old.clone(),
                (None, true) => TABOO.iter().map(|t| t.to_string()).collect(),
                _ => Vec::new(),
            };
            v.extend(list);
            s.taboo_ext = Some(v);
        }
        "taboopat" => {
            let (add, list) = taboo_list(rest);
            if !add {
                s.taboo_pat.clear();
            }
            s.taboo_pat.extend(list);
        }
        // What is so anyway: no mail, no shred; and backup-dir copies a
        // backup to another file system itself (renamecopy).
        "renamecopy" | "norenamecopy" | "nomail" | "noshred" => {}
        "compresscmd" => s.compress_cmd = Some((unquote(rest.trim()), at.to_string())),
        "compressoptions" => s.compress_options = Some((rest.trim().to_string(), at.to_string())),
        "compressext" => s.compress_ext = Some((unquote(rest.trim()), at.to_string())),
        // rollover reads its own codecs' backups itself.
        "uncompresscmd" => {}
        "su" => match words(rest).as_slice() {
            [user] => s.su = Some(user.clone()),
            [user, group] => s.su = Some(format!("{user}:{group}")),
            _ => skip(format!("su {rest}"), out),
        },
        "prerotate" => s.prerotate = Some(script(lines)),
        "firstaction" => s.firstaction = Some(script(lines)),
        "lastaction" => s.lastaction = Some(script(lines)),
        "preremove" => s.preremove = Some(script(lines)),
        _ => {
            let text = if rest.is_empty() {
                word.to_string()
            } else {
                format!("{word} {}", rest.trim())
            };
            skip(text, out);
        }
    }
}

/// rollover's `every` for logrotate's `hourly` ... `yearly`; `weekly N`
/// is the day N (0 Sunday, the default, ... 6), 7 any day. `None`: a
/// `weekly` day logrotate does not know either.
fn period(word: &str, rest: &str) -> Option<&'static str> {
    Some(match (word, rest.trim()) {
        ("hourly", _) => "hour",
        ("daily", _) => "day",
        ("monthly", _) => "month",
        ("yearly", _) => "year",
        (_, "" | "0") => "week:sun",
        (_, "1") => "week",
        (_, "2") => "week:tue",
        (_, "3") => "week:wed",
        (_, "4") => "week:thu",
        (_, "5") => "week:fri",
        (_, "6") => "week:sat",
        (_, "7") => "week:any",
        _ => return None,
    })
}

/// `create [MODE] [OWNER [GROUP]]` (a first word of octal digits is the
/// mode): the mode and `OWNER[:GROUP]`, each if given.
fn mode_owner(rest: &str) -> (Option<String>, Option<String>) {
    let mut w = words(rest);
    let octal = |m: &String| !m.is_empty() && m.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let mode = w.first().filter(|m| octal(m)).cloned();
    if mode.is_some() {
        w.remove(0);
    }
    let owner = match (w.first(), w.get(1)) {
        (Some(u), Some(g)) => Some(format!("{u}:{g}")),
        (Some(u), None) => Some(u.clone()),
        _ => None,
    };
    (mode, owner)
}

/// `createolddir [MODE [OWNER [GROUP]]]`: as [`mode_owner`], the mode
/// logrotate's default 0755 when not given.
fn createolddir(rest: &str) -> (String, Option<String>) {
    let (mode, owner) = mode_owner(rest);
    (mode.unwrap_or_else(|| "0755".into()), owner)
}

/// `tabooext`'s or `taboopat`'s words: whether they add to the list (a
/// leading `+`), and the list (commas or blanks between).
fn taboo_list(rest: &str) -> (bool, Vec<String>) {
    let (add, list) = match rest.trim().strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let words = list
        .split([',', ' ', '\t'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    (add, words)
}

/// A script's lines up to `endscript`, as written (common indent removed).
fn script<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) -> String {
    let mut body: Vec<&str> = Vec::new();
    for (_, l) in lines.by_ref() {
        if l.trim() == "endscript" {
            break;
        }
        body.push(l);
    }
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut text = String::new();
    for l in body {
        text.push_str(l.get(indent..).unwrap_or(l.trim_start()));
        text.push('\n');
    }
    text
}

/// logrotate's sizes: a number with k, M or G (powers of 1024).
fn size(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('+');
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits.parse::<u64>().ok()?;
    let unit = match &t[digits.len()..] {
        "" => "",
        "k" | "K" => "K",
        "M" | "m" => "M",
        "G" | "g" => "G",
        _ => return None,
    };
    Some(format!("{digits}{unit}"))
}

/// One stanza as a `[[set]]` with its effective settings.
fn emit(paths: &[String], s: &Settings, notes: &[String], out: &mut Translation) {
    let list: Vec<String> = paths.iter().map(|p| quoted(p)).collect();
    let _ = writeln!(out.toml, "\n[[set]]\npaths = [{}]", list.join(", "));
    emit_schedule(s, &mut out.toml);
    emit_compression(s, out);
    emit_files(s, &mut out.toml);
    emit_scripts(s, &mut out.toml);
    for n in notes {
        let _ = writeln!(out.toml, "{n}");
    }
}

/// A TOML string.
fn quoted(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

/// How many backups, named how, and when a set rotates.
fn emit_schedule(s: &Settings, t: &mut String) {
    let q = quoted;
    match s.rotate {
        Some(n) => {
            let _ = writeln!(t, "max-count = {n}");
        }
        None => {
            let _ = writeln!(t, "max-count = 0  # logrotate's default: rotate 0");
        }
    }
    if s.dateext != Some(true) {
        // logrotate never pads its numbers: `.1` ... `.14`.
        let _ = writeln!(t, "padding = \"none\"");
    }
    if let Some(Some(p)) = &s.period {
        let _ = writeln!(t, "every = {}", q(p));
    }
    match (
        &s.period,
        s.size.clone().flatten().or_else(|| s.max_size.clone()),
    ) {
        (_, Some(v)) => {
            let _ = writeln!(t, "max-size = {}", q(&v));
        }
        // Without a period or a size, logrotate rotates a file of 1 MiB.
        (None, None) => {
            let _ = writeln!(t, "max-size = \"1M\"  # logrotate's default: size 1M");
        }
        _ => {}
    }
    if let Some(m) = &s.min_size {
        let _ = writeln!(t, "min-size = {}", q(m));
    }
    // logrotate rotates an empty file unless told notifempty.
    if s.if_empty != Some(false) {
        let _ = writeln!(t, "rotate-empty = true");
    }
}

/// How backups are compressed; what cannot be is a warning and a comment.
fn emit_compression(s: &Settings, out: &mut Translation) {
    let (q, t) = (quoted, &mut out.toml);
    if s.compress == Some(true) {
        match codec(s) {
            Ok(settings) => {
                for (key, value) in settings {
                    let _ = writeln!(t, "{key} = {}", q(&value));
                }
                if s.delay == Some(true) {
                    let _ = writeln!(t, "compress-from = 2");
                }
            }
            Err((at, what)) => {
                out.warnings.push(format!(
                    "{at}: not translated: {what}; the backups stay uncompressed"
                ));
                let _ = writeln!(t, "# not translated: {what}");
            }
        }
    }
}

/// What happens to the files: retention, missing logs, the method, the
/// new main file, date names, the backup directory, the extension, `su`.
fn emit_files(s: &Settings, t: &mut String) {
    let q = quoted;
    if let Some(days) = s.max_age {
        let _ = writeln!(t, "max-backup-age = {}", q(&format!("{days}d")));
    }
    if s.missing_ok == Some(true) {
        let _ = writeln!(t, "missing-ok = true");
    }
    if s.copytruncate == Some(true) {
        let _ = writeln!(t, "method = \"collapse\"");
    } else if s.copy == Some(true) {
        let _ = writeln!(t, "method = \"copy\"");
    } else if let Some((mode, owner)) = &s.create {
        if let Some(m) = mode {
            let _ = writeln!(t, "perm = {}", q(m));
        }
        if let Some(o) = owner {
            let _ = writeln!(t, "owner = {}", q(o));
        }
    } else {
        // Without create (logrotate's default), logrotate makes no new
        // file: the program makes its own.
        let _ = writeln!(t, "no-create = true");
    }
    if s.dateext == Some(true) {
        // logrotate's default dateformat (an hourly log's has the hour),
        // and it names a backup for the time it was rotated.
        let hourly = s
            .period
            .as_ref()
            .is_some_and(|p| p.as_deref() == Some("hour"));
        let f = s
            .dateformat
            .as_deref()
            .unwrap_or(if hourly { "-%Y%m%d%H" } else { "-%Y%m%d" });
        let _ = writeln!(t, "backup-names = {}", q(&format!("date:{f}")));
        let of = s.date_of.unwrap_or("rotation");
        let _ = writeln!(t, "date-of = {}", q(of));
    }
    if let Some(Some(dir)) = &s.olddir {
        let _ = writeln!(t, "backup-dir = {}", q(dir));
        if let Some((mode, owner)) = &s.createolddir {
            let _ = writeln!(t, "backup-dir-perm = {}", q(mode));
            if let Some(o) = owner {
                let _ = writeln!(t, "backup-dir-owner = {}", q(o));
            }
        }
    }
    if let Some(ext) = &s.extension {
        let _ = writeln!(t, "extension = {}", q(ext));
    }
    if let Some(su) = &s.su {
        let _ = writeln!(t, "su = {}", q(su));
    }
}

/// logrotate's scripts, as the hooks that run them.
fn emit_scripts(s: &Settings, t: &mut String) {
    let q = quoted;
    let scripts = [
        ("first-action", &s.firstaction),
        ("before-rotate", &s.prerotate),
        ("on-rotate", &s.postrotate),
        ("last-action", &s.lastaction),
        ("before-remove", &s.preremove),
    ];
    for (key, script) in scripts {
        if let Some(script) = script {
            if script.contains("'''") {
                let _ = writeln!(t, "{key} = {}", q(script));
            } else {
                let _ = writeln!(t, "{key} = '''\n{script}'''");
            }
        }
    }
    if s.shared == Some(true) && (s.postrotate.is_some() || s.prerotate.is_some()) {
        let _ = writeln!(t, "on-rotate-once = true");
    }
}

/// The compression of logrotate's `compresscmd` (gzip when none), as
/// rollover's settings: gzip and pigz are `compress = "gzip:L"`, zstd and
/// pzstd `"zstd:L"` (L from `compressoptions`: `-9`, `-19`); another
/// command is `compress-command` (with its options) and `compress-ext`
/// (`compressext`, else the command's own as logrotate knows it). An
/// extension rollover does not recognise, or an extension unlike a
/// built-in codec's, is why not, with where it was written.
fn codec(s: &Settings) -> Result<Vec<(&'static str, String)>, (String, String)> {
    let builtin = match &s.compress_cmd {
        None => Some(("gzip", "gz")),
        Some((cmd, _)) => match cmd.rsplit('/').next().unwrap_or_default() {
            "gzip" | "pigz" => Some(("gzip", "gz")),
            "zstd" | "pzstd" => Some(("zstd", "zst")),
            _ => None,
        },
    };
    let given_ext = s
        .compress_ext
        .as_ref()
        .map(|(e, at)| (e.strip_prefix('.').unwrap_or(e).to_string(), at.clone()));
    let Some((name, ext)) = builtin else {
        let (cmd, at) = s.compress_cmd.clone().unwrap_or_default();
        // logrotate's own extensions for the commands it knows.
        let own = match cmd.rsplit('/').next().unwrap_or_default() {
            "bzip2" => "bz2",
            "xz" => "xz",
            "compress" => "Z",
            "zip" => "zip",
            _ => "gz",
        };
        let (ext, ext_at) = given_ext.unwrap_or((own.to_string(), at.clone()));
        if !crate::naming::CODECS.contains(&ext.as_str()) {
            return Err((ext_at, format!("compressext .{ext} (compresscmd {cmd})")));
        }
        let command = match &s.compress_options {
            Some((o, _)) if !o.is_empty() => format!("{cmd} {o}"),
            _ => cmd,
        };
        return Ok(vec![("compress-command", command), ("compress-ext", ext)]);
    };
    if let Some((e, at)) = &given_ext
        && e != ext
    {
        return Err((at.clone(), format!("compressext .{e}")));
    }
    let (lo, hi) = if name == "gzip" { (1, 9) } else { (1, 19) };
    let level = s.compress_options.as_ref().and_then(|(o, _)| {
        words(o)
            .iter()
            .filter_map(|w| w.strip_prefix('-')?.parse::<u32>().ok())
            .next_back()
    });
    match level {
        Some(l) if (lo..=hi).contains(&l) => Ok(vec![("compress", format!("{name}:{l}"))]),
        Some(l) => Err((
            s.compress_options
                .as_ref()
                .map(|o| o.1.clone())
                .unwrap_or_default(),
            format!("compressoptions -{l} (rollover's {name} takes {lo}-{hi})"),
        )),
        None => Ok(vec![("compress", name.to_string())]),
    }
}

/// Whether a line outside a stanza names paths (the start of a stanza
/// whose `{` comes later) rather than a directive.
fn looks_like_path(line: &str) -> bool {
    line.starts_with('/')
        || line.starts_with('"')
        || line.starts_with('\'')
        || line.starts_with('~')
}

fn split(line: &str) -> (&str, &str) {
    match line.find(char::is_whitespace) {
        Some(k) => (&line[..k], line[k..].trim()),
        None => (line, ""),
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(s)
        .to_string()
}

/// Whitespace-separated words, with logrotate's quotes.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(text: &str) -> Translation {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("conf");
        std::fs::write(&f, text).expect("write");
        translate(&[f], None).expect("translate")
    }

    #[test]
    fn a_debian_stanza_with_globals() {
        let t = from(
            "weekly\nrotate 4\ncreate\n\n/var/log/syslog\n/var/log/mail.log\n{\n\trotate 7\n\tdaily\n\tmissingok\n\tnotifempty\n\tcompress\n\tdelaycompress\n\tsharedscripts\n\tpostrotate\n\t\t/usr/lib/rsyslog/rsyslog-rotate\n\tendscript\n\tsu root adm\n\tshred\n}\n",
        );
        let body = t.toml.split_once('\n').map(|x| x.1).unwrap_or_default();
        assert_eq!(
            body,
            "\n[[set]]\npaths = [\"/var/log/syslog\", \"/var/log/mail.log\"]\nmax-count = 7\npadding = \"none\"\nevery = \"day\"\ncompress = \"gzip\"\ncompress-from = 2\nmissing-ok = true\nsu = \"root:adm\"\non-rotate = '''\n/usr/lib/rsyslog/rsyslog-rotate\n'''\non-rotate-once = true\n# not translated: shred\n"
        );
        assert_eq!(t.warnings.len(), 1);
        assert!(t.warnings[0].ends_with(":19: not translated: shred"));
    }

    #[test]
    fn size_drops_an_inherited_period_and_a_later_period_drops_size() {
        let t =
            from("daily\n/a.log {\n size 100k\n}\n/b.log {\n size 1M\n weekly\n maxsize 5M\n}\n");
        assert!(t.toml.contains("paths = [\"/a.log\"]\nmax-count = 0  # logrotate's default: rotate 0\npadding = \"none\"\nmax-size = \"100K\"\nrotate-empty = true\n"), "{}", t.toml);
        assert!(t.toml.contains("paths = [\"/b.log\"]\nmax-count = 0  # logrotate's default: rotate 0\npadding = \"none\"\nevery = \"week:sun\"\nmax-size = \"5M\"\nrotate-empty = true\n"), "{}", t.toml);
    }

    #[test]
    fn without_a_period_or_a_size_logrotate_rotates_at_one_mebibyte() {
        let t = from("/a.log {\n rotate 2\n}\n");
        assert!(
            t.toml.ends_with(
                "max-count = 2\npadding = \"none\"\nmax-size = \"1M\"  # logrotate's default: size 1M\nrotate-empty = true\nno-create = true\n"
            ),
            "{}",
            t.toml
        );
    }

    #[test]
    fn weekly_yearly_minsize_and_create_without_a_mode() {
        let t = from(
            "/a.log {\n weekly\n}\n/b.log {\n weekly 3\n}\n/c.log {\n weekly 7\n}\n/d.log {\n yearly\n minsize 1M\n create nobody nogroup\n notifempty\n}\n",
        );
        let set = |p: &str| {
            let at = t.toml.find(&format!("paths = [\"{p}\"]")).expect(p);
            t.toml[at..]
                .split("[[set]]")
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            set("/a.log").contains("every = \"week:sun\"\n"),
            "{}",
            t.toml
        );
        assert!(
            set("/b.log").contains("every = \"week:wed\"\n"),
            "{}",
            t.toml
        );
        assert!(
            set("/c.log").contains("every = \"week:any\"\n"),
            "{}",
            t.toml
        );
        let d = set("/d.log");
        assert!(d.contains("every = \"year\"\nmin-size = \"1M\"\n"), "{d}");
        assert!(
            d.contains("owner = \"nobody:nogroup\"\n") && !d.contains("perm"),
            "{d}"
        );
        assert!(!d.contains("rotate-empty"), "{d}");
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn copytruncate_is_collapse_and_create_gives_owner_and_mode() {
        let t = from(
            "/a.log {\n copytruncate\n create 0640 www-data adm\n}\n/b.log {\n create 0600 nobody nogroup\n maxage 30\n}\n/c.log {\n copy\n}\n",
        );
        assert!(t.toml.contains("method = \"copy\"\n"));
        assert!(t.toml.contains("method = \"collapse\"\n"));
        assert!(
            t.toml
                .contains("perm = \"0600\"\nowner = \"nobody:nogroup\"\n")
        );
        assert!(t.toml.contains("max-backup-age = \"30d\"\n"));
    }

    #[test]
    fn quoted_paths_and_every_script() {
        let t = from(
            "\"/var/log/my app.log\" '/x.log' {\n prerotate\n   echo a\n   echo b\n endscript\n ifempty\n firstaction\n  f\n endscript\n lastaction\n  l\n endscript\n preremove\n  r \"$1\"\n endscript\n sharedscripts\n mail x@y\n}\n",
        );
        assert!(
            t.toml
                .contains("paths = [\"/var/log/my app.log\", \"/x.log\"]")
        );
        assert!(t.toml.contains(
            "first-action = '''\nf\n'''\nbefore-rotate = '''\necho a\necho b\n'''\nlast-action = '''\nl\n'''\nbefore-remove = '''\nr \"$1\"\n'''\n"
        ), "{}", t.toml);
        // sharedscripts makes the prerotate run once, without a postrotate.
        assert!(t.toml.contains("on-rotate-once = true\n"));
        assert!(t.toml.contains("rotate-empty = true\n"));
        assert!(t.toml.contains("# not translated: mail x@y\n"));
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn logrotates_state_is_read_in_local_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("status");
        std::fs::write(
            &f,
            "logrotate state -- version 2\n\"/var/log/syslog\" 2026-12-4-6:25:0\n\
             \"/var/log/my \\\"odd\\\" log\" 2026-1-31-0:0:59\ngarbage\n\"/x\" 2026-13-1-0:0:0\n",
        )
        .expect("write");
        let m = read_state(&f).expect("read");
        assert_eq!(m.len(), 2, "{m:?}");
        use chrono::TimeZone;
        let local = |y, mo, d, h, mi, s| -> std::time::SystemTime {
            chrono::Local
                .with_ymd_and_hms(y, mo, d, h, mi, s)
                .earliest()
                .expect("a local time")
                .into()
        };
        assert_eq!(
            m[Path::new("/var/log/syslog")],
            local(2026, 12, 4, 6, 25, 0)
        );
        assert_eq!(
            m[Path::new("/var/log/my \"odd\" log")],
            local(2026, 1, 31, 0, 0, 59)
        );
    }

    #[test]
    fn compresscmd_is_a_built_in_codec_or_a_compress_command() {
        let t = from(
            "compress\n/a.log {\n compresscmd /usr/bin/zstd\n compressext .zst\n compressoptions -T0 -19\n uncompresscmd /usr/bin/unzstd\n}\n\
             /b.log {\n compresscmd pigz\n compressoptions \"-9\"\n}\n/c.log {\n compressoptions -6\n}\n\
             /d.log {\n compresscmd xz\n compressext .xz\n}\n/e.log {\n compresscmd zstd\n}\n\
             /f.log {\n compresscmd /bin/bzip2\n compressoptions -9\n}\n/g.log {\n compresscmd compress\n}\n",
        );
        let sets: Vec<&str> = t.toml.split("[[set]]").skip(1).collect();
        assert!(sets[0].contains("compress = \"zstd:19\"\n"), "{}", t.toml);
        assert!(sets[1].contains("compress = \"gzip:9\"\n"), "{}", t.toml);
        assert!(sets[2].contains("compress = \"gzip:6\"\n"), "{}", t.toml);
        assert!(
            sets[3].contains("compress-command = \"xz\"\ncompress-ext = \"xz\"\n"),
            "{}",
            t.toml
        );
        assert!(sets[4].contains("compress = \"zstd\"\n"), "{}", t.toml);
        assert!(
            sets[5].contains("compress-command = \"/bin/bzip2 -9\"\ncompress-ext = \"bz2\"\n"),
            "{}",
            t.toml
        );
        assert!(!sets[6].contains("compress ="), "{}", t.toml);
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
        assert!(
            t.warnings[0].contains(":27: not translated: compressext .Z (compresscmd compress)"),
            "{:?}",
            t.warnings
        );
    }

    #[test]
    fn tabooext_and_taboopat_choose_what_an_included_directory_gives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("d");
        std::fs::create_dir(&d).expect("mkdir");
        for (name, path) in [
            ("a", "/a.log"),
            ("b.old", "/b.log"),
            ("c.dpkg-old", "/c.log"),
            ("keep-d", "/d.log"),
        ] {
            std::fs::write(d.join(name), format!("{path} {{\n rotate 1\n}}\n")).expect("write");
        }
        let conf = dir.path().join("conf");
        let paths = |text: &str| {
            std::fs::write(&conf, text).expect("write");
            let t = translate(std::slice::from_ref(&conf), None).expect("translate");
            assert!(t.warnings.is_empty(), "{:?}", t.warnings);
            ["/a.log", "/b.log", "/c.log", "/d.log"]
                .into_iter()
                .filter(|p| t.toml.contains(&format!("\"{p}\"")))
                .collect::<Vec<_>>()
        };
        let inc = format!("include {}\n", d.display());
        // logrotate's built-in list skips packaging leftovers.
        assert_eq!(paths(&inc), ["/a.log", "/b.log", "/d.log"]);
        // `+` adds to it; without, it replaces it.
        assert_eq!(
            paths(&format!("tabooext + .old\n{inc}")),
            ["/a.log", "/d.log"]
        );
        assert_eq!(
            paths(&format!("tabooext .old\n{inc}")),
            ["/a.log", "/c.log", "/d.log"]
        );
        assert_eq!(
            paths(&format!("taboopat + keep-*\n{inc}")),
            ["/a.log", "/b.log"]
        );
    }
}
