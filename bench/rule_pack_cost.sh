#!/usr/bin/env bash
# What the full rule pack costs over the core scanner's starter rules (issue 3's
# "≤ 20% of filesystem-scan throughput"), measured side by side in one run with
# the same binary: the starter run disables every rule but the 18 the core
# scanner shipped with (GitHub, GitLab, Slack, AWS, JWT, private keys), through a
# config file's `[rules] disable`, so engine, decode layers and walker are equal.
#
#   bench/rule_pack_cost.sh [CORPUS_DIR] [MEGABYTES]
#
# Corpus: bench/corpus.py (the core benchmark's, default bench/out/corpus, 256 MB;
# made when the directory does not exist), or any directory (real code:
# SCAN_ARGS=--no-ignore bench/rule_pack_cost.sh ~/.cargo/registry/src).
# Prints best-of-RUNS (default 5) wall and CPU (user+sys) milliseconds with
# --threads 1 and with all cores, and the full pack's cost as a percentage of the
# starter's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=${1:-$root/bench/out/corpus}
size=${2:-256}
runs=${RUNS:-5}

# TH=path/to/tokenhound measures another build (an older commit's, for a before
# and after); by default this checkout's release build.
if [ -z "${TH:-}" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
fi
th=${TH:-$root/target/release/tokenhound}
[ -d "$corpus" ] || python3 "$here/corpus.py" "$corpus" "$size"
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null   # warm the page cache
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

starter=(aws-temporary-access-key-id aws-access-key-id aws-secret-access-key aws-session-token
  github-pat-classic github-oauth-token github-user-to-server-token github-installation-token
  github-refresh-token github-fine-grained-pat gitlab-pat gitlab-pat-routable gitlab-runner-token
  jwt private-key slack-bot-token slack-user-token slack-webhook)
"$th" rules list --json > "$out/rules.json"
python3 - "$out/rules.json" "$out/starter.toml" "$out/full.toml" "${starter[@]}" <<'PY'
import json, sys
rules = [r["id"] for r in json.load(open(sys.argv[1]))]
keep = set(sys.argv[4:])
missing = keep - set(rules)
if missing:
    sys.exit(f"starter rules missing from the pack: {sorted(missing)}")
off = [r for r in rules if r not in keep]
open(sys.argv[2], "w").write("[rules]\ndisable = [%s]\n" % ", ".join(json.dumps(r) for r in off))
open(sys.argv[3], "w").write("[rules]\ndisable = []\n")
print(f"rules: full pack {len(rules)}, starter {len(keep)}")
PY

# Starter and full runs alternate, so a busy spell of the machine hits both;
# best of RUNS each, wall from a monotonic clock and CPU (user+sys) from the
# child's rusage, in milliseconds.
echo "corpus: $corpus ($(du -sm "$corpus" | cut -f1) MB), $(nproc) cores, best of $runs alternating runs, warm cache"
python3 - "$th" "$corpus" "$out" "$runs" ${SCAN_ARGS:-} <<'PY'
import json, os, resource, subprocess, sys, time
th, corpus, out, runs, extra = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]

def run(cfg, threads):
    args = [th, "scan", corpus, "--config", f"{out}/{cfg}.toml", "--format", "json",
            "--output", f"{out}/{cfg}.json", *threads, *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

print(f"{'':<22} {'starter':>10} {'full':>10} {'starter':>10} {'full':>10} {'cost':>8}")
for mode, threads in (("threads 1", ["--threads", "1"]), ("all cores", [])):
    best = {c: [float("inf"), float("inf")] for c in ("starter", "full")}
    for _ in range(runs):
        for c in ("starter", "full"):
            w, p = run(c, threads)
            best[c][0] = min(best[c][0], w)
            best[c][1] = min(best[c][1], p)
    found = {c: len(json.load(open(f"{out}/{c}.json"))["findings"]) for c in best}
    for i, what in enumerate(("wall", "cpu (user+sys)")):
        s, f = best["starter"][i], best["full"][i]
        counts = (f"{found['starter']} find", f"{found['full']} find") if i else ("", "")
        print(f"{mode + ' ' + what:<22} {s * 1e3:8.0f}ms {f * 1e3:8.0f}ms {counts[0]:>10} {counts[1]:>10} {100 * (f / s - 1):+7.0f}%")
PY
