//! Peels decode layers off a blob, nested up to a depth: every layer whose cheap
//! check passes yields a [`View`], and each view is peeled again (JSON inside
//! base64 inside percent-encoding, …). Views are mapped back to the bytes first
//! given, so a finding deep inside still points at its encoded span.

use super::{base64, html, json_escape, percent, OffsetMap, View};

/// Default nesting depth of decode layers (`--decode-depth`).
pub const DEFAULT_DEPTH: usize = 3;

/// Views larger than this are not peeled further (bounds the work on huge blobs).
const MAX_NESTED_INPUT: usize = 256 << 20;

/// A decode layer: the decoded view of a blob, if the layer applies to it.
type Layer = fn(&[u8]) -> Option<View>;

/// The layers tried, in order, each with the bytes that can start its work: on
/// a decoded view, a layer runs only when one of them was produced by decoding
/// (a `&` from `\u0026`, a `/` from `\/` next to base64), since the copied parts
/// were already peeled at the level above.
const LAYERS: &[(Layer, &[u8])] = &[
    (json_escape::layer, b"\\"),
    (html::layer, b"&"),
    (percent::layer, b"%"),
    (base64::layer, b"+/=-_"),
];

/// Where the base64 layer is in [`LAYERS`].
const BASE64: usize = 3;

/// Whether some byte of `input` in `triggers` was produced by decoding rather
/// than copied from `parent` (through `map`, `input`'s map into `parent`).
/// Copied runs are skipped whole (their bytes are the parent's by
/// construction); within decoded runs a byte still counts as copied when its
/// unit is that one byte of the parent.
fn novel_trigger(input: &[u8], parent: &[u8], map: &OffsetMap, triggers: &[u8]) -> bool {
    let mut is_trigger = [false; 256];
    for &t in triggers {
        is_trigger[t as usize] = true;
    }
    let covered = map.view_len().min(input.len());
    let uncovered = (covered..input.len()).map(|k| (k, k + 1));
    map.decoded_spans()
        .chain(uncovered)
        .flat_map(|(a, b)| a.min(input.len())..b.min(input.len()))
        .any(|k| {
            let b = input[k];
            is_trigger[b as usize] && {
                let (s, e) = (map.start(k), map.end(k + 1));
                !(e == s + 1 && parent.get(s) == Some(&b))
            }
        })
}

/// Spans `(start, end)` of the lines of `input` holding an occurrence of `needle`
/// for which `accept(offset)` is true; line ends exclude the `\n`. Lines are
/// what decode layers copy into their views: small regions around the escapes,
/// so a plain file with one escape costs one line, not a second full scan.
pub fn lines_with(
    input: &[u8],
    needle: u8,
    mut accept: impl FnMut(usize) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = memchr::memchr(needle, &input[i..]) {
        let at = i + p;
        if !accept(at) {
            i = at + 1;
            continue;
        }
        let start = memchr::memrchr(b'\n', &input[..at]).map_or(0, |p| p + 1);
        let end = memchr::memchr(b'\n', &input[at..]).map_or(input.len(), |p| at + p);
        out.push((start, end));
        i = end;
        if i >= input.len() {
            break;
        }
    }
    out
}

/// Calls `f` with every decoded view of `input` down to `depth` layers. When
/// `base` is given, `input` is `base.bytes` and the views are mapped through
/// `base.map` (and list its layers first), so they point into `base`'s original.
/// Returns what the limits left unpeeled, so callers can say so.
pub fn peel(input: &[u8], base: Option<&View>, depth: usize, f: &mut dyn FnMut(&View)) -> Unpeeled {
    peel_with(input, base, depth, &base64::layer, f)
}

/// [`peel`] with the base64 layer of `input` itself (not of its decoded
/// views) computed by `top_base64`: a git delta's, from what its base's
/// scan learnt (see `engine::reuse`).
pub fn peel_with(
    input: &[u8],
    base: Option<&View>,
    depth: usize,
    top_base64: &dyn Fn(&[u8]) -> Option<View>,
    f: &mut dyn FnMut(&View),
) -> Unpeeled {
    let mut left = Unpeeled::default();
    peel_from(input, None, base, depth, top_base64, f, &mut left);
    left
}

/// Layers the limits kept `peel` from decoding.
#[derive(Debug, Default)]
pub struct Unpeeled {
    /// The bytes of each layer that applies one level below the depth limit
    /// (not mapped back, not peeled further): enough to tell whether anything
    /// worth reporting was left there.
    pub below_depth: Vec<Vec<u8>>,
    /// A view over 256 MiB was not peeled further.
    pub too_large: bool,
}

/// The layers that apply to `input`, a view decoded from `parent` through `map`.
fn next_layers(input: &[u8], parent: &[u8], map: &OffsetMap, out: &mut Vec<Vec<u8>>) {
    for (layer, triggers) in LAYERS {
        if novel_trigger(input, parent, map, triggers) {
            if let Some(v) = layer(input) {
                out.push(v.bytes);
            }
        }
    }
}

/// `peel` of a view whose `origin` is (the bytes it was decoded from, its map
/// into them); `None` at the top, where every layer is tried.
fn peel_from(
    input: &[u8],
    origin: Option<(&[u8], &OffsetMap)>,
    base: Option<&View>,
    depth: usize,
    top_base64: &dyn Fn(&[u8]) -> Option<View>,
    f: &mut dyn FnMut(&View),
    left: &mut Unpeeled,
) {
    if depth == 0 || input.is_empty() {
        return;
    }
    for (i, (layer, triggers)) in LAYERS.iter().enumerate() {
        if let Some((parent, map)) = origin {
            if !novel_trigger(input, parent, map, triggers) {
                continue;
            }
        }
        let top = origin.is_none() && i == BASE64;
        let Some(mut v) = (if top { top_base64(input) } else { layer(input) }) else {
            continue;
        };
        // Peel the next layer off this view before mapping it outwards.
        if depth > 1 && v.bytes.len() <= MAX_NESTED_INPUT {
            let bytes = std::mem::take(&mut v.bytes);
            let inner_base = View {
                bytes: Vec::new(),
                map: v.map.clone(),
                layers: v.layers.clone(),
            };
            let composed_outer = base.map(|b| compose(&inner_base, b));
            peel_from(
                &bytes,
                Some((input, &v.map)),
                Some(composed_outer.as_ref().unwrap_or(&inner_base)),
                depth - 1,
                &base64::layer,
                f,
                left,
            );
            v.bytes = bytes;
        } else if depth > 1 {
            left.too_large = true;
        } else {
            next_layers(&v.bytes, input, &v.map, &mut left.below_depth);
        }
        match base {
            None => f(&v),
            Some(b) => {
                let c = compose(&v, b);
                f(&View {
                    bytes: v.bytes,
                    map: c.map,
                    layers: c.layers,
                })
            }
        }
    }
}

/// `inner` (a view of `outer.bytes`) as a view of `outer`'s original; bytes empty.
fn compose(inner: &View, outer: &View) -> View {
    let mut layers = outer.layers.clone();
    layers.extend(inner.layers.iter().copied());
    View {
        bytes: Vec::new(),
        map: inner.map.then(&outer.map),
        layers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::Engine as _;

    #[test]
    fn base64_is_where_peel_with_says() {
        assert_eq!(LAYERS[BASE64].1, b"+/=-_");
    }

    #[test]
    fn nested_layers_map_to_the_original() {
        let inner = "token=ghp_FAKE_but_long_enough";
        let b64 = ::base64::engine::general_purpose::STANDARD.encode(inner);
        let src = format!(
            "{{\"x\": \"a\\nb\", \"v\": \"{}\"}}",
            b64.replace('/', "\\/")
        );
        let mut seen = Vec::new();
        peel(src.as_bytes(), None, 3, &mut |v| {
            seen.push((
                v.layers.clone(),
                String::from_utf8_lossy(&v.bytes).into_owned(),
            ));
            if let Some(p) = v.bytes.windows(4).position(|w| w == b"ghp_") {
                let o = v.map.start(p);
                assert!(o >= src.find(&b64[..4]).unwrap_or(0));
            }
        });
        assert!(seen.iter().any(|(_, s)| s.contains(inner)), "{seen:?}");
    }

    #[test]
    fn nested_layers_run_only_on_what_decoding_produced() {
        let layers_seen = |src: &str| {
            let mut seen = Vec::new();
            peel(src.as_bytes(), None, 3, &mut |v| {
                seen.push((
                    v.layers.clone(),
                    String::from_utf8_lossy(&v.bytes).into_owned(),
                ))
            });
            seen
        };
        // `\u0026` makes a `&` that starts an entity: html runs on the JSON view.
        let seen = layers_seen(r"u: https:\u0026#47;\u0026#47;hooks.example");
        assert!(
            seen.iter()
                .any(|(l, t)| l == &["json", "html"] && t.contains("https://hooks.example")),
            "{seen:?}"
        );
        // A plain `&amp;` next to a `\n`: html ran on the original already.
        let seen = layers_seen(r"a &amp; b\nc");
        assert!(seen.iter().all(|(l, _)| l.len() == 1), "{seen:?}");
    }

    /// The definition `novel_trigger` shortcuts: every byte mapped one by one.
    fn novel_trigger_bytewise(
        input: &[u8],
        parent: &[u8],
        map: &OffsetMap,
        triggers: &[u8],
    ) -> bool {
        input.iter().enumerate().any(|(k, b)| {
            triggers.contains(b) && {
                let (s, e) = (map.start(k), map.end(k + 1));
                !(e == s + 1 && parent.get(s) == Some(b))
            }
        })
    }

    #[test]
    fn novel_trigger_agrees_with_the_bytewise_definition() {
        let b64 = |s: &str| ::base64::engine::general_purpose::STANDARD.encode(s);
        let inputs = [
            r"a
b &amp; c\/d %2F%3D plain-text_with=signs"
                .to_string(),
            format!("k: {}\n", b64("user:pass/word+more=")),
            format!("v=\"{}\" & y", b64("a&amp;b%2Fc\\n")),
            r"x &lt;%41%42&gt; \u002b\u002f\u003d -_= tail".to_string(),
            format!("{}\n{}", b64("https://h.example/?a=1&b=%2F"), b64("-_+/=")),
            "no escapes at all, only copied bytes + / = - _".to_string(),
        ];
        let mut compared = 0;
        for input in &inputs {
            for (layer, _) in LAYERS {
                let Some(v) = layer(input.as_bytes()) else {
                    continue;
                };
                // The view against its input, and each layer of the view against it.
                let mut pairs = vec![(input.as_bytes().to_vec(), v)];
                for (inner, _) in LAYERS {
                    if let Some(w) = inner(&pairs[0].1.bytes) {
                        pairs.push((pairs[0].1.bytes.clone(), w));
                    }
                }
                for (parent, v) in &pairs {
                    for (_, triggers) in LAYERS {
                        assert_eq!(
                            novel_trigger(&v.bytes, parent, &v.map, triggers),
                            novel_trigger_bytewise(&v.bytes, parent, &v.map, triggers),
                            "{:?} -> {:?}",
                            String::from_utf8_lossy(parent),
                            String::from_utf8_lossy(&v.bytes)
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared >= 40, "only {compared} views compared");
    }

    #[test]
    fn depth_zero_peels_nothing() {
        let mut n = 0;
        peel(b"a\\nb &amp; %2F", None, 0, &mut |_| n += 1);
        assert_eq!(n, 0);
    }

    #[test]
    fn lines_are_regions() {
        let l = lines_with(b"ab\ncd%2F\nef", b'%', |_| true);
        assert_eq!(l, vec![(3, 8)]);
    }
}
