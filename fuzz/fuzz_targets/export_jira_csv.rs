#![no_main]
//! Export reader: Jira CSV (jira::is_csv, jira::scan_csv).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::jira;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(jira::is_csv(data));
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(jira::scan_csv("jira/export.csv", data, s));
    });
});
