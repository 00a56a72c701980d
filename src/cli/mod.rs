//! The command line as data: clap's derive types, their help text and
//! value parsers, and the one step ([`Cli::into_job`]) that turns them
//! into the domain types of `config`. Nothing here acts, and no other
//! module names a clap type.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Codec, DEFAULT_COUNT, KeepFree, Names};
use crate::naming::Naming;
use crate::policy::Every;
use crate::stamp::Format;
use crate::units::{
    Owner, parse_count, parse_days, parse_duration, parse_owner, parse_perm, parse_size, parse_time,
};

mod help;
mod parse;

use help::{
    CAT_AFTER, FOLLOW_AFTER, IMPORT_AFTER, RESET_AFTER, ROTATE_AFTER, STATUS_AFTER, WRITE_AFTER,
};
pub use parse::{Parsed, parse_job, parse_set, set_command};

/// Write stdin into a rotating set of log files; never split a line.
#[derive(Debug, Parser)]
#[command(
    name = "rollover",
    version,
    about = "Write stdin into a rotating set of log files; never split a line",
    long_about = "Write stdin into a rotating set of log files; never split a line.\n\n\
        PRODUCER | rollover [OPTIONS] PATH writes a rotating set at PATH that \
        never splits a line, never exceeds its size limit and never loses a byte. \
        The subcommands rotate, reset and inspect sets, with or without a live writer. \
        A first argument that names a subcommand is the subcommand; \
        'rollover -- rotate' or 'rollover ./rotate' writes to a file called rotate.",
    after_long_help = WRITE_AFTER,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    propagate_version = true,
    term_width = 79
)]
pub struct Cli {
    #[command(flatten)]
    pub write: WriteArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The writer's options.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The main file; backups are PATH.1, PATH.2 ... (or fill a '%' in it)
    #[arg(value_name = "PATH", required = true, value_parser = parse_set_path, value_hint = clap::ValueHint::FilePath)]
    pub path: Option<Naming>,

    /// Rotate before a line would take the main file past SIZE (0: off)
    ///
    /// Before a line is written, if the main file is not empty and its size
    /// plus the line would exceed SIZE, the set is rotated first: a file may
    /// reach exactly SIZE. SIZE is a number (decimals allowed) with an
    /// optional unit: K, M, G, T (or KiB, MiB, GiB, TiB) are powers of 1024;
    /// KB, MB, GB, TB powers of 1000; B or nothing is bytes; case does not
    /// matter. 0 turns the size limit off.
    #[arg(short = 's', long, value_name = "SIZE", default_value = "10M", value_parser = parse_size, allow_hyphen_values = true)]
    pub max_size: u64,

    /// Rotate once the main file is older than DURATION (e.g. 1d, 12h)
    ///
    /// Age counts from the main file's birth (the last rotation), so it
    /// survives a restart of the writer; an idle writer rotates on time,
    /// within a second. An empty main file is never rotated. DURATION is a
    /// number with a unit: 90s, 30m, 12h, 7d, 2weeks, '1h 30m'; a bare
    /// number is an error. 0s turns the age limit off.
    #[arg(short = 'a', long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_age: Option<Duration>,

    /// Rotate at the start of each hour, day, week, month or year
    ///
    /// hour, day, week[:DAY], month or year, in local time, counting from
    /// the main file's age origin (the last rotation, or its birth): a file
    /// whose origin lies before the start of the current period is rotated
    /// (within a second of the boundary by a writer). A period starts at its
    /// first existing local instant, so daylight saving changes neither skip
    /// nor repeat a rotation. week starts on Monday; week:DAY (sun, mon ...
    /// sat) on DAY, as logrotate's weekly (week:sun) counts it: due on DAY
    /// once the origin's date is a day or more back, or on any day once it
    /// is 7 or more back; week:any only the latter (logrotate's weekly 7).
    /// Combines with -s and -a: whichever comes first.
    #[arg(long, value_name = "PERIOD", value_parser = Every::parse)]
    pub every: Option<Every>,

    /// --max-age in days, fractions allowed (1.5 is 36 hours)
    #[arg(long, value_name = "N", value_parser = parse_days, conflicts_with = "max_age")]
    pub max_days: Option<Duration>,

    /// Keep N backups; 0 truncates the main file instead of rotating
    ///
    /// Backup numbers are zero-padded to the digits of N. Backups numbered N
    /// and above are deleted at each rotation. With 0, a rotation truncates
    /// the main file in place and keeps nothing.
    #[arg(
        short = 'c',
        long,
        value_name = "N",
        default_value_t = DEFAULT_COUNT,
        value_parser = parse_count,
        allow_hyphen_values = true
    )]
    pub max_count: u64,

    /// a: append; w: clear the set first; x: fail if any of it exists
    #[arg(
        short = 'm',
        long,
        value_enum,
        value_name = "MODE",
        default_value = "a"
    )]
    pub mode: ModeArg,

    /// Write a line without its newline after waiting this long
    ///
    /// A trailing line without a newline is held until its newline arrives,
    /// until end of input, or until this much time has passed; it is then
    /// written as it is, and the rest of the line follows it into the same
    /// file, even past the size limit.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub partial_timeout: Duration,

    /// Prefix lines with the time read: rfc3339, unix, tai64n or strftime
    ///
    /// Each line gets the time it was read and one space. rfc3339 (the
    /// default): 2026-11-22T03:15:00.123456Z, in UTC. unix:
    /// 1795317300.123456. tai64n: @4000000069... as multilog writes it, for
    /// tai64nlocal. Anything else is a strftime pattern in local time (TZ),
    /// e.g. -t='%Y-%m-%d %H:%M:%S'. Sizes count the prefixed bytes.
    #[arg(
        short = 't',
        long,
        value_name = "FORMAT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "rfc3339",
        value_parser = Format::parse
    )]
    pub timestamp: Option<Format>,

    /// Also copy the input to stdout
    ///
    /// If stdout goes away, the copy stops with one warning and the files
    /// are still written.
    #[arg(long)]
    pub tee: bool,

    /// Write only the lines REGEX matches (repeatable; see --deselect)
    ///
    /// --select and --deselect rules apply in the order given, as s6-log's
    /// plus and minus do: a line starts selected if the first rule is a
    /// --deselect, deselected if it is a --select; each rule whose regex matches
    /// anywhere in the line (its first 64 KiB, without newline or
    /// timestamp) sets it; the last match decides. Only selected lines are
    /// written; status counts the others. Regex syntax: the regex crate's.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub select: Vec<regex::bytes::Regex>,

    /// Leave out the lines REGEX matches (repeatable; see --select)
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub deselect: Vec<regex::bytes::Regex>,

    /// Write at most N lines per DURATION (e.g. 2000/1s); drop the rest
    ///
    /// Windows of DURATION follow one another from the first line; lines
    /// beyond N in a window are dropped, and when a window that dropped
    /// lines ends (within a second, input or not), one line says so where
    /// they would have been: "rollover: dropped N lines (B bytes) from T1
    /// to T2: rate limit 2000/1s". Selection comes first.
    #[arg(long, value_name = "N/DURATION", value_parser = crate::select::parse_rate)]
    pub rate_limit: Option<crate::select::RateLimit>,

    /// When writing stalls (full disk, stalled storage): block or drop
    ///
    /// block (default): stop reading; the producer blocks on the full
    /// pipe, and nothing is lost. drop: reading never stops; lines wait in
    /// a buffer of --buffer bytes, and once it is full whole incoming lines
    /// are dropped (the oldest waiting ones are kept) until it has been
    /// written out; then one line says what was dropped, where it would
    /// have been: "rollover: dropped N lines (B bytes) from T1 to T2:
    /// CAUSE". For a service that must not stall on its log (Apache stops
    /// answering when its piped log blocks).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "block")]
    pub on_stall: OnStallArg,

    /// With --on-stall drop: how much may wait while writing is stalled
    #[arg(long, value_name = "SIZE", default_value = "4M", value_parser = parse_size)]
    pub buffer: u64,

    /// The order of --select and --deselect across both, filled in from
    /// the parsed arguments' positions.
    #[arg(skip)]
    pub rule_order: Vec<bool>,

    /// Sync files to disk: never, before a file becomes a backup, always
    #[arg(long, value_enum, value_name = "WHEN", default_value = "rotate")]
    pub fsync: FsyncArg,

    #[command(flatten)]
    pub finish: FinishArgs,

    #[command(flatten)]
    pub files: FilesArgs,
}

/// How a set's files are named and made: writer and `rotate`.
#[derive(Debug, Args)]
pub struct FilesArgs {
    /// Name backups by number (PATH.1 newest) or by date (date[:FORMAT])
    ///
    /// date names each backup for its start (the main file's birth) in
    /// local time with a strftime FORMAT that replaces '.N' (or, in a '%'
    /// name, the '%'); the default .%Y%m%d-%H%M%S gives
    /// app.log.20261130-031500, and logrotate's dateext is date:-%Y%m%d.
    /// A name that exists already gets -1, -2. A rotation is then one
    /// rename; the count, --compress-from and status rank backups newest
    /// first. The choice is recorded beside the set, and rotate without
    /// this option names backups as the set's last writer did.
    #[arg(long, value_name = "number|date[:FORMAT]", value_parser = Names::parse)]
    pub backup_names: Option<Names>,

    /// The time a date-named backup's name shows: start, rotation ...
    ///
    /// start (the default): the backup's start, the main file's age origin.
    /// rotation: the moment it was rotated (logrotate's dateext).
    /// yesterday: noon of the day before the rotation (dateyesterday).
    /// hour-ago: an hour before the rotation (datehourago).
    #[arg(long, value_enum, value_name = "WHEN")]
    pub date_of: Option<DateOfArg>,

    /// Write backup numbers zero-padded (auto: .01 ... .10) or not (none)
    ///
    /// auto pads numbers to the digits of the count: count 10 gives .01 to
    /// .10. none writes them as logrotate does, .1 to .10; import-logrotate
    /// writes padding = "none", so a migrated machine keeps its backups'
    /// names. A backup is recognised at any padding either way. Recorded
    /// beside the set: rotate without it pads as the set's last writer did.
    /// [default: auto]
    #[arg(long, value_enum, value_name = "HOW")]
    pub padding: Option<PaddingArg>,

    /// Mode of new main files, in octal (default 0644 minus the umask)
    ///
    /// The exact mode of a main file rollover creates, umask aside. Without
    /// it, a main file that a rotation swaps in gets the old one's mode;
    /// backups keep the mode they had.
    #[arg(long, value_name = "MODE", value_parser = parse_perm)]
    pub perm: Option<u32>,

    /// As root, allow a directory that other users can write
    #[arg(long)]
    pub insecure_dir: bool,

    /// Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate's extension)
    ///
    /// Where the main file's name ends in EXT (matched literally, dot
    /// included), the number (or date) goes before it and the main file
    /// keeps its name: mylog.foo, mylog.1.foo, mylog.2.foo.gz. Recorded with
    /// the set's state, so status and a later rotate name backups alike.
    #[arg(long, value_name = "EXT")]
    pub extension: Option<String>,

    /// Keep the backups in DIR, relative to the main file's directory
    ///
    /// logrotate's olddir: backups live there under the same names. On
    /// another file system a new backup is copied there, synced, named and
    /// only then deleted beside the main file (rotate does so after the
    /// --on-rotate hook). A missing DIR is an error, unless
    /// --backup-dir-perm or --backup-dir-owner is given (createolddir):
    /// then it is created so.
    /// Recorded with the set's state, so status and a later rotate find
    /// the backups there without it.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub backup_dir: Option<PathBuf>,

    /// Create a missing --backup-dir with MODE (octal; default 0755)
    #[arg(long, value_name = "MODE", value_parser = parse_perm, requires = "backup_dir")]
    pub backup_dir_perm: Option<u32>,

    /// Create a missing --backup-dir owned by USER[:GROUP]
    #[arg(long, value_name = "USER[:GROUP]", value_parser = parse_owner, requires = "backup_dir")]
    pub backup_dir_owner: Option<Owner>,
}

impl FilesArgs {
    /// `--backup-dir` and how to make it.
    pub fn backup_dir(&self) -> Option<crate::config::BackupDir> {
        let make = (self.backup_dir_perm.is_some() || self.backup_dir_owner.is_some()).then(|| {
            crate::config::MakeDir {
                mode: self.backup_dir_perm,
                uid: self.backup_dir_owner.map(|o| o.uid),
                gid: self.backup_dir_owner.map(|o| o.gid),
            }
        });
        Some(crate::config::BackupDir {
            dir: self.backup_dir.clone()?,
            make,
        })
    }
}

/// How each backup is finished beyond its sync: writer and `rotate`.
#[derive(Debug, Args)]
pub struct FinishArgs {
    /// Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)
    ///
    /// Each backup is compressed beside the writer, at idle CPU priority
    /// and not while the writer's producer is ahead of it (up to 10 s;
    /// not at all while --keep-free is deleting backups for space),
    /// into a hidden file of the set's own that is synced and then renamed
    /// to the backup's number with the codec's extension; only then is the
    /// plain backup deleted. gzip's default level is 6, zstd's 3. gzip -t,
    /// zstd -t, zcat and zstdcat read the results.
    #[arg(long, value_name = "CODEC", value_parser = Codec::parse)]
    pub compress: Option<Codec>,

    /// Compress with COMMAND instead: backup on stdin, result on stdout
    ///
    /// logrotate's compresscmd with its compressoptions, run with /bin/sh
    /// -c by the finisher at idle priority like the built-in codecs, into
    /// the same hidden file with the same crash safety; --compress-ext
    /// names the result (e.g. --compress-command 'xz -9' --compress-ext xz).
    #[arg(
        long,
        value_name = "COMMAND",
        conflicts_with = "compress",
        requires = "compress_ext"
    )]
    pub compress_command: Option<String>,

    /// The extension --compress-command's backups get (xz, bz2, lz4 ...)
    ///
    /// One that rollover recognises as a compressed backup's: gz, zst, xz,
    /// bz2, lz4, br, lzma (a leading dot is dropped).
    #[arg(long, value_name = "EXT", value_parser = Codec::parse_ext, requires = "compress_command")]
    pub compress_ext: Option<String>,

    /// Leave backups numbered below N uncompressed (2: logrotate's delaycompress)
    ///
    /// A backup is compressed when it moves to number N. 2 is logrotate's
    /// delaycompress, for programs that still write to the last file for a
    /// while. Default 1: every backup.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    pub compress_from: u64,

    /// Delete the oldest backups until all backups take at most SIZE
    ///
    /// Checked each time a backup is finished (synced, and compressed where
    /// it will be); backup 1 is never deleted by this rule, and a backup
    /// still owed its compression costs no older backup its place. The main
    /// file does not count.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total: Option<u64>,

    /// Delete backups last written more than DURATION ago
    ///
    /// Checked at each rotation, at least hourly by a writer, and by each
    /// rotate run, whether or not it rotates.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_backup_age: Option<Duration>,

    /// Delete the oldest backups before the disk has less than SIZE or PCT% free
    ///
    /// Before a write or a rotation would leave the file system that holds
    /// the backups with less free space than SIZE (or PCT% of its size,
    /// free as an unprivileged user sees it), the oldest backups go, one at
    /// a time, never the main file and never below --min-keep. Free space
    /// is read at most once a second and at each rotation. A write that
    /// fails for lack of space (ENOSPC, EDQUOT) deletes by the same rule
    /// and is retried at once; only with nothing left to delete does the
    /// writer stall or drop (--on-stall). Each deletion is a warning line.
    /// Without --keep-free, rollover never deletes a backup for space.
    #[arg(long, value_name = "SIZE|PCT%", value_parser = KeepFree::parse)]
    pub keep_free: Option<KeepFree>,

    /// With --keep-free: never delete below N backups [default: 1]
    #[arg(long, value_name = "N", value_parser = parse_count, requires = "keep_free")]
    pub min_keep: Option<u64>,

    /// Run COMMAND (with /bin/sh -c) once each backup is finished
    ///
    /// $1 is the main file and $2 the backup, as logrotate's postrotate
    /// gets them; ROLLOVER_MAIN, ROLLOVER_BACKUP (compressed name included),
    /// ROLLOVER_BACKUP_FILE (the same file at a name that stays put while
    /// the hook runs: a live writer may renumber the backup meanwhile) and
    /// ROLLOVER_REASON (size, age, every, signal, request) are in its
    /// environment; stdin is /dev/null, stdout goes to rollover's stderr.
    /// A writer runs one hook at a time and never waits for it; a failed or
    /// killed hook is a warning. rotate on a set that no writer holds runs
    /// it right after the rename (the program writing the file may still
    /// write to the backup until it reopens: logrotate's postrotate, e.g.
    /// 'nginx -s reopen'), finishes the backup after it, and fails (exit 1)
    /// when it fails.
    #[arg(long, value_name = "COMMAND")]
    pub on_rotate: Option<String>,

    /// Kill a hook still running after DURATION
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub hook_timeout: Duration,
}

/// `--date-of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOfArg {
    /// The backup's start (the main file's age origin)
    Start,
    /// The moment of the rotation
    Rotation,
    /// Noon of the day before the rotation
    Yesterday,
    /// An hour before the rotation
    HourAgo,
}

/// `--padding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaddingArg {
    /// Zero-padded to the digits of the count
    Auto,
    /// Unpadded, as logrotate writes them
    None,
}

/// `--on-stall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnStallArg {
    /// Stop reading: the producer waits, nothing is lost
    Block,
    /// Keep reading: buffer, then drop whole lines, with a marker
    Drop,
}

/// `rotate --method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Rename the main file, swap in a new empty one
    Rename,
    /// Copy out whole blocks, collapse them out of the live file (lossless)
    Collapse,
    /// Copy, then truncate (lossy: logrotate's copytruncate)
    Copytruncate,
    /// Copy, and leave the main file as it is (logrotate's copy)
    Copy,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Append to the main file; existing backups are the set's history
    A,
    /// Truncate the main file and delete every backup before writing
    W,
    /// Fail if the main file or any backup exists, creating nothing
    X,
}

/// `--fsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FsyncArg {
    /// Leave it to the kernel
    Never,
    /// Sync each file before it becomes a backup
    Rotate,
    /// Sync after every write
    Always,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rotate sets now, or when a size or age condition holds
    #[command(after_long_help = ROTATE_AFTER)]
    Rotate(Box<RotateArgs>),
    /// Empty the main file, keep the backups
    #[command(after_long_help = RESET_AFTER)]
    Reset(ResetArgs),
    /// Show a set: members, sizes, ages, writer
    #[command(after_long_help = STATUS_AFTER)]
    Status(StatusArgs),
    /// Print the rollover configuration equivalent to logrotate files
    #[command(name = "import-logrotate", after_long_help = IMPORT_AFTER)]
    ImportLogrotate(ImportArgs),
    /// Print every line of a set, oldest first, backups decompressed
    #[command(after_long_help = CAT_AFTER)]
    Cat(CatArgs),
    /// Print a set's last lines, then every new line, across rotations
    #[command(after_long_help = FOLLOW_AFTER)]
    Follow(FollowArgs),
}

/// What `cat` and `follow` share.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The set's main file
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub path: PathBuf,

    /// Read backups of another codec with COMMAND (stdin to stdout)
    ///
    /// gzip and zstd backups are read without it; a backup of another
    /// codec (xz, bz2, lz4 ...) is given to COMMAND on its standard input,
    /// run with /bin/sh -c, e.g. 'xz -dc'.
    #[arg(long, value_name = "COMMAND")]
    pub uncompress_command: Option<String>,

    /// Where rotate keeps the state of sets no writer keeps
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub state_dir: Option<PathBuf>,
}

/// `rollover cat`.
#[derive(Debug, Args)]
pub struct CatArgs {
    #[command(flatten)]
    pub read: ReadArgs,

    /// Only lines from TIME on (RFC 3339, or a duration ago: 1h)
    ///
    /// By each line's --timestamp stamp (rfc3339, unix or tai64n), a line
    /// without one going with the line before; a member without stamps by
    /// its time span, whole. A member wholly before TIME is not read.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<std::time::SystemTime>,

    /// Only lines up to TIME (RFC 3339, or a duration ago: 10m)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<std::time::SystemTime>,
}

/// `rollover follow`.
#[derive(Debug, Args)]
pub struct FollowArgs {
    #[command(flatten)]
    pub read: ReadArgs,

    /// Print the set's last N lines first, backups included (0: only new ones)
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10, value_parser = parse_count)]
    pub lines: u64,

    /// Record how far it has printed in FILE, and resume from there
    ///
    /// After each batch (at most 1 MiB) is written to stdout, FILE is
    /// replaced atomically with the member's identity (a fingerprint of its
    /// first bytes, which survives renumbering and compression) and the
    /// offset. Restarted with the same FILE, follow resumes there: after
    /// SIGTERM or SIGINT right after the last line printed; after SIGKILL
    /// with nothing missed and at most the last batch printed again.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub checkpoint: Option<PathBuf>,

    /// Print only the lines REGEX matches (repeatable, as the writer's)
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub select: Vec<regex::bytes::Regex>,

    /// Leave out the lines REGEX matches (repeatable, as the writer's)
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub deselect: Vec<regex::bytes::Regex>,

    /// The order of --select and --deselect across both.
    #[arg(skip)]
    pub rule_order: Vec<bool>,
}

/// `rollover import-logrotate`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// logrotate configuration files or directories (as include reads them)
    #[arg(value_name = "FILE", required = true, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,

    /// logrotate's state file, written as logrotate-state
    ///
    /// So that the first night after the migration rotates exactly what
    /// logrotate would have: a set rollover has no record of counts its
    /// age from when logrotate last rotated it. Default:
    /// /var/lib/logrotate/status, else /var/lib/logrotate/logrotate.status
    /// (RHEL), where readable.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub state: Option<PathBuf>,
}

/// `rollover rotate`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("shared_hooks").args(["on_rotate", "before_rotate"]).multiple(true)))]
pub struct RotateArgs {
    /// Main files or glob patterns matching them; with --config, only
    /// the sets of the file whose main file is one of these
    #[arg(value_name = "PATH|GLOB", required_unless_present = "config", value_parser = parse_set_pattern, value_hint = clap::ValueHint::FilePath)]
    pub paths: Vec<PathBuf>,

    /// Rotate every set a TOML configuration file names (for cron)
    ///
    /// The keys are rotate's long option names; see rollover.toml(5) in the
    /// man page's CONFIGURATION FILE section. Sets are rotated in parallel
    /// (--jobs); a set whose lock another rotate holds is skipped with a
    /// warning, never waited for nor rotated twice. An error in the file
    /// rotates nothing.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, conflicts_with_all = [
        "max_count", "max_size", "max_age", "every", "method", "owner", "perm", "backup_names",
        "missing_ok", "compress", "compress_from", "max_total", "max_backup_age", "on_rotate",
        "keep_free", "min_keep",
        "on_rotate_once", "timeout", "insecure_dir", "before_rotate", "first_action",
        "last_action", "before_remove", "su",
    ])]
    pub config: Option<PathBuf>,

    /// With --config: rotate the sets named, whatever their conditions
    ///
    /// logrotate's -f: every set the file names (or, with PATHs, those of
    /// them) is rotated now, whatever its size, age or period; an empty
    /// main file still only with rotate-empty.
    #[arg(short = 'f', long, requires = "config")]
    pub force: bool,

    /// With --config: rotate N sets at once [default: the number of cores]
    #[arg(long, value_name = "N", requires = "config", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Keep N backups [default: the last writer's count, else 5]
    #[arg(short = 'c', long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
    pub max_count: Option<u64>,

    /// Rotate only a main file larger than SIZE (or older than -a)
    #[arg(short = 's', long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,

    /// Rotate only a main file older than DURATION (or larger than -s)
    #[arg(short = 'a', long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_age: Option<Duration>,

    /// Rotate only a set last rotated before this hour, day, week, month...
    ///
    /// hour, day, week[:DAY], month or year, in local time, from the main
    /// file's age origin (the last rotation, or its birth), as the writer's
    /// --every counts it: a cron 'rotate --every day' at 00:05 rotates a
    /// file born yesterday at 00:05:30, where a 24-hour -a would wait a
    /// day; logrotate's weekly is week:sun, weekly 7 is week:any, yearly is
    /// year.
    #[arg(long, value_name = "PERIOD", value_parser = Every::parse)]
    pub every: Option<Every>,

    /// A period or age rotation waits until the main file holds SIZE
    ///
    /// logrotate's minsize: with -a or --every, a main file smaller than
    /// SIZE is not rotated yet, however old; -s is not affected.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub min_size: Option<u64>,

    /// Rotate an empty main file too (logrotate's ifempty, its default)
    ///
    /// Without it an empty main file is never rotated and no empty backup
    /// is made. import-logrotate writes rotate-empty = true unless a stanza
    /// says notifempty.
    #[arg(long)]
    pub rotate_empty: bool,

    #[command(flatten)]
    pub finish: FinishArgs,

    /// Run --on-rotate (and --before-rotate) once for all the sets
    ///
    /// logrotate's sharedscripts: --on-rotate runs once, after every set
    /// named has been rotated, if any was; $1 is the paths as given, joined
    /// by spaces, and ROLLOVER_MAINS holds every rotated main file, one per
    /// line. --before-rotate then runs once too, before the first rename.
    #[arg(long, requires = "shared_hooks")]
    pub on_rotate_once: bool,

    /// Run COMMAND (with /bin/sh -c) before a set is rotated
    ///
    /// logrotate's prerotate: $1 is the main file (with --on-rotate-once:
    /// once, before the first set's rename, $1 the paths as given). It runs
    /// only for a set that is due; its failure skips the set (or, once, all
    /// of them) and makes the exit status 1.
    #[arg(long, value_name = "COMMAND")]
    pub before_rotate: Option<String>,

    /// Run COMMAND once before anything else, if any set is due
    ///
    /// logrotate's firstaction: $1 is the paths as given; its failure
    /// skips every set of the command line (or stanza), exit status 1.
    #[arg(long, value_name = "COMMAND")]
    pub first_action: Option<String>,

    /// Run COMMAND once after everything else, if any set rotated
    ///
    /// logrotate's lastaction: after the last set's rotation and
    /// --on-rotate; $1 is the paths as given.
    #[arg(long, value_name = "COMMAND")]
    pub last_action: Option<String>,

    /// Run COMMAND before each backup is deleted, with the backup as $1
    ///
    /// logrotate's preremove: before every deletion, by the count,
    /// --max-total or --max-backup-age, e.g. to archive it elsewhere first.
    /// Its failure is a warning, and the backup is deleted all the same.
    #[arg(long, value_name = "COMMAND")]
    pub before_remove: Option<String>,

    /// How the main file's contents become backup 1
    ///
    /// rename: the main file is renamed and a new empty one takes its place;
    /// its writer must reopen it (--on-rotate can ask it to). collapse: for
    /// a writer that cannot reopen and appends (O_APPEND, >>): its leading
    /// whole blocks are copied to the backup, synced, and removed from the
    /// live file's front with fallocate's COLLAPSE_RANGE, so nothing it
    /// appends meanwhile is lost; the one line across the cut is split, a
    /// file no longer than one block is left as it is, and a file system
    /// that cannot collapse (tmpfs, btrfs, NFS) is an error. copytruncate:
    /// logrotate's copy then truncate, which loses what is written in
    /// between; for file systems without collapse. copy: logrotate's copy,
    /// the backup is a copy and the main file is left as it is. With
    /// collapse, copytruncate and copy the main file stays where it is:
    /// --owner and --perm do not apply, and -a and --every count from the
    /// last rotation.
    #[arg(long, value_enum, value_name = "METHOD", default_value = "rename")]
    pub method: MethodArg,

    /// Make no new main file: its program makes its own (logrotate's nocreate)
    ///
    /// With rename, the main file is renamed to backup 1 and PATH stays
    /// missing until the program writing it reopens (the --on-rotate hook
    /// can ask it to). import-logrotate writes it for a stanza without
    /// create, logrotate's default.
    #[arg(long)]
    pub no_create: bool,

    /// Change the set's files as USER:GROUP, with no other groups (logrotate's su)
    ///
    /// Every rename, creation, compression and deletion of the set runs
    /// with that identity (per set: parallel sets keep their own); hooks
    /// run as rollover's own user. Without a group, the user's primary
    /// group. Run as root, a directory that others can write is then left
    /// to that identity's own rights, as logrotate does (Ubuntu's /var/log,
    /// group syslog, with a global su root syslog).
    #[arg(long, value_name = "USER:GROUP", value_parser = parse_owner)]
    pub su: Option<Owner>,

    /// Keep the state of sets no writer keeps in DIR
    ///
    /// rotate keeps what it must remember of a set (its last rotation,
    /// count, naming, owed work) there, so a log directory holds only logs
    /// and backups; a set a writer keeps has its state beside it, which is
    /// looked for first. Default: /var/lib/rollover as root, else
    /// $XDG_STATE_HOME/rollover (~/.local/state/rollover).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub state_dir: Option<PathBuf>,

    /// Owner of the new main file, USER[:GROUP] (default: the old one's)
    ///
    /// Without a group, the user's primary group (logrotate's create).
    /// Only root can give a file away.
    #[arg(long, value_name = "USER[:GROUP]", value_parser = parse_owner)]
    pub owner: Option<Owner>,

    /// An argument that matches nothing is not an error
    #[arg(long)]
    pub missing_ok: bool,

    /// Print what would be done, change nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Print each action
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// How long to wait for a live writer to answer
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    #[command(flatten)]
    pub files: FilesArgs,
}

/// `rollover reset`.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Main files to empty
    #[arg(value_name = "PATH", required = true, value_parser = parse_set_path, value_hint = clap::ValueHint::FilePath)]
    pub paths: Vec<Naming>,

    /// How long to wait for a live writer to answer
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Where rotate keeps the state of sets no writer keeps
    ///
    /// Looked in after beside the set. Default: /var/lib/rollover as root, else
    /// $XDG_STATE_HOME/rollover (~/.local/state/rollover).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub state_dir: Option<PathBuf>,

    /// As root, allow a directory that other users can write
    #[arg(long)]
    pub insecure_dir: bool,
}

/// `rollover status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Main files of the sets to show, or glob patterns matching them
    #[arg(value_name = "PATH|GLOB", required = true, value_parser = parse_set_pattern, value_hint = clap::ValueHint::FilePath)]
    pub paths: Vec<PathBuf>,

    /// Print JSON
    #[arg(long)]
    pub json: bool,

    /// Where rotate keeps the state of sets no writer keeps
    ///
    /// Looked in after beside the set; state it cannot read (mode 0600)
    /// is left aside, and the names show what they can. Default: /var/lib/rollover as root, else
    /// $XDG_STATE_HOME/rollover (~/.local/state/rollover).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub state_dir: Option<PathBuf>,
}

/// A `--select` or `--deselect` regex.
fn parse_regex(text: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::Regex::new(text).map_err(|e| format!("invalid regex: {e}"))
}

/// A set's PATH: a file name with at most one `%`.
fn parse_set_path(text: &str) -> Result<Naming, String> {
    Naming::new(std::path::Path::new(text))
}

/// A set's PATH or a glob pattern: a literal path's file name has at most
/// one `%`, checked here so that a bad one is a usage error.
fn parse_set_pattern(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    let is_pattern = text.bytes().any(|b| matches!(b, b'*' | b'?' | b'['));
    if !is_pattern {
        Naming::new(&path)?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
