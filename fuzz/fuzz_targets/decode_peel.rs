#![no_main]
//! decode::peel: every nested layer down to the default depth, as
//! the pipeline's per-blob entry point peels them (which is also called, to map findings).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let depth = tokenhound::decode::peel::DEFAULT_DEPTH;
    let _left = tokenhound::decode::peel::peel(data, None, depth, &mut |v| {
        std::hint::black_box(v.map.end(v.bytes.len()));
    });
    fuzz_common::with_scanner(|s| {
        fuzz_common::scan_plain(s, data);
    });
});
