//! Compressing a backup, crash-safe. The compressed form is written to a
//! hidden file of the set's own (`.NAME.rollover-zip`, `O_EXCL`, mode
//! 0600), synced whatever `--fsync` says, given the backup's mode, owner
//! and mtime, and then, holding the set's rename gate (so never in the
//! middle of a rotation's cascade), renamed to the backup's current number
//! with the codec's extension; only then is the plain backup deleted. A
//! crash leaves at worst both forms, or a stale hidden file: [`recover`]
//! keeps exactly one form of every backup.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::config::Codec;
use crate::fileset::{FileSet, sync_file};
use crate::plan::FileId;
use crate::plan::{Backup, Listing};

/// The hidden file a compression writes to.
const WORK: &str = "zip";

/// Compresses the plain backup open at `src` (wherever it is named now);
/// returns the compressed file's identity, or `None` for a backup deleted
/// before its turn. `workers` above 1 lets zstd split a large backup
/// between that many threads (they inherit the caller's priority).
/// `before_rename` is told the plain and compressed identities, and given
/// the compressed file, before that takes its name.
pub fn compress(
    set: &FileSet,
    src: OwnedFd,
    codec: &Codec,
    workers: u32,
    gate: &Mutex<()>,
    queued_as: &[u8],
    before_rename: &dyn Fn(FileId, FileId, std::os::fd::BorrowedFd<'_>),
) -> Result<Option<FileId>> {
    let st = rustix::fs::fstat(&src).context("cannot stat a backup to compress")?;
    if st.st_nlink == 0 {
        return Ok(None);
    }
    // A compression of this set still waiting for the batch's sync uses
    // the same hidden file: it is finished first.
    crate::batch::flush_set(set)?;
    let work = set.naming.own_name(WORK);
    let show_work = set.show(&work);
    let out = std::fs::File::from(set.create_own(WORK)?);
    let mut input = std::fs::File::from(src);
    let out = match encode(&mut input, out, codec, workers) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && e.to_string() == DELETED => {
            set.delete(&work)?;
            return Ok(None);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot compress into {show_work}")),
    };
    // The backup's mode, owner and mtime; an owner we may not give is kept.
    let _ = rustix::fs::fchmod(&out, rustix::fs::Mode::from_raw_mode(st.st_mode & 0o7777));
    let _ = rustix::fs::fchown(
        &out,
        Some(rustix::fs::Uid::from_raw(st.st_uid)),
        Some(rustix::fs::Gid::from_raw(st.st_gid)),
    );
    crate::fileset::start::copy(&input, &out);
    let mtime = filetime::FileTime::from_unix_time(st.st_mtime, st.st_mtime_nsec as u32);
    filetime::set_file_handle_times(&out, None, Some(mtime))
        .with_context(|| format!("cannot set the times of {show_work}"))?;
    // In a batch, the batch's syncfs makes it durable before it is named.
    let batched = crate::batch::on();
    if !batched {
        sync_file(&out, &show_work)?;
    }
    let packed = rustix::fs::fstat(&out)
        .map(|st| FileId {
            dev: st.st_dev,
            ino: st.st_ino,
        })
        .with_context(|| format!("cannot stat {show_work}"))?;

    let plain_id = FileId {
        dev: st.st_dev,
        ino: st.st_ino,
    };
    if batched {
        before_rename(plain_id, packed, std::os::fd::AsFd::as_fd(&out));
        if crate::batch::defer(set, &work, plain_id, queued_as, codec.ext())? {
            return Ok(Some(packed));
        }
        sync_file(&out, &show_work)?;
    }
    let _held = gate.lock().unwrap_or_else(|e| e.into_inner());
    // Where it was queued, unless a rotation renamed it since.
    let Some(plain) = set.name_now(queued_as, plain_id)? else {
        // Deleted by the count while it was being compressed.
        set.delete(&work)?;
        return Ok(None);
    };
    let mut target = plain.clone();
    target.push(b'.');
    target.extend_from_slice(codec.ext().as_bytes());
    before_rename(plain_id, packed, std::os::fd::AsFd::as_fd(&out));
    set.rename(&work, &target)?;
    set.delete(&plain)?;
    sync_file(set.backups_dir(), &set.naming.dir().display().to_string())?;
    Ok(Some(packed))
}

/// Runs `--compress-command` (`/bin/sh -c`, as logrotate runs its
/// compresscmd with its options) with the backup on stdin and `out` on
/// stdout, at the calling thread's (idle) priority, and waits for it; a
/// failure says how it ended and the first line it wrote on stderr.
fn run_compressor(
    command: &str,
    input: &mut std::fs::File,
    out: std::fs::File,
) -> std::io::Result<std::fs::File> {
    use std::process::{Command, Stdio};
    let stdout = out.try_clone()?;
    let stdin = input.try_clone()?;
    let run = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::piped())
        .output()?;
    if !run.status.success() {
        let said = String::from_utf8_lossy(&run.stderr);
        let first = said.lines().next().unwrap_or_default().trim().to_string();
        let why = if first.is_empty() {
            String::new()
        } else {
            format!(": {first}")
        };
        return Err(std::io::Error::other(format!(
            "'{command}' failed ({}){why}",
            run.status
        )));
    }
    Ok(out)
}

/// The largest backup compressed as one buffer (twice its size in memory).
const WHOLE: u64 = 4 << 20;

/// Streams `input` through the codec into `out`; returns `out`, flushed.
fn encode(
    input: &mut std::fs::File,
    out: std::fs::File,
    codec: &Codec,
    workers: u32,
) -> std::io::Result<std::fs::File> {
    let size = input.metadata().map_or(u64::MAX, |m| m.len());
    let mut input = Doomed::new(input);
    match *codec {
        // Another compressor reads the backup itself; a backup deleted
        // meanwhile is found so after it.
        Codec::Command { ref command, .. } => run_compressor(command, input.file, out),
        // libdeflate compresses about twice as fast as zlib at the same
        // level, but only whole buffers: backups up to WHOLE go through
        // it, larger ones stream through zlib-rs, so memory stays bounded
        // (zstd likewise).
        Codec::Gzip(level) if size <= WHOLE => {
            let mut data = Vec::with_capacity(size as usize);
            input.read_to_end(&mut data)?;
            let mut z = libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(level as i32).unwrap_or_default(),
            );
            let mut packed = vec![0; z.gzip_compress_bound(data.len())];
            let n = z
                .gzip_compress(&data, &mut packed)
                .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            let mut out = out;
            out.write_all(&packed[..n])?;
            Ok(out)
        }
        Codec::Gzip(level) => {
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
            std::io::copy(&mut input, &mut enc)?;
            enc.finish()
        }
        // A whole buffer tells zstd the input's size, so a small backup
        // gets tables sized for it instead of zeroing the level's full ones
        // (over 1,000 sets of 100 KB, memset took about 4% of the run).
        Codec::Zstd(level) if size <= WHOLE => {
            let mut data = Vec::with_capacity(size as usize);
            input.read_to_end(&mut data)?;
            // One context per thread and level, reused from backup to
            // backup (creating one took 2% of a run over 10,000 sets).
            thread_local! {
                static ZSTD: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
                    const { std::cell::RefCell::new(None) };
            }
            let packed = ZSTD.with(|z| -> std::io::Result<Vec<u8>> {
                let mut z = z.borrow_mut();
                if z.as_ref().is_none_or(|(l, _)| *l != level) {
                    *z = Some((level, zstd::bulk::Compressor::new(level)?));
                }
                match z.as_mut() {
                    Some((_, c)) => c.compress(&data),
                    None => zstd::bulk::compress(&data, level),
                }
            })?;
            let mut out = out;
            out.write_all(&packed)?;
            Ok(out)
        }
        Codec::Zstd(level) => {
            let mut enc = zstd::stream::write::Encoder::new(out, level)?;
            if workers > 1 {
                // Jobs of 1 MiB: zstd's own size (several times the
                // window) would leave a 10 MiB backup to one thread, and
                // the jobs in flight are what the threads add to memory.
                enc.multithread(workers)?;
                enc.set_parameter(zstd::stream::raw::CParameter::JobSize(1 << 20))?;
            }
            std::io::copy(&mut input, &mut enc)?;
            enc.finish()
        }
    }
    .and_then(|mut f| f.flush().map(|()| f))
}

/// Reads a backup, and gives up (an `Interrupted`-free error of kind
/// `NotFound`) once the count has deleted it: a burst of rotations must
/// not spend the codec on a backup that is gone.
struct Doomed<'a> {
    file: &'a mut std::fs::File,
    since_check: usize,
}

impl<'a> Doomed<'a> {
    fn new(file: &'a mut std::fs::File) -> Doomed<'a> {
        Doomed {
            file,
            since_check: 0,
        }
    }
}

impl Read for Doomed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_check >= 1 << 20 {
            self.since_check = 0;
            if rustix::fs::fstat(&*self.file).is_ok_and(|st| st.st_nlink == 0) {
                return Err(std::io::Error::new(std::io::ErrorKind::NotFound, DELETED));
            }
        }
        let n = self.file.read(buf)?;
        self.since_check += n;
        Ok(n)
    }
}

/// What [`Doomed`] says when its backup was deleted.
const DELETED: &str = "the backup was deleted while it was being compressed";

/// After a crash: a stale hidden file is deleted (its backup is still
/// plain, and is compressed again as owed); where both forms of a backup
/// exist, the plain one goes if the compressed one decompresses to its
/// length, else the compressed one goes.
/// Takes a listing of the set; says whether it deleted a backup (the
/// listing is then stale).
pub fn recover(set: &FileSet, listing: &Listing) -> Result<bool> {
    set.delete(&set.naming.own_name(WORK))?;
    // A hook's stable name, left by a crash while the hook ran.
    let hook = set.naming.own_name("hook");
    set.delete(&hook)?;
    for ext in crate::naming::CODECS {
        set.delete(&[hook.as_slice(), b".", ext.as_bytes()].concat())?;
    }
    let mut changed = false;
    for plain in listing.backups.iter().filter(|b| b.codec.is_none()) {
        for packed in listing.backups.iter().filter(|b| {
            b.index == plain.index && b.codec.is_some() && b.name.starts_with(&plain.name)
        }) {
            let Some(p) = set.stat(&plain.name)? else {
                continue;
            };
            if decoded_len(set, packed)? == Some(p.size) {
                set.delete(&plain.name)?;
            } else {
                set.delete(&packed.name)?;
            }
            changed = true;
        }
    }
    Ok(changed)
}

/// The length a compressed backup decompresses to; `None` if it is damaged
/// (a crash before its sync) or of a codec rollover does not write.
fn decoded_len(set: &FileSet, b: &Backup) -> Result<Option<u64>> {
    let file = std::fs::File::from(set.open_backup(&b.name)?);
    let mut reader: Box<dyn Read> = match b.codec {
        Some("gz") => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Some("zst") => match zstd::stream::read::Decoder::new(file) {
            Ok(d) => Box::new(d),
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(std::io::copy(&mut reader, &mut std::io::sink()).ok())
}

/// The plain backups numbered `from` and above: owed their compression,
/// oldest first.
pub fn owed(listing: &Listing, from: u64) -> impl Iterator<Item = &Backup> {
    listing
        .backups
        .iter()
        .filter(move |b| b.codec.is_none() && b.index >= from)
}
