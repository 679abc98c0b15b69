#![no_main]
//! Decode layer `base64`: tokenhound::decode::base64::layer, its offset map and the
//! scan of its view.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(view) = tokenhound::decode::base64::layer(data) {
        fuzz_common::check_view(data, &view);
    }
});
