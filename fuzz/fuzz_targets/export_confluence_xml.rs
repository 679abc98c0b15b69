#![no_main]
//! Export reader: Confluence XML backup entities.xml (confluence::read_entities).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::confluence;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        confluence::read_entities("confluence/entities.xml", data, s)
            .scan("confluence/entities.xml", s);
    });
});
