#![no_main]
//! Archive reader (zip, tar, gzip, nested) on bytes in memory, as the CLI's
//! content router calls it (sources::archive::scan_bytes, depth 0).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::archive;

fuzz_target!(|data: &[u8]| {
    if archive::kind(data).is_none() {
        return;
    }
    fuzz_common::with_scanner(|s| archive::scan_bytes("fuzz.zip", data, s, 0));
});
