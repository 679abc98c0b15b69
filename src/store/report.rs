//! Run-to-run reports over the audit store: what is new since the previous run,
//! what is gone, what is still live (and for how long), whose live tokens
//! belong to people who left, and per token its sprawl: every place the same
//! secret was seen, so one revocation closes all of them.
//!
//! Each finding says where it is (its places, in each source's own terms), who
//! leaked it where the source says, whose it is and whether they still work
//! here (after `--verify` and `--roster`), how long it has been exposed, and the
//! latest revocation attempt. Lists are ordered by risk: live tokens of former
//! staff, then live ones, long-lived before short, more places, longer exposed.
//! `human` and `html` render the JSON document, which is the contract.

mod html;
mod human;
pub mod places;

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use anyhow::{Context, Result};
use serde_json::{json, Value};

pub use html::html;
pub use human::human;
use places::Place;

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
    /// Where it is: each place once (a repository's file and its history are
    /// one place; a line that moved is one place), latest sightings first.
    pub places: Vec<Place>,
    pub place_count: usize,
    /// Who put it where it was found, where the sources say (commit authors,
    /// message authors), with the roster's match: each person once.
    pub leaked_by: Vec<Value>,
    /// Whose token it is, as its issuer answered the latest verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Value>,
    /// Whether that owner still works here, by that run's `--roster`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_status: Option<String>,
    /// When the sources say it was put where it is: the earliest commit date
    /// or message time (RFC 3339 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaked_at: Option<String>,
    /// Since when it has been exposed: the earlier of `leaked_at` and the
    /// first audit that saw it.
    pub exposed_since: String,
    /// Days exposed: until now, or for a token gone, until the last run that saw it.
    pub exposed_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Value>,
    /// The latest revocation attempt recorded for it (`tokenhound revoke`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Value>,
    /// Why it ranks where it does, most telling first (`former owner`, `live`,
    /// `long-lived`, `3 places`, `exposed 412 days`).
    pub risk: Vec<String>,
    #[serde(skip)]
    id: i64,
}

impl FindingRow {
    fn live(&self) -> bool {
        self.verification
            .as_ref()
            .is_some_and(|v| v["status"] == "live")
    }

    /// Live, and owned by someone the roster lists as former staff.
    fn former_live(&self) -> bool {
        self.live() && self.owner_status.as_deref() == Some("former")
    }

    /// The sort key of risk, highest first: live tokens of former staff, live
    /// ones, long-lived before unknown before short, more places, longer exposed.
    fn risk_key(&self) -> impl Ord {
        let lifetime = match self.lifetime.as_str() {
            "long" => 2,
            "unknown" => 1,
            _ => 0,
        };
        Reverse((
            self.former_live(),
            self.live(),
            lifetime,
            self.place_count,
            self.exposed_days,
        ))
    }

    fn risk_words(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.former_live() {
            w.push("former owner".to_string());
        }
        if self.live() {
            w.push("live".into());
        }
        match self.lifetime.as_str() {
            "long" => w.push("long-lived".into()),
            "short" => w.push("short-lived".into()),
            _ => {}
        }
        if self.place_count > 1 {
            w.push(format!("{} places", self.place_count));
        }
        w.push(format!(
            "exposed {} day{}",
            self.exposed_days,
            if self.exposed_days == 1 { "" } else { "s" }
        ));
        w
    }
}

/// One location row: a place a finding was seen at, by line, column and anchor.
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
    /// Who put it there (`leaked_by`), as the latest run that saw it recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaked_by: Option<Value>,
}

#[derive(Serialize)]
struct SprawlRow<'a> {
    fingerprint: &'a str,
    rule_id: &'a str,
    name: &'a str,
    provider: &'a str,
    revoke: &'a str,
    sources: &'a [String],
    /// Every place, once: what one revocation closes.
    places: &'a [Place],
    place_count: usize,
    /// The store's location rows behind the places (one per line and anchor).
    locations: &'a [Location],
    /// The latest revocation attempt: a revoked token's copies still sprawl.
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: &'a Option<Value>,
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
    /// Live tokens whose owner the roster lists as former staff or contractors.
    former_live: Vec<&'a FindingRow>,
    new: Vec<&'a FindingRow>,
    gone: Vec<&'a FindingRow>,
    still_live: Vec<&'a FindingRow>,
    sprawl: Vec<SprawlRow<'a>>,
    history: &'a [Value],
    mapping: Value,
}

impl AuditReport {
    fn doc(&self) -> ReportDoc<'_> {
        // Rows are in risk order: every list keeps it.
        let pick = |keep: &dyn Fn(&FindingRow) -> bool| -> Vec<&FindingRow> {
            self.rows.iter().filter(|r| keep(r)).collect()
        };
        let current = |r: &FindingRow| self.current.contains(&r.id);
        let has_prev = self.previous_run.is_some();
        let mut sprawl: Vec<SprawlRow> = self
            .rows
            .iter()
            .filter(|r| current(r))
            .map(|r| SprawlRow {
                fingerprint: &r.fingerprint,
                rule_id: &r.rule_id,
                name: &r.name,
                provider: &r.provider,
                revoke: &r.revoke,
                sources: &r.sources,
                places: &r.places,
                place_count: r.place_count,
                locations: self.locations.get(&r.id).map(Vec::as_slice).unwrap_or(&[]),
                revocation: &r.revocation,
            })
            .collect();
        sprawl.sort_by_key(|s| (Reverse(s.place_count), Reverse(s.sources.len())));
        ReportDoc {
            run: &self.run,
            previous_run: &self.previous_run,
            former_live: pick(&|r| current(r) && r.former_live()),
            new: pick(&|r| current(r) && !self.previous.contains(&r.id)),
            gone: if has_prev {
                pick(&|r| self.previous.contains(&r.id) && !current(r))
            } else {
                Vec::new()
            },
            still_live: pick(&|r| current(r) && r.live()),
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

/// A JSON column's object (None for NULL or text that is not JSON).
fn json_cell(v: &super::Val) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    serde_json::from_str::<Value>(&v.text())
        .ok()
        .filter(|v| !v.is_null())
}

/// The distinct people of a finding's places: one entry per person of one
/// source (the same author of two commits is one leaker).
fn leakers(places: &[Place]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut seen = HashSet::new();
    for l in places.iter().filter_map(|p| p.leaked_by.as_ref()) {
        let who = ["user_id", "email", "login", "name"]
            .iter()
            .find_map(|k| l.get(*k).and_then(Value::as_str))
            .unwrap_or("")
            .to_ascii_lowercase();
        if seen.insert((l["source"].as_str().unwrap_or("").to_string(), who)) {
            out.push(l.clone());
        }
    }
    out
}

/// Reads the report: `{run, previous_run, former_live, new, gone, still_live,
/// sprawl, history}` for the latest run, or the queued run named `run_key`.
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
        "SELECT finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run, leaked_by FROM locations
         WHERE first_seen_run <= ?1 ORDER BY finding_id, source, path, line, col, anchor",
        &[run.into()],
        &mut |r| {
            let id = r[0].int();
            if !wanted.contains(&id) {
                return Ok(());
            }
            let source = r[1].text();
            let anchor = match json_cell(&r[5]) {
                Some(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
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
                leaked_by: json_cell(&r[8]),
            });
            Ok(())
        },
    )?;
    // The latest verification up to this run, with the owner it learned and
    // the owner's status by that run's roster.
    let mut latest_verification: HashMap<i64, (Value, Option<Value>, Option<String>)> =
        HashMap::new();
    tx.each(
        "SELECT finding_id, status, checked_at, detail, run_id, owner, owner_status FROM verifications WHERE run_id <= ?1 ORDER BY run_id",
        &[run.into()],
        &mut |r| {
            let id = r[0].int();
            if wanted.contains(&id) {
                latest_verification.insert(
                    id,
                    (
                        json!({
                            "status": r[1].text(),
                            "checked_at": r[2].text(),
                            "detail": json_cell(&r[3]).unwrap_or_default(),
                            "run": r[4].int(),
                        }),
                        json_cell(&r[5]),
                        (!r[6].is_null()).then(|| r[6].text()),
                    ),
                );
            }
            Ok(())
        },
    )?;
    // The latest revocation attempt of each finding (by id, or by fingerprint
    // for attempts recorded before the store knew the finding).
    let mut revocations: HashMap<String, Value> = HashMap::new();
    let mut revocation_of: HashMap<i64, Value> = HashMap::new();
    tx.each(
        "SELECT finding_id, fingerprint, status, attempted_at, attempt FROM revocations ORDER BY id",
        &[],
        &mut |r| {
            let attempt = json_cell(&r[4]).unwrap_or_default();
            let v = json!({
                "status": r[2].text(),
                "attempted_at": r[3].text(),
                "reason": attempt.get("reason").cloned().unwrap_or(Value::Null),
            });
            if r[0].is_null() {
                revocations.insert(r[1].text(), v);
            } else {
                revocation_of.insert(r[0].int(), v);
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
            let last = r[10].int();
            let first_at = run_started.get(&first).cloned().unwrap_or_default();
            let locations = report.locations.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            let places = places::places(locations);
            let leaked_at = places
                .iter()
                .filter_map(|p| p.leaked_at.as_deref().and_then(places::utc))
                .min();
            let first_t = places::utc(&first_at);
            let since = match (leaked_at, first_t) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            // A token no longer seen was exposed until the last run that saw it.
            let until = if report.current.contains(&id) {
                now
            } else {
                run_started
                    .get(&last)
                    .and_then(|t| places::utc(t))
                    .unwrap_or(now)
            };
            let (verification, owner, owner_status) = match latest_verification.remove(&id) {
                Some((v, o, s)) => (Some(v), o, s),
                None => (None, None, None),
            };
            let fingerprint = r[1].text();
            let revocation = revocation_of
                .remove(&id)
                .or_else(|| revocations.get(&fingerprint).cloned());
            let mut row = FindingRow {
                rule_id: r[2].text(),
                name: r[3].text(),
                provider: r[4].text(),
                kind: r[5].text(),
                lifetime: r[6].text(),
                revoke: r[7].text(),
                secret: r[8].text(),
                first_seen_run: first,
                age_days: first_t.map_or(0, |t| (now - t).num_days()),
                first_seen_at: first_at,
                last_seen_run: last,
                owasp_nhi: "NHI-02",
                cwe: cwe_for(locations),
                sources: sources.remove(&id).unwrap_or_default(),
                place_count: places.len(),
                leaked_by: leakers(&places),
                places,
                owner,
                owner_status,
                leaked_at: leaked_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                exposed_since: since
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                exposed_days: since.map_or(0, |t| (until - t).num_days().max(0)),
                verification,
                revocation,
                risk: Vec::new(),
                fingerprint,
                id,
            };
            row.risk = row.risk_words();
            report.rows.push(row);
            Ok(())
        },
    )?;
    report.rows.sort_by(|a, b| {
        a.risk_key()
            .cmp(&b.risk_key())
            .then_with(|| (&a.rule_id, &a.fingerprint).cmp(&(&b.rule_id, &b.fingerprint)))
    });
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
        let mut live_per_run: HashMap<i64, i64> = HashMap::new();
        tx.each(
            "SELECT run_id, COUNT(*) FROM verifications WHERE status = 'live' GROUP BY run_id",
            &[],
            &mut |r| {
                live_per_run.insert(r[0].int(), r[1].int());
                Ok(())
            },
        )?;
        let mut history = Vec::new();
        tx.each(
            "SELECT id, started_at, findings, run_key FROM runs WHERE id <= ?1 ORDER BY id",
            &[run.into()],
            &mut |r| {
                let id = r[0].int();
                let findings = match (r[3].is_null(), totals.get(&id)) {
                    (false, Some(t)) => t.findings,
                    _ => r[2].int(),
                };
                history.push(json!({
                    "run": id,
                    "started_at": r[1].text(),
                    "findings": findings,
                    "new": new_per_run.get(&id).copied().unwrap_or(0),
                    "live": live_per_run.get(&id).copied().unwrap_or(0),
                }));
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

/// Short helpers the renderings share.
pub(crate) mod words {
    use serde_json::Value;

    /// `s` of a JSON value ("" when absent).
    pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
        v.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// The first 16 hex digits of a fingerprint: the id `revoke` takes.
    pub fn short_id(f: &Value) -> String {
        s(f, "fingerprint").chars().take(16).collect()
    }

    /// A person of the roster in a few words: `Jane Doe, FORMER (left 2026-01-31), contractor`.
    pub fn roster_person(p: &Value) -> String {
        let mut out = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(s(p, "id"))
            .to_string();
        match s(p, "status") {
            "former" => {
                out.push_str(", FORMER");
                if let Some(d) = p.get("left_at").and_then(Value::as_str) {
                    out.push_str(&format!(" (left {d})"));
                }
            }
            "active" => out.push_str(", active"),
            _ => {}
        }
        if let Some(k) = p.get("kind").and_then(Value::as_str) {
            out.push_str(&format!(", {k}"));
        }
        out
    }

    /// A leaker: `Jane Doe <jane@acme.test> (git commit author; roster: Jane Doe, FORMER)`.
    pub fn leaker(l: &Value) -> String {
        let mut out = super::places::person(l);
        let mut about = vec![format!("{} {}", s(l, "source"), s(l, "role"))
            .trim()
            .to_string()];
        if let Some(p) = l.get("person").filter(|p| p.is_object()) {
            about.push(format!("roster: {}", roster_person(p)));
        }
        out.push_str(&format!(" ({})", about.join("; ")));
        out
    }

    /// An owner: `github Jane-Fake (Jane Doe) · team Acme · roster: Jane Doe, FORMER`.
    pub fn owner(o: &Value, status: Option<&str>) -> String {
        let mut who = vec![s(o, "provider").to_string()];
        let login = o.get("login").and_then(Value::as_str);
        if let Some(l) = login {
            who.push(l.to_string());
        } else if let Some(id) = o.get("user_id").and_then(Value::as_str) {
            who.push(format!("id {id}"));
        }
        if let Some(n) = o
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| Some(*n) != login)
        {
            who.push(format!("({n})"));
        }
        let mut parts = vec![who.join(" ")];
        if let Some(t) = o.get("team").and_then(Value::as_str) {
            parts.push(format!("team {t}"));
        }
        if let Some(p) = o.get("person").filter(|p| p.is_object()) {
            parts.push(format!("roster: {}", roster_person(p)));
        } else if let Some(st) = status {
            parts.push(format!("owner status {st}"));
        }
        parts.join(" · ")
    }

    /// `412 days (since 2025-10-01)`.
    pub fn exposure(f: &Value) -> String {
        let days = f["exposed_days"].as_i64().unwrap_or(0);
        let since = s(f, "exposed_since");
        let mut out = format!("{days} day{}", if days == 1 { "" } else { "s" });
        if !since.is_empty() {
            out.push_str(&format!(" (since {})", since.get(..10).unwrap_or(since)));
        }
        out
    }
}
