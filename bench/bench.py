#!/usr/bin/env python3
"""rollover side by side with its peers, on the same input and machine.

Every tool reads the same deterministic input through a pipe (`cat` feeds
it) and rotates at 10 MiB keeping 5 backups. Runs are interleaved, the
median is quoted, and every tool's output is checked for split lines and
files over the limit. Results go to BENCHMARKS.md (and stdout).
"""

import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLLOVER = os.path.join(ROOT, "target", "release", "rollover")
LIMIT = 10 * 1024 * 1024
QUICK = "--quick" in sys.argv
INPUT_MIB = 64 if QUICK else 512
ROUNDS = 2 if QUICK else 5
PY_SLICE_MIB = 16 if QUICK else 64

PY_HANDLER = r"""
import logging, logging.handlers, sys
h = logging.handlers.RotatingFileHandler(sys.argv[1], maxBytes=%d, backupCount=5)
h.setFormatter(logging.Formatter("%%(message)s"))
log = logging.getLogger("bench")
log.addHandler(h)
log.setLevel(logging.INFO)
log.propagate = False
for line in sys.stdin:
    log.info(line.rstrip("\n"))
""" % LIMIT


def have(cmd):
    return shutil.which(cmd) is not None


def make_input(path, mib, seed=1):
    """Deterministic log lines of 60 to 300 bytes."""
    want = mib << 20
    if os.path.exists(path) and os.path.getsize(path) >= want:
        return
    r = random.Random(seed)
    words = ("GET POST PUT DELETE /api/v1/items /static/app.js /login user=alice "
             "user=bob status=200 status=404 status=500 latency_ms=12 agent=curl/8.5 "
             "Mozilla/5.0 (X11; Linux x86_64) session=9f2c trace_id=4bf92f35 "
             "INFO WARN ERROR DEBUG db.query cache.miss").split()
    total = 0
    i = 0
    with open(path, "wb") as out:
        batch = []
        while total < want:
            n = r.randint(60, 300)
            s = "2026-11-22T03:15:%02d.%06dZ host-%d app[%d]: req %d " % (
                i % 60, i % 1000000, i % 7, 1000 + i % 50, i)
            while len(s) < n - 1:
                s += r.choice(words) + " "
            b = (s[: n - 1] + "\n").encode()
            batch.append(b)
            total += len(b)
            i += 1
            if len(batch) >= 20000:
                out.write(b"".join(batch))
                batch = []
        out.write(b"".join(batch))


def slice_of(src, dst, mib):
    """The first `mib` MiB of src, cut at a line end."""
    if os.path.exists(dst):
        return
    with open(src, "rb") as f:
        data = f.read(mib << 20)
    with open(dst, "wb") as f:
        f.write(data[: data.rfind(b"\n") + 1])


def run_piped(argv, input_path, cwd):
    """cat input | argv: wall time, and the tool's CPU time and peak RSS.

    The tool runs under GNU time, which forks it from its own small image:
    a child forked straight from this Python process would report Python's
    peak RSS as its own (Linux carries it across exec)."""
    stats = os.path.join(cwd, "time.out")
    start = time.perf_counter()
    cat = subprocess.Popen(["cat", input_path], stdout=subprocess.PIPE)
    tool = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", "-o", stats] + argv, stdin=cat.stdout,
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cat.stdout.close()
    err = tool.stderr.read().decode(errors="replace")
    tool.wait()
    wall = time.perf_counter() - start
    cat.wait()
    if tool.returncode != 0:
        raise RuntimeError("%s failed (%s): %s" % (argv[0], tool.returncode, err.strip()))
    with open(stats) as f:
        user, system, rss = f.read().split()[-3:]
    return wall, float(user) + float(system), int(rss)


def check_output(outdir):
    """Files over the limit and rotated files that end mid-line."""
    over = split = files = 0
    for name in os.listdir(outdir):
        p = os.path.join(outdir, name)
        if name.startswith(".") or name in ("config", "lock", "state", "newstate") or not os.path.isfile(p):
            continue
        files += 1
        size = os.path.getsize(p)
        if size > LIMIT:
            over += 1
        current = name in ("current", "app.log")
        if size and not current:
            with open(p, "rb") as f:
                f.seek(-1, 2)
                if f.read(1) != b"\n":
                    split += 1
    return files, over, split


def tools_plain():
    t = [
        ("rollover", lambda d: [ROLLOVER, "-s", "10M", "-c", "5", d + "/app.log"], "fsync at rotation (default)"),
        ("rollover --fsync never", lambda d: [ROLLOVER, "--fsync", "never", "-s", "10M", "-c", "5", d + "/app.log"], "no fsync, like rotatelogs"),
    ]
    if have("rotatelogs"):
        t.append(("rotatelogs", lambda d: ["rotatelogs", "-n", "6", d + "/app.log", "10M"], "no fsync"))
    if have("s6-log"):
        t.append(("s6-log", lambda d: ["s6-log", "-b", "n5", "s%d" % LIMIT, d], "fsync at rotation"))
    if have("multilog"):
        t.append(("multilog", lambda d: ["multilog", "n5", "s%d" % min(LIMIT, 16777215), d], "fsync at rotation"))
    if have("svlogd"):
        t.append(("svlogd", lambda d: ["svlogd", d], "fsync at rotation"))
    t.append(("cat > file", lambda d: ["sh", "-c", "exec cat > " + d + "/app.log"], "floor: no rotation"))
    return t


def tools_stamped():
    t = [("rollover -t", lambda d: [ROLLOVER, "-t", "-s", "10M", "-c", "5", d + "/app.log"], "rfc3339, fsync at rotation"),
         ("rollover -t --fsync never", lambda d: [ROLLOVER, "-t", "--fsync", "never", "-s", "10M", "-c", "5", d + "/app.log"], "rfc3339, no fsync")]
    if have("s6-log"):
        t.append(("s6-log T", lambda d: ["s6-log", "-b", "n5", "s%d" % LIMIT, "T", d], "ISO 8601"))
    if have("svlogd"):
        t.append(("svlogd -tt", lambda d: ["svlogd", "-tt", d], "UTC"))
    if have("multilog"):
        t.append(("multilog t", lambda d: ["multilog", "t", "n5", "s%d" % min(LIMIT, 16777215), d], "TAI64N"))
    return t


def prepare(outdir, name):
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    if name.startswith("svlogd"):
        with open(os.path.join(outdir, "config"), "w") as f:
            f.write("s%d\nn5\n" % LIMIT)


def bench(tools, input_path, work, scale=1.0):
    results = {name: [] for name, _, _ in tools}
    checks = {}
    for r in range(ROUNDS):
        for name, argv, _ in tools:
            out = os.path.join(work, "out")
            prepare(out, name)
            wall, cpu, rss = run_piped(argv(out), input_path, work)
            results[name].append((wall * scale, cpu * scale, rss))
            checks[name] = check_output(out)
            print("  round %d %-28s %6.2f s" % (r + 1, name, wall * scale), file=sys.stderr)
    return results, checks


def median_row(samples):
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))


def table(title, tools, results, checks, mib, base, extra=None):
    lines = ["### " + title, "",
             "| tool | notes | wall s | CPU s | peak RSS | MB/s | rollover is N x faster | files over 10 MiB | rotated files ending mid-line |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    base_wall = statistics.median(s[0] for s in results[base])
    for name, _, note in tools:
        wall, cpu, rss = median_row(results[name])
        files, over, split = checks[name]
        ratio = "" if name == base else "%.2f" % (wall / base_wall)
        lines.append("| %s | %s | %.2f | %.2f | %.1f MiB | %.0f | %s | %d | %d |" % (
            name, note, wall, cpu, rss / 1024.0, mib * 1.048576 / wall, ratio, over, split))
    if extra:
        lines += ["", extra]
    return "\n".join(lines) + "\n"


def rollover_rss(input_cmd, work):
    """Peak RSS of rollover alone, fed by input_cmd."""
    out = os.path.join(work, "rss")
    prepare(out, "rollover")
    stats = os.path.join(work, "time.out")
    subprocess.run(["sh", "-c", '%s | /usr/bin/time -f %%M -o "$1" "$2" -s 10M "$3"/app.log' % input_cmd,
                    "sh", stats, ROLLOVER, out], check=True)
    with open(stats) as f:
        return int(f.read().split()[-1])


def latency(work, n):
    """Line written into the pipe -> readable in the main file."""
    out = os.path.join(work, "lat")
    prepare(out, "rollover")
    p = subprocess.Popen([ROLLOVER, out + "/app.log"], stdin=subprocess.PIPE)
    main = out + "/app.log"
    deadline = time.time() + 10
    while not os.path.exists(main):
        if time.time() > deadline:
            raise RuntimeError("rollover did not start")
        time.sleep(0.001)
    samples = []
    fd = p.stdin.fileno()
    with open(main, "rb") as f:
        for i in range(n):
            line = b"latency probe %08d\n" % i
            t0 = time.perf_counter()
            os.write(fd, line)
            got = b""
            while len(got) < len(line):
                got += f.read()
            samples.append(time.perf_counter() - t0)
            time.sleep(0.0005)
    p.stdin.close()
    p.wait()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)], samples[-1]


def rotation_cost(input_path, work, args):
    out = os.path.join(work, "rot")
    prepare(out, "rollover")
    wall, cpu, rss = run_piped([ROLLOVER] + args + [out + "/app.log"], input_path, work)
    with open(input_path, "rb") as f:
        lines = f.read().count(b"\n")
    backups = len([n for n in os.listdir(out) if n.startswith("app.log.")])
    return lines / wall, wall, backups


def disk_speed(work):
    """MB/s the file system takes with a sync at the end: the ceiling of any
    writer that syncs what it writes."""
    path = os.path.join(work, "dd.out")
    start = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=256", "conv=fdatasync"],
                   check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    os.unlink(path)
    return 256 * 1.048576 / elapsed


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d cores, %.0f GiB, Linux %s" % (cpu, os.cpu_count(), mem, platform.release())


def main():
    work = tempfile.mkdtemp(prefix="rollover-bench.", dir=os.environ.get("BENCH_DIR", "/tmp"))
    try:
        inp = os.path.join(work, "input.log")
        print("generating %d MiB of log lines..." % INPUT_MIB, file=sys.stderr)
        make_input(inp, INPUT_MIB)
        py_slice = os.path.join(work, "py-slice.log")
        slice_of(inp, py_slice, PY_SLICE_MIB)
        fs = subprocess.run(["df", "-T", work], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]

        disk = disk_speed(work)
        print("plain writing:", file=sys.stderr)
        plain = tools_plain()
        res, chk = bench(plain, inp, work)
        py_note = ""
        if have("python3"):
            py_tools = [("python RotatingFileHandler", lambda d: [sys.executable, "-c", PY_HANDLER, d + "/app.log"], "on a %d MiB slice, times scaled x%d" % (PY_SLICE_MIB, INPUT_MIB // PY_SLICE_MIB))]
            r2, c2 = bench(py_tools, py_slice, work, scale=INPUT_MIB / PY_SLICE_MIB)
            res.update(r2)
            chk.update(c2)
            plain += py_tools
        print("timestamps:", file=sys.stderr)
        stamped = tools_stamped()
        sres, schk = bench(stamped, inp, work)

        print("memory, latency, rotation cost:", file=sys.stderr)
        line_gib = 1 if not QUICK else 0.125
        rss_line = rollover_rss("head -c %d /dev/zero" % int(line_gib * 2**30), work)
        rss_lines = median_row(res["rollover"])[2]
        lat = latency(work, 1000 if QUICK else 10000)
        rot_slice = os.path.join(work, "rot-slice.log")
        slice_of(inp, rot_slice, 16 if QUICK else 64)
        cost_default = rotation_cost(rot_slice, work, ["-s", "10M", "-c", "5"])
        cost_64k = rotation_cost(rot_slice, work, ["-s", "64K", "-c", "5"])
        cost_1000 = rotation_cost(rot_slice, work, ["-s", "64K", "-c", "1000"])

        def ratio(a, b, s=res):
            return median_row(s[b])[0] / median_row(s[a])[0]

        summary = []
        for base in ("rollover", "rollover --fsync never"):
            for peer in ("rotatelogs", "s6-log"):
                if peer in res:
                    summary.append("- `%s` vs %s: **%.2fx** as fast" % (base, peer, ratio(base, peer)))
        for base in ("rollover -t", "rollover -t --fsync never"):
            for peer in ("s6-log T", "svlogd -tt", "multilog t"):
                if peer in sres:
                    summary.append("- `%s` vs %s: **%.2fx** as fast" % (base, peer, ratio(base, peer, sres)))

        doc = []
        doc.append("# Benchmarks\n")
        doc.append("Measured %s on %s; files on %s (`%s`).\n" % (
            time.strftime("%Y-%m-%d"), machine(), fs, work))
        doc.append("The file system took %.0f MB/s from `dd bs=1M count=256 conv=fdatasync`: "
                   "the ceiling of any writer that syncs all it writes, as rollover's default does.\n" % disk)
        doc.append("Command: `bench/run%s` (installs the peers if missing, builds rollover "
                   "in release mode, runs `bench/bench.py`).\n" % (" --quick" if QUICK else ""))
        doc.append("Input: %d MiB of deterministic log lines of 60 to 300 bytes, fed to every tool "
                   "through a pipe by `cat`. Size rotation at 10 MiB, 5 backups. %d interleaved rounds, "
                   "medians quoted. CPU time and peak RSS are the tool's own (GNU time). "
                   "\"rollover is N x faster\" is the tool's wall time over rollover's in the same "
                   "table (above 1: rollover is faster).\n" % (INPUT_MIB, ROUNDS))
        doc.append("## Summary\n")
        doc.append("\n".join(summary) + "\n")
        doc.append("- peak RSS: %.1f MiB for a %s GiB line without newline, %.1f MiB for %d MiB of ordinary lines\n" % (
            rss_line / 1024.0, line_gib, rss_lines / 1024.0, INPUT_MIB))
        doc.append("- latency, line written into the pipe to readable in the main file, %d lines sent 0.5 ms apart: "
                   "median %.0f us, 99th percentile %.0f us, max %.0f us\n" % (
                       1000 if QUICK else 10000, lat[0] * 1e6, lat[1] * 1e6, lat[2] * 1e6))
        doc.append("- rotation cost on a %d MiB slice: `-s 10M -c 5` %.0f lines/s; `-s 64K -c 5` "
                   "%.0f lines/s (%d rotations kept %d backups); `-s 64K -c 1000` %.0f lines/s (%d backups)\n" % (
                       16 if QUICK else 64, cost_default[0], cost_64k[0],
                       (16 if QUICK else 64) * 16, cost_64k[2], cost_1000[0], cost_1000[2]))
        doc.append("## Plain writing with size rotation\n")
        doc.append(table("%d MiB, rotate at 10 MiB, 5 backups" % INPUT_MIB, plain, res, chk, INPUT_MIB, "rollover"))
        doc.append("## With timestamps\n")
        doc.append(table("%d MiB, a timestamp on each line" % INPUT_MIB, stamped, sres, schk, INPUT_MIB, "rollover -t"))
        doc.append(NOTES)
        text = "\n".join(doc)
        with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
            f.write(text)
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


NOTES = """## Reading the numbers

- **fsync.** rollover's default, `--fsync rotate`, syncs each file before it
  becomes a backup, as s6-log, multilog and svlogd do (strace shows one
  fsync per rotation for each). rotatelogs and Python's handler never sync:
  with only 5 backups kept, most of their files are deleted from the page
  cache before they ever reach the disk. A writer that syncs cannot go
  faster than the disk takes the data, so the like-for-like comparison with
  rotatelogs is `rollover --fsync never`, and with the daemontools family
  rollover's default. rollover syncs on a thread of its own, so the disk
  time of one file overlaps the writing of the next.
- **Checks.** "files over 10 MiB" counts any file of the set larger than the
  limit; "rotated files ending mid-line" counts closed files whose last byte
  is not a newline (a line split between two files). multilog, s6-log and
  svlogd are given the same 10 MiB limit (multilog's maximum is 16 MiB).
- The Python handler runs on a slice and its times are scaled up; its RSS
  is not scaled.
"""

if __name__ == "__main__":
    main()
