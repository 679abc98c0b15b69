//! `tokenhound git [REPO] [REV..REV]`: a repository's history (every distinct blob
//! once, with the commit that brought it in), or with `--staged` /
//! `--working-tree` what the next commit would add (the pre-commit hook).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use super::cmd_scan::{execute, CommonArgs};
use super::{Cli, EXIT_FINDINGS};
use crate::sources::git::{
    collect_changes, scan_change_set, scan_history, ChangeOptions, ChangeScope, HistoryOptions,
    Selection,
};

#[derive(Debug, Args)]
pub struct GitArgs {
    /// Repository: a work tree, a bare repository or a path inside one (default: `.`).
    /// A lone `A..B` is taken as a range of the current repository.
    #[arg(value_name = "REPO")]
    pub repo: Option<String>,

    /// Only the commits of `B` not in `A` (`A..B`; `A..` means `A..HEAD`).
    #[arg(value_name = "A..B")]
    pub range: Option<String>,

    /// Only the history of this branch (or any revision) instead of every ref.
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,

    /// Only commits after this one (it and its ancestors are left out).
    #[arg(long, value_name = "SHA")]
    pub since_commit: Option<String>,

    /// Only commits committed on or after DATE (`2024-05-01`, RFC 3339, or Unix seconds).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<i64>,

    /// Scan what the next commit would add: the index against HEAD, added and
    /// changed lines only (what the pre-commit hook runs).
    #[arg(long, conflicts_with_all = ["working_tree", "range", "branch", "since_commit", "since"])]
    pub staged: bool,

    /// Like --staged, plus unstaged changes and untracked files.
    #[arg(long, conflicts_with_all = ["range", "branch", "since_commit", "since"])]
    pub working_tree: bool,

    /// Set by the pre-commit hooks tokenhound installs (not for use by hand):
    /// say "commit blocked" when something is found, and print nothing when
    /// the commit is clean.
    #[arg(long, hide = true)]
    pub hook: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Runs a git scan and returns its exit code.
pub fn run(cli: &Cli, args: &GitArgs) -> Result<u8> {
    let (repo, range) = repo_and_range(args);
    if args.hook && !(args.staged || args.working_tree) {
        bail!("--hook is for the pre-commit hook, with --staged or --working-tree");
    }
    let mut hook_common;
    let common = if args.hook {
        // A clean commit passes in silence; a blocked one says why.
        hook_common = args.common.clone();
        hook_common.quiet_when_clean = true;
        &hook_common
    } else {
        &args.common
    };
    let scope = if args.staged {
        Some(ChangeScope::Staged)
    } else if args.working_tree {
        Some(ChangeScope::WorkingTree)
    } else {
        None
    };
    if let Some(scope) = scope {
        let opts = ChangeOptions {
            scope,
            max_file_size: common.max_file_size,
            scan_binary: common.scan_binary,
        };
        // Diff and read the changes while the rules compile: the hook's latency
        // is mostly start-up.
        let root = repo.clone();
        let collecting = std::thread::spawn(move || collect_changes(&repo, &opts));
        let outcome = execute(cli, common, &root, move |scanner| {
            let set = collecting
                .join()
                .map_err(|_| anyhow::anyhow!("internal error: the diff thread panicked"))??;
            source_stats(&scan_change_set(set, scanner))
        })?;
        // Only the hook blocks a commit: run by hand, the report says it all.
        if args.hook && !outcome.findings.is_empty() {
            print_hook_hint(outcome.findings.len(), scope);
        }
        return Ok(outcome.exit);
    }
    let opts = HistoryOptions {
        selection: selection(args, range.as_deref())?,
        max_file_size: common.max_file_size,
        scan_binary: common.scan_binary,
        threads: common.threads(),
        pool: None,
    };
    let outcome = execute(cli, common, &repo, |scanner| {
        let stats = scan_history(&repo, scanner, &opts)?;
        source_stats(&stats)
    })?;
    Ok(outcome.exit)
}

/// The repository path and the range, telling `tokenhound git main..topic` (a
/// range of `.`) from `tokenhound git ../repo` (a path).
fn repo_and_range(args: &GitArgs) -> (PathBuf, Option<String>) {
    match (&args.repo, &args.range) {
        (Some(r), None) if r.contains("..") && !Path::new(r).exists() => {
            (PathBuf::from("."), Some(r.clone()))
        }
        (repo, range) => (PathBuf::from(repo.as_deref().unwrap_or(".")), range.clone()),
    }
}

/// Turns `--branch`, `--since-commit`, `--since` and `A..B` into a selection.
fn selection(args: &GitArgs, range: Option<&str>) -> Result<Selection> {
    let mut sel = Selection {
        since: args.since,
        ..Selection::default()
    };
    if let Some(range) = range {
        if range.contains("...") {
            bail!("`{range}`: symmetric ranges (A...B) are not supported; use A..B");
        }
        let Some((a, b)) = range.split_once("..") else {
            bail!("`{range}` is not a range (expected A..B)");
        };
        if args.branch.is_some() {
            bail!("give either a range or --branch, not both");
        }
        sel.exclude.push(if a.is_empty() {
            "HEAD".into()
        } else {
            a.into()
        });
        sel.include.push(if b.is_empty() {
            "HEAD".into()
        } else {
            b.into()
        });
    }
    if let Some(b) = &args.branch {
        sel.include.push(b.clone());
    }
    if let Some(c) = &args.since_commit {
        sel.exclude.push(c.clone());
    }
    Ok(sel)
}

/// `stats.git` from a source's stats.
fn source_stats(
    stats: &impl serde::Serialize,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut m = serde_json::Map::new();
    m.insert(
        "git".into(),
        serde_json::to_value(stats).context("encoding git stats")?,
    );
    Ok(m)
}

/// What a developer whose commit was just blocked needs to know (stderr, so the
/// report on stdout stays machine-readable).
fn print_hook_hint(findings: usize, scope: ChangeScope) {
    let what = if scope == ChangeScope::Staged {
        "staged changes"
    } else {
        "working tree"
    };
    eprintln!(
        "\ntokenhound: {findings} leaked token{} in the {what} (listed above, redacted): commit blocked (exit {EXIT_FINDINGS}).\n\
         \x20 - Remove the token from the file, `git add` it again, and revoke the token if it was ever real.\n\
         \x20 - A false positive? Put a `tokenhound:ignore` comment on that line, or add the finding's id\n\
         \x20   (shown above) to .tokenhoundignore at the top of the repository, or to your baseline file\n\
         \x20   (--baseline), then commit again.\n\
         \x20 - To skip the check for one commit: git commit --no-verify",
        if findings == 1 { "" } else { "s" }
    );
}

/// Parses `2024-05-01`, `2024-05-01T12:00:00Z` (RFC 3339) or Unix seconds.
fn parse_date(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp());
    }
    Err(format!(
        "`{s}` is not a date (use 2024-05-01, 2024-05-01T12:00:00Z or Unix seconds)"
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2020-09-13"), Ok(1_599_955_200));
        assert_eq!(parse_date("2020-09-13T12:26:40Z"), Ok(1_600_000_000));
        assert_eq!(parse_date("1600000000"), Ok(1_600_000_000));
        assert!(parse_date("yesterday").is_err());
    }
}
