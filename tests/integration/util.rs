//! Helpers: a temp directory to run the real binary in, a live writer fed
//! through a pipe, and polling with a deadline (never sleep-and-hope).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_rollover");

/// A scratch directory for one test.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub fn write(&self, name: &str, data: &[u8]) {
        std::fs::write(self.join(name), data).expect("write");
    }

    pub fn exists(&self, name: &str) -> bool {
        self.join(name).symlink_metadata().is_ok()
    }

    /// Names in the directory, sorted, without rollover's own hidden files.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .all_names()
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    }

    /// Every name in the directory, sorted.
    pub fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A command running the binary in this directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args).current_dir(self.path());
        c
    }

    /// Runs the binary with `input` on stdin and waits for it.
    pub fn run(&self, args: &[&str], input: &[u8]) -> Output {
        run_with_input(self.cmd(args), input)
    }

    /// Runs the binary, asserts success, returns stdout; a failure is
    /// one dump (see [`Dir::assert`]).
    pub fn ok(&self, args: &[&str], input: &[u8]) -> Vec<u8> {
        self.assert(args, input)
            .success()
            .get_output()
            .stdout
            .clone()
    }

    /// Runs the binary through `assert_cmd` with `input` on stdin (a
    /// minute at most), for `predicates` to check. A failed expectation
    /// prints one dump: the command, its status, stdout and stderr, and
    /// this directory's listing after the run, with sizes.
    pub fn assert(&self, args: &[&str], input: &[u8]) -> assert_cmd::assert::Assert {
        assert_cmd::Command::new(BIN)
            .args(args)
            .current_dir(self.path())
            .write_stdin(input.to_vec())
            .timeout(Duration::from_secs(60))
            .assert()
            .append_context("directory", self.listing())
    }

    /// Every name in the directory with its size, for a failure's dump.
    pub fn listing(&self) -> String {
        let mut out = format!("{}:", self.path().display());
        for name in self.all_names() {
            let size = self.join(&name).symlink_metadata().map_or(0, |m| m.len());
            out.push_str(&format!(" {name} ({size})"));
        }
        out
    }

    /// The backups of the set `base` (`NAME.N` names), as (number, content),
    /// highest number first.
    pub fn backups(&self, base: &str) -> Vec<(u64, Vec<u8>)> {
        let mut v: Vec<(u64, Vec<u8>)> = self
            .names()
            .into_iter()
            .filter_map(|n| {
                let rest = n.strip_prefix(base)?.strip_prefix('.')?;
                let num: u64 = rest.parse().ok().filter(|&n| n > 0)?;
                Some((num, self.read(&n)))
            })
            .collect();
        v.sort_by_key(|b| std::cmp::Reverse(b.0));
        v
    }

    /// Every file of the set `base`, oldest backup first, main file last.
    pub fn set_files(&self, base: &str) -> Vec<Vec<u8>> {
        let mut files: Vec<Vec<u8>> = self.backups(base).into_iter().map(|(_, d)| d).collect();
        if self.exists(base) {
            files.push(self.read(base));
        }
        files
    }

    /// The set's content: its files concatenated oldest to newest.
    pub fn set_content(&self, base: &str) -> Vec<u8> {
        self.set_files(base).concat()
    }
}

/// Runs any command with `input` on its stdin (fed from a thread, so a
/// full pipe never deadlocks) and waits for it, a minute at most.
pub fn run_with_input(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = wait_output(child, Duration::from_secs(60));
    feeder.join().expect("feeder");
    out
}

/// Waits for a child with a deadline, killing it if it overstays. Its
/// stdout and stderr are read meanwhile, so a full pipe never stalls it.
pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    fn drain<R: std::io::Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    }
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().expect("try_wait") {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let err = err.join().unwrap_or_default();
                panic!(
                    "rollover did not exit within {limit:?}: {}",
                    String::from_utf8_lossy(&err)
                );
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Polls `cond` until it holds, failing the test after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A writer running in the background, fed through a pipe.
pub struct Live {
    pub child: Option<Child>,
    pub stdin: Option<ChildStdin>,
}

impl Live {
    pub fn start(dir: &Dir, args: &[&str]) -> Live {
        Live::spawn(dir.cmd(args))
    }

    /// Starts any command (the binary under strace, say) as a live writer.
    pub fn spawn(mut cmd: Command) -> Live {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rollover");
        let mut live = Live {
            child: Some(child),
            stdin: None,
        };
        live.stdin = live.child.as_mut().and_then(|c| c.stdin.take());
        live
    }

    /// Starts a writer and waits until its main file exists (it is created
    /// at start, before any input).
    /// Starts a writer and waits until its main file `main` exists and its
    /// socket (named for PATH, the last argument) answers.
    pub fn ready(dir: &Dir, args: &[&str], main: &str) -> Live {
        let live = Live::start(dir, args);
        let path = args.last().copied().unwrap_or(main);
        let lock = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.{name}.rollover-sock"),
            None => format!(".{path}.rollover-sock"),
        };
        // Up once its socket answers: a socket left by a killed writer
        // refuses connections.
        let sock = dir.join(&lock);
        wait_until("the writer to start", Duration::from_secs(10), || {
            dir.exists(main) && std::os::unix::net::UnixStream::connect(&sock).is_ok()
        });
        live
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("child").id()
    }

    pub fn send(&mut self, data: &[u8]) {
        self.stdin
            .as_mut()
            .expect("stdin open")
            .write_all(data)
            .expect("write to rollover");
    }

    /// Sends `data` and waits until the main file `main` ends with it.
    pub fn send_visible(&mut self, dir: &Dir, main: &str, data: &[u8]) {
        self.send(data);
        wait_until("the line in the main file", Duration::from_secs(5), || {
            dir.exists(main) && dir.read(main).ends_with(data)
        });
    }

    pub fn signal(&self, sig: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.pid() as i32).expect("pid");
        rustix::process::kill_process(pid, sig).expect("kill");
    }

    /// Closes stdin and waits for the writer to exit.
    pub fn finish(mut self) -> Output {
        drop(self.stdin.take());
        wait_output(self.child.take().expect("child"), Duration::from_secs(60))
    }

    /// Waits for the writer to exit without closing stdin (after a signal).
    pub fn wait(mut self) -> Output {
        wait_output(self.child.take().expect("child"), Duration::from_secs(60))
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Asserts that the error output is one line naming `what`.
pub fn one_line_naming(stderr: &[u8], what: &str) {
    let text = String::from_utf8_lossy(stderr);
    assert!(text.contains(what), "stderr should name {what:?}: {text}");
    assert!(
        text.starts_with("rollover: "),
        "stderr should start with 'rollover: ': {text}"
    );
}

/// A test that cannot run here says so. Under CI (`CI` set) that is a
/// failure: CI runs as root and installs every tool the tests start.
/// Run locally, the test says it on the terminal at once (past the
/// harness's capture) and adds a line to the list that the suite's last
/// test binary (`tests/skipped.rs`) prints and clears, so that the run
/// ends by naming how many tests did not run and why.
pub fn cannot_run(why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if std::env::var_os("CI").is_some() {
        panic!("{test} cannot run under CI: {why}; .ci/run must provide it");
    }
    let line = format!("{test}: {why}\n");
    let _ = std::io::stderr().write_all(format!("skipped {line}").as_bytes());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(SKIPPED)
        .and_then(|mut f| f.write_all(line.as_bytes()));
}

/// Where the skipped tests are listed, one line each, for `tests/skipped.rs`.
pub const SKIPPED: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/skipped-tests");

/// Whether the tests run as root; [`cannot_run`] when not.
pub fn is_root() -> bool {
    let yes = rustix::process::geteuid().is_root();
    if !yes {
        cannot_run("needs root");
    }
    yes
}

/// Whether a tool is installed; [`cannot_run`] when not.
pub fn have(name: &str) -> bool {
    let yes = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !yes {
        cannot_run(&format!("{name} is not installed"));
    }
    yes
}

/// `lines` numbered lines, each padded by up to `pad - 1` bytes, so that
/// lengths vary: `line 00000042 pp\n`.
pub fn numbered(lines: usize, pad: usize) -> Vec<u8> {
    (0..lines)
        .flat_map(|i| format!("line {i:08} {}\n", "p".repeat(i % pad)).into_bytes())
        .collect()
}

/// A command that runs the binary under strace in `dir`, following its
/// threads, with the given `-e` expressions, logging to `log`. Only the
/// traced calls stop (seccomp-bpf), so the rest runs at full speed.
pub fn strace(dir: &Dir, exprs: &[&str], log: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("strace");
    // -y: each descriptor shows with the file it names.
    cmd.args(["-f", "-qq", "-y", "--seccomp-bpf", "-o"])
        .arg(log);
    for e in exprs {
        cmd.args(["-e", e]);
    }
    cmd.arg(BIN).args(args).current_dir(dir.path());
    cmd
}

/// Runs the binary as `nobody`, if this test runs as root with setpriv.
pub fn as_nobody(dir: &Dir, args: &[&str]) -> Option<(i32, String)> {
    if !is_root() {
        return None;
    }
    if !have("setpriv") {
        return None;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN])
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("setpriv");
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// A tmpfs mounted for one test, unmounted when dropped.
pub struct Tmpfs {
    pub path: PathBuf,
}

impl Tmpfs {
    pub fn mount(at: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&at).expect("mkdir");
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            cannot_run("cannot mount a tmpfs");
            return None;
        }
        Some(Tmpfs { path: at })
    }

    pub fn free(&self) -> u64 {
        let st = rustix::fs::statvfs(&self.path).expect("statvfs");
        st.f_bavail * st.f_frsize
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// An ext4 file system with a journal (mkfs's default) on a loop device,
/// mounted for one test and unmounted when dropped: unlike tmpfs, and
/// unlike ext4 without a journal, it gives a freed inode number to the
/// next new file at once.
pub struct Ext4 {
    pub path: PathBuf,
}

impl Ext4 {
    pub fn mount(at: PathBuf, size_mib: u64) -> Option<Ext4> {
        if !is_root() || !have("mkfs.ext4") {
            return None;
        }
        std::fs::create_dir_all(&at).expect("mkdir");
        let image = at.with_extension("img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(size_mib << 20))
            .expect("image");
        let made = Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(&image)
            .status()
            .is_ok_and(|s| s.success());
        let mounted = made
            && Command::new("mount")
                .args(["-o", "loop"])
                .arg(&image)
                .arg(&at)
                .status()
                .is_ok_and(|s| s.success());
        if !mounted {
            cannot_run("cannot mount an ext4 image");
            return None;
        }
        Some(Ext4 { path: at })
    }
}

impl Drop for Ext4 {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// A child process killed when the test lets go of it, passed or failed
/// (a failed test must not leave `yes` and a writer running).
pub struct Running(Option<Child>);

impl Running {
    pub fn new(child: Child) -> Running {
        Running(Some(child))
    }

    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// Sends the child a signal (nothing if it has already gone).
    pub fn signal(&self, sig: rustix::process::Signal) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.id() as i32) {
            let _ = rustix::process::kill_process(pid, sig);
        }
    }

    /// The child's standard output, taken.
    pub fn stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.0.as_mut()?.stdout.take()
    }

    /// The child, for waiting on; no longer killed at the end.
    pub fn take(mut self) -> Child {
        self.0.take().expect("child")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A file's contents, gunzipped when its name ends in `.gz`.
pub fn decompressed(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&raw[..]), &mut v)
            .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
        v
    } else if path.extension().is_some_and(|e| e == "xz") {
        let out = Command::new("xz")
            .arg("-dc")
            .arg(path)
            .output()
            .unwrap_or_else(|e| panic!("xz -dc {}: {e}", path.display()));
        assert!(out.status.success(), "xz -dc {}", path.display());
        out.stdout
    } else if path.extension().is_some_and(|e| e == "zst") {
        zstd::stream::decode_all(&raw[..])
            .unwrap_or_else(|e| panic!("unzstd {}: {e}", path.display()))
    } else {
        raw
    }
}

/// moto's S3 server on a free local port, for one test, stopped when
/// dropped; [`S3::aws`] runs the AWS CLI against it.
pub struct S3 {
    pub endpoint: String,
    _server: Running,
}

impl S3 {
    /// Starts the server and waits until it answers; the caller has
    /// checked that `moto_server` and `aws` are installed.
    pub fn start() -> S3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = Running::new(
            Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto_server"),
        );
        wait_until("the S3 server", Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        S3 {
            endpoint: format!("http://127.0.0.1:{port}"),
            _server: server,
        }
    }

    /// The credentials the AWS CLI needs, for a command that runs it.
    pub fn env(cmd: &mut Command) -> &mut Command {
        cmd.env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
    }

    /// Runs `aws --endpoint-url ENDPOINT ARGS` in `dir`.
    pub fn aws(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("aws");
        cmd.arg("--endpoint-url")
            .arg(&self.endpoint)
            .args(args)
            .current_dir(dir);
        S3::env(&mut cmd).output().expect("aws")
    }

    /// Every object at `url` (`s3://BUCKET/PREFIX`), downloaded into `into`
    /// (a new directory in `dir`).
    pub fn objects(&self, dir: &Path, url: &str, into: &str) -> Vec<Vec<u8>> {
        std::fs::create_dir(dir.join(into)).expect("mkdir");
        let got = self.aws(dir, &["s3", "cp", "--quiet", "--recursive", url, into]);
        assert!(
            got.status.success(),
            "{}",
            String::from_utf8_lossy(&got.stderr)
        );
        std::fs::read_dir(dir.join(into))
            .expect("ls")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
            .collect()
    }
}

/// A small deterministic generator (xorshift), seeded from the clock and
/// printed, so a failing run can be repeated.
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let seed = std::env::var("ROLLOVER_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64 | 1)
            });
        eprintln!("seed {seed} (ROLLOVER_SEED repeats it)");
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
