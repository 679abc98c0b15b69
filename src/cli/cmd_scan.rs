//! `tokenhound scan [PATH...]`: files, directory trees and standard input.
//!
//! [`execute`] is the shared run for every scanning command: it builds the
//! pipeline from rules, config and suppressions, runs a source through it
//! (`pipeline::run`), verifies when asked, writes the report, and turns the
//! outcome into an exit code.

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
use crate::enrich::confidence;
use crate::enrich::EnrichOptions;
use crate::finding::Confidence;
use crate::finding::{Finding, ScanError, Skipped};
use crate::pipeline::run::{self, Collected, Observer};
use crate::pipeline::{Counters, Pipeline, PipelineOptions, Scanner};
use crate::report::{self, terminal_safe, Format, HumanOptions, Stats};
use crate::roster::Roster;
use crate::rules::RuleSet;
use crate::sources::fs::{scan_paths, FsOptions};
use crate::sources::stdin::scan_stream;
use crate::suppress::{self, ignore_file::IgnoreFile, Suppressor};
use crate::verify::{Status, Targets, Verifier, VerifyOptions};

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

    /// Most findings reported per file (or other input); more are counted in
    /// `stats.skipped` with the reason.
    #[arg(long, value_name = "N", default_value_t = crate::pipeline::DEFAULT_MAX_FINDINGS_PER_BLOB,
          value_parser = super::parse_positive)]
    pub max_findings_per_file: usize,

    /// Most findings kept in memory for the report of one run; more are
    /// counted (and written by streaming formats such as jsonl) but not listed.
    #[arg(long, value_name = "N", default_value_t = crate::pipeline::run::DEFAULT_MAX_FINDINGS,
          value_parser = super::parse_positive)]
    pub max_findings: usize,

    /// Worker threads (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N", value_parser = super::parse_positive)]
    pub threads: Option<usize>,

    /// Config file (default: tokenhound.toml at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use no settings file found in the scanned tree (tokenhound.toml,
    /// .tokenhoundignore): for CI on branches whose content is not trusted.
    #[arg(long)]
    pub no_tree_config: bool,

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

    /// Seconds before a verification request counts as `unknown` (0.1 to 3600).
    #[arg(long, value_name = "SECS", default_value = "10", requires = "verify",
          value_parser = super::parse_timeout)]
    pub verify_timeout: std::time::Duration,

    /// Concurrent verification requests per provider (1 to 256).
    #[arg(long, value_name = "N", default_value_t = 8, requires = "verify",
          value_parser = super::parse_concurrency)]
    pub verify_concurrency: usize,

    /// Most verification requests per second per provider (0.1 to 10000).
    #[arg(long, value_name = "N", default_value = "50", requires = "verify",
          value_parser = super::parse_rate)]
    pub verify_rate: f64,

    /// Report only findings verified live.
    #[arg(long, requires = "verify")]
    pub only_live: bool,

    /// The lowest confidence reported: `medium` (default) and `high` findings gate,
    /// `low` shows everything. Findings under it are counted in the summary.
    /// Overrides `[report] min_confidence` of tokenhound.toml.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<Confidence>,

    /// What makes the exit code 1: any finding, only live ones (needs
    /// `--verify`: without it no finding is known to be live), or only live
    /// tokens whose owner left (`former-live`: needs --verify and --roster).
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,

    /// The people of the organisation: a CSV (email,login,name,status,left_at
    /// and identity columns such as github, slack, gitlab) or a SCIM 2.0 Users
    /// export. Owners and leakers are matched to them, and findings get an
    /// `owner_status` (former, active, unknown).
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,

    /// Print no human report at all when nothing was found and nothing failed
    /// (set by the pre-commit hook, never a flag).
    #[arg(skip)]
    pub quiet_when_clean: bool,
}

/// `--fail-on`: which findings fail the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Any,
    Live,
    /// Live tokens whose owner the roster lists as former staff.
    FormerLive,
}

impl CommonArgs {
    /// Flag combinations that would silently do nothing or do harm: an error
    /// for those that would make a gate or a filter meaningless, else the
    /// warnings to print. (Flags that need `--verify` are refused by clap.)
    pub fn check(&self) -> Result<Vec<String>> {
        if self.fail_on == FailOn::Live && !self.verify {
            anyhow::bail!(
                "--fail-on live needs --verify: without it no finding is known to be live, so the \
                 gate could never fail (add --verify, or use --fail-on any)"
            );
        }
        if self.show_secrets && self.format == Format::Github {
            anyhow::bail!(
                "--show-secrets with --format github would write raw tokens into pull-request \
                 annotations, which everyone who can read the repository sees: not done (drop \
                 --show-secrets; the annotations name the line and the fingerprint)"
            );
        }
        let mut warnings = Vec::new();
        if self.show_secrets && self.format == Format::Sarif {
            warnings.push(
                "--show-secrets with --format sarif: the SARIF file holds raw tokens; do not upload \
                 it to code scanning or keep it as a build artifact"
                    .to_string(),
            );
        }
        if self.baseline_out.is_some() && self.only_live {
            warnings.push(
                "--baseline-out with --only-live: the baseline records every finding of this run, \
                 live or not (the report lists only the live ones)"
                    .to_string(),
            );
        }
        Ok(warnings)
    }

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
    if args.no_ignore && args.paths.iter().all(|p| p.as_os_str() == "-") {
        eprintln!(
            "tokenhound: warning: --no-ignore has no effect on standard input (it only changes \
             which files of a directory are walked)"
        );
    }
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

/// Builds the run's pipeline: built-in and custom rules with the config
/// applied, compiled once, plus every suppression (baseline, ignore file,
/// inline markers, config allowlists). Returns it with the rule set (for the
/// config's report) and the ignore file used.
fn build_pipeline(
    cli: &Cli,
    common: &CommonArgs,
    config: &Config,
    root: Option<&Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Pipeline, RuleSet, Option<PathBuf>)> {
    let mut rules = RuleSet::with_custom(&cli.rules)?;
    config.apply_to_rules(&mut rules)?;
    // Custom patterns were compiled when loaded (`rules::check_compiles`).
    let engine = Engine::new(&rules)?;
    let ignore_path = common.ignore_file.clone().or_else(|| {
        let p = root?.join(".tokenhoundignore");
        (p.is_file() && !common.no_tree_config).then_some(p)
    });
    let loaded = match &common.baseline {
        Some(p) => suppress::baseline::load(p)?,
        None => Default::default(),
    };
    if let Some(note) = loaded.note.as_deref().filter(|_| !common.quiet) {
        eprintln!("tokenhound: note: {}", terminal_safe(note));
    }
    let suppressor = Suppressor {
        baseline: loaded.fingerprints,
        gitleaks: loaded.gitleaks,
        ignore_file: ignore_path.as_deref().map(IgnoreFile::read).transpose()?,
        honour_inline: !common.no_inline_ignore,
        paths: config.path_globs()?,
        values: config.value_regexes()?,
        path_regexes: config.path_regexes()?,
        lines: config.line_regexes()?,
        stopwords: config
            .allowlist
            .stopwords
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .filter(|w| !w.is_empty())
            .collect(),
        commits: config
            .allowlist
            .commits
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
        own_files: config
            .origin
            .iter()
            .map(|p| crate::sources::fs::display_path(p))
            .collect(),
        own_examples: config.own_examples(),
        today: now.format("%Y-%m-%d").to_string(),
    };
    let opts = PipelineOptions {
        decode_depth: common.decode_depth,
        max_findings_per_blob: common.max_findings_per_file.max(1),
        min_confidence: min_confidence(common, config),
        enrich: EnrichOptions {
            show_secrets: common.show_secrets,
            now,
        },
    };
    Ok((Pipeline::new(engine, opts, suppressor), rules, ignore_path))
}

/// The lowest confidence reported: `--min-confidence`, else the config's
/// `[report] min_confidence`, else medium.
fn min_confidence(common: &CommonArgs, config: &Config) -> Confidence {
    common
        .min_confidence
        .or(config.report.min_confidence)
        .unwrap_or(confidence::DEFAULT_MIN)
}

/// What the CLI shows while a run goes on: the progress line, errors and notes
/// on stderr, and findings written as found by formats that stream.
struct Live<'a> {
    progress: Option<Progress>,
    common: &'a CommonArgs,
    /// Leakers are matched as findings stream (owners only after --verify).
    roster: Option<&'a Roster>,
    reporter: &'a mut dyn report::Report,
    out: &'a mut dyn Write,
    write_error: Option<io::Error>,
}

impl Live<'_> {
    /// Prints a line on stderr (above the progress line), control characters
    /// of file names and messages escaped.
    fn print(&self, line: &str) {
        let line = terminal_safe(line);
        let line = line.as_ref();
        match &self.progress {
            Some(p) => p.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl Observer for Live<'_> {
    fn started(&mut self, counters: &std::sync::Arc<Counters>) {
        self.progress = (!self.common.quiet && io::stderr().is_terminal())
            .then(|| Progress::start(counters.clone()));
    }

    fn finding(&mut self, f: &Finding) {
        if let Some(p) = &self.progress {
            p.found();
        }
        // With --verify, findings are written once verified.
        if self.write_error.is_none() && !self.common.verify {
            self.write_error = match self.roster {
                Some(r) => {
                    let mut f = f.clone();
                    r.mark(&mut f);
                    self.reporter.on_finding(self.out, &f).err()
                }
                None => self.reporter.on_finding(self.out, f).err(),
            };
        }
    }

    fn error(&mut self, e: &ScanError) {
        self.print(&format!("tokenhound: error: {}: {}", e.path, e.message));
    }

    fn skipped(&mut self, sk: &Skipped) {
        if self.common.verbose || (!self.common.quiet && !sk.reason.starts_with("binary")) {
            self.print(&format!(
                "tokenhound: note: skipped {}: {}",
                sk.path, sk.reason
            ));
        }
    }

    fn note(&mut self, message: &str) {
        if !self.common.quiet {
            self.print(&format!("tokenhound: note: {message}"));
        }
    }
}

/// Everything a run decides before it reads an input: the config, the
/// roster, and the pipeline (rules compiled into the engine, suppressions).
/// Built by [`prepare`]; `audit work` builds one per worker process and runs
/// every unit through it with [`execute_prepared`], because building it (rule
/// set, engine, config, suppressions) costs more than scanning a small unit.
/// It holds no state of a run: each run gets its own scanner, findings,
/// errors and counters.
pub struct Prepared {
    config: Config,
    roster: Option<Roster>,
    pipeline: Pipeline,
    rules: RuleSet,
}

/// The settings files of a scanned tree that [`prepare`] would read for a
/// run rooted at `root` under these flags (`tokenhound.toml` unless `--config`
/// names one, `.tokenhoundignore` unless `--ignore-file` names one or
/// `--no-tree-config` is given). When there are none, the run's setup does not
/// depend on `root`, so a prepared pipeline can be reused for it.
pub fn tree_settings(common: &CommonArgs, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if common.config.is_none() {
        // Even with --no-tree-config: the config's report notes it was ignored.
        let p = root.join(crate::config::FILE_NAME);
        if p.is_file() {
            out.push(p);
        }
    }
    if common.ignore_file.is_none() && !common.no_tree_config {
        let p = root.join(".tokenhoundignore");
        if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// Checks the flags and loads config, roster, rules and suppressions into a
/// pipeline. `root` is where a scanned tree's settings files are looked for;
/// `None` reads only the files named by flags (for a worker whose units each
/// have no settings of their own: see [`tree_settings`]).
pub fn prepare(cli: &Cli, common: &CommonArgs, root: Option<&Path>) -> Result<Prepared> {
    for w in common.check()? {
        eprintln!("tokenhound: warning: {w}");
    }
    let config = match root {
        Some(root) => Config::load(common.config.as_deref(), root, !common.no_tree_config)?,
        None => match common.config.as_deref() {
            // An explicit file never depends on the root.
            Some(p) => Config::load(Some(p), Path::new("."), false)?,
            None => Config::default(),
        },
    };
    if !common.quiet {
        note_gitleaks_config(&config);
    }
    let now = chrono::Utc::now();
    if common.fail_on == FailOn::FormerLive && (!common.verify || common.roster.is_none()) {
        anyhow::bail!(
            "--fail-on former-live needs --verify (is it live, and whose is it?) and --roster FILE (did they leave?)"
        );
    }
    // Read before the scan: a bad roster must not cost one.
    let roster = common
        .roster
        .as_deref()
        .map(|p| Roster::load(p, now.date_naive()))
        .transpose()?;
    let (pipeline, rules, ignore_path) = build_pipeline(cli, common, &config, root, now)?;
    if common.verbose {
        let shown = |p: Option<&Path>| p.map_or("none".into(), |p| p.display().to_string());
        eprintln!(
            "tokenhound: {} rules; config: {}; ignore file: {}; baseline: {} entries",
            pipeline.engine().rules().len(),
            shown(config.origin.as_deref()),
            shown(ignore_path.as_deref()),
            pipeline.suppressor().baseline.len()
        );
    }
    Ok(Prepared {
        config,
        roster,
        pipeline,
        rules,
    })
}

/// Loads rules, config and suppressions into a pipeline ([`prepare`]), then
/// runs `source` through it ([`execute_prepared`]).
pub fn execute<'s>(
    cli: &Cli,
    common: &CommonArgs,
    root: &Path,
    source: impl for<'p> FnOnce(&Scanner<'p>) -> Result<serde_json::Map<String, serde_json::Value>>
        + Send
        + 's,
) -> Result<RunOutcome> {
    let started = Instant::now();
    let prepared = prepare(cli, common, Some(root))?;
    execute_prepared(&prepared, common, started, source)
}

/// Runs `source` on a worker thread (it feeds the scanner and returns its
/// source-specific stats, a `stats` key per source, or a fatal error) through
/// a prepared pipeline, verifies when asked, reports, and returns the outcome.
/// Everything the run finds, counts and notes belongs to this run alone; the
/// prepared pipeline is only read. `started` is when the run's clock started
/// (`stats.elapsed_ms`).
pub fn execute_prepared<'s>(
    prepared: &Prepared,
    common: &CommonArgs,
    started: Instant,
    source: impl for<'p> FnOnce(&Scanner<'p>) -> Result<serde_json::Map<String, serde_json::Value>>
        + Send
        + 's,
) -> Result<RunOutcome> {
    let Prepared {
        config,
        roster,
        pipeline,
        rules,
    } = prepared;
    let (mut out, color) = open_output(common)?;
    let mut reporter = report::for_format(
        common.format,
        HumanOptions {
            color,
            quiet_when_clean: common.quiet_when_clean,
        },
    );
    let mut live = Live {
        progress: None,
        common,
        roster: roster.as_ref(),
        reporter: reporter.as_mut(),
        out: &mut out,
        write_error: None,
    };
    let collected = run::run(pipeline, common.max_findings.max(1), &mut live, source)?;
    if let Some(p) = live.progress.take() {
        p.finish();
    }
    let mut write_error = live.write_error.take();
    let (mut findings, baselined, not_kept, mut stats) = split_collected(collected, pipeline);

    let mut not_live: Vec<Finding> = Vec::new();
    if common.verify {
        not_live = verify(common, config, pipeline, &mut findings, &mut stats);
        if let Some(r) = &roster {
            findings.iter_mut().for_each(|f| r.mark(f));
        }
        // Verified findings are reported now (streaming formats wrote none yet).
        for f in &findings {
            if write_error.is_none() {
                write_error = reporter.on_finding(&mut out, f).err();
            }
        }
    }
    if let Some(r) = &roster {
        if !common.verify {
            findings.iter_mut().for_each(|f| r.mark(f));
        }
        stats.roster = Some(r.stats(&findings));
    }
    sort_for_report(&mut findings);
    stats.errors.sort();
    stats.skipped.sort();
    // Findings beyond --max-findings were reported as found (streaming
    // formats) and count for the exit code, but are not in the list.
    stats.findings = findings.len() + not_kept as usize;
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    stats.config = config.report(rules, &stats.suppressed);
    // Returned after the report is written: a baseline that cannot be written
    // must not cost the report.
    let baseline_written = common
        .baseline_out
        .as_ref()
        .map(|p| write_baseline(common, p, &findings, &baselined, &not_live));
    finish_report(reporter.as_mut(), &mut out, write_error, &findings, &stats)?;
    baseline_written.transpose()?;
    let exit = exit_code(
        failing(common.fail_on, &findings, &stats),
        stats.errors.len(),
    );
    Ok(RunOutcome {
        exit,
        findings,
        stats,
    })
}

/// Says that the config in use was a gitleaks config, read as
/// `config import-gitleaks` would write it, and what did not carry over.
fn note_gitleaks_config(config: &Config) {
    let (Some(notes), Some(p)) = (&config.imported_from_gitleaks, &config.origin) else {
        return;
    };
    eprintln!(
        "tokenhound: note: {} is a gitleaks config, read as `tokenhound config \
         import-gitleaks` would write it{}",
        terminal_safe(&p.display().to_string()),
        if notes.is_empty() {
            String::new()
        } else {
            format!(
                "; not carried over, or with a change:\n  - {}",
                notes
                    .iter()
                    .map(|n| terminal_safe(n).into_owned())
                    .collect::<Vec<_>>()
                    .join("\n  - ")
            )
        }
    );
}

/// The run's kept findings, the baselined ones, how many were not kept, and
/// the stats the pipeline counted.
fn split_collected(c: Collected, pipeline: &Pipeline) -> (Vec<Finding>, Vec<Finding>, u64, Stats) {
    let stats = Stats {
        files_scanned: c.files_scanned,
        bytes_scanned: c.bytes_scanned,
        errors: c.errors,
        skipped: c.skipped,
        suppressed: c.suppressed,
        min_confidence: pipeline.options().min_confidence,
        below_min_confidence: c.below_min_confidence,
        sources: c.source_stats,
        ..Stats::default()
    };
    (c.findings, c.baselined, c.not_kept, stats)
}

/// Live tokens of former staff first (what to revoke before anything else),
/// then by path, offset and rule.
fn sort_for_report(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            !a.former_owner_live(),
            a.path.as_str(),
            a.offset,
            a.rule_id.as_str(),
        )
            .cmp(&(
                !b.former_owner_live(),
                b.path.as_str(),
                b.offset,
                b.rule_id.as_str(),
            ))
    });
}

/// `--baseline-out`: every finding of the run, whichever were reported.
fn write_baseline(
    common: &CommonArgs,
    path: &Path,
    findings: &[Finding],
    baselined: &[Finding],
    not_live: &[Finding],
) -> Result<()> {
    let all = || findings.iter().chain(baselined).chain(not_live);
    suppress::baseline::write(path, all())?;
    if !common.quiet {
        eprintln!(
            "tokenhound: wrote baseline {} ({} entries)",
            path.display(),
            suppress::baseline::entries(all())
        );
    }
    Ok(())
}

/// Writes the report's end. A reader that went away (`| head`) is not an
/// error: the run's outcome (exit code, baseline, audit record) stands, and
/// nothing more is written.
fn finish_report(
    reporter: &mut dyn report::Report,
    out: &mut Box<dyn Write>,
    write_error: Option<io::Error>,
    findings: &[Finding],
    stats: &Stats,
) -> Result<()> {
    let closed = |e: &io::Error| e.kind() == io::ErrorKind::BrokenPipe;
    match write_error {
        Some(e) if closed(&e) => {}
        Some(e) => return Err(e).context("writing the report"),
        None => match reporter
            .finish(out, findings, stats)
            .and_then(|_| out.flush())
        {
            Err(e) if !closed(&e) => return Err(e).context("writing the report"),
            _ => {}
        },
    }
    Ok(())
}

/// How many findings count against `--fail-on`.
fn failing(fail_on: FailOn, findings: &[Finding], stats: &Stats) -> usize {
    match fail_on {
        FailOn::Any => stats.findings,
        FailOn::Live => findings
            .iter()
            .filter(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == Status::Live)
            })
            .count(),
        FailOn::FormerLive => findings.iter().filter(|f| f.former_owner_live()).count(),
    }
}

/// The report's destination (`-o FILE` or standard output) and whether it
/// is a terminal that takes colour.
fn open_output(common: &CommonArgs) -> Result<(Box<dyn Write>, bool)> {
    let to_terminal = common.output.is_none() && io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let out: Box<dyn Write> = match &common.output {
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
    Ok((out, color))
}

/// `--verify`: checks the findings with their issuers (only hosts the user
/// allowed, never the scanned tree's choice: verify::policy), then applies
/// `--only-live` (returning the findings it took out, which `--baseline-out`
/// still records). A bug in verification must not lose the scan's report:
/// the findings are then reported unverified, with an error that says so.
fn verify(
    common: &CommonArgs,
    config: &Config,
    pipeline: &Pipeline,
    findings: &mut Vec<Finding>,
    stats: &mut Stats,
) -> Vec<Finding> {
    let targets = Targets::for_run(
        &config.verify_targets(),
        &common.verify_host,
        common.verify_allow_private,
    );
    let verifier = Verifier::new(VerifyOptions {
        targets,
        timeout: common.verify_timeout,
        per_provider: common.verify_concurrency,
        rate_per_second: common.verify_rate,
        ..VerifyOptions::default()
    });
    let threads = (common.verify_concurrency * 2).max(4);
    let verified = verifier.verify_all_or_error(pipeline.engine(), findings, threads);
    let failed = verified.is_err();
    let vstats = verified.unwrap_or_else(|why| {
        stats.errors.push(ScanError {
            path: "(verification)".into(),
            message: format!(
                "verification stopped by an internal error ({why}); findings are reported unverified"
            ),
            path_bytes: None,
        });
        Default::default()
    });
    let mut not_live = Vec::new();
    if common.only_live && !failed {
        // Not reported, but still findings of this run: `--baseline-out`
        // records them.
        let (live, rest): (Vec<Finding>, Vec<Finding>) =
            std::mem::take(findings).into_iter().partition(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == Status::Live)
            });
        *findings = live;
        not_live = rest;
    }
    stats.verification = Some(vstats);
    not_live
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        common: CommonArgs,
    }

    fn common(args: &[&str]) -> CommonArgs {
        Flags::parse_from(std::iter::once("t").chain(args.iter().copied())).common
    }

    /// A worker reuses its set-up exactly for the units whose settings files
    /// a run would not read: a wrong answer here would scan a unit with
    /// another unit's (or no) allowlist.
    #[test]
    fn tree_settings_are_the_files_a_run_would_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(tree_settings(&common(&[]), root).is_empty());
        std::fs::write(root.join("tokenhound.toml"), "").unwrap();
        std::fs::write(root.join(".tokenhoundignore"), "").unwrap();
        let both = vec![root.join("tokenhound.toml"), root.join(".tokenhoundignore")];
        assert_eq!(tree_settings(&common(&[]), root), both);
        // --config names the config: the tree's is not read.
        assert_eq!(
            tree_settings(&common(&["--config", "/etc/th.toml"]), root),
            [root.join(".tokenhoundignore")]
        );
        assert_eq!(
            tree_settings(&common(&["--ignore-file", "/etc/ignore"]), root),
            [root.join("tokenhound.toml")]
        );
        // --no-tree-config: the ignore file is not read; the config is noted
        // as ignored in the run's report, so it still makes the set-up the
        // unit's own.
        assert_eq!(
            tree_settings(&common(&["--no-tree-config"]), root),
            [root.join("tokenhound.toml")]
        );
    }
}
