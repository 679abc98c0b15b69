#!/usr/bin/env bash
# Two builds of tokenhound side by side on the same input, runs alternating
# (A B A B …) so a busy spell of the machine hits both: median and best wall
# time, CPU time and peak RSS of each, and B's time as a ratio of A's.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY -- ARGS...      e.g.
#   bench/ab.sh /tmp/th-old target/release/tokenhound -- scan /work/bench-corpus -q --format json -o /dev/null
#   STDIN=/tmp/ci.log bench/ab.sh A B -- scan - -q --format jsonl     (input on stdin)
#
# RUNS (default 7) runs each. Times come from a monotonic clock around the
# child and its rusage (CPU, peak RSS), measured by Python, not /usr/bin/time.
set -euo pipefail
[ "${3:-}" = "--" ] || { echo "usage: $0 OLD NEW -- ARGS..." >&2; exit 2; }
a=$1; b=$2; shift 3
exec python3 - "$a" "$b" "${RUNS:-7}" "${STDIN:-}" "$@" <<'PY'
import os, resource, statistics, subprocess, sys, time
a, b, runs, stdin, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]

def once(binary):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    with open(stdin or os.devnull, "rb") as inp:
        p = subprocess.run([binary] + args, stdin=inp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode

res = {a: [], b: []}
once(a); once(b)  # warm the page cache and the binaries
for _ in range(runs):
    for x in (a, b):
        res[x].append(once(x))
# Peak RSS per binary, one run each on its own (rusage of children is a max over all).
def peak(binary):
    code = ("import resource,subprocess,sys,os;"
            "subprocess.run(sys.argv[1:],stdin=open(os.environ.get('AB_STDIN') or os.devnull,'rb'),"
            "stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    env = dict(os.environ, AB_STDIN=stdin)
    return int(subprocess.run([sys.executable, "-c", code, binary] + args, env=env,
                              capture_output=True, text=True).stdout)
print(f"args: {' '.join(args)}{'  < ' + stdin if stdin else ''}   ({runs} runs each, alternating)")
rows = {}
for name, x in (("A", a), ("B", b)):
    walls = [r[0] for r in res[x]]; cpus = [r[1] for r in res[x]]
    codes = sorted({r[2] for r in res[x]})
    rows[name] = statistics.median(walls)
    print(f"{name} {x}\n   wall median {statistics.median(walls)*1000:8.1f} ms  best {min(walls)*1000:8.1f} ms"
          f"   cpu median {statistics.median(cpus)*1000:8.1f} ms   peak RSS {peak(x)/1024:6.1f} MiB   exit {codes}")
print(f"B / A (median wall): {rows['B']/rows['A']:.3f}")
PY
