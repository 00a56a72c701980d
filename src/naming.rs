//! Names of a set's members: the main file and its numbered backups, with
//! the `%` template form, zero padding, and codec extensions. Pure: it maps
//! numbers to names and names to numbers, and touches no file.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Extensions of compressed backups, recognised when reading a set.
pub const CODECS: &[&str] = &["gz", "zst", "xz", "bz2", "lz4", "br", "lzma"];

/// What one directory entry is to the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// 0 for the main file, 1 (newest) and up for backups.
    pub index: u64,
    /// The codec extension of a compressed backup.
    pub codec: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Template {
    /// `app.log`: backups are `app.log.N`.
    Suffix(Vec<u8>),
    /// `app.%.log`: the number replaces `%`; the main file is number 0.
    Percent { prefix: Vec<u8>, suffix: Vec<u8> },
    /// `mylog.foo` with `--extension .foo`: backups are `mylog.N.foo`, the
    /// main file keeps its name (logrotate's `extension`).
    Extension { stem: Vec<u8>, ext: Vec<u8> },
}

/// The names of one set: its directory and the template of its file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Naming {
    dir: PathBuf,
    template: Template,
    path: PathBuf,
    /// `--backup-names date:FORMAT`: the FORMAT as given.
    dates: Option<String>,
    /// `--padding`: how numbers are written.
    padding: Padding,
}

/// Which time a date-named backup's name shows (`--date-of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DateOf {
    /// Its start: the main file's age origin.
    #[default]
    Start,
    /// The moment it was rotated (logrotate's `dateext`).
    Rotation,
    /// The day before the rotation, at noon (logrotate's `dateyesterday`).
    Yesterday,
    /// An hour before the rotation (logrotate's `datehourago`).
    HourAgo,
}

impl DateOf {
    /// The time to name a backup for, that started at `start` and is
    /// rotated at `now`.
    pub fn at(
        self,
        start: std::time::SystemTime,
        now: std::time::SystemTime,
    ) -> std::time::SystemTime {
        use chrono::TimeZone;
        match self {
            DateOf::Start => start,
            DateOf::Rotation => now,
            DateOf::HourAgo => now - std::time::Duration::from_secs(3600),
            DateOf::Yesterday => {
                let local: chrono::DateTime<chrono::Local> = now.into();
                let noon = (local.date_naive() - chrono::Duration::days(1)).and_hms_opt(12, 0, 0);
                noon.and_then(|t| chrono::Local.from_local_datetime(&t).earliest())
                    .map_or(now - std::time::Duration::from_secs(86_400), Into::into)
            }
        }
    }
}

/// How backup numbers are written (`--padding`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    /// Zero-padded to the digits of the count: `.01` ... `.10`.
    #[default]
    Auto,
    /// Unpadded, as logrotate writes them: `.1` ... `.10`.
    None,
}

/// The default FORMAT of date-named backups.
pub const DATE_FORMAT: &str = ".%Y%m%d-%H%M%S";

/// Where a date-named backup stands: its start (Unix seconds, from the
/// parsed name) and its place among backups with the same name (0, then
/// `-1`, `-2` in order of rotation).
pub type Stamp = (i64, u32);

/// Digits a backup number takes for `count`: the width of `count` itself,
/// at least 1.
pub fn width(count: u64) -> usize {
    count.max(1).ilog10() as usize + 1
}

impl Naming {
    /// Splits PATH into directory and file-name template. More than one `%`
    /// in the file name is an error; `%` in a directory is ordinary.
    pub fn new(path: &Path) -> Result<Naming, String> {
        let bytes = path.as_os_str().as_bytes();
        let name = match path.file_name() {
            Some(name) if !bytes.ends_with(b"/") => name.as_bytes(),
            _ => return Err(format!("'{}' does not name a file", path.display())),
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let template = match memchr::memchr_iter(b'%', name).count() {
            0 => Template::Suffix(name.to_vec()),
            1 => {
                let at = name.iter().position(|&b| b == b'%').unwrap_or(0);
                if name.get(at + 1).is_some_and(u8::is_ascii_alphabetic) {
                    return Err(format!(
                        "'{}': rollover's '%' is where the backup number goes, not a strftime \
                         pattern; for backups named by date use --backup-names date",
                        path.display()
                    ));
                }
                Template::Percent {
                    prefix: name[..at].to_vec(),
                    suffix: name[at + 1..].to_vec(),
                }
            }
            _ => {
                return Err(format!(
                    "'{}' has more than one '%' in its file name; one '%' marks where the number goes",
                    path.display()
                ));
            }
        };
        Ok(Naming {
            dir,
            template,
            path: path.to_path_buf(),
            dates: None,
            padding: Padding::Auto,
        })
    }

    /// The same set with its numbers (or dates) before `ext` where the
    /// main file's name ends in it (`--extension`, matched literally, dot
    /// included): `mylog.foo`, backups `mylog.1.foo`. A name that does not
    /// end in it (or is only it) is left as it is, as logrotate does.
    pub fn with_extension(mut self, ext: Option<&str>) -> Naming {
        if let Template::Extension { stem, ext } = &self.template {
            self.template = Template::Suffix([stem.as_slice(), ext].concat());
        }
        let Some(ext) = ext.filter(|e| !e.is_empty()) else {
            return self;
        };
        if let Template::Suffix(name) = &self.template
            && name.len() > ext.len()
            && name.ends_with(ext.as_bytes())
        {
            self.template = Template::Extension {
                stem: name[..name.len() - ext.len()].to_vec(),
                ext: ext.as_bytes().to_vec(),
            };
        }
        self
    }

    /// `--extension` where it applies.
    pub fn extension(&self) -> Option<&str> {
        match &self.template {
            Template::Extension { ext, .. } => std::str::from_utf8(ext).ok(),
            _ => None,
        }
    }

    /// The same set with its numbers written as `padding` says.
    pub fn with_padding(mut self, padding: Padding) -> Naming {
        self.padding = padding;
        self
    }

    /// How numbers are written.
    pub fn padding(&self) -> Padding {
        self.padding
    }

    /// Digits a backup number takes in a set of `count` backups: the width
    /// of `count` itself (at least 1), or 1 without padding.
    pub fn width(&self, count: u64) -> usize {
        match self.padding {
            Padding::Auto => width(count),
            Padding::None => 1,
        }
    }

    /// The same set with date-named backups (`--backup-names date:FORMAT`),
    /// or numbered ones (`None`). A FORMAT that is not strftime, names no
    /// date, has a `/`, or makes names that read as numbered backups
    /// (`.%Y%m%d`: `app.log.20261130` is backup 20261130) is refused.
    pub fn with_dates(mut self, format: Option<&str>) -> Result<Naming, String> {
        let Some(format) = format else {
            self.dates = None;
            return Ok(self);
        };
        let bad = |why: &str| Err(format!("invalid --backup-names date:{format}: {why}"));
        use chrono::format::{Item, StrftimeItems};
        if format.is_empty() || StrftimeItems::new(format).any(|i| matches!(i, Item::Error)) {
            return bad("not a strftime format");
        }
        if format.contains('/') {
            return bad("a name cannot hold '/'");
        }
        let numbered = Naming {
            dates: None,
            ..self.clone()
        };
        self.dates = Some(format.to_string());
        let sample = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(3, 15, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap_or_default();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(sample as u64);
        let name = self.dated_name(at, 0, None);
        if numbered.parse(&name).is_some() {
            return bad(&format!(
                "{} would read as a numbered backup; start FORMAT with '-' or add a time",
                String::from_utf8_lossy(&name)
            ));
        }
        if self.parse_dated(&name).is_none()
            || self.parse_dated(&self.dated_name(at, 2, None)).is_none()
        {
            return bad("its names cannot be read back; it needs a date (%Y %m %d, or %s)");
        }
        Ok(self)
    }

    /// The bytes every name of the main file and of its backups starts
    /// with: what a sorted listing is searched by.
    pub fn lead(&self) -> &[u8] {
        match &self.template {
            Template::Suffix(base) => base,
            Template::Percent { prefix, .. } => prefix,
            Template::Extension { stem, .. } => stem,
        }
    }

    /// The FORMAT of date-named backups, if the set uses them.
    pub fn dates(&self) -> Option<&str> {
        self.dates.as_deref()
    }

    /// The FORMAT as it goes into a name: in a `%` name it replaces the
    /// `%`, and a leading '.' (the default's, which stands for the dot of
    /// `.N`) is dropped, since the template has its own.
    fn date_format(&self) -> Option<&str> {
        let f = self.dates.as_deref()?;
        Some(match self.template {
            Template::Percent { .. } => f.strip_prefix('.').unwrap_or(f),
            Template::Suffix(_) | Template::Extension { .. } => f,
        })
    }

    /// The name of a backup started at `start`, in local time; `seq` > 0
    /// adds `-seq` for a name that exists already.
    pub fn dated_name(
        &self,
        start: std::time::SystemTime,
        seq: u32,
        codec: Option<&str>,
    ) -> Vec<u8> {
        let fmt = self.date_format().unwrap_or(DATE_FORMAT);
        let local: chrono::DateTime<chrono::Local> = start.into();
        let mut stamp = String::new();
        // The format was checked when the naming was made.
        let _ = std::fmt::Write::write_fmt(&mut stamp, format_args!("{}", local.format(fmt)));
        if seq > 0 {
            stamp.push_str(&format!("-{seq}"));
        }
        let mut out = Vec::new();
        match &self.template {
            Template::Suffix(name) => {
                out.extend_from_slice(name);
                out.extend_from_slice(stamp.as_bytes());
            }
            Template::Percent { prefix, suffix } => {
                out.extend_from_slice(prefix);
                out.extend_from_slice(stamp.as_bytes());
                out.extend_from_slice(suffix);
            }
            Template::Extension { stem, ext } => {
                out.extend_from_slice(stem);
                out.extend_from_slice(stamp.as_bytes());
                out.extend_from_slice(ext);
            }
        }
        if let Some(codec) = codec {
            out.push(b'.');
            out.extend_from_slice(codec.as_bytes());
        }
        out
    }

    /// What a date-named backup's name says: its stamp and codec.
    pub fn parse_dated(&self, name: &[u8]) -> Option<(Stamp, Option<&'static str>)> {
        let fmt = self.date_format()?;
        let (stem, codec) = match name.iter().rposition(|&b| b == b'.') {
            Some(dot) => match CODECS.iter().find(|c| c.as_bytes() == &name[dot + 1..]) {
                Some(c) => (&name[..dot], Some(*c)),
                None => (name, None),
            },
            None => (name, None),
        };
        let middle = match &self.template {
            Template::Suffix(base) => stem.strip_prefix(base.as_slice())?,
            Template::Percent { prefix, suffix } => stem
                .strip_prefix(prefix.as_slice())?
                .strip_suffix(suffix.as_slice())?,
            Template::Extension { stem: base, ext } => stem
                .strip_prefix(base.as_slice())?
                .strip_suffix(ext.as_slice())?,
        };
        let middle = std::str::from_utf8(middle).ok()?;
        if let Some(t) = parse_stamp(middle, fmt) {
            return Some(((t, 0), codec));
        }
        let (head, seq) = middle.rsplit_once('-')?;
        let seq: u32 = seq
            .parse()
            .ok()
            .filter(|&n| n > 0 && !seq.starts_with('0'))?;
        Some(((parse_stamp(head, fmt)?, seq), codec))
    }

    /// The set's directory (`.` when PATH has none).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// PATH as the user gave it, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file name template (`app.log`, `app.%.log`).
    pub fn template(&self) -> &[u8] {
        self.path
            .file_name()
            .map(OsStr::as_bytes)
            .unwrap_or_default()
    }

    /// Whether the template uses `%`.
    pub fn is_percent(&self) -> bool {
        matches!(self.template, Template::Percent { .. })
    }

    /// Joins a member's name to the directory, for messages and for tools
    /// outside the set's directory handle.
    pub fn in_dir(&self, name: &[u8]) -> PathBuf {
        let name = OsStr::from_bytes(name);
        if self
            .path
            .parent()
            .is_some_and(|p| !p.as_os_str().is_empty())
        {
            self.dir.join(name)
        } else {
            PathBuf::from(name)
        }
    }

    /// The name of the main file to create when none exists.
    pub fn main_name(&self, count: u64) -> Vec<u8> {
        self.name(0, self.width(count), None)
    }

    /// The name of backup `index` at the given width and codec.
    pub fn name(&self, index: u64, width: usize, codec: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.template {
            Template::Suffix(name) => {
                out.extend_from_slice(name);
                if index > 0 {
                    out.extend_from_slice(format!(".{index:0width$}").as_bytes());
                }
            }
            Template::Percent { prefix, suffix } => {
                out.extend_from_slice(prefix);
                out.extend_from_slice(format!("{index:0width$}").as_bytes());
                out.extend_from_slice(suffix);
            }
            Template::Extension { stem, ext } => {
                out.extend_from_slice(stem);
                if index > 0 {
                    out.extend_from_slice(format!(".{index:0width$}").as_bytes());
                }
                out.extend_from_slice(ext);
            }
        }
        if let Some(codec) = codec {
            out.push(b'.');
            out.extend_from_slice(codec.as_bytes());
        }
        out
    }

    /// The name of a file of rollover's own beside the set (`lock`, `sock`,
    /// `new`): hidden, and derived from the template so that two sets in
    /// one directory never share one.
    pub fn own_name(&self, what: &str) -> Vec<u8> {
        let mut out = b".".to_vec();
        out.extend_from_slice(self.template());
        out.extend_from_slice(b".rollover-");
        out.extend_from_slice(what.as_bytes());
        out
    }

    /// What `name` is to this set, if anything: the main file (any padding
    /// for `%` templates) or a backup at any padding, compressed or not.
    pub fn parse(&self, name: &[u8]) -> Option<Member> {
        if let Some(found) = self.parse_plain(name) {
            return Some(Member {
                index: found,
                codec: None,
            });
        }
        let dot = name.iter().rposition(|&b| b == b'.')?;
        let codec = CODECS.iter().find(|c| c.as_bytes() == &name[dot + 1..])?;
        match self.parse_plain(&name[..dot]) {
            Some(index) if index > 0 => Some(Member {
                index,
                codec: Some(codec),
            }),
            _ => None,
        }
    }

    fn parse_plain(&self, name: &[u8]) -> Option<u64> {
        match &self.template {
            Template::Suffix(base) => {
                if name == base.as_slice() {
                    return Some(0);
                }
                let digits = name.strip_prefix(base.as_slice())?.strip_prefix(b".")?;
                parse_digits(digits).filter(|&n| n > 0)
            }
            Template::Percent { prefix, suffix } => {
                let rest = name.strip_prefix(prefix.as_slice())?;
                parse_digits(rest.strip_suffix(suffix.as_slice())?)
            }
            Template::Extension { stem, ext } => {
                let rest = name
                    .strip_prefix(stem.as_slice())?
                    .strip_suffix(ext.as_slice())?;
                if rest.is_empty() {
                    return Some(0);
                }
                parse_digits(rest.strip_prefix(b".")?).filter(|&n| n > 0)
            }
        }
    }
}

/// A name's date text back to Unix seconds (local time), by FORMAT.
fn parse_stamp(text: &str, fmt: &str) -> Option<i64> {
    use chrono::TimeZone;
    use chrono::format::{Parsed, StrftimeItems, parse};
    let mut p = Parsed::new();
    parse(&mut p, text, StrftimeItems::new(fmt)).ok()?;
    if let Some(t) = p.timestamp {
        return Some(t);
    }
    let date = p.to_naive_date().ok()?;
    if p.hour_div_12.is_none() && p.hour_mod_12.is_none() {
        let _ = p.set_hour(0);
    }
    if p.minute.is_none() {
        let _ = p.set_minute(0);
    }
    let time = p.to_naive_time().ok()?;
    let local = chrono::Local.from_local_datetime(&date.and_time(time));
    Some(local.earliest().map_or_else(
        || date.and_time(time).and_utc().timestamp(),
        |t| t.timestamp(),
    ))
}

fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Whether a file name has the shape of a backup (`NAME.N`, `NAME.N.gz`),
/// so that a glob pattern never takes it for a set of its own.
pub fn looks_like_backup(name: &OsStr) -> bool {
    let mut bytes = name.as_bytes();
    if let Some(dot) = bytes.iter().rposition(|&b| b == b'.')
        && CODECS.iter().any(|c| c.as_bytes() == &bytes[dot + 1..])
    {
        bytes = &bytes[..dot];
    }
    match bytes.iter().rposition(|&b| b == b'.') {
        Some(dot) if dot > 0 => parse_digits(&bytes[dot + 1..]).is_some(),
        _ => false,
    }
}

/// Turns raw name bytes into an `OsString`.
pub fn os(name: &[u8]) -> OsString {
    OsString::from_vec(name.to_vec())
}

/// Whether an argument is a glob pattern.
pub fn is_pattern(p: &Path) -> bool {
    p.as_os_str()
        .as_encoded_bytes()
        .iter()
        .any(|b| matches!(b, b'*' | b'?' | b'['))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(path: &str) -> Naming {
        Naming::new(Path::new(path)).unwrap()
    }

    #[test]
    fn date_names_read_back_and_never_pass_for_numbers() {
        use std::time::{Duration, UNIX_EPOCH};
        let at = UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let local: chrono::DateTime<chrono::Local> = at.into();
        let stamp = local.format("%Y%m%d-%H%M%S").to_string();
        let s = n("logs/app.log").with_dates(Some(DATE_FORMAT)).unwrap();
        assert_eq!(
            s.dated_name(at, 0, None),
            format!("app.log.{stamp}").as_bytes()
        );
        assert_eq!(
            s.dated_name(at, 2, Some("gz")),
            format!("app.log.{stamp}-2.gz").as_bytes()
        );
        assert_eq!(
            s.parse_dated(&s.dated_name(at, 2, Some("gz"))),
            Some(((1_790_000_000, 2), Some("gz")))
        );
        assert_eq!(s.parse_dated(b"app.log.1"), None);
        assert_eq!(s.parse_dated(b"app.log"), None);
        let p = n("logs/app.%.log").with_dates(Some(DATE_FORMAT)).unwrap();
        assert_eq!(
            p.dated_name(at, 0, None),
            format!("app.{stamp}.log").as_bytes()
        );
        assert_eq!(
            p.parse_dated(&p.dated_name(at, 1, Some("zst"))),
            Some(((1_790_000_000, 1), Some("zst")))
        );
        // logrotate's dateext: a day's resolution, midnight local.
        let d = n("app.log").with_dates(Some("-%Y%m%d")).unwrap();
        let day = local.format("%Y%m%d").to_string();
        assert_eq!(
            d.dated_name(at, 0, None),
            format!("app.log-{day}").as_bytes()
        );
        let ((t, 0), None) = d.parse_dated(format!("app.log-{day}").as_bytes()).unwrap() else {
            panic!("no stamp");
        };
        assert!(t <= 1_790_000_000 && 1_790_000_000 - t < 86_400 + 3600);
        // Refused: names that read as numbers, no date, not strftime, a '/'.
        for bad in [".%Y%m%d", "%H%M", "%Q", "-%Y/%m", ""] {
            assert!(n("app.log").with_dates(Some(bad)).is_err(), "{bad}");
        }
        assert!(n("app.%.log").with_dates(Some("%Y%m%d")).is_err());
    }

    #[test]
    fn widths() {
        assert_eq!(width(0), 1);
        assert_eq!(width(5), 1);
        assert_eq!(width(9), 1);
        assert_eq!(width(10), 2);
        assert_eq!(width(100), 3);
        assert_eq!(width(1_000_000_000), 10);
    }

    #[test]
    fn suffix_names() {
        let s = n("logs/app.log");
        assert_eq!(s.dir(), Path::new("logs"));
        assert_eq!(s.main_name(10), b"app.log");
        assert_eq!(s.name(1, width(10), None), b"app.log.01");
        assert_eq!(s.name(10, width(10), Some("gz")), b"app.log.10.gz");
        assert_eq!(
            s.parse(b"app.log"),
            Some(Member {
                index: 0,
                codec: None
            })
        );
        for name in ["app.log.1", "app.log.01", "app.log.001"] {
            assert_eq!(
                s.parse(name.as_bytes()),
                Some(Member {
                    index: 1,
                    codec: None
                })
            );
        }
        assert_eq!(
            s.parse(b"app.log.7.zst"),
            Some(Member {
                index: 7,
                codec: Some("zst")
            })
        );
        for other in [
            "app.log.0",
            "app.log.",
            "app.log.x",
            "app.logs",
            "app.log.1.txt",
            "app.log.gz",
        ] {
            assert_eq!(s.parse(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn percent_names() {
        let s = n("logs/app.%.log");
        assert!(s.is_percent());
        assert_eq!(s.main_name(10), b"app.00.log");
        assert_eq!(s.name(1, width(10), None), b"app.01.log");
        assert_eq!(s.name(3, width(5), Some("gz")), b"app.3.log.gz");
        assert_eq!(
            s.parse(b"app.0.log"),
            Some(Member {
                index: 0,
                codec: None
            })
        );
        assert_eq!(
            s.parse(b"app.00.log"),
            Some(Member {
                index: 0,
                codec: None
            })
        );
        assert_eq!(
            s.parse(b"app.12.log.gz"),
            Some(Member {
                index: 12,
                codec: Some("gz")
            })
        );
        assert_eq!(s.parse(b"app..log"), None);
        assert_eq!(s.parse(b"app.0.log.gz"), None);
    }

    #[test]
    fn percent_in_directory_is_ordinary() {
        let s = n("100%/app.log");
        assert!(!s.is_percent());
        assert_eq!(s.dir(), Path::new("100%"));
    }

    #[test]
    fn two_percents_are_refused() {
        assert!(
            Naming::new(Path::new("a%b%.log"))
                .unwrap_err()
                .contains("more than one '%'")
        );
        assert!(Naming::new(Path::new("logs/")).is_err());
        for strftime in ["access.%Y.log", "app%d"] {
            assert!(
                Naming::new(Path::new(strftime))
                    .unwrap_err()
                    .contains("--backup-names date"),
                "{strftime}"
            );
        }
        assert!(Naming::new(Path::new("%Y/app.log")).is_ok());
    }

    #[test]
    fn bare_name_lives_in_dot() {
        let s = n("app.log");
        assert_eq!(s.dir(), Path::new("."));
        assert_eq!(s.in_dir(b"app.log.1"), PathBuf::from("app.log.1"));
        assert_eq!(s.own_name("lock"), b".app.log.rollover-lock");
    }

    #[test]
    fn backup_shapes() {
        for yes in ["app.log.1", "app.log.01.gz", "x.3"] {
            assert!(looks_like_backup(OsStr::new(yes)), "{yes}");
        }
        for no in ["app.log", "app.log.gz", ".1", "app.1x"] {
            assert!(!looks_like_backup(OsStr::new(no)), "{no}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    //! Any path and any directory entry: a name or an error, never a panic;
    //! every name the set makes parses back to its number.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn any_path_and_entry(path in "[a-z%./]{0,12}", entry in prop::collection::vec(any::<u8>(), 0..20)) {
            if let Ok(n) = Naming::new(Path::new(&path)) {
                let _ = n.parse(&entry);
                let _ = looks_like_backup(OsStr::from_bytes(&entry));
            }
        }

        #[test]
        fn names_round_trip(stem in "[a-z]{1,6}", percent in any::<bool>(), index in 0u64..100_000, count in 1u64..1_000_000_000) {
            let path = if percent { format!("{stem}.%.log") } else { format!("{stem}.log") };
            let n = Naming::new(Path::new(&path)).unwrap();
            let name = n.name(index, width(count), None);
            prop_assert_eq!(n.parse(&name).map(|m| m.index), Some(index));
            if index > 0 {
                let gz = n.name(index, width(count), Some("gz"));
                prop_assert_eq!(n.parse(&gz), Some(Member { index, codec: Some("gz") }));
            }
        }
    }
}
