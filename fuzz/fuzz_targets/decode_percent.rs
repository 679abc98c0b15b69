#![no_main]
//! Decode layer `percent`: tokenhound::decode::percent::layer, its offset map and the
//! scan of its view.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(view) = tokenhound::decode::percent::layer(data) {
        fuzz_common::check_view(data, &view);
    }
});
