//! Runs rules' own `examples` and `negative_examples` through the full engine
//! and enrichment, as a scan of standard input would: an example must be reported
//! *by its rule* (so a more specific rule stealing it shows up) at the default
//! confidence, a negative example must not be reported by its rule at the default
//! confidence (a rule may match it, if the confidence model rates it `low`).

use super::Engine;
use crate::enrich::confidence::{self, Confidence};
use crate::finding::Provenance;

/// A rule example that did not behave as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub origin: String,
    pub example: String,
    /// `true`: a positive example was not reported; `false`: a negative one was.
    pub missed: bool,
    /// What the engine reported for the example instead.
    pub got: Vec<String>,
}

/// Checks the examples of the rules accepted by `select` (all rules when it
/// returns true for every id).
pub fn check_examples(engine: &Engine, select: impl Fn(&str) -> bool) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for (i, cr) in engine.rules().iter().enumerate() {
        let rule = &cr.rule;
        if !select(&rule.id) {
            continue;
        }
        let levels = |text: &str| -> Vec<(usize, Confidence, String)> {
            let ms = engine.scan(text.as_bytes());
            let found = crate::enrich::findings_for_blob(
                engine,
                text.as_bytes(),
                &ms,
                &Provenance::Stdin { name: "-".into() },
                &crate::enrich::EnrichOptions {
                    show_secrets: true,
                    now: chrono::Utc::now(),
                },
            );
            ms.iter()
                .zip(found)
                .map(|(m, f)| {
                    let what = format!(
                        "{} at {}..{} `{}` ({}: {})",
                        f.rule_id,
                        m.start,
                        m.end,
                        &text[m.start..m.end],
                        f.confidence,
                        f.confidence_reasons.join(", ")
                    );
                    (m.rule, f.confidence, what)
                })
                .collect()
        };
        let reported = |got: &[(usize, Confidence, String)]| {
            got.iter()
                .any(|(r, c, _)| *r == i && confidence::passes(*c, confidence::DEFAULT_MIN))
        };
        let describe =
            |got: Vec<(usize, Confidence, String)>| got.into_iter().map(|(_, _, w)| w).collect();
        for ex in &rule.examples {
            let got = levels(ex);
            if !reported(&got) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    origin: rule.origin.clone(),
                    example: ex.clone(),
                    missed: true,
                    got: describe(got),
                });
            }
        }
        for ex in &rule.negative_examples {
            let got = levels(ex);
            if reported(&got) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    origin: rule.origin.clone(),
                    example: ex.clone(),
                    missed: false,
                    got: describe(got),
                });
            }
        }
    }
    failures
}
