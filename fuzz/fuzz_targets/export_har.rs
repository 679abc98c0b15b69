#![no_main]
//! Export reader: HAR (tokenhound::sources::exports::har::read, scanned by its collector) on a document
//! parsed by exports::json::parse, as scan_export does.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{har, json};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse(data) else {
        return;
    };
    fuzz_common::with_scanner(|s| {
        har::read(data, &doc).scan("session.har", s);
    });
});
