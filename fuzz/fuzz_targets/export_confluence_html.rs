#![no_main]
//! Export reader: Confluence HTML export pages (confluence::is_html_export,
//! confluence::read_html).
use libfuzzer_sys::fuzz_target;
use tokenhound::sources::exports::confluence;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(confluence::is_html_export(data));
    fuzz_common::with_scanner(|s| {
        confluence::read_html("DEV/Deploy-runbook_98305.html", data)
            .scan("DEV/Deploy-runbook_98305.html", s);
    });
});
