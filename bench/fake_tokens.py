#!/usr/bin/env python3
"""Generates obviously fake tokens in providers' real formats (checksums included).

Used by the benchmark corpus generators, the labelled testdata corpus and to write
rule examples. Every token is random, belongs to nobody and is only ever placed next
to words saying it is fake.

    python3 bench/fake_tokens.py                 # one token of every kind
    python3 bench/fake_tokens.py --fill FILE...  # replace @FAKE:<kind>@ / @FAKE:<kind>:<n>@
                                                 # markers in FILEs with tokens (seeded by
                                                 # kind and n, so a refill is reproducible);
                                                 # @FAKEBAD:...@ gives the same token with
                                                 # its last char changed (checksum broken)

`--fill` is how rule examples and testdata/positives were written: authors write the
marker, the script writes a checksum-valid token in its place.
"""
import base64, json, random, re, string, struct, sys, zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
UHEX = "0123456789ABCDEF"
B32 = string.ascii_uppercase + "234567"
LOWER_AN = string.ascii_lowercase + string.digits


def base62(n, width):
    out = ""
    while n:
        out = B62[n % 62] + out
        n //= 62
    return out.rjust(width, "0")


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url_nopad(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def github(rng, prefix="ghp_"):
    body = rand(rng, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def jwt(rng, payload, alg="HS256", header=None):
    enc = lambda d: b64url_nopad(json.dumps(d, separators=(",", ":")).encode())
    h = header or {"alg": alg, "typ": "JWT"}
    sig = "" if alg == "none" else rand(rng, B64URL, 43)
    return f"{enc(h)}.{enc(payload)}.{sig}"


def aws_session_token(rng):
    return "IQoJb3JpZ2luX2VjE" + rand(rng, ALNUM + "+/", 300)


def aws_key_id(rng, prefix="ASIA"):
    return prefix + rand(rng, B32, 16)


def aws_secret(rng):
    return rand(rng, ALNUM + "+/", 40)


def slack_bot(rng):
    return f"xoxb-{rand(rng, string.digits, 12)}-{rand(rng, string.digits, 13)}-{rand(rng, ALNUM, 24)}"


def glpat(rng):
    return "glpat-" + rand(rng, B64URL, 20)


def pem(rng, label="RSA PRIVATE KEY", lines=12):
    body = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(48 * lines))).decode()
    wrapped = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{wrapped}\n-----END {label}-----"


# --- checksum / structure formats -------------------------------------------------

def atlassian(rng, prefix="ATATT3xFfGF0", body_len=171):
    """`prefix` + b64url body + `=` + 8 uppercase-hex CRC32 of everything before."""
    head = prefix + rand(rng, B64URL, body_len) + "="
    return head + "%08X" % zlib.crc32(head.encode())


def atbb(rng):
    head = "ATBB" + rand(rng, ALNUM, 24)
    return head + "%08X" % zlib.crc32(head.encode())


def glsa(rng):
    head = "glsa_" + rand(rng, ALNUM, 32) + "_"
    # little-endian CRC32 of the first 37 chars, as 8 hex digits
    return head + struct.pack("<I", zlib.crc32(head[:37].encode())).hex()


def discord_bot(rng):
    user_id = str(rng.randint(10**17, 2 * 10**18))
    seg1 = b64url_nopad(user_id.encode())
    return f"{seg1}.{rand(rng, B64URL, 6)}.{rand(rng, B64URL, 38)}"


def slack_xoxe_access(rng, kind="p"):
    ids = "-".join(rand(rng, string.digits, n) for n in (10, 13, 13, 13))
    inner = f"2-{ids}-{rand(rng, HEX, 64)}"
    return f"xoxe.xox{kind}-1-" + b64url_nopad(inner.encode())


def slack_xoxe_refresh(rng):
    ids = "-".join(rand(rng, string.digits, n) for n in (10, 13, 13))
    inner = f"3-1-{ids}-{rand(rng, HEX, 64)}"
    return "xoxe-1-" + b64url_nopad(inner.encode())


def pypi(rng):
    # macaroon v2: 02 01 08 "pypi.org" ... (identifier + signature bytes are random here)
    data = b"\x02\x01\x08pypi.org\x02\x25" + bytes(rng.getrandbits(8) for _ in range(120))
    return "pypi-" + b64url_nopad(data)


def bbdc(rng):
    raw = rand(rng, string.digits, 12).encode() + b":" + bytes(rng.getrandbits(8) for _ in range(20))
    return "BBDC-" + base64.b64encode(raw).decode()


def dc_pat(rng):
    raw = rand(rng, "123456789", 12).encode() + b":" + bytes(rng.getrandbits(8) for _ in range(20))
    return base64.b64encode(raw).decode()


def sentry_org(rng):
    payload = {"iat": 1767222000.1, "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": "fake-org"}
    body = base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"sntrys_{body}_{rand(rng, B64, 43)}"


def grafana_cloud(rng):
    payload = {"o": "1234567", "n": "fake-policy", "k": rand(rng, ALNUM, 24), "m": {"r": "prod-us-east-0"}}
    return "glc_" + base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def basic(user, password):
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def azure_devops(rng):
    return rand(rng, ALNUM, 52) + "JQQJ99" + rand(rng, ALNUM, 18) + "AZDO" + rand(rng, ALNUM, 4)


def openai(rng, prefix="sk-proj-", n=74):
    return prefix + rand(rng, B64URL, n) + "T3BlbkFJ" + rand(rng, B64URL, n)


def anthropic(rng, kind="api03"):
    return f"sk-ant-{kind}-" + rand(rng, B64URL, 93) + "AA"


def ghs_stateless(rng):
    t = jwt(rng, {"iss": "fake-app", "exp": 1767225600, "iat": 1767222000, "installation": 1}, alg="RS256")
    t = t.replace("-", "A")  # GitHub's documented charset is b62 plus `.` and `_`
    return "ghs_" + t + "_" + rand(rng, ALNUM, 8)


def ya29(rng):
    return "ya29." + rand(rng, B64URL, 150)


def google_refresh(rng):
    return "1//0" + rand(rng, B64URL, 99)


def xoxc(rng):
    return "xoxc-" + "-".join(rand(rng, string.digits, n) for n in (12, 12, 13)) + "-" + rand(rng, HEX, 64)


def xoxd(rng):
    return "xoxd-" + rand(rng, ALNUM, 40) + "%2F" + rand(rng, ALNUM, 40) + "%2B" + rand(rng, ALNUM, 40) + "%3D"


def telegram(rng):
    return rand(rng, "123456789", 10) + ":AA" + rand(rng, B64URL, 33)


KINDS = {
    "ghp": lambda r: github(r, "ghp_"),
    "gho": lambda r: github(r, "gho_"),
    "ghu": lambda r: github(r, "ghu_"),
    "ghs": lambda r: github(r, "ghs_"),
    "ghr": lambda r: github(r, "ghr_"),
    "npm": lambda r: github(r, "npm_"),
    "ghs-stateless": ghs_stateless,
    "github-pat": lambda r: "github_pat_11" + rand(r, B32, 20) + "_" + rand(r, ALNUM, 59),
    "glpat": glpat,
    "gl20": lambda r: rand(r, B64URL, 20),
    "atatt": lambda r: atlassian(r, "ATATT3xFfGF0"),
    "atctt": lambda r: atlassian(r, "ATCTT3xFfGN0"),
    "atbb": atbb,
    "bbdc": bbdc,
    "dc-pat": dc_pat,
    "glsa": glsa,
    "glc": grafana_cloud,
    "sntrys": sentry_org,
    "discord-bot": discord_bot,
    "xoxe-access": slack_xoxe_access,
    "xoxe-refresh": slack_xoxe_refresh,
    "xoxb": slack_bot,
    "xoxp": lambda r: "xoxp-" + "-".join(rand(r, string.digits, 12) for _ in range(3)) + "-" + rand(r, HEX, 32),
    "xapp": lambda r: f"xapp-1-A{rand(r, B32, 10)}-{rand(r, string.digits, 13)}-{rand(r, HEX, 64)}",
    "xoxc": xoxc,
    "xoxd": xoxd,
    "pypi": pypi,
    "asia": lambda r: aws_key_id(r, "ASIA"),
    "akia": lambda r: aws_key_id(r, "AKIA"),
    "aws-secret": aws_secret,
    "aws-session": aws_session_token,
    "azdo": azure_devops,
    "openai": openai,
    "openai-svc": lambda r: openai(r, "sk-svcacct-", 58),
    "openai-admin": lambda r: openai(r, "sk-admin-", 58),
    "anthropic": anthropic,
    "anthropic-admin": lambda r: anthropic(r, "admin01"),
    "anthropic-oat": lambda r: "sk-ant-oat01-" + rand(r, B64URL, 93) + "AA",
    "anthropic-ort": lambda r: "sk-ant-ort01-" + rand(r, B64URL, 93) + "AA",
    "ya29": ya29,
    "google-refresh": google_refresh,
    "gocspx": lambda r: "GOCSPX-" + rand(r, B64URL, 28),
    "aiza": lambda r: "AIza" + rand(r, B64URL, 35),
    "telegram": telegram,
    "xoxc-pair": xoxc,
    "hex32": lambda r: rand(r, HEX, 32),
    "hex40": lambda r: rand(r, HEX, 40),
    "hex64": lambda r: rand(r, HEX, 64),
    "b62-24": lambda r: rand(r, ALNUM, 24),
    "b62-32": lambda r: rand(r, ALNUM, 32),
    "b62-40": lambda r: rand(r, ALNUM, 40),
    "b64url-43": lambda r: rand(r, B64URL, 43),
    "b64url-68": lambda r: rand(r, B64URL, 68),
    "an24": lambda r: rand(r, LOWER_AN, 24),
    "an32": lambda r: rand(r, LOWER_AN, 32),
    "HEX32": lambda r: rand(r, UHEX, 32),
    "b64-86": lambda r: rand(r, B64, 86),
    "b64-43": lambda r: rand(r, B64, 43),
    "entra-secret": lambda r: rand(r, ALNUM, 3) + r.choice(string.digits) + "Q~" + rand(r, ALNUM + "_~.-", 34),
    "azdo-legacy": lambda r: rand(r, string.ascii_lowercase + "234567", 52),
    "pw": lambda r: rand(r, ALNUM, 10) + rng_punct(r) + rand(r, ALNUM, 5),
}


def rng_punct(r):
    return r.choice("!#%*+-._~")


ALPHABETS = {"b64url": B64URL, "b62": ALNUM, "hex": HEX, "HEX": UHEX, "an": LOWER_AN, "b64": B64,
             "digits": string.digits, "alpha": string.ascii_letters, "bech32": "023456789ACDEFGHJKLMNPQRSTUVWXYZ"}


def generator(kind):
    """The generator for `kind`: a named format, or `<alphabet>-<length>` (e.g. b62-36)."""
    if kind in KINDS:
        return KINDS[kind]
    m = re.fullmatch(r"([A-Za-z0-9]+)-([0-9]+)", kind)
    if m and m.group(1) in ALPHABETS:
        alphabet, n = ALPHABETS[m.group(1)], int(m.group(2))
        return lambda r: rand(r, alphabet, n)
    return None


def fill(paths):
    marker = re.compile(r"@FAKE(BAD)?:([A-Za-z0-9_-]+)(?::([0-9]+))?@")
    for p in paths:
        text = open(p, encoding="utf-8").read()

        def sub(m):
            bad, kind, n = m.group(1), m.group(2), m.group(3) or "0"
            gen = generator(kind)
            if gen is None:
                sys.exit(f"{p}: unknown fake kind {kind!r}")
            tok = gen(random.Random(f"{kind}:{n}"))
            if bad:  # same token with its checksum broken (last char changed)
                tok = tok[:-1] + ("B" if tok[-1] != "B" else "C")
            return tok

        new = marker.sub(sub, text)
        if new != text:
            open(p, "w", encoding="utf-8").write(new)
            print(f"filled {p}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--fill":
        fill(sys.argv[2:])
    else:
        for name, gen in KINDS.items():
            print(f"{name:16} {gen(random.Random(name))}")
