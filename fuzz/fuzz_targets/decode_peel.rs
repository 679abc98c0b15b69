#![no_main]
//! decode::peel: every nested layer down to the default depth, as
//! Scanner::findings_in peels them (which is also called, to map findings).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let depth = tokenhound::decode::peel::DEFAULT_DEPTH;
    let _left = tokenhound::decode::peel::peel(data, None, depth, &mut |v| {
        std::hint::black_box(v.map.end(v.bytes.len()));
    });
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(s.findings_in(&fuzz_common::file_provenance("f.txt"), data, None));
    });
});
