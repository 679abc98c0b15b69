#![no_main]
//! Export reader: Jira issue JSON (REST issue, search results, ADF) (tokenhound::sources::exports::jira::read_json) on a document
//! parsed by exports::json::parse, as scan_export does.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{jira, json};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse(data) else {
        return;
    };
    fuzz_common::with_scanner(|s| {
        if let Some(c) = jira::read_json(data, &doc) {
            c.scan("jira/OPS-42.json", s)
        }
    });
});
