#![no_main]
//! Export reader: Jira XML, the backup's entities.xml (jira::read_entities)
//! and the RSS/XML issue view (jira::read_rss).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::jira;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        jira::read_entities("jira-backup/entities.xml", data, s)
            .scan("jira-backup/entities.xml", s);
        jira::read_rss("jira/SearchRequest.xml", data, s).scan("jira/SearchRequest.xml", s);
    });
});
