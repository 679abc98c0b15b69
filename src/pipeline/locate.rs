//! Byte offsets to 1-based lines and columns, in one forward pass per blob so
//! that many findings in a huge file stay linear.

/// Walks a blob forward, turning byte offsets into 1-based line and column
/// (characters) in one pass, so many findings in a huge file stay linear.
/// A clone locates a finding's end from its start.
#[derive(Clone)]
pub(crate) struct LineCursor<'a> {
    blob: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    /// Column cache for several findings on one long line.
    col_pos: usize,
    col: usize,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(blob: &'a [u8]) -> Self {
        LineCursor {
            blob,
            pos: 0,
            line: 1,
            line_start: 0,
            col_pos: 0,
            col: 1,
        }
    }

    /// (line, column, line_start) of `offset`; cheapest when offsets are visited
    /// in increasing order.
    pub(crate) fn locate(&mut self, offset: usize) -> (usize, usize, usize) {
        let offset = offset.min(self.blob.len());
        if offset < self.pos {
            // An end before the previous one (rare): step back, never from the
            // blob's start, so no input makes this quadratic.
            self.line -= memchr::memchr_iter(b'\n', &self.blob[offset..self.pos]).count();
            self.line_start = memchr::memrchr(b'\n', &self.blob[..offset]).map_or(0, |i| i + 1);
            self.pos = offset;
        }
        // Two vectorised passes (the last line break from the end, then a
        // count), not one call per line: a CI log's lines are short, and
        // stepping through them one by one was 6% of its scan.
        let skipped = &self.blob[self.pos..offset];
        if let Some(last) = memchr::memrchr(b'\n', skipped) {
            self.line += memchr::memchr_iter(b'\n', skipped).count();
            self.line_start = self.pos + last + 1;
        }
        self.pos = offset;
        if self.col_pos < self.line_start || self.col_pos > offset {
            self.col_pos = self.line_start;
            self.col = 1;
        }
        // Count characters: every byte that is not a UTF-8 continuation byte.
        self.col += self.blob[self.col_pos..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        self.col_pos = offset;
        (self.line, self.col, self.line_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_lines_and_columns() {
        let blob = "ab\r\ncé d\nxyz".as_bytes();
        let mut c = LineCursor::new(blob);
        assert_eq!(c.locate(0), (1, 1, 0));
        assert_eq!(c.locate(4), (2, 1, 4));
        // 'é' is two bytes but one column.
        let d = blob.iter().position(|&b| b == b'd').unwrap();
        assert_eq!(c.locate(d).1, 4);
        let x = blob.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(c.locate(x), (3, 1, x));
    }

    #[test]
    fn cursor_agrees_with_counting_from_the_start() {
        let text: String = (0..500)
            .map(|i| {
                format!(
                    "{}é{}\n",
                    "x".repeat(i % 7),
                    if i % 3 == 0 { "\n" } else { "" }
                )
            })
            .collect();
        let blob = text.as_bytes();
        let mut c = LineCursor::new(blob);
        let offsets = (0..blob.len())
            .step_by(13)
            .chain([blob.len(), 5, 900, 901, 20]);
        for offset in offsets {
            let before = &blob[..offset];
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            // Characters started before the offset (it may be inside one).
            let column = 1 + blob[line_start..offset]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count();
            assert_eq!(
                c.locate(offset),
                (line, column, line_start),
                "offset {offset}"
            );
        }
    }
}
