//! `tokenhound revoke --report FILE ID…` (or `--store DB ID…`): ends leaked tokens through their
//! issuers' documented revocation APIs (`revoke`). A dry run unless `--yes`:
//! it prints exactly what would be sent where, with the secret redacted, and
//! sends nothing. Tokens whose issuer has no API get the manual steps.
//!
//! Exit codes: 0 when nothing is left to do by hand (every token revoked,
//! accepted or already invalid, or a dry run whose every request may be
//! sent); 1 when some token still needs someone (no API, refused, failed, no
//! verdict); 2 for errors (no such report or id, a report without raw
//! secrets).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{Cli, EXIT_CLEAN, EXIT_FINDINGS};
use crate::config::Config;
use crate::engine::Engine;
use crate::finding::{RevocationAttempt, RevocationStatus};
use crate::pipeline::Pipeline;
use crate::report::{terminal_safe, TOOL};
use crate::revoke::input::{self, Selection};
use crate::revoke::store::StoreLog;
use crate::revoke::{AttemptLog, JsonLines, RevokeOptions, Revoker};
use crate::rules::RuleSet;
use crate::store::{Location, Store};
use crate::verify::net::Resolve;
use crate::verify::Targets;

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Finding ids to revoke: fingerprints, or their first 8 to 16 hex digits
    /// as the human report shows them.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// The tokenhound JSON (or JSON Lines) report the ids come from, written
    /// with --show-secrets: revocation needs the raw tokens.
    #[arg(long, value_name = "FILE", required_unless_present = "store")]
    pub report: Option<PathBuf>,

    /// The audit store: without --report the ids come from it (it holds raw
    /// tokens only if its audits ran with --store-secrets; --all is its latest
    /// run's findings); with --yes every attempt is recorded in it, with or
    /// without --report. A dry run never writes it.
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// Every finding of the report (with --only-live / --only-former to narrow).
    #[arg(long)]
    pub all: bool,

    /// Only findings the report verified live.
    #[arg(long)]
    pub only_live: bool,

    /// Only findings whose owner the report marked as former staff (--roster).
    #[arg(long)]
    pub only_former: bool,

    /// Send the revocation requests. Without it nothing is sent: a dry run
    /// prints each request (secret redacted) and where it would go.
    #[arg(long)]
    pub yes: bool,

    /// Config file whose [verify] hosts and endpoint overrides apply (the same
    /// `[verify.endpoints] github = …` moves verification and revocation alike).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A host tokens may be sent to for revocation besides their issuers'
    /// built-in ones (GitHub Enterprise, self-managed GitLab; repeatable).
    #[arg(long, value_name = "HOST")]
    pub revoke_host: Vec<String>,

    /// Allow revocation requests to private, loopback and link-local
    /// addresses (and plain http:// endpoint overrides on loopback).
    #[arg(long)]
    pub revoke_allow_private: bool,

    /// Seconds before a revocation request counts as `unknown` (0.1 to 3600).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = super::parse_timeout)]
    pub revoke_timeout: std::time::Duration,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RevokeFormat::Human)]
    pub format: RevokeFormat,

    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Append every attempt (and dry-run plan) to FILE as JSON Lines: a
    /// record of what was sent where and what each issuer answered.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// `revoke --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RevokeFormat {
    Human,
    Json,
}

/// The attempts of this run, the `--log` file and the audit store when given.
struct Logs<'s> {
    attempts: Vec<RevocationAttempt>,
    file: Option<JsonLines<BufWriter<File>>>,
    store: Option<StoreLog<'s>>,
}

impl AttemptLog for Logs<'_> {
    fn record(&mut self, attempt: &RevocationAttempt) -> Result<()> {
        self.attempts.record(attempt)?;
        if let Some(f) = &mut self.file {
            f.record(attempt).context("writing the --log file")?;
        }
        if let Some(s) = &mut self.store {
            s.record(attempt)?;
        }
        Ok(())
    }
}

pub fn run(cli: &Cli, args: &RevokeArgs) -> Result<u8> {
    // The store is opened for writing only to record attempts that are sent
    // (--yes); a dry run reads it, never upgrades or writes it.
    let location = args.store.as_deref().map(Location::parse);
    if let Some(Location::Sqlite(p)) = &location {
        if !p.is_file() {
            bail!(
                "no audit store at {} (run `tokenhound audit --store {} PATH...` first)",
                p.display(),
                p.display()
            );
        }
    }
    let mut store = match &location {
        Some(l) if args.yes => Some(Store::open(l)?),
        Some(l) if args.report.is_none() => Some(Store::open_read_only(l)?),
        _ => None,
    };
    let findings = match (&args.report, &mut store) {
        (Some(report), _) => input::read(report)?,
        (None, Some(store)) => crate::revoke::store::findings(store, args.all)?,
        (None, None) => bail!("give the findings with --report FILE or --store PATH|URL"),
    };
    let source = match (&args.report, &store) {
        (Some(r), _) => r.display().to_string(),
        (None, Some(s)) => format!("the store {}", s.location()),
        (None, None) => String::new(),
    };
    let chosen = input::select(
        &findings,
        &Selection {
            ids: args.ids.clone(),
            all: args.all,
            only_live: args.only_live,
            only_former: args.only_former,
        },
    )?;
    if chosen.is_empty() {
        bail!("no finding of {source} matches (--only-live / --only-former left none)");
    }
    if chosen.iter().all(|f| !f.has_raw_secret()) && chosen.iter().any(|f| f.from_store) {
        bail!(
            "{source} holds no raw value of {}: its audits ran without --store-secrets, which \
             keeps only fingerprints and redacted forms, so nothing can be revoked from it. Write \
             a report with the raw tokens (`tokenhound scan --show-secrets --format json -o \
             report.json …`) and run `tokenhound revoke --report report.json --store … ID` (the \
             attempts are still recorded in the store), or revoke by hand",
            if chosen.len() == 1 {
                "this token"
            } else {
                "these tokens"
            }
        );
    }
    if chosen.iter().all(|f| !f.has_raw_secret()) && chosen.iter().any(|f| f.looks_redacted()) {
        bail!(
            "{source} shows its secrets redacted: revocation needs the raw tokens. Write the report with \
             --show-secrets (`tokenhound scan --show-secrets --format json -o report.json …`) and \
             keep that file as safe as the tokens themselves"
        );
    }
    // Only a config the user names: revoke reads no settings from any tree.
    let config = Config::load(args.config.as_deref(), Path::new("."), false)?;
    let mut rules = RuleSet::with_custom(&cli.rules)?;
    config.apply_to_rules(&mut rules)?;
    let pipeline = Pipeline::of(Engine::new(&rules)?);
    let revoker = Revoker::new(
        &pipeline,
        RevokeOptions {
            targets: Targets::for_run(
                &config.verify_targets(),
                &args.revoke_host,
                args.revoke_allow_private,
            ),
            resolver: Resolve::system(),
            timeout: args.revoke_timeout,
            act: args.yes,
        },
    );
    let mut logs = Logs {
        store: store
            .as_mut()
            .filter(|_| args.yes)
            .map(|store| StoreLog { store }),
        attempts: Vec::new(),
        file: match &args.log {
            Some(p) => Some(JsonLines(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("cannot open the log {}", p.display()))?,
            ))),
            None => None,
        },
    };
    for f in &chosen {
        revoker.revoke(f, &mut logs)?;
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).with_context(|| {
                format!("cannot create output file {}", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        RevokeFormat::Json => write_json(&mut out, &logs.attempts, !args.yes)?,
        RevokeFormat::Human => write_human(&mut out, &logs.attempts, !args.yes)?,
    }
    out.flush().context("writing the output")?;
    let done = |a: &RevocationAttempt| {
        a.status.is_done() || (!args.yes && a.status == RevocationStatus::DryRun)
    };
    Ok(if logs.attempts.iter().all(done) {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

/// Counts per status, in a stable order.
fn summary(attempts: &[RevocationAttempt]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for a in attempts {
        *m.entry(a.status.as_str()).or_insert(0) += 1;
    }
    m
}

fn write_json(out: &mut dyn Write, attempts: &[RevocationAttempt], dry_run: bool) -> Result<()> {
    let doc = serde_json::json!({
        "version": 1,
        "tool": TOOL,
        "dry_run": dry_run,
        "attempts": attempts,
        "summary": summary(attempts),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

fn write_human(out: &mut dyn Write, attempts: &[RevocationAttempt], dry_run: bool) -> Result<()> {
    let safe = |s: &str| terminal_safe(s).into_owned();
    if dry_run {
        writeln!(
            out,
            "DRY RUN: nothing was sent. Each request below is exactly what --yes sends (secret redacted).\n"
        )?;
    }
    for a in attempts {
        let short = a.fingerprint.get(..16).unwrap_or(&a.fingerprint);
        writeln!(
            out,
            "{}  {}  {}:{}  id {short}",
            safe(&a.secret),
            safe(&a.rule_id),
            safe(&a.path),
            a.line
        )?;
        let label = match a.status {
            RevocationStatus::DryRun => "would send".to_string(),
            s => s.as_str().to_uppercase().replace('-', " "),
        };
        writeln!(out, "  status:   {label}")?;
        if let Some(r) = &a.request {
            writeln!(out, "  request:  {} {}", r.method, safe(&r.url))?;
            for (k, v) in &r.headers {
                writeln!(out, "            {}: {}", safe(k), safe(v))?;
            }
            match r.body.as_deref() {
                Some("") => writeln!(out, "            (empty body)")?,
                Some(b) => writeln!(out, "            body: {}", safe(b))?,
                None => {}
            }
        }
        if let Some(ans) = &a.answer {
            let text: Vec<String> = ans
                .iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    format!("{k}={v}")
                })
                .collect();
            writeln!(out, "  answer:   {}", safe(&text.join(", ")))?;
        }
        if let Some(why) = &a.reason {
            writeln!(out, "  why:      {}", safe(why))?;
        }
        if let Some(d) = &a.docs {
            writeln!(out, "  docs:     {}", safe(d))?;
        }
        if let Some(m) = &a.manual {
            writeln!(out, "  by hand:  {}", safe(m))?;
        }
        writeln!(out)?;
    }
    let parts: Vec<String> = summary(attempts)
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(
        out,
        "{} token{}: {}",
        attempts.len(),
        if attempts.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )?;
    Ok(())
}
