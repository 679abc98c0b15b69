#![no_main]
//! Export reader: Jira XML, the backup's entities.xml (jira::scan_entities)
//! and the RSS/XML issue view (jira::scan_rss).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::jira;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(jira::scan_entities("jira-backup/entities.xml", data, s));
        std::hint::black_box(jira::scan_rss("jira/SearchRequest.xml", data, s));
    });
});
