#!/usr/bin/env python3
"""Scores tokenhound on creddata-dev with a dev / validation split by repository.

    python3 bench/creddata.py [--tokenhound BIN] [--findings FILE] [--min-confidence LEVEL]
                              [--category] [--by-rule] [--by-confidence]
                              [--detail fp|miss|unlabelled] [--split dev|validation|all] [--limit N]

The corpus (../shared/corpora/creddata-dev, or $CREDDATA) is CredData's labelled lines from 149
repositories. Rules, filters and the confidence scorer are tuned on the **dev** split only; the
**validation** split is looked at only through its totals, to see whether a change generalises
(a gain on dev that does not show on validation is fitting, not progress).

Split: a repository is in validation when int(sha256("tokenhound-split-v1:" + RepoID)[:8], 16) % 5 == 0
(39 of 149 repositories, ~29% of the labelled positives); every other repository is dev. The split
is by repository, so the files, conventions and authors of a validation repository are never seen
while tuning.

Scoring is score.py's (the corpus's own scorer), restricted to the units of a split: a label unit is
(file, LineStart, LineEnd), positive when any of its rows is T; a unit is found when a finding's line
lies in it; reported lines in no unit are "unlabelled" and kept out of precision. With no split
restriction the totals equal `python3 score.py` on the same findings.

Without --findings the script runs `tokenhound scan data --format json --show-secrets --no-ignore
--min-confidence low` from the corpus folder, then scores each confidence threshold from the
findings' `confidence` key (high / medium / low), so one scan shows what every threshold gives.
--detail prints the listed units with the line's text (dev split unless --split says otherwise).
"""
import argparse
import collections
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CREDDATA", REPO.parent / "shared" / "corpora" / "creddata-dev"))
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpora/creddata-dev")
LEVELS = {"low": 0, "medium": 1, "high": 2}


def split_of(repo_id):
    h = int(hashlib.sha256(f"tokenhound-split-v1:{repo_id}".encode()).hexdigest()[:8], 16)
    return "validation" if h % 5 == 0 else "dev"


def load_units(corpus):
    rows = collections.defaultdict(list)
    for fn in sorted(os.listdir(corpus / "meta")):
        if not fn.endswith(".csv"):
            continue
        with open(corpus / "meta" / fn, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                rows[(r["FilePath"], int(r["LineStart"]), int(r["LineEnd"]))].append((r["GroundTruth"], r["Category"]))
    units = {}
    for key, rs in rows.items():
        pos = any(gt == "T" for gt, _ in rs)
        cats = set()
        for gt, cat in rs:
            if (gt == "T") == pos:
                cats.update(cat.split(":"))
        kind = "T" if pos else ("F" if any(gt == "F" for gt, _ in rs) else "X")
        units[key] = dict(pos=pos, kind=kind, cats=cats, split=split_of(key[0].split("/")[1]))
    return units


def load_findings(path):
    doc = json.load(open(path))
    items = doc["findings"] if isinstance(doc, dict) else doc
    return items


def norm(p):
    while p.startswith("./"):
        p = p[2:]
    return p if p.startswith("data/") else "data/" + p


class Scorer:
    def __init__(self, units):
        self.units = units
        self.cover = collections.defaultdict(lambda: collections.defaultdict(list))
        for key in units:
            for ln in range(key[1], key[2] + 1):
                self.cover[key[0]][ln].append(key)

    def score(self, findings, split="all"):
        """(tp, fp, fn, unlabelled, found: unit -> [findings], unl: (path, line) -> [findings])."""
        found = collections.defaultdict(list)
        unl = collections.defaultdict(list)
        for f in findings:
            p = norm(f["path"])
            s = split_of(p.split("/")[1]) if p.count("/") >= 2 else "dev"
            if split != "all" and s != split:
                continue
            keys = self.cover.get(p, {}).get(f["line"])
            if keys:
                for k in keys:
                    found[k].append(f)
            else:
                unl[(p, f["line"])].append(f)
        units = {k: u for k, u in self.units.items() if split == "all" or u["split"] == split}
        tp = sum(1 for k in found if units[k]["pos"])
        fp = sum(1 for k in found if not units[k]["pos"])
        fn = sum(1 for u in units.values() if u["pos"]) - tp
        return tp, fp, fn, len(unl), found, unl, units


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def line_text(path, line):
    try:
        with open(CORPUS / path, encoding="utf-8", errors="replace") as f:
            for i, l in enumerate(f, 1):
                if i == line:
                    return l.rstrip("\n")
    except OSError:
        pass
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenhound", default=str(REPO / "target" / "release" / "tokenhound"))
    ap.add_argument("--findings")
    ap.add_argument("--min-confidence", default=None, choices=list(LEVELS))
    ap.add_argument("--category", action="store_true")
    ap.add_argument("--by-rule", action="store_true")
    ap.add_argument("--by-confidence", action="store_true")
    ap.add_argument("--detail", choices=["fp", "miss", "unlabelled", "tp"])
    ap.add_argument("--split", default="dev", choices=["dev", "validation", "all"])
    ap.add_argument("--rule", help="with --detail: only findings of this rule")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()

    if a.findings:
        findings = load_findings(a.findings)
    else:
        out = tempfile.mktemp(suffix=".json")
        cmd = [a.tokenhound, "scan", "data", "--format", "json", "--show-secrets", "--no-ignore", "-q",
               "--min-confidence", "low", "-o", out]
        r = subprocess.run(cmd, cwd=CORPUS, stderr=subprocess.PIPE)
        if r.returncode not in (0, 1):
            sys.exit(f"tokenhound failed: {r.stderr.decode()[-2000:]}")
        findings = load_findings(out)
        print(f"findings: {out}", file=sys.stderr)
    has_conf = any("confidence" in f for f in findings)
    if a.min_confidence and has_conf:
        findings = [f for f in findings if LEVELS[f.get("confidence", "high")] >= LEVELS[a.min_confidence]]
    sc = Scorer(load_units(CORPUS))

    thresholds = ["low", "medium", "high"] if has_conf and not a.min_confidence else [None]
    print(f"{'threshold':10} {'split':11} {'TP':>5} {'FP':>5} {'FN':>5} {'unl':>4}  {'P':>5} {'R':>5} {'F1':>5}")
    for t in thresholds:
        fs = findings if t is None else [f for f in findings if LEVELS[f["confidence"]] >= LEVELS[t]]
        for split in ("all", "dev", "validation"):
            tp, fp, fn, unl, *_ = sc.score(fs, split)
            p, r, f1 = prf(tp, fp, fn)
            print(f"{t or a.min_confidence or '-':10} {split:11} {tp:5} {fp:5} {fn:5} {unl:4}  {p:.3f} {r:.3f} {f1:.3f}")

    default = [f for f in findings if LEVELS[f.get("confidence", "high")] >= LEVELS[a.min_confidence or "medium"]]
    if a.by_rule:
        tp, fp, fn, unl, found, unlab, units = sc.score(findings, a.split)
        per = collections.defaultdict(lambda: collections.Counter())
        for k, fs in found.items():
            for rid in {f["rule_id"] for f in fs}:
                lv = max((f.get("confidence", "high") for f in fs if f["rule_id"] == rid), key=LEVELS.get)
                per[rid][("T" if units[k]["pos"] else "F") + lv[0]] += 1
        print(f"\nper rule on {a.split} (T/F per confidence h/m/l, all findings):")
        for rid, c in sorted(per.items(), key=lambda x: -sum(x[1].values())):
            print(f"  {rid:34} " + " ".join(f"{k}:{v}" for k, v in sorted(c.items())))
    if a.category:
        tp, fp, fn, unl, found, unlab, units = sc.score(default, a.split)
        stats = collections.defaultdict(lambda: [0, 0, 0, 0])
        for k, u in units.items():
            for c in u["cats"]:
                s = stats[c]
                s[0 if u["pos"] else 1] += 1
                if k in found:
                    s[2 if u["pos"] else 3] += 1
        print(f"\n{'category':36} {'pos':>5} {'neg':>5} {'TP':>5} {'FP':>5} {'recall':>6} {'prec':>5}")
        for c, s in sorted(stats.items(), key=lambda x: (-x[1][0], -x[1][1], x[0])):
            rc = f"{s[2] / s[0]:.3f}" if s[0] else "-"
            pc = f"{s[2] / (s[2] + s[3]):.3f}" if s[2] + s[3] else "-"
            print(f"{c[:36]:36} {s[0]:5} {s[1]:5} {s[2]:5} {s[3]:5} {rc:>6} {pc:>5}")
    if a.detail:
        base = findings if a.detail == "miss" else default
        tp, fp, fn, unl, found, unlab, units = sc.score(base, a.split)
        if a.detail in ("fp", "tp"):
            want_pos = a.detail == "tp"
            keys = sorted(k for k in found if units[k]["pos"] == want_pos
                          and (not a.rule or any(f["rule_id"] == a.rule for f in found[k])))
            items = [(k, found[k]) for k in keys]
        elif a.detail == "miss":
            # misses at the chosen threshold, with what lower-confidence findings said
            hit = set(sc.score(default, a.split)[4])
            keys = sorted(k for k, u in units.items() if u["pos"] and k not in hit)
            items = [(k, found.get(k, [])) for k in keys]
        else:
            items = sorted(unlab.items())
        lim = a.limit or None
        print(f"\n{a.detail} ({len(items)})")
        for k, fs in items[:lim]:
            path, line = k[0], k[1]
            u = units.get(k, {"kind": "-", "cats": set()}) if len(k) == 3 else {"kind": "-", "cats": set()}
            rules = ",".join(sorted({f"{f['rule_id']}[{f.get('confidence', '?')[0]}]" for f in fs}))
            reasons = ";".join(sorted({r for f in fs for r in f.get("confidence_reasons", [])}))
            print(f"{u['kind']} {path}:{line} {':'.join(sorted(u['cats']))} {rules} {reasons}")
            print(f"    {line_text(path, line)[:300]}")


if __name__ == "__main__":
    main()
