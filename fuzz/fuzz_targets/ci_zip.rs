#![no_main]
//! GitHub Actions log zip (sources::ci_zip::read_if_actions_logs) and its
//! member-name parser.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::ci_zip;

fuzz_target!(|data: &[u8]| {
    if let Ok(name) = std::str::from_utf8(data) {
        std::hint::black_box(ci_zip::parse_member(name));
    }
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(ci_zip::scan_if_actions_logs("logs_42.zip", data, s));
    });
});
