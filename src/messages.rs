//! The one place that prints. Errors and warnings go to stderr as one line
//! each, `rollover: ` first; results go to stdout. Nothing here panics: a
//! logging tool must not die because its stderr or stdout went away
//! (`eprintln!` and `println!` would).

use std::io::Write;
use std::time::{Duration, Instant};

/// Prints one line on stderr, `rollover: ` first, in one write: lines from
/// parallel sets (`--jobs`) never interleave within a line.
pub fn error(msg: &str) {
    let line = format!("rollover: {msg}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Prints one line of information on stderr (not an error, not a
/// warning: the writer telling a person at a terminal what it is doing).
pub fn note(msg: &str) {
    error(msg);
}

/// Prints one warning line on stderr.
pub fn warn(msg: &str) {
    error(&format!("warning: {msg}"));
}

/// Prints one line on stdout, in one write, ignoring a stdout that went
/// away.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(format!("{text}\n").as_bytes())
        .and_then(|()| out.flush());
}

/// Prints a warning at most once a minute: a fault that lasts (a full
/// disk, a vanished directory) is said once, not at every retry.
#[derive(Debug, Default)]
pub struct Warner {
    last: Option<Instant>,
}

impl Warner {
    /// Prints `msg` unless this warner printed within the last minute.
    pub fn warn(&mut self, msg: impl FnOnce() -> String) {
        if self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            warn(&msg());
            self.last = Some(Instant::now());
        }
    }
}
