//! Command-line interface: clap definitions, one module per subcommand, each turning
//! arguments into a run and a run into an exit code.

mod cmd_audit;
mod cmd_config;
mod cmd_git;
mod cmd_install_hook;
mod cmd_redact;
mod cmd_report;
mod cmd_revoke;
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
    /// Revoke leaked tokens through their issuers' APIs (a dry run unless --yes).
    ///
    /// Takes finding ids from a JSON report written with --show-secrets. Each
    /// token goes only to its issuer's documented revocation endpoint, under
    /// the same host and address rules as --verify; tokens without such an
    /// API get their manual revocation steps.
    Revoke(cmd_revoke::RevokeArgs),
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
    let uses_rules = matches!(
        cli.command,
        Command::Scan(_)
            | Command::Git(_)
            | Command::Audit(_)
            | Command::Redact(_)
            | Command::Rules(_)
    );
    if !cli.rules.is_empty() && !uses_rules {
        eprintln!("tokenhound: warning: --rules has no effect on this command (it scans nothing)");
    }
    let result = match &cli.command {
        Command::Scan(args) => cmd_scan::run(&cli, args),
        Command::Git(args) => cmd_git::run(&cli, args),
        Command::InstallHook(args) => cmd_install_hook::run(args),
        Command::Rules(cmd) => cmd_rules::run(&cli, cmd),
        Command::Config(cmd) => cmd_config::run(cmd),
        Command::Audit(args) => cmd_audit::run(&cli, args),
        Command::Report(args) => cmd_report::run(args),
        Command::Revoke(args) => cmd_revoke::run(&cli, args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Generated in memory: the generator panics on a write error,
            // and `| head` closes the pipe early.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "tokenhound", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .map(|()| EXIT_CLEAN)
                .map_err(anyhow::Error::from)
        }
        Command::Redact(args) => cmd_redact::run(&cli, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): not an error of ours, nothing to say.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_CLEAN),
        Err(e) => {
            // Errors quote paths and file contents (a settings file's line may
            // hold a token): never raw to the terminal, never a secret.
            let text = crate::pipeline::redact_text(&format!("{e:#}"));
            eprintln!("tokenhound: error: {}", crate::report::terminal_safe(&text));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// True when `e` comes from writing to a closed pipe (`tokenhound … | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints one line on standard output, returning (not panicking on) a write
/// error such as a closed pipe.
pub fn say(line: std::fmt::Arguments) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_fmt(line)?;
    out.write_all(b"\n")
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

/// Parses `--verify-timeout`: seconds, finite, from 0.1 to 3600, so a value
/// such as `inf` or `nan` is refused up front instead of failing after the scan.
pub fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || !(0.1..=3600.0).contains(&secs) {
        return Err(format!("`{s}`: give between 0.1 and 3600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Parses a count that must be at least 1 (`-j`, `--max-findings`, …): 0
/// would otherwise be quietly raised to 1.
pub fn parse_positive(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("give at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number")),
    }
}

/// Parses `--verify-concurrency`: 1 to 256 requests in flight per provider.
pub fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("`{s}`: give a whole number from 1 to 256")),
    }
}

/// Parses `--verify-rate`: requests per second, finite, from 0.1 to 10000.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !r.is_finite() || !(0.1..=10_000.0).contains(&r) {
        return Err(format!(
            "`{s}`: give between 0.1 and 10000 requests per second"
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_and_rates() {
        assert_eq!(
            super::parse_timeout("2.5"),
            Ok(std::time::Duration::from_millis(2500))
        );
        for bad in ["inf", "-inf", "nan", "NaN", "-1", "0", "1e30", "ten", ""] {
            assert!(super::parse_timeout(bad).is_err(), "{bad}");
            assert!(super::parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(super::parse_rate("50"), Ok(50.0));
    }

    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(super::parse_size("10M"), Ok(10 << 20));
        assert_eq!(super::parse_size("1234"), Ok(1234));
        assert!(super::parse_size("ten").is_err());
        assert!(super::parse_size("5 parsecs").is_err());
    }
}
