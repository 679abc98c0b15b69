#!/usr/bin/env bash
# Filesystem-scan benchmark: tokenhound side by side with the peers that are
# installed (gitleaks, betterleaks, Kingfisher), on the same corpus, in one run.
#
#   bench/fs_scan.sh [CORPUS_DIR] [MEGABYTES]
#
# Generates the corpus with bench/corpus.py when CORPUS_DIR is missing or empty
# (default bench/out/corpus, 256 MB; any other directory is measured as it is), warms the page cache, then runs every tool
# RUNS times (default 3) and reports the best wall time, MB/s, files/s and peak
# RSS, the ratio of each peer's time to tokenhound's, and tokenhound's start-up
# time on an empty directory. Peers run offline with validation off.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=${1:-$root/bench/out/corpus}
size=${2:-256}
runs=${RUNS:-3}
. "$here/peers.sh"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
th="$root/target/release/tokenhound"
# Any existing non-empty directory is measured as it is (e.g. a real source tree);
# otherwise the synthetic corpus is generated there.
if [ ! -f "$corpus/MANIFEST.json" ] && [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
  python3 "$here/corpus.py" "$corpus" "$size"
fi
if [ -f "$corpus/MANIFEST.json" ]; then
  bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bytes'])" "$corpus/MANIFEST.json")
else
  bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
fi
files=$(find "$corpus" -type f | wc -l)
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null   # warm the page cache
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# best-of-N: prints "seconds peak_kb"
measure() {
  local best="" rss=0 t m
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null 2> "$out/stderr" || true
    read -r t m < <(tail -n 1 "$out/time")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}

declare -A secs rss
names=(tokenhound)
read -r secs[tokenhound] rss[tokenhound] < <(measure "$th" scan "$corpus" --format json --output "$out/th.json")
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$out/th.json")

gl=$(locate_peer gitleaks); bl=$(locate_peer betterleaks); kf=$(locate_peer kingfisher)
if [ -n "$kf" ]; then
  names+=(kingfisher)
  read -r secs[kingfisher] rss[kingfisher] < <(measure "$kf" scan "$corpus" --no-validate --format json --output "$out/kf.json")
fi
if [ -n "$bl" ]; then
  names+=(betterleaks)
  read -r secs[betterleaks] rss[betterleaks] < <(measure "$bl" "$corpus" --no-banner --exit-code 0 --output "$out/bl.json")
fi
if [ -n "$gl" ]; then
  names+=(gitleaks)
  read -r secs[gitleaks] rss[gitleaks] < <(measure "$gl" dir "$corpus" --no-banner --exit-code 0 --report-format json --report-path "$out/gl.json")
fi

mkdir -p "$out/empty"
startup=$(python3 - "$th" "$out/empty" <<'PY'
import subprocess, sys, time
best = 1e9
for _ in range(20):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "scan", sys.argv[2]], stdout=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print(f"{best * 1000:.1f}")
PY
)

echo "corpus: $corpus  ($((bytes / 1000000)) MB, $files files, $(nproc) cores, best of $runs runs, warm cache)"
printf '%-12s %9s %9s %10s %12s %14s\n' tool seconds MB/s files/s "peak RSS MB" "time ratio"
for n in "${names[@]}"; do
  python3 - "$n" "${secs[$n]}" "${rss[$n]}" "$bytes" "$files" "${secs[tokenhound]}" <<'PY'
import sys
n, s, r, b, f, base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
s = max(s, 0.01)
print(f"{n:<12} {s:9.2f} {b / 1e6 / s:9.0f} {f / s:10.0f} {r / 1024:12.0f} {s / max(base, 0.01):13.1f}x")
PY
done
echo "tokenhound findings: $findings; MB/s per core: $(python3 -c "print(round($bytes/1e6/${secs[tokenhound]}/$(nproc)))")"
echo "tokenhound start-up (empty directory, best of 20): ${startup} ms"
