#!/usr/bin/env bash
# Adversarial text and filesystem inputs at full size (issue 10): the runs too big
# for `cargo test` in debug. Prints wall seconds, peak RSS and the exit code of
# the release binary on each, and checks that the planted tokens were found.
#
#   bench/adversarial.sh [DIR]      (default bench/out/adversarial; ~1.3 GB of disk)
#
# Cases: a 1 GiB single line through `scan -` (two tokens, no newline); 10 million
# tiny lines as a file and on stdin; 10 MB runs of token characters per rule
# family and decode layer; and one tree holding all the files plus a FIFO, NULs
# beside a token, UTF-16 LE/BE files, a non-UTF-8 file name and paths past
# PATH_MAX, scanned at once (exit 1: findings, with the PATH_MAX error listed).
# Peak RSS of a piped run is the largest process of the pipe (tokenhound). Runs
# happen outside the repository: its .tokenhoundignore lists the fake token.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
dir=${1:-$root/bench/out/adversarial}
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
th="$root/target/release/tokenhound"
mkdir -p "$dir"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run NAME CMD...: one line "NAME  seconds  peak-RSS-MiB  exit  findings".
run() {
  local name=$1
  shift
  local code=0
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/json" 2> /dev/null || code=$?
  read -r t m < <(tail -n 1 "$out/time")
  local n
  n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$out/json" 2> /dev/null || echo "?")
  printf '%-34s %7s s %7.1f MiB  exit %s  %s findings\n' "$name" "$t" "$(echo "$m / 1024" | bc -l)" "$code" "$n"
}

python3 - "$dir" << 'EOF'
import os, sys
d = sys.argv[1]
# The fake token of the unit tests (valid checksum; listed in .tokenhoundignore).
t = "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"
tree = os.path.join(d, "tree")
os.makedirs(tree, exist_ok=True)
N = 10 * 1000 * 1000
runs = {"a": "a", "ghp": "ghp_", "base64": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJz+/",
        "jwt": "eyJ", "jwt-dots": "eyJhbGciOi.", "equals": "=", "percent": "%", "percent-escape": "%41",
        "slack": "xoxb-1-", "json-escape": "\\u0041", "html-entity": "&amp;"}
for name, unit in runs.items():
    with open(os.path.join(tree, f"run-{name}.txt"), "w") as f:
        f.write(unit * (N // len(unit)) + "\n" + t + "\n")
with open(os.path.join(tree, "tiny-lines.txt"), "w") as f:
    f.write("a\n" * N + t + "\n")
with open(os.path.join(tree, "nul.txt"), "wb") as f:
    f.write(b"text line\n" * 1000 + b"\0\0" + t.encode() + b"\0\n")
for name, enc, bom in [("le.txt", "utf-16-le", b"\xff\xfe"), ("be.txt", "utf-16-be", b"\xfe\xff")]:
    with open(os.path.join(tree, name), "wb") as f:
        f.write(bom + ("line\r\n" * 100000 + "token " + t + "\r\n").encode(enc))
with open(os.path.join(tree.encode(), b"caf\xe9.env"), "w") as f:
    f.write(f"TOKEN={t}\n")
fifo = os.path.join(tree, "pipe")
if not os.path.exists(fifo):
    os.mkfifo(fifo)
# Past PATH_MAX: 25 levels of 200-byte names, made relative to an open directory.
fd = os.open(tree, os.O_RDONLY)
for _ in range(25):
    try:
        os.mkdir("d" * 200, dir_fd=fd)
    except FileExistsError:
        pass
    nfd = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.close(fd)
with open(os.path.join(d, "token"), "w") as f:
    f.write(t)
EOF
tok=$(cat "$dir/token")

echo "tokenhound $("$th" --version | cut -d' ' -f2), $(nproc) cores; release build"
run "tree (all of the below + FIFO, PATH_MAX)" "$th" scan "$dir/tree" --format json
for f in "$dir"/tree/*.txt; do
  run "$(basename "$f")" "$th" scan "$f" --format json
done
run "10M tiny lines on stdin" sh -c "cd '$dir' && '$th' scan - --format json < '$dir/tree/tiny-lines.txt'"
# 1 GB single line: 512 MiB, a token, 512 MiB, a token, streamed from python.
gen="import sys
w = sys.stdout.buffer
chunk = b'0123456789abcdefghij' * 52429
for i in range(2):
    for _ in range(512):
        w.write(chunk[:1 << 20])
    w.write(b' ' + sys.argv[1].encode() + b' ')"
run "1 GiB single line on stdin" sh -c "cd '$dir' && python3 -c \"$gen\" '$tok' | '$th' scan - --format json"
