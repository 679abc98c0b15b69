#![no_main]
//! Config reader (Config::parse) and what the CLI does with a parsed config:
//! its rules applied to the built-in set, its allowlist globs and regexes built.
use libfuzzer_sys::fuzz_target;
use tokenhound::config::Config;
use tokenhound::rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = Config::parse(text, std::path::Path::new("tokenhound.toml")) else {
        return;
    };
    let mut set = RuleSet::builtin().expect("built-in rules");
    let _ = cfg.apply_to_rules(&mut set);
    let _ = std::hint::black_box(cfg.path_globs());
    let _ = std::hint::black_box(cfg.value_regexes());
});
