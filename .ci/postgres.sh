#!/usr/bin/env bash
# A throwaway PostgreSQL server for the PostgreSQL store's tests and benchmark
# (issue 19): Debian's server binaries, a new cluster in DIR, listening on a Unix
# socket in DIR only (no TCP). As root the server runs as the `postgres` user.
#
#   .ci/postgres.sh start DIR   # prints the server's URL on stdout
#   .ci/postgres.sh stop DIR    # stops it and removes DIR
#
# Exits 3 when no PostgreSQL server binaries are installed.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

owner() {
  if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin=$(bindir) || { echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 3; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      echo "running as root and there is no postgres user to run the server as" >&2; exit 3
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    user=$(owner)
    as_owner "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Extra server settings for a benchmark: PG_SERVER_OPTS="-c shared_buffers=256MB".
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c max_connections=200 ${PG_SERVER_OPTS:-}" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=$user"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      bin=$(bindir) && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
