//! One step from the parsed command line to validated domain types: the
//! rest of the program never sees clap.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{FsyncArg, OpenMode, WriteArgs};
use crate::policy::Policy;
use crate::stamp::Format;
use crate::writer::Fsync;

/// Everything the writer needs.
#[derive(Debug, Clone)]
pub struct WriteConfig {
    pub path: PathBuf,
    pub policy: Policy,
    pub mode: OpenMode,
    pub partial_timeout: Duration,
    pub timestamp: Option<Format>,
    pub tee: bool,
    pub fsync: Fsync,
    pub perm: Option<u32>,
    pub insecure_dir: bool,
}

impl WriteConfig {
    /// Builds the writer's configuration from its arguments.
    pub fn from_args(args: WriteArgs) -> WriteConfig {
        // `-a 0s` and `--max-days 0` turn the age limit off, as `-s 0` does
        // the size limit.
        let max_age = args.max_age.or(args.max_days).filter(|d| !d.is_zero());
        WriteConfig {
            path: args.path.unwrap_or_default(),
            policy: Policy {
                max_size: args.max_size,
                max_age,
                count: args.max_count,
            },
            mode: args.mode,
            partial_timeout: args.partial_timeout,
            timestamp: args.timestamp,
            tee: args.tee,
            fsync: match args.fsync {
                FsyncArg::Never => Fsync::Never,
                FsyncArg::Rotate => Fsync::Rotate,
                FsyncArg::Always => Fsync::Always,
            },
            perm: args.perm,
            insecure_dir: args.insecure_dir,
        }
    }
}
