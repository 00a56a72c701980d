//! The finisher: a queue beside the writer that finishes each new backup
//! (today: syncs it and its directory, and lets go of deleted backups'
//! blocks), so that the writer never waits for the disk. Backups are
//! finished oldest first, in the order they were handed over; a backup
//! deleted before its turn (by the count) is skipped, so a burst of
//! rotations costs only the syncs of the backups that are kept.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::Result;

use crate::fileset::sync_file;
use crate::messages;
use crate::state::Owed;

/// A new backup to finish.
#[derive(Debug)]
pub struct NewBackup {
    /// A handle on the backup: it follows the file through later renames.
    pub fd: OwnedFd,
    /// A handle on the set's directory, synced after the file so that the
    /// backup's name is durable too.
    pub dir: OwnedFd,
    /// The backup's path when it was made, for messages.
    pub show: String,
}

enum Task {
    Sync(NewBackup, Owed),
    Free(Vec<OwnedFd>),
}

/// How the finisher's queue ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// Everything handed over was finished; this many syncs failed.
    Done { failures: u32 },
    /// Stopped before the queue was empty: these backups are still owed
    /// their sync (the next writer or `rotate` on the set does it).
    Abandoned(Vec<Owed>),
}

/// The queue and the thread that works it, started at the first task.
#[derive(Debug, Default)]
pub struct Finisher {
    worker: Option<Worker>,
    failures: Arc<AtomicU32>,
    owed: Arc<Mutex<VecDeque<Owed>>>,
}

#[derive(Debug)]
struct Worker {
    tx: Option<mpsc::Sender<Task>>,
    /// Disconnected once the thread has finished everything.
    idle: mpsc::Receiver<()>,
}

impl Finisher {
    /// A finisher with nothing to do yet; its thread starts with the first
    /// task, so a writer that never rotates never starts one.
    pub fn start() -> Finisher {
        Finisher::default()
    }

    fn worker(&mut self) -> &Worker {
        self.worker.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Task>();
            let (idle_tx, idle) = mpsc::channel();
            let (f, o) = (Arc::clone(&self.failures), Arc::clone(&self.owed));
            std::thread::spawn(move || {
                let _idle = idle_tx;
                for task in rx {
                    match task {
                        Task::Sync(b, id) => {
                            if let Err(e) = finish_one(&b) {
                                // Reported, never retried: after a failed
                                // fsync Linux may have dropped the data.
                                messages::error(&format!("{e:#}"));
                                f.fetch_add(1, Ordering::Relaxed);
                            }
                            if let Ok(mut q) = o.lock()
                                && let Some(i) = q.iter().position(|x| *x == id)
                            {
                                q.remove(i);
                            }
                        }
                        Task::Free(handles) => drop(handles),
                    }
                }
            });
            Worker { tx: Some(tx), idle }
        })
    }

    /// Queues a new backup for its sync.
    pub fn sync(&mut self, backup: NewBackup) {
        let id = match rustix::fs::fstat(&backup.fd) {
            Ok(st) => Owed {
                dev: st.st_dev,
                ino: st.st_ino,
            },
            Err(_) => Owed { dev: 0, ino: 0 },
        };
        if let Ok(mut q) = self.owed.lock() {
            q.push_back(id);
        }
        self.send(Task::Sync(backup, id));
    }

    /// Hands over handles on deleted backups: their blocks are freed when
    /// the finisher closes them, off the writer's path.
    pub fn free(&mut self, handles: Vec<OwnedFd>) {
        if !handles.is_empty() {
            self.send(Task::Free(handles));
        }
    }

    fn send(&mut self, task: Task) {
        let unsent = match &self.worker().tx {
            Some(tx) => tx.send(task).err().map(|e| e.0),
            None => Some(task),
        };
        // The thread is gone (it cannot panic on I/O, but be safe), or the
        // queue was closed: do the work here rather than lose it.
        if let Some(Task::Sync(b, _)) = unsent
            && let Err(e) = finish_one(&b)
        {
            messages::error(&format!("{e:#}"));
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Syncs that failed so far.
    pub fn failures(&self) -> u32 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Closes the queue and waits for what is in it to be finished, unless
    /// `stop()` turns true meanwhile (a second SIGTERM): then returns at
    /// once with what is still owed.
    pub fn close(&mut self, stop: impl Fn() -> bool) -> Ending {
        let Some(worker) = self.worker.as_mut() else {
            return Ending::Done {
                failures: self.failures(),
            };
        };
        drop(worker.tx.take());
        loop {
            match worker.idle.recv_timeout(Duration::from_millis(20)) {
                Err(mpsc::RecvTimeoutError::Timeout) if stop() => {
                    let owed = self
                        .owed
                        .lock()
                        .map(|q| q.iter().copied().collect())
                        .unwrap_or_default();
                    return Ending::Abandoned(owed);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Ending::Done {
                        failures: self.failures(),
                    };
                }
            }
        }
    }
}

/// Syncs one backup and then its directory. A backup deleted before its
/// turn has no name left to make durable: skipped.
fn finish_one(b: &NewBackup) -> Result<()> {
    if rustix::fs::fstat(&b.fd).is_ok_and(|st| st.st_nlink == 0) {
        return Ok(());
    }
    sync_file(&b.fd, &b.show)?;
    sync_file(&b.dir, &format!("the directory of {}", b.show))
}
