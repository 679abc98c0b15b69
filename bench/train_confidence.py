#!/usr/bin/env python3
"""Trains the confidence model's weights (src/enrich/confidence_weights.toml) on creddata-dev's dev split.

    python3 bench/train_confidence.py [--tokenhound BIN] [--findings FILE] [--write] [--target-precision P]

1. Scans creddata-dev with `--min-confidence low`, so every finding carries its features in
   `confidence_reasons` (the features are computed in Rust, src/enrich/confidence.rs; this script only
   weighs them). Findings whose reason is `validated:*` (a checksum or structure passed) are `high`
   whatever the model says and are left out of training.
2. Labels each finding by the CredData unit its line lies in (positive when any row of the unit is T);
   findings on unlabelled lines are left out. Only the **dev** split (bench/creddata.py: repositories
   with sha256("tokenhound-split-v1:" + RepoID) % 5 != 0) is used to fit weights and pick thresholds.
3. Fits an L2-regularised logistic regression over the binary features (plain Python, deterministic
   SGD: fixed seed, fixed epochs), then picks the `medium` threshold as the lowest score at which the
   dev split's line-level precision (score.py's measure) is at least --target-precision, and the
   `high` threshold where it reaches --high-precision.
4. Prints dev and validation figures at those thresholds (validation is never used to fit or choose
   anything: it shows whether the model generalises) and, with --write, writes the weights file.

Retrain after changing features in src/enrich/confidence.rs or rules that feed the model:
    cargo build --release && python3 bench/train_confidence.py --write && cargo build --release
then check with `python3 bench/creddata.py`.
"""
import argparse
import collections
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import creddata  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "src" / "enrich" / "confidence_weights.toml"


# Kept verbatim above the [prior] table of the weights file.
PRIOR_DOC = """
# Set by hand, not learned, because creddata-dev cannot show them (CredData renames every file
# to <FileID><ext>, so a file's name never reaches the model): the trainer keeps these fixed and fits
# the other weights around them. file:credentials is a file whose purpose is to hold credentials
# (.netrc, .git-credentials, .pgpass, .htpasswd, shadow, sftp-config.json, .env, ...: the list is
# CREDENTIAL_FILES in src/enrich/confidence.rs): any password there, weak or not, is the one in use.
# weak@credentials / words@credentials / hash@credentials cancel what a weak, dictionary or
# hashed value says elsewhere. rule:specific is every rule that knows a token's format or its place
# (provider rules, URL userinfo, Authorization headers; priority >= -1): their own filters were what kept
# precision before the model, and creddata-dev's labels (which call weak or dictionary passwords in
# URLs and docs test values) would otherwise override them; the model only pulls such a finding down
# on strong evidence (a locale file, prose, a well-known test value in a test).
# weak@test / weak@doc / weak@example / weak@plain / words@test / words@doc /
# words@example / words@plain / value:space-words (negative) and url:public-host
# (positive) are set by hand for the same reason: CredData replaces every True value with random
# characters, so in creddata-dev a well-known weak password, a dictionary word or prose is never a True
# value and a True URL password is never weak; the data cannot say how much a weak or worded value in a
# test, a doc or a sentence is a stand-in (the noise of a framework's history: `password: 'secret'` in
# tests, `:secret => 'in the sauce'`, example passwords in guides), nor that credentials in a URL that
# names a host on the internet (not localhost, *.test, example.*) open that host whatever they look like.
"""


def scan(binary):
    out = tempfile.mktemp(suffix=".json")
    cmd = [binary, "scan", "data", "--format", "json", "--show-secrets", "--no-ignore", "-q",
           "--min-confidence", "low", "-o", out]
    r = subprocess.run(cmd, cwd=creddata.CORPUS, stderr=subprocess.PIPE)
    if r.returncode not in (0, 1):
        sys.exit(f"tokenhound failed: {r.stderr.decode()[-2000:]}")
    return creddata.load_findings(out)


def validated(f):
    return any(r.startswith("validated:") for r in f.get("confidence_reasons", []))


def fit(rows, l2, prior, epochs=60, lr=0.05, seed=1):
    """rows: [(features, label)]; prior: fixed weights added to the learned ones (not fitted).
    Returns (bias, {feature: learned weight})."""
    w = collections.defaultdict(float)
    b = 0.0
    rnd = random.Random(seed)
    order = list(range(len(rows)))
    n = len(rows)
    for ep in range(epochs):
        rnd.shuffle(order)
        step = lr / (1 + ep * 0.1)
        for i in order:
            feats, y = rows[i]
            z = b + sum(w[f] + prior.get(f, 0.0) for f in feats)
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            g = p - y
            b -= step * g
            for f in feats:
                if f not in prior:
                    w[f] -= step * (g + l2 * w[f] / n * len(feats))
    return b, dict(w)


def score_of(f, b, w, prior):
    return b + sum(w.get(r, 0.0) + prior.get(r, 0.0) for r in f.get("confidence_reasons", []))


def check_corpora(binary, baseline, threshold, b, w, prior):
    """The other corpora of bench/accuracy.py: this model at `threshold` beside `baseline`."""
    import accuracy
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, root_fn, scorer in accuracy.CORPUS_TABLE:
            root = root_fn()
            if not root.exists():
                continue
            out = os.path.join(tmp, corpus + ".json")
            subprocess.run([binary, "scan", "--no-ignore", "--format", "json", "-q", "--min-confidence", "low",
                            "-o", out, str(root)], stderr=subprocess.DEVNULL)
            fs = json.load(open(out))["findings"]
            kept = [(f["path"], f["line"]) for f in fs if validated(f) or score_of(f, b, w, prior) >= threshold]
            new = scorer(kept, root)
            old = scorer(accuracy.tokenhound(baseline)(root, os.path.join(tmp, corpus + "-base.json"))[0], root) \
                if baseline else None
            rows.append((corpus, new, old))
    print(f"{'corpus':22} {'this model: TP/pos FP':>24} {'baseline: TP/pos FP':>24}")
    for corpus, (tp, pos, fp), old in rows:
        o = f"{old[0]}/{old[1]} {old[2]}" if old else "-"
        print(f"{corpus:22} {f'{tp}/{pos} {fp}':>24} {o:>24}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenhound", default=str(REPO / "target" / "release" / "tokenhound"))
    ap.add_argument("--findings")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--target-precision", type=float, default=0.92)
    ap.add_argument("--high-precision", type=float, default=0.97)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--show-weights", action="store_true")
    ap.add_argument("--check-corpora", action="store_true",
                    help="also score the other corpora of bench/accuracy.py at the medium threshold")
    ap.add_argument("--baseline", help="a tokenhound build to show beside --check-corpora")
    a = ap.parse_args()

    findings = creddata.load_findings(a.findings) if a.findings else scan(a.tokenhound)
    sc = creddata.Scorer(creddata.load_units(creddata.CORPUS))
    units = sc.units

    def label(f):
        p = creddata.norm(f["path"])
        keys = sc.cover.get(p, {}).get(f["line"])
        if not keys:
            return None
        return 1 if any(units[k]["pos"] for k in keys) else 0

    def split(f):
        return creddata.split_of(creddata.norm(f["path"]).split("/")[1])

    rows = []
    for f in findings:
        if validated(f) or split(f) != "dev":
            continue
        y = label(f)
        if y is None:
            continue
        rows.append((tuple(f["confidence_reasons"]), y))
    pos = sum(y for _, y in rows)
    print(f"training rows (dev, not validated, labelled): {len(rows)} ({pos} positive)", file=sys.stderr)
    import tomllib
    prior = tomllib.loads(WEIGHTS.read_text()).get("prior", {}) if WEIGHTS.exists() else {}
    b, w = fit(rows, a.l2, prior)

    def at(threshold, spl):
        keep = [f for f in findings if validated(f) or score_of(f, b, w, prior) >= threshold]
        tp, fp, fn, unl, *_ = sc.score(keep, spl)
        return (tp, fp, fn, unl) + creddata.prf(tp, fp, fn)

    # Candidate thresholds: every distinct score on dev.
    cands = sorted({round(score_of(f, b, w, prior), 4) for f in findings
                    if not validated(f) and split(f) == "dev"})
    step = max(1, len(cands) // 400)
    cands = cands[::step]
    medium = high = None
    best = None
    for t in cands:
        tp, fp, fn, unl, p, r, f1 = at(t, "dev")
        if medium is None and p >= a.target_precision:
            medium = t
            best = (t, p, r, f1)
        if high is None and p >= a.high_precision:
            high = t
    if medium is None:
        sys.exit("no threshold reaches the target precision on dev")
    if high is None or high < medium:
        high = max(medium + 2.0, cands[-1])
    print(f"thresholds: medium {medium:.3f}  high {high:.3f}", file=sys.stderr)
    print(f"{'level':8} {'split':11} {'TP':>5} {'FP':>5} {'FN':>5} {'unl':>4}  {'P':>5} {'R':>5} {'F1':>5}")
    for name, t in (("medium", medium), ("high", high)):
        for spl in ("all", "dev", "validation"):
            tp, fp, fn, unl, p, r, f1 = at(t, spl)
            print(f"{name:8} {spl:11} {tp:5} {fp:5} {fn:5} {unl:4}  {p:.3f} {r:.3f} {f1:.3f}")
    if a.check_corpora:
        check_corpora(a.tokenhound, a.baseline, medium, b, w, prior)
    if a.show_weights:
        for k, v in sorted(w.items(), key=lambda x: x[1]):
            print(f"  {v:+.3f} {k}")
    if a.write:
        # Shift so the medium threshold is 0: the file reads as "positive = reported".
        lines = [
            "# Weights of the confidence model (src/enrich/confidence.rs): score = bias + the weights of the",
            "# features a finding has (its confidence_reasons); score >= high is `high`, >= medium is `medium`,",
            "# else `low`. Written by bench/train_confidence.py (L2 logistic regression on the dev split of",
            "# creddata-dev, thresholds picked on dev for line precision >= "
            f"{a.target_precision} (medium) and >= {a.high_precision} (high)); do not edit by hand.",
            f"bias = {b - medium:.4f}",
            "medium = 0.0",
            f"high = {high - medium:.4f}",
            "",
            "[weights]",
        ]
        for k in sorted(w):
            if abs(w[k]) >= 0.005:
                lines.append(f'"{k}" = {w[k]:.4f}')
        lines += ["", PRIOR_DOC.strip(), "[prior]"]
        for k in sorted(prior):
            lines.append(f'"{k}" = {prior[k]:.4f}')
        WEIGHTS.write_text("\n".join(lines) + "\n")
        print(f"wrote {WEIGHTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
