//! Replays every input kept in `testdata/fuzz-regressions/<target>/` through the
//! same entry point as the fuzz target of that name (`fuzz/fuzz_targets/`):
//! crashes, timeouts and OOMs the fuzzers found (fixed in src/), and a few
//! minimised interesting inputs. Each must not panic and must finish in bounded
//! time.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use tokenhound::config::Config;
use tokenhound::decode::View;
use tokenhound::engine::Engine;
use tokenhound::enrich::EnrichOptions;
use tokenhound::finding::Provenance;
use tokenhound::pipeline::{events, Blob, Hints, Pipeline, PipelineOptions, Scanner};
use tokenhound::rules::{parse_rule_file, RuleSet};
use tokenhound::sources::exports::{
    confluence, cookies, har, jira, json, slack, teams, transcript,
};
use tokenhound::sources::{archive, ci_log, ci_zip, content};

/// Per input, in a debug build on a loaded machine (the fuzzers' limit is 10 s
/// in release builds).
const LIMIT: Duration = Duration::from_secs(30);

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&RuleSet::builtin().unwrap()).unwrap())
}

/// The same rules, looking past keywords from the first input on.
fn engine_looking_past() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::build(&RuleSet::builtin().unwrap(), Some(0)).unwrap())
}

/// The CLI's pipeline at decode depth 0 (only the layer under test) or the default.
fn pipeline(depth: usize) -> &'static Pipeline {
    static PIPELINES: OnceLock<[Pipeline; 2]> = OnceLock::new();
    let make = |decode_depth| {
        let opts = PipelineOptions {
            decode_depth,
            enrich: EnrichOptions {
                show_secrets: false,
                now: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
            },
            ..PipelineOptions::default()
        };
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        Pipeline::new(engine, opts, Default::default())
    };
    let p = PIPELINES.get_or_init(|| [make(0), make(tokenhound::decode::peel::DEFAULT_DEPTH)]);
    &p[usize::from(depth > 0)]
}

fn with_scanner_depth(depth: usize, f: impl FnOnce(&Scanner)) -> usize {
    events(pipeline(depth), f).len()
}

fn with_scanner(f: impl FnOnce(&Scanner)) -> usize {
    with_scanner_depth(tokenhound::decode::peel::DEFAULT_DEPTH, f)
}

fn prov(path: &str) -> Provenance {
    Provenance::File {
        path: path.to_string(),
    }
}

fn check_view(original: &[u8], view: &View) {
    let n = view.bytes.len();
    for k in (0..=n).step_by((n / 64).max(1)) {
        let _ = (view.map.start(k), view.map.end(k));
    }
    let _ = view.map.end(n);
    let prov = prov("fuzz.txt");
    let hints = Hints {
        view: Some(view),
        ..Hints::default()
    };
    with_scanner_depth(0, |s| {
        s.scan_part(&Blob::new(original, &prov).with_hints(hints))
    });
}

/// The body of fuzz target `target` (kept in step with fuzz/fuzz_targets/).
fn run(target: &str, data: &[u8]) {
    match target {
        "engine" => {
            let matches = engine().scan(data);
            for m in &matches {
                assert!(m.match_start <= m.start && m.start <= m.end && m.end <= m.match_end);
                assert!(m.match_end <= data.len());
            }
            assert_eq!(engine_looking_past().scan(data), matches);
            with_scanner_depth(0, |s| s.scan_part(&Blob::new(data, &prov("f.txt"))));
        }
        "decode_base64" => {
            if let Some(v) = tokenhound::decode::base64::layer(data) {
                check_view(data, &v)
            }
        }
        "decode_percent" => {
            if let Some(v) = tokenhound::decode::percent::layer(data) {
                check_view(data, &v)
            }
        }
        "decode_json_escape" => {
            if let Some(v) = tokenhound::decode::json_escape::layer(data) {
                check_view(data, &v)
            }
        }
        "decode_html" => {
            if let Some(v) = tokenhound::decode::html::layer(data) {
                check_view(data, &v)
            }
            check_view(data, &tokenhound::decode::html::strip_tags(data));
        }
        "decode_utf16" => {
            if let Some(d) = tokenhound::decode::utf16::decode(data) {
                for k in (0..=d.text.len() + 1).step_by((d.text.len() / 64).max(1)) {
                    assert!(d.original_offset(k) <= data.len());
                }
                with_scanner(|s| {
                    content::scan_file_content(Path::new("f.txt"), &prov("f.txt"), data, s)
                });
            }
        }
        "decode_peel" => {
            let depth = tokenhound::decode::peel::DEFAULT_DEPTH;
            tokenhound::decode::peel::peel(data, None, depth, &mut |v| {
                let _ = v.map.end(v.bytes.len());
            });
            with_scanner(|s| s.scan_part(&Blob::new(data, &prov("f.txt"))));
        }
        "decode_ci_log" => {
            check_view(data, &tokenhound::decode::ci_log::normalise(data));
            tokenhound::decode::ci_log::strip_escapes(data);
            with_scanner(|s| ci_log::scan_log(s, &prov("build.log"), data));
        }
        "export_slack" | "export_jira_json" | "export_har" => {
            let Ok(doc) = json::parse(data) else { return };
            with_scanner(|s| match target {
                "export_slack" => {
                    let path = "export/deploys/2026-11-20.json";
                    if let Some(c) = slack::read(path, None, data, &doc, s) {
                        c.scan(path, s)
                    }
                }
                "export_jira_json" => {
                    if let Some(c) = jira::read_json(data, &doc) {
                        c.scan("jira/OPS-42.json", s)
                    }
                }
                _ => {
                    har::read(data, &doc).scan("session.har", s);
                }
            });
        }
        "export_teams" => {
            with_scanner(|s| {
                if let Ok(doc) = json::parse(data) {
                    if let Some(c) = teams::read(data, &doc) {
                        c.scan("teams/messages.json", s)
                    }
                }
                if let Some(c) = teams::read_jsonl(data) {
                    c.scan("teams/messages.jsonl", s)
                }
            });
        }
        "export_transcript" => {
            with_scanner(|s| {
                if let Ok(doc) = json::parse(data) {
                    if let Some(c) = transcript::read_json(data, &doc) {
                        c.scan("agent/session.json", s)
                    }
                }
                let path = "agent/session.jsonl";
                if let Some(c) = transcript::read_jsonl(path, data, s) {
                    c.scan(path, s)
                }
            });
        }
        "export_jira_xml" => {
            with_scanner(|s| {
                let path = "jira-backup/entities.xml";
                jira::read_entities(path, data, s).scan(path, s);
                let path = "jira/SearchRequest.xml";
                jira::read_rss(path, data, s).scan(path, s);
            });
        }
        "export_jira_csv" => {
            jira::is_csv(data);
            with_scanner(|s| {
                jira::read_csv(data).scan("jira/export.csv", s);
            });
        }
        "export_confluence_xml" => {
            with_scanner(|s| {
                let path = "confluence/entities.xml";
                confluence::read_entities(path, data, s).scan(path, s);
            });
        }
        "export_confluence_html" => {
            confluence::is_html_export(data);
            with_scanner(|s| {
                let path = "DEV/Deploy-runbook_98305.html";
                confluence::read_html(path, data).scan(path, s);
            });
        }
        "export_cookies" => {
            with_scanner(|s| {
                if let Some(c) = cookies::read(data) {
                    c.scan("cookies.txt", s)
                }
            });
        }
        "archive" => {
            if archive::kind(data).is_some() {
                with_scanner(|s| archive::scan_bytes("fuzz.zip", data, s, 0));
            }
        }
        "ci_zip" => {
            if let Ok(name) = std::str::from_utf8(data) {
                ci_zip::parse_member(name);
            }
            with_scanner(|s| {
                ci_zip::scan_if_actions_logs("logs_42.zip", data, s);
            });
        }
        "rules" => {
            let Ok(text) = std::str::from_utf8(data) else {
                return;
            };
            let Ok(rules) = parse_rule_file(text, "fuzz.toml") else {
                return;
            };
            let set = RuleSet { rules };
            if set.check_unique_ids().is_err() {
                return;
            }
            let Ok(engine) = Engine::new(&set) else {
                return;
            };
            if engine.compile_all().is_ok() {
                engine.scan(b"token = ghp_0123456789abcdefABCDEF0123456789abcd\n");
                engine.scan(data);
            }
        }
        "jwt" => {
            tokenhound::enrich::jwt::decode(data);
        }
        "config" => {
            let Ok(text) = std::str::from_utf8(data) else {
                return;
            };
            let Ok(cfg) = Config::parse(text, Path::new("tokenhound.toml")) else {
                return;
            };
            let mut set = RuleSet::builtin().unwrap();
            let _ = cfg.apply_to_rules(&mut set);
            let _ = cfg.path_globs();
            let _ = cfg.value_regexes();
        }
        "baseline" => {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("baseline.json");
            std::fs::write(&p, data).unwrap();
            let _ = tokenhound::suppress::baseline::read(&p);
        }
        other => panic!("testdata/fuzz-regressions/{other}: no fuzz target of that name"),
    }
}

fn inputs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz-regressions");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&dir).unwrap() {
            out.push((target.clone(), f.unwrap().path()));
        }
    }
    out.sort();
    out
}

#[test]
fn every_kept_fuzz_input_runs_cleanly_in_bounded_time() {
    let inputs = inputs();
    assert!(!inputs.is_empty(), "testdata/fuzz-regressions is empty");
    engine();
    for (target, path) in inputs {
        let data = std::fs::read(&path).unwrap();
        let t = Instant::now();
        let r = std::panic::catch_unwind(|| run(&target, &data));
        assert!(r.is_ok(), "{target}: {} panicked", path.display());
        let took = t.elapsed();
        assert!(took < LIMIT, "{target}: {} took {took:?}", path.display());
    }
}

#[test]
fn the_kept_inputs_stay_small() {
    let total: u64 = inputs()
        .iter()
        .map(|(_, p)| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(
        total < 1 << 20,
        "testdata/fuzz-regressions holds {total} bytes"
    );
}
