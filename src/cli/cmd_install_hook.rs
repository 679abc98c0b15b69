//! `tokenhound install-hook`: a plain git pre-commit hook running
//! `tokenhound git --staged`, for repositories that do not use the pre-commit
//! framework (which uses `.pre-commit-hooks.yaml` instead).

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::EXIT_CLEAN;
use crate::sources::git;

/// Marks a hook as ours, so reinstalling (or updating the binary path) is not
/// mistaken for clobbering someone else's hook.
const MARKER: &str = "# installed by `tokenhound install-hook`";

#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Repository to install the hook in (default: the one around the current directory).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Replace an existing pre-commit hook that is not tokenhound's (it is kept
    /// as `pre-commit.tokenhound-backup`).
    #[arg(long)]
    pub force: bool,
}

/// The hook: the binary that installed it when it still exists, else the one
/// on PATH. Exit 1 (findings) or 2 (scan failed) blocks the commit.
fn script() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "tokenhound".into());
    let quoted = format!("'{}'", exe.replace('\'', r"'\''"));
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Blocks commits that add leaked tokens. Skip it once with `git commit --no-verify`.\n\
         TOKENHOUND={quoted}\n\
         [ -x \"$TOKENHOUND\" ] || TOKENHOUND=tokenhound\n\
         exec \"$TOKENHOUND\" git --staged\n"
    )
}

/// Installs the hook and returns the exit code.
pub fn run(args: &InstallHookArgs) -> Result<u8> {
    let repo = git::open(&args.repo)?;
    let dir = git::hooks_dir(&repo)?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    let script = script();
    match fs::read(&hook) {
        Ok(existing) if existing == script.as_bytes() => {
            println!(
                "tokenhound: the pre-commit hook in {} is already installed",
                hook.display()
            );
            return Ok(EXIT_CLEAN);
        }
        Ok(existing) if !String::from_utf8_lossy(&existing).contains(MARKER) => {
            if !args.force {
                bail!(
                    "{} already exists and is not tokenhound's: not replacing it. Add `tokenhound git --staged` \
                     to it yourself, or run `tokenhound install-hook --force` to replace it (the old hook is \
                     kept as pre-commit.tokenhound-backup)",
                    hook.display()
                );
            }
            let backup = dir.join("pre-commit.tokenhound-backup");
            fs::rename(&hook, &backup)
                .with_context(|| format!("cannot move the old hook to {}", backup.display()))?;
            eprintln!(
                "tokenhound: the previous pre-commit hook was moved to {}",
                backup.display()
            );
        }
        Ok(_) => {} // an older tokenhound hook: update it
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", hook.display())),
    }
    fs::write(&hook, script).with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    println!(
        "tokenhound: installed {}: commits that add leaked tokens are now blocked \
         (skip once with `git commit --no-verify`)",
        hook.display()
    );
    Ok(EXIT_CLEAN)
}
