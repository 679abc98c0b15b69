#![no_main]
//! Export reader: agent transcripts, JSON (transcript::read_json) and JSON
//! Lines (transcript::read_jsonl).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{json, transcript};

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        if let Ok(doc) = json::parse(data) {
            if let Some(c) = transcript::read_json(data, &doc) {
                c.scan("agent/session.json", s)
            }
        }
        if let Some(c) = transcript::read_jsonl("agent/session.jsonl", data, s) {
            c.scan("agent/session.jsonl", s)
        }
    });
});
