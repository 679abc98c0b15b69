//! Runs rules' own `examples` and `negative_examples` through the pipeline (the
//! engine, enrichment and the confidence model), as a scan of a file would: an example must be reported
//! *by its rule* (so a more specific rule stealing it shows up) at the default
//! confidence, a negative example must not be reported by its rule at the default
//! confidence (a rule may match it, if the confidence model rates it `low`).
//! Examples are scanned as a file at the rule's `example_path` (default
//! `example.txt`); the examples of a rule scoped by `path` are scanned a
//! second time as `example.txt`, where that rule must not report them.

use super::{Blob, Pipeline};
use crate::enrich::confidence::{self, Confidence};
use crate::finding::Provenance;

/// A rule example that did not behave as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub origin: String,
    pub example: String,
    /// The path the example was scanned as.
    pub path: String,
    /// `true`: a positive example was not reported; `false`: a negative one
    /// was, or a path-scoped rule reported an example outside its path.
    pub missed: bool,
    /// What the engine reported for the example instead.
    pub got: Vec<String>,
}

/// Checks the examples of the rules accepted by `select` (all rules when it
/// returns true for every id).
pub fn check_examples(pipeline: &Pipeline, select: impl Fn(&str) -> bool) -> Vec<ExampleFailure> {
    const UNSCOPED: &str = "example.txt";
    let mut failures = Vec::new();
    for cr in pipeline.engine().rules() {
        let rule = &cr.rule;
        if !select(&rule.id) {
            continue;
        }
        let at = rule.example_path.as_deref().unwrap_or(UNSCOPED);
        let levels = |text: &str, path: &str| -> Vec<(String, Confidence, String)> {
            let provenance = Provenance::File { path: path.into() };
            let blob = Blob::new(text.as_bytes(), &provenance);
            pipeline
                .findings(&blob)
                .findings
                .into_iter()
                .map(|f| {
                    let what = format!(
                        "{} at {}:{} `{}` ({}: {})",
                        f.rule_id,
                        f.line,
                        f.column,
                        f.raw_secret,
                        f.confidence,
                        f.confidence_reasons.join(", ")
                    );
                    (f.rule_id, f.confidence, what)
                })
                .collect()
        };
        let reported = |got: &[(String, Confidence, String)]| {
            got.iter()
                .any(|(r, c, _)| *r == rule.id && confidence::passes(*c, confidence::DEFAULT_MIN))
        };
        let describe =
            |got: Vec<(String, Confidence, String)>| got.into_iter().map(|(_, _, w)| w).collect();
        let failure = |ex: &str, path: &str, missed: bool, got| ExampleFailure {
            rule_id: rule.id.clone(),
            origin: rule.origin.clone(),
            example: ex.to_string(),
            path: path.to_string(),
            missed,
            got: describe(got),
        };
        for ex in &rule.examples {
            let got = levels(ex, at);
            if !reported(&got) {
                failures.push(failure(ex, at, true, got));
            }
            if rule.path.is_some() {
                let got = levels(ex, UNSCOPED);
                if reported(&got) {
                    failures.push(failure(ex, UNSCOPED, false, got));
                }
            }
        }
        for ex in &rule.negative_examples {
            let got = levels(ex, at);
            if reported(&got) {
                failures.push(failure(ex, at, false, got));
            }
        }
    }
    failures
}
