//! `rollover import-logrotate FILE...`: prints the configuration that
//! does what logrotate's files do, and one warning per directive it could
//! not translate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::logrotate;
use crate::messages;

/// Translates the files; an unreadable or malformed one is exit 1 and no
/// output.
pub fn run(files: &[PathBuf], state: Option<&Path>) -> Result<ExitCode> {
    let t = logrotate::translate(files, state)?;
    for w in &t.warnings {
        messages::warn(w);
    }
    messages::print(t.toml.trim_end());
    Ok(ExitCode::SUCCESS)
}
