#!/usr/bin/env python3
"""Generates a synthetic Slack workspace export for bench/exports.sh.

Usage: bench/exports_corpus.py OUT_DIR [MEGABYTES]   (default 1024)

Real layout: channels.json, users.json, one folder per channel holding
YYYY-MM-DD.json day files (JSON arrays of messages, '/' escaped as '\\/', 4-space
indent). Messages carry mrkdwn text with entities and links, rich_text blocks
duplicating the text, thread replies, edits, reactions, unfurl attachments and
file shares whose URLs hold the export's own `?t=xoxe-…` token. One message in
~400 holds a planted fake token (valid checksum, obviously fake context).
Deterministic; writes OUT_DIR/MANIFEST.json (bytes, files, messages, planted).
"""
import datetime, json, os, random, string, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_tokens as ft  # noqa: E402

WORDS = ("the of and to in is for on with as by this that from at be or are an it not was "
         "deploy build release staging prod rollback cache latency error retry queue worker "
         "pipeline review merge branch ticket incident alert metric dashboard config restart "
         "database migration schema index query timeout service client server request").split()


def sentence(rng, lo=4, hi=30):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(lo, hi)))


def main():
    out = sys.argv[1]
    target = int(sys.argv[2]) * 1_000_000 if len(sys.argv) > 2 else 1024 * 1_000_000
    rng = random.Random(1234)
    os.makedirs(out, exist_ok=True)
    users = [f"U{rng.randrange(16**8):08X}" for _ in range(200)]
    channels = [f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}" for i in range(40)]
    xoxe = ("xoxe-1-" + ft.rand(rng, string.digits, 13) + "-" + ft.rand(rng, string.digits, 13) + "-"
            + ft.rand(rng, string.digits, 13) + "-" + ft.rand(rng, "0123456789abcdef", 64))

    def dump(path, v):
        text = json.dumps(v, indent=4, ensure_ascii=False).replace("/", "\\/")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return len(text.encode())

    total = dump(os.path.join(out, "users.json"), [
        {"id": u, "team_id": "T0FAKEBENCH", "name": f"user{i}", "real_name": f"Bench User {i}",
         "profile": {"title": rng.choice(WORDS), "real_name": f"Bench User {i}", "display_name": f"bu{i}"}}
        for i, u in enumerate(users)])
    total += dump(os.path.join(out, "channels.json"), [
        {"id": f"C{rng.randrange(16**8):08X}", "name": c, "created": 1700000000, "creator": users[0],
         "members": users[:20], "topic": {"value": sentence(rng)}, "purpose": {"value": sentence(rng)}}
        for c in channels])
    files = 2
    messages = 0
    planted = 0
    day0 = datetime.date(2024, 1, 1)
    d = 0
    while total < target:
        day = day0 + datetime.timedelta(days=d)
        base_ts = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp())
        for c in channels:
            if total >= target:
                break
            msgs = []
            thread = None
            for i in range(rng.randrange(20, 120)):
                ts = f"{base_ts + i * 97 + rng.randrange(90)}.{rng.randrange(10**6):06d}"
                user = rng.choice(users)
                text = sentence(rng)
                k = rng.randrange(10)
                if k == 0:
                    text += f" see <https://ci.example.test/job?id={rng.randrange(10**6)}&amp;tab=logs|job {rng.randrange(999)}>"
                elif k == 1:
                    text += f" <@{rng.choice(users)}> ```{sentence(rng, 3, 10)}\n{sentence(rng, 3, 10)}```"
                elif k == 2:
                    text += f" `{rng.choice(WORDS)}_{rng.randrange(1000)}` &lt;{rng.choice(WORDS)}&gt;"
                if rng.randrange(400) == 0:
                    tok = ft.github(rng) if rng.randrange(2) else ft.slack_bot(rng)
                    text += f" (fake token for the benchmark: {tok})"
                    planted += 1
                m = {"type": "message", "user": user, "ts": ts, "client_msg_id": "%032x" % rng.randrange(16**32),
                     "text": text, "team": "T0FAKEBENCH",
                     "user_profile": {"real_name": "Bench User", "display_name": "bu", "name": "user"},
                     "blocks": [{"type": "rich_text", "block_id": ft.rand(rng, string.ascii_letters, 5),
                                 "elements": [{"type": "rich_text_section",
                                               "elements": [{"type": "text", "text": text}]}]}]}
                if thread and rng.randrange(3) == 0:
                    m["thread_ts"] = thread
                    m["parent_user_id"] = users[0]
                elif rng.randrange(8) == 0:
                    thread = ts
                    m["thread_ts"] = ts
                    m["reply_count"] = 3
                if rng.randrange(15) == 0:
                    m["edited"] = {"user": user, "ts": ts}
                if rng.randrange(6) == 0:
                    m["reactions"] = [{"name": rng.choice(["+1", "eyes", "tada"]), "users": [user], "count": 1}]
                if rng.randrange(12) == 0:
                    fid = f"F{rng.randrange(16**8):08X}"
                    m["subtype"] = "file_share"
                    m["files"] = [{"id": fid, "name": "notes.txt", "title": "notes", "mimetype": "text/plain",
                                   "filetype": "text", "mode": "snippet", "preview": sentence(rng),
                                   "url_private": f"https://files.slack.com/files-pri/T0FAKEBENCH-{fid}/notes.txt?t={xoxe}",
                                   "url_private_download": f"https://files.slack.com/files-pri/T0FAKEBENCH-{fid}/download/notes.txt?t={xoxe}",
                                   "permalink": f"https://fake.slack.com/files/{user}/{fid}/notes.txt"}]
                if rng.randrange(10) == 0:
                    m["attachments"] = [{"fallback": sentence(rng), "title": sentence(rng, 2, 6),
                                         "title_link": f"https://docs.example.test/{rng.randrange(10**5)}",
                                         "text": sentence(rng), "service_name": "Docs"}]
                msgs.append(m)
            messages += len(msgs)
            os.makedirs(os.path.join(out, c), exist_ok=True)
            total += dump(os.path.join(out, c, f"{day.isoformat()}.json"), msgs)
            files += 1
        d += 1
    with open(os.path.join(out, "MANIFEST.json"), "w") as f:
        json.dump({"bytes": total, "files": files, "messages": messages, "planted": planted}, f)
    print(f"{out}: {total / 1e6:.0f} MB, {files} files, {messages} messages, {planted} planted tokens")


if __name__ == "__main__":
    main()
