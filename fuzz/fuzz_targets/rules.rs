#![no_main]
//! Rule loader: a TOML rule file (rules::parse_rule_file, which validates each
//! rule), then the engine built from it as for `--rules` and a small scan.
use libfuzzer_sys::fuzz_target;
use tokenhound::engine::Engine;
use tokenhound::rules::{parse_rule_file, RuleSet};

const SAMPLE: &[u8] = b"token = ghp_0123456789abcdefABCDEF0123456789abcd\n\
Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\n\
xoxb-1234567890-1234567890-abcdefghijABCDEFGHIJ0123 AKIA0123456789ABCDEF key=value\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rules) = parse_rule_file(text, "fuzz.toml") else {
        return;
    };
    let set = RuleSet { rules };
    if set.check_unique_ids().is_err() {
        return;
    }
    let Ok(engine) = Engine::new(&set) else {
        return;
    };
    if engine.compile_all().is_err() {
        return;
    }
    std::hint::black_box(engine.scan(SAMPLE));
    std::hint::black_box(engine.scan(data));
});
