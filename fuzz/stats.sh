#!/usr/bin/env bash
# Prints the README's results table from the queue's logs:
#   fuzz/stats.sh [/work/fuzz-logs]
# Per target, the latest log (<target>.log); earlier runs (<target>.<n>.log,
# stopped by a crash) are counted in the "findings" column.
set -uo pipefail
LOGS=${1:-/work/fuzz-logs}
cd "$(dirname "$0")"
echo "| target | fuzz s | execs | exec/s | cov | ft | corpus (files/size) | peak RSS MB (libFuzzer) | max RSS MB (time -v) | slowest unit s | result |"
echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"
for log in $(ls "$LOGS"/*.log | grep -vE '/(driver|seed)\.log$|\.[0-9]+\.log$' | sort); do
  t=$(basename "$log" .log)
  stat() { grep -a "^stat::$1:" "$log" | tail -n1 | awk '{print $2}'; }
  last=$(grep -aE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|DONE|INITED)' "$log" | tail -n1)
  cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.*corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -n1)
  rss=$(grep -a 'Maximum resident set size' "$log" | tail -n1 | awk '{printf "%d", $NF/1024}')
  slow=$(stat slowest_unit_time_sec)
  prev=$(ls "$LOGS/$t".[0-9]*.log 2>/dev/null | wc -l)
  if grep -aqE '^SUMMARY: libFuzzer: (timeout|out-of-memory|deadly signal)|^==[0-9]+== ?ERROR: libFuzzer|^==[0-9]+==ERROR: AddressSanitizer|panicked at' "$log"; then
    res="**crash/timeout/OOM** ($(grep -aoE 'libFuzzer: [a-z -]+|panicked at [^:]+:[0-9]+' "$log" | head -n1))"
  elif [ -n "$secs" ]; then res="clean"; else res="running/incomplete"; fi
  [ "$prev" -gt 0 ] && res="$res; $prev earlier run(s) stopped by a finding"
  echo "| $t | ${secs:-?} | $(stat number_of_executed_units) | $(stat average_exec_per_sec) | $cov | $ft | $corp | $(stat peak_rss_mb) | ${rss:-?} | ${slow:-?} | $res |"
done
