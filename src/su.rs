//! `--su USER:GROUP` (logrotate's `su`): a set's file operations under
//! another identity, with no supplementary groups. Linux keeps credentials
//! per thread, and the raw system calls change only the calling thread's
//! (the C library's wrappers change every thread's), so each set's thread
//! takes the set's identity while it works and gives it back after:
//! parallel sets keep theirs. Only the effective ids change, so the
//! process's own identity can always be taken back, as it is for the
//! moment a hook's process starts: hooks run as rollover's own user.

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use rustix::process::{Gid, Uid};
use rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};

/// A set's identity for its file operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Su {
    pub uid: u32,
    pub gid: u32,
}

/// One thread's effective identity.
#[derive(Debug, Clone)]
struct Identity {
    euid: Uid,
    egid: Gid,
    groups: Vec<Gid>,
}

impl Identity {
    fn now() -> Result<Identity> {
        Ok(Identity {
            euid: rustix::process::geteuid(),
            egid: rustix::process::getegid(),
            groups: rustix::process::getgroups()
                .map_err(|e| anyhow!("cannot read this thread's groups: {e}"))?,
        })
    }

    /// Makes it this thread's: the user last on the way in, first on the
    /// way back (only root may change the groups).
    fn take(&self) -> rustix::io::Result<()> {
        set_thread_res_uid(None, Some(self.euid), None)?;
        set_thread_res_gid(None, Some(self.egid), None)?;
        set_thread_groups(&self.groups)
    }
}

/// The process's identity, as it was before any thread took another.
static OWN: OnceLock<Identity> = OnceLock::new();

/// While it lives, this thread works as a set's `--su` identity.
#[derive(Debug)]
pub struct Entered {
    back: Identity,
}

thread_local! {
    /// The identity this thread works as, where it has taken one.
    static CURRENT: std::cell::Cell<Option<Su>> = const { std::cell::Cell::new(None) };
}

impl Su {
    /// This thread takes the identity until the returned value is dropped.
    pub fn enter(self) -> Result<Entered> {
        let back = Identity::now()?;
        let own = OWN.get_or_init(|| back.clone());
        // A thread started by one that works as another identity inherits
        // it: the process's own first, whose rights can take any other.
        let _ = own.take();
        if let Err(e) = self.take() {
            let _ = back.take();
            return Err(anyhow!(
                "cannot work as uid {} gid {} (--su needs root): {e}",
                self.uid,
                self.gid
            ));
        }
        CURRENT.with(|c| c.set(Some(self)));
        Ok(Entered { back })
    }

    /// No groups, then the group, then the user (only root may change the
    /// groups).
    fn take(self) -> rustix::io::Result<()> {
        set_thread_groups(&[])?;
        set_thread_res_gid(None, Some(Gid::from_raw(self.gid)), None)?;
        set_thread_res_uid(None, Some(Uid::from_raw(self.uid)), None)
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        // Taking back what this thread had cannot fail: its saved ids are
        // the process's own.
        let _ = self.back.take();
        CURRENT.with(|c| c.set(None));
    }
}

/// Runs `start` (which starts a hook's process, which inherits the
/// starting thread's identity) as rollover's own user, where this thread
/// works as a set's `--su` identity: hooks run as rollover's user.
pub fn as_own<T>(start: impl FnOnce() -> T) -> T {
    let (Some(su), Some(own)) = (CURRENT.with(std::cell::Cell::get), OWN.get()) else {
        return start();
    };
    let _ = own.take();
    let started = start();
    let _ = su.take();
    started
}
