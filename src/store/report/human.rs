//! The audit report as text: what to act on first (live tokens of former
//! staff, then live tokens by risk), then what changed, then sprawl. Each
//! finding says where it is, who leaked it, whose it is and how long it has
//! been exposed.

use serde_json::Value;

use super::words::{exposure, leaker, owner, s, short_id};

/// Findings listed per section before `… N more (use --format json)`.
const PER_SECTION: usize = 200;
/// Places listed per finding.
const PLACES: usize = 5;

/// The report as text.
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
        None => out.push_str("first run: nothing to compare with yet, so every finding is new\n"),
    }
    let section = |out: &mut String, title: &str, items: &Value, empty: &str| {
        let items = items.as_array().map(Vec::as_slice).unwrap_or(&[]);
        out.push_str(&format!("\n{title}: {}\n", items.len()));
        if items.is_empty() && !empty.is_empty() {
            out.push_str(&format!("  {empty}\n"));
        }
        for f in items.iter().take(PER_SECTION) {
            finding(out, f);
        }
        if items.len() > PER_SECTION {
            out.push_str(&format!(
                "  … {} more (use --format json)\n",
                items.len() - PER_SECTION
            ));
        }
    };
    section(
        &mut out,
        "TOKENS OF FORMER STAFF AND CONTRACTORS STILL LIVE",
        &report["former_live"],
        "none (it takes `audit --verify --roster FILE` to know)",
    );
    section(
        &mut out,
        "STILL LIVE (highest risk first)",
        &report["still_live"],
        "",
    );
    section(&mut out, "NEW since the previous run", &report["new"], "");
    section(&mut out, "GONE since the previous run", &report["gone"], "");
    // Tokens of this run with a revocation attempt on record: a revoked token
    // is no longer live, so no other section would show what was done.
    let revoked: Vec<&Value> = report["sprawl"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|x| x.get("revocation").is_some_and(Value::is_object))
                .collect()
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "\nREVOCATIONS (tokens of this run with an attempt recorded): {}\n",
        revoked.len()
    ));
    for f in &revoked {
        out.push_str(&format!(
            "  {}  {}  {}\n",
            short_id(f),
            s(f, "rule_id"),
            revocation(&f["revocation"])
        ));
    }
    let sprawled: Vec<&Value> = report["sprawl"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|x| x["place_count"].as_u64().unwrap_or(0) > 1)
                .collect()
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "\nSPRAWL (tokens seen in more than one place): {}\n",
        sprawled.len()
    ));
    for sp in sprawled.iter().take(100) {
        out.push_str(&format!(
            "  {} {}: {} places; revoke once, closes all of:\n",
            short_id(sp),
            s(sp, "rule_id"),
            sp["place_count"]
        ));
        let places = sp["places"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        for p in places.iter().take(20) {
            out.push_str(&format!("    {}\n", s(p, "where")));
        }
        if places.len() > 20 {
            out.push_str(&format!("    … {} more places\n", places.len() - 20));
        }
        // A revoked token stays in the sprawl while its copies remain: say so.
        if let Some(r) = sp.get("revocation").filter(|r| r.is_object()) {
            out.push_str(&format!("    {}\n", revocation(r)));
        }
    }
    out
}

/// One finding: a head line, then where, who, whose, how long and what was done.
fn finding(out: &mut String, f: &Value) {
    let status = match f["verification"]["status"].as_str() {
        Some("live") => "LIVE".to_string(),
        Some(st) => st.to_string(),
        None => "not verified".to_string(),
    };
    out.push_str(&format!(
        "  {}  {}  {}  {}\n",
        short_id(f),
        s(f, "rule_id"),
        s(f, "secret"),
        std::iter::once(status)
            .chain(
                f["risk"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|w| *w != "live")
                    .map(str::to_string)
            )
            .collect::<Vec<_>>()
            .join(" · ")
    ));
    let places = f["places"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for (i, p) in places.iter().take(PLACES).enumerate() {
        let head = if i == 0 { "where:    " } else { "          " };
        out.push_str(&format!("    {head} {}\n", s(p, "where")));
    }
    if places.len() > PLACES {
        out.push_str(&format!(
            "               … {} more places\n",
            places.len() - PLACES
        ));
    }
    for (i, l) in f["leaked_by"].as_array().into_iter().flatten().enumerate() {
        let head = if i == 0 { "leaked by:" } else { "          " };
        out.push_str(&format!("    {head} {}\n", leaker(l)));
    }
    if let Some(o) = f.get("owner").filter(|o| o.is_object()) {
        out.push_str(&format!(
            "    owner:     {}\n",
            owner(o, f["owner_status"].as_str())
        ));
    }
    out.push_str(&format!(
        "    exposed:   {}; first seen by run {} ({})\n",
        exposure(f),
        f["first_seen_run"],
        s(f, "first_seen_at").get(..10).unwrap_or("")
    ));
    if let Some(r) = f.get("revocation").filter(|r| r.is_object()) {
        out.push_str(&format!("    {}\n", revocation(r)));
    }
    let cwe: Vec<&str> = f["cwe"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out.push_str(&format!(
        "    mapping:   {}; {}\n",
        s(f, "owasp_nhi"),
        cwe.join(", ")
    ));
}

/// A revocation attempt in one line: its status, when, and why.
fn revocation(r: &Value) -> String {
    let reason = r["reason"]
        .as_str()
        .map(|x| format!(": {x}"))
        .unwrap_or_default();
    format!(
        "revocation: {} {}{reason}",
        s(r, "status"),
        s(r, "attempted_at")
    )
}
