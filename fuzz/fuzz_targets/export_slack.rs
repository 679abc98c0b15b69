#![no_main]
//! Export reader: Slack export files (day files, channels/users lists) (tokenhound::sources::exports::slack::read, scanned by its collector) on a document
//! parsed by exports::json::parse, as scan_export does.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{json, slack};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse(data) else {
        return;
    };
    fuzz_common::with_scanner(|s| {
        if let Some(c) = slack::read("export/deploys/2026-11-20.json", None, data, &doc, s) {
            c.scan("export/deploys/2026-11-20.json", s)
        }
    });
});
