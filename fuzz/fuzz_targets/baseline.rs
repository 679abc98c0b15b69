#![no_main]
//! Baseline reader (suppress::baseline::read), which takes a path: the input
//! is written to a per-process temporary file first.
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn path() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        std::env::temp_dir().join(format!("th-fuzz-baseline-{}.json", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    std::fs::write(path(), data).expect("write temp baseline");
    std::hint::black_box(tokenhound::suppress::baseline::read(path()).ok());
});
