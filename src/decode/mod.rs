//! Decode layers: text transformations peeled before matching (ANSI colour codes,
//! JSON string escapes, HTML entities, percent-encoding, base64, …).
//!
//! Every layer produces a [`View`]: the decoded bytes plus an [`OffsetMap`] back to
//! the original, so a finding inside a decoded layer points at the encoded span in
//! the original bytes (right line and column) while its secret and fingerprint are
//! the decoded value.

pub mod base64;
pub mod ci_log;
pub mod html;
pub mod json_escape;
pub mod peel;
pub mod percent;
pub mod utf16;

/// One run of the map: `view_len` decoded bytes that came from `orig_len` original
/// bytes. When the lengths are equal the run is copied byte for byte; otherwise it
/// is `count` decoded units of equal shape (an escape, an entity, a base64 block),
/// each mapped as a whole: text made only of escapes (`%41%41…`) is one run, not
/// one per escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    view: usize,
    orig: usize,
    view_len: usize,
    orig_len: usize,
    count: usize,
}

impl Run {
    fn is_copy(&self) -> bool {
        self.view_len == self.orig_len
    }

    /// (view start, orig start, view length, orig length) of the unit holding
    /// view offset `view` (clamped to the run).
    fn unit_at(&self, view: usize) -> (usize, usize, usize, usize) {
        let (uv, uo) = (self.view_len / self.count, self.orig_len / self.count);
        let i = (view.saturating_sub(self.view) / uv.max(1)).min(self.count - 1);
        (self.view + i * uv, self.orig + i * uo, uv, uo)
    }
}

/// Maps offsets in a decoded view back to offsets in the original bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    runs: Vec<Run>,
    view_len: usize,
}

impl OffsetMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Length of the view described so far.
    pub fn view_len(&self) -> usize {
        self.view_len
    }

    /// `len` bytes copied unchanged from `orig`.
    pub fn copy(&mut self, orig: usize, len: usize) {
        if len == 0 {
            return;
        }
        if let Some(last) = self.runs.last_mut() {
            if last.view_len == last.orig_len
                && last.view + last.view_len == self.view_len
                && last.orig + last.orig_len == orig
            {
                last.view_len += len;
                last.orig_len += len;
                self.view_len += len;
                return;
            }
        }
        self.runs.push(Run {
            view: self.view_len,
            orig,
            view_len: len,
            orig_len: len,
            count: 1,
        });
        self.view_len += len;
    }

    /// `orig_len` original bytes at `orig` decoded into `view_len` view bytes.
    /// Bytes dropped from the view (an ANSI code) are simply never mapped.
    pub fn replace(&mut self, orig: usize, orig_len: usize, view_len: usize) {
        if view_len == 0 {
            return;
        }
        if view_len == orig_len {
            return self.copy(orig, view_len);
        }
        self.push_unit(orig, orig_len, view_len);
    }

    /// View ranges `(start, end)` that were decoded rather than copied: the only
    /// places a byte can differ from the bytes it maps to. Peeling asks this to
    /// skip the copied bulk of a view instead of mapping it byte by byte.
    pub fn decoded_spans(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.runs
            .iter()
            .filter(|r| !r.is_copy())
            .map(|r| (r.view, r.view + r.view_len))
    }

    fn run_at(&self, view: usize) -> Option<&Run> {
        let i = self.runs.partition_point(|r| r.view <= view);
        self.runs.get(i.checked_sub(1)?)
    }

    /// Original offset of the view byte at `view` (a span's start).
    pub fn start(&self, view: usize) -> usize {
        match self.run_at(view) {
            Some(r) if r.is_copy() => r.orig + (view - r.view).min(r.orig_len),
            Some(r) => r.unit_at(view).1,
            None => view,
        }
    }

    /// Original offset just past the view byte before `view` (a span's end).
    pub fn end(&self, view: usize) -> usize {
        if view == 0 {
            return self.start(0);
        }
        match self.run_at(view - 1) {
            Some(r) if r.is_copy() => r.orig + (view - r.view).min(r.orig_len),
            Some(r) => {
                let (_, o, _, uo) = r.unit_at(view - 1);
                o + uo
            }
            None => view,
        }
    }

    /// This map followed by `outer` (which maps this map's original into an outer
    /// original): for layers decoded from an already decoded view.
    pub fn then(&self, outer: &OffsetMap) -> OffsetMap {
        let mut out = OffsetMap::new();
        for r in &self.runs {
            if !r.is_copy() {
                let (uv, uo) = (r.view_len / r.count, r.orig_len / r.count);
                for i in 0..r.count {
                    let o = r.orig + i * uo;
                    let (os, oe) = (outer.start(o), outer.end(o + uo));
                    out.push_unit(os, oe.saturating_sub(os), uv);
                }
                continue;
            }
            // A copied run: split it where the outer map's runs change.
            let (mut a, b) = (r.orig, r.orig + r.orig_len);
            while a < b {
                let Some(o) = outer.run_at(a).copied() else {
                    out.copy(a, b - a);
                    break;
                };
                if o.is_copy() {
                    let chunk = (o.view + o.view_len)
                        .min(b)
                        .saturating_sub(a)
                        .max(1)
                        .min(b - a);
                    out.copy(o.orig + (a - o.view), chunk);
                    a += chunk;
                } else {
                    // The outer unit holding `a`: the part of it in this run.
                    let (uview, uorig, uv, uo) = o.unit_at(a);
                    let chunk = (uview + uv).min(b).saturating_sub(a).max(1).min(b - a);
                    out.push_unit(uorig, uo, chunk);
                    a += chunk;
                }
            }
        }
        out
    }

    /// One decoded unit, merged into the last run when that holds units of the
    /// same shape right before it (in the view and in the original).
    fn push_unit(&mut self, orig: usize, orig_len: usize, view_len: usize) {
        if let Some(last) = self.runs.last_mut() {
            if !last.is_copy()
                && view_len != orig_len
                && last.view + last.view_len == self.view_len
                && last.orig + last.orig_len == orig
                && last.view_len == view_len * last.count
                && last.orig_len == orig_len * last.count
            {
                last.view_len += view_len;
                last.orig_len += orig_len;
                last.count += 1;
                self.view_len += view_len;
                return;
            }
        }
        self.runs.push(Run {
            view: self.view_len,
            orig,
            view_len,
            orig_len,
            count: 1,
        });
        self.view_len += view_len;
    }
}

/// Decoded bytes with their map back to the original and the layers peeled.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub bytes: Vec<u8>,
    pub map: OffsetMap,
    /// Names of the layers peeled, outermost first (`["json", "base64"]`).
    pub layers: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_copies_and_replacements() {
        // original: "ab\u0041cd" (10 bytes) → view "abAcd"
        let mut m = OffsetMap::new();
        m.copy(0, 2);
        m.replace(2, 6, 1);
        m.copy(8, 2);
        assert_eq!(m.view_len(), 5);
        assert_eq!(m.start(0), 0);
        assert_eq!(m.start(2), 2);
        assert_eq!(m.end(3), 8);
        assert_eq!(m.start(3), 8);
        assert_eq!(m.end(5), 10);
    }

    #[test]
    fn skipped_bytes_are_outside_spans() {
        // original "to\x1b[31mken" → view "token"
        let mut m = OffsetMap::new();
        m.copy(0, 2);
        m.copy(7, 3);
        assert_eq!(m.start(0), 0);
        assert_eq!(m.end(5), 10);
        assert_eq!(m.end(2), 2);
        assert_eq!(m.start(2), 7);
    }

    #[test]
    fn composes() {
        let mut inner = OffsetMap::new();
        inner.copy(0, 3);
        let mut outer = OffsetMap::new();
        outer.copy(0, 1);
        outer.replace(1, 6, 1);
        outer.copy(7, 1);
        let c = inner.then(&outer);
        assert_eq!(c.start(1), 1);
        assert_eq!(c.end(2), 7);
        assert_eq!(c.end(3), 8);
    }
}
