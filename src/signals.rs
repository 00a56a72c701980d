//! The signals a writer acts on, as flags that the main loop reads, and a
//! socket the handlers write to so that the loop's `poll` wakes at once.
//! SIGTERM/SIGINT stop (a second one stops at once), SIGALRM rotates,
//! SIGHUP reopens; SIGXFSZ and SIGPIPE are ignored, so that a file-size
//! limit or a closed stdout fails a write instead of killing the writer.

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

/// The flags set by the handlers, and the wake-up socket.
pub struct Signals {
    term: Arc<AtomicBool>,
    alarm: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    wake: UnixStream,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> Result<Signals> {
        use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGXFSZ};
        let (wake, notify) =
            UnixStream::pair().context("cannot create a socket pair for signals")?;
        for s in [&wake, &notify] {
            s.set_nonblocking(true)
                .context("cannot set up signal handling")?;
        }
        let s = Signals {
            term: Arc::new(AtomicBool::new(false)),
            alarm: Arc::new(AtomicBool::new(false)),
            hup: Arc::new(AtomicBool::new(false)),
            wake,
        };
        let register = |sig, flag: &Arc<AtomicBool>| -> Result<()> {
            signal_hook::flag::register(sig, Arc::clone(flag))
                .context("cannot install a signal handler")?;
            let n = notify
                .try_clone()
                .context("cannot set up signal handling")?;
            signal_hook::low_level::pipe::register(sig, n)
                .context("cannot install a signal handler")?;
            Ok(())
        };
        register(SIGTERM, &s.term)?;
        register(SIGINT, &s.term)?;
        register(SIGALRM, &s.alarm)?;
        register(SIGHUP, &s.hup)?;
        let ignored = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(SIGXFSZ, Arc::clone(&ignored))
            .context("cannot ignore SIGXFSZ")?;
        signal_hook::flag::register(SIGPIPE, ignored).context("cannot ignore SIGPIPE")?;
        Ok(s)
    }

    /// The socket to poll: readable after any signal.
    pub fn wake(&self) -> &UnixStream {
        &self.wake
    }

    /// Empties the wake-up socket.
    pub fn drain_wake(&self) {
        let mut sink = [0u8; 64];
        while matches!(rustix::io::read(&self.wake, &mut sink), Ok(n) if n > 0) {}
    }

    /// Whether SIGTERM or SIGINT came since the last call: each call
    /// consumes it, so that a second signal can be told from the first.
    pub fn take_stop(&self) -> bool {
        self.term.swap(false, Ordering::Relaxed)
    }

    /// Whether SIGALRM came since the last call.
    pub fn take_alarm(&self) -> bool {
        self.alarm.swap(false, Ordering::Relaxed)
    }

    /// Whether SIGHUP came since the last call.
    pub fn take_hup(&self) -> bool {
        self.hup.swap(false, Ordering::Relaxed)
    }
}
