//! Shared set-up of the fuzz targets: the built-in engine (built once) and a
//! scanner per input whose events are drained and dropped.

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use tokenhound::decode::View;
use tokenhound::engine::Engine;
use tokenhound::enrich::EnrichOptions;
use tokenhound::finding::Provenance;
use tokenhound::pipeline::{events, Blob, Hints, Pipeline, PipelineOptions, Scanner};
use tokenhound::rules::RuleSet;

/// The engine of the built-in rules, as the CLI builds it.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        // One rayon thread: archives scan members inline (`-j1`), so a crash is
        // reported on the fuzzing thread and runs are deterministic.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
        Engine::new(&RuleSet::builtin().expect("built-in rules")).expect("engine")
    })
}

/// The same rules, looking past keywords from the first input on (the CLI's
/// engine only does after 8 MB): both must find the same matches.
pub fn engine_looking_past() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::build(&RuleSet::builtin().expect("built-in rules"), Some(0)).expect("engine")
    })
}

pub fn enrich_options() -> EnrichOptions {
    EnrichOptions {
        show_secrets: false,
        now: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
    }
}

/// Runs `f` with a fresh scanner (default decode depth, as the CLI) and returns
/// how many events it sent.
pub fn with_scanner(f: impl FnOnce(&Scanner)) -> usize {
    with_scanner_depth(tokenhound::decode::peel::DEFAULT_DEPTH, f)
}

/// The CLI's pipeline at decode depth 0 (only the layer under test) or the default.
pub fn pipeline(depth: usize) -> &'static Pipeline {
    static PIPELINES: OnceLock<[Pipeline; 2]> = OnceLock::new();
    let make = |decode_depth| {
        let opts = PipelineOptions {
            decode_depth,
            enrich: enrich_options(),
            ..PipelineOptions::default()
        };
        let engine = Engine::new(&RuleSet::builtin().expect("built-in rules")).expect("engine");
        Pipeline::new(engine, opts, Default::default())
    };
    engine();
    let p = PIPELINES.get_or_init(|| [make(0), make(tokenhound::decode::peel::DEFAULT_DEPTH)]);
    &p[usize::from(depth > 0)]
}

pub fn with_scanner_depth(depth: usize, f: impl FnOnce(&Scanner)) -> usize {
    events(pipeline(depth), f).len()
}

/// Scans `data` as plain bytes of a file (the pipeline's per-blob entry point).
pub fn scan_plain(s: &Scanner, data: &[u8]) {
    s.scan_part(&Blob::new(data, &file_provenance("f.txt")));
}

pub fn file_provenance(path: &str) -> Provenance {
    Provenance::File {
        path: path.to_string(),
    }
}

/// Exercises a decode layer's view the way the scanner consumes it: every
/// offset mapped back (must not panic), then the view scanned and its findings
/// located in `original` (decode depth 0: only this layer).
pub fn check_view(original: &[u8], view: &View) {
    let n = view.bytes.len();
    let step = (n / 64).max(1);
    let mut k = 0;
    while k <= n {
        let (s, e) = (view.map.start(k), view.map.end(k));
        std::hint::black_box((s, e));
        k += step;
    }
    std::hint::black_box(view.map.end(n));
    let prov = file_provenance("fuzz.txt");
    let hints = Hints {
        view: Some(view),
        ..Hints::default()
    };
    with_scanner_depth(0, |s| {
        s.scan_part(&Blob::new(original, &prov).with_hints(hints))
    });
}
