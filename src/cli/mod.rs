//! Command-line interface: clap definitions, one module per subcommand, each turning
//! arguments into a run and a run into an exit code.

mod cmd_audit;
mod cmd_config;
mod cmd_git;
mod cmd_install_hook;
mod cmd_redact;
mod cmd_report;
mod cmd_rules;
pub mod cmd_scan;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: the scan completed and found nothing.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings were reported.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage or fatal error, or an incomplete scan that found nothing.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "tokenhound",
    version,
    about = "Finds leaked session tokens: where they are, how long they live, how to revoke them"
)]
pub struct Cli {
    /// Custom rule file or directory of *.toml rule files, added to the built-in rules (repeatable).
    #[arg(long = "rules", global = true, value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (`-` reads standard input as a stream).
    Scan(cmd_scan::ScanArgs),
    /// Scan a git repository's history (every blob once), or its staged / working-tree changes.
    Git(cmd_git::GitArgs),
    /// Install a git pre-commit hook that blocks commits adding leaked tokens.
    InstallHook(cmd_install_hook::InstallHookArgs),
    /// Scan inputs and record the run in an audit store (SQLite or PostgreSQL); `audit plan` / `audit work` split a run across workers.
    Audit(cmd_audit::AuditArgs),
    /// Report on an audit store: new, gone, still live, sprawl.
    Report(cmd_report::ReportArgs),
    /// Copy standard input to standard output with secrets redacted (a live filter for build logs).
    ///
    /// Each detected secret becomes `[REDACTED:<rule-id>:<first 8 chars of its fingerprint>]`;
    /// a summary (counts per rule, never secrets) goes to standard error at the end.
    Redact(cmd_redact::RedactArgs),
    /// List the rules or check custom rule files.
    #[command(subcommand)]
    Rules(cmd_rules::RulesCommand),
    /// Write an example tokenhound.toml.
    #[command(subcommand)]
    Config(cmd_config::ConfigCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Parses arguments, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => cmd_scan::run(&cli, args),
        Command::Git(args) => cmd_git::run(&cli, args),
        Command::InstallHook(args) => cmd_install_hook::run(args),
        Command::Rules(cmd) => cmd_rules::run(&cli, cmd),
        Command::Config(cmd) => cmd_config::run(cmd),
        Command::Audit(args) => cmd_audit::run(&cli, args),
        Command::Report(args) => cmd_report::run(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "tokenhound",
                &mut std::io::stdout(),
            );
            Ok(EXIT_CLEAN)
        }
        Command::Redact(args) => cmd_redact::run(&cli, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tokenhound: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Parses sizes such as `64MiB`, `10M`, `512k` or a plain byte count.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 64MiB, 10M, 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{s}`: unknown size unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(super::parse_size("10M"), Ok(10 << 20));
        assert_eq!(super::parse_size("1234"), Ok(1234));
        assert!(super::parse_size("ten").is_err());
        assert!(super::parse_size("5 parsecs").is_err());
    }
}
