//! The one escaping function for every text a person reads on a terminal:
//! file and archive member names, export fields, commit metadata, issuers'
//! answers, error messages and notes all come from scanned data or the network,
//! and a raw escape sequence, carriage return or bidirectional override in them
//! could rewrite what the reader sees (fake a clean result, hide a line, retitle
//! the terminal). Machine formats (JSON, SARIF) escape by their own rules.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that can change what a terminal shows beyond their own
/// glyph: C0 controls but tab, DEL, C1 controls, and Unicode's bidirectional
/// formatting characters (the "Trojan Source" ones).
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character that could drive a terminal written as a visible
/// escape (`\n`, `\r`, `\x1b`, `\u{202e}`); unchanged (and not copied) when there
/// is none. Tabs stay: they move the cursor but cannot hide text.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`terminal_safe`] for a multi-line text (a whole report): each line is
/// escaped, the line breaks between them are kept.
pub fn terminal_safe_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&terminal_safe(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item7_controls_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("plain/path.txt"), "plain/path.txt");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\x1b[2J\x1b]0;owned\x07b"),
            "a\\x1b[2J\\x1b]0;owned\\x07b"
        );
        assert_eq!(terminal_safe("x\r\nclean\u{7f}"), "x\\r\\nclean\\x7f");
        assert_eq!(terminal_safe("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(terminal_safe("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(terminal_safe("tab\there"), "tab\there");
        assert_eq!(terminal_safe_lines("a\x1b\nb\r\n"), "a\\x1b\nb\\r\n");
    }
}
