#![no_main]
//! Export reader: HAR (tokenhound::sources::exports::har::scan) on a document
//! parsed by exports::json::parse, as scan_export does.
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::{har, json};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse(data) else {
        return;
    };
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(har::scan("session.har", data, &doc, s));
    });
});
