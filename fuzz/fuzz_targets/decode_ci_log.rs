#![no_main]
//! CI-log normaliser (decode::ci_log::normalise, strip_escapes) and the CI-log
//! scan the CLI runs on `*.log` files (sources::ci_log::read_log).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let view = tokenhound::decode::ci_log::normalise(data);
    fuzz_common::check_view(data, &view);
    std::hint::black_box(tokenhound::decode::ci_log::strip_escapes(data));
    fuzz_common::with_scanner(|s| {
        tokenhound::sources::ci_log::scan_log(s, &fuzz_common::file_provenance("build.log"), data)
    });
});
