//! `tokenhound audit --store PATH INPUT...`: a scheduled audit. Scans the inputs
//! like `scan` does (same flags, same report and exit code) and records the run
//! in the SQLite audit store for `tokenhound report`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::cmd_scan::{execute, scan_root, CommonArgs};
use super::Cli;
use crate::sources::fs::{scan_paths, FsOptions};
use crate::sources::git::history::{scan_history, HistoryOptions, Selection};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The audit store (an SQLite file, created if missing).
    #[arg(long, value_name = "PATH")]
    pub store: PathBuf,

    /// Also store raw secret values (off by default: only fingerprints and
    /// redacted forms are stored).
    #[arg(long)]
    pub store_secrets: bool,

    /// Directories, files and exports to scan.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// Scan files ignored by .gitignore/.ignore too.
    #[arg(long)]
    pub no_ignore: bool,

    /// Do not scan the history of inputs that are git repositories (by default
    /// every blob reachable from their refs is scanned once, as `tokenhound git`).
    #[arg(long)]
    pub no_git_history: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(cli: &Cli, args: &AuditArgs) -> Result<u8> {
    // Open (and upgrade) the store first: a bad store path must not cost a scan.
    let mut store = Store::open(&args.store)?;
    if args.store_secrets {
        eprintln!(
            "tokenhound: WARNING: --store-secrets: raw secret values are being written to {}; protect that file like the secrets themselves",
            args.store.display()
        );
    }
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let fs_opts = FsOptions {
        no_ignore: args.no_ignore,
        scan_binary: args.common.scan_binary,
        max_file_size: args.common.max_file_size,
        threads: args.common.threads(),
    };
    let inputs = args.inputs.clone();
    let history = HistoryOptions {
        selection: Selection::default(),
        max_file_size: args.common.max_file_size,
        scan_binary: args.common.scan_binary,
        threads: args.common.threads(),
    };
    let with_history = !args.no_git_history;
    let outcome = execute(
        cli,
        &args.common,
        &scan_root(&args.inputs),
        move |scanner| {
            scan_paths(&inputs, scanner, &fs_opts);
            let mut repos = Vec::new();
            for input in inputs.iter().filter(|p| with_history && is_git_repo(p)) {
                match scan_history(input, scanner, &history) {
                    Ok(stats) => repos.push(serde_json::to_value(stats)?),
                    Err(e) => scanner.error(
                        input.display().to_string(),
                        format!("git history not scanned: {e:#}"),
                    ),
                }
            }
            let mut m = serde_json::Map::new();
            if !repos.is_empty() {
                m.insert("git_repositories".into(), serde_json::Value::Array(repos));
            }
            Ok(m)
        },
    )?;
    let shown: Vec<String> = args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let run_id = store.record_run(
        &started_at,
        &shown,
        &outcome.findings,
        &outcome.stats,
        args.store_secrets,
    )?;
    if !args.common.quiet {
        eprintln!(
            "tokenhound: recorded run {run_id} in {} ({} findings{})",
            crate::report::terminal_safe(&args.store.display().to_string()),
            outcome.findings.len(),
            if outcome.stats.errors.is_empty() {
                ""
            } else {
                "; incomplete: some inputs could not be read"
            }
        );
    }
    Ok(outcome.exit)
}

/// A working tree with a `.git` directory or file, or a bare repository.
fn is_git_repo(p: &std::path::Path) -> bool {
    p.join(".git").exists()
        || (p.join("HEAD").is_file() && p.join("objects").is_dir() && p.join("refs").is_dir())
}
