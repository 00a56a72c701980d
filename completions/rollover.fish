# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rollover_global_optspecs
    string join \n s/max-size= a/max-age= every= max-days= c/max-count= m/mode= partial-timeout= t/timestamp= tee select= deselect= rate-limit= on-stall= buffer= fsync= compress= compress-command= compress-ext= compress-from= max-total= max-backup-age= keep-free= min-keep= on-rotate= hook-timeout= backup-names= date-of= padding= perm= insecure-dir extension= backup-dir= backup-dir-perm= backup-dir-owner= h/help V/version
end

function __fish_rollover_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rollover_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rollover_using_subcommand
    set -l cmd (__fish_rollover_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rollover -n "__fish_rollover_needs_command" -s s -l max-size -d 'Rotate before a line would take the main file past SIZE (0: off)' -r
complete -c rollover -n "__fish_rollover_needs_command" -s a -l max-age -d 'Rotate once the main file is older than DURATION (e.g. 1d, 12h)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l every -d 'Rotate at the start of each hour, day, week, month or year' -r
complete -c rollover -n "__fish_rollover_needs_command" -l max-days -d '--max-age in days, fractions allowed (1.5 is 36 hours)' -r
complete -c rollover -n "__fish_rollover_needs_command" -s c -l max-count -d 'Keep N backups; 0 truncates the main file instead of rotating' -r
complete -c rollover -n "__fish_rollover_needs_command" -s m -l mode -d 'a: append; w: clear the set first; x: fail if any of it exists' -r -f -a "a\t'Append to the main file; existing backups are the set\'s history'
w\t'Truncate the main file and delete every backup before writing'
x\t'Fail if the main file or any backup exists, creating nothing'"
complete -c rollover -n "__fish_rollover_needs_command" -l partial-timeout -d 'Write a line without its newline after waiting this long' -r
complete -c rollover -n "__fish_rollover_needs_command" -s t -l timestamp -d 'Prefix lines with the time read: rfc3339, unix, tai64n or strftime' -r
complete -c rollover -n "__fish_rollover_needs_command" -l select -d 'Write only the lines REGEX matches (repeatable; see --deselect)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l deselect -d 'Leave out the lines REGEX matches (repeatable; see --select)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l rate-limit -d 'Write at most N lines per DURATION (e.g. 2000/1s); drop the rest' -r
complete -c rollover -n "__fish_rollover_needs_command" -l on-stall -d 'When writing stalls (full disk, stalled storage): block or drop' -r -f -a "block\t'Stop reading: the producer waits, nothing is lost'
drop\t'Keep reading: buffer, then drop whole lines, with a marker'"
complete -c rollover -n "__fish_rollover_needs_command" -l buffer -d 'With --on-stall drop: how much may wait while writing is stalled' -r
complete -c rollover -n "__fish_rollover_needs_command" -l fsync -d 'Sync files to disk: never, before a file becomes a backup, always' -r -f -a "never\t'Leave it to the kernel'
rotate\t'Sync each file before it becomes a backup'
always\t'Sync after every write'"
complete -c rollover -n "__fish_rollover_needs_command" -l compress -d 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l compress-command -d 'Compress with COMMAND instead: backup on stdin, result on stdout' -r
complete -c rollover -n "__fish_rollover_needs_command" -l compress-ext -d 'The extension --compress-command\'s backups get (xz, bz2, lz4 ...)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l compress-from -d 'Leave backups numbered below N uncompressed (2: logrotate\'s delaycompress)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l max-total -d 'Delete the oldest backups until all backups take at most SIZE' -r
complete -c rollover -n "__fish_rollover_needs_command" -l max-backup-age -d 'Delete backups last written more than DURATION ago' -r
complete -c rollover -n "__fish_rollover_needs_command" -l keep-free -d 'Delete the oldest backups before the disk has less than SIZE or PCT% free' -r
complete -c rollover -n "__fish_rollover_needs_command" -l min-keep -d 'With --keep-free: never delete below N backups [default: 1]' -r
complete -c rollover -n "__fish_rollover_needs_command" -l on-rotate -d 'Run COMMAND (with /bin/sh -c) once each backup is finished' -r
complete -c rollover -n "__fish_rollover_needs_command" -l hook-timeout -d 'Kill a hook still running after DURATION' -r
complete -c rollover -n "__fish_rollover_needs_command" -l backup-names -d 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])' -r
complete -c rollover -n "__fish_rollover_needs_command" -l date-of -d 'The time a date-named backup\'s name shows: start, rotation ...' -r -f -a "start\t'The backup\'s start (the main file\'s age origin)'
rotation\t'The moment of the rotation'
yesterday\t'Noon of the day before the rotation'
hour-ago\t'An hour before the rotation'"
complete -c rollover -n "__fish_rollover_needs_command" -l padding -d 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)' -r -f -a "auto\t'Zero-padded to the digits of the count'
none\t'Unpadded, as logrotate writes them'"
complete -c rollover -n "__fish_rollover_needs_command" -l perm -d 'Mode of new main files, in octal (default 0644 minus the umask)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l extension -d 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate\'s extension)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l backup-dir -d 'Keep the backups in DIR, relative to the main file\'s directory' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_needs_command" -l backup-dir-perm -d 'Create a missing --backup-dir with MODE (octal; default 0755)' -r
complete -c rollover -n "__fish_rollover_needs_command" -l backup-dir-owner -d 'Create a missing --backup-dir owned by USER[:GROUP]' -r
complete -c rollover -n "__fish_rollover_needs_command" -l tee -d 'Also copy the input to stdout'
complete -c rollover -n "__fish_rollover_needs_command" -l insecure-dir -d 'As root, allow a directory that other users can write'
complete -c rollover -n "__fish_rollover_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_needs_command" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_needs_command" -a "rotate" -d 'Rotate sets now, or when a size or age condition holds'
complete -c rollover -n "__fish_rollover_needs_command" -a "reset" -d 'Empty the main file, keep the backups'
complete -c rollover -n "__fish_rollover_needs_command" -a "status" -d 'Show a set: members, sizes, ages, writer'
complete -c rollover -n "__fish_rollover_needs_command" -a "import-logrotate" -d 'Print the rollover configuration equivalent to logrotate files'
complete -c rollover -n "__fish_rollover_needs_command" -a "cat" -d 'Print every line of a set, oldest first, backups decompressed'
complete -c rollover -n "__fish_rollover_needs_command" -a "follow" -d 'Print a set\'s last lines, then every new line, across rotations'
complete -c rollover -n "__fish_rollover_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l config -d 'Rotate every set a TOML configuration file names (for cron)' -r -F
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l jobs -d 'With --config: rotate N sets at once [default: the number of cores]' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s c -l max-count -d 'Keep N backups [default: the last writer\'s count, else 5]' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s s -l max-size -d 'Rotate only a main file larger than SIZE (or older than -a)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s a -l max-age -d 'Rotate only a main file older than DURATION (or larger than -s)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l every -d 'Rotate only a set last rotated before this hour, day, week, month...' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l min-size -d 'A period or age rotation waits until the main file holds SIZE' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l compress -d 'Compress backups: gzip[:1-9] or zstd[:1-19] (.gz, .zst)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l compress-command -d 'Compress with COMMAND instead: backup on stdin, result on stdout' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l compress-ext -d 'The extension --compress-command\'s backups get (xz, bz2, lz4 ...)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l compress-from -d 'Leave backups numbered below N uncompressed (2: logrotate\'s delaycompress)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l max-total -d 'Delete the oldest backups until all backups take at most SIZE' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l max-backup-age -d 'Delete backups last written more than DURATION ago' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l keep-free -d 'Delete the oldest backups before the disk has less than SIZE or PCT% free' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l min-keep -d 'With --keep-free: never delete below N backups [default: 1]' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l on-rotate -d 'Run COMMAND (with /bin/sh -c) once each backup is finished' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l hook-timeout -d 'Kill a hook still running after DURATION' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l before-rotate -d 'Run COMMAND (with /bin/sh -c) before a set is rotated' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l first-action -d 'Run COMMAND once before anything else, if any set is due' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l last-action -d 'Run COMMAND once after everything else, if any set rotated' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l before-remove -d 'Run COMMAND before each backup is deleted, with the backup as $1' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l method -d 'How the main file\'s contents become backup 1' -r -f -a "rename\t'Rename the main file, swap in a new empty one'
collapse\t'Copy out whole blocks, collapse them out of the live file (lossless)'
copytruncate\t'Copy, then truncate (lossy: logrotate\'s copytruncate)'
copy\t'Copy, and leave the main file as it is (logrotate\'s copy)'"
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l su -d 'Change the set\'s files as USER:GROUP, with no other groups (logrotate\'s su)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l state-dir -d 'Keep the state of sets no writer keeps in DIR' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l owner -d 'Owner of the new main file, USER[:GROUP] (default: the old one\'s)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l timeout -d 'How long to wait for a live writer to answer' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l backup-names -d 'Name backups by number (PATH.1 newest) or by date (date[:FORMAT])' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l date-of -d 'The time a date-named backup\'s name shows: start, rotation ...' -r -f -a "start\t'The backup\'s start (the main file\'s age origin)'
rotation\t'The moment of the rotation'
yesterday\t'Noon of the day before the rotation'
hour-ago\t'An hour before the rotation'"
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l padding -d 'Write backup numbers zero-padded (auto: .01 ... .10) or not (none)' -r -f -a "auto\t'Zero-padded to the digits of the count'
none\t'Unpadded, as logrotate writes them'"
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l perm -d 'Mode of new main files, in octal (default 0644 minus the umask)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l extension -d 'Number backups before EXT: mylog.foo, backups mylog.1.foo (logrotate\'s extension)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l backup-dir -d 'Keep the backups in DIR, relative to the main file\'s directory' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l backup-dir-perm -d 'Create a missing --backup-dir with MODE (octal; default 0755)' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l backup-dir-owner -d 'Create a missing --backup-dir owned by USER[:GROUP]' -r
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s f -l force -d 'With --config: rotate the sets named, whatever their conditions'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l rotate-empty -d 'Rotate an empty main file too (logrotate\'s ifempty, its default)'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l on-rotate-once -d 'Run --on-rotate (and --before-rotate) once for all the sets'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l no-create -d 'Make no new main file: its program makes its own (logrotate\'s nocreate)'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l missing-ok -d 'An argument that matches nothing is not an error'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s n -l dry-run -d 'Print what would be done, change nothing'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s v -l verbose -d 'Print each action'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -l insecure-dir -d 'As root, allow a directory that other users can write'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand reset" -l timeout -d 'How long to wait for a live writer to answer' -r
complete -c rollover -n "__fish_rollover_using_subcommand reset" -l state-dir -d 'Where rotate keeps the state of sets no writer keeps' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand reset" -l insecure-dir -d 'As root, allow a directory that other users can write'
complete -c rollover -n "__fish_rollover_using_subcommand reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand reset" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand status" -l state-dir -d 'Where rotate keeps the state of sets no writer keeps' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand status" -l json -d 'Print JSON'
complete -c rollover -n "__fish_rollover_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand status" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand import-logrotate" -l state -d 'logrotate\'s state file, written as logrotate-state' -r -F
complete -c rollover -n "__fish_rollover_using_subcommand import-logrotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand import-logrotate" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand cat" -l uncompress-command -d 'Read backups of another codec with COMMAND (stdin to stdout)' -r
complete -c rollover -n "__fish_rollover_using_subcommand cat" -l state-dir -d 'Where rotate keeps the state of sets no writer keeps' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand cat" -l since -d 'Only lines from TIME on (RFC 3339, or a duration ago: 1h)' -r
complete -c rollover -n "__fish_rollover_using_subcommand cat" -l until -d 'Only lines up to TIME (RFC 3339, or a duration ago: 10m)' -r
complete -c rollover -n "__fish_rollover_using_subcommand cat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand cat" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand follow" -l uncompress-command -d 'Read backups of another codec with COMMAND (stdin to stdout)' -r
complete -c rollover -n "__fish_rollover_using_subcommand follow" -l state-dir -d 'Where rotate keeps the state of sets no writer keeps' -r -f -a "(__fish_complete_directories)"
complete -c rollover -n "__fish_rollover_using_subcommand follow" -s n -l lines -d 'Print the set\'s last N lines first, backups included (0: only new ones)' -r
complete -c rollover -n "__fish_rollover_using_subcommand follow" -l checkpoint -d 'Record how far it has printed in FILE, and resume from there' -r -F
complete -c rollover -n "__fish_rollover_using_subcommand follow" -l select -d 'Print only the lines REGEX matches (repeatable, as the writer\'s)' -r
complete -c rollover -n "__fish_rollover_using_subcommand follow" -l deselect -d 'Leave out the lines REGEX matches (repeatable, as the writer\'s)' -r
complete -c rollover -n "__fish_rollover_using_subcommand follow" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rollover -n "__fish_rollover_using_subcommand follow" -s V -l version -d 'Print version'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "rotate" -d 'Rotate sets now, or when a size or age condition holds'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "reset" -d 'Empty the main file, keep the backups'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "status" -d 'Show a set: members, sizes, ages, writer'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "import-logrotate" -d 'Print the rollover configuration equivalent to logrotate files'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "cat" -d 'Print every line of a set, oldest first, backups decompressed'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "follow" -d 'Print a set\'s last lines, then every new line, across rotations'
complete -c rollover -n "__fish_rollover_using_subcommand help; and not __fish_seen_subcommand_from rotate reset status import-logrotate cat follow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
