//! `tokenhound report --store PATH|URL`: what changed since the previous audit
//! run, what is still live, and where each token has spread. The store is opened
//! read-only: a report never creates, upgrades or writes it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::cmd_audit::store_location;
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
    /// The audit store written by `tokenhound audit`: an SQLite file or a
    /// postgres:// URL (default: $TOKENHOUND_STORE).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// Report on the queued run planned under this name (default: the latest run).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,

    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of standard output (created 0600: it
    /// lists where secrets are).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ReportArgs) -> Result<u8> {
    let location = store_location(args.store.as_deref())?;
    let mut store = Store::open_read_only(&location)?;
    let doc = report::build(&mut store, args.run_id.as_deref())?;
    let text = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        // Paths, export fields and issuers' answers in the store came from
        // scanned data and the network: shown, never obeyed, by a terminal.
        ReportFormat::Human => crate::report::escape::terminal_safe_lines(&report::human(&doc)),
        ReportFormat::Html => report::html(&doc),
    };
    match &args.output {
        Some(p) => {
            let mut f = crate::report::create_private(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f.write_all(text.as_bytes())
                .with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(EXIT_CLEAN)
}
