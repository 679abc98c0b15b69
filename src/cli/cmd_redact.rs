//! `tokenhound redact`: a live filter that copies standard input to standard
//! output with every detected secret replaced by `[REDACTED:<rule-id>:<fp8>]`, so
//! build output reaches the CI log without the tokens it leaked. The filter
//! itself is the library's [`Redactor`](crate::redact::Redactor).

use std::io::{self, ErrorKind};
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use super::{Cli, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::engine::Engine;
use crate::pipeline::{Pipeline, PipelineOptions};
use crate::redact::{spawn_reader, Redactor, PARTIAL_WAIT};
use crate::rules::RuleSet;

/// Options of `tokenhound redact` (rules come from the global `--rules`).
#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Exit with status 1 when anything was redacted (0 otherwise).
    #[arg(long)]
    pub exit_code: bool,

    /// How long a partial line (no newline yet) may wait before it is passed on, in
    /// milliseconds.
    #[arg(long, value_name = "MS", default_value_t = PARTIAL_WAIT.as_millis() as u64)]
    pub partial_wait_ms: u64,
}

/// Runs the filter and returns its exit code.
pub fn run(cli: &Cli, args: &RedactArgs) -> Result<u8> {
    let rules = RuleSet::with_custom(&cli.rules)?;
    let pipeline = Pipeline::new(
        Engine::new(&rules)?,
        PipelineOptions::default(),
        Default::default(),
    );
    let (rx, recycle) = spawn_reader(io::stdin());
    let stdout = io::stdout();
    let mut red = Redactor::new(
        &pipeline,
        io::BufWriter::with_capacity(256 << 10, stdout.lock()),
    );
    let wait = Duration::from_millis(args.partial_wait_ms);
    let outcome = red.pump(&rx, &recycle, wait);
    eprintln!("{}", red.summary());
    match outcome {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("tokenhound: error: redact: {e}");
            return Ok(EXIT_ERROR);
        }
    }
    if let Some(e) = red.read_error() {
        eprintln!("tokenhound: error: redact: {e}");
        return Ok(EXIT_ERROR);
    }
    let total: u64 = red.counts().values().sum();
    Ok(if args.exit_code && total > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
