//! `tokenhound rules list|check`: what the built-in rules are, and whether custom
//! rule files load and pass their own examples.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::{Cli, EXIT_CLEAN, EXIT_FINDINGS};
use crate::engine::{selftest, Engine};
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
                println!("{}", serde_json::to_string_pretty(&rows)?);
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
                println!("{:w$}  {:pw$}  KIND", "ID", "PROVIDER");
                for r in &set.rules {
                    println!(
                        "{:w$}  {:pw$}  {}",
                        r.id,
                        crate::report::terminal_safe(&r.provider),
                        r.kind
                    );
                }
                println!("{} rules", set.rules.len());
            }
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Check { path } => {
            let custom = rules::load_path(path)?;
            let ids: std::collections::HashSet<String> =
                custom.iter().map(|r| r.id.clone()).collect();
            let mut set = RuleSet::with_custom(&cli.rules)?;
            set.rules.extend(custom);
            let engine = Engine::new(&set)?;
            engine.compile_all()?;
            let failures = selftest::check_examples(&engine, |id| ids.contains(id));
            for f in &failures {
                let what = if f.missed {
                    "example not reported"
                } else {
                    "negative example reported"
                };
                println!(
                    "FAIL {}: rule `{}`: {what}: {:?}",
                    crate::report::terminal_safe(&f.origin),
                    f.rule_id,
                    f.example
                );
                for g in &f.got {
                    println!(
                        "     engine reported: {}",
                        crate::report::terminal_safe(&g.to_string())
                    );
                }
            }
            let examples: usize = set
                .rules
                .iter()
                .filter(|r| ids.contains(&r.id))
                .map(|r| r.examples.len() + r.negative_examples.len())
                .sum();
            println!(
                "{} rules, {} examples checked, {} failed",
                ids.len(),
                examples,
                failures.len()
            );
            Ok(if failures.is_empty() {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            })
        }
    }
}
