//! `tokenhound scan [PATH...]`: files, directory trees and standard input.
//!
//! [`execute`] is the shared run loop for every scanning command: it loads rules and
//! config, runs a source on a worker thread, filters findings through the
//! suppressions, streams them to the report, and turns the outcome into an exit code.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::progress::Progress;
use super::{Cli, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::config::Config;
use crate::engine::Engine;
use crate::enrich::EnrichOptions;
use crate::finding::Finding;
use crate::report::{self, Format, HumanOptions, Stats};
use crate::rules::RuleSet;
use crate::scan::{Event, Scanner};
use crate::sources::fs::{scan_paths, FsOptions};
use crate::sources::stdin::scan_stream;
use crate::suppress::{self, ignore_file::IgnoreFile, Reason, Suppressor};
use crate::verify::{Status, Verifier, VerifyOptions};

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Scan files ignored by .gitignore/.ignore too (.git/ is still never walked).
    #[arg(long)]
    pub no_ignore: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Flags shared by every scanning command.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print raw secret values (redacted by default).
    #[arg(long)]
    pub show_secrets: bool,

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

    /// Config file (default: tokenhound.toml at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only findings whose fingerprint is not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write the findings of this run as a baseline file (sorted, no secrets).
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,

    /// Fingerprint ignore file (default: .tokenhoundignore at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,

    /// Report findings on lines marked `tokenhound:ignore`, `gitleaks:allow` or
    /// `pragma: allowlist secret` too (for audits).
    #[arg(long)]
    pub no_inline_ignore: bool,

    /// No progress display and no notes on stderr (errors are still printed).
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,

    /// More notes on stderr (every skipped file, rule and timing details).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Check whether found tokens are still live, with each issuer's read-only
    /// endpoint. Without it tokenhound opens no network connection at all.
    #[arg(long)]
    pub verify: bool,

    /// A host found in scanned data (GitHub Enterprise, self-managed GitLab, …)
    /// that tokens may be sent to for verification (repeatable).
    #[arg(long, value_name = "HOST", requires = "verify")]
    pub verify_host: Vec<String>,

    /// Allow verification requests to private, loopback and link-local addresses
    /// (and plain http:// endpoint overrides on loopback).
    #[arg(long, requires = "verify")]
    pub verify_allow_private: bool,

    /// Seconds before a verification request counts as `unknown`.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, requires = "verify")]
    pub verify_timeout: f64,

    /// Concurrent verification requests per provider.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "verify")]
    pub verify_concurrency: usize,

    /// Most verification requests per second per provider.
    #[arg(long, value_name = "N", default_value_t = 50.0, requires = "verify")]
    pub verify_rate: f64,

    /// Report only findings verified live.
    #[arg(long, requires = "verify")]
    pub only_live: bool,

    /// What makes the exit code 1: any finding, or only live ones.
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
}

/// `--fail-on`: which findings fail the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Any,
    Live,
}

impl CommonArgs {
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            })
            .max(1)
    }
}

/// Runs `tokenhound scan`.
pub fn run(cli: &Cli, args: &ScanArgs) -> Result<u8> {
    let root = scan_root(&args.paths);
    let (stdin_paths, fs_paths): (Vec<PathBuf>, Vec<PathBuf>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    let fs_opts = FsOptions {
        no_ignore: args.no_ignore,
        scan_binary: args.common.scan_binary,
        max_file_size: args.common.max_file_size,
        threads: args.common.threads(),
    };
    let outcome = execute(cli, &args.common, &root, move |scanner| {
        if !stdin_paths.is_empty() {
            scan_stream(io::stdin(), scanner, "-");
        }
        if !fs_paths.is_empty() {
            scan_paths(&fs_paths, scanner, &fs_opts);
        }
        Ok(serde_json::Map::new())
    })?;
    Ok(outcome.exit)
}

/// What a run found, for commands that add to the report (the pre-commit hint,
/// the audit store).
pub struct RunOutcome {
    pub exit: u8,
    /// Reported findings (after suppression and `--only-live`), sorted.
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

/// Where `tokenhound.toml` and `.tokenhoundignore` are looked for: the first path
/// scanned if it is a directory, else its directory, else the current directory.
pub fn scan_root(paths: &[PathBuf]) -> PathBuf {
    match paths.iter().find(|p| p.as_os_str() != "-") {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ".".into()),
        None => ".".into(),
    }
}

/// Loads rules, config and suppressions, runs `source` on a worker thread (it
/// feeds the scanner and returns its source-specific stats, a `stats` key per
/// source, or a fatal error), reports, and returns the outcome.
pub fn execute(
    cli: &Cli,
    common: &CommonArgs,
    root: &Path,
    source: impl FnOnce(&Scanner) -> Result<serde_json::Map<String, serde_json::Value>> + Send,
) -> Result<RunOutcome> {
    let started = Instant::now();
    let config = Config::load(common.config.as_deref(), root)?;
    let mut rules = RuleSet::with_custom(&cli.rules)?;
    config.apply_to_rules(&mut rules)?;
    // Custom patterns were compiled when loaded (`rules::check_compiles`).
    let engine = Engine::new(&rules)?;
    let now = chrono::Utc::now();
    let ignore_path = common.ignore_file.clone().or_else(|| {
        let p = root.join(".tokenhoundignore");
        p.is_file().then_some(p)
    });
    let suppressor = Suppressor {
        baseline: match &common.baseline {
            Some(p) => suppress::baseline::read(p)?,
            None => Default::default(),
        },
        ignore_file: ignore_path.as_deref().map(IgnoreFile::read).transpose()?,
        honour_inline: !common.no_inline_ignore,
        paths: config.path_globs()?,
        values: config.value_regexes()?,
        own_files: config
            .origin
            .iter()
            .map(|p| crate::sources::fs::display_path(p))
            .collect(),
        today: now.format("%Y-%m-%d").to_string(),
    };
    if common.verbose {
        eprintln!(
            "tokenhound: {} rules; config: {}; ignore file: {}; baseline: {} entries",
            engine.rules().len(),
            config
                .origin
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none".into()),
            ignore_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none".into()),
            suppressor.baseline.len()
        );
    }
    let enrich = EnrichOptions {
        show_secrets: common.show_secrets,
        now,
    };

    let to_terminal = common.output.is_none() && io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out: Box<dyn Write> = match &common.output {
        Some(p) => {
            // With --show-secrets the report holds raw secrets: 0600.
            let file = if common.show_secrets {
                report::create_private(p)
            } else {
                File::create(p)
            };
            Box::new(BufWriter::new(file.with_context(|| {
                format!("cannot create output file {}", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut reporter = report::for_format(common.format, HumanOptions { color });

    let (tx, rx) = crossbeam_channel::bounded::<Event>(4096);
    let scanner = Scanner::new(&engine, enrich, tx).with_decode_depth(common.decode_depth);
    let progress =
        (!common.quiet && io::stderr().is_terminal()).then(|| Progress::start(scanner.counters()));

    let mut findings: Vec<Finding> = Vec::new();
    let mut baselined: Vec<Finding> = Vec::new();
    let mut stats = Stats::default();
    let mut write_error: Option<io::Error> = None;
    let (totals, source_stats) = std::thread::scope(|s| {
        // The worker owns the scanner (and so the channel's sender): when it is
        // done the channel closes and the loop below ends.
        let worker = s.spawn(move || {
            let source_stats = source(&scanner);
            (scanner.totals(), source_stats)
        });
        for ev in rx.iter() {
            match ev {
                Event::Finding(f) => match suppressor.check(&f) {
                    Some(reason) => {
                        stats.suppressed.add(reason);
                        if reason == Reason::Baseline {
                            baselined.push(*f);
                        }
                    }
                    None => {
                        if let Some(p) = &progress {
                            p.found();
                        }
                        // With --verify, findings are streamed once verified.
                        if write_error.is_none() && !common.verify {
                            write_error = reporter.on_finding(&mut out, &f).err();
                        }
                        findings.push(*f);
                    }
                },
                Event::Error(e) => {
                    let line = format!("tokenhound: error: {}: {}", e.path, e.message);
                    match &progress {
                        Some(p) => p.println(&line),
                        None => eprintln!("{line}"),
                    }
                    stats.errors.push(e);
                }
                Event::Skipped(sk) => {
                    if common.verbose || (!common.quiet && !sk.reason.starts_with("binary")) {
                        let line = format!("tokenhound: note: skipped {}: {}", sk.path, sk.reason);
                        match &progress {
                            Some(p) => p.println(&line),
                            None => eprintln!("{line}"),
                        }
                    }
                    stats.skipped.push(sk);
                }
            }
        }
        worker.join()
    })
    .map_err(|_| anyhow::anyhow!("internal error: the scanning thread panicked"))?;
    if let Some(p) = progress {
        p.finish();
    }
    stats.sources = source_stats?;

    if common.verify {
        // A tokenhound.toml found at the scan root is part of the scanned data: it
        // may name endpoints, but their hosts are used only when --verify-host
        // allows them. A config given with --config is the user's own.
        let trusted_config = common.config.is_some();
        let mut allowed_hosts = common.verify_host.clone();
        if trusted_config {
            allowed_hosts.extend(config.verify.hosts.iter().cloned());
        }
        let verifier = Verifier::new(VerifyOptions {
            allowed_hosts,
            trust_endpoint_hosts: trusted_config,
            allow_private: common.verify_allow_private
                || (trusted_config && config.verify.allow_private),
            timeout: std::time::Duration::from_secs_f64(common.verify_timeout.max(0.1)),
            endpoints: config.verify.endpoints.clone(),
            per_provider: common.verify_concurrency.max(1),
            rate_per_second: common.verify_rate.max(0.1),
            ..VerifyOptions::default()
        });
        let vstats = verifier.verify_all(
            &engine,
            &mut findings,
            (common.verify_concurrency * 2).max(4),
        );
        if common.only_live {
            findings.retain(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == Status::Live)
            });
        }
        stats.verification = Some(vstats);
        for f in &findings {
            if write_error.is_none() {
                write_error = reporter.on_finding(&mut out, f).err();
            }
        }
    }
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
    if let Some(p) = &common.baseline_out {
        suppress::baseline::write(p, findings.iter().chain(&baselined))?;
        if !common.quiet {
            eprintln!(
                "tokenhound: wrote baseline {} ({} entries)",
                p.display(),
                findings.len() + baselined.len()
            );
        }
    }
    if let Some(e) = write_error {
        return Err(e).context("writing the report");
    }
    reporter
        .finish(&mut out, &findings, &stats, &engine)
        .and_then(|_| out.flush())
        .context("writing the report")?;
    let failing = match common.fail_on {
        FailOn::Any => findings.len(),
        FailOn::Live => findings
            .iter()
            .filter(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == Status::Live)
            })
            .count(),
    };
    let exit = exit_code(failing, stats.errors.len());
    Ok(RunOutcome {
        exit,
        findings,
        stats,
    })
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
