#!/usr/bin/env python3
"""Verification benchmark: 1,000 findings of one provider checked against a
loopback server (127.0.0.1) that answers after 50 ms, with the default
concurrency; then 1,000 findings of only 100 distinct secrets (the cache).

Usage: bench/verify.py [path/to/tokenhound]   (default target/release/tokenhound)
"""
import json, os, random, string, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = 0.050
hits = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global hits
        with lock:
            hits += 1
        time.sleep(DELAY)
        live = self.headers.get("Authorization", "").endswith("a")
        body = json.dumps({"ok": live, "user": "fake-user"}).encode()
        self.send_response(200 if live else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


RULE = """[[rule]]
id = "bench-token"
name = "Benchmark token"
provider = "bench"
kind = "api-key"
keywords = ["bench_"]
pattern = '''\\b(?P<secret>bench_[A-Za-z0-9]{24})\\b'''
lifetime = "long"
revoke = "n/a"
examples = ["bench_Q3n8ZpL1xW7cV2bR9tY4mK6d"]
[rule.verify]
endpoint = "bench"
base = "https://api.bench.test"
path = "/whoami"
headers = { Authorization = "Bearer {secret}" }
live_json = { ok = true }
"""


def run(th, distinct, total, server_port):
    global hits
    rng = random.Random(distinct)
    secrets = ["bench_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24)) for _ in range(distinct)]
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "src"))
        with open(os.path.join(d, "rule.toml"), "w") as f:
            f.write(RULE)
        with open(os.path.join(d, "src", "tokenhound.toml"), "w") as f:
            f.write(f'[verify.endpoints]\nbench = "http://127.0.0.1:{server_port}"\n')
        with open(os.path.join(d, "src", "tokens.txt"), "w") as f:
            for i in range(total):
                f.write(f"fake token {secrets[i % distinct]}\n")
        hits = 0
        t = time.perf_counter()
        out = subprocess.run([th, "--rules", os.path.join(d, "rule.toml"), "scan", os.path.join(d, "src"),
                              "--format", "json", "--verify", "--verify-allow-private", "--verify-host", "127.0.0.1"],
                             capture_output=True)
        wall = time.perf_counter() - t
        doc = json.loads(out.stdout)
        statuses = {}
        for fnd in doc["findings"]:
            s = fnd["verification"]["status"]
            statuses[s] = statuses.get(s, 0) + 1
        return wall, hits, doc["stats"]["verification"], statuses


def main():
    th = sys.argv[1] if len(sys.argv) > 1 else "target/release/tokenhound"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print(f"loopback server answering after {DELAY * 1000:.0f} ms; default concurrency (8 per provider) and rate limit (50 requests/s per provider)")
    for distinct, total in [(1000, 1000), (100, 1000)]:
        wall, n, stats, statuses = run(th, distinct, total, port)
        print(f"{total} findings, {distinct} distinct secrets: {wall:.2f} s wall, {n} requests "
              f"(serial would need {n * DELAY:.1f} s), statuses {statuses}")
    server.shutdown()


if __name__ == "__main__":
    main()
