//! `json` (one document) and `jsonl` (one finding per line, streamed) formats.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Stats, ToolInfo, TOOL};
use crate::finding::Finding;

/// Version of the JSON document layout; bumped only on an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: ToolInfo,
    findings: &'a [Finding],
    stats: &'a Stats,
}

/// `{"version": 1, "tool": {...}, "findings": [...], "stats": {...}}`.
pub struct Json;

impl Report for Json {
    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
    ) -> io::Result<()> {
        let doc = Document {
            version: SCHEMA_VERSION,
            tool: TOOL,
            findings,
            stats,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

/// One finding object per line, written (and flushed) as each is found.
pub struct Jsonl;

impl Report for Jsonl {
    fn on_finding(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    fn finish(&mut self, out: &mut dyn Write, _: &[Finding], _: &Stats) -> io::Result<()> {
        out.flush()
    }
}
