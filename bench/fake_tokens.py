#!/usr/bin/env python3
"""Generates obviously fake tokens in providers' real formats (checksums included).

Used by the benchmark corpus generators and to write rule examples. Every token is
random, belongs to nobody and is only ever placed next to words saying it is fake.
"""
import base64, json, random, string, zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def base62(n, width):
    out = ""
    while n:
        out = B62[n % 62] + out
        n //= 62
    return out.rjust(width, "0")


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def github(rng, prefix="ghp_"):
    body = rand(rng, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def jwt(rng, payload, alg="HS256"):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=").decode()
    sig = "" if alg == "none" else rand(rng, B64URL, 43)
    return f"{enc({'alg': alg, 'typ': 'JWT'})}.{enc(payload)}.{sig}"


def aws_session_token(rng):
    return "IQoJb3JpZ2luX2VjE" + rand(rng, ALNUM + "+/", 300)


def aws_key_id(rng, prefix="ASIA"):
    return prefix + rand(rng, string.ascii_uppercase + "234567", 16)


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


if __name__ == "__main__":
    rng = random.Random(7)
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"]:
        print(github(rng, p))
    print(jwt(rng, {"iss": "https://login.example.test", "sub": "fake-user", "exp": 1767225600, "iat": 1767222000}))
    print(aws_key_id(rng), aws_secret(rng))
    print(aws_session_token(rng))
    print(slack_bot(rng))
    print(glpat(rng))
