#!/usr/bin/env python3
"""Adversarial history benchmark for `tokenhound git` (issue 10).

Builds, with `git fast-import`, one repository holding what the CI tests can only
hold in miniature:

- a huge loop-free history: 100,000 commits, each editing one of 1,000 small
  files (a few fake tokens added and later removed);
- one 1 GiB text blob (a fake token on its last line), committed once;
- 100,000 refs (branches written to packed-refs, spread over the history).

Then times `tokenhound git` on it under `/usr/bin/time -v` (wall, CPU, peak RSS):
with the default `--max-file-size` (64 MiB: the 1 GiB blob is skipped from its
object header, never inflated) and with `--max-file-size 2G` (the blob is read
and scanned). Every token is random, fake and labelled so (see fake_tokens.py).

    python3 bench/git_adversarial.py                       # generate (cached) + time
    python3 bench/git_adversarial.py --commits 5000 --blob-mib 64 --refs 5000   # quick
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fake_tokens  # noqa: E402

ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")


def generate(repo, commits, files, blob_mib, refs, seed):
    rng = random.Random(seed)
    os.makedirs(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True, env=ENV)
    fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, env=ENV,
                          stdin=subprocess.PIPE)
    w = fi.stdin

    def data(b):
        w.write(b"data %d\n" % len(b))
        w.write(b)
        w.write(b"\n")

    contents = {}
    tokens_at = set(rng.sample(range(commits), 20))
    t0 = 1_500_000_000
    blob_at = commits // 2
    for c in range(commits):
        w.write(b"commit refs/heads/main\n")
        w.write(b"mark :%d\n" % (c + 1))
        w.write(b"committer Fake Dev <fake@example.test> %d +0000\n" % (t0 + c * 60))
        data(b"commit %d" % c)
        if c > 0:
            w.write(b"from :%d\n" % c)
        path = "src/m%04d.txt" % rng.randrange(files)
        lines = contents.get(path, [])
        lines = (lines + ["value %d = %d" % (c, rng.randrange(10**9))])[-40:]
        if c in tokens_at:
            lines.append("# fake token for a benchmark: GITHUB_TOKEN=%s" % fake_tokens.github(rng))
        contents[path] = lines
        body = ("\n".join(lines) + "\n").encode()
        w.write(b"M 100644 inline %s\n" % path.encode())
        data(body)
        if c == blob_at and blob_mib > 0:
            size = blob_mib << 20
            line = b"a line of a very large generated file, nothing secret in it at all..\n"
            tail = ("# fake token for a benchmark: GITHUB_TOKEN=%s\n"
                    % fake_tokens.github(rng)).encode()
            w.write(b"M 100644 inline huge/one-gigabyte.txt\n")
            w.write(b"data %d\n" % size)
            chunk = line * ((1 << 20) // len(line))
            left = size - len(tail)
            while left > 0:
                piece = chunk[:left]
                w.write(piece)
                left -= len(piece)
            w.write(tail)
            w.write(b"\n")
    w.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    ids = subprocess.run(["git", "rev-list", "--max-count", "5000", "main"], cwd=repo,
                         env=ENV, capture_output=True, text=True, check=True).stdout.split()
    lines = sorted("%s refs/heads/r/%06d\n" % (ids[i % len(ids)], i) for i in range(refs))
    with open(os.path.join(repo, ".git", "packed-refs"), "a") as f:
        f.write("# pack-refs with: peeled fully-peeled sorted \n")
        f.writelines(lines)


def timed(cmd, cwd):
    """(wall s, CPU s, peak RSS MiB, exit code, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    return wall, cpu, rss, p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", default="/tmp/th-adversarial")
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=1_000)
    ap.add_argument("--blob-mib", type=int, default=1024)
    ap.add_argument("--refs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "tokenhound"))
    ap.add_argument("--only-generate", action="store_true")
    a = ap.parse_args()
    key = f"{a.commits}-{a.files}-{a.blob_mib}-{a.refs}-{a.seed}"
    stamp = os.path.join(a.repo, ".git", "th-bench-key")
    if not (os.path.exists(stamp) and open(stamp).read() == key):
        subprocess.run(["rm", "-rf", a.repo], check=True)
        t = time.perf_counter()
        generate(a.repo, a.commits, a.files, a.blob_mib, a.refs, a.seed)
        open(stamp, "w").write(key)
        print(f"generated {a.repo} in {time.perf_counter() - t:.1f}s")
    size = subprocess.run(["du", "-sh", os.path.join(a.repo, ".git")], capture_output=True,
                          text=True).stdout.split()[0]
    print(f"repository: {a.commits} commits, {a.files} files, {a.blob_mib} MiB blob, "
          f"{a.refs} refs; .git is {size}")
    if a.only_generate:
        return
    for label, extra in [("default --max-file-size (64 MiB)", []),
                         ("--max-file-size 2G (blob scanned)", ["--max-file-size", "2G"])]:
        cmd = [a.bin, "git", a.repo, "--format", "json", "-q"] + extra
        wall, cpu, rss, code, out = timed(cmd, a.repo)
        doc = json.loads(out)
        g = doc["stats"]["git"]
        print(f"{label}: {wall:.2f}s wall, {cpu:.2f}s CPU, peak RSS {rss:.0f} MiB, exit {code}; "
              f"commits {g['commits']}, blobs {g['blobs']}, scanned {g['blobs_scanned']}, "
              f"too large {g['too_large_skipped']}, findings {len(doc['findings'])}, "
              f"errors {len(doc['stats']['errors'])}, skipped {len(doc['stats']['skipped'])}")
        print("  command: " + " ".join(["/usr/bin/time", "-v"] + cmd))


if __name__ == "__main__":
    main()
