//! The audit report as one self-contained HTML page (no external assets): the
//! page a security lead opens on Monday. What to act on comes first — live
//! tokens of former staff and contractors, then every live token by risk —
//! then what changed since the previous run, sprawl, and the trend over runs.
//! Filters by source and provider hide rows (and read and write the URL's
//! `#source=…&provider=…`, so a filtered view can be linked).

use std::collections::BTreeSet;

use serde_json::Value;

use super::words::{exposure, leaker, owner, s, short_id};

/// Places shown in a table cell before `+N more`.
const PLACES: usize = 4;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `2026-12-05T10:00:00Z` as `2026-12-05 10:00 UTC`.
fn when(t: &str) -> String {
    match super::places::utc(t) {
        Some(d) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => t.to_string(),
    }
}

/// The `data-` attributes the filters read.
fn filter_attrs(f: &Value) -> String {
    let sources: Vec<&str> = arr(&f["sources"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    format!(
        " data-sources=\"{}\" data-provider=\"{}\"",
        esc(&sources.join(" ")),
        esc(s(f, "provider"))
    )
}

fn badges(f: &Value) -> String {
    arr(&f["risk"])
        .iter()
        .filter_map(Value::as_str)
        .map(|w| {
            let class = match w {
                "former owner" => "b-former",
                "live" => "b-live",
                "long-lived" => "b-long",
                w if w.ends_with("places") => "b-sprawl",
                _ => "b-plain",
            };
            format!("<span class=\"badge {class}\">{}</span>", esc(w))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn token_cell(f: &Value) -> String {
    format!(
        "<b>{}</b><br><code>{}</code><br><span class=\"id\" title=\"finding id: tokenhound revoke takes it\">id {}</span>",
        esc(s(f, "name")),
        esc(s(f, "secret")),
        esc(&short_id(f))
    )
}

fn places_cell(places: &[Value]) -> String {
    let mut out: Vec<String> = places
        .iter()
        .take(PLACES)
        .map(|p| format!("<div class=\"place\">{}</div>", esc(s(p, "where"))))
        .collect();
    if places.len() > PLACES {
        out.push(format!(
            "<div class=\"more\">+{} more place{}</div>",
            places.len() - PLACES,
            if places.len() - PLACES == 1 { "" } else { "s" }
        ));
    }
    out.join("")
}

fn people_cell(f: &Value) -> String {
    let mut out: Vec<String> = arr(&f["leaked_by"])
        .iter()
        .map(|l| format!("<div>{}</div>", esc(&leaker(l))))
        .collect();
    if out.is_empty() {
        out.push("<span class=\"muted\">not recorded by the source</span>".into());
    }
    out.join("")
}

fn owner_cell(f: &Value) -> String {
    match f.get("owner").filter(|o| o.is_object()) {
        Some(o) => {
            let former = f["owner_status"] == "former";
            format!(
                "<span class=\"{}\">{}</span>",
                if former { "former" } else { "" },
                esc(&owner(o, f["owner_status"].as_str()))
            )
        }
        None => "<span class=\"muted\">unknown</span>".into(),
    }
}

fn status_cell(f: &Value) -> String {
    let mut out = match f["verification"]["status"].as_str() {
        Some(st) => format!(
            "<span class=\"st st-{}\">{}</span><br><span class=\"muted\">run {}</span>",
            esc(st),
            esc(st),
            f["verification"]["run"]
        ),
        None => "<span class=\"muted\">not verified</span>".into(),
    };
    if let Some(r) = f.get("revocation").filter(|r| r.is_object()) {
        out.push_str(&format!(
            "<div class=\"rev\" title=\"{}\">revocation: {}<br><span class=\"muted\">{}</span></div>",
            esc(s(r, "reason")),
            esc(s(r, "status")),
            esc(&when(s(r, "attempted_at")))
        ));
    }
    out
}

/// A table of findings; `gone` tables say when they were last seen instead of
/// their status.
fn findings_table(items: &[Value], gone: bool) -> String {
    let mut t = String::from(
        "<table><thead><tr><th>risk</th><th>token</th><th>where</th><th>leaked by</th><th>owner</th><th>exposed</th>",
    );
    t.push_str(if gone {
        "<th>last seen</th><th>what to do</th></tr></thead><tbody>\n"
    } else {
        "<th>status</th><th>what to do</th></tr></thead><tbody>\n"
    });
    for f in items {
        let last = if gone {
            format!("run {}", f["last_seen_run"])
        } else {
            status_cell(f)
        };
        t.push_str(&format!(
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}<br><span class=\"muted\">first audit: run {}</span></td><td>{}</td><td class=\"todo\">{}</td></tr>\n",
            filter_attrs(f),
            badges(f),
            token_cell(f),
            places_cell(arr(&f["places"])),
            people_cell(f),
            owner_cell(f),
            esc(&exposure(f)),
            f["first_seen_run"],
            last,
            esc(s(f, "revoke")),
        ));
    }
    t.push_str("</tbody></table>\n");
    t
}

/// A section: its heading with a count the filters update, a line on what it
/// holds, and its table (or a sentence when it is empty).
fn section(id: &str, title: &str, about: &str, items: &[Value], empty: &str, gone: bool) -> String {
    let mut out = format!(
        "<section id=\"{id}\"><h2>{} <span class=\"count\" data-total=\"{n}\">{n}</span></h2>\n",
        esc(title),
        n = items.len()
    );
    if !about.is_empty() {
        out.push_str(&format!("<p class=\"about\">{}</p>\n", esc(about)));
    }
    if items.is_empty() {
        out.push_str(&format!("<p class=\"none\">{}</p>\n", esc(empty)));
    } else {
        out.push_str(&findings_table(items, gone));
    }
    out.push_str("</section>\n");
    out
}

/// A self-contained HTML page (no external assets).
pub fn html(report: &Value) -> String {
    let mut body = String::new();
    let run = &report["run"];
    if !run.is_object() {
        body.push_str("<h1>tokenhound audit</h1>\n<p class=\"none\">The store holds no runs yet: run <code>tokenhound audit --store …</code> first.</p>\n");
        return page("tokenhound audit", &body);
    }
    let prev = &report["previous_run"];
    body.push_str(&format!(
        "<header><h1>tokenhound audit · run {}</h1>\n<p class=\"meta\">Started {} · {} findings · {} files, {} bytes scanned · {}</p>\n",
        run["id"],
        esc(&when(s(run, "started_at"))),
        run["findings"],
        run["files_scanned"],
        run["bytes_scanned"],
        if run["complete"] == true {
            "complete".to_string()
        } else {
            "<b class=\"warn\">INCOMPLETE</b>: some inputs could not be read or units are not done".to_string()
        }
    ));
    if prev.is_object() {
        body.push_str(&format!(
            "<p class=\"meta\">Compared with run {} (started {}).</p>\n",
            prev["id"],
            esc(&when(s(prev, "started_at")))
        ));
    } else {
        body.push_str("<p class=\"meta first\">First run: there is no previous run to compare with yet, so every finding is new and nothing is gone.</p>\n");
    }
    body.push_str("</header>\n");
    if let Some(missing) = run["units"]["missing"].as_array().filter(|m| !m.is_empty()) {
        body.push_str(&format!(
            "<section id=\"missing\"><h2 class=\"warn\">Incomplete run: {} of {} units not done</h2>\n<p class=\"about\">New and gone cover only the units done.</p>\n<table><thead><tr><th>unit</th><th>source</th><th>state</th><th>attempts</th></tr></thead><tbody>\n",
            missing.len(),
            run["units"]["total"]
        ));
        for m in missing {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                m["seq"],
                esc(s(m, "source")),
                esc(s(m, "state")),
                m["attempts"]
            ));
        }
        body.push_str("</tbody></table></section>\n");
    }
    let (former, live, new, gone) = (
        arr(&report["former_live"]),
        arr(&report["still_live"]),
        arr(&report["new"]),
        arr(&report["gone"]),
    );
    let sprawled: Vec<&Value> = arr(&report["sprawl"])
        .iter()
        .filter(|x| x["place_count"].as_u64().unwrap_or(0) > 1)
        .collect();
    let card = |n: usize, what: &str, href: &str, alert: bool| {
        format!(
            "<a class=\"card{}\" href=\"#{href}\"><span class=\"n\">{n}</span>{}</a>",
            if alert && n > 0 { " alert" } else { "" },
            esc(what)
        )
    };
    body.push_str("<nav class=\"cards\">");
    body.push_str(&card(
        former.len(),
        "live tokens of former staff",
        "former-live",
        true,
    ));
    body.push_str(&card(live.len(), "still live", "still-live", true));
    body.push_str(&card(new.len(), "new", "new", false));
    body.push_str(&card(gone.len(), "gone", "gone", false));
    body.push_str(&card(
        sprawled.len(),
        "in more than one place",
        "sprawl",
        false,
    ));
    body.push_str("</nav>\n");
    body.push_str(&filters(report));
    body.push_str(&section(
        "former-live",
        "Tokens of former staff and contractors still live",
        "Live tokens whose owner, as their issuer names them, the roster lists as having left. Revoke these first.",
        former,
        "None. (Knowing takes `tokenhound audit --verify --roster FILE`.)",
        false,
    ));
    body.push_str(&section(
        "still-live",
        "Still live",
        "Verified live in this or an earlier run, highest risk first: former owner, long-lived, in more places, exposed longer.",
        live,
        "None verified live. (Verification takes `tokenhound audit --verify`.)",
        false,
    ));
    let since = if prev.is_object() {
        format!("since run {}", prev["id"])
    } else {
        "(first run)".into()
    };
    body.push_str(&section(
        "new",
        &format!("New {since}"),
        "",
        new,
        "Nothing new.",
        false,
    ));
    if prev.is_object() {
        body.push_str(&section(
            "gone",
            &format!("Gone {since}"),
            "Seen by the previous run, not by this one: removed, or its input was not scanned. A token gone from a file may still be live: revoke it anyway.",
            gone,
            "Nothing gone.",
            true,
        ));
    }
    body.push_str(&sprawl_section(&sprawled));
    body.push_str(&chart(arr(&report["history"])));
    body.push_str(&format!(
        "<footer>Mapping: OWASP NHI Top 10 {}; {}. Secrets are redacted: the store holds raw values only with <code>--store-secrets</code>, and this page never shows them.</footer>\n",
        esc(s(&report["mapping"], "owasp_nhi")),
        report["mapping"]["cwe"]
            .as_object()
            .map(|m| m
                .iter()
                .map(|(k, v)| format!("{} {}", esc(k), esc(v.as_str().unwrap_or(""))))
                .collect::<Vec<_>>()
                .join("; "))
            .unwrap_or_default()
    ));
    body.push_str(SCRIPT);
    page(&format!("tokenhound audit · run {}", run["id"]), &body)
}

fn sprawl_section(sprawled: &[&Value]) -> String {
    let mut out = format!(
        "<section id=\"sprawl\"><h2>Sprawl <span class=\"count\" data-total=\"{n}\">{n}</span></h2>\n<p class=\"about\">Tokens seen in more than one place (a repository's file and its history are one place; so is a line that moved). One revocation closes every place.</p>\n",
        n = sprawled.len()
    );
    if sprawled.is_empty() {
        out.push_str("<p class=\"none\">No token is in more than one place.</p></section>\n");
        return out;
    }
    out.push_str("<table><thead><tr><th>token</th><th>places</th><th>sources</th><th>where</th><th>what to do</th></tr></thead><tbody>\n");
    for sp in sprawled {
        let sources: Vec<&str> = arr(&sp["sources"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let places: Vec<String> = arr(&sp["places"])
            .iter()
            .map(|p| format!("<div class=\"place\">{}</div>", esc(s(p, "where"))))
            .collect();
        out.push_str(&format!(
            "<tr{}><td><b>{}</b><br><span class=\"id\">id {}</span></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"todo\">{}</td></tr>\n",
            filter_attrs(sp),
            esc(s(sp, "name")),
            esc(&short_id(sp)),
            sp["place_count"],
            esc(&sources.join(", ")),
            places.join(""),
            esc(s(sp, "revoke"))
        ));
    }
    out.push_str("</tbody></table></section>\n");
    out
}

/// The filters: every source and provider of the report's findings.
fn filters(report: &Value) -> String {
    let mut sources = BTreeSet::new();
    let mut providers = BTreeSet::new();
    for key in ["former_live", "still_live", "new", "gone", "sprawl"] {
        for f in arr(&report[key]) {
            sources.extend(arr(&f["sources"]).iter().filter_map(Value::as_str));
            providers.insert(s(f, "provider"));
        }
    }
    providers.remove("");
    let options = |set: &BTreeSet<&str>| -> String {
        set.iter()
            .map(|v| format!("<option value=\"{0}\">{0}</option>", esc(v)))
            .collect()
    };
    format!(
        "<form class=\"filters\" id=\"filters\"><label>Source <select id=\"f-source\"><option value=\"\">all</option>{}</select></label> <label>Provider <select id=\"f-provider\"><option value=\"\">all</option>{}</select></label> <span id=\"f-note\" class=\"muted\"></span></form>\n",
        options(&sources),
        options(&providers)
    )
}

/// Rounds a chart's top up to 1, 2 or 5 times a power of ten.
fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// An inline SVG chart of findings, new findings and live tokens per run, with
/// labelled axes and a point per run; none before there are two runs.
fn chart(history: &[Value]) -> String {
    let mut out = String::from("<section id=\"trend\"><h2>Findings over runs</h2>\n");
    if history.len() < 2 {
        out.push_str("<p class=\"none\">One run so far: the trend starts with the second run.</p></section>\n");
        return out;
    }
    let (w, h) = (760.0_f64, 280.0_f64);
    let (left, right, top, bottom) = (64.0_f64, 20.0_f64, 30.0_f64, 62.0_f64);
    let series: [(&str, &str, &str); 3] = [
        ("findings", "findings", "#7a1f1f"),
        ("new", "new", "#1f5fa8"),
        ("live", "live", "#d97706"),
    ];
    let val = |p: &Value, k: &str| p[k].as_i64().unwrap_or(0);
    let max = history
        .iter()
        .flat_map(|p| series.iter().map(move |s| val(p, s.0)))
        .max()
        .unwrap_or(0);
    let top_value = nice_ceiling(max.max(1));
    let n = history.len();
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1) as f64;
    let y = |v: i64| h - bottom - (h - top - bottom) * v as f64 / top_value as f64;
    let mut svg = format!(
        "<svg id=\"findings-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"findings, new findings and live tokens per audit run\">\n"
    );
    // Horizontal grid and y ticks: whole steps of a fifth (or a half) of the
    // top, which is 1, 2 or 5 times a power of ten.
    let parts = [5, 4, 2, 1]
        .into_iter()
        .find(|d| top_value % d == 0)
        .unwrap_or(1);
    let ticks: Vec<i64> = (0..=parts).map(|k| top_value * k / parts).collect();
    for v in ticks {
        let yy = y(v);
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e5e5e5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{v}</text>\n",
            w - right,
            left - 6.0,
            yy + 4.0
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b:.1}\" stroke=\"#888\"/><line x1=\"{left}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#888\"/>\n",
        b = h - bottom,
        r = w - right
    ));
    // X ticks: every run when they fit, else every k-th.
    let every = n.div_ceil(12).max(1);
    for (i, p) in history.iter().enumerate() {
        if i % every != 0 && i != n - 1 {
            continue;
        }
        let date = s(p, "started_at").get(5..10).unwrap_or("");
        svg.push_str(&format!(
            "<line x1=\"{xx:.1}\" y1=\"{b:.1}\" x2=\"{xx:.1}\" y2=\"{b2:.1}\" stroke=\"#888\"/><text x=\"{xx:.1}\" y=\"{t1:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">{}</text><text x=\"{xx:.1}\" y=\"{t2:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#777\">{}</text>\n",
            p["run"],
            esc(date),
            xx = x(i),
            b = h - bottom,
            b2 = h - bottom + 4.0,
            t1 = h - bottom + 16.0,
            t2 = h - bottom + 28.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">audit run (number and start date)</text>\n",
        left + (w - left - right) / 2.0,
        h - 8.0
    ));
    svg.push_str(&format!(
        "<text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\" transform=\"rotate(-90 14 {:.1})\">tokens</text>\n",
        top + (h - top - bottom) / 2.0,
        top + (h - top - bottom) / 2.0
    ));
    for (k, name, color) in series {
        let points: Vec<String> = history
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(val(p, k))))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
            points.join(" ")
        ));
        for (i, p) in history.iter().enumerate() {
            svg.push_str(&format!(
                "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"><title>run {}, {}: {} {name}</title></circle>\n",
                x(i),
                y(val(p, k)),
                p["run"],
                esc(&when(s(p, "started_at"))),
                val(p, k)
            ));
        }
    }
    // Legend, top right.
    for (j, (_, name, color)) in series.iter().enumerate() {
        let lx = w - right - 240.0 + 80.0 * j as f64;
        svg.push_str(&format!(
            "<rect x=\"{lx:.1}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"18\" font-size=\"12\" fill=\"#333\">{name}</text>\n",
            lx + 16.0
        ));
    }
    svg.push_str("</svg>\n");
    out.push_str(&svg);
    out.push_str("<p class=\"about\">findings: every finding a run recorded; new: first seen by that run; live: verified live by that run (runs without <code>--verify</code> show 0).</p></section>\n");
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\n<style>\n{STYLE}</style></head><body>\n{body}</body></html>\n",
        esc(title)
    )
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;padding:1.5em 2em;max-width:1500px;color:#1f2328;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.meta{margin:.2em 0;color:#444}.first{background:#fff8e1;border-left:4px solid #d97706;padding:.4em .8em}
.warn{color:#b00}.about{color:#555;margin:.2em 0 .6em;font-size:.92em}.none{color:#555;font-style:italic}.muted{color:#777;font-size:.9em}
.cards{display:flex;gap:12px;margin:1em 0;flex-wrap:wrap}.card{display:block;min-width:150px;padding:.6em 1em;border:1px solid #d0d7de;border-radius:8px;color:#1f2328;text-decoration:none;background:#f6f8fa}
.card .n{display:block;font-size:1.9em;font-weight:600}.card.alert{background:#ffebe9;border-color:#cf222e}.card.alert .n{color:#cf222e}
.filters{margin:.6em 0 0;padding:.5em .8em;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px}.filters label{margin-right:1.2em}
table{border-collapse:collapse;width:100%;margin-bottom:1em;font-size:13px}th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}tbody tr:nth-child(even){background:#fafbfc}td.num{text-align:right}
code{font-size:12px;background:#f0f0f0;padding:0 3px;border-radius:3px}.id{font-family:ui-monospace,monospace;font-size:11px;color:#666}
.place{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all;margin-bottom:2px}.more{color:#666;font-size:12px}
.badge{display:inline-block;padding:1px 6px;margin:1px 0;border-radius:10px;font-size:11px;white-space:nowrap;background:#eaeef2}
.b-former{background:#82071e;color:#fff}.b-live{background:#cf222e;color:#fff}.b-long{background:#fff1c2;color:#6b4b00}.b-sprawl{background:#e8dcff;color:#4a1d96}
.st{font-weight:600}.st-live{color:#cf222e}.st-dead{color:#1a7f37}.former{color:#82071e;font-weight:600}.rev{margin-top:4px;font-size:12px}
td.todo{font-size:12px;color:#333;max-width:260px}#findings-chart{border:1px solid #d0d7de;border-radius:6px;background:#fff}
footer{margin-top:2em;color:#666;font-size:12px;border-top:1px solid #d0d7de;padding-top:.6em}tr[hidden]{display:none}
";

/// Filters rows by source and provider; the choice lives in the URL's hash.
const SCRIPT: &str = "<script>
(function(){
  var fs=document.getElementById('f-source'),fp=document.getElementById('f-provider'),note=document.getElementById('f-note');
  if(!fs||!fp)return;
  function apply(byUser){
    var s=fs.value,p=fp.value;
    document.querySelectorAll('section').forEach(function(sec){
      var rows=sec.querySelectorAll('tr[data-provider]'),shown=0;
      rows.forEach(function(tr){
        var ok=(!s||tr.getAttribute('data-sources').split(' ').indexOf(s)>=0)&&(!p||tr.getAttribute('data-provider')===p);
        if(ok){tr.removeAttribute('hidden');shown++;}else{tr.setAttribute('hidden','');}
      });
      var c=sec.querySelector('h2 .count');
      if(c&&rows.length){c.textContent=(s||p)?(shown+' of '+c.getAttribute('data-total')):c.getAttribute('data-total');}
    });
    note.textContent=(s||p)?'filtered: '+[s&&('source '+s),p&&('provider '+p)].filter(Boolean).join(', '):'';
    var h=[s&&('source='+encodeURIComponent(s)),p&&('provider='+encodeURIComponent(p))].filter(Boolean).join('&');
    if(byUser&&history.replaceState){history.replaceState({},'',h?'#'+h:location.pathname+location.search);}
  }
  location.hash.replace(/^#/,'').split('&').forEach(function(kv){
    var i=kv.indexOf('='),k=kv.slice(0,i),v=decodeURIComponent(kv.slice(i+1));
    if(k==='source')fs.value=v;if(k==='provider')fp.value=v;
  });
  fs.addEventListener('change',function(){apply(true);});fp.addEventListener('change',function(){apply(true);});
  apply(false);
})();
</script>
";
