
use builtin;
use str;

set edit:completion:arg-completer[rollover] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rollover'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rollover'= {
            cand -s 'Rotate before a line would take the main file past SIZE (0: off)'
            cand --max-size 'Rotate before a line would take the main file past SIZE (0: off)'
            cand -a 'Rotate once the main file is older than DURATION (e.g. 1d, 12h)'
            cand --max-age 'Rotate once the main file is older than DURATION (e.g. 1d, 12h)'
            cand --every 'Rotate at the start of each hour, day, week, month or year'
            cand --max-days '--max-age in days, fractions allowed (1.5 is 36 hours)'
            cand -c 'Keep N backups; 0 truncates the main file instead of rotating'
            cand --max-count 'Keep N backups; 0 truncates the main file instead of rotating'
            cand -m 'a: append; w: clear the set first; x: fail if any of it exists'
            cand --mode 'a: append; w: clear the set first; x: fail if any of it exists'
            cand --partial-timeout 'Write a line without its newline after waiting this long'
            cand -t 'Prefix lines with the time read: rfc3339, unix, tai64n or strftime'
            cand --timestamp 'Prefix lines with the time read: rfc3339, unix, tai64n or strftime'
            cand --select 'Write only the lines REGEX matches (repeatable; see --deselect)'
            cand --deselect 'Leave out the lines REGEX matches (repeatable; see --select)'
            cand --rate-limit 'Write at most N lines per DURATION (e.g. 2000/1s); drop the rest'
            cand --on-stall 'When writing stalls (full disk, stalled storage): block or drop'
            cand --buffer 'With --on-stall drop: how much may wait while writing is stalled'
            cand --fsync 'Sync files to disk: never, before a file becomes a backup, always'
            cand --compress 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)'
            cand --compress-command 'Compress with COMMAND instead: backup on stdin, result on stdout'
            cand --compress-ext 'The extension --compress-command''s backups get (xz, bz2, lz4 ...)'
            cand --compress-from 'Leave backups numbered below N uncompressed (2: logrotate''s delaycompress)'
            cand --max-total 'Delete the oldest backups until all backups take at most SIZE'
            cand --max-backup-age 'Delete backups last written more than DURATION ago'
            cand --keep-free 'Delete the oldest backups before the disk has less than SIZE or PCT% free'
            cand --min-keep 'With --keep-free: never delete below N backups [default: 1]'
            cand --on-rotate 'Run COMMAND (with /bin/sh -c) once each backup is finished'
            cand --hook-timeout 'Kill a hook still running after DURATION'
            cand --backup-names 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])'
            cand --date-of 'The time a date-named backup''s name shows: start, rotation ...'
            cand --padding 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)'
            cand --perm 'Mode of new main files, in octal (default 0644 minus the umask)'
            cand --extension 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate''s extension)'
            cand --backup-dir 'Keep the backups in DIR, relative to the main file''s directory'
            cand --backup-dir-perm 'Create a missing --backup-dir with MODE (octal; default 0755)'
            cand --backup-dir-owner 'Create a missing --backup-dir owned by USER[:GROUP]'
            cand --tee 'Also copy the input to stdout'
            cand --insecure-dir 'As root, allow a directory that other users can write'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand rotate 'Rotate sets now, or when a size or age condition holds'
            cand reset 'Empty the main file, keep the backups'
            cand status 'Show a set: members, sizes, ages, writer'
            cand import-logrotate 'Print the rollover configuration equivalent to logrotate files'
            cand cat 'Print every line of a set, oldest first, backups decompressed'
            cand follow 'Print a set''s last lines, then every new line, across rotations'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rollover;rotate'= {
            cand --config 'Rotate every set a TOML configuration file names (for cron)'
            cand --jobs 'With --config: rotate N sets at once [default: the number of cores]'
            cand -c 'Keep N backups [default: the last writer''s count, else 5]'
            cand --max-count 'Keep N backups [default: the last writer''s count, else 5]'
            cand -s 'Rotate only a main file larger than SIZE (or older than -a)'
            cand --max-size 'Rotate only a main file larger than SIZE (or older than -a)'
            cand -a 'Rotate only a main file older than DURATION (or larger than -s)'
            cand --max-age 'Rotate only a main file older than DURATION (or larger than -s)'
            cand --every 'Rotate only a set last rotated before this hour, day, week, month...'
            cand --min-size 'A period or age rotation waits until the main file holds SIZE'
            cand --compress 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)'
            cand --compress-command 'Compress with COMMAND instead: backup on stdin, result on stdout'
            cand --compress-ext 'The extension --compress-command''s backups get (xz, bz2, lz4 ...)'
            cand --compress-from 'Leave backups numbered below N uncompressed (2: logrotate''s delaycompress)'
            cand --max-total 'Delete the oldest backups until all backups take at most SIZE'
            cand --max-backup-age 'Delete backups last written more than DURATION ago'
            cand --keep-free 'Delete the oldest backups before the disk has less than SIZE or PCT% free'
            cand --min-keep 'With --keep-free: never delete below N backups [default: 1]'
            cand --on-rotate 'Run COMMAND (with /bin/sh -c) once each backup is finished'
            cand --hook-timeout 'Kill a hook still running after DURATION'
            cand --before-rotate 'Run COMMAND (with /bin/sh -c) before a set is rotated'
            cand --first-action 'Run COMMAND once before anything else, if any set is due'
            cand --last-action 'Run COMMAND once after everything else, if any set rotated'
            cand --before-remove 'Run COMMAND before each backup is deleted, with the backup as $1'
            cand --method 'How the main file''s contents become backup 1'
            cand --su 'Change the set''s files as USER:GROUP, with no other groups (logrotate''s su)'
            cand --state-dir 'Keep the state of sets no writer keeps in DIR'
            cand --owner 'Owner of the new main file, USER[:GROUP] (default: the old one''s)'
            cand --timeout 'How long to wait for a live writer to answer'
            cand --backup-names 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])'
            cand --date-of 'The time a date-named backup''s name shows: start, rotation ...'
            cand --padding 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)'
            cand --perm 'Mode of new main files, in octal (default 0644 minus the umask)'
            cand --extension 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate''s extension)'
            cand --backup-dir 'Keep the backups in DIR, relative to the main file''s directory'
            cand --backup-dir-perm 'Create a missing --backup-dir with MODE (octal; default 0755)'
            cand --backup-dir-owner 'Create a missing --backup-dir owned by USER[:GROUP]'
            cand -f 'With --config: rotate the sets named, whatever their conditions'
            cand --force 'With --config: rotate the sets named, whatever their conditions'
            cand --rotate-empty 'Rotate an empty main file too (logrotate''s ifempty, its default)'
            cand --on-rotate-once 'Run --on-rotate (and --before-rotate) once for all the sets'
            cand --no-create 'Make no new main file: its program makes its own (logrotate''s nocreate)'
            cand --missing-ok 'An argument that matches nothing is not an error'
            cand -n 'Print what would be done, change nothing'
            cand --dry-run 'Print what would be done, change nothing'
            cand -v 'Print each action'
            cand --verbose 'Print each action'
            cand --insecure-dir 'As root, allow a directory that other users can write'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;reset'= {
            cand --timeout 'How long to wait for a live writer to answer'
            cand --state-dir 'Where rotate keeps the state of sets no writer keeps'
            cand --insecure-dir 'As root, allow a directory that other users can write'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;status'= {
            cand --state-dir 'Where rotate keeps the state of sets no writer keeps'
            cand --json 'Print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;import-logrotate'= {
            cand --state 'logrotate''s state file, written as logrotate-state'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;cat'= {
            cand --uncompress-command 'Read backups of another codec with COMMAND (stdin to stdout)'
            cand --state-dir 'Where rotate keeps the state of sets no writer keeps'
            cand --since 'Only lines from TIME on (RFC 3339, or a duration ago: 1h)'
            cand --until 'Only lines up to TIME (RFC 3339, or a duration ago: 10m)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;follow'= {
            cand --uncompress-command 'Read backups of another codec with COMMAND (stdin to stdout)'
            cand --state-dir 'Where rotate keeps the state of sets no writer keeps'
            cand -n 'Print the set''s last N lines first, backups included (0: only new ones)'
            cand --lines 'Print the set''s last N lines first, backups included (0: only new ones)'
            cand --checkpoint 'Record how far it has printed in FILE, and resume from there'
            cand --select 'Print only the lines REGEX matches (repeatable, as the writer''s)'
            cand --deselect 'Leave out the lines REGEX matches (repeatable, as the writer''s)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rollover;help'= {
            cand rotate 'Rotate sets now, or when a size or age condition holds'
            cand reset 'Empty the main file, keep the backups'
            cand status 'Show a set: members, sizes, ages, writer'
            cand import-logrotate 'Print the rollover configuration equivalent to logrotate files'
            cand cat 'Print every line of a set, oldest first, backups decompressed'
            cand follow 'Print a set''s last lines, then every new line, across rotations'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rollover;help;rotate'= {
        }
        &'rollover;help;reset'= {
        }
        &'rollover;help;status'= {
        }
        &'rollover;help;import-logrotate'= {
        }
        &'rollover;help;cat'= {
        }
        &'rollover;help;follow'= {
        }
        &'rollover;help;help'= {
        }
    ]
    $completions[$command]
}
