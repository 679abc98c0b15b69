//! Decode and match: every view of a blob (its bytes, or the view a source made
//! of them, then each decode layer peeled off that) is matched, and each match
//! becomes a [`Candidate`] located in the original bytes. Candidates from
//! different views that claim the same bytes are one secret seen twice (a
//! percent-encoded cookie raw and decoded, a generic `token: <base64>` around
//! the `ghp_` inside it): [`resolve_across_views`] keeps one of them.

use std::borrow::Cow;

use crate::decode::{ci_log, peel, View};
use crate::engine::reuse::DeltaReuse;
use crate::engine::{CompiledRule, Engine, Scope};

/// The secret of a candidate: a span of the blob's base view (no copy, the
/// common case), or the bytes of a decoded layer that is gone once peeled.
#[derive(Debug, Clone)]
pub(crate) enum Secret {
    Base(usize, usize),
    Owned(Box<[u8]>),
}

/// One match, located in the original bytes.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Index into `Engine::rules()`.
    pub rule: usize,
    /// Which view found it: 0 is the base view, then one per decode layer.
    pub view: usize,
    /// Span of the secret as written in the original bytes.
    pub start: usize,
    pub end: usize,
    pub secret: Secret,
    pub entropy: f64,
    /// The secret's bytes differ from the original bytes of its span: a decode
    /// layer was needed to see it (not merely run over its line).
    pub decoded: bool,
}

/// What gathering found in one blob.
pub(crate) struct Gathered<'b> {
    /// The base view's bytes (the blob itself unless a source or the log hint
    /// made a view of it); `Secret::Base` spans index into them.
    pub base: Cow<'b, [u8]>,
    /// The layers of each view, outermost first (`view` of a candidate indexes it).
    pub view_layers: Vec<Vec<&'static str>>,
    pub candidates: Vec<Candidate>,
    /// Something a decode limit left unpeeled that the rules would look at.
    pub decode_note: Option<String>,
}

impl Gathered<'_> {
    /// The secret's bytes.
    pub fn secret<'s>(&'s self, c: &'s Candidate) -> &'s [u8] {
        match &c.secret {
            Secret::Base(s, e) => &self.base[*s..*e],
            Secret::Owned(b) => b,
        }
    }
}

/// Matches every view of `bytes` (its base view is `view` when a source made
/// one, the CI-log normalised text when `log`, else the bytes themselves) and
/// returns the candidates, unfiltered and unsorted. The path-scoped rules of
/// `scope` (the blob's path) run on every view: a decode layer is still the
/// content of that file. `reuse` (a git delta's base's keyword hits) speeds
/// up matching the bytes themselves, and nothing else.
pub(crate) fn gather<'b>(
    engine: &Engine,
    scope: &Scope,
    bytes: &'b [u8],
    view: Option<&'b View>,
    log: bool,
    depth: usize,
    reuse: Option<&DeltaReuse>,
) -> Gathered<'b> {
    let normalised: Option<View> = (view.is_none() && log).then(|| ci_log::normalise(bytes));
    let base_view: Option<&View> = view.or(normalised.as_ref());
    let base_bytes: &[u8] = base_view.map_or(bytes, |v| v.bytes.as_slice());
    let mut candidates = Vec::new();
    for m in engine.scan_reusing(base_bytes, scope, reuse) {
        let (start, end) = match base_view {
            Some(v) => {
                let s = v.map.start(m.start);
                (s, v.map.end(m.end).max(s))
            }
            None => (m.start, m.end),
        };
        let decoded =
            base_view.is_some() && bytes.get(start..end) != Some(&base_bytes[m.start..m.end]);
        candidates.push(Candidate {
            rule: m.rule,
            view: 0,
            start,
            end,
            secret: Secret::Base(m.start, m.end),
            entropy: m.entropy,
            decoded,
        });
    }
    let mut view_layers = vec![base_view.map(|v| v.layers.clone()).unwrap_or_default()];
    let mut decode_note = None;
    if depth > 0 {
        // The blob's own base64 layer may reuse what its delta base's scan
        // learnt; decoded views are peeled as usual.
        let reuse = reuse.filter(|r| base_view.is_none() && r.describes(base_bytes));
        let top_base64 = |input: &[u8]| match reuse {
            Some(r) => r.base64_layer(input),
            None => crate::decode::base64::layer(input),
        };
        let left = peel::peel_with(base_bytes, base_view, depth, &top_base64, &mut |layer| {
            let matches = engine.scan_in(&layer.bytes, scope);
            if matches.is_empty() {
                return;
            }
            let k = view_layers.len();
            view_layers.push(layer.layers.clone());
            for m in matches {
                let secret = &layer.bytes[m.start..m.end];
                let start = layer.map.start(m.start);
                let end = layer.map.end(m.end).max(start);
                candidates.push(Candidate {
                    rule: m.rule,
                    view: k,
                    start,
                    end,
                    decoded: bytes.get(start..end) != Some(secret),
                    secret: Secret::Owned(secret.into()),
                    entropy: m.entropy,
                });
            }
        });
        if left.too_large {
            decode_note = Some("a decoded view over 256 MiB was not peeled further".to_string());
        } else if left
            .below_depth
            .iter()
            .any(|b| !engine.scan_in(b, scope).is_empty())
        {
            decode_note = Some(format!(
                "decode depth {depth} reached: a possible secret is encoded deeper \
                 (raise --decode-depth to report it)"
            ));
        }
    }
    let base = match (view, normalised) {
        (Some(v), _) => Cow::Borrowed(v.bytes.as_slice()),
        (None, Some(n)) => Cow::Owned(n.bytes),
        (None, None) => Cow::Borrowed(bytes),
    };
    Gathered {
        base,
        view_layers,
        candidates,
        decode_note,
    }
}

/// Keeps one candidate of every group that claims overlapping original bytes
/// from *different* views (within one view the engine has settled overlaps
/// already, and adjacent secrets of a decoded layer may share a coarse unit of
/// the map, so they never compete). The one kept: the most specific rule, then
/// one whose bytes a layer changed (the value a server accepts, not its
/// encoding), then the fewest layers. Returns the candidates sorted by start.
pub(crate) fn resolve_across_views(
    rules: &[CompiledRule],
    view_layers: &[Vec<&'static str>],
    mut cands: Vec<Candidate>,
) -> Vec<Candidate> {
    cands.sort_by_key(|c| (c.start, c.end, c.view, c.rule));
    if view_layers.len() < 2 {
        return cands;
    }
    // Conflicting pairs, found by a sweep: within one view candidates barely
    // overlap, so the set of spans still open at a start stays small.
    let mut conflicts: Vec<Vec<u32>> = vec![Vec::new(); cands.len()];
    let mut open: Vec<usize> = Vec::new();
    for i in 0..cands.len() {
        let (s, v) = (cands[i].start, cands[i].view);
        open.retain(|&j| cands[j].end > s || (cands[j].end == s && cands[j].start == s));
        for &j in &open {
            let overlaps = cands[j].end > s || cands[j].start == cands[i].start;
            if cands[j].view != v && overlaps {
                conflicts[i].push(j as u32);
                conflicts[j].push(i as u32);
            }
        }
        open.push(i);
    }
    if conflicts.iter().all(Vec::is_empty) {
        return cands;
    }
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by_key(|&i| {
        let c = &cands[i];
        (
            std::cmp::Reverse(rules[c.rule].specificity),
            !c.decoded,
            view_layers[c.view].len(),
            c.view,
            c.start,
        )
    });
    let mut kept = vec![false; cands.len()];
    let mut dropped = vec![false; cands.len()];
    for i in order {
        if dropped[i] {
            continue;
        }
        kept[i] = true;
        for &j in &conflicts[i] {
            if !kept[j as usize] {
                dropped[j as usize] = true;
            }
        }
    }
    cands
        .into_iter()
        .zip(kept)
        .filter_map(|(c, k)| k.then_some(c))
        .collect()
}

/// Disjoint, sorted spans covering every `(start, end)` given: what context
/// lines redact, whichever view found each secret.
pub(crate) fn merged_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}
