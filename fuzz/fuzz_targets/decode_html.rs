#![no_main]
//! Decode layer `html`: entities (decode::html::layer) and tag stripping
//! (strip_tags, used by the Teams/Confluence readers), maps and scans.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(view) = tokenhound::decode::html::layer(data) {
        fuzz_common::check_view(data, &view);
    }
    let stripped = tokenhound::decode::html::strip_tags(data);
    fuzz_common::check_view(data, &stripped);
});
