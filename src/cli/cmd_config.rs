//! `tokenhound config init`: writes a commented example `tokenhound.toml`;
//! `tokenhound config import-gitleaks`: turns a `.gitleaks.toml` into one.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::EXIT_CLEAN;
use crate::config::{EXAMPLE, FILE_NAME};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example tokenhound.toml (refuses to overwrite one).
    Init {
        /// Where to write it (default ./tokenhound.toml; `-` prints it).
        #[arg(default_value = FILE_NAME)]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Turn a gitleaks config (.gitleaks.toml) into a tokenhound.toml: its
    /// allowlists and the custom rules whose regex tokenhound can run, with a
    /// report of what could not be carried over (docs/GITLEAKS.md).
    ImportGitleaks {
        /// The gitleaks config to read.
        source: PathBuf,
        /// Where to write the tokenhound config (`-` prints it).
        #[arg(long, short = 'o', default_value = FILE_NAME)]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(cmd: &ConfigCommand) -> Result<u8> {
    match cmd {
        ConfigCommand::Init { path, force } => {
            if path.as_os_str() == "-" {
                std::io::Write::write_all(&mut std::io::stdout().lock(), EXAMPLE.as_bytes())?;
                return Ok(EXIT_CLEAN);
            }
            if path.exists() && !force {
                bail!("{} exists; use --force to overwrite it", path.display());
            }
            std::fs::write(path, EXAMPLE)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("tokenhound: wrote {}", path.display());
            Ok(EXIT_CLEAN)
        }
        ConfigCommand::ImportGitleaks {
            source,
            output,
            force,
        } => {
            let to_stdout = output.as_os_str() == "-";
            if !to_stdout && output.exists() && !force {
                bail!("{} exists; use --force to overwrite it", output.display());
            }
            let imported = crate::gitleaks::import::import_file(source)?;
            if to_stdout {
                std::io::Write::write_all(&mut std::io::stdout().lock(), imported.toml.as_bytes())?;
            } else {
                std::fs::write(output, &imported.toml)
                    .with_context(|| format!("cannot write {}", output.display()))?;
            }
            let safe = |s: &str| crate::report::terminal_safe(s).into_owned();
            eprintln!(
                "tokenhound: imported {} rule{} and {} allowlist entr{} from {}{}",
                imported.rules,
                if imported.rules == 1 { "" } else { "s" },
                imported.allowlist_entries,
                if imported.allowlist_entries == 1 {
                    "y"
                } else {
                    "ies"
                },
                safe(&source.display().to_string()),
                if to_stdout {
                    String::new()
                } else {
                    format!(" into {}", safe(&output.display().to_string()))
                }
            );
            if imported.notes.is_empty() {
                eprintln!("tokenhound: everything was carried over");
            } else {
                eprintln!("tokenhound: not carried over, or carried over with a change:");
                for n in &imported.notes {
                    eprintln!("  - {}", safe(n));
                }
            }
            Ok(EXIT_CLEAN)
        }
    }
}
