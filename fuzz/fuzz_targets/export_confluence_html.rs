#![no_main]
//! Export reader: Confluence HTML export pages (confluence::is_html_export,
//! confluence::scan_html).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::confluence;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(confluence::is_html_export(data));
    fuzz_common::with_scanner(|s| {
        std::hint::black_box(confluence::scan_html(
            "DEV/Deploy-runbook_98305.html",
            data,
            s,
        ));
    });
});
