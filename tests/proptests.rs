//! Property tests (issue 10): random and mutated inputs through the library's
//! entry points — the engine, every decode layer, the UTF-16 decoder, the CI-log
//! normaliser, the export readers (through the same per-file routing as a scan),
//! the JWT decoder and the rule loader — never panic and end in bounded time;
//! and a token planted at a random line and column of random surroundings
//! (printable ASCII, other scripts, emoji, whitespace, CRLF; in UTF-8 or UTF-16)
//! is found exactly once, there. Case counts are modest so the file runs in
//! seconds in a debug build; `PROPTEST_CASES` raises them.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;

use tokenhound::decode::{self, View};
use tokenhound::engine::Engine;
use tokenhound::enrich::EnrichOptions;
use tokenhound::finding::{Event, Finding, Provenance};
use tokenhound::pipeline::{events, Pipeline, PipelineOptions};
use tokenhound::rules::{self, RuleSet};
use tokenhound::sources::content::scan_file_content;

/// `cases` cases (or `PROPTEST_CASES`), no failure files written into the tree
/// (a failure prints its minimal input).
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// One engine for every case (building it per case would dominate the run).
fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(&RuleSet::builtin().unwrap()).unwrap())
}

/// The built-in rules' pipeline, showing secrets.
fn pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(|| {
        let opts = PipelineOptions {
            enrich: EnrichOptions {
                show_secrets: true,
                now: chrono::Utc::now(),
            },
            ..PipelineOptions::default()
        };
        Pipeline::new(
            Engine::new(&RuleSet::builtin().unwrap()).unwrap(),
            opts,
            Default::default(),
        )
    })
}

/// Every event of scanning `bytes` as the content of a file at `path`.
fn scan_as_file(path: &str, bytes: &[u8]) -> Vec<Event> {
    let prov = Provenance::File {
        path: path.to_string(),
    };
    events(pipeline(), |s| {
        scan_file_content(Path::new(path), &prov, bytes, s)
    })
}

fn findings(events: Vec<Event>) -> Vec<Finding> {
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(*f),
            _ => None,
        })
        .collect()
}

/// Characters of the surroundings: printable ASCII, Latin, CJK, emoji (surrogate
/// pairs in UTF-16), tabs. Runs of them may still look like anything but a
/// GitHub token with a valid checksum.
fn surrounding_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => proptest::char::range(' ', '~'),
        1 => prop::sample::select(vec!['é', 'ß', 'Ω', '中', '文', '😀', '🔑', '\t', '\u{a0}']),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(surrounding_char(), 0..60).prop_map(|c| c.into_iter().collect())
}

/// A fake token with a valid checksum, different per case (so a random
/// neighbour cannot be it).
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{30}"
        .prop_map(|body| tokenhound::rules::validators::github_style_token("ghp_", &body))
}

/// Random text with `token` planted at a random line and character column, with
/// a space or other non-word character on each side. Returns the text and the
/// token's (line, column, byte offset).
fn planted() -> impl Strategy<Value = (String, String, usize, usize, usize)> {
    (
        prop::collection::vec(line(), 1..40),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        token(),
        prop::sample::select(vec![" ", "\t", "=", "\"", "'", "(", "\u{3000}"]),
        any::<bool>(),
    )
        .prop_map(|(lines, li, ci, tok, sep, crlf)| {
            let li = li.index(lines.len());
            let target: Vec<char> = lines[li].chars().collect();
            let ci = ci.index(target.len() + 1);
            let before: String = target[..ci].iter().collect();
            let after: String = target[ci..].iter().collect();
            let mut out = String::new();
            let eol = if crlf { "\r\n" } else { "\n" };
            for l in &lines[..li] {
                out.push_str(l);
                out.push_str(eol);
            }
            out.push_str(&before);
            out.push_str(sep);
            let offset = out.len();
            let column = before.chars().count() + sep.chars().count() + 1;
            out.push_str(&tok);
            out.push(' ');
            out.push_str(&after);
            for l in &lines[li + 1..] {
                out.push_str(eol);
                out.push_str(l);
            }
            (out, tok, li + 1, column, offset)
        })
}

/// The findings of the planted token (by its secret).
fn of_token(found: Vec<Finding>, tok: &str) -> Vec<(usize, usize, usize)> {
    found
        .into_iter()
        .filter(|f| f.raw_secret == tok)
        .map(|f| (f.line, f.column, f.offset))
        .collect()
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn a_planted_token_is_found_once_at_its_line_and_column(
        (text, tok, line, column, offset) in planted()
    ) {
        let got = of_token(findings(scan_as_file("notes.txt", text.as_bytes())), &tok);
        prop_assert_eq!(got, vec![(line, column, offset)], "{:?}", text);
    }

    #[test]
    fn a_planted_token_in_utf16_is_found_at_the_same_line_and_column(
        (text, tok, line, column, offset) in planted(),
        big_endian in any::<bool>(),
    ) {
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        let units_before = text[..offset].encode_utf16().count();
        let got = of_token(findings(scan_as_file("notes.txt", &bytes)), &tok);
        prop_assert_eq!(got, vec![(line, column, 2 + 2 * units_before)]);
    }

    #[test]
    fn a_planted_token_survives_invalid_utf8_and_nul_around_it(
        (text, tok, line, _column, offset) in planted(),
        junk in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![0u8, 0x80, 0xBF, 0xC3, 0xE9, 0xF0, 0xFF])), 0..12),
    ) {
        // Insert single bad bytes (stray continuation bytes, cut sequences, NULs)
        // anywhere except inside the token or its separators, on no new line.
        let mut bytes = text.into_bytes();
        let mut token_at = offset;
        let mut inserts: Vec<(usize, u8)> = junk
            .into_iter()
            .map(|(i, b)| (i.index(bytes.len() + 1), b))
            .filter(|&(i, _)| i + 1 < offset || i > offset + tok.len() + 1)
            .collect();
        inserts.sort_by_key(|x| std::cmp::Reverse(x.0));
        for (i, b) in inserts {
            bytes.insert(i, b);
            if i <= offset {
                token_at += 1;
            }
        }
        let found = findings(scan_as_file("notes.txt", &bytes));
        let got: Vec<(usize, usize)> = found
            .iter()
            .filter(|f| f.raw_secret == tok)
            .map(|f| (f.line, f.offset))
            .collect();
        prop_assert_eq!(got, vec![(line, token_at)]);
    }
}

/// Real inputs of each reader, mutated by the properties below.
const SEEDS: &[(&str, &[u8])] = &[
    ("messages.json", include_bytes!("../testdata/exports/teams/messages.json")),
    ("OPS-42.json", include_bytes!("../testdata/exports/jira/OPS-42.json")),
    ("export.csv", include_bytes!("../testdata/exports/jira/export.csv")),
    ("SearchRequest.xml", include_bytes!("../testdata/exports/jira/SearchRequest.xml")),
    ("session.jsonl", include_bytes!("../testdata/exports/agent/session.jsonl")),
    ("session.har", include_bytes!("../testdata/exports/session.har")),
    ("entities.xml", include_bytes!("../testdata/exports/confluence/entities.xml")),
    ("Deploy-runbook_98305.html", include_bytes!("../testdata/exports/confluence-html/DEV/Deploy-runbook_98305.html")),
    ("deploys/2026-11-21.json", include_bytes!("../testdata/exports/slack/deploys/2026-11-21.json")),
    ("cookies.txt", include_bytes!("../testdata/exports/cookies.txt")),
    ("k8s-secret.yaml", include_bytes!("../testdata/exports/k8s-secret.yaml")),
    ("build.log", b"2026-11-20T12:05:01.1Z \x1b[32m##[group]Run deploy\x1b[0m\n2026-11-20T12:05:02.2Z token=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\n##[endgroup]\n"),
    ("encoded.txt", b"a=%67%68%70_x &amp; \\u0067hp_ Z2hwX3U4anpQZGUwSWd4TGQ2R25jZkJBZXBmSkJkMEtoODAyNHhYSA== eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjoxfQ.c2ln"),
    ("utf16.txt", b"\xff\xfet\x00o\x00k\x00e\x00n\x00=\x00\x00\xd8x\x00"),
];

/// A seed input with random byte edits: flips, inserts, deletions, a cut, a
/// splice of a structural character.
fn mutated() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    (
        prop::sample::select(SEEDS.to_vec()),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..5u8), 0..16),
    )
        .prop_map(|((name, seed), edits)| {
            let mut b = seed.to_vec();
            for (i, byte, op) in edits {
                let at = i.index(b.len() + 1);
                match op {
                    0 if at < b.len() => b[at] = byte,
                    1 => b.insert(at, byte),
                    2 if at < b.len() => {
                        b.remove(at);
                    }
                    3 => b.truncate(at),
                    _ => {
                        let structural = b"{}[]\"\\<>&%=.\n\x1b\0";
                        b.insert(at, structural[byte as usize % structural.len()]);
                    }
                }
            }
            (name, b)
        })
}

/// Arbitrary bytes, or a seed mutated.
fn adversarial_bytes() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    prop_oneof![
        1 => (prop::sample::select(SEEDS.iter().map(|s| s.0).collect::<Vec<_>>()), prop::collection::vec(any::<u8>(), 0..2048)),
        3 => mutated(),
    ]
}

/// Every offset a view maps back to lies inside the original, and spans do not
/// turn around.
fn check_view(v: &View, original_len: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(v.map.view_len(), v.bytes.len());
    for i in 0..=v.bytes.len() {
        let (s, e) = (v.map.start(i), v.map.end(i));
        prop_assert!(
            s <= original_len && e <= original_len,
            "{} → {}..{} of {}",
            i,
            s,
            e,
            original_len
        );
    }
    Ok(())
}

/// Generous bound per input (debug build, shared machine): inputs are ≤ a few KiB.
const PER_CASE: Duration = Duration::from_secs(5);

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn no_entry_point_panics_or_stalls_on_adversarial_bytes((name, bytes) in adversarial_bytes()) {
        let started = Instant::now();
        let _ = engine().scan(&bytes);
        for layer in [
            decode::base64::layer(&bytes),
            decode::html::layer(&bytes),
            decode::percent::layer(&bytes),
            decode::json_escape::layer(&bytes),
        ]
        .into_iter()
        .flatten()
        {
            check_view(&layer, bytes.len())?;
        }
        check_view(&decode::html::strip_tags(&bytes), bytes.len())?;
        check_view(&decode::ci_log::normalise(&bytes), bytes.len())?;
        let mut layers = 0;
        let mut peel_result = Ok(());
        decode::peel::peel(&bytes, None, 3, &mut |v| {
            layers += 1;
            if peel_result.is_ok() {
                peel_result = check_view(v, bytes.len());
            }
        });
        peel_result?;
        if let Some(d) = decode::utf16::decode(&bytes) {
            let mut last = 0;
            for i in 0..=d.text.len() {
                let o = d.original_offset(i);
                prop_assert!(o >= last && o <= bytes.len());
                last = o;
            }
        }
        let _ = tokenhound::enrich::jwt::decode(&bytes);
        // Through the per-file routing, under the seed's name and a plain one:
        // export readers, the CI-log reader, archives, plain text.
        for path in [name, "plain.txt"] {
            for event in scan_as_file(path, &bytes) {
                if let Event::Finding(f) = event {
                    prop_assert!(f.offset <= bytes.len());
                    prop_assert!(f.line >= 1 && f.column >= 1);
                    prop_assert!((f.end_line, f.end_column) >= (f.line, f.column));
                }
            }
        }
        prop_assert!(started.elapsed() < PER_CASE, "{:?} for {} bytes", started.elapsed(), bytes.len());
    }

    #[test]
    fn jwt_decoding_round_trips_and_never_panics(
        iss in "[ -~]{0,20}",
        sub in proptest::option::of("[a-zA-Z0-9 é]{0,12}"),
        exp in proptest::option::of(any::<i64>()),
        sig in "[A-Za-z0-9_-]{0,40}",
        cut in any::<prop::sample::Index>(),
    ) {
        let mut payload = serde_json::json!({ "iss": iss });
        if let Some(s) = &sub {
            payload["sub"] = s.clone().into();
        }
        if let Some(e) = exp {
            payload["exp"] = e.into();
        }
        let token = tokenhound::enrich::jwt::encode_for_tests(
            &serde_json::json!({"alg": "HS256", "typ": "JWT"}),
            &payload,
            &sig,
        );
        let claims = tokenhound::enrich::jwt::decode(token.as_bytes()).expect("a well-formed JWT decodes");
        prop_assert_eq!(claims.alg, "HS256");
        prop_assert_eq!(claims.iss.as_deref(), Some(iss.as_str()));
        prop_assert_eq!(claims.sub, sub);
        prop_assert_eq!(claims.exp, exp);
        // Any prefix decodes or not, without panicking.
        let _ = tokenhound::enrich::jwt::decode(&token.as_bytes()[..cut.index(token.len() + 1)]);
    }
}

/// A valid custom rule file, mutated by the rule-loader property.
const RULE: &str = r#"[[rule]]
id = "acme-session"
name = "ACME session key"
provider = "acme"
kind = "session-cookie"
keywords = ["acme_sess="]
pattern = '''acme_sess=(?P<secret>[a-f0-9]{32})'''
lifetime = "short"
revoke = "Log out of ACME."
examples = ["Cookie: acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
negative_examples = ["acme_sess=short"]
"#;

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn the_rule_loader_rejects_or_loads_mutated_rule_files_without_panicking(
        edits in prop::collection::vec((any::<prop::sample::Index>(), "[ -~\n]{0,3}", any::<bool>()), 0..6),
        pattern in prop_oneof![
            Just(None),
            // Random regex-ish patterns, nested repetitions included.
            proptest::option::of("[a-z_=()?*+{}\\[\\]|.\\\\0-9,^$]{1,30}"),
        ],
        text in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut file = RULE.to_string();
        if let Some(p) = &pattern {
            // A literal TOML string cannot hold `'''`: the loader must say so, not panic.
            file = file.replace("acme_sess=(?P<secret>[a-f0-9]{32})", p);
        }
        for (at, s, delete) in edits {
            let mut at = at.index(file.len() + 1);
            while !file.is_char_boundary(at) {
                at -= 1;
            }
            if delete {
                let end = (at + s.len()).min(file.len());
                if file.is_char_boundary(end) {
                    file.replace_range(at..end, "");
                }
            } else {
                file.insert_str(at, &s);
            }
        }
        let started = Instant::now();
        if let Ok(custom) = rules::parse_rule_file(&file, "mutated.toml") {
            // The custom rules alone: compiling the built-in pack per case is slow in debug.
            let set = RuleSet { rules: custom };
            if set.check_unique_ids().is_ok() {
                if let Ok(engine) = Engine::new(&set) {
                    if engine.compile_all().is_ok() {
                        let mut probe = text.clone();
                        probe.extend_from_slice(b" acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a ");
                        let _ = engine.scan(&probe);
                    }
                }
            }
        }
        prop_assert!(started.elapsed() < PER_CASE);
    }

    #[test]
    fn utf16_decoding_maps_every_character_back(s in "[ -~]{0,40}\\PC{0,120}", big_endian in any::<bool>()) {
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        let Some(d) = decode::utf16::decode(&bytes) else {
            // Only text with (almost) no ASCII after its mark is not taken for UTF-16.
            let units = s.encode_utf16().count();
            let ascii = s.encode_utf16().filter(|&u| (0x20..0x80).contains(&u) || matches!(u, 9 | 10 | 13)).count();
            prop_assert!(units > 0 && ascii * 10 < units, "{s:?} not decoded");
            return Ok(());
        };
        prop_assert_eq!(&d.text, s.as_bytes());
        for (i, _) in s.char_indices() {
            prop_assert_eq!(d.original_offset(i), 2 + 2 * s[..i].encode_utf16().count());
        }
    }
}

/// One step of building an offset map: bytes copied, a unit decoded (`orig_len`
/// original bytes → `view_len` view bytes), or original bytes dropped.
#[derive(Debug, Clone)]
enum Step {
    Copy(usize),
    Unit(usize, usize),
    Drop(usize),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (1..6usize).prop_map(Step::Copy),
        // Few shapes, so runs of equal units (merged into one run) are common.
        prop::sample::select(vec![
            (3, 1),
            (6, 1),
            (5, 1),
            (4, 3),
            (2, 1),
            (0, 1),
            (12, 2)
        ])
        .prop_map(|(o, v)| Step::Unit(o, v)),
        (1..3usize).prop_map(Step::Drop),
    ];
    prop::collection::vec(prop_oneof![3 => step, 1 => Just(Step::Unit(3, 1))], 0..80)
}

proptest! {
    #![proptest_config(config(300))]

    /// However units merge into runs, every view byte maps to the span it
    /// came from: a copied byte to itself, a unit's bytes to the whole unit.
    #[test]
    fn offset_maps_locate_every_view_byte_in_its_unit(steps in steps()) {
        let mut map = decode::OffsetMap::new();
        // Expected (start, end) in the original of each view byte.
        let mut want: Vec<(usize, usize)> = Vec::new();
        let mut orig = 0;
        for s in &steps {
            match *s {
                Step::Copy(n) => {
                    map.copy(orig, n);
                    want.extend((0..n).map(|i| (orig + i, orig + i + 1)));
                    orig += n;
                }
                Step::Unit(o, v) => {
                    map.replace(orig, o, v);
                    if o == v {
                        want.extend((0..v).map(|i| (orig + i, orig + i + 1)));
                    } else {
                        want.extend((0..v).map(|_| (orig, orig + o)));
                    }
                    orig += o;
                }
                Step::Drop(n) => orig += n,
            }
        }
        prop_assert_eq!(map.view_len(), want.len());
        for (v, &(s, e)) in want.iter().enumerate() {
            prop_assert_eq!(map.start(v), s, "start of view byte {}", v);
            prop_assert_eq!(map.end(v + 1), e, "end of view byte {}", v);
        }
        // A map composed with a plain copy of its original is the same map.
        let mut identity = decode::OffsetMap::new();
        identity.copy(0, orig);
        let c = map.then(&identity);
        for (v, &w) in want.iter().enumerate() {
            prop_assert_eq!((c.start(v), c.end(v + 1)), w);
        }
        // A plain copy of the view, mapped through this map, is this map (the
        // outer side of a composition splits copied runs at every unit).
        let mut whole_view = decode::OffsetMap::new();
        whole_view.copy(0, want.len());
        let c = whole_view.then(&map);
        for (v, &w) in want.iter().enumerate() {
            prop_assert_eq!((c.start(v), c.end(v + 1)), w, "view byte {}", v);
        }
    }
}
