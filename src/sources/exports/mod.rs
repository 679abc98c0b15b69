//! Exported chat, wiki and session data: Slack and Teams messages, Jira issues,
//! Confluence spaces, HAR captures, cookie jars and AI agent transcripts.
//!
//! Each format is recognised by its structure (a Slack day file is a JSON array
//! of messages with `ts`; a HAR file has `log.entries`; a Confluence space export
//! is a `<hibernate-generic>` dump), never by file name alone. A reader walks the
//! parsed document, hands the text fields of each logical object (message,
//! comment, entry) to a [`collect::Collector`] with that object's location, and
//! the collector scans them as one decoded view of the file: findings keep the
//! file's line and column and gain `source` = the format and a `location` object.

pub mod collect;
pub mod confluence;
pub mod cookies;
pub mod har;
pub mod jira;
pub mod json;
pub mod slack;
pub mod teams;
pub mod transcript;
pub mod xml;

use std::path::Path;

use crate::finding::Provenance;
use crate::pipeline::Scanner;
use collect::Collector;

/// The last path component of a display path (`a.zip!x/y.json` → `y.json`).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\', '!']).next().unwrap_or(path)
}

/// The parent directory's name (`export/general/2026-01-02.json` → `general`).
pub fn parent_name(path: &str) -> Option<&str> {
    let mut parts = path.rsplit(['/', '\\', '!']);
    parts.next()?;
    parts.next().filter(|s| !s.is_empty() && *s != ".")
}

/// The path with its last `n` components removed (the export's root).
pub fn ancestor(path: &str, n: usize) -> String {
    let mut p = path;
    for _ in 0..n {
        match p.rfind(['/', '\\', '!']) {
            Some(i) => p = &p[..i],
            None => return ".".into(),
        }
    }
    let p = p.trim_end_matches('!');
    if p.is_empty() {
        ".".into()
    } else {
        p.to_string()
    }
}

/// First non-blank byte of `bytes` (after a UTF-8 BOM).
fn first_byte(bytes: &[u8]) -> Option<u8> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

/// Whether an archive reader should read this member before the others: a
/// file other files of its export are read with (a Slack export's
/// `users.json`, for the names of message authors).
pub fn reads_ahead(member: &str) -> bool {
    file_name(member) == slack::USERS_FILE
}

/// A member [`reads_ahead`] chose, read before the rest of its archive.
pub fn read_ahead(path: &str, bytes: &[u8], scanner: &Scanner) {
    slack::remember_users(path, bytes, scanner);
}

/// Scans `bytes` as an export when its structure is one; returns false (nothing
/// done) otherwise, so the caller scans it as plain text. `on_disk` is the
/// file's path when it was read from disk (a reader may look beside it).
pub fn scan_export(path: &str, on_disk: Option<&Path>, bytes: &[u8], scanner: &Scanner) -> bool {
    let collected = match first_byte(bytes) {
        Some(b'{' | b'[') => read_json(path, on_disk, bytes, scanner),
        Some(b'<') => read_xml(path, bytes, scanner),
        Some(b'#' | b'.') | Some(b'a'..=b'z') => cookies::read(bytes),
        Some(_) if jira::is_csv(bytes) => Some(jira::read_csv(bytes)),
        _ => None,
    };
    let Some(collected) = collected else {
        return false;
    };
    collected.scan(path, scanner);
    true
}

/// Keys one of which every JSON export format has near its start: files with
/// none of them (package.json, lock files, configs) are not parsed at all.
const JSON_MARKERS: &[&[u8]] = &[
    b"\"ts\"",
    b"\"log\"",
    b"\"messageType\"",
    b"\"contentType\"",
    b"\"fields\"",
    b"\"issues\"",
    b"\"role\"",
    b"\"created\"",
    b"\"profile\"",
];

fn read_json<'a>(
    path: &str,
    on_disk: Option<&Path>,
    bytes: &'a [u8],
    scanner: &Scanner,
) -> Option<Collector<'a>> {
    let head = &bytes[..bytes.len().min(64 << 10)];
    if !JSON_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(head, m).is_some())
    {
        return None;
    }
    match json::parse(bytes) {
        Ok(doc) => {
            if har::is_har(&doc) {
                return Some(har::read(bytes, &doc));
            }
            if let Some(f) = slack::read(path, on_disk, bytes, &doc, scanner) {
                return Some(f);
            }
            if let Some(f) = teams::read(bytes, &doc) {
                return Some(f);
            }
            if let Some(f) = jira::read_json(bytes, &doc) {
                return Some(f);
            }
            transcript::read_json(bytes, &doc)
        }
        Err(e) => {
            // JSON Lines (agent transcripts, Graph exports saved one message a line).
            if memchr::memchr(b'\n', bytes.trim_ascii()).is_some() {
                let lines = transcript::read_jsonl(path, bytes, scanner)
                    .or_else(|| teams::read_jsonl(bytes));
                if lines.is_some() {
                    return lines;
                }
            }
            // A file of an export that does not parse: say so, and let the
            // caller scan its bytes as plain text.
            let name = file_name(path).to_ascii_lowercase();
            if slack::is_day_file(path) || name.ends_with(".har") {
                malformed(
                    scanner,
                    path,
                    "JSON",
                    format!("{e} (scanned as plain text)"),
                );
            }
            None
        }
    }
}

fn read_xml<'a>(path: &str, bytes: &'a [u8], scanner: &Scanner) -> Option<Collector<'a>> {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |n: &[u8]| memchr::memmem::find(head, n).is_some();
    if has(b"<hibernate-generic") {
        return Some(confluence::read_entities(path, bytes, scanner));
    }
    if has(b"<entity-engine-xml") {
        return Some(jira::read_entities(path, bytes, scanner));
    }
    if has(b"<rss") && memchr::memmem::find(bytes, b"<item").is_some() && has(b"jira") {
        return Some(jira::read_rss(path, bytes, scanner));
    }
    if confluence::is_html_export(bytes) {
        return Some(confluence::read_html(path, bytes));
    }
    None
}

/// A provenance for a file of an export.
pub fn provenance(path: &str, format: &'static str) -> Provenance {
    Provenance::Export {
        path: path.to_string(),
        format,
    }
}

/// Reports a malformed part of an export: an error (stats.errors) for that part,
/// while the rest of the export is still scanned.
pub fn malformed(scanner: &Scanner, path: &str, what: &str, err: impl std::fmt::Display) {
    scanner.error(
        path,
        format!("malformed {what}: {err}; the rest was scanned"),
    );
}
