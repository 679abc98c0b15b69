#!/usr/bin/env bash
# Copies a few inputs from each fuzzed corpus into testdata/fuzz-regressions/<target>/
# for tests/fuzz_regressions.rs: the N largest corpus entries of at most MAX bytes
# (entries libFuzzer kept for new coverage; small enough to stay in git).
#   fuzz/keep-inputs.sh [target...]   (default: every corpus)
set -eu
cd "$(dirname "$0")"
N=${N:-5}; MAX=${MAX:-3072}
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=($(ls corpus))
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || continue
  out=../testdata/fuzz-regressions/$t; mkdir -p "$out"
  find "corpus/$t" -type f ! -name 'testdata_*' -size -$((MAX + 1))c -printf '%s %p\n' | sort -rn | head -n "$N" |
    while read -r _ f; do cp "$f" "$out/corpus-$(basename "$f" | cut -c1-16)"; done
done
du -sh ../testdata/fuzz-regressions
