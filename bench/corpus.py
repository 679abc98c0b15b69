#!/usr/bin/env python3
"""Generates the mixed benchmark corpus for `bench/fs_scan.sh`.

Usage: bench/corpus.py OUT_DIR [MEGABYTES]   (default 256 MB)

A mix of what scanners meet in real trees: source code, logs, JSON, minified
one-line bundles, lockfiles and a few binary files, with a few hundred fake tokens
(valid checksums, obviously fake context) planted at random places. Deterministic:
the same arguments give the same bytes. Writes OUT_DIR/MANIFEST.json with the
planted tokens' count.
"""
import json, os, random, string, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_tokens as ft  # noqa: E402

WORDS = ("the of and to in is for on with as by this that from at be or are an it not was "
         "config server request response handler error value result build deploy user session "
         "cache index token key secret password client service module import return function").split()


def code_line(rng):
    k = rng.randrange(6)
    ident = "_".join(rng.choice(WORDS) for _ in range(2))
    if k == 0:
        return f"    let {ident} = {rng.choice(WORDS)}_{rng.randrange(1000)}(&{rng.choice(WORDS)});"
    if k == 1:
        return f"def {ident}({rng.choice(WORDS)}, {rng.choice(WORDS)}=None):"
    if k == 2:
        return f"    // {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 14)))}"
    if k == 3:
        return f"    if {ident} > {rng.randrange(100)} {{ return Err(\"{rng.choice(WORDS)} failed\"); }}"
    if k == 4:
        return f"import {rng.choice(WORDS)}.{rng.choice(WORDS)} as {rng.choice(WORDS)}"
    return f"    {ident}.{rng.choice(WORDS)}({rng.randrange(10**6)}, \"{rng.choice(WORDS)}\")"


def log_line(rng, i):
    return (f"2026-11-20T12:{i // 3600 % 60:02d}:{i % 60:02d}.{rng.randrange(10**7):07d}Z "
            f"[{rng.choice(['INFO', 'DEBUG', 'WARN'])}] {rng.choice(WORDS)} {rng.choice(WORDS)} "
            f"id={rng.randrange(10**9)} took={rng.randrange(1000)}ms path=/api/{rng.choice(WORDS)}")


def json_record(rng):
    return json.dumps({"id": rng.randrange(10**9), "name": " ".join(rng.choice(WORDS) for _ in range(3)),
                       "sha": "%040x" % rng.getrandbits(160), "uuid": "%032x" % rng.getrandbits(128),
                       "tags": [rng.choice(WORDS) for _ in range(4)], "score": rng.random()})


def token(rng):
    k = rng.randrange(6)
    if k == 0:
        return f'FAKE_GITHUB_TOKEN = "{ft.github(rng)}"'
    if k == 1:
        return f"fake slack token: {ft.slack_bot(rng)}"
    if k == 2:
        return f"aws_access_key_id = {ft.aws_key_id(rng)}\naws_secret_access_key = {ft.aws_secret(rng)}"
    if k == 3:
        return "Authorization: Bearer " + ft.jwt(rng, {"sub": "fake", "exp": 1767225600})
    if k == 4:
        return f"FAKE_GITLAB_TOKEN={ft.glpat(rng)}"
    return f"aws_session_token = {ft.aws_session_token(rng)}"


def main():
    out = sys.argv[1]
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    written = 0
    planted = 0
    n = 0
    while written < target * 1_000_000:
        kind = rng.choices(["code", "log", "json", "minified", "lock", "binary"], [50, 20, 15, 8, 5, 2])[0]
        d = os.path.join(out, f"d{n % 97:02d}", f"s{n % 13}")
        os.makedirs(d, exist_ok=True)
        if kind == "binary":
            data = bytes([0, 1, 2, 3]) + os.urandom(rng.randrange(1_000, 100_000))
            path = os.path.join(d, f"asset{n}.bin")
        else:
            if kind == "code":
                lines = [code_line(rng) for _ in range(rng.randrange(20, 500))]
                ext = rng.choice([".rs", ".py", ".go", ".ts"])
            elif kind == "log":
                lines = [log_line(rng, i) for i in range(rng.randrange(50, 3000))]
                ext = ".log"
            elif kind == "json":
                lines = ["[" + ",\n".join(json_record(rng) for _ in range(rng.randrange(10, 400))) + "]"]
                ext = ".json"
            elif kind == "minified":
                lines = [";".join(code_line(rng).strip() for _ in range(rng.randrange(300, 4000)))]
                ext = ".min.js"
            else:
                lines = [f'"{rng.choice(WORDS)}-{i}": {{"version": "1.{i}.0", "integrity": "sha512-'
                         + "".join(rng.choice(ft.ALNUM + "+/") for _ in range(86)) + '=="},'
                         for i in range(rng.randrange(50, 800))]
                ext = ".lock.json"
            if rng.random() < 0.035 and kind != "minified":
                for _ in range(rng.randrange(1, 4)):
                    lines.insert(rng.randrange(len(lines) + 1), token(rng))
                    planted += 1
            data = ("\n".join(lines) + "\n").encode()
            path = os.path.join(d, f"f{n}{ext}")
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        n += 1
    with open(os.path.join(out, "MANIFEST.json"), "w") as f:
        json.dump({"files": n, "bytes": written, "planted_tokens": planted}, f)
    print(f"{out}: {n} files, {written / 1e6:.0f} MB, {planted} planted tokens")


if __name__ == "__main__":
    main()
