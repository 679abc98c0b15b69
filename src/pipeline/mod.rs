//! The one road every input takes: a source hands the pipeline a [`Blob`]
//! (bytes, where they came from, and hints about their format), and the
//! pipeline alone peels decode layers, matches the rules, turns matches into
//! findings, settles what several views or copies of one secret found, caps the
//! findings of one blob, redacts every secret in context lines and applies the
//! suppressions. Sources never see the engine, and reports never see a blob.
//!
//! ```text
//! Blob ──► gather (views: base, decode layers) ──► filter (masks, keep, benign)
//!      ──► resolve across views ──► cap ──► enrich (locate, context, claims)
//!      ──► records (one finding per secret per record) ──► pair ──► Finding
//! ```
//!
//! [`Scanner`] is the per-run handle sources hold: it feeds blobs through the
//! pipeline and streams what comes out (findings, suppressed findings, errors,
//! skips, notes) to the one consumer.

pub(crate) mod candidates;
mod locate;
pub mod records;
pub mod run;
pub mod scanner;
pub mod selftest;

use crate::decode::View;
use crate::engine::reuse::DeltaReuse;
use crate::engine::Engine;
use crate::enrich::{self, EnrichOptions};
use crate::finding::{Confidence, Finding, Provenance, Reason};
use crate::suppress::Suppressor;
use candidates::{merged_spans, resolve_across_views, Candidate};
use locate::LineCursor;
pub use records::{Locator, RecordPlace};
pub use scanner::{events, Counters, Scanner, Tally};

/// Default of `--max-findings-per-file`: more findings than this in one blob
/// are counted, not reported (a file of nothing but tokens is an attack on the
/// report, and a reader could not act on more anyway).
pub const DEFAULT_MAX_FINDINGS_PER_BLOB: usize = 1_000;

/// Logs at least this big are matched as two halves on two threads.
pub const PARALLEL_MIN: usize = 1 << 20;
/// Bytes before the cut that the second half is matched with, as context.
const SPLIT_CONTEXT: usize = 4 << 10;
/// How far before the cut a PEM block start forbids cutting (bigger than any key).
const SPLIT_PEM_GUARD: usize = 64 << 10;

/// Choices fixed for a whole run.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// How many decode layers are peeled, nested (`--decode-depth`; 0 = none).
    pub decode_depth: usize,
    /// Most findings reported per blob (`--max-findings-per-file`).
    pub max_findings_per_blob: usize,
    /// Findings under this confidence are not reported, only counted
    /// (`--min-confidence`, default medium).
    pub min_confidence: Confidence,
    pub enrich: EnrichOptions,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            decode_depth: crate::decode::peel::DEFAULT_DEPTH,
            max_findings_per_blob: DEFAULT_MAX_FINDINGS_PER_BLOB,
            min_confidence: enrich::confidence::DEFAULT_MIN,
            enrich: EnrichOptions {
                show_secrets: false,
                now: chrono::Utc::now(),
            },
        }
    }
}

/// The compiled rules plus everything a run decided (options, suppressions):
/// built once, shared by every thread.
#[derive(Debug)]
pub struct Pipeline {
    engine: Engine,
    opts: PipelineOptions,
    suppressor: Suppressor,
}

/// Bytes to scan and where they came from.
#[derive(Clone, Copy)]
pub struct Blob<'a> {
    pub bytes: &'a [u8],
    pub provenance: &'a Provenance,
    pub hints: Hints<'a>,
}

impl<'a> Blob<'a> {
    /// Plain bytes with no hints.
    pub fn new(bytes: &'a [u8], provenance: &'a Provenance) -> Self {
        Blob {
            bytes,
            provenance,
            hints: Hints::default(),
        }
    }

    pub fn with_hints(mut self, hints: Hints<'a>) -> Self {
        self.hints = hints;
        self
    }

    /// The path that rules scoped by `path` are matched against: the one the
    /// source gave ([`Hints::path`]), else the provenance's.
    pub fn rule_path(&self) -> &'a str {
        self.hints.path.unwrap_or_else(|| self.provenance.path())
    }
}

/// What a source knows about its bytes' format, which the pipeline needs to
/// read them right. All default to "plain bytes".
#[derive(Clone, Copy, Default)]
pub struct Hints<'a> {
    /// Build output: match the CI-log normalised text (ANSI codes, runner
    /// timestamps and markers peeled) and never report a runner's mask.
    pub log: bool,
    /// A view the source already decoded (an export's text fields joined, each
    /// mapped to the file): matched instead of the bytes.
    pub view: Option<&'a View>,
    /// Which record (message, HAR entry, issue comment) holds an offset: copies
    /// of one secret in one record become one finding with every place.
    pub locator: Option<&'a dyn Locator>,
    /// Report only secrets whose span in the bytes this accepts (`start, end`):
    /// the added lines of a staged file, the fresh part of a stream segment.
    pub keep: Option<&'a (dyn Fn(usize, usize) -> bool + Sync)>,
    /// Sorted spans of the bytes that hold a format's own artefacts, never
    /// leaks (a Slack export's file-download token in its file URLs).
    pub benign: &'a [(usize, usize)],
    /// Where `bytes` start in the whole input (a segment of a stream, the
    /// second half of a big log), so findings are located in the whole input.
    pub origin: Option<Origin>,
    /// The file's own path, when the provenance shows another one (a blob of
    /// git history is named by commit while it is first looked at; an
    /// archive member's provenance is `archive.zip!member`): what path-scoped
    /// rules match, see [`Blob::rule_path`].
    pub path: Option<&'a str>,
    /// Keyword hits of the blob these bytes are built from (a git delta's
    /// base), and where this blob's go for the blobs built from it: the
    /// keyword pass then runs only around what differs. Used only while
    /// matching exactly the bytes it describes.
    pub delta_reuse: Option<&'a DeltaReuse<'a>>,
}

/// A position in a whole input: byte offset, 1-based line, and the characters
/// before it on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// What the pipeline made of one blob.
#[derive(Debug, Default)]
pub struct BlobFindings {
    /// Findings, sorted by position; not yet checked against suppressions.
    pub findings: Vec<Finding>,
    /// Secrets found beyond the per-blob limit, not reported.
    pub over_limit: usize,
    /// Something a decode limit left unpeeled that the rules would look at.
    pub decode_note: Option<String>,
}

/// A secret's span in the original bytes, for redaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSpan {
    pub start: usize,
    pub end: usize,
    pub rule_id: String,
    pub fingerprint: String,
}

impl Pipeline {
    pub fn new(engine: Engine, opts: PipelineOptions, suppressor: Suppressor) -> Self {
        Pipeline {
            engine,
            opts,
            suppressor,
        }
    }

    /// A pipeline of `engine` with default options and no suppressions.
    pub fn of(engine: Engine) -> Self {
        Pipeline::new(engine, PipelineOptions::default(), Suppressor::default())
    }

    /// The compiled rules (rule facts for verification and reports).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn options(&self) -> &PipelineOptions {
        &self.opts
    }

    pub fn suppressor(&self) -> &Suppressor {
        &self.suppressor
    }

    /// Why `f` is not to be reported, if a suppression covers it or its
    /// confidence is under the run's minimum (checked after the suppressions,
    /// so each finding is counted once, under what a reviewer would say first).
    pub fn suppression(&self, f: &Finding) -> Option<Reason> {
        self.suppressor.check(f).or_else(|| {
            (!enrich::confidence::passes(f.confidence, self.opts.min_confidence))
                .then_some(Reason::BelowConfidence)
        })
    }

    /// Whether `blob` holds anything the rules report (decode layers included),
    /// without building findings: the cheap first look of a two-pass source
    /// (git history learns a blob's provenance only after its walk).
    pub fn has_secrets(&self, blob: &Blob) -> bool {
        let g = candidates::gather(
            &self.engine,
            &self.engine.scope(blob.rule_path()),
            blob.bytes,
            blob.hints.view,
            blob.hints.log,
            self.opts.decode_depth,
            blob.hints.delta_reuse,
        );
        let benign = blob.hints.benign;
        g.candidates
            .iter()
            .any(|c| self.accepts(blob, &g, c, benign))
    }

    /// The secrets of `blob` as disjoint spans of its original bytes, sorted:
    /// what `redact` replaces. Where views overlap (a raw generic match around
    /// a decoded token), the span covers them all and is named after the
    /// secret the findings would report.
    pub fn secret_spans(&self, blob: &Blob) -> Vec<SecretSpan> {
        let g = candidates::gather(
            &self.engine,
            &self.engine.scope(blob.rule_path()),
            blob.bytes,
            blob.hints.view,
            blob.hints.log,
            self.opts.decode_depth,
            blob.hints.delta_reuse,
        );
        let cands: Vec<Candidate> = g
            .candidates
            .iter()
            .filter(|c| self.accepts(blob, &g, c, blob.hints.benign))
            .cloned()
            .collect();
        let unions = merged_spans(cands.iter().map(|c| (c.start, c.end)).collect());
        let kept = resolve_across_views(self.engine.rules(), &g.view_layers, cands);
        let mut out = Vec::with_capacity(unions.len());
        let mut k = 0;
        for (start, end) in unions {
            while k < kept.len() && kept[k].start < start {
                k += 1;
            }
            // Every union holds a kept secret: a dropped one overlaps the one
            // that replaced it.
            let Some(c) = kept.get(k).filter(|c| c.start < end.max(start + 1)) else {
                continue;
            };
            let rule = &self.engine.rules()[c.rule].rule;
            out.push(SecretSpan {
                start,
                end,
                rule_id: rule.id.clone(),
                fingerprint: enrich::fingerprint(&rule.id, g.secret(c)),
            });
        }
        out
    }

    /// The findings of one blob. Big logs are matched as two halves in
    /// parallel (cut at a line, never inside a PEM block).
    pub fn findings(&self, blob: &Blob) -> BlobFindings {
        if blob.hints.log && blob.hints.view.is_none() {
            if let Some((split, second)) = parallel_split(blob.bytes) {
                return self.findings_in_halves(blob, split, second);
            }
        }
        self.findings_whole(blob)
    }

    fn findings_in_halves(&self, blob: &Blob, split: usize, second: usize) -> BlobFindings {
        let base = blob.hints.origin.unwrap_or(Origin {
            offset: 0,
            line: 1,
            column: 0,
        });
        let lines_before = memchr::memchr_iter(b'\n', &blob.bytes[..second]).count();
        let keep_second =
            |s: usize, e: usize| blob.hints.keep.is_none_or(|k| k(s + second, e + second));
        let (first, rest) = (&blob.bytes[..split], &blob.bytes[second..]);
        let benign_second: Vec<(usize, usize)> = blob
            .hints
            .benign
            .iter()
            .filter(|b| b.1 > second)
            .map(|&(s, e)| (s.saturating_sub(second), e - second))
            .collect();
        let a_blob = Blob {
            bytes: first,
            provenance: blob.provenance,
            hints: blob.hints,
        };
        let b_blob = Blob {
            bytes: rest,
            provenance: blob.provenance,
            hints: Hints {
                keep: Some(&keep_second),
                benign: &benign_second,
                origin: Some(Origin {
                    offset: base.offset + second,
                    line: base.line + lines_before,
                    column: 0,
                }),
                ..blob.hints
            },
        };
        let (mut a, b) = rayon::join(
            || self.findings_whole(&a_blob),
            || self.findings_whole(&b_blob),
        );
        // The first half reports what starts before the second's context; the
        // second, what starts after it.
        let cut = base.offset + second;
        a.findings.retain(|f| f.offset < cut);
        a.findings
            .extend(b.findings.into_iter().filter(|f| f.offset >= cut));
        let max = self.opts.max_findings_per_blob;
        let over = a.findings.len().saturating_sub(max);
        a.findings.truncate(max);
        BlobFindings {
            findings: a.findings,
            over_limit: a.over_limit + b.over_limit + over,
            decode_note: a.decode_note.or(b.decode_note),
        }
    }

    /// Whether a gathered candidate is reported at all: not a runner's mask,
    /// inside what the source keeps, not a format's own artefact.
    fn accepts(
        &self,
        blob: &Blob,
        g: &candidates::Gathered,
        c: &Candidate,
        benign: &[(usize, usize)],
    ) -> bool {
        if blob.hints.log && crate::decode::ci_log::is_masked(g.secret(c)) {
            return false;
        }
        if let Some(keep) = blob.hints.keep {
            if !keep(c.start, c.end) {
                return false;
            }
        }
        !in_spans(benign, c.start, c.end)
    }

    fn findings_whole(&self, blob: &Blob) -> BlobFindings {
        let g = candidates::gather(
            &self.engine,
            &self.engine.scope(blob.rule_path()),
            blob.bytes,
            blob.hints.view,
            blob.hints.log,
            self.opts.decode_depth,
            blob.hints.delta_reuse,
        );
        let decode_note = g.decode_note.clone();
        if g.candidates.is_empty() {
            return BlobFindings {
                decode_note,
                ..Default::default()
            };
        }
        // Every secret any view saw is redacted in context lines, even one a
        // more specific view's finding replaced or the source does not keep.
        let masked =
            |c: &Candidate| blob.hints.log && crate::decode::ci_log::is_masked(g.secret(c));
        let spans = merged_spans(
            g.candidates
                .iter()
                .filter(|c| !masked(c))
                .map(|c| (c.start, c.end))
                .collect(),
        );
        let kept: Vec<Candidate> = g
            .candidates
            .iter()
            .filter(|c| self.accepts(blob, &g, c, blob.hints.benign))
            .cloned()
            .collect();
        let mut kept = resolve_across_views(self.engine.rules(), &g.view_layers, kept);
        let max = self.opts.max_findings_per_blob;
        let over_limit = kept.len().saturating_sub(max);
        kept.truncate(max);

        let original = blob.bytes;
        let mut cursor = LineCursor::new(original);
        let mut findings = Vec::with_capacity(kept.len());
        for c in &kept {
            let rule = &self.engine.rules()[c.rule].rule;
            let (line, column, line_start) = cursor.locate(c.start);
            // From the start, not from the previous end: one pass over the
            // blob, not two.
            let (end_line, end_column, _) = cursor.clone().locate(c.end);
            let decoded = decoded_trail(blob, &g, c);
            let line_text = context_line(
                blob,
                (c.start, c.end),
                line_start,
                &spans,
                self.opts.enrich.show_secrets,
            );
            findings.push(enrich::finding(
                enrich::Located {
                    rule,
                    secret: g.secret(c),
                    start: c.start,
                    end: c.end,
                    line,
                    column,
                    end_line,
                    end_column,
                    entropy: c.entropy,
                    decoded,
                    line_text,
                    inline_ignored: crate::suppress::inline::is_ignored(
                        original, c.start, c.end, &rule.id,
                    ),
                    blob: original,
                    line_start,
                },
                blob.provenance,
                &self.opts.enrich,
            ));
        }
        if let Some(locator) = blob.hints.locator {
            records::place_in_records(&mut findings, locator);
            if !self.opts.enrich.show_secrets {
                records::redact_locations(&mut findings);
            }
        }
        if let Some(o) = blob.hints.origin {
            for f in &mut findings {
                shift(f, o);
            }
        }
        for f in &mut findings {
            blob.provenance.annotate(f);
            f.leaked_by = enrich::leaker::leaked_by(f, blob.provenance).map(Box::new);
        }
        enrich::pairing::link(&mut findings, original);
        BlobFindings {
            findings,
            over_limit,
            decode_note,
        }
    }
}

/// `text` with every secret the built-in rules find in it redacted: for
/// messages that may quote a line of a settings file (a `tokenhound.toml`,
/// `.tokenhoundignore` or baseline that does not parse), which may be a line
/// holding a token. Every fatal error goes through it before it is printed.
/// The rules are compiled once, on the first such message.
pub fn redact_text(text: &str) -> String {
    static ENGINE: std::sync::OnceLock<Option<crate::engine::Engine>> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let rules = crate::rules::RuleSet::builtin().ok()?;
        crate::engine::Engine::build(&rules, None).ok()
    });
    let Some(engine) = engine else {
        return text.to_string();
    };
    let bytes = text.as_bytes();
    let mut matches = engine.scan(bytes);
    matches.sort_by_key(|m| (m.start, m.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for m in matches {
        if m.start < pos || !text.is_char_boundary(m.start) || !text.is_char_boundary(m.end) {
            continue;
        }
        out.push_str(&text[pos..m.start]);
        out.push_str(&crate::enrich::redact::redact(&text[m.start..m.end]));
        pos = m.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The decode layers a secret was seen through, outermost first: none when
/// its bytes are the original's (a layer merely ran over its line); the
/// record's own reader layers (HTML stripped, JSON in a string) first.
fn decoded_trail(blob: &Blob, g: &candidates::Gathered, c: &Candidate) -> Vec<String> {
    if !c.decoded {
        return Vec::new();
    }
    let view = g.view_layers[c.view].iter().map(|l| l.to_string());
    match blob.hints.locator.and_then(|l| l.locate(c.start)) {
        Some(p) if !p.layers.is_empty() || !g.view_layers[c.view].is_empty() => {
            p.layers.iter().map(|l| l.to_string()).chain(view).collect()
        }
        Some(_) => {
            let layer = blob.hints.locator.map_or("json", |l| l.default_layer());
            vec![layer.to_string()]
        }
        None => view.collect(),
    }
}

/// The context line of a secret at `at`, every secret span on it redacted
/// (unless shown), and a log's escape sequences stripped.
fn context_line(
    blob: &Blob,
    at: (usize, usize),
    line_start: usize,
    spans: &[(usize, usize)],
    show: bool,
) -> String {
    let text = enrich::redact::line_text(blob.bytes, line_start, at, spans, show);
    if blob.hints.log && text.contains('\x1b') {
        String::from_utf8_lossy(&crate::decode::ci_log::strip_escapes(text.as_bytes())).into_owned()
    } else {
        text
    }
}

/// Moves a finding located in a piece to its place in the whole input.
fn shift(f: &mut Finding, o: Origin) {
    if f.line == 1 {
        f.column += o.column;
    }
    if f.end_line == 1 {
        f.end_column += o.column;
    }
    f.line += o.line - 1;
    f.end_line += o.line - 1;
    f.offset += o.offset;
    for p in &mut f.also_at {
        if p.line == 1 {
            p.column += o.column;
        }
        if p.end_line == 1 {
            p.end_column += o.column;
        }
        p.line += o.line - 1;
        p.end_line += o.line - 1;
        p.offset += o.offset;
    }
}

/// Whether `start..end` lies inside one of the sorted, disjoint `spans`.
fn in_spans(spans: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = spans.partition_point(|s| s.0 <= start);
    i > 0 && spans[i - 1].1 >= end
}

/// Where to cut `bytes` in two for a parallel scan: `(split, second_start)`, the
/// first half being `..split` and the second `second_start..` (a line start up to
/// [`SPLIT_CONTEXT`] bytes before `split`, so a secret is whole in one half).
/// `None` when too small, one long line, or a PEM block may be open at the cut.
pub fn parallel_split(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.len() < PARALLEL_MIN {
        return None;
    }
    let mid = bytes.len() / 2;
    let split = mid + memchr::memchr(b'\n', &bytes[mid..])? + 1;
    if split >= bytes.len() {
        return None;
    }
    let guard = &bytes[split.saturating_sub(SPLIT_PEM_GUARD)..split];
    if memchr::memmem::find(guard, b"-----BEGIN").is_some() {
        return None;
    }
    let ctx = split.saturating_sub(SPLIT_CONTEXT);
    let second = memchr::memchr(b'\n', &bytes[ctx..split])
        .map(|i| ctx + i + 1)
        .unwrap_or(split);
    Some((split, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_a_line_start_with_context_before_it() {
        let line = b"2026-11-20T12:05:01.1234567Z some build output\n";
        let bytes: Vec<u8> = line
            .iter()
            .copied()
            .cycle()
            .take(line.len() * 40_000)
            .collect();
        let (split, second) = parallel_split(&bytes).unwrap();
        assert_eq!(bytes[split - 1], b'\n');
        assert_eq!(bytes[second - 1], b'\n');
        assert!(second < split && split - second <= SPLIT_CONTEXT);
        assert!(parallel_split(&bytes[..1000]).is_none());
        // One long line cannot be cut.
        assert!(parallel_split(&vec![b'a'; 2 << 20]).is_none());
    }

    #[test]
    fn never_splits_near_a_pem_block() {
        let mut bytes = vec![b'x'; 1 << 20];
        bytes.extend_from_slice(b"\n-----BEGIN RSA PRIVATE KEY-----\n");
        bytes.extend_from_slice(&[b'y'; 100]);
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(&vec![b'z'; 1 << 20]);
        assert!(parallel_split(&bytes).is_none());
    }

    #[test]
    fn item8_secrets_in_quoted_text_are_redacted() {
        let t = "x.toml: line 3: `token = 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` is bad";
        let r = redact_text(t);
        assert!(!r.contains("u8jzPde0"), "{r}");
        assert!(
            r.contains("ghp_***") && r.starts_with("x.toml: line 3"),
            "{r}"
        );
        assert_eq!(redact_text("nothing secret"), "nothing secret");
    }

    #[test]
    fn spans_contain() {
        let s = [(0, 5), (10, 20)];
        assert!(in_spans(&s, 11, 19));
        assert!(in_spans(&s, 10, 20));
        assert!(!in_spans(&s, 4, 6));
        assert!(!in_spans(&s, 21, 22));
        assert!(!in_spans(&[], 0, 1));
    }
}
