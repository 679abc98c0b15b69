//! Runs rules' own `examples` and `negative_examples` through the full engine:
//! an example must be reported *by its rule* (so a more specific rule stealing it
//! shows up), a negative example must not be reported by its rule.

use super::Engine;

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
        let describe = |ms: &[super::Match], text: &str| -> Vec<String> {
            ms.iter()
                .map(|m| format!("{} at {}..{} `{}`", engine.rules()[m.rule].rule.id, m.start, m.end, &text[m.start..m.end]))
                .collect()
        };
        for ex in &rule.examples {
            let ms = engine.scan(ex.as_bytes());
            if !ms.iter().any(|m| m.rule == i) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    origin: rule.origin.clone(),
                    example: ex.clone(),
                    missed: true,
                    got: describe(&ms, ex),
                });
            }
        }
        for ex in &rule.negative_examples {
            let ms = engine.scan(ex.as_bytes());
            if ms.iter().any(|m| m.rule == i) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    origin: rule.origin.clone(),
                    example: ex.clone(),
                    missed: false,
                    got: describe(&ms, ex),
                });
            }
        }
    }
    failures
}
