//! The command line as data: clap's derive types, their help text and
//! value parsers, and the one step ([`Cli::into_job`]) that turns them
//! into the domain types of `config`. Nothing here acts, and no other
//! module names a clap type.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{
    Codec, Conditions, DEFAULT_COUNT, DirTrust, Finishing, Fsync, Hook, Job, OpenMode, ResetConfig,
    RotateConfig, StatusConfig, WriteConfig,
};
use crate::naming::Naming;
use crate::policy::{Every, Policy};
use crate::stamp::Format;
use crate::units::{parse_codec, parse_count, parse_days, parse_duration, parse_perm, parse_size};

const WRITE_AFTER: &str = "\
The file set:
  PATH is the main file, the one being written. Backups are PATH.1 (newest)
  to PATH.N (oldest), zero-padded to the width of N: -c 5 gives .1 to .5,
  -c 10 gives .01 to .10. If the file name contains '%', the number replaces
  it and the main file is number 0: logs/app.%.log with -c 10 gives
  app.00.log (main), app.01.log ... app.10.log. Backups are recognised at
  any padding, compressed or not, so changing -c between runs orphans
  nothing.

Rotation:
  Backups numbered N and above are deleted, the others renamed one up, the
  main file becomes backup 1 and a new empty main file (same mode) is
  swapped in atomically: PATH never goes missing. An empty main file is
  never rotated. With -c 0 the main file is truncated in place.

Size rule:
  Before a line is written, if the main file is not empty and its size plus
  the line would exceed SIZE, the set is rotated first. No file exceeds SIZE
  unless it holds one line longer than SIZE, or its last line had to be
  written before its newline arrived (see --partial-timeout). A line is
  never split between files by the size rule.

SIZE is a number with an optional unit: K M G T (also KiB MiB GiB TiB) are
powers of 1024, KB MB GB TB powers of 1000, B or nothing is bytes; 0 turns
the size limit off. DURATION is a number with a unit: 90s, 30m, 12h, 7d,
2weeks, '1h 30m'.

Signals:
  SIGALRM rotates now; SIGHUP reopens PATH (creating it if it was moved
  away); SIGTERM, SIGINT and end of input write everything already read and
  exit 0. A main file deleted or replaced by another tool is noticed within
  a second. Any rotation other than by size waits for the end of the line
  in progress, at most --partial-timeout.

Examples:
  myserver 2>&1 | rollover -s 10M -c 5 /var/log/myserver/out.log
  myserver | rollover -a 1d -c 7 --timestamp logs/app.%.log
  rollover rotate '/var/log/myserver/*'     # from cron: rotate now
  rollover status logs/app.log

Exit status: 0 success, 1 failure at run time, 2 usage error.";

const ROTATE_AFTER: &str = "\
Each argument is a path or a glob pattern (*, ?, [...], **); quote a
pattern so that rollover, not the shell, expands it. A pattern never treats
a backup as a set of its own: a file whose name ends in .N or .N.gz (or
another codec) is taken for a backup and skipped, so 'logs/*' rotates
app.log once, and never makes app.log.1.1. Rollover's own hidden files are
skipped too. An unquoted logs/* works the same: an argument that is a
backup of a set whose main file exists (app.log.1 beside app.log, app.1.log
beside app.0.log) is skipped with one warning. app.0.log names the same set
as app.%.log once rollover has worked on that set (its lock file exists).

Without a live writer, -c defaults to the count the set's last writer kept
(recorded beside the set), else 5; deleting more than the one oldest backup
because of a count not given on the command line is said on stderr.

With -s and/or -a a set is rotated only if its main file is larger than
SIZE or older than DURATION (its age counts from its creation); without
them every matched set whose main file is not empty is rotated.

Beside a live writer, rotate asks the writer to rotate and returns once it
is done; the writer keeps its own -c (a different -c is a warning). The
rotation goes after everything the writer has already read, which lands in
the old file. If the writer does not answer within --timeout, the command
fails and nothing changes. Only a user who may write the set's directory
and main file may ask.

Silent on success, as cron wants. A failure on one set does not stop the
others: each is one line on stderr, and the exit status is then 1.

Examples:
  rollover rotate logs/app.log
  rollover rotate -s 100M -a 1d -c 10 '/var/log/apps/**/*.log'
  0 0 * * * rollover rotate --missing-ok '/var/log/myapp/*.log'

Exit status: 0 success, 1 a set failed, 2 usage error.";

const RESET_AFTER: &str = "\
Truncates each main file to zero length; backups are untouched. Beside a
live writer, the writer does it, dropping what it had read and not yet
written, and the command returns once it is done (or fails, changing
nothing, after --timeout).

Exit status: 0 success, 1 a set failed, 2 usage error.";

const STATUS_AFTER: &str = "\
For each set: its members newest first (number, name, size, age, codec,
and (owed: sync) for a backup that a writer stopped at once still owes
its sync), and the live writer's pid, limits, and when its next age
rotation is due.
Ages of backups count from their last write. --json prints the same as one
JSON document; names are escaped, so odd bytes never break it.

Exit status: 0 success, 1 a set could not be read, 2 usage error.";

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

    /// Rotate at the start of each hour, day, week (Monday) or month
    ///
    /// In local time, counting from the main file's birth: a file born
    /// before the start of the current period is rotated (within a second
    /// of the boundary by a writer). A period starts at its first existing
    /// local instant, so daylight saving changes neither skip nor repeat a
    /// rotation. Combines with -s and -a: whichever comes first.
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub every: Option<EveryArg>,

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

    /// Sync files to disk: never, before a file becomes a backup, always
    #[arg(long, value_enum, value_name = "WHEN", default_value = "rotate")]
    pub fsync: FsyncArg,

    #[command(flatten)]
    pub finish: FinishArgs,

    /// Mode of new main files, in octal (default 0644 minus the umask)
    ///
    /// The exact mode of a main file rollover creates, umask aside. An
    /// existing main file keeps its mode, and so does each new main file
    /// made by a rotation; backups keep the mode they had.
    #[arg(long, value_name = "MODE", value_parser = parse_perm)]
    pub perm: Option<u32>,

    /// As root, allow a directory that other users can write
    #[arg(long)]
    pub insecure_dir: bool,
}

/// How each backup is finished beyond its sync: writer and `rotate`.
#[derive(Debug, Args)]
pub struct FinishArgs {
    /// Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)
    ///
    /// Each backup is compressed beside the writer, at idle CPU priority,
    /// into a hidden file of the set's own that is synced and then renamed
    /// to the backup's number with the codec's extension; only then is the
    /// plain backup deleted. gzip's default level is 6, zstd's 3. gzip -t,
    /// zstd -t, zcat and zstdcat read the results.
    #[arg(long, value_name = "CODEC", value_parser = parse_codec)]
    pub compress: Option<Codec>,

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

    /// Run COMMAND (with /bin/sh -c) once each backup is finished
    ///
    /// $1 is the main file and $2 the backup, as logrotate's postrotate
    /// gets them; ROLLOVER_MAIN, ROLLOVER_BACKUP (compressed name included)
    /// and ROLLOVER_REASON (size, age, every, signal, request) are in its
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

impl FinishArgs {
    fn into_finishing(self) -> Finishing {
        Finishing {
            compress: self.compress,
            compress_from: self.compress_from.max(1),
            max_total: self.max_total.filter(|&t| t > 0),
            max_backup_age: self.max_backup_age,
            hook: self.on_rotate.map(|command| Hook {
                command,
                timeout: self.hook_timeout,
            }),
        }
    }
}

/// `--every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EveryArg {
    Hour,
    Day,
    Week,
    Month,
}

impl From<EveryArg> for Every {
    fn from(e: EveryArg) -> Every {
        match e {
            EveryArg::Hour => Every::Hour,
            EveryArg::Day => Every::Day,
            EveryArg::Week => Every::Week,
            EveryArg::Month => Every::Month,
        }
    }
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
    Rotate(RotateArgs),
    /// Empty the main file, keep the backups
    #[command(after_long_help = RESET_AFTER)]
    Reset(ResetArgs),
    /// Show a set: members, sizes, ages, writer
    #[command(after_long_help = STATUS_AFTER)]
    Status(StatusArgs),
}

/// `rollover rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Main files or glob patterns matching them
    #[arg(value_name = "PATH|GLOB", required = true, value_parser = parse_set_pattern, value_hint = clap::ValueHint::FilePath)]
    pub paths: Vec<PathBuf>,

    /// Keep N backups [default: the last writer's count, else 5]
    #[arg(short = 'c', long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
    pub max_count: Option<u64>,

    /// Rotate only a main file larger than SIZE (or older than -a)
    #[arg(short = 's', long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,

    /// Rotate only a main file older than DURATION (or larger than -s)
    #[arg(short = 'a', long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_age: Option<Duration>,

    /// Rotate only a main file born before this hour, day, week or month
    ///
    /// In local time: a cron 'rotate --every day' at 00:05 rotates a file
    /// born yesterday at 00:05:30, where a 24-hour -a would wait a day.
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub every: Option<EveryArg>,

    #[command(flatten)]
    pub finish: FinishArgs,

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

    /// As root, allow a directory that other users can write
    #[arg(long)]
    pub insecure_dir: bool,
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

fn trust(insecure_dir: bool) -> DirTrust {
    if insecure_dir {
        DirTrust::Shared
    } else {
        DirTrust::OwnOnly
    }
}

/// Parses the process's arguments into what to run; a usage error prints
/// clap's message and exits 2 (help and version exit 0), as clap does.
pub fn parse_job() -> Job {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(e) = typo(&args) {
        e.exit();
    }
    let parsed = <Cli as Parser>::try_parse_from(&args).and_then(Cli::into_job);
    match parsed {
        Ok(job) => job,
        Err(e) if e.exit_code() == 0 => e.exit(),
        Err(e) => timestamp_hint(&args).unwrap_or(e).exit(),
    }
}

/// The commands a first argument may be mistyped for.
const COMMANDS: &[&str] = &["rotate", "reset", "status", "help"];

/// A first argument without a `/` within two edits of a command's name
/// (`rotat`, `stauts`) is taken for a typo, not for a file to write.
fn typo(args: &[OsString]) -> Option<clap::Error> {
    let first = args.get(1)?.to_str()?;
    if first.starts_with('-') || first.contains('/') || COMMANDS.contains(&first) {
        return None;
    }
    let near = COMMANDS
        .iter()
        .find(|c| strsim::levenshtein(first, c) <= 2)?;
    Some(usage_error(
        clap::error::ErrorKind::InvalidSubcommand,
        format!(
            "'{first}' is not a command; did you mean 'rollover {near}'? \
             To write to a file named {first}, say 'rollover ./{first}'"
        ),
    ))
}

/// `--timestamp unix f.log`: the format must follow `=`, else it is taken
/// for the PATH; say so rather than clap's puzzling complaint.
fn timestamp_hint(args: &[OsString]) -> Option<clap::Error> {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let at = words
        .iter()
        .position(|w| *w == "-t" || *w == "--timestamp")?;
    let value = words.get(at + 1)?;
    let is_format = ["rfc3339", "unix", "tai64n"].contains(value) || value.contains('%');
    is_format.then(|| {
        usage_error(
            clap::error::ErrorKind::ArgumentConflict,
            format!(
                "--timestamp takes its FORMAT after '=': write --timestamp={value} or -t={value}; \
                 a separate word is taken for the PATH"
            ),
        )
    })
}

fn usage_error(kind: clap::error::ErrorKind, msg: String) -> clap::Error {
    <Cli as clap::CommandFactory>::command().error(kind, msg)
}

impl Cli {
    /// The one step from the command line to the domain: what to run.
    /// Fails only where clap let through a writer without PATH.
    pub fn into_job(self) -> Result<Job, clap::Error> {
        Ok(match self.command {
            None => Job::Write(self.write.into_config().ok_or_else(|| {
                <Cli as clap::CommandFactory>::command().error(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "the writer needs a PATH",
                )
            })?),
            Some(Command::Rotate(a)) => Job::Rotate(RotateConfig {
                paths: a.paths,
                count: a.max_count,
                when: Conditions {
                    min_size: a.max_size,
                    min_age: a.max_age,
                    every: a.every.map(Every::from),
                },
                finishing: a.finish.into_finishing(),
                missing_ok: a.missing_ok,
                dry_run: a.dry_run,
                verbose: a.verbose,
                timeout: a.timeout,
                trust: trust(a.insecure_dir),
            }),
            Some(Command::Reset(a)) => Job::Reset(ResetConfig {
                sets: a.paths,
                timeout: a.timeout,
                trust: trust(a.insecure_dir),
            }),
            Some(Command::Status(a)) => Job::Status(StatusConfig {
                paths: a.paths,
                json: a.json,
            }),
        })
    }
}

impl WriteArgs {
    fn into_config(self) -> Option<WriteConfig> {
        // `-a 0s` and `--max-days 0` turn the age limit off, as `-s 0` does
        // the size limit.
        let max_age = self.max_age.or(self.max_days).filter(|d| !d.is_zero());
        Some(WriteConfig {
            set: self.path?,
            policy: Policy {
                max_size: self.max_size,
                max_age,
                every: self.every.map(Every::from),
                count: self.max_count,
            },
            mode: match self.mode {
                ModeArg::A => OpenMode::Append,
                ModeArg::W => OpenMode::Truncate,
                ModeArg::X => OpenMode::Exclusive,
            },
            partial_timeout: self.partial_timeout,
            timestamp: self.timestamp,
            tee: self.tee,
            fsync: match self.fsync {
                FsyncArg::Never => Fsync::Never,
                FsyncArg::Rotate => Fsync::Rotate,
                FsyncArg::Always => Fsync::Always,
            },
            finishing: self.finish.into_finishing(),
            perm: self.perm,
            trust: trust(self.insecure_dir),
        })
    }
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
