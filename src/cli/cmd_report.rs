//! `tokenhound report --store PATH`: what changed since the previous audit run,
//! what is still live, and where each token has spread.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use super::EXIT_CLEAN;
use crate::store::{report, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    /// One self-contained HTML file (no external assets).
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The audit store written by `tokenhound audit`.
    #[arg(long, value_name = "PATH")]
    pub store: PathBuf,

    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ReportArgs) -> Result<u8> {
    if !args.store.is_file() {
        bail!(
            "no audit store at {} (run `tokenhound audit --store {} PATH...` first)",
            args.store.display(),
            args.store.display()
        );
    }
    let store = Store::open(&args.store)?;
    let doc = report::build(store.conn())?;
    let text = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        // Paths, export fields and issuers' answers in the store came from
        // scanned data and the network: shown, never obeyed, by a terminal.
        ReportFormat::Human => crate::report::escape::terminal_safe_lines(&report::human(&doc)),
        ReportFormat::Html => report::html(&doc),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(EXIT_CLEAN)
}
