//! Every rule's own examples and negative examples, run through the pipeline.

use tokenhound::engine::Engine;
use tokenhound::pipeline::{selftest, Pipeline};
use tokenhound::rules::RuleSet;

#[test]
fn builtin_rule_examples_pass() {
    let set = RuleSet::builtin().expect("built-in rules load");
    let pipeline = Pipeline::of(Engine::new(&set).unwrap());
    let failures = selftest::check_examples(&pipeline, |_| true);
    for f in &failures {
        eprintln!(
            "{}: rule `{}`: {} {:?} (scanned as {}); engine reported {:?}",
            f.origin,
            f.rule_id,
            if f.missed {
                "example not reported:"
            } else {
                "negative example reported:"
            },
            f.example,
            f.path,
            f.got
        );
    }
    assert!(
        failures.is_empty(),
        "{} rule example(s) failed",
        failures.len()
    );
}

#[test]
fn every_rule_has_negative_examples() {
    let set = RuleSet::builtin().unwrap();
    for r in &set.rules {
        assert!(
            !r.negative_examples.is_empty(),
            "rule {} has no negative examples",
            r.id
        );
    }
}
