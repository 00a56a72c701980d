//! The finisher: a queue beside the writer that finishes each new backup,
//! in order: sync (the file, then its directory), compress, apply
//! retention, run the hook; and lets go of deleted backups' blocks. The
//! writer never waits for it: not for the disk, the codec or the hook. It
//! runs at idle CPU priority, one task at a time, oldest backup first; a
//! backup deleted before its turn (by the count) is skipped, so a burst of
//! rotations costs only the work of the backups that are kept.
//! Compression also yields to a writer whose producer is ahead of it (see
//! [`Busy`]): idle priority alone does not keep it from slowing writing
//! where cores share their execution units or the memory bus; but not to
//! one short of space, where compressing frees space. The handles queued
//! tasks wait with are kept aside ([`Handles`]), so that those on backups
//! deleted for space can be let go of at once.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::compress;
use crate::config::{Codec, Finishing, Hook};
use crate::fileset::{FileSet, Rotated, sync_file};
use crate::hook;
use crate::lock;
use crate::messages;
use crate::plan::FileId;
use crate::plan::{self, Action};
use crate::policy::Reason;
use crate::retain;
use crate::state::{OwedHook, Place, State};

/// How long compression yields to a busy writer at most; then it runs
/// anyway, at idle priority, until the writer is seen keeping up again, so
/// that backups are compressed under a load that never ends.
const YIELD_AT_MOST: Duration = Duration::from_secs(10);

/// Tasks waiting in the queue past which compression stops yielding: each
/// holds a backup open (about 3 tasks per rotation), so a set whose
/// backups outlive the wait (a large count) must not pile them up towards
/// the limit of open files.
const BACKLOG: usize = 256;

/// How long a writer counts as busy after its last read that left input
/// waiting.
const BUSY_FOR: Duration = Duration::from_millis(100);

/// Reads in a row that fill the buffer before a writer counts as busy:
/// with its 256 KiB buffer, 4 is a whole pipe's worth (1 MiB) with more
/// still waiting. A burst smaller than that is taken in a few reads and is
/// no load; a producer that stays ahead fills every read.
const BUSY_RUN: u32 = 4;

/// Whether the writer is busy: its reads of the last [`BUSY_FOR`] kept
/// filling its buffer, so more input was waiting each time (the producer
/// is ahead of it, and waits for the pipe). Told by the writer at each
/// read, looked at by the finisher before it compresses.
#[derive(Debug)]
pub struct Busy {
    start: Instant,
    /// Filling reads in a row (only the writer's thread changes it).
    run: AtomicU32,
    /// Milliseconds from `start` to the last filling read of a run of at
    /// least [`BUSY_RUN`], plus 1 (0: none yet).
    at: AtomicU64,
    /// Milliseconds from `start` to the last time the writer was short of
    /// space (`--keep-free`), plus 1 (0: never).
    short: AtomicU64,
}

impl Busy {
    fn new() -> Busy {
        Busy {
            start: Instant::now(),
            run: AtomicU32::new(0),
            at: AtomicU64::new(0),
            short: AtomicU64::new(0),
        }
    }

    /// The writer read; `filled`: as much as its buffer had room for.
    pub fn read(&self, filled: bool) {
        if !filled {
            self.run.store(0, Ordering::Relaxed);
            return;
        }
        let run = self.run.load(Ordering::Relaxed).saturating_add(1);
        self.run.store(run, Ordering::Relaxed);
        if run >= BUSY_RUN {
            let ms = self.start.elapsed().as_millis() as u64 + 1;
            self.at.store(ms, Ordering::Relaxed);
        }
    }

    /// The writer is short of space: compressing backups frees space, so
    /// compression stops yielding to it for [`YIELD_AT_MOST`].
    pub fn short_of_space(&self) {
        let ms = self.start.elapsed().as_millis() as u64 + 1;
        self.short.store(ms, Ordering::Relaxed);
    }

    /// Whether the writer was short of space lately.
    fn short_lately(&self) -> bool {
        match self.short.load(Ordering::Relaxed) {
            0 => false,
            at => {
                self.start.elapsed().as_millis() as u64 + 1 < at + YIELD_AT_MOST.as_millis() as u64
            }
        }
    }

    /// Whether the writer was busy within [`BUSY_FOR`].
    fn now(&self) -> bool {
        match self.at.load(Ordering::Relaxed) {
            0 => false,
            at => self.start.elapsed().as_millis() as u64 + 1 < at + BUSY_FOR.as_millis() as u64,
        }
    }
}

/// A new backup to sync.
#[derive(Debug)]
pub struct NewBackup {
    /// A handle on the backup: it follows the file through later renames.
    pub fd: OwnedFd,
    /// The backup's path when it was made, for messages.
    pub show: String,
}

/// The handles on backups that queued tasks wait with, kept here rather
/// than in the queue, so that those of backups deleted meanwhile can be
/// let go of at once when space is short (`--keep-free`): a deleted file's
/// blocks are freed only when its last handle is closed. A task whose
/// handle was let go of finds it gone, and skips its backup as deleted.
#[derive(Debug, Default)]
struct Handles {
    next: u64,
    /// Each handle, with the identity of the backup it holds for a hook:
    /// when that backup is compressed, the hook's handle moves to the
    /// compressed form before the plain one is deleted.
    open: HashMap<u64, (OwnedFd, Option<FileId>)>,
}

/// A handle kept in [`Handles`], taken back by the task that waits with it.
#[derive(Debug)]
struct Held(u64);

type SharedHandles = Arc<Mutex<Handles>>;

/// Keeps a handle until a task takes it back; `hook`: the backup's
/// identity, where a hook waits with it.
fn hold(handles: &SharedHandles, fd: OwnedFd, hook: Option<FileId>) -> Held {
    let mut h = handles.lock().unwrap_or_else(|e| e.into_inner());
    h.next += 1;
    let token = h.next;
    h.open.insert(token, (fd, hook));
    Held(token)
}

/// Takes a handle back; `None` when it was let go of (its backup deleted).
fn take(handles: &SharedHandles, held: &Held) -> Option<OwnedFd> {
    handles
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .open
        .remove(&held.0)
        .map(|(fd, _)| fd)
}

/// A backup is being compressed: the hooks waiting for it hold its
/// compressed form from now on (`packed`, before it takes its name), so
/// that the plain form's deletion is no reason to let go of them.
fn hold_packed(handles: &SharedHandles, plain: FileId, packed: BorrowedFd<'_>) {
    let mut h = handles.lock().unwrap_or_else(|e| e.into_inner());
    for (fd, hook) in h.open.values_mut() {
        if *hook == Some(plain)
            && let Ok(dup) = packed.try_clone_to_owned()
        {
            *fd = dup;
        }
    }
}

/// A hook owed for a new backup, found when it runs by its identity (its
/// name may have changed: renumbered, or compressed).
#[derive(Debug)]
struct HookCall {
    backup: FileId,
    /// A handle on the backup as it was made: while it is open, no other
    /// file can get its inode number, so the identity stays its own even
    /// after compression deletes the plain form (a file system that reuses
    /// numbers within seconds made a hook ship another backup). One let
    /// go of (its backup deleted for space) skips the hook.
    held: Held,
    main: PathBuf,
    reason: Reason,
    /// The command recorded for a hook a crash left owed (else the
    /// finisher's own).
    command: Option<Hook>,
}

enum Task {
    /// A new backup to sync (a handle on it), for messages by this name.
    Sync(Held, String, Option<FileId>),
    /// A plain backup (a handle open for reading) to compress, and the
    /// name it had when queued (where it most likely still is).
    Compress(Held, Codec, Vec<u8>),
    Retain,
    Hook(HookCall),
    /// Handles on deleted backups, to close off the writer's path.
    Free(Vec<Held>),
}

/// What a rotation hands the finisher.
#[derive(Debug)]
pub struct Handover<'a> {
    /// The rotation's steps.
    pub steps: &'a [Action],
    /// A handle on the former main file, to sync it (`None`: no sync).
    pub old: Option<OwnedFd>,
    /// The main file's name.
    pub main: &'a [u8],
    pub reason: Reason,
    /// The hook already ran (a `rotate` of another program's file).
    pub hook_done: bool,
}

/// How the finisher's queue ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// Everything handed over was finished; this many syncs failed.
    Done { failures: u32 },
    /// Stopped before the queue was empty: these backups are still owed
    /// their sync (the next writer or `rotate` on the set does it).
    Abandoned(Vec<FileId>),
}

/// The queue and the thread that works it, started at the first task.
#[derive(Debug)]
pub struct Finisher {
    /// What the thread works with; taken when it starts.
    work: Option<FinishingThread>,
    /// Held while backups are renamed or deleted: by a rotation's cascade,
    /// a compression's last step and retention, so they never interleave.
    gate: Arc<Mutex<()>>,
    queue: Option<TaskQueue>,
    failures: Arc<AtomicU32>,
    owed: Arc<Mutex<VecDeque<FileId>>>,
    /// Set when the queue is closed: nothing more will be written, so
    /// compression may use every core (at most four).
    draining: Arc<AtomicBool>,
    busy: Arc<Busy>,
    /// Tasks sent and not yet taken up.
    queued: Arc<AtomicUsize>,
    /// Work each task at once in the caller's thread ([`Finisher::inline`]).
    inline: bool,
    /// Where the set's state is.
    place: Place,
    /// Hooks owed from an earlier run, queued and not yet run.
    owed_hooks: Arc<AtomicUsize>,
    handles: SharedHandles,
}

/// The writer's end of the running thread's queue.
#[derive(Debug)]
struct TaskQueue {
    tx: Option<mpsc::Sender<Task>>,
    /// Disconnected once the thread has finished everything.
    idle: mpsc::Receiver<()>,
}

/// What the finishing thread works with: its own handle on the set, the
/// settings, and what it shares with the writer's [`Finisher`].
#[derive(Debug)]
struct FinishingThread {
    set: FileSet,
    finishing: Finishing,
    gate: Arc<Mutex<()>>,
    failures: Arc<AtomicU32>,
    owed: Arc<Mutex<VecDeque<FileId>>>,
    draining: Arc<AtomicBool>,
    busy: Arc<Busy>,
    queued: Arc<AtomicUsize>,
    /// Since when compression has yielded to a busy writer without seeing
    /// it keep up.
    yielding: Option<Instant>,
    /// Where the set's state is, which records the hooks owed.
    place: Place,
    /// Hooks owed from an earlier run, not yet run.
    owed_hooks: Arc<AtomicUsize>,
    handles: SharedHandles,
}

/// The identity of an open backup; a failed `fstat` is an error that
/// names the backup, never an identity that another file could share.
fn identity(fd: &OwnedFd, show: &str) -> Result<FileId> {
    let st = rustix::fs::fstat(fd).with_context(|| format!("cannot stat {show}"))?;
    Ok(FileId {
        dev: st.st_dev,
        ino: st.st_ino,
    })
}

impl Finisher {
    /// A finisher for `set` (a handle of its own) with nothing to do yet;
    /// its thread starts with the first task, so a writer that never
    /// rotates never starts one.
    pub fn start(set: FileSet, finishing: Finishing) -> Finisher {
        let gate = Arc::new(Mutex::new(()));
        let failures = Arc::new(AtomicU32::new(0));
        let owed = Arc::new(Mutex::new(VecDeque::new()));
        let draining = Arc::new(AtomicBool::new(false));
        let busy = Arc::new(Busy::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let owed_hooks = Arc::new(AtomicUsize::new(0));
        let handles = SharedHandles::default();
        Finisher {
            work: Some(FinishingThread {
                set,
                finishing,
                gate: Arc::clone(&gate),
                failures: Arc::clone(&failures),
                owed: Arc::clone(&owed),
                draining: Arc::clone(&draining),
                busy: Arc::clone(&busy),
                queued: Arc::clone(&queued),
                yielding: None,
                place: Place::default(),
                owed_hooks: Arc::clone(&owed_hooks),
                handles: Arc::clone(&handles),
            }),
            gate,
            queue: None,
            failures,
            owed,
            draining,
            busy,
            queued,
            inline: false,
            place: Place::default(),
            owed_hooks,
            handles,
        }
    }

    /// Lets go of the handles that queued tasks hold on backups deleted
    /// since (their blocks are freed now); whether there were any. Their
    /// tasks skip them.
    pub fn let_go_of_deleted(&mut self) -> bool {
        let mut h = self.handles.lock().unwrap_or_else(|e| e.into_inner());
        let before = h.open.len();
        h.open
            .retain(|_, (fd, _)| rustix::fs::fstat(&*fd).map_or(true, |st| st.st_nlink > 0));
        h.open.len() != before
    }

    /// A finisher that works each task at once in the calling thread, for
    /// `rotate`, which waits for its backups to be finished anyway and has
    /// no writer to yield to: no thread is started per set. The calling
    /// thread (already the set's `--su` identity) takes the idle CPU
    /// priority, as a finisher's own thread does, and keeps it: a `rotate`
    /// is a batch job.
    pub fn inline(set: FileSet, finishing: Finishing) -> Finisher {
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
        let f = Finisher::start(set, finishing);
        f.draining.store(true, Ordering::Relaxed);
        Finisher { inline: true, ..f }
    }

    /// Where the set's state is kept (beside it unless said here).
    pub fn with_state(mut self, place: Place) -> Finisher {
        if let Some(w) = self.work.as_mut() {
            w.place = place.clone();
        }
        self.place = place;
        self
    }

    /// Queues what a crash or a stop left owed: the compressions (see
    /// [`Finisher::compress_owed`]), then the hooks (see
    /// [`State::owed_hooks`]), each with its recorded command, for its
    /// backup as named when it runs.
    pub fn owed_work(
        &mut self,
        set: &FileSet,
        finishing: &Finishing,
        hooks: Vec<(Vec<u8>, FileId, OwedHook)>,
    ) -> Result<()> {
        let mut calls = Vec::new();
        for (name, id, h) in hooks {
            let Ok(fd) = set.open_backup(&name) else {
                // Gone since (mode w deletes every backup): nothing to run.
                hook_done(set, &self.place, id);
                continue;
            };
            self.owed_hooks.fetch_add(1, Ordering::Relaxed);
            calls.push(HookCall {
                backup: id,
                held: hold(&self.handles, fd, Some(id)),
                main: set.naming.path().to_path_buf(),
                reason: h.reason,
                command: Some(h.hook),
            });
        }
        let compressed = self.compress_owed(set, finishing);
        for call in calls {
            self.send(Task::Hook(call));
        }
        compressed
    }

    /// Where the writer tells whether its reads fill its buffer.
    pub fn busy(&self) -> &Busy {
        &self.busy
    }

    /// The gate a rotation holds while it renames backups.
    pub fn gate(&self) -> Arc<Mutex<()>> {
        Arc::clone(&self.gate)
    }

    fn queue(&mut self) -> Option<&TaskQueue> {
        if self.queue.is_none() {
            let mut work = self.work.take()?;
            let (tx, rx) = mpsc::channel::<Task>();
            let (idle_tx, idle) = mpsc::channel();
            std::thread::spawn(move || {
                let _idle = idle_tx;
                // Compression and hooks never compete with writing for the
                // CPU (a hook inherits the priority).
                let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
                for task in rx {
                    work.handle(task);
                }
            });
            self.queue = Some(TaskQueue { tx: Some(tx), idle });
        }
        self.queue.as_ref()
    }

    /// Queues a new backup for its sync.
    pub fn sync(&mut self, backup: NewBackup) {
        // Without an identity it is synced all the same, but cannot be
        // recorded as owed should the writer be stopped before.
        let id = identity(&backup.fd, &backup.show)
            .map_err(|e| messages::warn(&format!("{e:#}")))
            .ok();
        if let (Some(id), Ok(mut q)) = (id, self.owed.lock()) {
            q.push_back(id);
        }
        let held = hold(&self.handles, backup.fd, None);
        self.send(Task::Sync(held, backup.show, id));
    }

    /// Queues a plain backup of `set` for its compression. One that cannot
    /// be opened stays plain, owed to the next run.
    pub fn compress(&mut self, set: &FileSet, name: &[u8], codec: &Codec) {
        if let Ok(fd) = set.open_backup(name) {
            let held = hold(&self.handles, fd, None);
            self.send(Task::Compress(held, codec.clone(), name.to_vec()));
        }
    }

    /// Queues the compressions a crash or a stop left owed: every plain
    /// backup numbered `--compress-from` and above, oldest first.
    pub fn compress_owed(&mut self, set: &FileSet, finishing: &Finishing) -> Result<()> {
        if let Some(codec) = &finishing.compress {
            let listing = set.list()?;
            for b in compress::owed(&listing, finishing.compress_from) {
                self.compress(set, &b.name, codec);
            }
        }
        Ok(())
    }

    /// Queues a look at the retention rules (hourly, for backups that
    /// age while no rotation comes).
    pub fn retain(&mut self, finishing: &Finishing) {
        if finishing.retains() {
            self.send(Task::Retain);
        }
    }

    /// What a rotation leaves to finish, in order: the new backup's sync
    /// (through the handle on the former main file, when syncing), the
    /// compression of the backup brought to number `--compress-from`,
    /// retention, and the hook (unless a `rotate` of another program's file
    /// ran it at once).
    pub fn after_rotation(&mut self, set: &FileSet, finishing: &Finishing, h: Handover<'_>) {
        let Handover {
            steps,
            old,
            main,
            reason,
            hook_done,
        } = h;
        let backup = steps.iter().find_map(|s| match s {
            Action::SwapIn { backup, .. } => Some(backup),
            _ => None,
        });
        // The hook finds the new backup by the handle it holds, wherever
        // it is: held from before its compression is queued, so that the
        // compression moves it to the compressed form.
        let hook = backup
            .filter(|_| finishing.hook.is_some() && !hook_done)
            .and_then(|b| set.open_backup(b).ok())
            .and_then(|fd| match identity(&fd, &set.show(main)) {
                Ok(id) => Some((id, hold(&self.handles, fd, Some(id)))),
                Err(e) => {
                    messages::warn(&format!("{e:#}; its hook is not run"));
                    None
                }
            });
        // A backup compressed at once is synced in its compressed form
        // (always); syncing its plain form first would write it twice.
        let compressed_now = finishing.compress.is_some() && finishing.compress_from == 1;
        if let (Some(fd), Some(backup), false) = (old, backup, compressed_now) {
            self.sync(NewBackup {
                fd,
                show: set.show(backup),
            });
        }
        if let Some(codec) = &finishing.compress {
            if set.naming.dates().is_some() {
                // Date-named backups keep their names: the one now ranked
                // `--compress-from` (and any a crash left) is found by listing.
                if let Ok(listing) = set.list() {
                    let owed: Vec<Vec<u8>> = compress::owed(&listing, finishing.compress_from)
                        .map(|b| b.name.clone())
                        .collect();
                    for name in owed {
                        self.compress(set, &name, codec);
                    }
                }
            } else if let Some(name) = plan::brought_to(&set.naming, steps, finishing.compress_from)
            {
                self.compress(set, &name, codec);
            }
        }
        self.retain(finishing);
        if let Some((backup, held)) = hook {
            self.send(Task::Hook(HookCall {
                backup,
                held,
                main: set.path_of(main),
                reason,
                command: None,
            }));
        }
    }

    /// Hands over handles on deleted backups: their blocks are freed when
    /// the finisher closes them, off the writer's path.
    /// Carries out a rotation's steps on `set` under the gate, which the
    /// caller holds (`held`) from before it listed and planned, so that no
    /// compression or retention renames or deletes a backup in between;
    /// lets the gate go, and hands the deleted backups' handles over to be
    /// closed off the caller's path. `main_fd`: the writer's handle on the
    /// main file (see [`FileSet::execute`]).
    pub fn execute(
        &mut self,
        set: &FileSet,
        steps: &[Action],
        main_fd: Option<&OwnedFd>,
        held: std::sync::MutexGuard<'_, ()>,
    ) -> Result<Rotated> {
        // A cascade of renames is marked as begun, so that a crash part-way
        // through leaves a gap that the next rotation closes (see
        // `plan::shift`), where a gap from elsewhere moves up.
        let cascade = steps.iter().any(|s| matches!(s, Action::Rename(..)));
        if cascade {
            lock::mark_cascade(set, true)?;
        }
        let mut done = set.execute(steps, main_fd)?;
        if cascade {
            lock::mark_cascade(set, false)?;
        }
        drop(held);
        self.free(std::mem::take(&mut done.deleted));
        Ok(done)
    }

    fn free(&mut self, handles: Vec<OwnedFd>) {
        if !handles.is_empty() {
            let held = handles
                .into_iter()
                .map(|fd| hold(&self.handles, fd, None))
                .collect();
            self.send(Task::Free(held));
        }
    }

    fn send(&mut self, task: Task) {
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.inline
            && let Some(work) = self.work.as_mut()
        {
            work.handle(task);
            return;
        }
        let unsent = match self.queue().and_then(|w| w.tx.as_ref()) {
            Some(tx) => tx.send(task).err().map(|e| e.0),
            None => Some(task),
        };
        if unsent.is_some() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        // The thread is gone (it cannot panic on I/O, but be safe), or the
        // queue was closed: a sync is done here rather than lost; the rest
        // stays owed to the next run.
        if let Some(Task::Sync(held, show, _)) = unsent
            && let Some(fd) = take(&self.handles, &held)
            && let Err(e) = sync_file(&fd, &show)
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
    /// once with what is still owed. Nothing competes with the finisher
    /// any more, so what is left is compressed on every core (at most
    /// four).
    pub fn close(&mut self, stop: impl Fn() -> bool) -> Ending {
        self.draining.store(true, Ordering::Relaxed);
        let Some(queue) = self.queue.as_mut() else {
            return Ending::Done {
                failures: self.failures(),
            };
        };
        drop(queue.tx.take());
        loop {
            match queue.idle.recv_timeout(Duration::from_millis(20)) {
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

impl FinishingThread {
    fn handle(&mut self, task: Task) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        match task {
            Task::Sync(held, show, id) => {
                let synced = take(&self.handles, &held).map(|fd| sync_one(&self.set, &fd, &show));
                if let Some(Err(e)) = synced {
                    // Reported, never retried: after a failed fsync Linux
                    // may have dropped the data.
                    messages::error(&format!("{e:#}"));
                    self.failures.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut q) = self.owed.lock()
                    && let Some(i) = q.iter().position(|x| Some(*x) == id)
                {
                    q.remove(i);
                }
            }
            Task::Compress(held, codec, name) => {
                // Let go of (deleted for space): nothing to compress.
                let Some(fd) = take(&self.handles, &held) else {
                    return;
                };
                self.yield_to_writer(&fd);
                let show = self.set.show(&name);
                let workers = if self.draining.load(Ordering::Relaxed) {
                    std::thread::available_parallelism().map_or(1, |n| n.get().min(4) as u32)
                } else {
                    1
                };
                // A hook owed for the backup follows it to its compressed
                // form: the state says so before that form takes its name.
                let (set, place, handles) = (&self.set, &self.place, &self.handles);
                let hooks =
                    self.finishing.hook.is_some() || self.owed_hooks.load(Ordering::Relaxed) > 0;
                let follow = |plain, packed, packed_fd: BorrowedFd<'_>| {
                    if hooks && let Err(e) = State::hook_follows(set, place, plain, packed) {
                        messages::warn(&format!("{e:#}"));
                    }
                    hold_packed(handles, plain, packed_fd);
                };
                match compress::compress(set, fd, &codec, workers, &self.gate, &name, &follow) {
                    Ok(Some(_)) => {
                        if self.finishing.verbose {
                            messages::print(&format!("compressed {show} ({codec})"));
                        }
                    }
                    Ok(None) => {}
                    // A warning, not a failure: the backup stays plain, and
                    // is compressed again as owed.
                    Err(e) => messages::warn(&format!("cannot compress {show}: {e:#}")),
                }
            }
            Task::Retain => {
                if let Err(e) = retain::apply(&self.set, &self.finishing, &self.gate) {
                    messages::warn(&format!("{e:#}"));
                }
            }
            Task::Hook(call) => self.hook(call),
            Task::Free(held) => {
                for h in held {
                    drop(take(&self.handles, &h));
                }
            }
        }
    }

    /// Waits while the writer is busy (its producer ahead of it); not for
    /// a backup deleted meanwhile (it is skipped), nor once input has
    /// ended, nor past [`BACKLOG`] tasks waiting behind. After
    /// [`YIELD_AT_MOST`] of yielding without seeing the writer keep up,
    /// compression stops yielding until it does. Backups past the count
    /// are deleted without ever being compressed: a burst costs the work
    /// of the backups that are kept, done when the burst is over.
    fn yield_to_writer(&mut self, fd: &OwnedFd) {
        loop {
            if !self.busy.now() || self.busy.short_lately() {
                self.yielding = None;
                return;
            }
            let since = *self.yielding.get_or_insert_with(Instant::now);
            if self.draining.load(Ordering::Relaxed)
                || since.elapsed() >= YIELD_AT_MOST
                || self.queued.load(Ordering::Relaxed) >= BACKLOG
                || rustix::fs::fstat(fd).is_ok_and(|st| st.st_nlink == 0)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Runs the hook for a finished backup, by the name it has now; one
    /// deleted before its turn is skipped with a warning. A failed hook is
    /// a warning: the writer carries on. The writer may renumber the backup
    /// while its hook runs, so the hook also gets a name that stays put: a
    /// hidden hard link beside the set, removed when the hook has exited.
    fn hook(&mut self, call: HookCall) {
        if call.command.is_some() {
            self.owed_hooks.fetch_sub(1, Ordering::Relaxed);
        }
        let Some(hook) = call.command.as_ref().or(self.finishing.hook.as_ref()) else {
            return;
        };
        // Held until the hook has run, on the backup's compressed form once
        // there is one; let go of, or unlinked: the backup was deleted.
        let held = take(&self.handles, &call.held);
        let id = held.as_ref().and_then(|fd| {
            rustix::fs::fstat(fd)
                .ok()
                .filter(|st| st.st_nlink > 0)
                .map(|st| FileId {
                    dev: st.st_dev,
                    ino: st.st_ino,
                })
        });
        let link = id.and_then(|id| {
            let _held = self.gate.lock().unwrap_or_else(|e| e.into_inner());
            self.set
                .name_of(id)
                .ok()
                .flatten()
                .and_then(|name| self.set.link_own("hook", &name).ok().map(|l| (name, l)))
        });
        let Some((name, link)) = link else {
            messages::warn(&format!(
                "hook '{}' skipped: its backup was deleted before its turn",
                hook.command
            ));
            hook_done(&self.set, &self.place, call.backup);
            return;
        };
        let paths = hook::Paths {
            main: call.main,
            backup: self.set.path_of(&name),
            stable: self.set.path_of(&link),
        };
        if let Err(e) = hook::run_said(hook, &paths, call.reason, self.finishing.verbose) {
            messages::warn(&format!("{e:#}"));
        }
        let _ = self.set.delete(&link);
        drop(held);
        hook_done(&self.set, &self.place, call.backup);
    }
}

/// The hook for `backup` has run (or cannot): the state no longer owes it.
fn hook_done(set: &FileSet, place: &Place, backup: FileId) {
    if let Err(e) = State::hook_done(set, place, backup) {
        messages::warn(&format!("{e:#}"));
    }
}

/// Syncs one backup and then its directory. A backup deleted before its
/// turn has no name left to make durable: skipped.
fn sync_one(set: &FileSet, fd: &OwnedFd, show: &str) -> Result<()> {
    // In a batch (a rotate run), the batch's syncfs does it.
    if rustix::fs::fstat(fd).is_ok_and(|st| st.st_nlink == 0) || crate::batch::note(set) {
        return Ok(());
    }
    sync_file(fd, show)?;
    sync_file(set.backups_dir(), &format!("the directory of {show}"))
}
