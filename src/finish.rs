//! The finisher: a queue beside the writer that finishes each new backup
//! (syncs it and its directory, compresses it, and lets go of deleted
//! backups' blocks), so that the writer never waits for the disk or the
//! codec. It runs at idle CPU priority. Backups are
//! finished oldest first, in the order they were handed over; a backup
//! deleted before its turn (by the count) is skipped, so a burst of
//! rotations costs only the syncs of the backups that are kept.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::Result;

use crate::compress;
use crate::config::{Codec, Finishing};
use crate::fileset::{FileSet, sync_file};
use crate::messages;
use crate::plan::{self, Action};
use crate::state::Owed;

/// A new backup to sync.
#[derive(Debug)]
pub struct NewBackup {
    /// A handle on the backup: it follows the file through later renames.
    pub fd: OwnedFd,
    /// The backup's path when it was made, for messages.
    pub show: String,
}

enum Task {
    Sync(NewBackup, Owed),
    /// A plain backup (a handle open for reading) to compress.
    Compress(OwnedFd, Codec, String),
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
#[derive(Debug)]
pub struct Finisher {
    /// The set, for the thread; taken when it starts.
    set: Option<FileSet>,
    /// Held while backups are renamed: by a rotation's cascade, and by a
    /// compression's last step, so the two never interleave.
    gate: Arc<Mutex<()>>,
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
    /// A finisher for `set` (a handle of its own) with nothing to do yet;
    /// its thread starts with the first task, so a writer that never
    /// rotates never starts one.
    pub fn start(set: FileSet) -> Finisher {
        Finisher {
            set: Some(set),
            gate: Arc::new(Mutex::new(())),
            worker: None,
            failures: Arc::default(),
            owed: Arc::default(),
        }
    }

    /// The gate a rotation holds while it renames backups.
    pub fn gate(&self) -> Arc<Mutex<()>> {
        Arc::clone(&self.gate)
    }

    fn worker(&mut self) -> Option<&Worker> {
        if self.worker.is_none() {
            let set = self.set.take()?;
            let (tx, rx) = mpsc::channel::<Task>();
            let (idle_tx, idle) = mpsc::channel();
            let (f, o, gate) = (
                Arc::clone(&self.failures),
                Arc::clone(&self.owed),
                Arc::clone(&self.gate),
            );
            std::thread::spawn(move || {
                let _idle = idle_tx;
                // Compression never competes with writing for the CPU.
                let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
                for task in rx {
                    match task {
                        Task::Sync(b, id) => {
                            if let Err(e) = sync_one(&set, &b) {
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
                        Task::Compress(fd, codec, show) => {
                            // A warning, not a failure: the backup stays
                            // plain, and is compressed again as owed.
                            if let Err(e) = compress::compress(&set, fd, codec, &gate) {
                                messages::warn(&format!("cannot compress {show}: {e:#}"));
                            }
                        }
                        Task::Free(handles) => drop(handles),
                    }
                }
            });
            self.worker = Some(Worker { tx: Some(tx), idle });
        }
        self.worker.as_ref()
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

    /// Queues a plain backup of `set` for its compression. One that cannot
    /// be opened stays plain, owed to the next run.
    pub fn compress(&mut self, set: &FileSet, name: &[u8], codec: Codec) {
        if let Ok(fd) = set.open_backup(name) {
            self.send(Task::Compress(fd, codec, set.show(name)));
        }
    }

    /// Queues the compressions a crash or a stop left owed: every plain
    /// backup numbered `--compress-from` and above, oldest first.
    pub fn compress_owed(&mut self, set: &FileSet, finishing: &Finishing) -> Result<()> {
        if let Some(codec) = finishing.compress {
            let listing = set.list()?;
            for b in compress::owed(&listing, finishing.compress_from) {
                self.compress(set, &b.name, codec);
            }
        }
        Ok(())
    }

    /// What a rotation (these steps) leaves to finish: the new backup's
    /// sync (through `old`, the handle on the former main file, when
    /// syncing), and the compression of the backup brought to number
    /// `--compress-from`.
    pub fn after_rotation(
        &mut self,
        set: &FileSet,
        steps: &[Action],
        old: Option<OwnedFd>,
        finishing: &Finishing,
    ) {
        let backup = steps.iter().find_map(|s| match s {
            Action::SwapIn { backup, .. } => Some(backup),
            _ => None,
        });
        if let (Some(fd), Some(backup)) = (old, backup) {
            self.sync(NewBackup {
                fd,
                show: set.show(backup),
            });
        }
        if let Some(codec) = finishing.compress
            && let Some(name) = plan::brought_to(&set.naming, steps, finishing.compress_from)
        {
            self.compress(set, &name, codec);
        }
    }

    /// Hands over handles on deleted backups: their blocks are freed when
    /// the finisher closes them, off the writer's path.
    pub fn free(&mut self, handles: Vec<OwnedFd>) {
        if !handles.is_empty() {
            self.send(Task::Free(handles));
        }
    }

    fn send(&mut self, task: Task) {
        let unsent = match self.worker().and_then(|w| w.tx.as_ref()) {
            Some(tx) => tx.send(task).err().map(|e| e.0),
            None => Some(task),
        };
        // The thread is gone (it cannot panic on I/O, but be safe), or the
        // queue was closed: a sync is done here rather than lost; a
        // compression stays owed to the next run.
        if let Some(Task::Sync(b, _)) = unsent
            && let Err(e) = sync_file(&b.fd, &b.show)
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
fn sync_one(set: &FileSet, b: &NewBackup) -> Result<()> {
    if rustix::fs::fstat(&b.fd).is_ok_and(|st| st.st_nlink == 0) {
        return Ok(());
    }
    sync_file(&b.fd, &b.show)?;
    sync_file(set.dir(), &format!("the directory of {}", b.show))
}
