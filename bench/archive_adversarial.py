#!/usr/bin/env python3
"""Adversarial archive set for `tokenhound scan` (issue 10): peak RSS and time.

Writes a directory of hostile archives, then times `tokenhound scan DIR` under
`/usr/bin/time -v`:

- 1 GiB-of-zeros bombs as zip, gz and tar.gz (~1 MiB each; valid CRCs);
- a 42.zip-style fan-out: a zip of 16 stored zips of 16 one-GiB bombs each
  (256 GiB declared);
- an Actions run-log zip declaring 2 GiB;
- nesting 6 levels deep, path traversal names (zip and tar), tar symlinks and
  hard links to files outside the archive, a ZipCrypto-flagged member,
  truncated zip, tar, tar.gz and gz;
- a legitimate 60 MiB text member (under the 64 MiB member limit) and one
  fake token in a plain file, so the expected exit code is 1 with errors listed.

Bombs are built without compressing a gigabyte: 1 MiB of zeros deflated with a
full flush is a self-contained, byte-aligned piece, repeated.

    python3 bench/archive_adversarial.py            # generate + time
    python3 bench/archive_adversarial.py --dir /tmp/th-adv-archives --only-generate
"""
import argparse
import gzip
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import tarfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fake_tokens  # noqa: E402

MIB = 1 << 20


def zeros_deflated(mib):
    """(raw deflate of `mib` MiB of zeros, its CRC-32)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(b"\0" * MIB) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    crc = 0
    one = b"\0" * MIB
    for _ in range(mib):  # zlib.crc32 of zeros: ~1 s per GiB
        crc = zlib.crc32(one, crc)
    return piece * mib + tail, crc


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zip_of(members):
    """members: (name, stored bytes, crc, size, method, flags)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size, method, flags in members:
        off = len(out)
        n = name.encode()
        common = struct.pack("<HHHHIIIHH", flags, method, 0, 0x21, crc, len(data), size, len(n), 0)
        out += b"PK\x03\x04" + struct.pack("<H", 20) + common + n + data
        central += (b"PK\x01\x02" + struct.pack("<HH", 20, 20) + common
                    + struct.pack("<HHHII", 0, 0, 0, 0o100644 << 16, off) + n)
    cd = len(out)
    out += central
    out += b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members),
                                       len(central), cd, 0)
    return bytes(out)


def text_member(name, data, flags=0):
    return (name, deflate(data), zlib.crc32(data), len(data), 8, flags)


def stored_member(name, data):
    return (name, data, zlib.crc32(data), len(data), 0, 0)


def tar_of(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data, link in entries:
            ti = tarfile.TarInfo(name)
            ti.type = kind
            ti.size = len(data)
            if link:
                ti.linkname = link
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def generate(d, rng):
    os.makedirs(d, exist_ok=True)

    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    z, crc = zeros_deflated(1024)
    bomb = ("zeros.txt", z, crc, 1 << 30, 8, 0)
    put("bomb.zip", zip_of([bomb]))
    put("bomb.log.gz", b"\x1f\x8b\x08\0\0\0\0\0\0\xff" + z + struct.pack("<II", crc, 0))
    # tar.gz: header, 1 GiB of zeros, end blocks, as flushed deflate pieces.
    hdr = tarfile.TarInfo("data/zeros.txt")
    hdr.size = 1 << 30
    hb = hdr.tobuf(tarfile.GNU_FORMAT)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(hb) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(b"\0" * MIB) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = c.compress(b"\0" * 1024) + c.flush(zlib.Z_FINISH)
    tcrc = zlib.crc32(hb)
    for _ in range(1024):
        tcrc = zlib.crc32(b"\0" * MIB, tcrc)
    tcrc = zlib.crc32(b"\0" * 1024, tcrc)
    put("bomb.tgz", b"\x1f\x8b\x08\0\0\0\0\0\0\xff" + head + piece * 1024 + end
        + struct.pack("<II", tcrc, (len(hb) + (1 << 30) + 1024) & 0xFFFFFFFF))
    inner = zip_of([(f"z{i:02}.txt",) + bomb[1:] for i in range(16)])
    put("fanout.zip", zip_of([stored_member(f"inner{i:02}.zip", inner) for i in range(16)]))
    put("logs.zip", zip_of([("build/1_Set up job.txt",) + bomb[1:],
                             ("build/2_Run make.txt",) + bomb[1:],
                             text_member("0_build.txt", b"done\n")]))
    level = zip_of([text_member("deep.txt", b"deep\n")])
    for i in range(6, 0, -1):
        level = zip_of([text_member(f"l{i}.zip", level)])
    put("deep.zip", level)
    put("traversal.zip", zip_of([text_member("../../etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
                                 text_member("/etc/hosts", b"127.0.0.1 localhost\n")]))
    put("links.tar", tar_of([("etc-passwd", tarfile.SYMTYPE, b"", "/etc/passwd"),
                             ("up", tarfile.SYMTYPE, b"", "../../outside.env"),
                             ("hard", tarfile.LNKTYPE, b"", "/etc/shadow"),
                             ("../../escape.txt", tarfile.REGTYPE, b"hello\n", None)]))
    put("encrypted.zip", zip_of([text_member("vault.env", b"opaque\n", flags=1)]))
    ok = zip_of([text_member("a.txt", b"x" * 50000), text_member("b.txt", b"y" * 50000)])
    put("cut.zip", ok[: len(ok) - 60])
    noise = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz \n") for _ in range(200000))
    t = tar_of([("a.txt", tarfile.REGTYPE, noise, None)])
    put("cut.tar", t[: len(t) - 50000])
    tgz = gzip.compress(t)
    put("cut.tgz", tgz[: len(tgz) // 2])
    put("cut.txt.gz", gzip.compress(noise)[:-8])
    words = [b"alpha", b"beta", b"gamma", b"delta", b"omega", b"sigma", b"kappa"]
    big = bytearray()
    while len(big) < 60 * MIB:
        big += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    put("big-member.zip", zip_of([text_member("big.txt", bytes(big))]))
    put("token.env", ("# fake token for a benchmark\nGITHUB_TOKEN=%s\n"
                      % fake_tokens.github(rng)).encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="/tmp/th-adv-archives")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "tokenhound"))
    ap.add_argument("--only-generate", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.dir, "token.env")):
        t = time.perf_counter()
        generate(a.dir, random.Random(10))
        print(f"generated {a.dir} in {time.perf_counter() - t:.1f}s")
    size = sum(os.path.getsize(os.path.join(a.dir, f)) for f in os.listdir(a.dir))
    print(f"{len(os.listdir(a.dir))} files, {size / MIB:.1f} MiB on disk")
    if a.only_generate:
        return
    cmd = ["/usr/bin/time", "-v", a.bin, "scan", a.dir, "--format", "json", "-q"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    doc = json.loads(p.stdout)
    s = doc["stats"]
    print(f"{wall:.2f}s wall, peak RSS {rss:.0f} MiB, exit {p.returncode}; "
          f"findings {len(doc['findings'])}, errors {len(s['errors'])}, "
          f"skipped {len(s['skipped'])}, bytes scanned {s['bytes_scanned'] / MIB:.0f} MiB")
    print("  command: " + " ".join(cmd))


if __name__ == "__main__":
    main()
