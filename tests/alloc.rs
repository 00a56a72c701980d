//! No allocation per line in the write loop: the hot path of the pipeline
//! (`pipeline::feed`, the same code `rollover` runs minus the `read`
//! syscall), measured with dhat's counting allocator. Inputs of the same
//! size whose lines are 64 times shorter must cost the same allocations.
//! A test binary of its own, because the counting allocator is global.

use std::time::Duration;

use rollover::config::{DirTrust, Finishing, Fsync};
use rollover::fileset::{Create, FileSet};
use rollover::naming::Naming;
use rollover::pipeline::{self, Options};
use rollover::policy::Policy;
use rollover::select::{RateLimit, Rule, Rules};
use rollover::stamp::Format;
use rollover::writer::{Settings, Writer};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const TOTAL: usize = 8 << 20;

fn input(line_len: usize) -> Vec<u8> {
    let line: Vec<u8> = (0..line_len - 1)
        .map(|i| b'a' + (i % 26) as u8)
        .chain([b'\n'])
        .collect();
    line.repeat(TOTAL / line_len)
}

/// Allocations made while feeding `data` through a fresh writer.
fn allocations(data: &[u8], max_size: u64, stamp: bool, select: bool) -> (u64, usize) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let path = dir.join("app.log");
    let set = FileSet::open(Naming::new(&path).expect("name"), DirTrust::OwnOnly).expect("set");
    let name = set.naming.main_name(1000);
    let main = set.open_main(&name, Create::IfMissing, None).expect("open");
    let policy = Policy {
        max_size,
        max_age: None,
        every: None,
        count: 1000,
    };
    let w = Writer::new(
        set,
        main,
        Settings {
            policy,
            fsync: Fsync::Never,
            finishing: Finishing::default(),
            date_of: rollover::naming::DateOf::Start,
            perm: None,
        },
    )
    .expect("writer");
    let opts = Options {
        partial_timeout: Duration::from_secs(60),
        timestamp: stamp.then(|| Format::parse("rfc3339").expect("format")),
        tee: false,
        // Rules that look at every line (one that never matches, one that
        // always does) and a rate limit that drops nothing.
        rules: Rules::new(if select {
            vec![
                Rule {
                    keep: false,
                    regex: regex::bytes::Regex::new("zz").expect("regex"),
                },
                Rule {
                    keep: true,
                    regex: regex::bytes::Regex::new("abc").expect("regex"),
                },
            ]
        } else {
            Vec::new()
        }),
        rate_limit: select.then_some(RateLimit {
            lines: u64::MAX,
            per: Duration::from_secs(3600),
        }),
        drop_buffer: None,
    };
    let before = dhat::HeapStats::get().total_blocks;
    let mut w = pipeline::feed(w, opts, data, 64 * 1024).expect("feed");
    let after = dhat::HeapStats::get().total_blocks;
    w.close(|| false).expect("close");
    let backups = std::fs::read_dir(dir)
        .expect("ls")
        .filter(|e| {
            let n = e.as_ref().expect("entry").file_name();
            let n = n.to_string_lossy();
            n.starts_with("app.log.")
        })
        .count();
    drop(w);
    (after - before, backups)
}

#[test]
fn allocations_do_not_grow_with_the_number_of_lines() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let (short, long) = (input(16), input(1024));
    assert_eq!(short.len(), long.len());

    // No rotation: a fixed handful of allocations (the buffers), whatever
    // the number of lines: 524,288 lines cost what 8,192 lines cost.
    let (a_short, _) = allocations(&short, 0, false, false);
    let (a_long, _) = allocations(&long, 0, false, false);
    assert_eq!(
        a_short, a_long,
        "plain: {a_short} allocations for short lines, {a_long} for long"
    );
    assert!(
        a_short < 16,
        "{a_short} allocations for {} lines",
        TOTAL / 16
    );

    // Timestamps: the prefix is formatted per read, not per line.
    let (s_short, _) = allocations(&short, 0, true, false);
    let (s_long, _) = allocations(&long, 0, true, false);
    assert_eq!(
        s_short, s_long,
        "stamped: {s_short} allocations for short lines, {s_long} for long"
    );

    // Selection and the rate limit: matched per line, allocated per run.
    let (f_short, _) = allocations(&short, 0, false, true);
    let (f_long, _) = allocations(&long, 0, false, true);
    assert_eq!(
        f_short, f_long,
        "selecting: {f_short} allocations for short lines, {f_long} for long"
    );

    // Rotations allocate (names, the listing), lines do not: the same
    // number of rotations costs the same, whatever the number of lines.
    let (r_short, b_short) = allocations(&short, 1 << 20, false, false);
    let (r_long, b_long) = allocations(&long, 1 << 20, false, false);
    assert_eq!(b_short, b_long);
    assert!(b_short >= 7, "{b_short} backups");
    assert_eq!(
        r_short, r_long,
        "rotating: {r_short} allocations for short lines, {r_long} for long"
    );
}
