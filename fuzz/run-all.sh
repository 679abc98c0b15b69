#!/usr/bin/env bash
# Queue driver: fuzzes each target for $FUZZ_SECONDS (600) under /usr/bin/time -v,
# never more runs at once than the integer in $FUZZ_JOBS_FILE (/work/fuzz-jobs;
# absent = 1; 0 = pause), re-read before each launch and every 10 s.
#
#   fuzz/run-all.sh                 # every target (cargo fuzz list)
#   fuzz/run-all.sh engine archive  # these targets
#   echo archive >> /work/fuzz-logs/queue   # add a (re-)run while it is going
#
# Logs: $FUZZ_LOG_DIR/<target>.log (/work/fuzz-logs); an earlier log of the
# same target is kept as <target>.<n>.log.
set -uo pipefail
cd "$(dirname "$0")"
SECS=${FUZZ_SECONDS:-600}
JOBS_FILE=${FUZZ_JOBS_FILE:-/work/fuzz-jobs}
LOGS=${FUZZ_LOG_DIR:-/work/fuzz-logs}
QUEUE=$LOGS/queue
mkdir -p "$LOGS"
[ -e "$JOBS_FILE" ] || echo 2 > "$JOBS_FILE"

allowed() {
  local n
  n=$(tr -dc '0-9' < "$JOBS_FILE" 2>/dev/null)
  if [ ! -e "$JOBS_FILE" ] || [ -z "$n" ]; then n=1; fi
  echo "$n"
}

echo "[$(date +%T)] building all targets"
cargo +nightly fuzz build || { echo "build failed"; exit 1; }
[ -f seed-corpus.sh ] && ./seed-corpus.sh > "$LOGS/seed.log" 2>&1

if [ $# -gt 0 ]; then printf '%s\n' "$@" >> "$QUEUE"
elif [ ! -s "$QUEUE" ]; then cargo +nightly fuzz list >> "$QUEUE"; fi

declare -A RUNNING=()   # pid -> target
reap() {
  local pid
  for pid in "${!RUNNING[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"; echo "[$(date +%T)] done ${RUNNING[$pid]} (exit $?)"
      unset "RUNNING[$pid]"
    fi
  done
}
pop() { # first line of the queue, removed from it
  local t; t=$(head -n1 "$QUEUE" 2>/dev/null); [ -n "$t" ] || return 1
  sed -i 1d "$QUEUE"; echo "$t"
}

while :; do
  reap
  if [ ! -s "$QUEUE" ]; then
    [ ${#RUNNING[@]} -eq 0 ] && break
    sleep 10; continue
  fi
  if [ ${#RUNNING[@]} -ge "$(allowed)" ]; then sleep 10; continue; fi
  t=$(pop) || continue
  log=$LOGS/$t.log
  if [ -e "$log" ]; then i=1; while [ -e "$LOGS/$t.$i.log" ]; do i=$((i+1)); done; mv "$log" "$LOGS/$t.$i.log"; fi
  mkdir -p "corpus/$t"
  echo "[$(date +%T)] start $t (${SECS}s; running ${#RUNNING[@]}, allowed $(allowed))"
  /usr/bin/time -v cargo +nightly fuzz run "$t" -- -max_total_time="$SECS" -timeout=10 \
    -rss_limit_mb=2048 -report_slow_units=1 -print_final_stats=1 > "$log" 2>&1 &
  RUNNING[$!]=$t
done
echo "[$(date +%T)] queue empty"
