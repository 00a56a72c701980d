//! The commands: the writer and the tools for cron and scripts.

pub mod cron;
pub mod import;
pub mod reset;
pub mod rotate;
pub mod status;
pub mod targets;
pub mod write;

use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::OnBusy;
use crate::fileset::FileSet;
use crate::lock::{self, Acquired, Holder, Lock, Role};

/// Who holds a set, as a tool sees it.
pub enum Access {
    /// No writer: the tool holds the lock and may change the set itself;
    /// `waited`: another tool held it first (and may have changed the set).
    Alone(Lock, bool),
    /// A live writer, to be asked.
    Writer(Holder),
    /// Another tool holds the lock, and the caller does not wait.
    Busy(Holder),
}

/// Takes the set's lock for a tool, or finds its live writer; waits up to
/// `timeout` for another tool to finish, or with [`OnBusy::Skip`] not at all.
pub fn access(set: &FileSet, timeout: Duration, on_busy: OnBusy) -> Result<Access> {
    let me = Holder {
        pid: std::process::id(),
        role: Role::Tool,
        ..Holder::default()
    };
    let deadline = std::time::Instant::now() + timeout;
    let mut waited = false;
    loop {
        match lock::acquire(set, &me)? {
            Acquired::Held(l) => return Ok(Access::Alone(l, waited)),
            Acquired::Busy(h) if h.is_writer() => return Ok(Access::Writer(h)),
            Acquired::Busy(h) if on_busy == OnBusy::Skip => return Ok(Access::Busy(h)),
            Acquired::Busy(h) if std::time::Instant::now() >= deadline => {
                bail!(
                    "{} is busy: pid {} holds its lock",
                    set.naming.path().display(),
                    h.pid
                )
            }
            Acquired::Busy(_) => {
                waited = true;
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Refuses a user who may not modify the set: write access to its
/// directory and to its main file (`None`: none yet) is needed.
pub fn check_may_modify(set: &FileSet, main: Option<&[u8]>, verb: &str) -> Result<()> {
    use rustix::fs::{Access as A, AtFlags};
    let dir = set.naming.dir().display().to_string();
    let mut checks = vec![(std::ffi::OsString::from("."), format!("directory {dir}"))];
    if let Some(main) = main {
        checks.push((crate::naming::os(main), set.show(main)));
    }
    for (what, show) in checks {
        if let Err(e) =
            rustix::fs::accessat(set.dir(), &what, A::WRITE_OK, AtFlags::SYMLINK_NOFOLLOW)
        {
            bail!(
                "cannot {verb} {}: no write access to {show}: {}",
                set.naming.path().display(),
                std::io::Error::from(e)
            );
        }
    }
    Ok(())
}
