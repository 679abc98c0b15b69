//! Run-to-run reports over the audit store: what is new since the previous run,
//! what is gone, what is still live (and for how long), and per token its sprawl:
//! every place the same secret was seen, so one revocation closes all of them.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::{last_two_runs, run_json};

/// Sources where a secret sits in code or config: hard-coded credentials.
const CODE_SOURCES: &[&str] = &["file", "git", "staged", "working-tree"];

/// CWE ids for a finding seen at these sources: CWE-798 (hard-coded credentials)
/// in code and config, CWE-522 (insufficiently protected credentials) in logs,
/// chat, wiki, HAR files and transcripts.
pub fn cwe_for(sources: &[String]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if sources.iter().any(|s| CODE_SOURCES.contains(&s.as_str())) {
        out.push("CWE-798");
    }
    if sources.iter().any(|s| !CODE_SOURCES.contains(&s.as_str())) {
        out.push("CWE-522");
    }
    out
}

fn days_between(from: &str, to: &chrono::DateTime<chrono::Utc>) -> i64 {
    chrono::DateTime::parse_from_rfc3339(from)
        .map(|t| (*to - t.with_timezone(&chrono::Utc)).num_days())
        .unwrap_or(0)
}

/// The JSON report: `{run, previous_run, new, gone, still_live, sprawl, history}`.
pub fn build(conn: &Connection) -> Result<Value> {
    let (run, prev) = last_two_runs(conn)?;
    let Some(run) = run else {
        return Ok(
            json!({"run": null, "previous_run": null, "new": [], "gone": [], "still_live": [], "sprawl": [], "history": []}),
        );
    };
    let now = chrono::Utc::now();
    let run_started: HashMap<i64, String> = {
        let mut stmt = conn.prepare("SELECT id, started_at FROM runs")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    // Every location per fingerprint (for sprawl and CWE mapping).
    let mut locations: HashMap<String, Vec<Value>> = HashMap::new();
    let mut sources: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT l.fingerprint, l.source, l.path, l.line, l.col, l.anchor, l.first_seen_run, l.last_seen_run
             FROM locations l
             WHERE l.fingerprint IN (SELECT fingerprint FROM run_findings WHERE run_id IN (?1, ?2))
             ORDER BY l.fingerprint, l.source, l.path, l.line",
        )?;
        let mut rows = stmt.query(params![run, prev.unwrap_or(-1)])?;
        while let Some(r) = rows.next()? {
            let fp: String = r.get(0)?;
            let source: String = r.get(1)?;
            let anchor: Value = serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default();
            let mut loc = json!({
                "source": source,
                "path": r.get::<_, String>(2)?,
                "line": r.get::<_, i64>(3)?,
                "column": r.get::<_, i64>(4)?,
                "first_seen_run": r.get::<_, i64>(6)?,
                "last_seen_run": r.get::<_, i64>(7)?,
            });
            if let (Value::Object(m), Value::Object(a)) = (&mut loc, anchor) {
                m.extend(a);
            }
            let s = sources.entry(fp.clone()).or_default();
            if !s.contains(&source) {
                s.push(source);
            }
            locations.entry(fp).or_default().push(loc);
        }
    }
    // Latest verification per fingerprint.
    let mut latest_verification: HashMap<String, Value> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT v.fingerprint, v.status, v.checked_at, v.detail, v.run_id FROM verifications v
             WHERE v.run_id = (SELECT MAX(run_id) FROM verifications w WHERE w.fingerprint = v.fingerprint)",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            latest_verification.insert(
                r.get(0)?,
                json!({
                    "status": r.get::<_, String>(1)?,
                    "checked_at": r.get::<_, String>(2)?,
                    "detail": serde_json::from_str::<Value>(&r.get::<_, String>(3)?).unwrap_or_default(),
                    "run": r.get::<_, i64>(4)?,
                }),
            );
        }
    }
    let finding_rows = |sql: &str, a: i64, b: Option<i64>| -> Result<Vec<Value>> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = if stmt.parameter_count() == 2 {
            stmt.query(params![a, b.unwrap_or(-1)])?
        } else {
            stmt.query(params![a])?
        };
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let fp: String = r.get(0)?;
            let first: i64 = r.get(8)?;
            let first_at = run_started.get(&first).cloned().unwrap_or_default();
            let srcs = sources.get(&fp).cloned().unwrap_or_default();
            let mut v = json!({
                "fingerprint": fp,
                "rule_id": r.get::<_, String>(1)?,
                "name": r.get::<_, String>(2)?,
                "provider": r.get::<_, String>(3)?,
                "kind": r.get::<_, String>(4)?,
                "lifetime": r.get::<_, String>(5)?,
                "revoke": r.get::<_, String>(6)?,
                "secret": r.get::<_, String>(7)?,
                "first_seen_run": first,
                "first_seen_at": first_at,
                "last_seen_run": r.get::<_, i64>(9)?,
                "age_days": days_between(&first_at, &now),
                "owasp_nhi": "NHI-02",
                "cwe": cwe_for(&srcs),
                "sources": srcs,
            });
            if let Some(ver) = latest_verification.get(&fp) {
                v["verification"] = ver.clone();
            }
            out.push(v);
        }
        Ok(out)
    };
    const COLS: &str = "f.fingerprint, f.rule_id, f.name, f.provider, f.kind, f.lifetime, f.revoke, f.secret_redacted, f.first_seen_run, f.last_seen_run";
    let in_run = format!("SELECT {COLS} FROM findings f JOIN run_findings rf ON rf.fingerprint = f.fingerprint AND rf.run_id = ?1");
    let new = finding_rows(
        &format!("{in_run} WHERE NOT EXISTS (SELECT 1 FROM run_findings p WHERE p.run_id = ?2 AND p.fingerprint = f.fingerprint) ORDER BY f.rule_id, f.fingerprint"),
        run,
        prev,
    )?;
    let gone = match prev {
        Some(p) => finding_rows(
            &format!("SELECT {COLS} FROM findings f JOIN run_findings rf ON rf.fingerprint = f.fingerprint AND rf.run_id = ?1 WHERE NOT EXISTS (SELECT 1 FROM run_findings c WHERE c.run_id = ?2 AND c.fingerprint = f.fingerprint) ORDER BY f.rule_id, f.fingerprint"),
            p,
            Some(run),
        )?,
        None => Vec::new(),
    };
    let current = finding_rows(
        &format!("{in_run} ORDER BY f.rule_id, f.fingerprint"),
        run,
        None,
    )?;
    let still_live: Vec<Value> = current
        .iter()
        .filter(|f| f["verification"]["status"] == "live")
        .cloned()
        .collect();
    let mut sprawl: Vec<Value> = current
        .iter()
        .map(|f| {
            let fp = f["fingerprint"].as_str().unwrap_or_default();
            json!({
                "fingerprint": fp,
                "rule_id": f["rule_id"],
                "name": f["name"],
                "revoke": f["revoke"],
                "sources": f["sources"],
                "locations": locations.get(fp).cloned().unwrap_or_default(),
            })
        })
        .collect();
    sprawl.sort_by_key(|s| {
        let n_src = s["sources"].as_array().map(Vec::len).unwrap_or(0);
        let n_loc = s["locations"].as_array().map(Vec::len).unwrap_or(0);
        (std::cmp::Reverse(n_src), std::cmp::Reverse(n_loc))
    });
    // Findings and new findings per run, for the chart.
    let mut history = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT r.id, r.started_at, r.findings,
               (SELECT COUNT(*) FROM findings f WHERE f.first_seen_run = r.id)
             FROM runs r ORDER BY r.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            history.push(json!({"run": r.get::<_, i64>(0)?, "started_at": r.get::<_, String>(1)?, "findings": r.get::<_, i64>(2)?, "new": r.get::<_, i64>(3)?}));
        }
    }
    Ok(json!({
        "run": run_json(conn, run)?,
        "previous_run": match prev { Some(p) => run_json(conn, p)?, None => None },
        "new": new,
        "gone": gone,
        "still_live": still_live,
        "sprawl": sprawl,
        "history": history,
        "mapping": {"owasp_nhi": "NHI-02 (secret leakage)", "cwe": {"CWE-798": "hard-coded credentials (code, config, git history)", "CWE-522": "insufficiently protected credentials (logs, chat, wiki, browser exports, transcripts)"}},
    }))
}

/// A short text rendering of the report.
pub fn human(report: &Value) -> String {
    let mut out = String::new();
    let Some(run) = report["run"].as_object() else {
        return "the store holds no runs yet\n".into();
    };
    out.push_str(&format!(
        "run {} ({}): {} findings{}\n",
        run["id"],
        run["started_at"].as_str().unwrap_or(""),
        run["findings"],
        if run["complete"] == false {
            " — INCOMPLETE: some inputs could not be read"
        } else {
            ""
        }
    ));
    match report["previous_run"].as_object() {
        Some(p) => out.push_str(&format!(
            "compared with run {} ({})\n",
            p["id"],
            p["started_at"].as_str().unwrap_or("")
        )),
        None => out.push_str("first run: every finding is new\n"),
    }
    let section = |out: &mut String, title: &str, items: &Value| {
        let items = items.as_array().cloned().unwrap_or_default();
        out.push_str(&format!("\n{title}: {}\n", items.len()));
        for f in items.iter().take(200) {
            out.push_str(&format!(
                "  {} {} {} (first seen {} days ago; {}; {})\n",
                &f["fingerprint"].as_str().unwrap_or("")
                    [..16.min(f["fingerprint"].as_str().unwrap_or("").len())],
                f["rule_id"].as_str().unwrap_or(""),
                f["secret"].as_str().unwrap_or(""),
                f["age_days"],
                f["owasp_nhi"].as_str().unwrap_or(""),
                f["cwe"]
                    .as_array()
                    .map(|c| c
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ));
        }
        if items.len() > 200 {
            out.push_str(&format!(
                "  … {} more (use --format json)\n",
                items.len() - 200
            ));
        }
    };
    section(&mut out, "NEW since the previous run", &report["new"]);
    section(&mut out, "GONE since the previous run", &report["gone"]);
    section(&mut out, "STILL LIVE", &report["still_live"]);
    let sprawled: Vec<&Value> = report["sprawl"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|x| x["locations"].as_array().map(Vec::len).unwrap_or(0) > 1)
                .collect()
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "\nSPRAWL (tokens seen in more than one place): {}\n",
        sprawled.len()
    ));
    for s in sprawled.iter().take(100) {
        out.push_str(&format!(
            "  {} {}: revoke once, closes all of:\n",
            &s["fingerprint"].as_str().unwrap_or("")[..16],
            s["rule_id"].as_str().unwrap_or("")
        ));
        for l in s["locations"].as_array().into_iter().flatten().take(20) {
            out.push_str(&format!(
                "    {} {}:{}\n",
                l["source"].as_str().unwrap_or(""),
                l["path"].as_str().unwrap_or(""),
                l["line"]
            ));
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained HTML page (no external assets): a table per status and an
/// SVG chart of findings over runs.
pub fn html(report: &Value) -> String {
    let mut body = String::new();
    let table = |title: &str, id: &str, items: &Value| -> String {
        let mut t = format!(
            "<h2 id=\"{id}\">{} <span class=\"count\">{}</span></h2>\n",
            esc(title),
            items.as_array().map(Vec::len).unwrap_or(0)
        );
        t.push_str("<table><thead><tr><th>id</th><th>rule</th><th>secret</th><th>kind</th><th>first seen</th><th>age (days)</th><th>verification</th><th>mapping</th><th>revoke</th></tr></thead><tbody>\n");
        for f in items.as_array().into_iter().flatten() {
            t.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>\n",
                esc(&f["fingerprint"].as_str().unwrap_or("").chars().take(16).collect::<String>()),
                esc(f["rule_id"].as_str().unwrap_or("")),
                esc(f["secret"].as_str().unwrap_or("")),
                esc(f["kind"].as_str().unwrap_or("")),
                esc(f["first_seen_at"].as_str().unwrap_or("")),
                f["age_days"],
                esc(f["verification"]["status"].as_str().unwrap_or("not verified")),
                esc(f["owasp_nhi"].as_str().unwrap_or("")),
                esc(&f["cwe"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()),
                esc(f["revoke"].as_str().unwrap_or("")),
            ));
        }
        t.push_str("</tbody></table>\n");
        t
    };
    let run = &report["run"];
    body.push_str(&format!(
        "<h1>tokenhound audit</h1>\n<p>Run <b>{}</b> started {} · {} findings · previous run {}</p>\n",
        run["id"],
        esc(run["started_at"].as_str().unwrap_or("")),
        run["findings"],
        report["previous_run"]["id"]
    ));
    body.push_str(&chart(&report["history"]));
    body.push_str(&table("New since the previous run", "new", &report["new"]));
    body.push_str(&table(
        "Gone since the previous run",
        "gone",
        &report["gone"],
    ));
    body.push_str(&table("Still live", "still-live", &report["still_live"]));
    body.push_str("<h2 id=\"sprawl\">Sprawl</h2>\n<table><thead><tr><th>id</th><th>rule</th><th>sources</th><th>locations</th></tr></thead><tbody>\n");
    for s in report["sprawl"].as_array().into_iter().flatten() {
        let locs: Vec<String> = s["locations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                esc(&format!(
                    "{} {}:{}",
                    l["source"].as_str().unwrap_or(""),
                    l["path"].as_str().unwrap_or(""),
                    l["line"]
                ))
            })
            .collect();
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&s["fingerprint"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(16)
                .collect::<String>()),
            esc(s["rule_id"].as_str().unwrap_or("")),
            esc(&s["sources"]
                .as_array()
                .map(|c| c
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()),
            locs.join("<br>")
        ));
    }
    body.push_str("</tbody></table>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tokenhound audit</title>\n<style>\nbody{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin-bottom:2em;font-size:13px}}th,td{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f3f3f3}}.count{{color:#b00}}code{{font-size:12px}}svg{{border:1px solid #ddd}}\n</style></head><body>\n{body}</body></html>\n"
    )
}

/// An inline SVG line chart of findings (and new findings) per run.
fn chart(history: &Value) -> String {
    let points: Vec<(i64, i64)> = history
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["findings"].as_i64().unwrap_or(0),
                h["new"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let (w, h, pad) = (640.0_f64, 200.0_f64, 30.0_f64);
    let max = points
        .iter()
        .map(|p| p.0.max(p.1))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = points.len().max(2) as f64;
    let xy = |i: usize, v: i64| {
        (
            pad + (w - 2.0 * pad) * i as f64 / (n - 1.0),
            h - pad - (h - 2.0 * pad) * v as f64 / max,
        )
    };
    let line = |sel: fn(&(i64, i64)) -> i64| -> String {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (x, y) = xy(i, sel(p));
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<h2 id=\"chart\">Findings over runs</h2>\n<svg id=\"findings-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"findings per run\">\n<line x1=\"{pad}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#999\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{y0}\" stroke=\"#999\"/>\n<text x=\"2\" y=\"{pad}\" font-size=\"10\">{max}</text>\n<polyline fill=\"none\" stroke=\"#b00\" stroke-width=\"2\" points=\"{all}\"/>\n<polyline fill=\"none\" stroke=\"#06c\" stroke-width=\"2\" points=\"{new}\"/>\n<text x=\"{lx}\" y=\"14\" font-size=\"11\" fill=\"#b00\">findings</text><text x=\"{lx2}\" y=\"14\" font-size=\"11\" fill=\"#06c\">new</text>\n</svg>\n",
        y0 = h - pad,
        x1 = w - pad,
        all = line(|p| p.0),
        new = line(|p| p.1),
        lx = w - 140.0,
        lx2 = w - 70.0,
    )
}
