#!/usr/bin/env python3
"""History scan at the limit of the object store (issue 20), in one run.

On a large real history (rails/rails as shared/scripts/make-rails.sh makes it:
branches + tags, 118,770 commits, 228,190 blobs, 4.57 GB of blob data) and on the
small generated repository of git_history.py, times in turn, round after round:

  - tokenhound git (this build) and, with --reference-bin, an earlier build;
  - gitleaks (git --log-opts=--all) and Kingfisher (scan --no-validate), offline;
  - the floor: `git cat-file --batch-all-objects --batch --unordered > /dev/null`,
    every object inflated once by git on one thread.

It prints each tool's best wall time, its CPU time (user + system, children
included) and peak RSS, the ratios the issue asks for (tokenhound / floor,
tokenhound / gitleaks, tokenhound / Kingfisher), tokenhound's walk_ms/scan_ms, and
checks that tokenhound's findings on each repository are identical to the
reference build's: same fingerprints, paths, lines, first commits, blob ids,
counts, in_head, in the same order.

    python3 bench/git_rails.py --reference-bin /path/to/old/tokenhound
    python3 bench/git_rails.py --runs 3 --threads 2 --rails /work/peerbench/rails.git
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import git_history  # noqa: E402  (timed, find_peer, the small repository)


def shell_timed(cmd):
    """`cmd` through sh (for the floor's redirection), under /usr/bin/time -v."""
    return git_history.timed(["sh", "-c", cmd])


def findings_key(path):
    """What must not change between builds, finding by finding, in order."""
    with open(path) as f:
        doc = json.load(f)
    out = []
    for f in doc["findings"]:
        g = f.get("git") or {}
        out.append((f["fingerprint"], f["path"], f["line"], f["column"], g.get("commit"),
                    g.get("blob_id"), g.get("commits"), g.get("blobs"), g.get("paths"),
                    g.get("in_head")))
    return out, doc["stats"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rails", default="/work/peerbench/rails.git")
    ap.add_argument("--small", default=os.path.join(HERE, ".cache", "history-repo"))
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "tokenhound"))
    ap.add_argument("--reference-bin", help="an earlier tokenhound build whose findings must be identical")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--runs", type=int, default=2, help="rounds (best wall time kept)")
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.small, ".git", "tokenhound-bench.json")):
        subprocess.run([sys.executable, os.path.join(HERE, "git_history.py"), "--only-generate",
                        "--repo", args.small], check=True)
    out = tempfile.mkdtemp(prefix="th-bench-")
    repos = [("rails", args.rails), ("small", args.small)]
    repos = [(n, p) for n, p in repos if os.path.exists(p)]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.threads} threads")
    gl = None if args.no_peers else git_history.find_peer("gitleaks")
    kf = None if args.no_peers else git_history.find_peer("kingfisher")
    for name, repo in repos:
        tools = []
        for label, binary in [("tokenhound", args.binary), ("reference", args.reference_bin)]:
            if binary:
                report = os.path.join(out, f"{name}-{label}.json")
                tools.append((label, [binary, "git", repo, "-j", str(args.threads), "--format", "json",
                                      "-o", report], report))
        tools.append(("cat-file floor", None, f"git -C '{repo}' cat-file --batch-all-objects --batch --unordered > /dev/null"))
        if gl:
            tools.append(("gitleaks", [gl, "git", repo, "--no-banner", "--log-level", "error", "--exit-code", "0",
                                       "--log-opts=--all", "-f", "json", "-r", os.path.join(out, f"{name}-gl.json")],
                          None))
        if kf:
            tools.append(("kingfisher", [kf, "scan", repo, "--no-validate", "--no-update-check", "--format", "json",
                                         "-o", os.path.join(out, f"{name}-kf.json")], None))
        best = {}
        for _ in range(args.runs):
            for label, cmd, extra in tools:
                if cmd is None:
                    wall, cpu, rss, rc, err = shell_timed(extra)
                else:
                    wall, cpu, rss, rc, err = git_history.timed(cmd)
                if label in ("tokenhound", "reference") and rc not in (0, 1, 2):
                    print(err[-2000:])
                if label not in best or wall < best[label][0]:
                    best[label] = (wall, cpu, rss, rc)
        print(f"\n== {name}: {repo} (best of {args.runs}; load average now {os.getloadavg()[0]:.1f})")
        for label, (wall, cpu, rss, rc) in best.items():
            print(f"{label:15} wall {wall:7.2f} s  CPU {cpu:7.2f} s  peak RSS {rss:7.1f} MiB  exit {rc}")
        th = best["tokenhound"]
        keys, stats = findings_key(os.path.join(out, f"{name}-tokenhound.json"))
        g = stats["git"]
        print(f"tokenhound: {len(keys)} findings, {g['commits']} commits, {g['blobs']} blobs, "
              f"walk_ms {g['walk_ms']}, scan_ms {g['scan_ms']}, errors {len(stats['errors'])}")
        for label in ("cat-file floor", "gitleaks", "kingfisher", "reference"):
            if label in best:
                wall, cpu = best[label][0], best[label][1]
                print(f"tokenhound / {label}: {th[0] / wall:.2f}x wall, {th[1] / cpu:.2f}x CPU")
        if args.reference_bin:
            ref, _ = findings_key(os.path.join(out, f"{name}-reference.json"))
            same = ref == keys
            print(f"findings identical to the reference build: {'yes' if same else 'NO'} "
                  f"({len(keys)} vs {len(ref)})")
            if not same:
                a, b = set(keys), set(ref)
                for k in sorted(a - b)[:5]:
                    print("  only in this build:", k)
                for k in sorted(b - a)[:5]:
                    print("  only in the reference:", k)
                sys.exit(1)


if __name__ == "__main__":
    main()
