#!/usr/bin/env bash
# What the full rule pack costs over the core scanner's starter rules (issue 3's
# "≤ 20% of filesystem-scan throughput"), measured side by side in one run with
# the same binary: the starter run disables every rule but the 18 the core
# scanner shipped with (GitHub, GitLab, Slack, AWS, JWT, private keys), through a
# config file's `[rules] disable`, so engine, decode layers and walker are equal.
#
#   bench/rule_pack_cost.sh [CORPUS_DIR] [MEGABYTES]
#
# Corpus: bench/corpus.py (the core benchmark's, default bench/out/corpus, 256 MB).
# Prints best-of-RUNS (default 5) wall seconds with --threads 1 and with all cores,
# CPU seconds (user+sys), and the full pack's cost as a percentage of the starter's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=${1:-$root/bench/out/corpus}
size=${2:-256}
runs=${RUNS:-5}

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
th="$root/target/release/tokenhound"
[ -f "$corpus/MANIFEST.json" ] || python3 "$here/corpus.py" "$corpus" "$size"
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

# best-of-N: prints "wall cpu findings"
measure() {
  local cfg=$1; shift
  local best="" bcpu=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S" -o "$out/time" "$th" scan "$corpus" --config "$cfg" \
      --format json --output "$out/r.json" "$@" 2> "$out/stderr" || true
    read -r w u s < <(tail -n 1 "$out/time")
    c=$(python3 -c "print($u + $s)")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $w < $best else 1)"; then best=$w; fi
    if [ -z "$bcpu" ] || python3 -c "import sys; sys.exit(0 if $c < $bcpu else 1)"; then bcpu=$c; fi
  done
  n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$out/r.json")
  echo "$best $bcpu $n"
}

echo "corpus: $corpus ($(du -sm "$corpus" | cut -f1) MB), $(nproc) cores, best of $runs runs, warm cache"
printf '%-22s %10s %10s %10s %10s %10s\n' "" "starter s" "full s" "starter" "full" "cost"
for mode in "threads 1" "all cores"; do
  extra=()
  [ "$mode" = "threads 1" ] && extra=(--threads 1)
  # Best of RUNS each, starter first; rerun when the machine was busy (the
  # figures drift together with its load).
  read -r sw sc sn < <(measure "$out/starter.toml" "${extra[@]}")
  read -r fw fc fn < <(measure "$out/full.toml" "${extra[@]}")
  python3 - "$mode" "$sw" "$sc" "$sn" "$fw" "$fc" "$fn" <<'PY'
import sys
m, sw, sc, sn, fw, fc, fn = sys.argv[1:]
sw, sc, fw, fc = map(float, (sw, sc, fw, fc))
print(f"{m + ' wall':<22} {sw:10.2f} {fw:10.2f} {'':>10} {'':>10} {100 * (fw / sw - 1):+9.0f}%")
print(f"{m + ' cpu (user+sys)':<22} {sc:10.2f} {fc:10.2f} {sn + ' find':>10} {fn + ' find':>10} {100 * (fc / sc - 1):+9.0f}%")
PY
done
