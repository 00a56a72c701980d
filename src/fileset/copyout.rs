//! Rotating a file whose writer cannot reopen it (`rotate --method`):
//! its contents are copied out into the new backup, and the main file
//! stays in place, either with the copied bytes collapsed out of its front
//! (lossless) or truncated (logrotate's copytruncate, lossy).

use std::io::Read;
use std::os::fd::OwnedFd;

use anyhow::{Context, Result, bail};
use rustix::fs::{FallocateFlags, OFlags};
use rustix::io::Errno;

use super::{FileSet, unlink};
use crate::plan::Method;

/// What `--method collapse` can do with a main file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collapsible {
    /// This many leading bytes (whole allocation units) can be moved out.
    Bytes(u64),
    /// The file is no longer than one allocation unit: left as it is.
    TooShort,
}

/// How [`FileSet::collapsible`] finds out whether a file system can
/// collapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollapseCheck {
    /// Ask the file system: a `fallocate` that any file system refuses,
    /// one that can collapse as misaligned and one that cannot as
    /// unsupported. ext4 updates the file's mtime even so: for a run that
    /// is about to change the file anyway.
    Probe,
    /// Go by the file system's type (and, on ext4, the file's extents
    /// flag), changing nothing at all: for a dry run.
    ByType,
}

impl FileSet {
    /// Checks that the main file's file system can collapse a range, and
    /// how much a collapse would move out now.
    pub fn collapsible(&self, main: &[u8], check: CollapseCheck) -> Result<Collapsible> {
        let access = match check {
            CollapseCheck::Probe => OFlags::RDWR,
            CollapseCheck::ByType => OFlags::RDONLY,
        };
        let fd = self.open_existing(main, access)?;
        let can = match check {
            CollapseCheck::ByType => can_collapse_by_type(&fd),
            CollapseCheck::Probe => {
                match rustix::fs::fallocate(&fd, FallocateFlags::COLLAPSE_RANGE, 1, 1) {
                    Err(Errno::INVAL) => true,
                    Err(Errno::OPNOTSUPP | Errno::NOSYS) | Ok(()) => false,
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("cannot collapse {}", self.show(main)));
                    }
                }
            }
        };
        if !can {
            bail!(
                "cannot collapse {}: its file system ({}) cannot remove a range from a file; \
                 use --method copytruncate to accept losing lines, or rename",
                self.show(main),
                fs_name(&fd)
            );
        }
        let size = rustix::fs::fstat(&fd)
            .with_context(|| format!("cannot stat {}", self.show(main)))?
            .st_size as u64;
        Ok(match cut_at(size, unit(&fd)) {
            0 => Collapsible::TooShort,
            n => Collapsible::Bytes(n),
        })
    }

    /// Copies the main file's contents into a new `backup` (created here,
    /// with the main file's mode and owner), syncs it, and then removes the
    /// copied bytes from the main file: with [`Method::Collapse`], whole
    /// allocation units from its front, keeping whatever was appended
    /// meanwhile; with [`Method::CopyTruncate`], everything (what was
    /// written after the copy is lost). A crash between the copy and the
    /// removal leaves those bytes in both files, never in neither. Returns
    /// a handle on the backup. With [`Method::Copy`] the main file is left
    /// as it is.
    pub(super) fn copy_out(&self, main: &[u8], backup: &[u8], method: Method) -> Result<OwnedFd> {
        let src = self.open_existing(main, OFlags::RDWR)?;
        let st =
            rustix::fs::fstat(&src).with_context(|| format!("cannot stat {}", self.show(main)))?;
        let size = st.st_size as u64;
        let len = match method {
            Method::Collapse => cut_at(size, unit(&src)),
            _ => size,
        };
        if len == 0 {
            bail!(
                "cannot collapse {}: it is no longer than one block",
                self.show(main)
            );
        }
        let dst = self.create_exclusive(backup, st.st_mode & 0o7777)?;
        let _ = rustix::fs::fchown(
            &dst,
            Some(rustix::fs::Uid::from_raw(st.st_uid)),
            Some(rustix::fs::Gid::from_raw(st.st_gid)),
        );
        super::start::copy(&src, &dst);
        let copied = copy(&src, &dst, len)
            .and_then(|()| super::sync_file(&dst, &self.show(backup)))
            .with_context(|| format!("cannot copy {} to {}", self.show(main), self.show(backup)));
        if let Err(e) = copied {
            let _ = unlink(self, backup);
            return Err(e);
        }
        let removed = match method {
            Method::Copy => Ok(()),
            Method::Collapse => rustix::fs::fallocate(&src, FallocateFlags::COLLAPSE_RANGE, 0, len)
                .with_context(|| {
                    format!(
                        "cannot collapse the copied bytes out of {}",
                        self.show(main)
                    )
                }),
            _ => rustix::fs::ftruncate(&src, 0)
                .with_context(|| format!("cannot truncate {}", self.show(main))),
        };
        if let Err(e) = removed {
            // Nothing was removed: the copy would only duplicate the bytes.
            let _ = unlink(self, backup);
            return Err(e);
        }
        if method != Method::Copy {
            super::start::advance(&src, len);
        }
        Ok(dst)
    }
}

/// The last allocation-unit boundary strictly before the end of a file of
/// `size` bytes: what a collapse can move out.
fn cut_at(size: u64, unit: u64) -> u64 {
    if size == 0 || unit == 0 {
        return 0;
    }
    (size - 1) / unit * unit
}

/// The file system's allocation unit (block or cluster).
fn unit(fd: &OwnedFd) -> u64 {
    match rustix::fs::fstatvfs(fd) {
        Ok(v) if v.f_frsize > 0 => v.f_frsize,
        Ok(v) => v.f_bsize,
        Err(_) => 4096,
    }
}

/// The first `len` bytes of `src` into `dst` (in the kernel, where it can).
pub(super) fn copy(src: &OwnedFd, dst: &OwnedFd, len: u64) -> Result<()> {
    let src = std::fs::File::from(src.try_clone()?);
    let mut dst = std::fs::File::from(dst.try_clone()?);
    let copied = std::io::copy(&mut (&src).take(len), &mut dst)?;
    if copied != len {
        bail!("it shrank while being copied ({copied} of {len} bytes)");
    }
    Ok(())
}

/// The file system's name, for an error message.
/// Whether the file system under `fd` can collapse a range, by its type:
/// ext4 for files with extents (the ext4 default; not ext2/ext3 files),
/// XFS and F2FS.
fn can_collapse_by_type(fd: &OwnedFd) -> bool {
    /// ext4's "inode uses extents" flag (`FS_EXTENT_FL`).
    const EXTENTS: u32 = 0x0008_0000;
    match rustix::fs::fstatfs(fd).map(|fs| fs.f_type as u64) {
        Ok(0xef53) => rustix::fs::ioctl_getflags(fd).is_ok_and(|f| f.bits() & EXTENTS != 0),
        Ok(0x5846_5342 | 0xf2f5_2010) => true,
        _ => false,
    }
}

fn fs_name(fd: &OwnedFd) -> String {
    let Ok(fs) = rustix::fs::fstatfs(fd) else {
        return "unknown".into();
    };
    let magic = fs.f_type as u64;
    let name = match magic {
        0x0102_1994 => "tmpfs",
        0x9123_683e => "btrfs",
        0x6969 => "nfs",
        0xef53 => "ext2/ext3/ext4",
        0x5846_5342 => "xfs",
        0x794c_7630 => "overlayfs",
        0x6573_5546 => "fuse",
        0xff53_4d42 | 0xfe53_4d42 => "cifs/smb",
        0x4d44 => "vfat",
        0x2fc1_2fc1 => "zfs",
        0x0102_1997 => "9p",
        0xf2f5_2010 => "f2fs",
        _ => return format!("type {magic:#x}"),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::cut_at;

    #[test]
    fn the_cut_is_the_last_unit_boundary_strictly_before_the_end() {
        for (size, want) in [
            (0, 0),
            (1, 0),
            (4096, 0),
            (4097, 4096),
            (8192, 4096),
            (8193, 8192),
            (10_000, 8192),
        ] {
            assert_eq!(cut_at(size, 4096), want, "size {size}");
        }
    }
}
