//! The long help of each command: the exact semantics, examples and exit
//! codes that `--help` prints after the options.

pub(super) const WRITE_AFTER: &str = "\
The file set:
  PATH is the main file, the one being written. Backups are PATH.1 (newest)
  to PATH.N (oldest), zero-padded to the width of N: -c 5 gives .1 to .5,
  -c 10 gives .01 to .10. If the file name contains '%', the number replaces
  it and the main file is number 0: logs/app.%.log with -c 10 gives
  app.00.log (main), app.01.log ... app.10.log. Backups are recognised at
  any padding, compressed or not, so changing -c between runs orphans
  nothing.

Rotation:
  Backups numbered N and above are deleted, the others renamed one up, the
  main file becomes backup 1 and a new empty main file (same mode) is
  swapped in atomically: PATH never goes missing. An empty main file is
  never rotated. With -c 0 the main file is truncated in place.

Size rule:
  Before a line is written, if the main file is not empty and its size plus
  the line would exceed SIZE, the set is rotated first. No file exceeds SIZE
  unless it holds one line longer than SIZE, or its last line had to be
  written before its newline arrived (see --partial-timeout). A line is
  never split between files by the size rule.

SIZE is a number with an optional unit: K M G T (also KiB MiB GiB TiB) are
powers of 1024, KB MB GB TB powers of 1000, B or nothing is bytes; 0 turns
the size limit off. DURATION is a number with a unit: 90s, 30m, 12h, 7d,
2weeks, '1h 30m'.

Signals:
  SIGALRM rotates now; SIGHUP reopens PATH (creating it if it was moved
  away); SIGTERM, SIGINT and end of input write everything already read and
  exit 0. A main file deleted or replaced by another tool is noticed within
  a second. Any rotation other than by size waits for the end of the line
  in progress, at most --partial-timeout.

Examples:
  myserver 2>&1 | rollover -s 10M -c 5 /var/log/myserver/out.log
  myserver | rollover -a 1d -c 7 --timestamp logs/app.%.log
  rollover rotate '/var/log/myserver/*'     # from cron: rotate now
  rollover status logs/app.log

Exit status: 0 success, 1 failure at run time, 2 usage error.";

pub(super) const ROTATE_AFTER: &str = "\
Each argument is a path or a glob pattern (*, ?, [...], **); quote a
pattern so that rollover, not the shell, expands it. A pattern never treats
a backup as a set of its own: a file whose name ends in .N or .N.gz (or
another codec) is taken for a backup and skipped, so 'logs/*' rotates
app.log once, and never makes app.log.1.1. Rollover's own hidden files are
skipped too. An unquoted logs/* works the same: an argument that is a
backup of a set whose main file exists (app.log.1 beside app.log, app.1.log
beside app.0.log) is skipped with one warning. app.0.log names the same set
as app.%.log once rollover has worked on that set (its lock file exists).

Without a live writer, -c defaults to the count the set's last writer kept
(recorded beside the set), else 5; deleting more than the one oldest backup
because of a count not given on the command line is said on stderr.

With -s and/or -a a set is rotated only if its main file is larger than
SIZE or older than DURATION (its age counts from its creation); without
them every matched set whose main file is not empty is rotated.

Beside a live writer, rotate asks the writer to rotate and returns once it
is done; the writer keeps its own -c (a different -c is a warning). The
rotation goes after everything the writer has already read, which lands in
the old file. If the writer does not answer within --timeout, the command
fails and nothing changes. Only a user who may write the set's directory
and main file may ask.

Silent on success, as cron wants. A failure on one set does not stop the
others: each is one line on stderr, and the exit status is then 1.

For files other programs write (no rollover writer): --method rename
swaps in a new empty main file (as root, with the old one's owner and mode,
or --owner and --perm) and the program must reopen its file (--on-rotate
can ask it to); --method collapse is for a program that cannot reopen and
appends: whole blocks are copied out and collapsed out of the live file,
losing nothing; --method copytruncate is logrotate's lossy way.

--config FILE rotates every set a TOML file names, in parallel (--jobs); a
set that another rotate holds is skipped with a warning. See the man
page's CONFIGURATION FILE section; rollover import-logrotate writes one
from logrotate's files.

Examples:
  rollover rotate logs/app.log
  rollover rotate -s 100M -a 1d -c 10 '/var/log/apps/**/*.log'
  0 0 * * * rollover rotate --missing-ok '/var/log/myapp/*.log'
  rollover rotate --method collapse --every day /var/log/legacy.log
  rollover rotate --config /etc/rollover.toml --dry-run -v

Exit status: 0 success, 1 a set failed, 2 usage error.";

pub(super) const RESET_AFTER: &str = "\
Truncates each main file to zero length; backups are untouched. Beside a
live writer, the writer does it, dropping what it had read and not yet
written, and the command returns once it is done (or fails, changing
nothing, after --timeout).

Exit status: 0 success, 1 a set failed, 2 usage error.";

pub(super) const STATUS_AFTER: &str = "\
For each set: its members newest first (number, name, size, age, codec,
and what each is still owed: (owed: sync) for a backup that a writer
stopped at once still owes its sync, (owed: compress), (owed: hook) for
one whose hook has not run yet), the live writer's pid, limits, and when
its next age rotation is due, and the --keep-free rule with what it has
deleted for space.
Ages of backups count from their last write. --json prints the same as one
JSON document; names are escaped, so odd bytes never break it.

Exit status: 0 success, 1 a set could not be read, 2 usage error.";

pub(super) const IMPORT_AFTER: &str = "\
Reads logrotate's configuration as logrotate does (global directives hold
for the stanzas after them; include reads a file, or a directory's files in
name order, in place) and prints one [[set]] per stanza with its effective
settings, with padding = \"none\" (logrotate never pads its numbers).
Translated: rotate, missingok, nomissingok, ifempty (its default:
rotate-empty) and notifempty, compress, delaycompress, create or its absence
(no-create), hourly, daily, weekly [N], monthly, yearly, size (which drops
an inherited period), maxsize, minsize, maxage, compresscmd (gzip, pigz
and zstd with compressoptions' level as built-in codecs, another as
compress-command), compressext, compressoptions, prerotate, postrotate, firstaction,
lastaction, preremove, sharedscripts, su, olddir, createolddir, extension,
copytruncate (as method
= \"collapse\": nothing lost), copy, dateext, dateformat, dateyesterday,
datehourago and include. --state writes logrotate's record of each log's
last rotation as logrotate-state, so the first night after the migration
rotates what logrotate would have. Any other directive becomes a '# not
translated:' comment and one warning on stderr.

Examples:
  rollover import-logrotate /etc/logrotate.conf > /etc/rollover.toml
  rollover rotate --config /etc/rollover.toml --dry-run -v

Exit status: 0 success, 1 a file could not be read or parsed, 2 usage error.";

pub(super) const CAT_AFTER: &str = "\
Prints the set's members oldest first: backups from the highest number (or
the oldest date) down, the backup directory included, then the main file;
gzip and zstd backups decompressed, others through --uncompress-command.
Every member is held open from the listing at the start, so a live writer
that rotates, renumbers, compresses or deletes meanwhile changes nothing:
each line that was in the set when cat started is printed once, in order,
the main file up to what it held then. A member deleted between the
listing and its opening is one warning naming it. Needs only read access.

--since and --until keep a span: by each line's --timestamp stamp where
lines have one (rfc3339, unix or tai64n), else by whole members, by their
time spans (the older member's last write to their own); a member wholly
outside the span is not read at all.

Exit status: 0 success, 1 no such set, or a member could not be read (one
warning naming it; the rest is still printed), 2 usage error.";

pub(super) const FOLLOW_AFTER: &str = "\
Like tail -F, but it knows the set: when it falls behind and the file it
was reading is rotated, renumbered, compressed or moved to the backup
directory, it finishes that file (it holds it open) before it goes on with
the next, so no line is missed or printed twice. Every member it lists is
held open from then on; members deleted before it listed them (it was
held up while the writer rotated through its whole count) are one marker
line on stderr per gap, with the bytes lost. -n counts the set's last
lines: the main file's, and where it holds fewer (just rotated), the rest
from the newest backups. A last line without its newline is printed as it
is after a second (without rules;
with --select or --deselect it waits for its end). --select and
--deselect apply as for the writer.

Exit status: 0 at SIGTERM or SIGINT (having flushed and, with
--checkpoint, recorded where it stopped), 1 no such set or a failure, 2
usage error.";
