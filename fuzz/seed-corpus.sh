#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from testdata/ (and small generated archives),
# plus the kept regression inputs in testdata/fuzz-regressions/<target>/.
# Corpora are not committed (fuzz/corpus is in .gitignore): run this before fuzzing.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=..
T=$ROOT/testdata
C=corpus
mkdir -p "$C"

seed() { # target file...
  local t=$1; shift
  mkdir -p "$C/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    # Size cap: libFuzzer's default -max_len follows the largest seed.
    if [ "$(stat -c %s "$f")" -le 65536 ]; then
      cp "$f" "$C/$t/$(echo "$f" | sed 's|^\.\./||; s|/|_|g')"
    fi
  done
}

ALLTEXT=$(find "$T/positives" "$T/negatives" "$T/scan" -type f | sort)
JSONS=$(find "$T/exports" "$T/positives" -name '*.json' -o -name '*.jsonl' -o -name '*.har' | sort)

seed engine $ALLTEXT
seed decode_base64 $ALLTEXT
seed decode_percent $ALLTEXT
seed decode_json_escape $JSONS $T/positives/.env
seed decode_html $(find "$T/exports" -name '*.html' -o -name '*.xml') $T/exports/teams/messages.json
seed decode_utf16 $T/scan/clean.md $T/scan/config.py
seed decode_peel $ALLTEXT $JSONS
seed decode_ci_log $T/positives/logs/ci.log $T/scan/nested/deploy.log $T/negatives/logs/app.log
seed export_slack $(find "$T/exports/slack" -type f)
seed export_teams $T/exports/teams/messages.json
seed export_jira_json $T/exports/jira/OPS-42.json
seed export_jira_xml $T/exports/jira/SearchRequest.xml $T/exports/jira-backup/entities.xml
seed export_jira_csv $T/exports/jira/export.csv
seed export_confluence_xml $T/exports/confluence/entities.xml
seed export_confluence_html $(find "$T/exports/confluence-html" -type f)
seed export_har $T/exports/session.har $T/positives/http/session.har
seed export_transcript $T/exports/agent/session.jsonl $(find "$T/positives/agents" -type f)
seed export_cookies $T/exports/cookies.txt $T/positives/http/cookies.txt
seed rules $(find "$ROOT/rules" -name '*.toml')
seed config $ROOT/tokenhound.toml
seed jwt
seed baseline


# The config example `tokenhound config init` writes, and one with custom rules.
awk '/^pub const EXAMPLE: &str = r#"/{on=1; sub(/^.*r#"/, ""); print; next} on && /^"#;/{exit} on' \
  "$ROOT/src/config.rs" > "$C/config/example.toml"
{ sed -n 's/^# \(\[\[rule\]\]\)/\1/p; s/^# \(id\|name\|provider\|kind\|keywords\|pattern\|lifetime\|revoke\|examples\) = /\1 = /p' \
    "$C/config/example.toml" | sed 's/^\(id\|name\|provider\|kind\|keywords\|pattern\|lifetime\|revoke\|examples\) = /\1 = /'
  printf '[rules]\ndisable = ["github-pat-classic"]\nmin_entropy = { "generic-password" = 3.5 }\n'; } > "$C/config/custom.toml"

# UTF-16 copies of a few text seeds (LE and BE, with BOMs).
python3 - "$C/decode_utf16" "$T/positives/.env" "$T/positives/logs/ci.log" <<'PY'
import sys, os
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    s = open(f, encoding="utf-8", errors="replace").read()[:4000]
    open(os.path.join(out, f"le{i}"), "wb").write(b"\xff\xfe" + s.encode("utf-16-le"))
    open(os.path.join(out, f"be{i}"), "wb").write(b"\xfe\xff" + s.encode("utf-16-be"))
PY

# JWTs found in testdata, one a file.
grep -rhoE 'eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*' "$T" | sort -u | head -20 |
  awk -v d="$C/jwt" '{ f = sprintf("%s/jwt%02d", d, NR); printf "%s", $0 > f; close(f) }'

# A baseline as `tokenhound scan --baseline-write` renders it.
printf '{\n  "version": 1,\n  "tool": "tokenhound",\n  "findings": [\n    {"rule_id": "github-pat", "fingerprint": "%s"},\n    {"rule_id": "slack-bot-token", "fingerprint": "%s"}\n  ]\n}\n' \
  "$(printf a | sha256sum | cut -d' ' -f1)" "$(printf b | sha256sum | cut -d' ' -f1)" > "$C/baseline/seed.json"

# Archives (zip, tar, tar.gz, gz, nested) and a GitHub Actions log zip, built
# from testdata text.
python3 - "$C" "$T" <<'PY'
import io, os, sys, zipfile, tarfile, gzip
out, t = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/archive", exist_ok=True); os.makedirs(f"{out}/ci_zip", exist_ok=True)
files = {
    ".env": open(f"{t}/positives/.env", "rb").read(),
    "logs/ci.log": open(f"{t}/positives/logs/ci.log", "rb").read()[:8000],
    "slack/2026-11-20.json": open(f"{t}/exports/slack/deploys/2026-11-20.json", "rb").read(),
}
def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for n, d in members.items(): z.writestr(n, d)
    return b.getvalue()
def tar_bytes(members, mode="w"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as tf:
        for n, d in members.items():
            ti = tarfile.TarInfo(n); ti.size = len(d); tf.addfile(ti, io.BytesIO(d))
    return b.getvalue()
w = lambda p, d: open(p, "wb").write(d)
w(f"{out}/archive/a.zip", zip_bytes(files))
w(f"{out}/archive/stored.zip", zip_bytes(files, zipfile.ZIP_STORED))
w(f"{out}/archive/a.tar", tar_bytes(files))
w(f"{out}/archive/a.tar.gz", tar_bytes(files, "w:gz"))
w(f"{out}/archive/env.gz", gzip.compress(files[".env"]))
w(f"{out}/archive/nested.zip", zip_bytes({"inner.zip": zip_bytes({".env": files[".env"]}), "x.tgz": tar_bytes(files, "w:gz")}))
log = files["logs/ci.log"]
ci = {"1_build.txt": log, "build/1_Set up job.txt": b"2026-01-01T00:00:00.0000000Z Starting\n", "build/2_Run tests.txt": log, "build/": b""}
w(f"{out}/ci_zip/logs.zip", zip_bytes({k: v for k, v in ci.items() if k != "build/"}))
w(f"{out}/ci_zip/logs_stored.zip", zip_bytes({k: v for k, v in ci.items() if k != "build/"}, zipfile.ZIP_STORED))
PY

# Kept regression / interesting inputs.
if [ -d "$T/fuzz-regressions" ]; then
  for d in "$T"/fuzz-regressions/*/; do
    t=$(basename "$d"); mkdir -p "$C/$t"; cp "$d"* "$C/$t/" 2>/dev/null || true
  done
fi
for d in "$C"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
