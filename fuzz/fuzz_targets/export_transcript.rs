#![no_main]
//! Export reader: agent transcripts, JSON (transcript::scan_json) and JSON
//! Lines (transcript::scan_jsonl).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{json, transcript};

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        if let Ok(doc) = json::parse(data) {
            std::hint::black_box(transcript::scan_json("agent/session.json", data, &doc, s));
        }
        std::hint::black_box(transcript::scan_jsonl("agent/session.jsonl", data, s));
    });
});
