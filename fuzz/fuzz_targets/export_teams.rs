#![no_main]
//! Export reader: Teams Graph messages, one JSON document (teams::read) or
//! JSON Lines (teams::read_jsonl), as scan_export routes them.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{json, teams};

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        if let Ok(doc) = json::parse(data) {
            if let Some(c) = teams::read(data, &doc) {
                c.scan("teams/messages.json", s)
            }
        }
        if let Some(c) = teams::read_jsonl(data) {
            c.scan("teams/messages.jsonl", s)
        }
    });
});
