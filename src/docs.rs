//! The man pages and shell completions, generated from the clap definitions
//! so that they cannot drift from the code. `cargo run --example gen-docs`
//! writes them into `man/` and `completions/`; a test regenerates them and
//! compares.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The command that regenerates the committed files.
pub const REGENERATE: &str = "cargo run --example gen-docs";

/// The shells completions are made for, and their files.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "rollover.bash"),
    (Shell::Zsh, "_rollover"),
    (Shell::Fish, "rollover.fish"),
    (Shell::Elvish, "rollover.elv"),
    (Shell::PowerShell, "_rollover.ps1"),
];

/// Every generated file: its path in the repository and its content.
pub fn generated() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("man/rollover.1".to_string(), main_page())];
    for sub in ["rotate", "reset", "status"] {
        out.push((format!("man/rollover-{sub}.1"), sub_page(sub)));
    }
    for (shell, file) in SHELLS {
        let mut buf = Vec::new();
        clap_complete::generate(*shell, &mut Cli::command(), "rollover", &mut buf);
        out.push((format!("completions/{file}"), buf));
    }
    out
}

fn render(man: &clap_mangen::Man, with_subcommands: bool, extra: &str, buf: &mut Vec<u8>) {
    // Rendering into a Vec cannot fail.
    let _ = man.render_title(buf);
    let _ = man.render_name_section(buf);
    let _ = man.render_synopsis_section(buf);
    let _ = man.render_description_section(buf);
    let _ = man.render_options_section(buf);
    if with_subcommands {
        let _ = man.render_subcommands_section(buf);
    }
    buf.extend_from_slice(extra.as_bytes());
    let _ = man.render_version_section(buf);
    let tidy = tidy(&String::from_utf8_lossy(buf));
    *buf = tidy.into_bytes();
}

/// Makes clap_mangen's roff lint-clean: no `.br` around blank lines, no
/// trailing blanks, text lines of at most 80 bytes (roff fills them again).
fn tidy(roff: &str) -> String {
    let roff = roff.replace(".br\n\n.br\n", ".sp\n");
    let mut out = String::new();
    let mut filled = true;
    for line in roff.lines() {
        let line = line.trim_end();
        match line {
            ".nf" | ".EX" => filled = false,
            ".fi" | ".EE" => filled = true,
            _ => {}
        }
        if !filled || line.starts_with('.') || line.len() <= 80 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > 80 {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            } else if word.starts_with('.') || word.starts_with('\'') {
                current.push_str("\\&");
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

fn main_page() -> Vec<u8> {
    let man = clap_mangen::Man::new(Cli::command())
        .title("ROLLOVER")
        .date("2026-11-22")
        .manual("rollover manual");
    let mut buf = Vec::new();
    render(&man, true, MAIN_SECTIONS, &mut buf);
    buf
}

fn sub_page(name: &str) -> Vec<u8> {
    let cmd = Cli::command();
    let Some(sub) = cmd.find_subcommand(name) else {
        return Vec::new();
    };
    let details = sub
        .get_after_long_help()
        .map(|h| roff_from_text(&h.to_string()))
        .unwrap_or_default();
    let (page, bin): (&'static str, &'static str) = match name {
        "rotate" => ("rollover-rotate", "rollover rotate"),
        "reset" => ("rollover-reset", "rollover reset"),
        _ => ("rollover-status", "rollover status"),
    };
    let sub = sub
        .clone()
        .name(page)
        .bin_name(bin)
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(sub)
        .title(page.to_uppercase())
        .date("2026-11-22")
        .manual("rollover manual");
    let mut buf = Vec::new();
    let extra = format!(".SH DETAILS\n{details}.SH SEE ALSO\n.BR rollover (1)\n");
    render(&man, false, &extra, &mut buf);
    buf
}

/// Turns help text into roff: blank lines part paragraphs, indented lines
/// are kept as they are, `Heading:` lines become subsections.
fn roff_from_text(text: &str) -> String {
    let mut out = String::new();
    let mut literal = false;
    // Whether a paragraph break is due before the next text.
    let mut para = false;
    for line in text.lines() {
        let mut escaped = line.replace('\\', "\\e").replace('-', "\\-");
        if escaped.starts_with('.') || escaped.starts_with('\'') {
            escaped.insert_str(0, "\\&");
        }
        if line.starts_with("  ") {
            if !literal {
                out.push_str(if para {
                    ".PP\n.nf\n.RS 4\n"
                } else {
                    ".nf\n.RS 4\n"
                });
                literal = true;
            }
            out.push_str(escaped.trim_start());
            out.push('\n');
            para = false;
            continue;
        }
        if literal {
            out.push_str(".RE\n.fi\n");
            literal = false;
            para = true;
        }
        if line.is_empty() {
            para = !out.is_empty();
            continue;
        }
        let heading = line.starts_with(|c: char| c.is_ascii_uppercase())
            && (line.ends_with(':') || line.starts_with("Exit status:"));
        if let Some((head, rest)) = line.split_once(':').filter(|_| heading) {
            out.push_str(&format!(".SS {head}\n"));
            if !rest.trim().is_empty() {
                out.push_str(&format!("{}\n", rest.trim().replace('-', "\\-")));
            }
            para = false;
            continue;
        }
        if para {
            out.push_str(".PP\n");
            para = false;
        }
        out.push_str(&escaped);
        out.push('\n');
    }
    if literal {
        out.push_str(".RE\n.fi\n");
    }
    out
}

/// The sections of `rollover(1)` beyond the options.
const MAIN_SECTIONS: &str = r#".SH THE FILE SET
.I PATH
names the main file, the one being written.
Backups are numbered 1 (newest) to
.I N
(oldest, the \fB\-\-max\-count\fR), zero\-padded to the number of digits of
.IR N :
count 5 gives
.BR app.log.1 " ... " app.log.5 ,
count 10 gives
.BR app.log.01 " ... " app.log.10 .
.PP
If the file name contains one
.BR % ,
the padded number replaces it and the main file is number 0:
.B logs/app.%.log
with count 10 is
.B app.00.log
(main),
.B app.01.log
(newest backup) ...
.BR app.10.log .
More than one
.B %
in the file name is a usage error; a
.B %
in a directory is an ordinary character.
.PP
Reading an existing set, a member is recognised at any padding
.RB ( app.log.1 ", " app.log.01 " and " app.log.001
are all backup 1) and compressed or not
.RB ( app.log.2.gz ;
also .zst, .xz, .bz2, .lz4, .br, .lzma), so changing the count between
runs orphans nothing: at the next rotation every backup is renamed to the current width,
and backups numbered above the count are deleted.
The set is listed by reading its directory once, so a huge count costs
nothing.
.SH ROTATION
Backups numbered
.I N
and above are deleted; each other backup, highest first, is renamed one
number up; the main file becomes backup 1; and a new empty main file with the
old one's mode and owner is swapped in with one atomic
.BR renameat2 (2)
.BR RENAME_EXCHANGE ,
so that
.I PATH
never goes missing for a reader.
Every step is one rename that never replaces a file: no two files ever
claim the same number, and a crash part\-way through loses nothing; the next
rotation carries on from whatever it finds, and closes any gap a crash left
in the numbers (the newest
.IR N \-1
backups become 2 ...
.I N
in age order).
A deleted backup's name goes at once; its blocks are freed on a thread of
the writer's own, so deleting a large backup does not hold up writing.
An empty main file is never rotated: no empty backup is ever made.
With count 0 the main file is truncated in place and nothing is kept.
.SH WHEN THE WRITER ROTATES
.TP
.B Size
Before a line is written, if the main file is not empty and its size plus
the line's length would exceed SIZE, the set is rotated first.
No file exceeds SIZE unless it holds a single line longer than SIZE, or its
last line had to be written before its newline arrived; and the size rule
never splits a line between files.
.TP
.B Age
The set is rotated once the main file is not empty and older than
DURATION, counted from the file's birth time (from when rollover created
or first opened it where the file system keeps none).
Since every rotation creates a new main file, that is the time of the last
rotation, and it survives a restart of the writer.
An idle writer still rotates on time, within a second.
A clock that steps back delays a rotation.
.TP
.B Requests
.BR SIGALRM ,
.B rollover rotate
and
.B rollover reset
beside a live writer.
Such a rotation goes after everything already read, at a line boundary:
while a line is incomplete it waits for the line's end, at most the
partial\-line timeout.
.SH LINES AND BYTES
A line is the bytes up to and including a newline; any byte is allowed.
Without \fB\-\-timestamp\fR, concatenating the set from the oldest backup to
the main file reproduces the input exactly (when no backup was deleted).
A trailing line without a newline is held until its newline arrives, until
end of input, or until \fB\-\-partial\-timeout\fR has passed, and is then
written as it is; the rest of that line follows it into the same file.
Whatever has been read is written before rollover waits for more input, so
a line is visible to
.B tail \-f
at once.
Memory stays bounded whatever the input: a line of a gigabyte streams
through.
.SH ONE WRITER PER SET
A second writer on a set exits with an error naming the first one's pid.
A writer that died, even by
.BR SIGKILL ,
leaves nothing that blocks the next one: the lock is an
.BR flock (2)
that the kernel drops with its holder.
.B rotate
and
.B reset
on a set with a live writer ask the writer through a Unix socket beside
the set and return once it is done; only the writer renames the set's files.
If the writer does not answer within \fB\-\-timeout\fR, the command fails and
nothing changes.
Only a user who may write the set's directory and main file may ask
(the socket is mode 0600: in practice the writer's user and root).
.SH SIGNALS
.TP
.B SIGALRM
Rotate now (at a line boundary).
.TP
.B SIGHUP
Reopen
.IR PATH ,
creating it if an outside tool moved it away.
.TP
.BR SIGTERM ", " SIGINT
Write everything already read and what is already waiting in the pipe,
then exit 0.
.TP
.B SIGXFSZ
Ignored: a file\-size limit makes the writer rotate and carry on.
.PP
A main file deleted, moved away or replaced by an outside tool is noticed
within a second; the writer then writes to whatever file is at
.IR PATH ,
creating one if there is none.
.SH EXIT STATUS
.TP
.B 0
Success (end of input or a stop signal for the writer).
.TP
.B 1
Failure at run time; for \fBrotate\fR and \fBreset\fR, at least one set failed.
Each failure is one line on standard error naming the file and the cause.
.TP
.B 2
Usage error.
.SH FILES
Beside the set, rollover keeps files of its own, mode 0600, opened without
following links:
.TP
.I .NAME.rollover\-lock
The lock; it holds the writer's pid and limits, for
.BR status .
.TP
.I .NAME.rollover\-sock
The live writer's socket for
.B rotate
and
.BR reset .
.TP
.I .NAME.rollover\-new
The new main file during a rotation; one left by a crash is finished at the
next rotation.
.SH SECURITY
rollover never writes through a symbolic link: a symlink at
.I PATH
is an error.
A main file that is not a regular file, or has more than one hard link, is
refused.
The set is changed through a handle on its directory
.RB ( openat ,
.BR renameat ,
.BR unlinkat ),
so swapping a directory component mid\-rotation cannot redirect a rename.
Run as root on a directory that another user can write, rollover refuses
unless \fB\-\-insecure\-dir\fR is given.
It never deletes anything outside the set's own names.
.SH FAULTS
.TP
.BR ENOSPC ", " EDQUOT ", " EIO
The data is kept and the write retried with back\-off, up to 30 s apart;
a warning is printed at most once a minute; writing resumes by itself and
nothing is written twice.
The producer blocks on the full pipe meanwhile.
.TP
.B File\-size limit
.B SIGXFSZ
is ignored, and a
.B ulimit \-f
below SIZE becomes the size limit, so that lines stay whole.
.TP
.B Directory removed
The data is kept and a warning printed; writing resumes when the directory
exists again.
.TP
.B Failed fsync
Reported once and never retried (after a failed fsync Linux may have
dropped the data); the run then ends with status 1.
.TP
.B SIGKILL
A restarted writer finishes a rotation that was cut short; the set's
concatenation is a prefix of the input.
.PP
A stop signal while a fault is being waited out ends the writer with
status 1, saying so, rather than hang for good.
.SH ENVIRONMENT
.TP
.B TZ
The time zone of strftime timestamps (the others are in UTC).
.SH EXAMPLES
A service's output, 10 MiB files, five backups:
.PP
.nf
.RS 4
myserver 2>&1 | rollover \-s 10M \-c 5 /var/log/myserver/out.log
.RE
.fi
.PP
Daily files, a week kept, with timestamps:
.PP
.nf
.RS 4
myserver | rollover \-a 1d \-c 7 \-t /var/log/myserver/app.%.log
.RE
.fi
.PP
A cron line that rotates every log over 100 MB at midnight, with or
without a live writer:
.PP
.nf
.RS 4
0 0 * * * rollover rotate \-s 100MB \-\-missing\-ok \(aq/var/log/apps/*.log\(aq
.RE
.fi
.PP
Apache piped logs:
.PP
.nf
.RS 4
CustomLog "|/usr/bin/rollover \-s 50M \-c 10 /var/log/apache2/access.log" combined
ErrorLog  "|/usr/bin/rollover \-s 10M /var/log/apache2/error.log"
.RE
.fi
.PP
A systemd unit:
.PP
.nf
.RS 4
[Service]
ExecStart=/bin/sh \-c \(aqexec myserver 2>&1 | exec rollover \-s 10M /var/log/myserver/out.log\(aq
KillMode=mixed
.RE
.fi
.SH SEE ALSO
.BR logrotate (8),
.BR rotatelogs (8),
.BR multilog (8),
.BR svlogd (8),
.BR s6\-log (8),
.BR tai64nlocal (8),
.BR rollover\-rotate (1),
.BR rollover\-reset (1),
.BR rollover\-status (1)
"#;
