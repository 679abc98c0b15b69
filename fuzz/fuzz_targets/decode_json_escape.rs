#![no_main]
//! Decode layer `json_escape`: tokenhound::decode::json_escape::layer, its offset map and the
//! scan of its view.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(view) = tokenhound::decode::json_escape::layer(data) {
        fuzz_common::check_view(data, &view);
    }
});
