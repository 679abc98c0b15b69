//! `tokenhound install-hook`: a plain git pre-commit hook running
//! `tokenhound git --staged`, for repositories that do not use the pre-commit
//! framework (which uses `.pre-commit-hooks.yaml` instead).

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::EXIT_CLEAN;
use crate::sources::git;

/// Marks a hook as ours. A hook counts as ours only when it is this script
/// line for line (any binary path): a user's hook that merely contains the
/// marker, say after adding their own lines, is theirs and needs `--force`.
const MARKER: &str = "# installed by `tokenhound install-hook`";

/// Name of the first backup of a replaced hook; later ones get `.1`, `.2`, …
/// (a backup is never overwritten).
const BACKUP: &str = "pre-commit.tokenhound-backup";

#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Repository to install the hook in (default: the one around the current directory).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Replace an existing pre-commit hook that is not tokenhound's (it is kept
    /// as `pre-commit.tokenhound-backup`, or `.1`, `.2`… when that exists).
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
    script_for(&exe)
}

/// The line that runs the scan: `--hook` makes the clean case quiet and the
/// blocked case say so (`tokenhound git --staged` run by hand does neither).
const EXEC: &str = "exec \"$TOKENHOUND\" git --staged --hook";

/// The run lines of hooks earlier versions installed: still ours (updated by
/// a new `install-hook`, never refused as someone else's).
const OLDER_EXEC: &[&str] = &["exec \"$TOKENHOUND\" git --staged"];

/// The hook script for the binary at `exe`.
fn script_for(exe: &str) -> String {
    script_with(exe, EXEC)
}

fn script_with(exe: &str, exec: &str) -> String {
    let quoted = format!("'{}'", exe.replace('\'', r"'\''"));
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Blocks commits that add leaked tokens. Skip it once with `git commit --no-verify`.\n\
         TOKENHOUND={quoted}\n\
         [ -x \"$TOKENHOUND\" ] || TOKENHOUND=tokenhound\n\
         {exec}\n"
    )
}

/// True when `existing` is a hook this command (this version or an earlier
/// one) wrote, for any binary path: the script line for line, its
/// `TOKENHOUND=` line one single-quoted word.
fn is_ours(existing: &[u8]) -> bool {
    std::iter::once(EXEC)
        .chain(OLDER_EXEC.iter().copied())
        .any(|exec| matches_template(existing, &script_with("", exec)))
}

fn matches_template(existing: &[u8], template: &str) -> bool {
    let Ok(text) = std::str::from_utf8(existing) else {
        return false;
    };
    let (mut have, mut want) = (text.lines(), template.lines());
    loop {
        match (have.next(), want.next()) {
            (None, None) => return true,
            (Some(h), Some(w)) if w.starts_with("TOKENHOUND=") => {
                let Some(quoted) = h
                    .strip_prefix("TOKENHOUND='")
                    .and_then(|q| q.strip_suffix('\''))
                else {
                    return false;
                };
                if quoted.split(r"'\''").any(|part| part.contains('\'')) {
                    return false;
                }
            }
            (Some(h), Some(w)) if h == w => {}
            _ => return false,
        }
    }
}

/// Copies the hook at `hook` to the first free backup name (never replacing
/// an earlier backup) with its permissions, and returns that name.
fn back_up(dir: &std::path::Path, hook: &std::path::Path, content: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    for n in 0..10_000 {
        let name = if n == 0 {
            BACKUP.to_string()
        } else {
            format!("{BACKUP}.{n}")
        };
        let backup = dir.join(name);
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&backup)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", backup.display())),
        };
        file.write_all(content)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", backup.display()))?;
        if let Ok(meta) = fs::metadata(hook) {
            fs::set_permissions(&backup, meta.permissions())
                .with_context(|| format!("cannot set the mode of {}", backup.display()))?;
        }
        return Ok(backup);
    }
    bail!(
        "{}: too many backups of the pre-commit hook; remove old ones",
        dir.display()
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
            super::say(format_args!(
                "tokenhound: the pre-commit hook in {} is already installed",
                crate::report::terminal_safe(&hook.display().to_string())
            ))?;
            return Ok(EXIT_CLEAN);
        }
        Ok(existing) if !is_ours(&existing) => {
            if !args.force {
                bail!(
                    "{} already exists and is not tokenhound's: not replacing it. Add `tokenhound git --staged` \
                     to it yourself, or run `tokenhound install-hook --force` to replace it (the old hook is \
                     kept as {BACKUP}, or {BACKUP}.N when that exists)",
                    hook.display()
                );
            }
            let backup = back_up(&dir, &hook, &existing)?;
            eprintln!(
                "tokenhound: the previous pre-commit hook was copied to {}",
                crate::report::terminal_safe(&backup.display().to_string())
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
    super::say(format_args!(
        "tokenhound: installed {}: commits that add leaked tokens are now blocked \
         (skip once with `git commit --no-verify`)",
        crate::report::terminal_safe(&hook.display().to_string())
    ))?;
    Ok(EXIT_CLEAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item11_only_our_own_script_counts_as_ours() {
        assert!(is_ours(script_for("/usr/bin/tokenhound").as_bytes()));
        assert!(is_ours(script_for("/opt/it's here/tokenhound").as_bytes()));
        let mut theirs = script_for("/usr/bin/tokenhound");
        theirs.push_str("npm test\n");
        assert!(!is_ours(theirs.as_bytes()));
        let sneaky = script_for("/x").replace("TOKENHOUND='/x'", "TOKENHOUND='/x'; make lint; '");
        assert!(!is_ours(sneaky.as_bytes()));
        assert!(!is_ours(
            format!("#!/bin/sh\n{MARKER}\nmake lint\n").as_bytes()
        ));
        // The hook of earlier versions (no --hook) is still ours, to update.
        let older = script_with("/usr/bin/tokenhound", OLDER_EXEC[0]);
        assert!(is_ours(older.as_bytes()));
        assert!(script_for("/x").contains("git --staged --hook\n"));
    }
}
