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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Template {
    /// `app.log`: backups are `app.log.N`.
    Suffix(Vec<u8>),
    /// `app.%.log`: the number replaces `%`; the main file is number 0.
    Percent { prefix: Vec<u8>, suffix: Vec<u8> },
}

/// The names of one set: its directory and the template of its file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    dir: PathBuf,
    template: Template,
    path: PathBuf,
}

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
        })
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
        self.name(0, width(count), None)
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
        }
    }
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
