
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rollover' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rollover'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rollover' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Rotate before a line would take the main file past SIZE (0: off)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Rotate before a line would take the main file past SIZE (0: off)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Rotate once the main file is older than DURATION (e.g. 1d, 12h)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Rotate once the main file is older than DURATION (e.g. 1d, 12h)')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Rotate at the start of each hour, day, week, month or year')
            [CompletionResult]::new('--max-days', '--max-days', [CompletionResultType]::ParameterName, '--max-age in days, fractions allowed (1.5 is 36 hours)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Keep N backups; 0 truncates the main file instead of rotating')
            [CompletionResult]::new('--max-count', '--max-count', [CompletionResultType]::ParameterName, 'Keep N backups; 0 truncates the main file instead of rotating')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'a: append; w: clear the set first; x: fail if any of it exists')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'a: append; w: clear the set first; x: fail if any of it exists')
            [CompletionResult]::new('--partial-timeout', '--partial-timeout', [CompletionResultType]::ParameterName, 'Write a line without its newline after waiting this long')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Prefix lines with the time read: rfc3339, unix, tai64n or strftime')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Prefix lines with the time read: rfc3339, unix, tai64n or strftime')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Write only the lines REGEX matches (repeatable; see --deselect)')
            [CompletionResult]::new('--deselect', '--deselect', [CompletionResultType]::ParameterName, 'Leave out the lines REGEX matches (repeatable; see --select)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Write at most N lines per DURATION (e.g. 2000/1s); drop the rest')
            [CompletionResult]::new('--on-stall', '--on-stall', [CompletionResultType]::ParameterName, 'When writing stalls (full disk, stalled storage): block or drop')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'With --on-stall drop: how much may wait while writing is stalled')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Sync files to disk: never, before a file becomes a backup, always')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)')
            [CompletionResult]::new('--compress-command', '--compress-command', [CompletionResultType]::ParameterName, 'Compress with COMMAND instead: backup on stdin, result on stdout')
            [CompletionResult]::new('--compress-ext', '--compress-ext', [CompletionResultType]::ParameterName, 'The extension --compress-command''s backups get (xz, bz2, lz4 ...)')
            [CompletionResult]::new('--compress-from', '--compress-from', [CompletionResultType]::ParameterName, 'Leave backups numbered below N uncompressed (2: logrotate''s delaycompress)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Delete the oldest backups until all backups take at most SIZE')
            [CompletionResult]::new('--max-backup-age', '--max-backup-age', [CompletionResultType]::ParameterName, 'Delete backups last written more than DURATION ago')
            [CompletionResult]::new('--keep-free', '--keep-free', [CompletionResultType]::ParameterName, 'Delete the oldest backups before the disk has less than SIZE or PCT% free')
            [CompletionResult]::new('--min-keep', '--min-keep', [CompletionResultType]::ParameterName, 'With --keep-free: never delete below N backups [default: 1]')
            [CompletionResult]::new('--on-rotate', '--on-rotate', [CompletionResultType]::ParameterName, 'Run COMMAND (with /bin/sh -c) once each backup is finished')
            [CompletionResult]::new('--hook-timeout', '--hook-timeout', [CompletionResultType]::ParameterName, 'Kill a hook still running after DURATION')
            [CompletionResult]::new('--backup-names', '--backup-names', [CompletionResultType]::ParameterName, 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])')
            [CompletionResult]::new('--date-of', '--date-of', [CompletionResultType]::ParameterName, 'The time a date-named backup''s name shows: start, rotation ...')
            [CompletionResult]::new('--padding', '--padding', [CompletionResultType]::ParameterName, 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)')
            [CompletionResult]::new('--perm', '--perm', [CompletionResultType]::ParameterName, 'Mode of new main files, in octal (default 0644 minus the umask)')
            [CompletionResult]::new('--extension', '--extension', [CompletionResultType]::ParameterName, 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate''s extension)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Keep the backups in DIR, relative to the main file''s directory')
            [CompletionResult]::new('--backup-dir-perm', '--backup-dir-perm', [CompletionResultType]::ParameterName, 'Create a missing --backup-dir with MODE (octal; default 0755)')
            [CompletionResult]::new('--backup-dir-owner', '--backup-dir-owner', [CompletionResultType]::ParameterName, 'Create a missing --backup-dir owned by USER[:GROUP]')
            [CompletionResult]::new('--tee', '--tee', [CompletionResultType]::ParameterName, 'Also copy the input to stdout')
            [CompletionResult]::new('--insecure-dir', '--insecure-dir', [CompletionResultType]::ParameterName, 'As root, allow a directory that other users can write')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate sets now, or when a size or age condition holds')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Empty the main file, keep the backups')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a set: members, sizes, ages, writer')
            [CompletionResult]::new('import-logrotate', 'import-logrotate', [CompletionResultType]::ParameterValue, 'Print the rollover configuration equivalent to logrotate files')
            [CompletionResult]::new('cat', 'cat', [CompletionResultType]::ParameterValue, 'Print every line of a set, oldest first, backups decompressed')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Print a set''s last lines, then every new line, across rotations')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rollover;rotate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Rotate every set a TOML configuration file names (for cron)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'With --config: rotate N sets at once [default: the number of cores]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Keep N backups [default: the last writer''s count, else 5]')
            [CompletionResult]::new('--max-count', '--max-count', [CompletionResultType]::ParameterName, 'Keep N backups [default: the last writer''s count, else 5]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Rotate only a main file larger than SIZE (or older than -a)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Rotate only a main file larger than SIZE (or older than -a)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Rotate only a main file older than DURATION (or larger than -s)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Rotate only a main file older than DURATION (or larger than -s)')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Rotate only a set last rotated before this hour, day, week, month...')
            [CompletionResult]::new('--min-size', '--min-size', [CompletionResultType]::ParameterName, 'A period or age rotation waits until the main file holds SIZE')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)')
            [CompletionResult]::new('--compress-command', '--compress-command', [CompletionResultType]::ParameterName, 'Compress with COMMAND instead: backup on stdin, result on stdout')
            [CompletionResult]::new('--compress-ext', '--compress-ext', [CompletionResultType]::ParameterName, 'The extension --compress-command''s backups get (xz, bz2, lz4 ...)')
            [CompletionResult]::new('--compress-from', '--compress-from', [CompletionResultType]::ParameterName, 'Leave backups numbered below N uncompressed (2: logrotate''s delaycompress)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Delete the oldest backups until all backups take at most SIZE')
            [CompletionResult]::new('--max-backup-age', '--max-backup-age', [CompletionResultType]::ParameterName, 'Delete backups last written more than DURATION ago')
            [CompletionResult]::new('--keep-free', '--keep-free', [CompletionResultType]::ParameterName, 'Delete the oldest backups before the disk has less than SIZE or PCT% free')
            [CompletionResult]::new('--min-keep', '--min-keep', [CompletionResultType]::ParameterName, 'With --keep-free: never delete below N backups [default: 1]')
            [CompletionResult]::new('--on-rotate', '--on-rotate', [CompletionResultType]::ParameterName, 'Run COMMAND (with /bin/sh -c) once each backup is finished')
            [CompletionResult]::new('--hook-timeout', '--hook-timeout', [CompletionResultType]::ParameterName, 'Kill a hook still running after DURATION')
            [CompletionResult]::new('--before-rotate', '--before-rotate', [CompletionResultType]::ParameterName, 'Run COMMAND (with /bin/sh -c) before a set is rotated')
            [CompletionResult]::new('--first-action', '--first-action', [CompletionResultType]::ParameterName, 'Run COMMAND once before anything else, if any set is due')
            [CompletionResult]::new('--last-action', '--last-action', [CompletionResultType]::ParameterName, 'Run COMMAND once after everything else, if any set rotated')
            [CompletionResult]::new('--before-remove', '--before-remove', [CompletionResultType]::ParameterName, 'Run COMMAND before each backup is deleted, with the backup as $1')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'How the main file''s contents become backup 1')
            [CompletionResult]::new('--su', '--su', [CompletionResultType]::ParameterName, 'Change the set''s files as USER:GROUP, with no other groups (logrotate''s su)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Keep the state of sets no writer keeps in DIR')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Owner of the new main file, USER[:GROUP] (default: the old one''s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for a live writer to answer')
            [CompletionResult]::new('--backup-names', '--backup-names', [CompletionResultType]::ParameterName, 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])')
            [CompletionResult]::new('--date-of', '--date-of', [CompletionResultType]::ParameterName, 'The time a date-named backup''s name shows: start, rotation ...')
            [CompletionResult]::new('--padding', '--padding', [CompletionResultType]::ParameterName, 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)')
            [CompletionResult]::new('--perm', '--perm', [CompletionResultType]::ParameterName, 'Mode of new main files, in octal (default 0644 minus the umask)')
            [CompletionResult]::new('--extension', '--extension', [CompletionResultType]::ParameterName, 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate''s extension)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Keep the backups in DIR, relative to the main file''s directory')
            [CompletionResult]::new('--backup-dir-perm', '--backup-dir-perm', [CompletionResultType]::ParameterName, 'Create a missing --backup-dir with MODE (octal; default 0755)')
            [CompletionResult]::new('--backup-dir-owner', '--backup-dir-owner', [CompletionResultType]::ParameterName, 'Create a missing --backup-dir owned by USER[:GROUP]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'With --config: rotate the sets named, whatever their conditions')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --config: rotate the sets named, whatever their conditions')
            [CompletionResult]::new('--rotate-empty', '--rotate-empty', [CompletionResultType]::ParameterName, 'Rotate an empty main file too (logrotate''s ifempty, its default)')
            [CompletionResult]::new('--on-rotate-once', '--on-rotate-once', [CompletionResultType]::ParameterName, 'Run --on-rotate (and --before-rotate) once for all the sets')
            [CompletionResult]::new('--no-create', '--no-create', [CompletionResultType]::ParameterName, 'Make no new main file: its program makes its own (logrotate''s nocreate)')
            [CompletionResult]::new('--missing-ok', '--missing-ok', [CompletionResultType]::ParameterName, 'An argument that matches nothing is not an error')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print what would be done, change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be done, change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print each action')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print each action')
            [CompletionResult]::new('--insecure-dir', '--insecure-dir', [CompletionResultType]::ParameterName, 'As root, allow a directory that other users can write')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;reset' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for a live writer to answer')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where rotate keeps the state of sets no writer keeps')
            [CompletionResult]::new('--insecure-dir', '--insecure-dir', [CompletionResultType]::ParameterName, 'As root, allow a directory that other users can write')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;status' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where rotate keeps the state of sets no writer keeps')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;import-logrotate' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'logrotate''s state file, written as logrotate-state')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;cat' {
            [CompletionResult]::new('--uncompress-command', '--uncompress-command', [CompletionResultType]::ParameterName, 'Read backups of another codec with COMMAND (stdin to stdout)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where rotate keeps the state of sets no writer keeps')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines from TIME on (RFC 3339, or a duration ago: 1h)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only lines up to TIME (RFC 3339, or a duration ago: 10m)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;follow' {
            [CompletionResult]::new('--uncompress-command', '--uncompress-command', [CompletionResultType]::ParameterName, 'Read backups of another codec with COMMAND (stdin to stdout)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where rotate keeps the state of sets no writer keeps')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the set''s last N lines first, backups included (0: only new ones)')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'Print the set''s last N lines first, backups included (0: only new ones)')
            [CompletionResult]::new('--checkpoint', '--checkpoint', [CompletionResultType]::ParameterName, 'Record how far it has printed in FILE, and resume from there')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Print only the lines REGEX matches (repeatable, as the writer''s)')
            [CompletionResult]::new('--deselect', '--deselect', [CompletionResultType]::ParameterName, 'Leave out the lines REGEX matches (repeatable, as the writer''s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rollover;help' {
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate sets now, or when a size or age condition holds')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Empty the main file, keep the backups')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a set: members, sizes, ages, writer')
            [CompletionResult]::new('import-logrotate', 'import-logrotate', [CompletionResultType]::ParameterValue, 'Print the rollover configuration equivalent to logrotate files')
            [CompletionResult]::new('cat', 'cat', [CompletionResultType]::ParameterValue, 'Print every line of a set, oldest first, backups decompressed')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Print a set''s last lines, then every new line, across rotations')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rollover;help;rotate' {
            break
        }
        'rollover;help;reset' {
            break
        }
        'rollover;help;status' {
            break
        }
        'rollover;help;import-logrotate' {
            break
        }
        'rollover;help;cat' {
            break
        }
        'rollover;help;follow' {
            break
        }
        'rollover;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
