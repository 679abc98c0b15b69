#![no_main]
//! Decode layer `utf16`: detect + decode, every offset mapped back, and the
//! CLI's route for a file's bytes (sources::content, which decodes UTF-16).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(d) = tokenhound::decode::utf16::decode(data) else {
        return;
    };
    let step = (d.text.len() / 64).max(1);
    let mut k = 0;
    while k <= d.text.len() + 1 {
        assert!(d.original_offset(k) <= data.len());
        k += step;
    }
    // UTF-16 text goes through the same router as any file (content.rs).
    fuzz_common::with_scanner(|s| {
        let p = fuzz_common::file_provenance("f.txt");
        tokenhound::sources::content::scan_file_content(std::path::Path::new("f.txt"), &p, data, s)
    });
});
