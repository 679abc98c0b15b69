//! Run-to-run reports over the audit store: what is new since the previous run,
//! what is gone, what is still live (and for how long), and per token its sprawl:
//! every place the same secret was seen, so one revocation closes all of them.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use super::queue::{missing_units, totals_by_run, unit_sources, UnitTotals};
use super::{Store, Tx};

/// Sources where a secret sits in code or config: hard-coded credentials.
const CODE_SOURCES: &[&str] = &["file", "git", "staged", "working-tree"];

/// True when a location is code or config (a hard-coded credential) rather than
/// a log, chat, wiki page, browser export or transcript.
fn is_code(loc: &Location) -> bool {
    let log = loc.path.ends_with(".log")
        || loc.anchor.contains_key("ci")
        || loc
            .anchor
            .get("decoded")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|l| l == "ci-log"));
    CODE_SOURCES.contains(&loc.source.as_str()) && !log
}

/// CWE ids for a finding seen at these locations: CWE-798 (hard-coded
/// credentials) in code and config, CWE-522 (insufficiently protected
/// credentials) in logs, chat, wiki, HAR files and transcripts.
pub fn cwe_for(locations: &[Location]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if locations.iter().any(is_code) {
        out.push("CWE-798");
    }
    if locations.iter().any(|l| !is_code(l)) {
        out.push("CWE-522");
    }
    out
}

fn days_between(from: &str, to: &chrono::DateTime<chrono::Utc>) -> i64 {
    chrono::DateTime::parse_from_rfc3339(from)
        .map(|t| (*to - t.with_timezone(&chrono::Utc)).num_days())
        .unwrap_or(0)
}

/// One finding of the report.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub fingerprint: String,
    pub rule_id: String,
    pub name: String,
    pub provider: String,
    pub kind: String,
    pub lifetime: String,
    pub revoke: String,
    /// Redacted (raw values are never reported, even when stored).
    pub secret: String,
    pub first_seen_run: i64,
    pub first_seen_at: String,
    pub last_seen_run: i64,
    /// Days since the run that first saw it.
    pub age_days: i64,
    pub owasp_nhi: &'static str,
    pub cwe: Vec<&'static str>,
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Value>,
    #[serde(skip)]
    id: i64,
}

/// One place a finding was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub source: String,
    pub path: String,
    pub line: i64,
    pub column: i64,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
    /// Source anchors (git commit, Slack channel/ts, Jira issue, CI job, …).
    #[serde(flatten)]
    pub anchor: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct SprawlRow<'a> {
    fingerprint: &'a str,
    rule_id: &'a str,
    name: &'a str,
    revoke: &'a str,
    sources: &'a [String],
    locations: &'a [Location],
}

/// Everything a report shows, read from the store.
pub struct AuditReport {
    run: Option<Value>,
    previous_run: Option<Value>,
    rows: Vec<FindingRow>,
    locations: HashMap<i64, Vec<Location>>,
    current: HashSet<i64>,
    previous: HashSet<i64>,
    history: Vec<Value>,
}

#[derive(Serialize)]
struct ReportDoc<'a> {
    run: &'a Option<Value>,
    previous_run: &'a Option<Value>,
    new: Vec<&'a FindingRow>,
    gone: Vec<&'a FindingRow>,
    still_live: Vec<&'a FindingRow>,
    sprawl: Vec<SprawlRow<'a>>,
    history: &'a [Value],
    mapping: Value,
}

impl AuditReport {
    fn doc(&self) -> ReportDoc<'_> {
        let pick = |keep: &dyn Fn(&FindingRow) -> bool| -> Vec<&FindingRow> {
            self.rows.iter().filter(|r| keep(r)).collect()
        };
        let has_prev = self.previous_run.is_some();
        let mut sprawl: Vec<SprawlRow> = self
            .rows
            .iter()
            .filter(|r| self.current.contains(&r.id))
            .map(|r| SprawlRow {
                fingerprint: &r.fingerprint,
                rule_id: &r.rule_id,
                name: &r.name,
                revoke: &r.revoke,
                sources: &r.sources,
                locations: self.locations.get(&r.id).map(Vec::as_slice).unwrap_or(&[]),
            })
            .collect();
        sprawl.sort_by_key(|s| {
            (
                std::cmp::Reverse(s.sources.len()),
                std::cmp::Reverse(s.locations.len()),
            )
        });
        ReportDoc {
            run: &self.run,
            previous_run: &self.previous_run,
            new: pick(&|r| self.current.contains(&r.id) && !self.previous.contains(&r.id)),
            gone: if has_prev {
                pick(&|r| self.previous.contains(&r.id) && !self.current.contains(&r.id))
            } else {
                Vec::new()
            },
            still_live: pick(&|r| {
                self.current.contains(&r.id)
                    && r.verification
                        .as_ref()
                        .is_some_and(|v| v["status"] == "live")
            }),
            sprawl,
            history: &self.history,
            mapping: json!({"owasp_nhi": "NHI-02 (secret leakage)", "cwe": {"CWE-798": "hard-coded credentials (code, config, git history)", "CWE-522": "insufficiently protected credentials (logs, chat, wiki, browser exports, transcripts)"}}),
        }
    }

    /// The JSON report, written straight from the rows (no intermediate tree).
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.doc())?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// The report as a JSON value (for the text and HTML renderings).
    pub fn to_value(&self) -> Result<Value> {
        Ok(serde_json::to_value(self.doc())?)
    }
}

/// Which run a report is about and which it is compared with: the given (or
/// latest) run, and the latest earlier run that is finished — recorded whole
/// (a single-machine run always is) or with every unit of its queue done — so a
/// distributed run still being worked on never becomes the baseline.
fn pick_runs(tx: &mut dyn Tx, run_key: Option<&str>) -> Result<(Option<i64>, Option<i64>)> {
    let run = match run_key {
        Some(k) => Some(
            tx.row("SELECT id FROM runs WHERE run_key = ?1", &[k.into()])?
                .with_context(|| format!("no run named {k} in the store"))?[0]
                .int(),
        ),
        None => tx
            .row("SELECT MAX(id) FROM runs", &[])?
            .filter(|r| !r[0].is_null())
            .map(|r| r[0].int()),
    };
    let Some(run) = run else {
        return Ok((None, None));
    };
    let prev = tx
        .row(
            "SELECT MAX(r.id) FROM runs r WHERE r.id < ?1
               AND NOT EXISTS (SELECT 1 FROM units u WHERE u.run_id = r.id AND u.state <> 'done')",
            &[run.into()],
        )?
        .filter(|r| !r[0].is_null())
        .map(|r| r[0].int());
    Ok((Some(run), prev))
}

/// A run's row as JSON; a queued run's totals are its units' sums, and when
/// some units are not done it lists them under `units.missing`.
fn run_json(tx: &mut dyn Tx, id: i64, totals: &HashMap<i64, UnitTotals>) -> Result<Option<Value>> {
    let Some(r) = tx.row(
        "SELECT id, started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings, complete, run_key FROM runs WHERE id = ?1",
        &[id.into()],
    )?
    else {
        return Ok(None);
    };
    let mut run = json!({
        "id": r[0].int(),
        "started_at": r[1].text(),
        "finished_at": r[2].text(),
        "tool_version": r[3].text(),
        "inputs": serde_json::from_str::<Value>(&r[4].text()).unwrap_or_default(),
        "files_scanned": r[5].int(),
        "bytes_scanned": r[6].int(),
        "errors": r[7].int(),
        "findings": r[8].int(),
        "complete": r[9].int() != 0,
    });
    if r[10].is_null() {
        return Ok(Some(run));
    }
    let Some(t) = totals.get(&id).cloned() else {
        // Pruned (`audit prune`): its units' totals were moved into its row.
        run["run_key"] = r[10].text().into();
        run["pruned"] = true.into();
        return Ok(Some(run));
    };
    let missing = missing_units(tx, id)?;
    run["run_key"] = r[10].text().into();
    run["inputs"] = json!(unit_sources(tx, id)?);
    run["finished_at"] = if missing.is_empty() {
        t.last_finished.clone().into()
    } else {
        "".into()
    };
    run["files_scanned"] = t.files_scanned.into();
    run["bytes_scanned"] = t.bytes_scanned.into();
    run["errors"] = t.errors.into();
    run["findings"] = t.findings.into();
    run["complete"] = (missing.is_empty() && t.errors == 0).into();
    run["units"] = json!({"total": t.total, "done": t.done, "missing": missing});
    Ok(Some(run))
}

/// Reads the report: `{run, previous_run, new, gone, still_live, sprawl, history}`
/// for the latest run, or the queued run named `run_key`.
///
/// Set logic runs in memory over integer ids (two runs of 100k findings are two
/// small hash sets); the store only streams rows.
pub fn load(tx: &mut dyn Tx, run_key: Option<&str>) -> Result<AuditReport> {
    let (run, prev) = pick_runs(tx, run_key)?;
    let mut report = AuditReport {
        run: None,
        previous_run: None,
        rows: Vec::new(),
        locations: HashMap::new(),
        current: HashSet::new(),
        previous: HashSet::new(),
        history: Vec::new(),
    };
    let Some(run) = run else { return Ok(report) };
    let now = chrono::Utc::now();
    let mut run_started: HashMap<i64, String> = HashMap::new();
    tx.each("SELECT id, started_at FROM runs", &[], &mut |r| {
        run_started.insert(r[0].int(), r[1].text());
        Ok(())
    })?;
    let mut ids_of = |run_id: Option<i64>| -> Result<HashSet<i64>> {
        let mut out = HashSet::new();
        if let Some(run_id) = run_id {
            tx.each(
                "SELECT finding_id FROM run_findings WHERE run_id = ?1",
                &[run_id.into()],
                &mut |r| {
                    out.insert(r[0].int());
                    Ok(())
                },
            )?;
        }
        Ok(out)
    };
    report.current = ids_of(Some(run))?;
    report.previous = ids_of(prev)?;
    let wanted: HashSet<i64> = report.current.union(&report.previous).copied().collect();

    let mut sources: HashMap<i64, Vec<String>> = HashMap::new();
    tx.each(
        "SELECT finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run FROM locations ORDER BY finding_id, source, path, line, col, anchor",
        &[],
        &mut |r| {
            let id = r[0].int();
            if !wanted.contains(&id) {
                return Ok(());
            }
            let source = r[1].text();
            let anchor = match r[5].text().as_str() {
                "{}" => serde_json::Map::new(),
                t => match serde_json::from_str::<Value>(t) {
                    Ok(Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                },
            };
            let s = sources.entry(id).or_default();
            if !s.contains(&source) {
                s.push(source.clone());
            }
            report.locations.entry(id).or_default().push(Location {
                source,
                path: r[2].text(),
                line: r[3].int(),
                column: r[4].int(),
                first_seen_run: r[6].int(),
                last_seen_run: r[7].int(),
                anchor,
            });
            Ok(())
        },
    )?;
    let mut latest_verification: HashMap<i64, Value> = HashMap::new();
    tx.each(
        "SELECT finding_id, status, checked_at, detail, run_id FROM verifications ORDER BY run_id",
        &[],
        &mut |r| {
            let id = r[0].int();
            if report.current.contains(&id) {
                latest_verification.insert(
                    id,
                    json!({
                        "status": r[1].text(),
                        "checked_at": r[2].text(),
                        "detail": serde_json::from_str::<Value>(&r[3].text()).unwrap_or_default(),
                        "run": r[4].int(),
                    }),
                );
            }
            Ok(())
        },
    )?;
    tx.each(
        "SELECT id, fingerprint, rule_id, name, provider, kind, lifetime, revoke, secret_redacted, first_seen_run, last_seen_run FROM findings",
        &[],
        &mut |r| {
            let id = r[0].int();
            if !wanted.contains(&id) {
                return Ok(());
            }
            let first = r[9].int();
            let first_at = run_started.get(&first).cloned().unwrap_or_default();
            let srcs = sources.remove(&id).unwrap_or_default();
            report.rows.push(FindingRow {
                fingerprint: r[1].text(),
                rule_id: r[2].text(),
                name: r[3].text(),
                provider: r[4].text(),
                kind: r[5].text(),
                lifetime: r[6].text(),
                revoke: r[7].text(),
                secret: r[8].text(),
                first_seen_run: first,
                age_days: days_between(&first_at, &now),
                first_seen_at: first_at,
                last_seen_run: r[10].int(),
                owasp_nhi: "NHI-02",
                cwe: cwe_for(report.locations.get(&id).map(Vec::as_slice).unwrap_or(&[])),
                sources: srcs,
                verification: latest_verification.remove(&id),
                id,
            });
            Ok(())
        },
    )?;
    report
        .rows
        .sort_by(|a, b| (&a.rule_id, &a.fingerprint).cmp(&(&b.rule_id, &b.fingerprint)));
    let totals = totals_by_run(tx)?;
    {
        let mut new_per_run: HashMap<i64, i64> = HashMap::new();
        tx.each(
            "SELECT first_seen_run, COUNT(*) FROM findings GROUP BY first_seen_run",
            &[],
            &mut |r| {
                new_per_run.insert(r[0].int(), r[1].int());
                Ok(())
            },
        )?;
        let mut history = Vec::new();
        tx.each(
            "SELECT id, started_at, findings, run_key FROM runs ORDER BY id",
            &[],
            &mut |r| {
                let id = r[0].int();
                let findings = match (r[3].is_null(), totals.get(&id)) {
                    (false, Some(t)) => t.findings,
                    _ => r[2].int(),
                };
                history.push(json!({"run": id, "started_at": r[1].text(), "findings": findings, "new": new_per_run.get(&id).copied().unwrap_or(0)}));
                Ok(())
            },
        )?;
        report.history = history;
    }
    report.run = run_json(tx, run, &totals)?;
    report.previous_run = match prev {
        Some(p) => run_json(tx, p, &totals)?,
        None => None,
    };
    Ok(report)
}

/// The report as a JSON value (convenience for small stores and tests).
pub fn build(store: &mut Store, run_key: Option<&str>) -> Result<Value> {
    let mut doc = None;
    store.read(&mut |tx| {
        doc = Some(load(tx, run_key)?.to_value()?);
        Ok(())
    })?;
    doc.context("the report read nothing")
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
        if run
            .get("units")
            .and_then(|u| u["missing"].as_array())
            .is_some_and(|m| !m.is_empty())
        {
            " — INCOMPLETE: units not done yet"
        } else if run["complete"] == false {
            " — INCOMPLETE: some inputs could not be read"
        } else if run.get("pruned").is_some_and(|p| p == true) {
            " — PRUNED: only its totals are kept (tokenhound audit prune)"
        } else {
            ""
        }
    ));
    if let Some(missing) = run
        .get("units")
        .and_then(|u| u["missing"].as_array())
        .filter(|m| !m.is_empty())
    {
        out.push_str(&format!(
            "INCOMPLETE RUN {}: {} of {} units not done (new/gone below cover only the units done):\n",
            run["run_key"].as_str().unwrap_or(""),
            missing.len(),
            run["units"]["total"]
        ));
        for m in missing.iter().take(50) {
            out.push_str(&format!(
                "  unit {} {} ({}, {} attempts)\n",
                m["seq"],
                m["source"].as_str().unwrap_or(""),
                m["state"].as_str().unwrap_or(""),
                m["attempts"]
            ));
        }
        if missing.len() > 50 {
            out.push_str(&format!(
                "  … {} more (use --format json)\n",
                missing.len() - 50
            ));
        }
    }
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
    if let Some(missing) = run["units"]["missing"].as_array().filter(|m| !m.is_empty()) {
        body.push_str(&format!(
            "<h2 id=\"missing\">Incomplete run: {} of {} units not done</h2>\n<p>New and gone cover only the units done.</p>\n<table><thead><tr><th>unit</th><th>source</th><th>state</th><th>attempts</th></tr></thead><tbody>\n",
            missing.len(),
            run["units"]["total"]
        ));
        for m in missing {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                m["seq"],
                esc(m["source"].as_str().unwrap_or("")),
                esc(m["state"].as_str().unwrap_or("")),
                m["attempts"]
            ));
        }
        body.push_str("</tbody></table>\n");
    }
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
