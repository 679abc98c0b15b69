#![no_main]
//! Export reader: Netscape cookie jars (cookies::read).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::cookies;

fuzz_target!(|data: &[u8]| {
    fuzz_common::with_scanner(|s| {
        if let Some(c) = cookies::read(data) {
            c.scan("cookies.txt", s)
        }
    });
});
