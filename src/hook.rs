//! `--on-rotate`: the command run once a backup is finished, as logrotate
//! runs `postrotate`: `/bin/sh -c COMMAND sh MAIN BACKUP`, with
//! `ROLLOVER_MAIN`, `ROLLOVER_BACKUP`, `ROLLOVER_BACKUP_FILE` (a name of
//! the backup that stays put while the hook runs) and `ROLLOVER_REASON` in
//! its environment, standard input from `/dev/null` and standard output to
//! rollover's standard error, in a process group of its own. One still
//! running after its timeout is killed, with everything it started.

use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::config::Hook;
use crate::policy::Reason;

/// The paths a hook gets.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The main file (`$1`, `ROLLOVER_MAIN`).
    pub main: PathBuf,
    /// The backup as it is named now (`$2`, `ROLLOVER_BACKUP`).
    pub backup: PathBuf,
    /// A name of the same file that stays put while the hook runs
    /// (`ROLLOVER_BACKUP_FILE`), where a live writer may renumber it.
    pub stable: PathBuf,
}

/// Runs the hook for one backup and waits for it; an error says how it
/// failed, naming the command.
pub fn run(hook: &Hook, paths: &Paths, reason: Reason) -> Result<()> {
    let (main, backup) = (&paths.main, &paths.backup);
    run_with(
        hook,
        &main.display().to_string(),
        &[main.as_os_str(), backup.as_os_str()],
        &[
            ("ROLLOVER_MAIN", main.as_os_str()),
            ("ROLLOVER_BACKUP", backup.as_os_str()),
            ("ROLLOVER_BACKUP_FILE", paths.stable.as_os_str()),
            ("ROLLOVER_REASON", OsStr::new(reason.as_str())),
        ],
    )
}

/// Says on stdout that a hook runs (`rotate -v`, `--dry-run`): which one,
/// for what, and its command's first line.
pub fn say(name: &str, subject: &dyn std::fmt::Display, hook: &Hook) {
    crate::messages::print(&format!(
        "run {name} for {subject}: {}",
        shown(&hook.command)
    ));
}

/// [`run`], said on stdout first where `verbose` (`rotate -v`).
pub fn run_said(hook: &Hook, paths: &Paths, reason: Reason, verbose: bool) -> Result<()> {
    if verbose {
        say("on-rotate", &paths.backup.display(), hook);
    }
    run(hook, paths, reason)
}

/// Runs a configuration stanza's `on-rotate-once` hook, once after all of
/// its sets: `$1` is the stanza's paths as written, `ROLLOVER_MAINS` every
/// rotated main file, one per line (logrotate's sharedscripts).
pub fn run_once(hook: &Hook, written: &str, mains: &[PathBuf]) -> Result<()> {
    let mut list = std::ffi::OsString::new();
    for (i, m) in mains.iter().enumerate() {
        if i > 0 {
            list.push("\n");
        }
        list.push(m);
    }
    run_with(
        hook,
        written,
        &[OsStr::new(written)],
        &[("ROLLOVER_MAINS", list.as_os_str())],
    )
}

/// Runs a hook that gets one path as `$1` (logrotate's prerotate gets
/// the main file, preremove the backup about to go), also in the
/// environment as `variable`.
pub fn run_for(hook: &Hook, variable: &str, path: &std::path::Path) -> Result<()> {
    run_with(
        hook,
        &path.display().to_string(),
        &[path.as_os_str()],
        &[(variable, path.as_os_str())],
    )
}

/// Runs `--before-remove` for a backup about to be deleted (`$1`); its
/// failure is a warning, and the backup goes all the same.
pub fn before_remove(hook: Option<&Hook>, backup: &std::path::Path, verbose: bool) {
    let Some(hook) = hook else {
        return;
    };
    if verbose {
        say("before-remove", &backup.display(), hook);
    }
    if let Err(e) = run_for(hook, "ROLLOVER_BACKUP", backup) {
        crate::messages::warn(&format!(
            "{e:#}; {} is deleted all the same",
            backup.display()
        ));
    }
}

/// A command as a message names it: its first line, `...` for the rest.
fn shown(command: &str) -> String {
    let mut lines = command.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    if lines.next().is_some() {
        format!("{first} ...")
    } else {
        first.to_string()
    }
}

/// Runs `/bin/sh -c COMMAND sh ARGS...` with `env` added, and waits for
/// it, killing it at the timeout. A failure names the command's first line
/// and `subject`, the file (or files) it ran for.
fn run_with(hook: &Hook, subject: &str, args: &[&OsStr], env: &[(&str, &OsStr)]) -> Result<()> {
    let name = format!("hook '{}' for {subject}", shown(&hook.command));
    let stdout = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(&hook.command)
        .arg("sh")
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        // A group of its own, so that a hook killed at its timeout takes
        // whatever it started with it (`sleep 77 | cat` would outlive a
        // kill of the shell alone).
        .process_group(0);
    let mut child = match crate::su::as_own(|| command.spawn()) {
        Ok(c) => c,
        Err(e) => bail!("cannot run {name}: {e}"),
    };
    let deadline = Instant::now() + hook.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => bail!("{name} failed: {status}"),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let _ = child.wait();
                bail!(
                    "{name} was killed after {}",
                    humantime::format_duration(hook.timeout)
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => bail!("cannot wait for {name}: {e}"),
        }
    }
}

/// Kills a hook's whole process group (it leads one of its own), or the
/// hook alone where the group cannot be signalled.
fn kill_group(child: &mut std::process::Child) {
    let group = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    let killed = group.is_some_and(|pid| {
        rustix::process::kill_process_group(pid, rustix::process::Signal::KILL).is_ok()
    });
    if !killed {
        let _ = child.kill();
    }
}
