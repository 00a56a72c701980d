//! From the process's arguments to a `config::Job`: typos and the
//! `--timestamp` form caught with a word of advice, then one conversion of
//! the parsed arguments into domain types.

use std::ffi::OsString;

use super::{
    Cli, Command, DateOfArg, FinishArgs, FsyncArg, MethodArg, ModeArg, OnStallArg, PaddingArg,
    RotateArgs, WriteArgs,
};
use crate::config::StateDir;
use crate::config::{
    Around, Codec, ConfigRun, DirTrust, Finishing, Fsync, Hook, Job, OnBusy, OpenMode, ResetConfig,
    RotateConfig, StatusConfig, WriteConfig,
};
use crate::naming::{DateOf, Padding};
use crate::plan::{Fresh, Method};
use crate::policy::{Conditions, Policy};

/// `--state-dir`, else the user's default.
fn state_dir(given: Option<std::path::PathBuf>) -> Option<StateDir> {
    given.map(StateDir).or_else(StateDir::default_for_user)
}

fn trust(insecure_dir: bool) -> DirTrust {
    if insecure_dir {
        DirTrust::Shared
    } else {
        DirTrust::OwnOnly
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    /// A command to run.
    Run(Box<Job>),
    /// Help or version (exit 0), or a usage error (exit 2): clap's text
    /// for `main` to print.
    Exit(clap::Error),
}

/// Parses the process's arguments into what to run, or what to print
/// instead (help, version, a usage error); `main` prints it and exits.
pub fn parse_job() -> Parsed {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(e) = typo(&args) {
        return Parsed::Exit(e);
    }
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches_from(&args)
        .and_then(|m| {
            let order = rule_order(&m);
            let follow_order = m.subcommand_matches("follow").map(rule_order);
            <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|mut cli| {
                cli.write.rule_order = order;
                if let (Some(Command::Follow(f)), Some(o)) = (cli.command.as_mut(), follow_order) {
                    f.rule_order = o;
                }
                cli
            })
        })
        .and_then(Cli::into_job);
    match parsed {
        Ok(job) => Parsed::Run(Box::new(job)),
        Err(e) if e.exit_code() == 0 => Parsed::Exit(e),
        Err(e) => Parsed::Exit(timestamp_hint(&args).unwrap_or(e)),
    }
}

/// The `--select` and `--deselect` rules in the order given.
fn rules(
    select: Vec<regex::bytes::Regex>,
    deselect: Vec<regex::bytes::Regex>,
    order: &[bool],
) -> crate::select::Rules {
    let (mut sel, mut desel) = (select.into_iter(), deselect.into_iter());
    let rules = order
        .iter()
        .filter_map(|&keep| {
            let regex = if keep { sel.next() } else { desel.next() }?;
            Some(crate::select::Rule { keep, regex })
        })
        .collect();
    crate::select::Rules::new(rules)
}

/// Which of the `--select` (true) and `--deselect` (false) rules comes
/// first, second ...: clap keeps each option's values apart, and their
/// order across the two decides.
fn rule_order(m: &clap::ArgMatches) -> Vec<bool> {
    let of = |id: &str, keep: bool| {
        m.indices_of(id)
            .into_iter()
            .flatten()
            .map(move |i| (i, keep))
            .collect::<Vec<_>>()
    };
    let mut all = of("select", true);
    all.extend(of("deselect", false));
    all.sort_unstable();
    all.into_iter().map(|(_, keep)| keep).collect()
}

/// The commands a first argument may be mistyped for.
const COMMANDS: &[&str] = &["rotate", "reset", "status", "import-logrotate", "help"];

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
            None => Job::Write(self.write.into_config()?),
            Some(Command::Rotate(a)) if a.config.is_some() => Job::RotateConfigFile(ConfigRun {
                file: a.config.unwrap_or_default(),
                jobs: a.jobs.map_or_else(
                    || std::thread::available_parallelism().map_or(1, |n| n.get()),
                    usize::from,
                ),
                dry_run: a.dry_run,
                verbose: a.verbose,
                force: a.force,
                only: a.paths,
                state_dir: a.state_dir,
            }),
            Some(Command::Rotate(a)) => Job::Rotate(a.into_config(OnBusy::Wait)),
            Some(Command::Reset(a)) => Job::Reset(ResetConfig {
                sets: a.paths,
                timeout: a.timeout,
                trust: trust(a.insecure_dir),
                state_dir: state_dir(a.state_dir),
            }),
            Some(Command::Status(a)) => Job::Status(StatusConfig {
                paths: a.paths,
                json: a.json,
                state_dir: state_dir(a.state_dir),
            }),
            Some(Command::ImportLogrotate(a)) => Job::ImportLogrotate {
                files: a.files,
                state: a.state.or_else(crate::logrotate::default_state),
            },
            Some(Command::Cat(a)) => Job::Cat(crate::config::CatConfig {
                path: a.read.path,
                span: crate::config::Span {
                    since: a.since,
                    until: a.until,
                },
                uncompress: a.read.uncompress_command,
                state_dir: state_dir(a.read.state_dir),
            }),
            Some(Command::Follow(a)) => Job::Follow(crate::config::FollowConfig {
                path: a.read.path,
                lines: a.lines,
                checkpoint: a.checkpoint,
                rules: rules(a.select, a.deselect, &a.rule_order),
                uncompress: a.read.uncompress_command,
                state_dir: state_dir(a.read.state_dir),
            }),
        })
    }
}

/// The command that parses one set's settings as `rotate` does, for a
/// configuration file: its keys are this command's long option names.
pub fn set_command() -> clap::Command {
    <RotateArgs as clap::Args>::augment_args(clap::Command::new("rotate")).no_binary_name(true)
}

/// One set's settings, given as `rotate`'s arguments (`--key=value` ...
/// `--` paths), parsed by `rotate`'s own parser: a configuration file's
/// stanza is another way to give the options. A set a configuration file
/// names skips one whose lock another tool holds.
pub fn parse_set(args: &[std::ffi::OsString]) -> Result<RotateConfig, clap::Error> {
    let m = set_command().try_get_matches_from(args)?;
    let a = <RotateArgs as clap::FromArgMatches>::from_arg_matches(&m)?;
    Ok(a.into_config(OnBusy::Skip))
}

impl RotateArgs {
    fn into_config(self, on_busy: OnBusy) -> RotateConfig {
        let timeout = self.finish.hook_timeout;
        let backup_dir = self.files.backup_dir();
        let mut finishing = self.finish.into_finishing();
        let hook = |command: Option<String>| command.map(|command| Hook { command, timeout });
        finishing.before_remove = hook(self.before_remove);
        finishing.verbose = self.verbose;
        let mut around = Around {
            before: hook(self.before_rotate),
            first: hook(self.first_action),
            last: hook(self.last_action),
            ..Around::default()
        };
        // Once hooks are not run per set.
        if self.on_rotate_once {
            around.once = finishing.hook.take();
            around.before_once = around.before.take();
        }
        RotateConfig {
            paths: self.paths,
            count: self.max_count,
            when: Conditions {
                max_size: self.max_size,
                // `-a 0s` turns the age condition off.
                max_age: self.max_age.filter(|d| !d.is_zero()),
                every: self.every,
                min_size: self.min_size,
                rotate_empty: self.rotate_empty,
                force: false,
            },
            finishing,
            around,
            names: self.files.backup_names,
            padding: self.files.padding.map(Padding::from),
            date_of: self
                .files
                .date_of
                .map_or_else(DateOf::default, DateOf::from),
            method: match self.method {
                MethodArg::Rename if self.no_create => Method::RenameOnly,
                MethodArg::Rename => Method::Rename,
                MethodArg::Collapse => Method::Collapse,
                MethodArg::Copytruncate => Method::CopyTruncate,
                MethodArg::Copy => Method::Copy,
            },
            fresh: Fresh {
                uid: self.owner.map(|o| o.uid),
                gid: self.owner.map(|o| o.gid),
                mode: self.files.perm,
            },
            missing_ok: self.missing_ok,
            dry_run: self.dry_run,
            verbose: self.verbose,
            timeout: self.timeout,
            // With --su, the directory is left to that identity's own
            // rights, as logrotate does.
            trust: trust(self.files.insecure_dir || self.su.is_some()),
            on_busy,
            logrotate_state: None,
            state_dir: state_dir(self.state_dir),
            backup_dir,
            extension: self.files.extension,
            su: self.su.map(|o| crate::su::Su {
                uid: o.uid,
                gid: o.gid,
            }),
        }
    }
}

impl WriteArgs {
    fn into_config(self) -> Result<WriteConfig, clap::Error> {
        // `-a 0s` and `--max-days 0` turn the age limit off, as `-s 0` does
        // the size limit.
        let max_age = self.max_age.or(self.max_days).filter(|d| !d.is_zero());
        let set = self.path.ok_or_else(|| {
            usage_error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "the writer needs a PATH".into(),
            )
        })?;
        let format = self.files.backup_names.as_ref().and_then(|n| n.format());
        let set = set
            .with_dates(format)
            .map_err(|e| usage_error(clap::error::ErrorKind::ValueValidation, e))?
            .with_padding(
                self.files
                    .padding
                    .map_or_else(Padding::default, Padding::from),
            )
            .with_extension(self.files.extension.as_deref());
        Ok(WriteConfig {
            backup_dir: self.files.backup_dir(),
            set,
            policy: Policy {
                max_size: self.max_size,
                max_age,
                every: self.every,
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
            rules: rules(self.select, self.deselect, &self.rule_order),
            rate_limit: self.rate_limit,
            drop_buffer: (self.on_stall == OnStallArg::Drop)
                .then(|| usize::try_from(self.buffer).unwrap_or(usize::MAX)),
            fsync: match self.fsync {
                FsyncArg::Never => Fsync::Never,
                FsyncArg::Rotate => Fsync::Rotate,
                FsyncArg::Always => Fsync::Always,
            },
            finishing: self.finish.into_finishing(),
            date_of: self
                .files
                .date_of
                .map_or_else(DateOf::default, DateOf::from),
            perm: self.files.perm,
            trust: trust(self.files.insecure_dir),
        })
    }
}

impl FinishArgs {
    pub(super) fn into_finishing(self) -> Finishing {
        Finishing {
            compress: match (self.compress_command, self.compress_ext) {
                (Some(command), Some(ext)) => Some(Codec::Command { command, ext }),
                _ => self.compress,
            },
            compress_from: self.compress_from.max(1),
            max_total: self.max_total.filter(|&t| t > 0),
            max_backup_age: self.max_backup_age,
            hook: self.on_rotate.map(|command| Hook {
                command,
                timeout: self.hook_timeout,
            }),
            room: self.keep_free.map(|keep_free| crate::config::Room {
                keep_free,
                min_keep: self.min_keep.unwrap_or(1),
            }),
            before_remove: None,
            verbose: false,
        }
    }
}

impl From<DateOfArg> for DateOf {
    fn from(d: DateOfArg) -> DateOf {
        match d {
            DateOfArg::Start => DateOf::Start,
            DateOfArg::Rotation => DateOf::Rotation,
            DateOfArg::Yesterday => DateOf::Yesterday,
            DateOfArg::HourAgo => DateOf::HourAgo,
        }
    }
}

impl From<PaddingArg> for Padding {
    fn from(p: PaddingArg) -> Padding {
        match p {
            PaddingArg::Auto => Padding::Auto,
            PaddingArg::None => Padding::None,
        }
    }
}
