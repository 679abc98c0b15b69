#![no_main]
//! Export reader: Teams Graph messages, one JSON document (teams::scan) or
//! JSON Lines (teams::scan_jsonl), as scan_export routes them.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{json, teams};

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        if let Ok(doc) = json::parse(data) {
            std::hint::black_box(teams::scan("teams/messages.json", data, &doc, s));
        }
        std::hint::black_box(teams::scan_jsonl("teams/messages.jsonl", data, s));
    });
});
