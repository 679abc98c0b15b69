#![no_main]
//! Export reader: Netscape cookie jars (cookies::scan).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::cookies;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(cookies::scan("cookies.txt", data, s));
    });
});
