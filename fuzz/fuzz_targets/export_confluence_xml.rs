#![no_main]
//! Export reader: Confluence XML backup entities.xml (confluence::scan_entities).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::confluence;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(confluence::scan_entities(
            "confluence/entities.xml",
            data,
            s,
        ));
    });
});
