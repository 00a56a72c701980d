#!/usr/bin/env bash
# The main job, end to end: a producer's real output piped through rollover
# into a small rotating set, which is then listed and checked.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --locked
# Where cargo puts it: target/, or $CARGO_TARGET_DIR.
bin="${CARGO_TARGET_DIR:-target}/release/rollover"
out=$(mktemp -d "${TMPDIR:-/tmp}/rollover-demo.XXXXXX")

# A producer: 40,000 log lines of varied length, written as a program
# would, with a timestamp put on by rollover.
awk 'BEGIN {
  srand(42)
  split("GET POST PUT DELETE", verbs, " ")
  for (i = 1; i <= 40000; i++)
    printf "req=%06d %s /api/v1/items/%d status=%d bytes=%d agent=%s\n",
      i, verbs[int(rand()*4)+1], int(rand()*1e6), (rand() < 0.97 ? 200 : 500),
      int(rand()*50000), substr("Mozilla/5.0 (X11; Linux x86_64) curl/8.5 python-requests/2.31", 1, int(rand()*60)+5)
}' | "$bin" --timestamp -s 512K -c 10 "$out/app.log"

echo "== rollover status $out/app.log"
"$bin" status "$out/app.log"
echo
echo "== checks"
lines=$(cat "$out"/app.log.* "$out/app.log" | wc -l)
echo "lines kept: $lines of 40000"
over=$(find "$out" -name 'app.log*' -size +524288c | wc -l)
echo "files over 512K: $over"
split=0
for f in "$out"/app.log.*; do
  [ "$(tail -c1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] || split=$((split + 1))
done
echo "backups ending mid-line: $split"
echo "first line of the newest file:"
head -n1 "$out/app.log"
echo
echo "(the set is in $out)"
