#![no_main]
//! Export reader: Jira CSV (jira::is_csv, jira::read_csv).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::jira;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(jira::is_csv(data));
    fuzz_common::with_scanner(|s| {
        jira::read_csv(data).scan("jira/export.csv", s);
    });
});
