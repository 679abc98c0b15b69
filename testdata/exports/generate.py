#!/usr/bin/env python3
"""Writes the synthetic export fixtures of testdata/exports/ (run from the repo root).

Every token below is FAKE: random, in the provider's real format with a valid
checksum (bench/fake_tokens.py), belonging to nobody. Each is placed in a tricky
spot of a real export layout (escaped slashes, HTML entities and tags, CDATA,
ADF marks, JSON inside strings, base64, old versions), next to decoys that must
not be reported. tests/exports.rs asserts on the exact findings and locations.
"""
import base64, json, os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))

# Fake tokens (see module doc).
GHP = [
    "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",  # 0 slack text + blocks (dedup)
    "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",  # 1 slack: after an escaped newline
    "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",  # 2 slack file preview (snippet)
    "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",  # 3 slack: base64 in a code block
    "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",  # 4 teams: split by an HTML tag
    "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",  # 5 jira ADF: split across marks
    "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",  # 6 jira changelog (removed text)
    "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",  # 7 confluence code macro (nested CDATA)
    "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",  # 8 confluence old page version
    "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",  # 9 har cookie
    "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",  # 10 transcript tool-call arguments
    "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",  # 11 k8s secret (base64)
    "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",  # 12 docker config auth (base64)
    "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",  # 13 jira xml / rss / misc
]
XOXB = ["xoxb-682052589831-9489394948214-g9BkgRdWwUZlPOgGurL1es7u",
        "xoxb-244106460013-0411895579906-uMnMDBR4hRx3GR7qys80wdVT"]
GLPAT = ["glpat-3dKQLpM1OcRzhouppeqT", "glpat-Md2qT1XWE1CqxdYGsDcc"]
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUudGVzdCIsInN1YiI6"
       "ImZha2UtdXNlciIsImV4cCI6MTg5MzQ1NjAwMCwiaWF0IjoxNzY3MjIyMDAwfQ.J91HOrlweHROhbF8hCtZUDJRzVT668Nyu0t-aT0ewkM")
AKIA = "AKIAXQIGBNTCZYKGFJYV"
XOXP = "xoxp-844093244845-263097658280-2582201805154-64743af32c893bff37beb222f9875ada"
XOXE = "xoxe-1-5765237355696-3279264515474-2843528144976-c0ada3f6dba1c50884adffa01738a06e8b26034a7e6592d4308d157faabaf8fa"
WEBHOOK = "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/Zq8kW3mR7tY2vN9pL4xB6cJ1"
# Decoys: right shape, wrong checksum / placeholder / truncated.
DECOY_GHP = "ghp_huG8GP38g4o5MNJAYKJ1UXXFWXLCpa2XQ9lX"
DECOY_XOXB = "xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx"


def b64(s):
    return base64.b64encode(s.encode()).decode()


def write(rel, text):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def slack_json(v):
    """Slack exports escape '/' as '\\/' and write 4-space indented arrays."""
    return json.dumps(v, indent=4, ensure_ascii=False).replace("/", "\\/") + "\n"


def slack():
    write("slack/channels.json", slack_json([
        {"id": "C045DEPLOY", "name": "deploys", "created": 1700000000, "creator": "U045EF6GH",
         "is_archived": False, "members": ["U045EF6GH", "U0BBBBBBB"],
         "topic": {"value": "deploy talk", "creator": "U045EF6GH", "last_set": 0},
         "purpose": {"value": "releases; never paste tokens here", "creator": "U045EF6GH", "last_set": 0}},
    ]))
    write("slack/users.json", slack_json([
        {"id": "U045EF6GH", "team_id": "T0FAKE123", "name": "dev.one", "real_name": "Dev One",
         "profile": {"title": "SRE", "real_name": "Dev One", "display_name": "dev1"}},
        {"id": "U0BBBBBBB", "team_id": "T0FAKE123", "name": "dev.two", "real_name": "Dev Two",
         "profile": {"title": "Backend", "real_name": "Dev Two", "display_name": "dev2"}},
    ]))
    day = [
        {"type": "message", "user": "U045EF6GH", "ts": "1795176300.000100",
         "client_msg_id": "00000000-0000-4000-8000-000000000001",
         "text": f"new key for staging (fake): `{GHP[0]}` see <https://ci.example.test/job?id=1&amp;t=X|job>",
         "user_profile": {"real_name": "Dev One", "display_name": "dev1"},
         "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [{"type": "rich_text_section", "elements": [
             {"type": "text", "text": "new key for staging (fake): "},
             {"type": "text", "text": GHP[0], "style": {"code": True}},
             {"type": "text", "text": " see "},
             {"type": "link", "url": "https://ci.example.test/job?id=1&t=X", "text": "job"}]}]}],
         "thread_ts": "1795176300.000100", "reply_count": 2, "reply_users": ["U0BBBBBBB"]},
        {"type": "message", "user": "U0BBBBBBB", "ts": "1795176360.000200", "thread_ts": "1795176300.000100",
         "parent_user_id": "U045EF6GH",
         "text": f"old one was\n{GHP[1]}\nalready rotated? webhook: {WEBHOOK}",
         "edited": {"user": "U0BBBBBBB", "ts": "1795176400.000000"}},
        {"type": "message", "subtype": "file_share", "user": "U0BBBBBBB", "ts": "1795176420.000300",
         "thread_ts": "1795176300.000100", "parent_user_id": "U045EF6GH", "text": "",
         "files": [{"id": "F0CCCCCCC", "name": "env.txt", "mode": "snippet", "filetype": "text",
                    "preview": f"API_KEY={GHP[2]}\nDB_PASS=...", "lines": 12, "lines_more": 10,
                    "url_private": f"https://files.slack.com/files-pri/T0FAKE123-F0CCCCCCC/env.txt?t={XOXE}",
                    "url_private_download": f"https://files.slack.com/files-pri/T0FAKE123-F0CCCCCCC/download/env.txt?t={XOXE}",
                    "permalink": "https://fake.slack.com/files/U0BBBBBBB/F0CCCCCCC/env.txt"}]},
        {"type": "message", "user": "U045EF6GH", "ts": "1795180000.000400",
         "text": "decoys, not tokens: " + DECOY_GHP + " and " + DECOY_XOXB + " and ghp_1234567890abcdefghijklmnopqrstuvwxyz"},
    ]
    write("slack/deploys/2026-11-20.json", slack_json(day))
    day2 = [
        {"type": "message", "user": "U045EF6GH", "ts": "1795263000.000100",
         "text": "k8s secret for the bot (fake):\n```apiVersion: v1\nkind: Secret\ndata:\n  token: " + b64(GHP[3]) + "\n```"},
        {"type": "message", "subtype": "bot_message", "bot_id": "B0FAKE456", "username": "deploybot",
         "ts": "1795263100.000200", "text": "",
         "attachments": [{"fallback": "deploy failed", "text": "Bot token in use: " + XOXB[0],
                          "title": "deploy #42", "title_link": "https://ci.example.test/42"}]},
    ]
    write("slack/deploys/2026-11-21.json", slack_json(day2))
    write("slack/D0FAKEDM1/2026-11-22.json", slack_json([
        {"type": "message", "user": "U0BBBBBBB", "ts": "1795349400.000100",
         "text": "here is my user token, don't tell: " + XOXP},
    ]))
    write("slack/dms.json", slack_json([{"id": "D0FAKEDM1", "created": 1700000000, "members": ["U045EF6GH", "U0BBBBBBB"]}]))


def teams():
    card = json.dumps({"type": "AdaptiveCard", "version": "1.4", "body": [
        {"type": "TextBlock", "text": "Deploy hook (fake): " + WEBHOOK}]}).replace("/", "\\/")
    msgs = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('t')/channels('c')/messages",
            "@odata.count": 3, "value": [
        {"id": "1795176300123", "replyToId": None, "etag": "1795176300123", "messageType": "message",
         "createdDateTime": "2026-11-20T12:05:00.123Z", "lastModifiedDateTime": "2026-11-20T12:05:00.123Z",
         "lastEditedDateTime": None, "deletedDateTime": None, "subject": "staging", "importance": "normal",
         "channelIdentity": {"teamId": "00000000-0000-4000-8000-00000000feed", "channelId": "19:deploys@thread.tacv2"},
         "from": {"application": None, "device": None,
                  "user": {"id": "00000000-0000-4000-8000-000000000001", "displayName": "Dev One", "userIdentityType": "aadUser"}},
         "body": {"contentType": "html",
                  "content": "<div><p>staging key (fake): <code>" + GHP[4][:20] + "<b>" + GHP[4][20:30] + "</b>" + GHP[4][30:]
                             + "</code> &lt;rotate soon&gt; ping <at id=\"0\">Ops</at></p></div>"},
         "attachments": [], "mentions": [{"id": 0, "mentionText": "Ops", "mentioned": {"user": {"displayName": "Ops"}}}],
         "reactions": []},
        {"id": "1795176360456", "replyToId": "1795176300123", "messageType": "message",
         "createdDateTime": "2026-11-20T12:06:00.456Z", "lastEditedDateTime": "2026-11-20T12:07:00Z",
         "channelIdentity": {"teamId": "00000000-0000-4000-8000-00000000feed", "channelId": "19:deploys@thread.tacv2"},
         "from": {"user": {"id": "00000000-0000-4000-8000-000000000002", "displayName": "Dev Two"}},
         "body": {"contentType": "html", "content": "<p>card below</p><attachment id=\"card1\"></attachment>"},
         "attachments": [{"id": "card1", "contentType": "application/vnd.microsoft.card.adaptive", "content": card}]},
        {"id": "1795180000789", "replyToId": None, "messageType": "message", "chatId": "19:fakechat@unq.gbl.spaces",
         "createdDateTime": "2026-11-20T13:00:00Z",
         "from": {"user": {"id": "00000000-0000-4000-8000-000000000002", "displayName": "Dev Two"}},
         "body": {"contentType": "text", "content": "gitlab token for the runner (fake): " + GLPAT[0] + " decoy: " + DECOY_GHP}},
    ]}
    write("teams/messages.json", json.dumps(msgs, indent=2) + "\n")


def adf_doc(*blocks):
    return {"type": "doc", "version": 1, "content": list(blocks)}


def jira():
    t = GHP[5]
    issue = {"id": "10100", "key": "OPS-42", "self": "https://fake.atlassian.net/rest/api/3/issue/10100",
             "fields": {
                 "summary": "Staging deploy broken",
                 "created": "2026-11-20T10:00:00.000+0000",
                 "reporter": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Dev One"},
                 "description": adf_doc(
                     {"type": "paragraph", "content": [
                         {"type": "text", "text": "token (fake) "},
                         {"type": "text", "text": t[:15], "marks": [{"type": "strong"}]},
                         {"type": "text", "text": t[15:]}]},
                     {"type": "paragraph", "content": [{"type": "inlineCard", "attrs": {"url": "https://ci.example.test/?a=1"}}]}),
                 "environment": None,
                 "customfield_10050": "{code}export GITLAB_TOKEN=" + GLPAT[1] + "{code}",
                 "comment": {"comments": [
                     {"id": "10200", "author": {"accountId": "5b10ac8d82e05b22cc7d4ef6", "displayName": "Dev Two"},
                      "body": adf_doc({"type": "codeBlock", "attrs": {"language": "bash"},
                                       "content": [{"type": "text", "text": "export SLACK_BOT_TOKEN=" + XOXB[1]}]}),
                      "created": "2026-11-20T11:00:00.000+0000", "updated": "2026-11-20T11:00:00.000+0000"}],
                     "total": 1, "maxResults": 50, "startAt": 0}},
             "changelog": {"histories": [{"id": "30001", "created": "2026-11-20T12:00:00.000+0000",
                                          "author": {"displayName": "Dev One"},
                                          "items": [{"field": "description", "fromString": "token " + GHP[6],
                                                     "toString": "token (removed)"}]}]}}
    write("jira/OPS-42.json", json.dumps(issue, indent=2) + "\n")
    rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<!--  RSS generated by JIRA (9.12.0) -->
<rss version="0.92">
  <channel>
    <title>Fake Jira</title>
    <link>https://jira.example.test</link>
    <item>
      <title>[OPS-7] Rotate deploy creds</title>
      <link>https://jira.example.test/browse/OPS-7</link>
      <project id="10000" key="OPS">Operations</project>
      <description>&lt;p&gt;the old token (fake) was &lt;code&gt;{GHP[13]}&lt;/code&gt;&lt;/p&gt;</description>
      <key id="10107">OPS-7</key>
      <summary>Rotate deploy creds</summary>
      <reporter username="dev.one">Dev One</reporter>
      <created>Fri, 20 Nov 2026 10:00:00 +0000</created>
      <comments>
        <comment id="10300" author="dev.two" created="Fri, 20 Nov 2026 11:00:00 +0000">&lt;p&gt;use &lt;a href=&quot;https://ci.example.test/?x=1&amp;amp;jwt={JWT}&quot;&gt;this&lt;/a&gt;&lt;/p&gt;</comment>
      </comments>
    </item>
  </channel>
</rss>
"""
    write("jira/SearchRequest.xml", rss)
    ent = f"""<?xml version="1.0" encoding="UTF-8"?>
<entity-engine-xml date="1795176300000">
    <Project id="10000" name="Operations" key="OPS" lead="JIRAUSER10000"/>
    <Issue id="10100" project="10000" number="42" reporter="JIRAUSER10001" created="2026-11-20 10:00:00.0" summary="Staging deploy broken">
        <description><![CDATA[curl -H "Authorization: Bearer {JWT}" https://api.example.test]]></description>
    </Issue>
    <Action id="10200" issue="10100" author="JIRAUSER10002" type="comment" created="2026-11-20 11:00:00.0">
        <body><![CDATA[{{code}}export GITHUB_TOKEN={GHP[13]}{{code}}]]></body>
    </Action>
    <ChangeGroup id="10300" issue="10100" author="JIRAUSER10001" created="2026-11-20 12:00:00.0"/>
    <ChangeItem id="10400" group="10300" fieldtype="jira" field="description" oldstring="old text with {AKIA} in it" newstring="redacted"/>
</entity-engine-xml>
"""
    write("jira-backup/entities.xml", ent)
    csv = ("Summary,Issue key,Issue id,Issue Type,Status,Reporter,Created,Description,Comment,Comment\r\n"
           "Rotate deploy creds,OPS-7,10107,Task,Done,dev.one,20/Nov/26 10:00 AM,"
           f"\"multi-line description\r\nwith a \"\"quoted\"\" token (fake): {GLPAT[1]}\r\nend\","
           f"20/Nov/26 11:00 AM;dev.two;ok rotated,"
           f"\"20/Nov/26 11:30 AM;dev.one;old one was {XOXB[0]}, please revoke\"\r\n"
           "Other issue,OPS-8,10108,Bug,Open,dev.two,21/Nov/26 9:00 AM,nothing here,,\r\n")
    write("jira/export.csv", csv)


def confluence():
    ent = f"""<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2026-11-20 12:00:00">
 <object class="Space" package="com.atlassian.confluence.spaces">
  <id name="id">65537</id>
  <property name="name"><![CDATA[Developers]]></property>
  <property name="key"><![CDATA[DEV]]></property>
 </object>
 <object class="Page" package="com.atlassian.confluence.pages">
  <id name="id">98305</id>
  <property name="title"><![CDATA[Deploy runbook]]></property>
  <property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">65537</id></property>
  <property name="version">3</property>
  <property name="contentStatus"><![CDATA[current]]></property>
  <collection name="bodyContents" class="java.util.Collection">
   <element class="BodyContent" package="com.atlassian.confluence.core"><id name="id">131073</id></element>
  </collection>
 </object>
 <object class="Page" package="com.atlassian.confluence.pages">
  <id name="id">98300</id>
  <property name="title"><![CDATA[Deploy runbook]]></property>
  <property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">65537</id></property>
  <property name="version">2</property>
  <property name="originalVersion" class="Page" package="com.atlassian.confluence.pages"><id name="id">98305</id></property>
  <property name="contentStatus"><![CDATA[current]]></property>
 </object>
 <object class="BodyContent" package="com.atlassian.confluence.core">
  <id name="id">131073</id>
  <property name="body"><![CDATA[<p>Staging creds (fake):</p><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[export GITHUB_TOKEN={GHP[7]}]] ></ac:plain-text-body></ac:structured-macro><p>decoy: {DECOY_GHP}</p>]]></property>
  <property name="content" class="Page" package="com.atlassian.confluence.pages"><id name="id">98305</id></property>
  <property name="bodyType">2</property>
 </object>
 <object class="BodyContent" package="com.atlassian.confluence.core">
  <id name="id">131070</id>
  <property name="body"><![CDATA[<p>token: <code>{GHP[8]}</code></p>]]></property>
  <property name="content" class="Page" package="com.atlassian.confluence.pages"><id name="id">98300</id></property>
  <property name="bodyType">2</property>
 </object>
 <object class="Comment" package="com.atlassian.confluence.pages">
  <id name="id">229377</id>
  <property name="containerContent" class="Page" package="com.atlassian.confluence.pages"><id name="id">98305</id></property>
 </object>
 <object class="BodyContent" package="com.atlassian.confluence.core">
  <id name="id">131080</id>
  <property name="body"><![CDATA[<p>try <a href="https://ci.example.test/?a=1&amp;private_token={GLPAT[0]}">this link</a></p>]]></property>
  <property name="content" class="Comment" package="com.atlassian.confluence.pages"><id name="id">229377</id></property>
  <property name="bodyType">2</property>
 </object>
</hibernate-generic>
"""
    write("confluence/entities.xml", ent)
    html = f"""<!DOCTYPE html>
<html>
    <head>
        <title>Developers : Deploy runbook</title>
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
        <meta name="generator" content="Confluence">
    </head>
    <body class="theme-default aui-theme-default">
        <div id="page"><div id="main" class="aui-page-panel">
            <h1 id="title-heading" class="pagetitle"><span id="title-text">Developers : Deploy runbook</span></h1>
            <div id="content" class="view"><div id="main-content" class="wiki-content group">
<p>Slack hook (fake): <span>https://hooks.slack.com/services/T0FAKE123/B0FAKE456/</span><span>Zq8kW3mR7tY2vN9pL4xB6cJ1</span></p>
<div class="code panel pdl"><div class="codeContent panelContent pdl"><pre class="syntaxhighlighter-pre">export TOKEN=&quot;{GHP[13]}&quot;</pre></div></div>
            </div></div>
        </div></div>
    </body>
</html>
"""
    write("confluence-html/DEV/Deploy-runbook_98305.html", html)


def har():
    doc = {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "140.0"}, "pages": [],
                   "entries": [
        {"startedDateTime": "2026-11-20T12:05:00.000Z", "time": 12,
         "request": {"method": "GET", "url": "https://api.example.test/v1/me?verbose=1", "httpVersion": "HTTP/2",
                     "headers": [{"name": "Host", "value": "api.example.test"},
                                 {"name": "Authorization", "value": "Bearer " + JWT}],
                     "cookies": [{"name": "gh_session_fake", "value": GHP[9]}],
                     "queryString": [{"name": "verbose", "value": "1"}], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": [], "cookies": [],
                      "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                      "redirectURL": "", "headersSize": -1, "bodySize": 2},
         "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2}},
        {"startedDateTime": "2026-11-20T12:05:01.000Z", "time": 20,
         "request": {"method": "POST", "url": "https://hooks.example.test/register", "httpVersion": "HTTP/2",
                     "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                     "cookies": [], "queryString": [],
                     "postData": {"mimeType": "application/x-www-form-urlencoded",
                                  "text": "url=" + WEBHOOK.replace(":", "%3A").replace("/", "%2F") + "&name=deploys"},
                     "headersSize": -1, "bodySize": 120},
         "response": {"status": 201, "statusText": "Created", "httpVersion": "HTTP/2",
                      "headers": [{"name": "Set-Cookie", "value": "bot=" + XOXB[0] + "; Secure; HttpOnly"}],
                      "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "",
                      "headersSize": -1, "bodySize": 0},
         "cache": {}, "timings": {"send": 0, "wait": 18, "receive": 2}},
    ]}}
    write("session.har", json.dumps(doc, indent=2) + "\n")
    write("cookies.txt", "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n"
          "# This file was generated by libcurl! Edit at your own risk.\n\n"
          f".example.test\tTRUE\t/\tTRUE\t1893456000\tsession\t{JWT}\n"
          f"#HttpOnly_gitlab.example.test\tFALSE\t/\tTRUE\t0\tpat_fake\t{GLPAT[1]}\n"
          "decoy.example.test\tFALSE\t/\tFALSE\t0\tprefs\tdark-mode\n")


def transcript():
    lines = [
        {"type": "user", "uuid": "u-1", "message": {"role": "user", "content": "deploy the staging stack please"}},
        {"type": "assistant", "uuid": "a-1", "message": {"role": "assistant", "content": [
            {"type": "text", "text": "Running the deploy."},
            {"type": "tool_use", "id": "toolu_1", "name": "Bash",
             "input": {"command": "git push https://x:" + GHP[10] + "@github.com/fake/repo.git"}}]}},
        {"type": "user", "uuid": "u-2", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": "AWS_ACCESS_KEY_ID=" + AKIA + "\nAWS_REGION=eu-west-1\n"}]}},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "shell", "arguments": json.dumps({"cmd": "curl -H 'x-token: " + XOXB[1] + "' https:\/\/api.example.test"})}}]},
        {"type": "summary", "summary": "deploy session"},
    ]
    write("agent/session.jsonl", "".join(json.dumps(l) + "\n" for l in lines))


def k8s_docker():
    write("k8s-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bot-token-fake\ntype: Opaque\ndata:\n"
          f"  token: {b64(GHP[11])}\n  user: {b64('deploy-bot')}\n")
    write("docker/config.json", json.dumps({"auths": {"ghcr.io": {"auth": b64("fake-user:" + GHP[12])}}}, indent=2) + "\n")


if __name__ == "__main__":
    slack(); teams(); jira(); confluence(); har(); transcript(); k8s_docker()
