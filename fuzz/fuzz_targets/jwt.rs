#![no_main]
//! JWT decoder (enrich::jwt::decode).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(tokenhound::enrich::jwt::decode(data));
});
