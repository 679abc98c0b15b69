#![no_main]
//! Engine: bytes → matches with the built-in rules (Engine::read), the same
//! matches from the engine that looks past keywords, then the findings built
//! from them (the pipeline's per-blob entry point, decode depth 0).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let engine = fuzz_common::engine();
    let matches = engine.scan(data);
    for m in &matches {
        // Spans index the scanned bytes (enrichment slices them).
        assert!(m.match_start <= m.start && m.start <= m.end && m.end <= m.match_end);
        assert!(m.match_end <= data.len());
        assert!(m.rule < engine.rules().len());
    }
    // Looking past keywords only drops hits no rule can go on from.
    assert_eq!(fuzz_common::engine_looking_past().scan(data), matches);
    fuzz_common::with_scanner_depth(0, |s| {
        fuzz_common::scan_plain(s, data);
    });
});
