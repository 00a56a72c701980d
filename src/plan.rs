//! Which renames and deletes a rotation needs, decided from a listing of
//! the set alone. Pure: it touches no file, so every damaged set a crash
//! can leave is tested here as a table.

use std::time::SystemTime;

use rustix::fs::FileType;

use crate::naming::{Naming, Stamp};

/// A file's identity, which survives renames and compression's swap of
/// names: its device and inode numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// A member of the set as found on disk (the main file, or any file the
/// set names).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub ino: u64,
    pub dev: u64,
    pub nlink: u64,
    pub file_type: FileType,
    pub mtime: SystemTime,
}

impl Entry {
    /// The file's identity.
    pub fn id(&self) -> FileId {
        FileId {
            dev: self.dev,
            ino: self.ino,
        }
    }
}

/// A backup as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Its number; a date-named backup's rank (1 = newest).
    pub index: u64,
    pub codec: Option<&'static str>,
    pub name: Vec<u8>,
    /// A date-named backup's parsed start and `-N`.
    pub stamp: Option<Stamp>,
}

/// The members of a set, read from one pass over its directory.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub main: Option<Entry>,
    /// Highest number first.
    pub backups: Vec<Backup>,
    /// Size of a main file left beside the set by a rotation that crashed
    /// between swapping in the new main file and naming the old one.
    pub leftover: Option<u64>,
    /// A rotation's renames began and did not all end (a crash): the gap
    /// such a cascade leaves closes at the next rotation, where any other
    /// gap moves up with the rest. The lock file says so (see
    /// `lock::mark_cascade`); it is read only where there is a gap.
    pub cascading: bool,
}

impl Listing {
    /// Whether the numbered backups leave a gap below their highest
    /// number: only then can a crashed cascade matter.
    pub fn has_gap(&self) -> bool {
        let mut numbers: Vec<u64> = self.backups.iter().map(|b| b.index).collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
            .last()
            .is_some_and(|&top| top != numbers.len() as u64)
    }
}

/// Whether an empty main file is rotated (`--rotate-empty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Never: no empty backup is made.
    Keep,
    /// As any other (logrotate's `ifempty`).
    Rotate,
}

/// How the main file's contents become backup 1 (`rotate --method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The main file is renamed; a new empty one takes its place.
    #[default]
    Rename,
    /// Its leading whole blocks are copied out, then removed from the
    /// front of the live file: nothing an appending writer adds is lost.
    Collapse,
    /// It is copied out, then truncated: what is written in between is
    /// lost (logrotate's copytruncate).
    CopyTruncate,
    /// It is copied out and left as it is (logrotate's `copy`).
    Copy,
    /// The main file is renamed and no new one is made: its program makes
    /// its own when it reopens (`--no-create`, logrotate's `nocreate`).
    RenameOnly,
}

impl Method {
    /// The method's name, as `--method` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Rename => "rename",
            Method::Collapse => "collapse",
            Method::CopyTruncate => "copytruncate",
            Method::Copy => "copy",
            Method::RenameOnly => "rename (no-create)",
        }
    }
}

/// The owner and mode of the main file a rotation swaps in: by default
/// the old main file's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fresh {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
}

/// One step of a rotation; `--dry-run` and `-v` print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Delete(Vec<u8>),
    Rename(Vec<u8>, Vec<u8>),
    /// The main file's contents become `backup`, by `method`; with
    /// [`Method::Rename`] a new empty main file, as `fresh` says, takes its
    /// place.
    SwapIn {
        main: Vec<u8>,
        backup: Vec<u8>,
        method: Method,
        fresh: Fresh,
    },
    Truncate(Vec<u8>),
}

impl Action {
    /// Describes the step for `-v` and `--dry-run`, each name shown by
    /// `path` (its full path).
    pub fn describe(&self, path: impl Fn(&[u8]) -> String) -> String {
        let p = path;
        match self {
            Action::Delete(n) => format!("delete {}", p(n)),
            Action::Rename(a, b) => format!("rename {} to {}", p(a), p(b)),
            Action::SwapIn {
                main,
                backup,
                method,
                ..
            } => match method {
                Method::Rename => format!(
                    "rename {} to {} and create a new empty {}",
                    p(main),
                    p(backup),
                    p(main)
                ),
                Method::Collapse => format!(
                    "copy the leading blocks of {} to {} and collapse them out of it",
                    p(main),
                    p(backup)
                ),
                Method::CopyTruncate => {
                    format!("copy {} to {} and truncate it", p(main), p(backup))
                }
                Method::Copy => format!("copy {} to {}", p(main), p(backup)),
                Method::RenameOnly => format!(
                    "rename {} to {} (no new {}: its program makes it)",
                    p(main),
                    p(backup),
                    p(main)
                ),
            },
            Action::Truncate(n) => format!("truncate {}", p(n)),
        }
    }
}

/// The steps that rotate the set to `count` backups; `start` is the time
/// a date-named backup is named for (see `--date-of`). A missing main
/// file is never rotated, nor an empty one unless `empty` says so: no
/// steps.
pub fn rotation(
    naming: &Naming,
    listing: &Listing,
    count: u64,
    start: SystemTime,
    empty: Empty,
) -> Vec<Action> {
    let Some(main) = listing
        .main
        .as_ref()
        .filter(|m| m.size > 0 || empty == Empty::Rotate)
    else {
        return Vec::new();
    };
    if naming.dates().is_some() {
        return dated_rotation(naming, listing, count, main, start);
    }
    let mut steps = shift(naming, listing, count);
    if count == 0 {
        steps.push(Action::Truncate(main.name.clone()));
    } else {
        steps.push(Action::SwapIn {
            main: main.name.clone(),
            backup: naming.name(1, naming.width(count), None),
            method: Method::Rename,
            fresh: Fresh::default(),
        });
    }
    steps
}

/// Date-named backups keep their names: the oldest beyond the count go,
/// and the main file is renamed once, to its start's name (with `-1`,
/// `-2` where that is taken).
fn dated_rotation(
    naming: &Naming,
    listing: &Listing,
    count: u64,
    main: &Entry,
    start: SystemTime,
) -> Vec<Action> {
    let mut steps: Vec<Action> = listing
        .backups
        .iter()
        .filter(|b| b.index >= count)
        .map(|b| Action::Delete(b.name.clone()))
        .collect();
    if count == 0 {
        steps.push(Action::Truncate(main.name.clone()));
        return steps;
    }
    steps.push(Action::SwapIn {
        main: main.name.clone(),
        backup: free_dated_name(naming, listing, start),
        method: Method::Rename,
        fresh: Fresh::default(),
    });
    steps
}

/// The name for a backup started at `start`: its start's name, or, where
/// backups with that start exist, the next `-N` after theirs, so that the
/// newest backup always ranks first.
pub fn free_dated_name(naming: &Naming, listing: &Listing, start: SystemTime) -> Vec<u8> {
    let plain = naming.dated_name(start, 0, None);
    let Some(((t, _), _)) = naming.parse_dated(&plain) else {
        return plain;
    };
    let last = listing
        .backups
        .iter()
        .filter_map(|b| b.stamp)
        .filter(|&(bt, _)| bt == t)
        .map(|(_, seq)| seq)
        .max();
    match last {
        None => plain,
        Some(seq) => naming.dated_name(start, seq + 1, None),
    }
}

/// The same steps, with the main file's contents moved out by `method`
/// and a swapped-in main file made as `fresh` says.
pub fn with_method(mut steps: Vec<Action>, how: Method, made: Fresh) -> Vec<Action> {
    for step in &mut steps {
        if let Action::SwapIn { method, fresh, .. } = step {
            *method = how;
            *fresh = made;
        }
    }
    steps
}

/// Frees number 1. Backups numbered `count` and above are deleted (a
/// symlink among them too: the link, never its target), and each other
/// one moves one number up, highest first, so that each target is free
/// when it is taken: a gap moves up with the rest (backups 1, 3, 4 become
/// 2, 4, 5), as logrotate does; of two with one number (two paddings),
/// the older goes one further. After a crash part-way through a cascade
/// (`listing.cascading`) its gap closes instead: the backups are numbered
/// 2, 3 ... in age order, renames that move one down first, lowest first,
/// then those that move one up, highest first, so that at every step the
/// numbers keep the backups in age order.
pub fn shift(naming: &Naming, listing: &Listing, count: u64) -> Vec<Action> {
    let w = naming.width(count);
    // Newest first; listing.backups is highest number first.
    // The number each one goes to, newest first; two backups with one
    // number (two paddings) never go to the same one.
    let mut last = 1;
    let mut steps = Vec::new();
    for b in listing.backups.iter().rev() {
        let to = if listing.cascading {
            last + 1
        } else {
            (b.index + 1).max(last + 1)
        };
        if to > count {
            steps.push((b, None));
        } else {
            last = to;
            steps.push((b, Some(to)));
        }
    }
    // Oldest first.
    let mut actions: Vec<Action> = steps
        .iter()
        .rev()
        .filter(|(_, to)| to.is_none())
        .map(|(b, _)| Action::Delete(b.name.clone()))
        .collect();
    let mut rename = |b: &Backup, to: u64| {
        let name = naming.name(to, w, b.codec);
        if name != b.name {
            actions.push(Action::Rename(b.name.clone(), name));
        }
    };
    for (b, to) in &steps {
        if let Some(to) = *to
            && to <= b.index
        {
            rename(b, to);
        }
    }
    for (b, to) in steps.iter().rev() {
        if let Some(to) = *to
            && to > b.index
        {
            rename(b, to);
        }
    }
    actions
}

/// The plain backup that these steps bring to number `at` (the new backup
/// itself when `at` is 1): the one `--compress-from` compresses now.
pub fn brought_to(naming: &Naming, steps: &[Action], at: u64) -> Option<Vec<u8>> {
    steps.iter().find_map(|s| {
        let to = match s {
            Action::Rename(_, to) => to,
            Action::SwapIn { backup, .. } => backup,
            _ => return None,
        };
        naming
            .parse(to)
            .is_some_and(|m| m.index == at && m.codec.is_none())
            .then(|| to.clone())
    })
}

/// The steps that finish a rotation that crashed after the new main file
/// was swapped in but before the old one (waiting under `leftover_name`)
/// was named backup 1. An empty leftover (a crash before the swap) is
/// deleted, and so is any leftover with count 0.
pub fn recovery(
    naming: &Naming,
    listing: &Listing,
    count: u64,
    leftover_name: &[u8],
    dated: Option<&[u8]>,
) -> Vec<Action> {
    match listing.leftover {
        None => Vec::new(),
        Some(0) => vec![Action::Delete(leftover_name.to_vec())],
        Some(_) if count == 0 => vec![Action::Delete(leftover_name.to_vec())],
        // A date-named backup takes its start's free name: no shift.
        Some(_) if dated.is_some() => vec![Action::Rename(
            leftover_name.to_vec(),
            dated.map(<[u8]>::to_vec).unwrap_or_default(),
        )],
        Some(_) => {
            // Backup 1 is free (the shift came before the swap) unless
            // something else took it since: shift only then.
            let mut steps = if listing.backups.iter().any(|b| b.index == 1) {
                shift(naming, listing, count)
            } else {
                Vec::new()
            };
            steps.push(Action::Rename(
                leftover_name.to_vec(),
                naming.name(1, naming.width(count), None),
            ));
            steps
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn naming() -> Naming {
        Naming::new(Path::new("app.log")).unwrap()
    }

    /// A listing with a main file of `size` bytes and the named backups;
    /// `cascading`: a cascade's mark is there.
    fn listing_with(size: u64, backups: &[&str], cascading: bool) -> Listing {
        Listing {
            cascading,
            ..listing(size, backups)
        }
    }

    /// A listing with a main file of `size` bytes and the named backups.
    fn listing(size: u64, backups: &[&str]) -> Listing {
        let n = naming();
        let mut bs: Vec<Backup> = backups
            .iter()
            .map(|b| {
                let m = n.parse(b.as_bytes()).expect("a backup name");
                Backup {
                    index: m.index,
                    codec: m.codec,
                    name: b.as_bytes().to_vec(),
                    stamp: None,
                }
            })
            .collect();
        bs.sort_by(|a, b| b.index.cmp(&a.index).then_with(|| a.name.cmp(&b.name)));
        Listing {
            main: Some(Entry {
                name: b"app.log".to_vec(),
                size,
                mode: 0o644,
                uid: 0,
                gid: 0,
                ino: 1,
                dev: 1,
                nlink: 1,
                file_type: FileType::RegularFile,
                mtime: SystemTime::UNIX_EPOCH,
            }),
            backups: bs,
            leftover: None,
            cascading: false,
        }
    }

    fn show(steps: &[Action]) -> Vec<String> {
        let n = naming();
        steps
            .iter()
            .map(|s| s.describe(|m| n.in_dir(m).display().to_string()))
            .collect()
    }

    #[test]
    fn table() {
        // (count, backups on disk, the steps in order)
        let cases: &[(u64, &[&str], &[&str])] = &[
            // A fresh set.
            (
                5,
                &[],
                &["rename app.log to app.log.1 and create a new empty app.log"],
            ),
            // Intact: shift each one up, highest first.
            (
                5,
                &["app.log.1", "app.log.2"],
                &[
                    "rename app.log.2 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // Full: the oldest goes.
            (
                3,
                &["app.log.1", "app.log.2", "app.log.3"],
                &[
                    "delete app.log.3",
                    "rename app.log.2 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // A gap moves up with the rest, as logrotate's does.
            (
                5,
                &["app.log.1", "app.log.2", "app.log.4"],
                &[
                    "rename app.log.4 to app.log.5",
                    "rename app.log.2 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            (
                5,
                &["app.log.2", "app.log.3"],
                &[
                    "rename app.log.3 to app.log.4",
                    "rename app.log.2 to app.log.3",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // Numbered at and above the count: deleted, whatever the gaps.
            (
                3,
                &["app.log.1", "app.log.3"],
                &[
                    "delete app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            (
                3,
                &["app.log.7", "app.log.9"],
                &[
                    "delete app.log.9",
                    "delete app.log.7",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // Another padding: renamed to the current width.
            (
                10,
                &["app.log.1", "app.log.2.gz"],
                &[
                    "rename app.log.2.gz to app.log.03.gz",
                    "rename app.log.1 to app.log.02",
                    "rename app.log to app.log.01 and create a new empty app.log",
                ],
            ),
            // The same number twice (two paddings): both kept, in order.
            (
                5,
                &["app.log.1", "app.log.01"],
                &[
                    "rename app.log.01 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // Count 0: every backup deleted, the main file truncated.
            (
                0,
                &["app.log.1", "app.log.2"],
                &["delete app.log.2", "delete app.log.1", "truncate app.log"],
            ),
            // Count 1: only the newest backup is kept.
            (
                1,
                &["app.log.1"],
                &[
                    "delete app.log.1",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
        ];
        for (count, backups, want) in cases {
            let got = show(&rotation(
                &naming(),
                &listing(10, backups),
                *count,
                SystemTime::UNIX_EPOCH,
                Empty::Keep,
            ));
            assert_eq!(got, *want, "count {count}, backups {backups:?}");
        }
    }

    /// After a crash part-way through a cascade (its mark is there), its
    /// gap closes: the backups are numbered in age order again, moves down
    /// first, and nothing is overwritten.
    #[test]
    fn a_gap_is_a_missing_number_below_the_highest() {
        assert!(!listing(1, &[]).has_gap());
        assert!(!listing(1, &["app.log.1", "app.log.2.gz"]).has_gap());
        assert!(!listing(1, &["app.log.1", "app.log.01"]).has_gap());
        assert!(listing(1, &["app.log.1", "app.log.3"]).has_gap());
        assert!(listing(1, &["app.log.2"]).has_gap());
    }

    #[test]
    fn a_half_done_cascade_closes_its_gap() {
        let cases: &[(u64, &[&str], &[&str])] = &[
            (
                5,
                &["app.log.1", "app.log.2", "app.log.4"],
                &[
                    "rename app.log.2 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // 4 moved to 5, 3 not yet.
            (
                9,
                &["app.log.1", "app.log.3", "app.log.5"],
                &[
                    "rename app.log.5 to app.log.4",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
            // Number 1 missing: the others already stand where they go.
            (
                5,
                &["app.log.2", "app.log.3"],
                &["rename app.log to app.log.1 and create a new empty app.log"],
            ),
            // A full set whose oldest was deleted before the crash: all the
            // others are kept.
            (
                5,
                &["app.log.1", "app.log.2", "app.log.4", "app.log.5"],
                &[
                    "rename app.log.2 to app.log.3",
                    "rename app.log.1 to app.log.2",
                    "rename app.log to app.log.1 and create a new empty app.log",
                ],
            ),
        ];
        for (count, backups, want) in cases {
            let got = show(&rotation(
                &naming(),
                &listing_with(10, backups, true),
                *count,
                SystemTime::UNIX_EPOCH,
                Empty::Keep,
            ));
            assert_eq!(got, *want, "count {count}, backups {backups:?}");
        }
    }

    #[test]
    fn the_backup_brought_to_a_number() {
        let steps = rotation(
            &naming(),
            &listing(10, &["app.log.1", "app.log.2.gz"]),
            5,
            SystemTime::UNIX_EPOCH,
            Empty::Keep,
        );
        let at = |n| brought_to(&naming(), &steps, n);
        assert_eq!(at(1), Some(b"app.log.1".to_vec()));
        assert_eq!(at(2), Some(b"app.log.2".to_vec()));
        // Already compressed, or nothing there: nothing to do.
        assert_eq!(at(3), None);
        assert_eq!(at(4), None);
    }

    #[test]
    fn an_empty_main_file_is_rotated_only_when_asked_and_a_missing_one_never() {
        let empty = listing(0, &["app.log.1"]);
        let at = SystemTime::UNIX_EPOCH;
        assert!(rotation(&naming(), &empty, 5, at, Empty::Keep).is_empty());
        assert_eq!(
            show(&rotation(&naming(), &empty, 5, at, Empty::Rotate)),
            [
                "rename app.log.1 to app.log.2",
                "rename app.log to app.log.1 and create a new empty app.log"
            ]
        );
        let mut l = listing(10, &[]);
        l.main = None;
        assert!(rotation(&naming(), &l, 5, at, Empty::Rotate).is_empty());
    }

    #[test]
    fn recovery_names_the_leftover_backup_one() {
        let left = b".app.log.rollover-new";
        let mut l = listing(10, &["app.log.2"]);
        l.leftover = Some(7);
        assert_eq!(
            show(&recovery(&naming(), &l, 5, left, None)),
            ["rename .app.log.rollover-new to app.log.1"]
        );
        // Backup 1 taken since: shift first.
        let mut l = listing(10, &["app.log.1"]);
        l.leftover = Some(7);
        assert_eq!(
            show(&recovery(&naming(), &l, 5, left, None)),
            [
                "rename app.log.1 to app.log.2",
                "rename .app.log.rollover-new to app.log.1"
            ]
        );
        // Empty, or count 0: deleted.
        l.leftover = Some(0);
        assert_eq!(
            show(&recovery(&naming(), &l, 5, left, None)),
            ["delete .app.log.rollover-new"]
        );
        l.leftover = Some(3);
        assert_eq!(
            show(&recovery(&naming(), &l, 0, left, None)),
            ["delete .app.log.rollover-new"]
        );
        l.leftover = None;
        assert!(recovery(&naming(), &l, 5, left, None).is_empty());
    }
}
