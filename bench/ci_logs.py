#!/usr/bin/env python3
"""CI-log benchmarks for tokenhound: `scan -` and `redact` throughput and peak RSS
on a synthetic GitHub Actions log, and the latency `redact` adds to each line.

    python3 bench/ci_logs.py all                 # 1 GB log, everything (docs/CI.md)
    python3 bench/ci_logs.py gen --size 1G --out /tmp/ci-1g.log
    python3 bench/ci_logs.py scan --log /tmp/ci-1g.log
    python3 bench/ci_logs.py redact --log /tmp/ci-1g.log
    python3 bench/ci_logs.py latency --lines 2000
    python3 bench/ci_logs.py longline --size 200M

The log looks like real runner output: every line has a `…1234567Z ` timestamp,
ANSI colour, `##[group]` markers, masked `***` values; a few hundred fake tokens
(valid checksums, obviously fake) are sprinkled in, some split by colour codes,
plus PEM keys across timestamped lines. The number of tokens planted is written
next to the log and compared with what the scan reports. Nothing leaves the machine.
"""
import argparse
import json
import os
import random
import re
import select
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_tokens as ft  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("TOKENHOUND", os.path.join(ROOT, "target", "release", "tokenhound"))

NOISE = [
    "\x1b[32m   Compiling\x1b[0m serde v1.0.{n} (/home/runner/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.{n})",
    "\x1b[36;1mnpm\x1b[0m \x1b[33mWARN\x1b[0m deprecated inflight@1.0.{n}: This module is not supported, and leaks memory",
    "tests/test_api.py::test_case_{n} \x1b[32mPASSED\x1b[0m                                   [ {p}%]",
    "  GITHUB_TOKEN: ***",
    "  AWS_SESSION_TOKEN: ***",
    "> Authorization: Bearer ***",
    "< HTTP/2 200 ",
    "< content-type: application/json; charset=utf-8",
    "[command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +{h}:refs/remotes/origin/main",
    "##[group]Run actions/checkout@v4",
    "##[endgroup]",
    "Downloading https://files.pythonhosted.org/packages/{h}/wheel-0.{n}.0-py3-none-any.whl (72 kB)",
    "\x1b[1m\x1b[31merror\x1b[0m\x1b[1m: unused variable: `x{n}`\x1b[0m",
    "Step {n}/42 : RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates",
    " ---> Using cache",
    " ---> {h12}",
    "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: actions/cache@v{n}",
    "make[2]: Entering directory '/home/runner/work/app/app/build/src/{n}'",
    "[{n}/913] \x1b[1mBuilding CXX object src/CMakeFiles/core.dir/engine_{n}.cpp.o\x1b[0m",
]


def stamp(i):
    s = i % 60
    m = (i // 60) % 60
    return f"2026-11-20T12:{m:02d}:{s:02d}.{(i * 7919) % 10_000_000:07d}Z "


def noise_block(rng, size):
    """~`size` bytes of timestamped runner output without secrets."""
    out, n, i = [], 0, rng.randrange(1 << 20)
    while n < size:
        t = rng.choice(NOISE).format(n=rng.randrange(1000), p=rng.randrange(100),
                                     h="%040x" % rng.getrandbits(160), h12="%012x" % rng.getrandbits(48))
        line = stamp(i) + t + "\n"
        out.append(line)
        n += len(line)
        i += 1
    return "".join(out).encode()


def token_lines(rng, i):
    """One planted secret, as the lines a leaky build step prints, and how many
    findings it should give."""
    kind = i % 8
    ts = stamp(i)
    if kind == 0:
        t = ft.github(rng)
        return f"{ts}export FAKE_TOKEN={t[:9]}\x1b[1;31m{t[9:20]}\x1b[0m{t[20:]}\n", 1
    if kind == 1:
        return f"{ts}> Authorization: token {ft.github(rng, 'ghs_')}\n", 1
    if kind == 2:
        return f"{ts}\x1b[33mSLACK_BOT_TOKEN\x1b[0m={ft.slack_bot(rng)}  # fake, for the benchmark\n", 1
    if kind == 3:
        return f"{ts}git remote set-url origin https://oauth2:{ft.glpat(rng)}@gitlab.example.test/fake.git\n", 1
    if kind == 4:
        t = ft.jwt(rng, {"iss": "https://auth.example.test", "sub": "fake", "exp": 1795000000, "iat": 1794996400})
        return f"{ts}curl -H 'Authorization: Bearer {t}' https://api.example.test\n", 1
    if kind == 5:
        return f"{ts}  AWS_ACCESS_KEY_ID: {ft.aws_key_id(rng)}\n", 1
    if kind == 6:
        return f"{ts}##[error]push failed for https://x-access-token:{ft.github(rng, 'ghs_')}@github.com/acme/fake\n", 1
    # A fake PEM private key echoed by `set -x; cat key.pem`, every line stamped.
    pem = ft.pem(rng, lines=8).split("\n")
    return "".join(f"{stamp(i + k)}{line}\n" for k, line in enumerate(pem)), 1


def parse_size(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s.upper())
    if not m:
        raise SystemExit(f"bad size {s}")
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


def generate(path, size, tokens, seed=7):
    rng = random.Random(seed)
    blocks = [noise_block(rng, 1 << 20) for _ in range(16)]
    nblocks = max(1, size // (1 << 20))
    every = max(1, nblocks // max(1, tokens))
    expected = 0
    with open(path, "wb") as f:
        for b in range(nblocks):
            f.write(blocks[rng.randrange(16)])
            if b % every == every // 2 and expected < tokens:
                text, n = token_lines(rng, expected)
                f.write(text.encode())
                expected += n
    with open(path + ".expected", "w") as f:
        json.dump({"findings": expected, "bytes": os.path.getsize(path)}, f)
    return expected


def timed(cmd, stdin_path, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time -v with the log fed through a pipe (`cat log |`,
    as a build's output arrives); returns (seconds, peak RSS MiB, exit code, stderr,
    CPU seconds of cmd)."""
    t0 = time.perf_counter()
    cat = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE)
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdin=cat.stdout, stdout=stdout, stderr=subprocess.PIPE)
    cat.stdout.close()
    cat.wait()
    dt = time.perf_counter() - t0
    err = p.stderr.decode(errors="replace")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", err).group(1)) for k in ("User", "System"))
    return dt, rss, p.returncode, err, cpu


def bench_scan(log):
    size = os.path.getsize(log)
    out = log + ".scan.jsonl"
    with open(out, "wb") as fo:
        dt, rss, rc, _, cpu = timed([BIN, "scan", "-", "--format", "jsonl"], log, stdout=fo)
    found = sum(1 for _ in open(out))
    exp = expected(log)
    print(f"scan -   : {size / dt / 1e6:7.0f} MB/s  ({size / 1e6:.0f} MB in {dt:.2f}s wall, {cpu:.2f}s CPU)"
          f"  peak RSS {rss:.1f} MiB  findings {found} (planted {exp})  exit {rc}")
    os.remove(out)
    return {"mb_s": size / dt / 1e6, "rss_mib": rss, "findings": found, "planted": exp}


def bench_redact(log):
    size = os.path.getsize(log)
    out = log + ".redacted"
    # Flush earlier runs' dirty pages first: their write-back would otherwise land
    # in this run's timing (1 GB of output per run).
    os.sync()
    with open(out, "wb") as fo:
        dt, rss, rc, err, cpu = timed([BIN, "redact"], log, stdout=fo)
    summary = [l for l in err.splitlines() if l.startswith("tokenhound redact")]
    n = 0
    with open(out, "rb") as f:
        for line in f:
            n += line.count(b"[REDACTED:")
    os.remove(out)
    print(f"redact   : {size / dt / 1e6:7.0f} MB/s  ({size / 1e6:.0f} MB in {dt:.2f}s wall, {cpu:.2f}s CPU)"
          f"  peak RSS {rss:.1f} MiB  redactions {n} (planted {expected(log)})  exit {rc}")
    for l in summary:
        print("           " + l)
    return {"mb_s": size / dt / 1e6, "rss_mib": rss, "redactions": n}


def expected(log):
    try:
        return json.load(open(log + ".expected"))["findings"]
    except OSError:
        return None


def bench_latency(lines, secret_every=10):
    """Writes one line at a time into `redact`, waits until it comes out, and
    measures the round trip; a direct `cat` pipe is measured the same way as the
    floor, so the added latency is the difference of the medians."""
    rng = random.Random(3)

    def run(cmd):
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        fd_out = p.stdout.fileno()
        samples = []
        buf = b""
        for i in range(lines):
            if i % secret_every == 0:
                body = f"export FAKE_TOKEN={ft.github(rng)} # fake"
            else:
                body = f"\x1b[32mok\x1b[0m step {i} compiled module_{i}.rs"
            line = (stamp(i) + body + "\n").encode()
            t0 = time.perf_counter()
            os.write(p.stdin.fileno(), line)
            while b"\n" not in buf:
                select.select([fd_out], [], [], 5)
                chunk = os.read(fd_out, 65536)
                if not chunk:
                    raise SystemExit(f"{cmd[0]} closed its output")
                buf += chunk
            samples.append((time.perf_counter() - t0) * 1000)
            buf = buf[buf.index(b"\n") + 1:]
        p.stdin.close()
        p.wait()
        return samples

    base = run(["cat"])
    red = run([BIN, "redact"])
    q = lambda s, x: statistics.quantiles(s, n=100)[x - 1]
    added = statistics.median(red) - statistics.median(base)
    print(f"latency  : redact median {statistics.median(red):.3f} ms, p99 {q(red, 99):.3f} ms; "
          f"cat median {statistics.median(base):.3f} ms; added median {added:.3f} ms ({lines} lines)")
    return {"median_ms": statistics.median(red), "p99_ms": q(red, 99), "cat_median_ms": statistics.median(base),
            "added_median_ms": added}


def bench_longline(size, path):
    """One line of `size` bytes (no newline at all) with a token in its middle."""
    rng = random.Random(5)
    tok = ft.github(rng)
    chunk = (b"abcdefghij0123456789 " * 50000)[: 1 << 20]
    with open(path, "wb") as f:
        n = size // len(chunk)
        for i in range(n):
            f.write(chunk)
            if i == n // 2:
                f.write(b" FAKE_TOKEN=" + tok.encode() + b" ")
    for name, cmd in [("scan -", [BIN, "scan", "-", "--format", "jsonl"]), ("redact", [BIN, "redact"])]:
        with open(path + ".out", "wb") as fo:
            dt, rss, rc, _, cpu = timed(cmd, path, stdout=fo)
        hits = open(path + ".out", "rb").read().count(b"github-pat-classic")
        print(f"longline : {name:7} {size / dt / 1e6:6.0f} MB/s ({cpu:.2f}s CPU), peak RSS {rss:.1f} MiB, "
              f"token reported/redacted {hits}x, exit {rc}")
        os.remove(path + ".out")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["gen", "scan", "redact", "latency", "longline", "all"])
    ap.add_argument("--size", default="1G")
    ap.add_argument("--tokens", type=int, default=300)
    ap.add_argument("--out", "--log", dest="log", default="/tmp/tokenhound-ci-bench.log")
    ap.add_argument("--lines", type=int, default=2000)
    a = ap.parse_args()
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: run `cargo build --release` first")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if a.what in ("gen", "all"):
        t0 = time.time()
        n = generate(a.log, parse_size(a.size), a.tokens)
        print(f"generated {a.log}: {os.path.getsize(a.log) / 1e6:.0f} MB, {n} planted secrets, {time.time() - t0:.0f}s")
    if a.what in ("scan", "all"):
        bench_scan(a.log)
    if a.what in ("redact", "all"):
        bench_redact(a.log)
    if a.what in ("latency", "all"):
        bench_latency(a.lines)
    if a.what in ("longline", "all"):
        bench_longline(parse_size("200M") if a.what == "all" else parse_size(a.size), a.log + ".longline")
        os.remove(a.log + ".longline")


if __name__ == "__main__":
    main()
