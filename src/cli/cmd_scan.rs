//! `tokenhound scan [PATH...]`: files, directory trees and standard input.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::{Cli, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::engine::Engine;
use crate::enrich::EnrichOptions;
use crate::finding::Finding;
use crate::report::{self, Format, HumanOptions, Stats};
use crate::rules::RuleSet;
use crate::scan::{Event, Scanner};
use crate::sources::fs::{scan_paths, FsOptions};
use crate::sources::stdin::scan_stream;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print raw secret values (redacted by default).
    #[arg(long)]
    pub show_secrets: bool,

    /// Scan files ignored by .gitignore/.ignore too (.git/ is still never walked).
    #[arg(long)]
    pub no_ignore: bool,

    /// Scan files that look binary (NUL byte in the first 8 KiB).
    #[arg(long)]
    pub scan_binary: bool,

    /// Skip files larger than this (with a note); accepts K, M, G suffixes.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = super::parse_size)]
    pub max_file_size: u64,

    /// How many decode layers (JSON escapes, HTML entities, percent-encoding,
    /// base64) are peeled, nested, before matching; 0 turns decoding off.
    #[arg(long, value_name = "N", default_value_t = crate::decode::peel::DEFAULT_DEPTH)]
    pub decode_depth: usize,

    /// Worker threads (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

/// Runs a scan and returns its exit code.
pub fn run(cli: &Cli, args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let rules = RuleSet::with_custom(&cli.rules)?;
    let engine = Engine::new(&rules)?;
    let threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .max(1);
    let fs_opts = FsOptions {
        no_ignore: args.no_ignore,
        scan_binary: args.scan_binary,
        max_file_size: args.max_file_size,
        threads,
    };
    let enrich = EnrichOptions {
        show_secrets: args.show_secrets,
        now: chrono::Utc::now(),
    };

    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).with_context(|| {
                format!("cannot create output file {}", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut reporter = report::for_format(args.format, HumanOptions { color });

    let (tx, rx) = crossbeam_channel::bounded::<Event>(4096);
    let scanner = Scanner::new(&engine, enrich, tx).with_decode_depth(args.decode_depth);
    let (stdin_paths, fs_paths): (Vec<PathBuf>, Vec<PathBuf>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");

    let mut findings: Vec<Finding> = Vec::new();
    let mut stats = Stats::default();
    let mut write_error: Option<io::Error> = None;
    let totals = std::thread::scope(|s| {
        // The worker owns the scanner (and so the channel's sender): when it is
        // done the channel closes and the loop below ends.
        let worker = s.spawn(move || {
            if !stdin_paths.is_empty() {
                scan_stream(io::stdin().lock(), &scanner, "-");
            }
            if !fs_paths.is_empty() {
                scan_paths(&fs_paths, &scanner, &fs_opts);
            }
            scanner.totals()
        });
        for ev in rx.iter() {
            match ev {
                Event::Finding(f) => {
                    if write_error.is_none() {
                        write_error = reporter.on_finding(&mut out, &f).err();
                    }
                    findings.push(*f);
                }
                Event::Error(e) => {
                    eprintln!("tokenhound: error: {}: {}", e.path, e.message);
                    stats.errors.push(e);
                }
                Event::Skipped(sk) => {
                    if !sk.reason.starts_with("binary") {
                        eprintln!("tokenhound: note: skipped {}: {}", sk.path, sk.reason);
                    }
                    stats.skipped.push(sk);
                }
            }
        }
        worker.join()
    })
    .map_err(|_| anyhow::anyhow!("internal error: the scanning thread panicked"))?;

    findings.sort_by(|a, b| {
        (a.path.as_str(), a.offset, a.rule_id.as_str()).cmp(&(
            b.path.as_str(),
            b.offset,
            b.rule_id.as_str(),
        ))
    });
    stats.errors.sort();
    stats.skipped.sort();
    (stats.files_scanned, stats.bytes_scanned) = totals;
    stats.findings = findings.len();
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    if let Some(e) = write_error {
        return Err(e).context("writing the report");
    }
    reporter
        .finish(&mut out, &findings, &stats, &engine)
        .and_then(|_| out.flush())
        .context("writing the report")?;
    Ok(exit_code(findings.len(), stats.errors.len()))
}

/// The CI-gate contract: 1 when anything was found, 2 when nothing was found but
/// some input could not be read (never "clean" after a partial scan), else 0.
pub fn exit_code(findings: usize, errors: usize) -> u8 {
    if findings > 0 {
        EXIT_FINDINGS
    } else if errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}
