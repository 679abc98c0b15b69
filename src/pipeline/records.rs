//! Records: the logical objects of a format (a chat message, a HAR entry, an
//! issue comment, a CI job). One secret written several times in one record (a
//! HAR entry's `Cookie` header and its `cookies[]` item, a step log and the
//! job's whole log) is one leak: it becomes one finding that lists every other
//! place in `also_at`, so baselines and audits count it once. Fingerprints stay
//! rule + secret, so merging never changes what a baseline matches.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::finding::Finding;

/// Where an offset of a blob lies in its format's records. Implemented by the
/// sources that know their format (the export collector); the pipeline asks it
/// about each finding.
pub trait Locator: Sync {
    /// The record holding original offset `at`, if any.
    fn locate(&self, at: usize) -> Option<RecordPlace<'_>>;

    /// The layer named in `decoded` when a secret's bytes differ from the
    /// file's but neither the record nor a decode layer names why (an escaped
    /// JSON string field).
    fn default_layer(&self) -> &'static str {
        "json"
    }
}

/// A record and what a finding in it reports.
#[derive(Debug, Clone)]
pub struct RecordPlace<'a> {
    /// Identifies the record within its blob.
    pub record: usize,
    /// The finding's `location` object (channel and ts, issue and field, …).
    pub location: Map<String, Value>,
    /// Layers the format's reader itself peeled to read the field (HTML
    /// stripped, JSON inside a string): reported for secrets they changed.
    pub layers: &'a [&'static str],
}

/// Sets each finding's `location` from its record, and merges copies of one
/// secret (the same value, whichever rule named it) in one record into the
/// first, keeping their places in `also_at`. Findings outside any record are
/// left as they are.
pub(crate) fn place_in_records(findings: &mut Vec<Finding>, locator: &dyn Locator) {
    let mut first: HashMap<(usize, String), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for mut f in findings.drain(..) {
        let Some(place) = locator.locate(f.offset) else {
            out.push(f);
            continue;
        };
        f.location = Some(Value::Object(place.location));
        match first.get(&(place.record, f.raw_secret.clone())) {
            Some(&i) => {
                let p = f.place();
                out[i].also_at.push(p);
            }
            None => {
                first.insert((place.record, f.raw_secret.clone()), out.len());
                out.push(f);
            }
        }
    }
    *findings = out;
}

/// Redacts, in every `location` value of `findings` (and of their other
/// places), each secret any of them holds: a record's anchors come from the
/// scanned data (a HAR entry's URL carries its `access_token` query), and a
/// location is output like any other.
pub(crate) fn redact_locations(findings: &mut [Finding]) {
    let mut secrets: Vec<(String, String)> = findings
        .iter()
        .filter(|f| !f.raw_secret.is_empty())
        .map(|f| {
            (
                f.raw_secret.clone(),
                crate::enrich::redact::redact(&f.raw_secret),
            )
        })
        .collect();
    if secrets.is_empty() {
        return;
    }
    // Longest first: a secret that contains another is replaced whole.
    secrets.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    secrets.dedup();
    let redact = |v: &mut Value| {
        if let Some(m) = v.as_object_mut() {
            for value in m.values_mut() {
                if let Value::String(text) = value {
                    for (raw, shown) in &secrets {
                        if text.contains(raw.as_str()) {
                            *text = text.replace(raw.as_str(), shown);
                        }
                    }
                }
            }
        }
    };
    for f in findings {
        if let Some(loc) = &mut f.location {
            redact(loc);
        }
        for p in &mut f.also_at {
            if let Some(loc) = &mut p.location {
                redact(loc);
            }
        }
    }
}

/// Merges findings of several blobs that make up one record (the logs of one
/// CI job): copies of one secret (the same value) become one finding, the
/// first in order, with the others' places in `also_at`.
pub fn merge_copies(findings: Vec<Finding>) -> Vec<Finding> {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        match first.get(&f.raw_secret) {
            Some(&i) => {
                let mut places = vec![f.place()];
                places.extend(f.also_at);
                out[i].also_at.extend(places);
            }
            None => {
                first.insert(f.raw_secret.clone(), out.len());
                out.push(f);
            }
        }
    }
    out
}
