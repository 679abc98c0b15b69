#!/usr/bin/env python3
"""Audit-store benchmark: 100,000 findings recorded across 50 runs.

Each run scans a corpus of 100,000 distinct fake tokens (1,000 files of 100
lines); between runs 2% of the tokens are replaced (new/gone churn). Prints the
time per run (scan + record), the store size, and the time of
`tokenhound report --format json` over the final store.

Usage: bench/audit.py [path/to/tokenhound] [RUNS]
"""
import os, random, string, subprocess, sys, tempfile, time, zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits


def ghp(rng):
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    n, out = zlib.crc32(body.encode()), ""
    while n:
        out = B62[n % 62] + out
        n //= 62
    return "ghp_" + body + out.rjust(6, "0")


def main():
    th = sys.argv[1] if len(sys.argv) > 1 else "target/release/tokenhound"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rng = random.Random(9)
    tokens = [ghp(rng) for _ in range(100_000)]
    with tempfile.TemporaryDirectory() as d:
        data, store = os.path.join(d, "data"), os.path.join(d, "audit.db")
        os.makedirs(data)
        times = []
        for run in range(runs):
            if run:
                for i in rng.sample(range(len(tokens)), len(tokens) // 50):
                    tokens[i] = ghp(rng)
            for f in range(1000):
                with open(os.path.join(data, f"f{f:04}.env"), "w") as fh:
                    fh.write("".join(f"FAKE_TOKEN_{j} = {tokens[f * 100 + j]}\n" for j in range(100)))
            t = time.perf_counter()
            subprocess.run([th, "audit", "--quiet", "--format", "json", "--output", os.devnull, "--store", store, data],
                           check=False)
            times.append(time.perf_counter() - t)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.startswith("audit.db"))
        t = time.perf_counter()
        out = subprocess.run([th, "report", "--format", "json", "--store", store], capture_output=True, check=True)
        report_s = time.perf_counter() - t
        import json, shutil
        doc = json.loads(out.stdout)
        if os.environ.get("KEEP_STORE"):
            subprocess.run(["sqlite3", store, ".backup " + os.environ["KEEP_STORE"]], check=False) if shutil.which("sqlite3") else shutil.copy(store, os.environ["KEEP_STORE"])
    times.sort()
    print(f"{runs} runs x 100,000 findings ({len(doc['sprawl'])} in the last run, {len(doc['new'])} new, {len(doc['gone'])} gone)")
    print(f"time per run (scan + record): median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
    print(f"store size: {size / 1e6:.0f} MB")
    print(f"report --format json: {report_s:.2f} s")


if __name__ == "__main__":
    main()
