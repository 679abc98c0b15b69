#!/usr/bin/env python3
"""Queued-audit benchmark (issue 19, docs/SCALE.md): one run over an inventory
of generated bare repositories (mirrors, as the Kubernetes workers scan them),
worked by 1, 2 and 4 `tokenhound audit work` processes against a local
PostgreSQL server, next to one `tokenhound audit --store sqlite` of the same inputs.

Repositories are written with `git fast-import`: SMALL repositories of 3 commits
(12 files, 2 fake tokens each, one shared by every 50th: sprawl) and LARGE ones
of 400 commits over 1,000 files with a fake token every 25 files.

Per configuration it prints: wall time, units/s, rows written (findings,
locations, run_findings, units), store size, the workers' peak RSS, and the time
of `tokenhound report --format json` over the store.

Usage: bench/audit_queue.py [path/to/tokenhound] [SMALL] [LARGE]
  (default target/release/tokenhound 2000 3). The server is started with
  .ci/postgres.sh unless TOKENHOUND_BENCH_PG names one (a postgresql:// URL whose
  database part is /postgres).
"""
import os, random, re, shutil, string, subprocess, sys, tempfile, time, zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
UNIT_MS = []
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ghp(rng):
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    n, out = zlib.crc32(body.encode()), ""
    while n:
        out = B62[n % 62] + out
        n //= 62
    return "ghp_" + body + out.rjust(6, "0")


def fast_import(path, commits):
    """A bare repository at `path` from [(message, {file: text or None})]."""
    subprocess.run(["git", "init", "-q", "--bare", path], check=True)
    out = []
    mark = 0
    for i, (msg, files) in enumerate(commits):
        mark += 1
        data = msg.encode()
        out.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        out.append(b"committer Fake Dev <fake@example.test> %d +0000\n" % (1700000000 + i * 60))
        out.append(b"data %d\n%s\n" % (len(data), data))
        if i:
            out.append(b"from :%d\n" % (mark - 1))
        for name, text in files.items():
            if text is None:
                out.append(b"D %s\n" % name.encode())
            else:
                blob = text.encode()
                out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(blob), blob))
    subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input=b"".join(out), check=True)
    subprocess.run(["git", "-C", path, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)


def small_repo(path, rng, i, shared):
    files = {f"src/module{j}.py": f"# module {j} of repo {i}\n" + "x = 1\n" * 40 for j in range(10)}
    files["README.md"] = f"# repo {i}\n"
    files["settings.py"] = f"TOKEN = '{ghp(rng)}'  # fake, removed later\n"
    second = {"settings.py": "import os\nTOKEN = os.environ['TOKEN']\n",
              "deploy.env": f"DEPLOY_TOKEN={ghp(rng)}\n" + (f"SHARED={shared}\n" if i % 50 == 0 else "")}
    third = {f"src/module{j}.py": f"# module {j} of repo {i}, edited\n" + "y = 2\n" * 40 for j in range(3)}
    fast_import(path, [("initial", files), ("token from env", second), ("edit", third)])


def large_repo(path, rng, i):
    commits = []
    for c in range(400):
        files = {}
        for j in range(c * 5 % 1000, c * 5 % 1000 + 25):
            body = f"// file {j} rev {c} of large repo {i}\n" + "let value = compute(input);\n" * 60
            if j % 25 == 0:
                body += f"const FAKE_TOKEN = \"{ghp(rng)}\";\n"
            files[f"pkg{j // 100}/file{j}.rs"] = body
        commits.append((f"change {c}", files))
    fast_import(path, commits)


def psql(url, sql):
    return subprocess.run(["psql", "-qtA", url, "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


def timed_children(cmds):
    """Starts every command at once; returns wall seconds and the peak RSS (MB) of
    the largest child; the workers' per-unit times go to UNIT_MS."""
    t = time.perf_counter()
    logs = [tempfile.TemporaryFile() for _ in cmds]  # not pipes: a full pipe would stall a worker
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=log) for c, log in zip(cmds, logs)]
    peak = 0
    for p, log in zip(procs, logs):
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        err = log.read().decode(errors="replace")
        for m in re.finditer(r"scan (\d+) ms, record (\d+) ms", err):
            UNIT_MS.append((int(m.group(1)), int(m.group(2))))
        if p.returncode not in (0, 1):
            sys.exit(f"{cmds[0][:4]} failed ({p.returncode}): {err[-2000:]}")
        peak = max(peak, ru.ru_maxrss / 1024)
    return time.perf_counter() - t, peak


def main():
    th = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/tokenhound"))
    small = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rng = random.Random(19)
    work = tempfile.mkdtemp(prefix="th-queue-bench-")
    pg_dir = None
    try:
        server = os.environ.get("TOKENHOUND_BENCH_PG")
        if not server:
            pg_dir = tempfile.mkdtemp(prefix="th-queue-pg-")  # the server's user must reach it
            server = subprocess.run(["bash", os.path.join(ROOT, ".ci/postgres.sh"), "start", pg_dir],
                                    capture_output=True, text=True, check=True).stdout.strip()
        t = time.perf_counter()
        shared = ghp(rng)
        inputs = []
        for i in range(large):
            p = os.path.join(work, "repos", f"large{i}.git")
            large_repo(p, rng, i)
            inputs.append(p)
        for i in range(small):
            p = os.path.join(work, "repos", f"small{i:05}.git")
            small_repo(p, rng, i, shared)
            inputs.append(p)
        # Large units first in the inventory: workers start on them, small units fill in.
        inventory = os.path.join(work, "inventory.tsv")
        with open(inventory, "w") as f:
            f.write("".join(f"{p}\tsize={'large' if 'large' in p else 'small'}\n" for p in inputs))
        du = subprocess.run(["du", "-sm", os.path.join(work, "repos")], capture_output=True, text=True).stdout.split()[0]
        print(f"inputs: {small} small + {large} large bare repositories, {du} MB, made in {time.perf_counter() - t:.0f} s")
        print(f"machine: {os.cpu_count()} cores (shared; timings are noisy, compare rows of one run)")
        print()
        print("| setup | wall s | units/s | findings | locations | run_findings | store MB | worker peak RSS MB | report s |")
        print("|---|---|---|---|---|---|---|---|---|")

        # One process, SQLite: the single-machine audit.
        store = os.path.join(work, "single.db")
        wall, rss = timed_children([[th, "audit", "--quiet", "--format", "json", "-o", os.devnull, "-j", "2",
                                     "--store", store] + inputs])
        import sqlite3
        c = sqlite3.connect(store)
        rows = [c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("findings", "locations", "run_findings")]
        c.close()
        size = sum(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work) if f.startswith("single.db")) / 1e6
        t = time.perf_counter()
        subprocess.run([th, "report", "--format", "json", "--store", store], stdout=subprocess.DEVNULL, check=True)
        rep = time.perf_counter() - t
        print(f"| audit --store sqlite, 1 process -j 2 | {wall:.1f} | {len(inputs) / wall:.1f} | {rows[0]} | {rows[1]} | {rows[2]} | {size:.1f} | {rss:.0f} | {rep:.2f} |")

        medians, tables = [], {}
        for workers in (1, 2, 4):
            db = f"th_bench_{workers}_{os.getpid()}"
            psql(server, f"CREATE DATABASE {db}")
            url = server.replace("/postgres?", f"/{db}?", 1)
            subprocess.run([th, "audit", "plan", "--store", url, "--run-id", "bench", inventory],
                           check=True, stderr=subprocess.DEVNULL)
            wall, rss = timed_children([[th, "audit", "work", "--store", url, "--run-id", "bench", "-j", "1"]
                                        for _ in range(workers)])
            rows = [int(psql(url, f"SELECT COUNT(*) FROM {t}")) for t in ("findings", "locations", "run_findings", "units")]
            done = int(psql(url, "SELECT COUNT(*) FROM units WHERE state = 'done'"))
            assert done == len(inputs), f"{done} of {len(inputs)} units done"
            size = int(psql(url, "SELECT pg_database_size(current_database())")) / 1e6
            tables[workers] = psql(url, "SELECT string_agg(relname || ' ' || pg_total_relation_size(relid) / 1024 || ' KiB', ', ' ORDER BY relname) FROM pg_stat_user_tables")
            t = time.perf_counter()
            subprocess.run([th, "report", "--format", "json", "--store", url], stdout=subprocess.DEVNULL, check=True)
            rep = time.perf_counter() - t
            per_unit = sorted(UNIT_MS)
            scan_ms = sorted(u[0] for u in UNIT_MS)
            record_ms = sorted(u[1] for u in UNIT_MS)
            medians.append((workers, scan_ms[len(scan_ms) // 2], record_ms[len(record_ms) // 2],
                            scan_ms[-1], record_ms[-1], len(per_unit)))
            UNIT_MS.clear()
            print(f"| audit work, {workers} worker{'s' if workers > 1 else ''} -j 1, PostgreSQL | {wall:.1f} | {len(inputs) / wall:.1f} | {rows[0]} | {rows[1]} | {rows[2]} (+{rows[3]} units) | {size:.1f} | {rss:.0f} | {rep:.2f} |")
        print()
        print("per unit, as the workers log it (median / max ms):")
        for w, sm, rm, sx, rx, n in medians:
            print(f"  {w} worker(s): scan {sm} / {sx}, record {rm} / {rx} over {n} units")
        print(f"tables (with indexes and TOAST), 4 workers' store: {tables[4]}")
    finally:
        if pg_dir:
            subprocess.run(["bash", os.path.join(ROOT, ".ci/postgres.sh"), "stop", pg_dir], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
