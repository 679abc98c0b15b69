//! `tokenhound rules list|check`: what the built-in rules are, and whether custom
//! rule files load and pass their own examples.

use std::path::PathBuf;

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;

use super::{Cli, EXIT_CLEAN, EXIT_FINDINGS};
use crate::engine::Engine;
use crate::pipeline::{selftest, Pipeline};
use crate::rules::{self, RuleSet};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the rules (built-in plus any `--rules`): id, provider, kind.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Validate custom rule files and run their examples; exits 1 on a failing example.
    Check {
        /// A rule file or a directory of *.toml rule files.
        path: PathBuf,
    },
}

pub fn run(cli: &Cli, cmd: &RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::List { json } => {
            let set = RuleSet::with_custom(&cli.rules)?;
            let mut out = std::io::stdout().lock();
            if *json {
                let rows: Vec<_> = set
                    .rules
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "name": r.name, "provider": r.provider, "kind": r.kind,
                            "lifetime": r.lifetime, "validator": r.validator.map(|v| v.name()),
                            "revoke": r.revoke,
                        })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                let w = set
                    .rules
                    .iter()
                    .map(|r| r.id.len())
                    .max()
                    .unwrap_or(2)
                    .max(2);
                let pw = set
                    .rules
                    .iter()
                    .map(|r| r.provider.len())
                    .max()
                    .unwrap_or(8)
                    .max(8);
                writeln!(out, "{:w$}  {:pw$}  KIND", "ID", "PROVIDER")?;
                for r in &set.rules {
                    writeln!(
                        out,
                        "{:w$}  {:pw$}  {}",
                        r.id,
                        crate::report::terminal_safe(&r.provider),
                        r.kind
                    )?;
                }
                writeln!(out, "{} rules", set.rules.len())?;
            }
            out.flush()?;
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Check { path } => {
            // Exactly what loading does (`scan --rules PATH`): parse, validate,
            // compile, and refuse ids that another rule (built-in or --rules)
            // already has.
            let custom = rules::load_path(path)?;
            let ids: std::collections::HashSet<String> =
                custom.iter().map(|r| r.id.clone()).collect();
            let mut paths = cli.rules.clone();
            paths.push(path.clone());
            let set = RuleSet::with_custom(&paths)?;
            let engine = Engine::new(&set)?;
            engine.compile_all()?;
            let pipeline = Pipeline::of(engine);
            let mut out = std::io::stdout().lock();
            // Keywords drive the prefilter: one no match can contain never
            // leads to a finding.
            let mut dead_keywords = 0;
            for r in set.rules.iter().filter(|r| ids.contains(&r.id)) {
                let dead = rules::keyword_reach::unreachable_keywords(&r.pattern, &r.keywords);
                if dead.is_empty() {
                    continue;
                }
                dead_keywords += 1;
                let all_dead = dead.len() == r.keywords.len();
                writeln!(
                    out,
                    "FAIL {}: rule `{}`: keyword{} {} can never occur in a match of its pattern{}",
                    crate::report::terminal_safe(&r.origin),
                    r.id,
                    if dead.len() == 1 { "" } else { "s" },
                    dead.iter()
                        .map(|k| format!("{k:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if all_dead {
                        " (no keyword can: the rule never reports anything)"
                    } else {
                        " (the prefilter never runs the rule for it)"
                    }
                )?;
            }
            let failures = selftest::check_examples(&pipeline, |id| ids.contains(id));
            for f in &failures {
                let what = if f.missed {
                    "example not reported"
                } else {
                    "negative example reported"
                };
                writeln!(
                    out,
                    "FAIL {}: rule `{}`: {what}: {:?} (scanned as {})",
                    crate::report::terminal_safe(&f.origin),
                    f.rule_id,
                    f.example,
                    crate::report::terminal_safe(&f.path)
                )?;
                for g in &f.got {
                    writeln!(
                        out,
                        "     engine reported: {}",
                        crate::report::terminal_safe(&g.to_string())
                    )?;
                }
            }
            let examples: usize = set
                .rules
                .iter()
                .filter(|r| ids.contains(&r.id))
                .map(|r| r.examples.len() + r.negative_examples.len())
                .sum();
            writeln!(
                out,
                "{} rules, {} examples checked, {} failed; {} rule{} with keywords that can never occur",
                ids.len(),
                examples,
                failures.len(),
                dead_keywords,
                if dead_keywords == 1 { "" } else { "s" }
            )?;
            out.flush()?;
            Ok(if failures.is_empty() && dead_keywords == 0 {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            })
        }
    }
}
